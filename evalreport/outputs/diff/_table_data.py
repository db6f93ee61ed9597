"""One version's table, read back from its exported files (``TableData``).

``tables/<id>.display.csv`` (printed cells), ``<id>.raw.csv`` (raw values) and ``<id>.json``
(caption, number, notes, row and column structure), as :mod:`evalreport.author.tables` exports
them. Rows are identified by their labels, not their position: a row's identity is its panel
heading (if any) and its label, plus an occurrence number when the same label repeats under one
panel. Columns likewise by spanner and label. A raw column ``<key>`` or ``<key>.<part>`` is tied
to the printed column with that key.
"""
from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Axis:
    """A row or column of a table: identity for matching, name for people."""
    ident: tuple
    name: str
    key: str | None = None
    kind: str = "data"


@dataclass
class TableData:
    id: str
    meta: dict
    stubhead: str
    rows: list[Axis]
    columns: list[Axis]
    cells: dict            # (row ident, column ident) -> printed string
    raw_columns: list[Axis]
    raw: dict              # (row ident, raw column ident) -> raw string
    raw_of_column: dict    # column ident -> [raw column idents]

    @property
    def title(self) -> str:
        number, caption = self.meta.get("number"), self.meta.get("caption")
        return ": ".join(x for x in (number, caption) if x) or self.id


META_FIELDS = (("caption", "titel"), ("number", "nummer"), ("stubhead", "forspalte"),
               ("notes", "noter"), ("footnotes", "fodnoter"), ("significance", "signifikanslegende"),
               ("source", "kilde"))


def _read_csv(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return [row for row in csv.reader(fh)]


def _with_occurrence(bases: list[tuple]) -> list[tuple]:
    seen: dict[tuple, int] = {}
    out = []
    for b in bases:
        seen[b] = seen.get(b, 0) + 1
        out.append(b + (seen[b],))
    return out


def load_table(tables_dir: Path, table_id: str) -> TableData:
    grid = _read_csv(tables_dir / f"{table_id}.display.csv") \
        if (tables_dir / f"{table_id}.display.csv").exists() else [[""]]
    meta_path = tables_dir / f"{table_id}.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.exists() else {}
    header, body = (grid[0] if grid else [""]), grid[1:]
    width = len(header) - 1

    # columns
    jcols = meta.get("columns") or []
    if len(jcols) == width:
        bases = [("col", c.get("spanner") or "", c.get("label") or "") for c in jcols]
        names = [f"{c['spanner']}: {c['label']}" if c.get("spanner") else (c.get("label") or "")
                 for c in jcols]
        keys = [c.get("key") for c in jcols]
    else:
        bases = [("col", "", h) for h in header[1:]]
        names, keys = list(header[1:]), [None] * width
    columns = [Axis(i, n, k) for i, n, k in zip(_with_occurrence(bases), names, keys)]

    # rows
    jrows = meta.get("rows") or []
    rbases, rnames, rkeys, rkinds = [], [], [], []
    if len(jrows) == len(body):
        panel = ""
        for r in jrows:
            kind, label = r.get("kind", "data"), r.get("label", "")
            if kind == "panel":
                panel = label
                rbases.append(("panel", label))
                rnames.append(label)
            else:
                rbases.append(("row", panel, label))
                rnames.append(f"{panel} › {label}" if panel else label)
            rkeys.append(r.get("key"))
            rkinds.append(kind)
    else:
        for line in body:
            label = line[0] if line else ""
            rbases.append(("row", "", label))
            rnames.append(label)
            rkeys.append(label)
            rkinds.append("data")
    rows = [Axis(i, n, k, kind) for i, n, k, kind in zip(_with_occurrence(rbases), rnames, rkeys, rkinds)]

    cells = {}
    for row, line in zip(rows, body):
        for j, col in enumerate(columns):
            cells[(row.ident, col.ident)] = line[j + 1] if j + 1 < len(line) else ""

    # raw values: rows by key, columns "<key>" / "<key>.<part>" mapped to the printed column
    raw_columns: list[Axis] = []
    raw: dict = {}
    raw_of_column: dict = {}
    raw_path = tables_dir / f"{table_id}.raw.csv"
    if raw_path.exists():
        rgrid = _read_csv(raw_path)
        if rgrid:
            col_by_key = {c.key: c for c in columns if c.key is not None}
            for name in rgrid[0][1:]:
                key, _, part = name.partition(".")
                col = col_by_key.get(key) or col_by_key.get(name)
                if col is not None and col_by_key.get(name) is col:
                    part = ""
                if col is not None:
                    axis = Axis(col.ident + (part,), col.name + (f" [{part}]" if part else ""), name)
                    raw_of_column.setdefault(col.ident, []).append(axis.ident)
                else:
                    axis = Axis(("raw", name), name, name)
                raw_columns.append(axis)
            row_by_key = {r.key: r for r in rows if r.key is not None}
            for line in rgrid[1:]:
                if not line:
                    continue
                row = row_by_key.get(line[0])
                rid = row.ident if row is not None else ("row", "", line[0], 1)
                for j, axis in enumerate(raw_columns):
                    raw[(rid, axis.ident)] = line[j + 1] if j + 1 < len(line) else ""

    meta_out = {
        "caption": meta.get("caption"), "number": meta.get("number"),
        "stubhead": meta.get("stubhead", header[0] if header else ""),
        "notes": meta.get("notes"),
        "footnotes": [f"{f.get('mark')}) {f.get('text')}" for f in meta["footnotes"]]
        if isinstance(meta.get("footnotes"), list) else None,
        "significance": meta.get("significance"), "source": meta.get("source"),
    }
    present = {k for k in meta_out if k in meta} | ({"stubhead"} if not meta else set())
    meta_out = {k: v for k, v in meta_out.items() if k in present}
    return TableData(table_id, meta_out, header[0] if header else "", rows, columns, cells,
                     raw_columns, raw, raw_of_column)


def table_ids(tables_dir: Path) -> list[str]:
    if not tables_dir.is_dir():
        return []
    ids = set()
    for f in tables_dir.iterdir():
        for suffix in (".display.csv", ".raw.csv", ".json"):
            if f.name.endswith(suffix):
                ids.add(f.name[: -len(suffix)])
    return sorted(ids)
