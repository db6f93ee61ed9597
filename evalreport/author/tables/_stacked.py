"""The stacked effect cell of matching studies: est / (SE) / [kontrol] / <rel.>.

Each outcome takes one printed line per part, as in the published BOT tables::

    Ordinær beskæftigelse   0,0529*
                            (0,0243)
                            [0,1464]
                            <+36,13 pct.>

* ``est``: the effect with its significance marker (``star_levels``);
* ``se``: the standard error in round brackets;
* ``control``: the (matched) control group's level in square brackets;
* ``rel``: the effect relative to the control level in angle brackets, printed only when
  ``p < rel_level`` (default 10 pct.) and the control level is positive.

A result is any mapping/Series with ``att`` (or ``estimate``), ``se``, ``p_value`` and
``control_mean``; ``None`` leaves the cell empty. Raw values: the number behind each line
(the relative effect as a share, also where it is not printed).
"""
from __future__ import annotations

import math
from typing import Any, Callable, Sequence

import pandas as pd

from .. import formatting as F
from ._model import ReportTable
from ._parts import Column, Row, as_notes


STACK_PARTS = ("est", "se", "control", "rel")


def _get(r: Any, *names: str) -> Any:
    for n in names:
        try:
            return r[n]
        except (KeyError, IndexError):
            continue
    raise KeyError(f"result has none of {names}")


def relative_effect(r: Any) -> float | None:
    """``estimate / control_mean`` (None when the control level is not positive)."""
    est, base = _get(r, "att", "estimate"), r["control_mean"]
    if F.is_missing(est) or F.is_missing(base) or base <= 0:
        return None
    x = float(est) / float(base)
    return x if math.isfinite(x) else None


def stack_cell(r: Any, part: str, *, decimals: int = 4,
               star_levels: Sequence[tuple[float, str]] | None = F.DEFAULT_STAR_LEVELS,
               rel_level: float = 0.10, rel_decimals: int = 2) -> tuple[str, Any]:
    """(printed line, raw value) of one part of a stacked cell."""
    if r is None:
        return "", None
    if part == "est":
        est = _get(r, "att", "estimate")
        mark = F.stars(r["p_value"], star_levels) if star_levels else ""
        return F.fmt_num(est, decimals) + mark, est
    if part == "se":
        return f"({F.fmt_num(r['se'], decimals)})", r["se"]
    if part == "control":
        return f"[{F.fmt_num(r['control_mean'], decimals)}]", r["control_mean"]
    if part == "rel":
        x = relative_effect(r)
        if x is not None and r["p_value"] < rel_level:
            return f"<{F.fmt_num(x * 100, rel_decimals, sign=True)} pct.>", x
        return "", x
    raise ValueError(f"unknown part {part!r} (one of {STACK_PARTS})")


def stacked_table(
    id: str,
    rows: Sequence[tuple[str, str]],
    columns: Sequence[tuple[str, str | None, str] | Column],
    get: Callable[[str, str], Any],
    *,
    parts: Sequence[str] = STACK_PARTS,
    decimals: int = 4,
    star_levels: Sequence[tuple[float, str]] | None = F.DEFAULT_STAR_LEVELS,
    rel_level: float = 0.10,
    n_row: tuple[str, Callable[[str], Any]] | None = None,
    legend: bool = True,
    stubhead: str = "",
    notes: str | Sequence[str] | None = None,
    source: str | None = None,
    caption: str | None = None,
    stub_width: str | None = None,
) -> ReportTable:
    """An effect table of stacked cells (see the module docstring).

    ``rows``: ``[(key, label)]`` outcomes; ``columns``: ``[(key, spanner or None, label)]``
    or :class:`Column`; ``get(row_key, column_key)`` returns the result for a cell (or None).
    Row keys are ``"<key>.<part>"``; the label stands on the first line only. ``n_row =
    (label, function(column_key) -> count)`` adds a row of counts. ``legend`` prints the
    significance legend under the table.
    """
    for p in parts:
        if p not in STACK_PARTS:
            raise ValueError(f"{id}: unknown part {p!r} (one of {STACK_PARTS})")
    levels = F._check_levels(star_levels) if star_levels else None
    cols = [c if isinstance(c, Column) else Column(c[0], c[2], c[1]) for c in columns]
    out_rows, disp, raw = [], [], []
    for rk, label in rows:
        for i, part in enumerate(parts):
            cells = [stack_cell(get(rk, c.key), part, decimals=decimals, star_levels=levels,
                                rel_level=rel_level) for c in cols]
            out_rows.append(Row(f"{rk}.{part}", label if i == 0 else ""))
            disp.append([c[0] for c in cells])
            raw.append([c[1] for c in cells])
    if n_row is not None:
        out_rows.append(Row("n", n_row[0]))
        vals = [n_row[1](c.key) for c in cols]
        disp.append([F.fmt_num(v) if v is not None else "" for v in vals])
        raw.append(vals)
    keys = [r.key for r in out_rows]
    ck = [c.key for c in cols]
    return ReportTable(id=id, columns=cols, rows=out_rows,
                       display=pd.DataFrame(disp, index=keys, columns=ck, dtype=object),
                       raw=pd.DataFrame(raw, index=keys, columns=ck, dtype=object),
                       stubhead=stubhead, notes=as_notes(notes), source=source, caption=caption,
                       star_levels=levels if legend else None, stub_width=stub_width)
