"""Small-cell suppression of count tables, Danmarks Statistik style.

Rule (as in Tabel A1 of the OtO note, "på grund af persondataloven"):

* **Primary suppression.** A count below ``min_count`` (default 3), *including
  0*, is not shown. It becomes ``Count(0, min_count - 1, suppressed=True)``
  (printed ``<3``). Zero is suppressed too, so a reader cannot tell 0 from 1–2.
* **Totals.** A total that would reveal suppressed cells by subtraction is
  published as an interval: ``low`` = sum of the shown cells of that column,
  ``high`` = ``low + (min_count - 1) * k`` for ``k`` suppressed cells
  (Tabel A1: 23-29, 37-39, 57-59). A total over a column with no suppressed cell
  stays exact (72).
* **Secondary suppression.** A column with exactly one suppressed cell and an
  *exact* total would give the cell away (total − shown cells). That never
  happens here: as soon as a column has a suppressed cell its total is an
  interval, and the interval reveals exactly what ``<min_count`` already says
  (for one cell: ``[0, min_count-1]``). So no further (complementary) cells are
  suppressed. The same rule is applied to a total *column* (row sums) when
  ``total_col`` is given, and the grand total (total row × total column) is an
  interval if any cell of the table is suppressed. What this function cannot
  see is other published tables with overlapping margins; a caller publishing
  the same counts elsewhere must suppress consistently there.

Written by hand because no maintained Python library implements this simple
rule (sdcTable/sdcMicro are R; their cell-suppression solvers are overkill for
interval totals).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Count:
    """A published count: exact (``low == high``, not suppressed), an interval
    (``low < high``, not suppressed: a total over suppressed cells), or a
    suppressed primary cell (``suppressed=True``, ``low=0``, ``high=min_count-1``)."""

    low: int
    high: int
    suppressed: bool = False

    def __post_init__(self):
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
    return Count(shown, shown + (min_count - 1) * k, False)


def suppress_counts(counts: pd.DataFrame, min_count: int = 3, total_row: str | None = None,
                    total_col: str | None = None) -> pd.DataFrame:
    """Suppress small cells of an integer count table.

    ``counts``: rows = categories, columns = e.g. time points; integer cells.
    Returns a frame of the same labels whose cells are :class:`Count`.

    ``total_row``: label of the row holding column totals. If the label is in
    ``counts`` its values must equal the column sums of the other rows (else
    ``ValueError``: an interval built from the shown cells would be wrong); if
    it is absent the total row is appended. Total cells follow the module rule
    (exact, or an interval when the column has suppressed cells). ``total_col``
    does the same for a column of row totals. Without totals, only primary
    suppression is applied.
    """
    if min_count < 1:
        raise ValueError("min_count must be at least 1")
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
    arr = _validate(frame)
    rows, cols = list(frame.index), list(frame.columns)
    body_rows = [i for i, r in enumerate(rows) if r != total_row]
    body_cols = [j for j, c in enumerate(cols) if c != total_col]
    out = np.empty(arr.shape, dtype=object)
    for i in body_rows:
        for j in body_cols:
            n = int(arr[i, j])
            out[i, j] = Count(0, min_count - 1, True) if n < min_count else Count.exact(n)
    if total_row is not None:
        i = rows.index(total_row)
        for j in body_cols:
            out[i, j] = _total([out[r, j] for r in body_rows], min_count)
    if total_col is not None:
        j = cols.index(total_col)
        for i in body_rows:
            out[i, j] = _total([out[i, c] for c in body_cols], min_count)
    if total_row is not None and total_col is not None:
        i, j = rows.index(total_row), cols.index(total_col)
        out[i, j] = _total([out[r, c] for r in body_rows for c in body_cols], min_count)
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
