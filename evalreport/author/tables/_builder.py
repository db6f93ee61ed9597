"""A table written row by row: panels, sub-headings and rows of numbers.

Descriptive tables (background characteristics, balance, model coefficients) are built
one row at a time, each with its own decimals and scale. :class:`TableBuilder` keeps the
printed cell and the raw number of each cell together, so a report does not assemble
parallel lists of labels, strings and numbers::

    tb = TableBuilder({"alle": "Alle", "maend": "Mænd", "kvinder": "Kvinder"})
    tb.panel("Civilstand, pct.")
    tb.row("Enlig", [0.41, 0.52, 0.33], decimals=0, scale=100)
    tb.row("Antal personer", [412, 180, 232])
    tb.build(id="tbl-deltagere", source=kilde)

Numbers are printed with :func:`~evalreport.author.formatting.fmt_num` (``decimals``,
``scale``), disclosure-controlled counts with ``fmt_count``, strings as given, missing
values as the formatting option ``missing``. The raw export gets the unscaled numbers
(or ``raw=`` when the printed cell is made from other numbers).
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

import pandas as pd

from .. import formatting as F
from ._model import ReportTable
from ._parts import Column, Row, as_notes


def _cell(v: Any, decimals: int, scale: Any) -> str:
    if F.is_missing(v):
        return F.get_options().missing
    if isinstance(v, str):
        return v
    if hasattr(v, "low") and hasattr(v, "high"):
        return F.fmt_count(v)
    return F.fmt_num(v, decimals, scale=scale)


class TableBuilder:
    """Collects rows for a :class:`ReportTable`.

    ``columns``: column keys, or a mapping key -> printed label. ``spanners``: spanner label
    -> column keys. ``raw_columns``: the raw export's columns (default: the column keys; use
    ``"<key>.<part>"`` when a cell stands for several numbers).
    """

    def __init__(self, columns: Sequence[str] | Mapping[str, str], *,
                 spanners: Mapping[str, Sequence[str]] | None = None,
                 align: Mapping[str, str] | None = None,
                 column_footnotes: Mapping[str, str | Sequence[str]] | None = None,
                 raw_columns: Sequence[str] | None = None) -> None:
        labels = dict(columns) if isinstance(columns, Mapping) else {c: c for c in columns}
        span_of = {k: sp for sp, keys in (spanners or {}).items() for k in keys}
        unknown = set(span_of) - set(labels)
        if unknown:
            raise KeyError(f"spanners name unknown columns {sorted(unknown)}")
        self.columns = [Column(k, lab, span_of.get(k), (align or {}).get(k, "right"),
                               (column_footnotes or {}).get(k)) for k, lab in labels.items()]
        self.raw_columns = list(raw_columns) if raw_columns is not None else list(labels)
        self._rows: list[Row] = []
        self._display: list[list[str]] = []
        self._raw: list[list[Any]] = []
        self._seen: dict[str, int] = {}

    @property
    def keys(self) -> list[str]:
        return [c.key for c in self.columns]

    def _key(self, label: str, key: str | None) -> str:
        k = key or label
        n = self._seen.get(k, 0) + 1
        self._seen[k] = n
        return k if n == 1 else f"{k} ({n})"

    def _add(self, row: Row, cells: list[str], raws: list[Any]) -> "TableBuilder":
        self._rows.append(row)
        self._display.append(cells)
        self._raw.append(raws)
        return self

    def panel(self, label: str, *, footnote: str | Sequence[str] | None = None,
              key: str | None = None) -> "TableBuilder":
        """A bold heading across the table."""
        return self._add(Row(self._key(label, key), label, "panel", 0, footnote),
                         [""] * len(self.columns), [None] * len(self.raw_columns))

    def subhead(self, label: str, *, indent: int = 0, footnote: str | Sequence[str] | None = None,
                key: str | None = None) -> "TableBuilder":
        """A bold label in the stub with empty cells."""
        return self._add(Row(self._key(label, key), label, "subhead", indent, footnote),
                         [""] * len(self.columns), [None] * len(self.raw_columns))

    def row(self, label: str, values: Sequence[Any] | Mapping[str, Any], *, decimals: int = 0,
            scale: Any = None, raw: Sequence[Any] | Mapping[str, Any] | None = None,
            indent: int = 0, footnote: str | Sequence[str] | None = None,
            key: str | None = None) -> "TableBuilder":
        """A data row: one value per column (a sequence in column order or a mapping by key)."""
        vals = self._by_column(values, self.keys, "values")
        cells = [_cell(v, decimals, scale) for v in vals]
        if raw is None:
            if self.raw_columns != self.keys:
                raise ValueError(f"row {label!r}: give raw= for the raw columns {self.raw_columns}")
            raws = [None if F.is_missing(v) else v for v in vals]
        else:
            raws = self._by_column(raw, self.raw_columns, "raw")
        return self._add(Row(self._key(label, key), label, "data", indent, footnote), cells, raws)

    @staticmethod
    def _by_column(values, keys: list[str], what: str) -> list[Any]:
        if isinstance(values, Mapping):
            missing = [k for k in keys if k not in values]
            if missing:
                raise KeyError(f"{what} lack columns {missing}")
            return [values[k] for k in keys]
        values = list(values)
        if len(values) != len(keys):
            raise ValueError(f"{what}: {len(values)} values for {len(keys)} columns")
        return values

    def build(self, *, id: str, stubhead: str = "", notes: str | Sequence[str] | None = None,
              source: str | None = None, caption: str | None = None,
              star_levels: Sequence[tuple[float, str]] | None = None,
              spanner_footnotes: Mapping[str, str | Sequence[str]] | None = None,
              stub_width: str | None = None, wrap_cells: bool = False) -> ReportTable:
        keys = [r.key for r in self._rows]
        return ReportTable(
            id=id, columns=list(self.columns), rows=list(self._rows),
            display=pd.DataFrame(self._display, index=keys, columns=self.keys, dtype=object),
            raw=pd.DataFrame(self._raw, index=keys, columns=self.raw_columns, dtype=object),
            stubhead=stubhead, notes=as_notes(notes), source=source, caption=caption,
            spanner_footnotes=dict(spanner_footnotes or {}),
            star_levels=F._check_levels(star_levels) if star_levels else None,
            stub_width=stub_width, wrap_cells=wrap_cells)
