"""Characteristics by group from one row specification: the "who gets what" tables.

A descriptive report often has several tables of the same kind – shares and means of
background variables in a few (possibly overlapping) groups. :func:`profile_table` builds
each of them from a list of rows, so a report states *what* is in a table and not how to
print it::

    rows = [("Alder, år", "alder", "mean:1"), ("Familie",), ("Gift", "gift", "share")]
    profile_table(profile, rows, columns={"J": "Jobrettet", "Ingen": "Ingen indsats"},
                  id="tbl-socio", source=kilde)

``profile`` is indexed by variable with one column of means per group (shares as 0–1), as
:func:`analysis.progression.group_profile` returns it; ``n_<group>`` columns give the count
row. With ``npersons_<group>`` (distinct persons behind each cell) and ``persons_<group>``
(distinct persons with the characteristic) the table goes through the project's disclosure
control, :func:`evalreport.author.disclosure.protect`: a mean from fewer than ``min_count``
persons, or a share whose persons with or without the characteristic are fewer, prints as
``..``, and the build's disclosure gate gets the record. Rows may be repeated answers of the
same persons, so the rule counts persons, not rows.
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

import pandas as pd

from .. import formatting as F
from ._builder import TableBuilder
from ._model import ReportTable

def _share_cell(v: Any) -> str:
    if F.is_missing(v):
        return F.get_options().missing
    if 0 < v < 0.005:
        return "<1"
    return F.fmt_num(v, 0, scale=100)


def profile_table(profile: pd.DataFrame, rows: Sequence[Sequence[Any]], *, columns: Mapping[str, str], id: str,
                  min_count: int = 3, count_row: str | None = "Antal", notes: str | Sequence[str] | None = None,
                  source: str | None = None, indent_rows: bool | None = None) -> ReportTable:
    """Shares (printed in pct.) and means of variables by group, one table row per spec row.

    ``rows``: ``(heading,)`` for a sub-heading, or ``(label, variable, kind)`` with kind
    ``"share"`` (a 0/1 variable: the share of persons, 0 decimals in pct.; "<1" below 0,5 pct.),
    ``"pct"`` (the mean of a 0–1 variable such as a share of time, printed in pct. like a share
    but disclosure-checked as a mean) or ``"mean:<decimals>"``.
    Rows under a heading are indented (``indent_rows`` overrides). ``count_row`` adds the
    ``n_<group>`` counts as a last row. Disclosure control as in the module docstring.
    """
    from ..disclosure import protect

    keys = list(columns)
    missing = [k for k in keys if k not in profile.columns]
    if missing:
        raise KeyError(f"{id}: profile has no column(s) {missing}")
    has_heads = any(len(r) == 1 for r in rows) if indent_rows is None else indent_rows
    tb = TableBuilder(dict(columns))
    persons, kinds, values = {}, {}, {}
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
        if kind in ("share", "pct"):
            cells = [_share_cell(v) for v in vals]
        elif str(kind).startswith("mean:"):
            dec = int(str(kind).split(":", 1)[1])
            cells = [F.fmt_num(v, dec) if not F.is_missing(v) else F.get_options().missing for v in vals]
        else:
            raise ValueError(f"{id}: unknown kind {kind!r} for {var!r} (share, pct or mean:<decimals>)")
        tb.row(str(label), cells, raw=vals, indent=1 if has_heads else 0, key=var)
        rk = tb._rows[-1].key                      # "var (2)" when a variable appears twice
        if all(f"npersons_{k}" in profile.columns for k in keys):
            persons[rk] = {k: profile.at[var, f"npersons_{k}"] for k in keys}
            kinds[rk] = {k: "share" if kind == "share" else "statistic" for k in keys}
            if kind == "share" and all(f"persons_{k}" in profile.columns for k in keys):
                values[rk] = {k: (profile.at[var, f"persons_{k}"] / persons[rk][k]) if persons[rk][k] else None
                              for k in keys}
    if count_row and first_var is not None:
        ncols = [f"n_{k}" for k in keys]
        if all(c in profile.columns for c in ncols):
            n = [int(profile.at[first_var, c]) for c in ncols]
            tb.row(count_row, [F.fmt_int(x) for x in n], raw=n, key="n")
    table = tb.build(id=id, notes=_notes_list(notes), source=source)
    if persons:
        frame = pd.DataFrame.from_dict(persons, orient="index")
        kind_frame = pd.DataFrame.from_dict(kinds, orient="index")
        value_frame = pd.DataFrame.from_dict(values, orient="index").reindex(frame.index) if values else None
        table = protect(table, persons=frame, kinds=kind_frame, values=value_frame, min_count_=min_count)
    return table


def _notes_list(notes: str | Sequence[str] | None) -> list[str]:
    if notes is None:
        return []
    return [notes] if isinstance(notes, str) else list(notes)
