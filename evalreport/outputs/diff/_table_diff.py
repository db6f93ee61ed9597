"""Two versions of one table compared (``TableDiff``, ``CellChange``).

Rows and columns are matched by identity (:mod:`._table_data`). For every matched cell the
printed strings are compared, with the numeric difference of the first number in them
(:mod:`._numbers`). The raw CSVs are compared too, number by number, giving exact differences
(also where the printed cell did not change). Added and removed rows and columns are listed,
and changes of caption, number, stub head, notes, footnotes, significance legend and source.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from ._numbers import danish_number, decimals_of, equal_within, raw_number
from ._render_json import cell_change_json, table_diff_json
from ._table_data import META_FIELDS, Axis, TableData


@dataclass
class CellChange:
    row: str
    column: str
    old: str
    new: str
    delta: float | None
    decimals: int = 0
    row_ident: tuple = ()
    col_ident: tuple = ()

    to_json = cell_change_json


@dataclass
class TableDiff:
    id: str
    status: str                                    # changed | unchanged | added | removed
    old: TableData | None = None
    new: TableData | None = None
    meta: list[tuple[str, Any, Any]] = field(default_factory=list)   # (field, old, new)
    rows_added: list[str] = field(default_factory=list)
    rows_removed: list[str] = field(default_factory=list)
    columns_added: list[str] = field(default_factory=list)
    columns_removed: list[str] = field(default_factory=list)
    rows_reordered: bool = False
    columns_reordered: bool = False
    cells: list[CellChange] = field(default_factory=list)
    raw: list[CellChange] = field(default_factory=list)

    @property
    def title(self) -> str:
        t = self.new or self.old
        return t.title if t else self.id

    @property
    def raw_only(self) -> list[CellChange]:
        """Raw changes whose printed cell did not change."""
        shown = {(c.row_ident, c.col_ident) for c in self.cells}
        return [r for r in self.raw if (r.row_ident, r.col_ident[:-1]) not in shown]

    to_json = table_diff_json


def _order_changed(old: list, new: list) -> bool:
    common = set(old) & set(new)
    return [x for x in old if x in common] != [x for x in new if x in common]


def _printed_change(r: Axis, c: Axis, a: str, b: str, tolerance: float) -> CellChange | None:
    """A printed cell's change, with the difference of its first Danish number."""
    if equal_within(a, b, tolerance):
        return None
    x, y = danish_number(a), danish_number(b)
    dec = max(decimals_of(a), decimals_of(b))
    delta = round(y - x, dec + 6) if x is not None and y is not None else None
    return CellChange(r.name, c.name, a, b, delta, dec, r.ident, c.ident)


def _raw_change(r: Axis, c: Axis, a: str, b: str, tolerance: float) -> CellChange | None:
    """A raw value's change, with the exact difference where both are numbers."""
    if a == b:
        return None
    x, y = raw_number(a), raw_number(b)
    if x is not None and y is not None:
        if (math.isnan(x) and math.isnan(y)) or abs(y - x) <= tolerance:
            return None
        delta = y - x if math.isfinite(y - x) else None
    else:
        delta = None
    return CellChange(r.name, c.name, a, b, delta, 0, r.ident, c.ident)


def compare_table(old: TableData | None, new: TableData | None, tolerance: float = 0.0) -> TableDiff:
    if old is None:
        return TableDiff(new.id, "added", None, new)
    if new is None:
        return TableDiff(old.id, "removed", old, None)
    d = TableDiff(new.id, "unchanged", old, new)
    for fld, _ in META_FIELDS:
        if fld in old.meta and fld in new.meta and old.meta[fld] != new.meta[fld]:
            d.meta.append((fld, old.meta[fld], new.meta[fld]))
    orows, nrows = {r.ident: r for r in old.rows}, {r.ident: r for r in new.rows}
    ocols, ncols = {c.ident: c for c in old.columns}, {c.ident: c for c in new.columns}
    d.rows_added = [r.name for r in new.rows if r.ident not in orows]
    d.rows_removed = [r.name for r in old.rows if r.ident not in nrows]
    d.columns_added = [c.name for c in new.columns if c.ident not in ocols]
    d.columns_removed = [c.name for c in old.columns if c.ident not in ncols]
    d.rows_reordered = _order_changed([r.ident for r in old.rows], [r.ident for r in new.rows])
    d.columns_reordered = _order_changed([c.ident for c in old.columns], [c.ident for c in new.columns])
    matched = [r for r in new.rows if r.ident in orows]
    for r in matched:
        for c in new.columns:
            if c.ident in ocols:
                change = _printed_change(r, c, old.cells.get((r.ident, c.ident), ""),
                                         new.cells.get((r.ident, c.ident), ""), tolerance)
                if change is not None:
                    d.cells.append(change)
    oraw = {c.ident for c in old.raw_columns}
    for r in matched:
        for c in new.raw_columns:
            key = (r.ident, c.ident)
            if c.ident in oraw and key in new.raw and key in old.raw:
                change = _raw_change(r, c, old.raw[key], new.raw[key], tolerance)
                if change is not None:
                    d.raw.append(change)
    changed = (d.meta or d.rows_added or d.rows_removed or d.columns_added or d.columns_removed
               or d.rows_reordered or d.columns_reordered or d.cells or d.raw)
    d.status = "changed" if changed else "unchanged"
    return d
