"""Disclosure-controlled count tables ("<3", "23-29", "14")."""
from __future__ import annotations

from typing import Any, Mapping, Sequence

import pandas as pd

from .. import formatting as F
from ._model import ReportTable


def _is_count(v: Any) -> bool:
    return hasattr(v, "low") and hasattr(v, "high")


def count_table(
    counts: pd.DataFrame,
    *,
    id: str,
    min_count: int = 3,
    spanners: Mapping[str, Sequence[str]] | None = None,
    row_kinds: Mapping[Any, str] | None = None,
    indent: Mapping[Any, int] | None = None,
    row_footnotes: Mapping[Any, str | Sequence[str]] | None = None,
    column_footnotes: Mapping[str, str | Sequence[str]] | None = None,
    stubhead: str = "",
    notes: str | Sequence[str] | None = None,
    source: str | None = None,
    caption: str | None = None,
    stub_width: str | None = None,
) -> ReportTable:
    """Disclosure-controlled counts. Cells are ``analysis.disclosure.Count``
    (``low``, ``high``, ``suppressed``) or plain numbers/None. Printed as
    "<3" (suppressed, with ``min_count=3``), "23-29" (interval) or "14"; the
    raw export has ``<key>.low``, ``<key>.high`` and ``<key>.suppressed``.
    Index = row labels, columns = printed column labels (``spanners`` maps a
    spanner label to column labels)."""
    names = [str(c) for c in counts.columns]
    keys = [f"c{i + 1}" for i in range(len(names))]
    display = pd.DataFrame(
        {n: [F.fmt_count(v, min_count=min_count) for v in counts[c].tolist()]
         for n, c in zip(names, counts.columns)},
        index=counts.index)
    display.columns = names
    raw_data: dict[str, list[Any]] = {}
    for k, c in zip(keys, counts.columns):
        vals = counts[c].tolist()
        lows, highs, supp = [], [], []
        for v in vals:
            if F.is_missing(v):
                lows.append(None); highs.append(None); supp.append(None)
            elif _is_count(v):
                lows.append(v.low); highs.append(v.high); supp.append(bool(getattr(v, "suppressed", False)))
            else:
                lows.append(v); highs.append(v); supp.append(False)
        raw_data[f"{k}.low"], raw_data[f"{k}.high"], raw_data[f"{k}.suppressed"] = lows, highs, supp
    raw = pd.DataFrame(raw_data, index=counts.index, dtype=object)
    t = ReportTable.from_frames(
        display, None, id=id, spanners=spanners, row_kinds=row_kinds, indent=indent,
        row_footnotes=row_footnotes, column_footnotes=column_footnotes, stubhead=stubhead,
        notes=notes, source=source, caption=caption, stub_width=stub_width)
    # from_frames derived the same keys (labels are not identifiers in general);
    # re-key the raw frame to the table's column keys.
    key_of = dict(zip(keys, [c.key for c in t.columns]))
    raw.columns = [key_of[c.split(".", 1)[0]] + "." + c.split(".", 1)[1] for c in raw.columns]
    raw.index = [r.key for r in t.rows]
    t.raw = raw
    t._validate()
    return t
