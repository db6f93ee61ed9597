"""The table model: :class:`ReportTable` and its checks.

A :class:`ReportTable` is what an analyst leaves as the last expression of a
``#| label: tbl-…`` cell. In Jupyter it displays itself (``_repr_html_``), so
the engine gets a ``text/html`` output; when ``EVALREPORT_TABLES_DIR`` is set
(the build sets it in the kernel) every displayed table is also exported there
(:func:`._export.export`, the one export path).

Structure
    ``columns``  list of :class:`Column` (internal ``key``, printed ``label``,
                 optional ``spanner`` for the two-level header). Leaf labels
                 may repeat; keys may not.
    ``rows``     list of :class:`Row` with ``kind``:
                 ``"data"``   an ordinary row;
                 ``"panel"``  bold heading spanning the whole table width
                              (e.g. "Skoleoplysninger, 0. - 9. klasse");
                 ``"subhead"`` bold label in the stub with empty cells (e.g.
                              "Timers beskæftigelse aug 2019 - feb 2023");
                 and ``indent`` (0-5) for sub-rows. Indentation is real CSS
                 padding; labels are stored *without* the "…" that the old
                 Word tables used as an indent marker.
    ``display``  DataFrame (index = row keys, columns = column keys) of the
                 cell strings exactly as printed ("" in panel/subhead rows).
    ``raw``      DataFrame with the same index; its columns are the column
                 keys, or ``"<key>.<part>"`` when one printed cell comes from
                 several numbers (``itt.estimate``, ``itt.ci_low``, ...).

There is no caption in the table: the engine prints ``#| tbl-cap`` as
"Tabel n: …". ``caption`` is kept for the JSON export only.

Like great-tables' ``GT``, the class is assembled from plain functions, one module
per concept: ``_footnotes`` (letters, Anm., Kilde), ``_render_html`` (great-tables),
``_export`` (grid, CSV, JSON) and ``_frames`` (``from_frames``).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Sequence

import pandas as pd

from . import _export, _footnotes, _frames, _render_html
from ._parts import ID_RE as _ID_RE, KEY_RE as _KEY_RE, ROW_KINDS, Column, Row, as_notes as _as_notes


@dataclass
class ReportTable:
    id: str
    columns: list[Column]
    rows: list[Row]
    display: pd.DataFrame
    raw: pd.DataFrame
    stubhead: str = ""
    notes: list[str] = field(default_factory=list)
    source: str | None = None
    caption: str | None = None
    spanner_footnotes: dict[str, str | Sequence[str]] = field(default_factory=dict)
    star_levels: tuple[tuple[float, str], ...] | None = None   # set -> legend under the table
    stub_width: str | None = None              # e.g. "40%": width of the row-label column
    wrap_cells: bool = False                   # let body cells wrap at spaces (very wide tables)

    def __post_init__(self) -> None:
        self.notes = _as_notes(self.notes)
        self._validate()

    # ---------------------------------------------------------------- checks
    def _validate(self) -> None:
        if not isinstance(self.id, str) or not _ID_RE.match(self.id):
            raise ValueError(f"table id must be a label like 'tbl-effekter', got {self.id!r}")
        keys = [c.key for c in self.columns]
        if len(set(keys)) != len(keys):
            raise ValueError(f"{self.id}: duplicate column keys {keys}")
        for c in self.columns:
            if not _KEY_RE.match(c.key) or c.key in ("row",):
                raise ValueError(f"{self.id}: column key {c.key!r} must be an identifier (and not 'row')")
            if c.align not in ("left", "center", "right"):
                raise ValueError(f"{self.id}: align of {c.key!r} must be left/center/right")
        rkeys = [r.key for r in self.rows]
        if len(set(rkeys)) != len(rkeys):
            dup = sorted({k for k in rkeys if rkeys.count(k) > 1})
            raise ValueError(f"{self.id}: duplicate row keys {dup}")
        for r in self.rows:
            if r.kind not in ROW_KINDS:
                raise ValueError(f"{self.id}: row {r.key!r} has kind {r.kind!r}, not one of {ROW_KINDS}")
            if not (0 <= int(r.indent) <= 5):
                raise ValueError(f"{self.id}: indent of row {r.key!r} must be 0-5")
            if r.kind == "panel" and r.indent:
                raise ValueError(f"{self.id}: a panel row cannot be indented ({r.key!r})")
        if list(self.display.index) != rkeys or list(self.display.columns) != keys:
            raise ValueError(f"{self.id}: display frame must have index = row keys and columns = column keys")
        if list(self.raw.index) != rkeys:
            raise ValueError(f"{self.id}: raw frame must have the same rows as the display frame")
        for rc in self.raw.columns:
            if str(rc).split(".", 1)[0] not in keys:
                raise ValueError(f"{self.id}: raw column {rc!r} is not a display column key or '<key>.<part>'")
        for r in self.rows:
            vals = self.display.loc[r.key]
            for v in vals:
                if not isinstance(v, str):
                    raise TypeError(f"{self.id}: display cell in row {r.key!r} is {type(v).__name__}, not str")
            if r.kind != "data" and any(v != "" for v in vals):
                raise ValueError(f"{self.id}: {r.kind} row {r.key!r} must have empty cells")
        # Spanners must cover adjacent columns (great-tables would move columns otherwise).
        seen: list[str] = []
        prev = None
        for c in self.columns:
            if c.spanner is not None and c.spanner != prev:
                if c.spanner in seen:
                    raise ValueError(f"{self.id}: columns under spanner {c.spanner!r} are not adjacent")
                seen.append(c.spanner)
            prev = c.spanner
        for s in self.spanner_footnotes:
            if s not in seen:
                raise ValueError(f"{self.id}: footnote on unknown spanner {s!r}")


    # ------------------------------------------------------------ structure
    def spanners(self) -> list[tuple[str, list[str]]]:
        out: list[tuple[str, list[str]]] = []
        for c in self.columns:
            if c.spanner is None:
                continue
            if out and out[-1][0] == c.spanner:
                out[-1][1].append(c.key)
            else:
                out.append((c.spanner, [c.key]))
        return out

    # ------------------------------------------------------ footnotes, notes
    footnotes = _footnotes.footnotes
    _marks = _footnotes.marks
    note_lines = _footnotes.note_lines

    # ------------------------------------------------------------- the grid
    header_text = _export.header_text
    stub_text = _export.stub_text
    display_grid = _export.display_grid

    # ------------------------------------------------------------------ HTML
    html_id = property(_render_html.html_id)
    to_gt = _render_html.to_gt
    as_html = _render_html.as_html

    def _repr_html_(self) -> str:
        out_dir = os.environ.get("EVALREPORT_TABLES_DIR")
        if out_dir:
            self.export(out_dir)
        return self.as_html()

    def __repr__(self) -> str:
        return (f"<ReportTable {self.id}: {len(self.rows)} rækker x {len(self.columns)} kolonner>")

    # ---------------------------------------------------------------- export
    to_dict = _export.to_dict
    display_csv = _export.display_csv
    raw_csv = _export.raw_csv
    export = _export.export

    # ---------------------------------------------------------- constructors
    from_frames = classmethod(_frames.from_frames)
