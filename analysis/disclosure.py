"""Disclosure control, Danmarks Statistik style: the rule set every published number passes.

Pure functions; the build's gate (:mod:`evalreport.outputs.disclosure`) and the
authoring side (:mod:`evalreport.author.disclosure`) apply them.

* **Primary suppression.** A statistic computed from fewer than ``min_count``
  persons (default 3, never lower in a project) is not published: a count
  below ``min_count``, and a mean, SD, share or estimate of a group that small
  (:func:`primary_rule`). A share is also disclosive when its numerator, or the
  denominator minus the numerator, is a count below ``min_count`` (1 of 40
  people is a person). Zero is published as 0 unless ``suppress_zero``.
* **Complementary suppression.** A suppressed value must not be recoverable
  from totals or from the other cells of its row or column. In a count table
  with exact totals, every line (row or column with a published total) with one
  suppressed cell gets a second one (the smallest other cell), repeated until
  stable, and a linear-programming audit (:func:`recoverable_cells`) confirms that
  no suppressed cell is pinned to one value by the published cells and totals.
  Statistics of groups that are parts of a published total group (Tilbud =
  Accept + Nej-tak) get the same treatment per row (:func:`protect_cells`): a
  mean of a total and of one part, with their counts, gives away the other part.
* **Interval totals** (``totals="interval"``, as in Tabel A1 of the OtO note):
  a total over suppressed cells is published as an interval
  (``low`` = sum of shown cells, ``high = low + (min_count - 1) * k``); then the
  prose must not state the exact total either, which the gate checks.

What these functions cannot see is other published tables with overlapping
margins; a caller publishing the same counts elsewhere must suppress
consistently there.

Written by hand because no maintained Python library implements these rules
(sdcTable/sdcMicro are R); the audit uses scipy's ``linprog``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Count:
    """A published count: exact (``low == high``, not suppressed), an interval
    (``low < high``, not suppressed: a total over suppressed cells), a suppressed
    primary cell (``suppressed=True``, ``high=min_count-1``; ``low`` 0, or 1 when zeros
    are published), or a complementary suppressed cell (``complementary=True``: a
    count of ``min_count`` or more hidden so that a primary cell cannot be recovered;
    ``low``/``high`` are what a reader can infer, not the value)."""

    low: int
    high: int | None
    suppressed: bool = False
    complementary: bool = False

    def __post_init__(self):
        if self.complementary and self.high is None:
            return                                    # no bounds published
        if self.low < 0 or self.high < self.low:
            raise ValueError(f"invalid count bounds ({self.low}, {self.high})")

    @classmethod
    def exact(cls, n: int) -> "Count":
        return cls(int(n), int(n), False)


def count_is_exact(c: Count) -> bool:
    """True when the count is published exactly."""
    return (not c.suppressed) and c.low == c.high


def count_is_interval(c: Count) -> bool:
    """True for an interval total (e.g. 23-29)."""
    return (not c.suppressed) and c.low < c.high


def count_is_suppressed(c: Count) -> bool:
    """True for a primary-suppressed cell (printed ``<min_count``)."""
    return c.suppressed


def _validate(counts: pd.DataFrame) -> np.ndarray:
    values = counts.to_numpy()
    try:
        arr = values.astype(float)
    except (TypeError, ValueError):
        raise ValueError("counts must be numeric") from None
    if np.isnan(arr).any():
        raise ValueError("counts contain missing values; use 0 for empty cells")
    if (arr < 0).any() or (arr != np.round(arr)).any():
        raise ValueError("counts must be non-negative integers")
    return arr.astype(np.int64)


def _total(cells: list[Count], min_count: int) -> Count:
    shown = sum(c.low for c in cells if not c.suppressed)
    k = sum(1 for c in cells if c.suppressed)
    low = shown + sum(c.low for c in cells if c.suppressed)
    return Count(low, shown + (min_count - 1) * k, False)


def primary_rule(persons, *, min_count: int = 3, kind: str = "statistic", value=None,
                 suppress_zero: bool = False) -> str | None:
    """Why a statistic from ``persons`` persons may not be published (a short Danish rule
    text), or None. ``kind``: ``count`` (``value`` persons), ``share`` (``value`` = the
    share, numerator = round(value * persons)) or any other statistic of the group."""
    if persons is None or (isinstance(persons, float) and np.isnan(persons)):
        return None
    n = int(round(float(persons)))
    if kind == "count":
        if n == 0:
            return "nul vises ikke (suppress-zero)" if suppress_zero else None
        return f"antal under {min_count}" if n < min_count else None
    if n == 0:
        return None                                   # a statistic of nobody is not a number
    if n < min_count:
        return f"beregnet på færre end {min_count} personer"
    if kind == "share" and value is not None and not np.isnan(float(value)):
        k = int(round(float(value) * n))
        for part in (k, n - k):
            if 0 < part < min_count or (part == 0 and suppress_zero):
                return f"andelen afslører et antal under {min_count}"
    return None


def small_bins(counts, *, min_count: int = 3) -> np.ndarray:
    """Which bins of a histogram (or points of any figure drawn from counts) may not be
    shown: those with at least one and fewer than ``min_count`` persons. An empty bin is
    shown (as empty); its neighbours' counts are what the reader sees."""
    c = np.asarray(counts, dtype=float)
    return (c > 0) & (c < min_count)


def protect_cells(persons: pd.DataFrame, *, min_count: int = 3, kinds: pd.DataFrame | None = None,
                  values: pd.DataFrame | None = None, parts: dict | None = None,
                  suppress_zero: bool = False) -> pd.DataFrame:
    """The rule for every cell of a table of group statistics: None (publish), a primary
    rule text, or ``"komplementær"``.

    ``persons``: persons behind each cell (NaN: not a group statistic). ``kinds``,
    ``values``: per cell as in :func:`primary_rule`. ``parts``: column relations
    ``{total column: [part columns]}``; within each row, a published total with exactly
    one suppressed part gets a second part suppressed (the one with the fewest persons).
    """
    rules = pd.DataFrame(None, index=persons.index, columns=persons.columns, dtype=object)
    for r in persons.index:
        for c in persons.columns:
            kind = kinds.at[r, c] if kinds is not None else "statistic"
            value = values.at[r, c] if values is not None else None
            rules.at[r, c] = primary_rule(persons.at[r, c], min_count=min_count, kind=kind, value=value,
                                          suppress_zero=suppress_zero)
    changed = True
    while changed:
        changed = False
        for total, group in (parts or {}).items():
            for r in persons.index:
                hidden = [c for c in group if rules.at[r, c] is not None]
                if rules.at[r, total] is None and len(hidden) == 1:
                    rest = [c for c in group if rules.at[r, c] is None and not pd.isna(persons.at[r, c])]
                    if rest:
                        pick = min(rest, key=lambda c: float(persons.at[r, c]))
                        rules.at[r, pick] = "komplementær"
                    else:
                        rules.at[r, total] = "komplementær"
                    changed = True
    return rules


def _lines(shape, total_row: int | None, total_col: int | None) -> list[list[tuple[int, int]]]:
    """The additive lines of a table: each body row (with a total column) and body column
    (with a total row), the total row/column themselves, as lists of (i, j) with the total last."""
    n_rows, n_cols = shape
    rows = [i for i in range(n_rows) if i != total_row]
    cols = [j for j in range(n_cols) if j != total_col]
    lines = []
    if total_col is not None:
        for i in rows + ([total_row] if total_row is not None else []):
            lines.append([(i, j) for j in cols] + [(i, total_col)])
    if total_row is not None:
        for j in cols + ([total_col] if total_col is not None else []):
            lines.append([(i, j) for i in rows] + [(total_row, j)])
    return lines


def recoverable_cells(values: np.ndarray, hidden: np.ndarray, total_row: int | None = None,
                      total_col: int | None = None) -> list[tuple[int, int, float, float]]:
    """Hidden cells a reader can pin to one value from the published cells and totals.

    Solves, for every hidden cell, min and max of its value subject to every line
    adding up to its total and every hidden cell being ≥ 0 (linear programming);
    returns ``(i, j, low, high)`` of the cells with ``high - low < 1``.
    """
    from scipy.optimize import linprog

    idx = {tuple(ij): k for k, ij in enumerate(np.argwhere(hidden))}
    if not idx:
        return []
    a_eq, b_eq = [], []
    for line in _lines(values.shape, total_row, total_col):
        row = np.zeros(len(idx))
        known = 0.0
        for pos, (i, j) in enumerate(line):
            sign = -1.0 if pos == len(line) - 1 else 1.0
            if (i, j) in idx:
                row[idx[(i, j)]] += sign
            else:
                known += sign * float(values[i, j])
        if row.any():
            a_eq.append(row)
            b_eq.append(-known)
    out = []
    if not a_eq:
        return out
    bounds = [(0, None)] * len(idx)
    for (i, j), k in idx.items():
        c = np.zeros(len(idx))
        c[k] = 1.0
        lo = linprog(c, A_eq=np.array(a_eq), b_eq=np.array(b_eq), bounds=bounds, method="highs")
        hi = linprog(-c, A_eq=np.array(a_eq), b_eq=np.array(b_eq), bounds=bounds, method="highs")
        if lo.status == 0 and hi.status == 0 and (-hi.fun) - lo.fun < 1 - 1e-9:
            out.append((i, j, lo.fun, -hi.fun))
    return out


def _complement(arr: np.ndarray, hidden: np.ndarray, total_row, total_col) -> np.ndarray:
    """Add complementary cells until no line has exactly one hidden cell and the audit passes."""
    hidden = hidden.copy()
    for _ in range(arr.size):
        changed = False
        for line in _lines(arr.shape, total_row, total_col):
            cells = [ij for ij in line[:-1]]
            n_hidden = sum(hidden[ij] for ij in cells)
            if n_hidden == 1 and not hidden[line[-1]]:
                rest = [ij for ij in cells if not hidden[ij]]
                positive = [ij for ij in rest if arr[ij] > 0] or rest
                if positive:
                    hidden[min(positive, key=lambda ij: (arr[ij], ij))] = True
                    changed = True
        if changed:
            continue
        leaks = recoverable_cells(arr, hidden, total_row, total_col)
        if not leaks:
            return hidden
        i, j = leaks[0][:2]                            # widen around the first pinned cell
        line = next(ln for ln in _lines(arr.shape, total_row, total_col) if (i, j) in ln[:-1])
        rest = [ij for ij in line[:-1] if not hidden[ij]]
        if not rest:
            hidden[line[-1]] = True
        else:
            hidden[min(rest, key=lambda ij: (arr[ij], ij))] = True
    return hidden


def suppress_counts(counts: pd.DataFrame, min_count: int = 3, total_row: str | None = None,
                    total_col: str | None = None, *, totals: str = "exact",
                    suppress_zero: bool = False) -> pd.DataFrame:
    """Suppress small cells of an integer count table.

    ``counts``: rows = categories, columns = e.g. time points; integer cells.
    Returns a frame of the same labels whose cells are :class:`Count`.

    ``total_row``/``total_col``: label of the row/column of totals (appended when
    absent; when present it must equal the sums). ``totals="exact"`` (default):
    totals are published exactly and complementary cells are suppressed so that no
    suppressed cell can be recovered (:func:`recoverable_cells`). ``totals="interval"``:
    totals over suppressed cells become intervals and no complementary cells are
    needed. Zeros are published unless ``suppress_zero``.
    """
    if min_count < 1:
        raise ValueError("min_count must be at least 1")
    if totals not in ("exact", "interval"):
        raise ValueError("totals must be 'exact' or 'interval'")
    frame = counts.copy()
    if total_row is not None and total_row not in frame.index:
        frame.loc[total_row] = 0
    if total_col is not None and total_col not in frame.columns:
        frame[total_col] = 0
    body = frame.drop(index=[total_row] if total_row is not None else [],
                      columns=[total_col] if total_col is not None else [])
    body_arr = _validate(body)
    if total_row is not None and total_row in counts.index:
        given = _validate(frame.loc[[total_row], body.columns])[0]
        if not np.array_equal(given, body_arr.sum(axis=0)):
            raise ValueError(f"total row '{total_row}' does not equal the column sums of the other rows")
    if total_col is not None and total_col in counts.columns:
        given = _validate(frame.loc[body.index, [total_col]])[:, 0]
        if not np.array_equal(given, body_arr.sum(axis=1)):
            raise ValueError(f"total column '{total_col}' does not equal the row sums of the other columns")
    rows, cols = list(frame.index), list(frame.columns)
    ti = rows.index(total_row) if total_row is not None else None
    tj = cols.index(total_col) if total_col is not None else None
    arr = _validate(frame)
    body_rows = [i for i in range(len(rows)) if i != ti]
    body_cols = [j for j in range(len(cols)) if j != tj]
    if ti is not None:
        arr[ti, body_cols] = arr[np.ix_(body_rows, body_cols)].sum(axis=0)
    if tj is not None:
        arr[:, tj] = arr[:, body_cols].sum(axis=1)
    low = 0 if suppress_zero else 1
    primary = np.zeros(arr.shape, dtype=bool)
    for i in body_rows:
        for j in body_cols:
            n = int(arr[i, j])
            primary[i, j] = (0 < n < min_count) or (n == 0 and suppress_zero)
    out = np.empty(arr.shape, dtype=object)
    if totals == "exact":
        hidden = _complement(arr, primary, ti, tj)
        for i in range(len(rows)):
            for j in range(len(cols)):
                n = int(arr[i, j])
                if primary[i, j]:
                    out[i, j] = Count(0 if n == 0 else low, min_count - 1, True)
                elif hidden[i, j]:
                    out[i, j] = Count(0, None, True, complementary=True)
                else:
                    out[i, j] = Count.exact(n)
        return pd.DataFrame(out, index=frame.index, columns=frame.columns)
    for i in body_rows:
        for j in body_cols:
            n = int(arr[i, j])
            out[i, j] = Count(0 if n == 0 else low, min_count - 1, True) if primary[i, j] else Count.exact(n)
    if ti is not None:
        for j in body_cols:
            out[ti, j] = _total([out[r, j] for r in body_rows], min_count)
    if tj is not None:
        for i in body_rows:
            out[i, tj] = _total([out[i, c] for c in body_cols], min_count)
    if ti is not None and tj is not None:
        out[ti, tj] = _total([out[r, c] for r in body_rows for c in body_cols], min_count)
    return pd.DataFrame(out, index=frame.index, columns=frame.columns)


def counts_frame_bounds(table: pd.DataFrame) -> pd.DataFrame:
    """Long tidy view of a suppressed table: row, column, low, high, suppressed, exact."""
    records = []
    for r in table.index:
        for c in table.columns:
            cell = table.at[r, c]
            records.append({"row": r, "column": c, "low": cell.low, "high": cell.high,
                            "suppressed": cell.suppressed, "exact": count_is_exact(cell)})
    return pd.DataFrame.from_records(records, columns=["row", "column", "low", "high", "suppressed", "exact"])


def suppress_partition(counts: pd.DataFrame, min_count: int = 3) -> pd.DataFrame:
    """Primary and complementary suppression of a table whose rows partition each column's
    total (e.g. legal bases of the participants in each municipality, shown as shares).

    Returns a bool frame (True = do not show). A cell below ``min_count`` (0 included) is
    suppressed; if a column then has exactly one suppressed cell, the smallest other cell of
    that column is suppressed too, since the published total (or 100 pct.) minus the shown cells
    would reveal it. Rows may overlap a little (a person in two rows); the rule still applies,
    because the overlap is small and known."""
    arr = _validate(counts)
    hide = arr < min_count
    for j in range(arr.shape[1]):
        if hide[:, j].sum() == 1 and arr.shape[0] > 1:
            others = [i for i in range(arr.shape[0]) if not hide[i, j]]
            hide[min(others, key=lambda i: (arr[i, j], i)), j] = True
    return pd.DataFrame(hide, index=counts.index, columns=counts.columns)
