"""A table from data frames whose index holds the row labels (``ReportTable.from_frames``)."""
from __future__ import annotations

from typing import Any, Iterable, Mapping, Sequence

import pandas as pd

from .. import formatting as F
from ._parts import KEY_RE as _KEY_RE, Column, Row, as_notes as _as_notes


def from_frames(
    cls,
    display: pd.DataFrame | None,
    raw: pd.DataFrame | None = None,
    *,
    id: str,
    decimals: int | Mapping[str, int] = 0,
    labels: Mapping[str, str] | None = None,
    spanners: Mapping[str, Sequence[str]] | None = None,
    align: Mapping[str, str] | None = None,
    row_kinds: Mapping[Any, str] | None = None,
    indent: Mapping[Any, int] | None = None,
    row_footnotes: Mapping[Any, str | Sequence[str]] | None = None,
    column_footnotes: Mapping[str, str | Sequence[str]] | None = None,
    spanner_footnotes: Mapping[str, str | Sequence[str]] | None = None,
    stubhead: str = "",
    notes: str | Sequence[str] | None = None,
    source: str | None = None,
    caption: str | None = None,
    star_levels: Sequence[tuple[float, str]] | None = None,
    stub_width: str | None = None,
):
    """Generic table from frames whose index holds the row labels.

    ``display`` holds the printed strings; if it is None it is made from
    ``raw`` with :func:`fmt_num` and ``decimals`` (int or per column; text
    cells pass through). Column names of ``display`` are the keys if they
    are identifiers, otherwise the printed labels (keys are then derived:
    ``c1``, ``c2``, …); ``labels`` maps key -> printed label. ``raw``
    columns must be the keys or ``"<key>.<part>"``; if ``raw`` is None the
    numbers of ``display``'s source are unknown and raw = display.
    ``row_kinds``/``indent``/``row_footnotes`` are keyed by row label;
    rows of kind panel/subhead must have empty (or missing) cells.
    """
    if display is None:
        if raw is None:
            raise ValueError("from_frames() needs display or raw")
        display = pd.DataFrame(
            {c: [_auto_fmt(v, decimals if isinstance(decimals, int) else decimals.get(c, 0))
                 for v in raw[c].tolist()] for c in raw.columns},
            index=raw.index)
    names = [str(c) for c in display.columns]
    if all(_KEY_RE.match(n) and n != "row" for n in names) and len(set(names)) == len(names):
        keys = names
        lab = {k: k for k in keys}
    else:
        keys = [f"c{i + 1}" for i in range(len(names))]
        lab = dict(zip(keys, names))
    lab.update(labels or {})
    span_of: dict[str, str] = {}
    for sp, ckeys in (spanners or {}).items():
        for k in ckeys:
            k = k if k in keys else keys[names.index(k)]
            span_of[k] = sp
    align = dict(align or {})
    columns = [Column(k, lab[k], span_of.get(k), align.get(k, "right"),
                      (column_footnotes or {}).get(k) or (column_footnotes or {}).get(lab[k]))
               for k in keys]
    labels_list = [str(x) for x in display.index]
    rkeys = _unique_keys(labels_list)
    rows = [Row(k, lbl, (row_kinds or {}).get(lbl, "data"), int((indent or {}).get(lbl, 0)),
                (row_footnotes or {}).get(lbl))
            for k, lbl in zip(rkeys, labels_list)]
    disp = pd.DataFrame(
        [["" if F.is_missing(v) else str(v) for v in display.iloc[i].tolist()]
         for i in range(len(display))],
        index=rkeys, columns=keys, dtype=object)
    if raw is None:
        raw_df = disp.copy()
    else:
        if len(raw) != len(display):
            raise ValueError(f"{id}: raw and display have different numbers of rows")
        if [str(x) for x in raw.index] != labels_list:
            raise ValueError(f"{id}: raw and display must have identical row labels")
        rename = {}
        for c in raw.columns:
            c = str(c)
            head, dot, part = c.partition(".")
            if c in names and c not in keys:
                rename[c] = keys[names.index(c)]
            elif head in names and head not in keys:
                rename[c] = keys[names.index(head)] + dot + part
        raw_df = raw.rename(columns=rename).copy()
        raw_df.index = rkeys
    return cls(id=id, columns=columns, rows=rows, display=disp, raw=raw_df, stubhead=stubhead,
               notes=_as_notes(notes), source=source, caption=caption,
               spanner_footnotes=dict(spanner_footnotes or {}),
               star_levels=F._check_levels(star_levels) if star_levels else None,
               stub_width=stub_width)


def _unique_keys(labels: Iterable[str]) -> list[str]:
    out, seen = [], {}
    for lbl in labels:
        n = seen.get(lbl, 0) + 1
        seen[lbl] = n
        out.append(lbl if n == 1 else f"{lbl} ({n})")
    return out


def _auto_fmt(v: Any, decimals: int) -> str:
    if F.is_missing(v):
        return F.get_options().missing
    if isinstance(v, str):
        return v
    if hasattr(v, "low") and hasattr(v, "high"):
        return F.fmt_count(v)
    return F.fmt_num(v, decimals)

