"""Characteristics by group from one row specification: the "who gets what" tables.

A descriptive report often has several tables of the same kind – shares and means of
background variables in a few (possibly overlapping) groups. :func:`profile_table` builds
each of them from a list of rows, so a report states *what* is in a table and not how to
print it::

    rows = [("Alder, år", "alder", "mean:1"), ("Familie",), ("Gift", "gift", "share")]
    profile_table(profile, rows, columns={"J": "Jobrettet", "Ingen": "Ingen indsats"},
                  id="tbl-socio", source=kilde)

``profile`` is indexed by variable with one column of means per group (shares as 0–1), as
:func:`analysis.progression.group_profile` returns it; ``persons_<group>`` columns (the
number of distinct persons behind a share) switch on disclosure control, and
``n_<group>`` columns give the count row.
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

import pandas as pd

from .. import formatting as F
from ._builder import TableBuilder
from ._model import ReportTable

HIDDEN = ".."


def _share_cell(v: Any, persons: Any, min_count: int) -> tuple[str, bool]:
    if F.is_missing(v):
        return F.get_options().missing, False
    if persons is not None and not F.is_missing(persons) and 0 < persons < min_count:
        return HIDDEN, True
    if 0 < v < 0.005:
        return "<1", False
    return F.fmt_num(v, 0, scale=100), False


def profile_table(profile: pd.DataFrame, rows: Sequence[Sequence[Any]], *, columns: Mapping[str, str], id: str,
                  min_count: int = 3, count_row: str | None = "Antal", notes: str | Sequence[str] | None = None,
                  source: str | None = None, indent_rows: bool | None = None) -> ReportTable:
    """Shares (printed in pct.) and means of variables by group, one table row per spec row.

    ``rows``: ``(heading,)`` for a sub-heading, or ``(label, variable, kind)`` with kind
    ``"share"`` (0 decimals in pct.; "<1" for shares below 0,5 pct.; ``..`` when fewer than
    ``min_count`` persons are behind a non-zero share, if ``profile`` has ``persons_<group>``)
    or ``"mean:<decimals>"``. Rows under a heading are indented (``indent_rows`` overrides).
    ``count_row`` adds the ``n_<group>`` counts as a last row. A note explains ``..`` when
    used.
    """
    keys = list(columns)
    missing = [k for k in keys if k not in profile.columns]
    if missing:
        raise KeyError(f"{id}: profile has no column(s) {missing}")
    has_heads = any(len(r) == 1 for r in rows) if indent_rows is None else indent_rows
    tb = TableBuilder(dict(columns))
    hidden_any = False
    first_var = None
    for r in rows:
        if len(r) == 1:
            tb.subhead(str(r[0]))
            continue
        label, var, kind = r
        if var not in profile.index:
            raise KeyError(f"{id}: no variable {var!r} in the profile")
        first_var = first_var or var
        vals = [profile.at[var, k] for k in keys]
        if kind == "share":
            cells = []
            for k, v in zip(keys, vals):
                pcol = f"persons_{k}"
                cell, hid = _share_cell(v, profile.at[var, pcol] if pcol in profile.columns else None, min_count)
                cells.append(cell)
                hidden_any |= hid
            raw = [None if c == HIDDEN else v for c, v in zip(cells, vals)]
        elif str(kind).startswith("mean:"):
            dec = int(str(kind).split(":", 1)[1])
            cells = [F.fmt_num(v, dec) if not F.is_missing(v) else F.get_options().missing for v in vals]
            raw = vals
        else:
            raise ValueError(f"{id}: unknown kind {kind!r} for {var!r} (share or mean:<decimals>)")
        tb.row(str(label), cells, raw=raw, indent=1 if has_heads else 0, key=var)
    if count_row and first_var is not None:
        ncols = [f"n_{k}" for k in keys]
        if all(c in profile.columns for c in ncols):
            n = [int(profile.at[first_var, c]) for c in ncols]
            tb.row(count_row, [F.fmt_int(x) for x in n], raw=n, key="n")
    all_notes = list(_notes_list(notes))
    if hidden_any:
        all_notes.append(f"{HIDDEN}: færre end {min_count} personer; andelen vises ikke af hensyn til diskretionen.")
    return tb.build(id=id, notes=all_notes, source=source)


def _notes_list(notes: str | Sequence[str] | None) -> list[str]:
    if notes is None:
        return []
    return [notes] if isinstance(notes, str) else list(notes)
