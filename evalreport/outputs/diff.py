"""What changed between two builds of a report: its tables cell by cell, and its prose.

A *build folder* is a published version folder (``_site/reports/<slug>/<version>/``)
or a staging folder of the working tree; both hold ``tables/<id>.display.csv``,
``<id>.raw.csv``, ``<id>.json`` and ``index.html``.

Tables
    Rows are matched by their labels, not their position: a row's identity is
    its panel heading (if any) and its label, plus an occurrence number when
    the same label repeats under one panel. Columns likewise by spanner and
    label. For every matched cell the printed strings are compared; the
    *numeric difference* of a changed cell is the difference of the first
    number in it, read as Danish (``"1.052"`` = 1052, ``"-1,1 (-2,5 til 0,3)"``
    = -1.1, ``"<3"`` = 3, ``"23-29"`` = 23). The raw CSVs are compared too,
    number by number, giving exact differences (also where the printed cell did
    not change). Added and removed rows, columns and tables are listed, and
    changes of caption, number, stub head, notes, footnotes, significance
    legend and source line.

Prose
    The text of the rendered HTML is split into paragraphs (headings, ``p``,
    list items, reference entries; not tables, the contents, the cover's
    metadata or ``#build-stamp``) and the two lists are aligned with
    :mod:`difflib`; changed, added and removed paragraphs are reported with the
    section they stand in and a word-level diff.

Tolerance
    With ``tolerance=t`` two numbers count as equal when they differ by at most
    ``t`` (in printed units for printed cells and prose, in raw units for raw
    values). A printed cell or paragraph is equal within tolerance when its
    text is the same apart from its numbers and every number is within ``t``.

Outputs: :func:`format_text` (terminal, optionally coloured), :meth:`DiffResult.to_json`
and :func:`render_html` (a page in daff's "highlighter" convention: an action
column with ``->`` for a modified row, ``+++``/``---`` for added/removed rows,
a ``!`` schema row marking added/removed columns, and ``old->new`` in changed
cells).
"""
from __future__ import annotations

import csv
import difflib
import json
import math
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import jinja2

from ..engine.render import TEMPLATES, danish_date
from .manifest import MANIFEST, read_manifest, sha256_file

# ----------------------------------------------------------------------------- numbers

# A Danish number: "." groups thousands, "," is the decimal mark. A minus is the typographic
# minus U+2212 that reports print, or the ASCII hyphen-minus of versions built before the
# switch (both are read, so old and new versions compare by value). It counts only when it
# does not follow a digit ("23-29" is a range, "−0,3" and "-0,3" negative numbers).
_NUMBER = re.compile(r"(?<![\d,.])([-\u2212]?)(\d{1,3}(?:\.\d{3})+(?!\d)|\d+)(?:,(\d+))?")


def danish_numbers(text: str) -> list[float]:
    """Every number in a printed Danish string, in order."""
    out = []
    for m in _NUMBER.finditer(text or ""):
        sign, whole, frac = m.groups()
        value = float(whole.replace(".", "") + ("." + frac if frac else ""))
        out.append(-value if sign else value)
    return out


def danish_number(text: str) -> float | None:
    """The first number of a printed cell ("-1,1 (-2,5 til 0,3)" -> -1.1), or None."""
    nums = danish_numbers(text)
    return nums[0] if nums else None


def _skeleton(text: str) -> str:
    return _NUMBER.sub("#", text or "")


def _decimals(text: str) -> int:
    m = _NUMBER.search(text or "")
    return len(m.group(3)) if m and m.group(3) else 0


def equal_within(old: str, new: str, tolerance: float) -> bool:
    """Same text, or (tolerance > 0) the same text apart from numbers that differ by ≤ tolerance."""
    if old == new:
        return True
    if tolerance <= 0 or _skeleton(old) != _skeleton(new):
        return False
    a, b = danish_numbers(old), danish_numbers(new)
    return len(a) == len(b) and all(abs(x - y) <= tolerance + 1e-12 for x, y in zip(a, b))


def fmt_delta_danish(delta: float, decimals: int) -> str:
    text = f"{abs(delta):,.{decimals}f}".replace(",", "\0").replace(".", ",").replace("\0", ".")
    if float(f"{abs(delta):.{decimals}f}") == 0:
        return "0" if decimals == 0 else "0," + "0" * decimals
    return ("+" if delta > 0 else "\u2212") + text


def _raw_number(text: str) -> float | None:
    if text in ("", None):
        return None
    if text in ("true", "false"):
        return None
    try:
        return float(text)
    except ValueError:
        return None


# ----------------------------------------------------------------------------- tables

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

    def to_json(self) -> dict:
        return {"row": self.row, "column": self.column, "old": self.old, "new": self.new,
                "delta": self.delta}


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

    def to_json(self) -> dict:
        return {
            "id": self.id, "status": self.status, "title": self.title,
            "meta": [{"field": f, "old": o, "new": n} for f, o, n in self.meta],
            "rows_added": self.rows_added, "rows_removed": self.rows_removed,
            "columns_added": self.columns_added, "columns_removed": self.columns_removed,
            "rows_reordered": self.rows_reordered, "columns_reordered": self.columns_reordered,
            "cells": [c.to_json() for c in self.cells],
            "raw": [c.to_json() for c in self.raw],
        }


def _order_changed(old: list, new: list) -> bool:
    common = set(old) & set(new)
    return [x for x in old if x in common] != [x for x in new if x in common]


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
    for r in new.rows:
        if r.ident not in orows:
            continue
        for c in new.columns:
            if c.ident not in ocols:
                continue
            a, b = old.cells.get((r.ident, c.ident), ""), new.cells.get((r.ident, c.ident), "")
            if equal_within(a, b, tolerance):
                continue
            x, y = danish_number(a), danish_number(b)
            delta = (y - x) if x is not None and y is not None else None
            if delta is not None:
                dec = max(_decimals(a), _decimals(b))
                delta = round(delta, dec + 6)
            d.cells.append(CellChange(r.name, c.name, a, b, delta, max(_decimals(a), _decimals(b)),
                                      r.ident, c.ident))
    oraw = {c.ident for c in old.raw_columns}
    for r in new.rows:
        if r.ident not in orows:
            continue
        for c in new.raw_columns:
            if c.ident not in oraw or (r.ident, c.ident) not in new.raw or (r.ident, c.ident) not in old.raw:
                continue
            a, b = old.raw[(r.ident, c.ident)], new.raw[(r.ident, c.ident)]
            if a == b:
                continue
            x, y = _raw_number(a), _raw_number(b)
            if x is not None and y is not None:
                if (math.isnan(x) and math.isnan(y)) or abs(y - x) <= tolerance:
                    continue
                delta = y - x if math.isfinite(y - x) else None
            else:
                delta = None
            d.raw.append(CellChange(r.name, c.name, a, b, delta, 0, r.ident, c.ident))
    changed = (d.meta or d.rows_added or d.rows_removed or d.columns_added or d.columns_removed
               or d.rows_reordered or d.columns_reordered or d.cells or d.raw)
    d.status = "changed" if changed else "unchanged"
    return d


# ----------------------------------------------------------------------------- prose

_BLOCKS = {"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "dt", "dd", "figcaption", "caption",
           "blockquote", "pre"}
_SKIP_TAGS = {"style", "script", "svg", "table", "head", "template", "math", "nav"}
_SKIP_CLASSES = {"report-meta", "build-stamp", "colophon", "synthetic-banner"}
_VOID = {"br", "img", "meta", "hr", "input", "link", "col", "wbr", "source", "area", "base"}


class _Paragraphs(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out: list[tuple[str, str]] = []
        self.buf: list[str] = []
        self.section = ""
        self.heading = False
        self.skip_tag: str | None = None
        self.skip_depth = 0

    def flush(self):
        text = " ".join("".join(self.buf).split())
        self.buf = []
        if text:
            if self.heading:
                self.section = text
            self.out.append((self.section, text))

    def handle_starttag(self, tag, attrs):
        if self.skip_tag is not None:
            if tag == self.skip_tag:
                self.skip_depth += 1
            return
        a = dict(attrs)
        classes = set((a.get("class") or "").split())
        if tag in _SKIP_TAGS or a.get("id") == "build-stamp" or classes & _SKIP_CLASSES:
            if tag not in _VOID:
                self.skip_tag, self.skip_depth = tag, 1
            return
        if tag in _BLOCKS or (tag == "div" and "csl-entry" in classes):
            self.flush()
            self.heading = tag in ("h1", "h2", "h3", "h4", "h5", "h6")
        elif tag == "br":
            self.buf.append(" ")

    def handle_endtag(self, tag):
        if self.skip_tag is not None:
            if tag == self.skip_tag:
                self.skip_depth -= 1
                if self.skip_depth == 0:
                    self.skip_tag = None
            return
        if tag in _BLOCKS or tag == "div":
            self.flush()
            self.heading = False

    def handle_data(self, data):
        if self.skip_tag is None:
            self.buf.append(data)

    def close(self):
        super().close()
        self.flush()


def paragraphs(html: str) -> list[tuple[str, str]]:
    """(section heading, paragraph text) for the prose of a rendered report."""
    parser = _Paragraphs()
    body = re.search(r"<body[^>]*>(.*)</body>", html, re.S)
    parser.feed(body.group(1) if body else html)
    parser.close()
    return parser.out


@dataclass
class ProseChange:
    kind: str                 # changed | added | removed
    section: str
    old: str
    new: str

    def words(self) -> list[tuple[str, str]]:
        """Word-level diff: [(op, text)] with op equal | delete | insert."""
        a, b = self.old.split(), self.new.split()
        out = []
        for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
            if op == "equal":
                out.append(("equal", " ".join(a[i1:i2])))
            else:
                if i2 > i1:
                    out.append(("delete", " ".join(a[i1:i2])))
                if j2 > j1:
                    out.append(("insert", " ".join(b[j1:j2])))
        return out

    def to_json(self) -> dict:
        return {"kind": self.kind, "section": self.section, "old": self.old, "new": self.new}


def compare_prose(old: list[tuple[str, str]], new: list[tuple[str, str]],
                  tolerance: float = 0.0) -> list[ProseChange]:
    a, b = [t for _, t in old], [t for _, t in new]
    out: list[ProseChange] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            continue
        n = min(i2 - i1, j2 - j1)
        for k in range(n):
            if not equal_within(a[i1 + k], b[j1 + k], tolerance):
                out.append(ProseChange("changed", new[j1 + k][0], a[i1 + k], b[j1 + k]))
        for k in range(i1 + n, i2):
            out.append(ProseChange("removed", old[k][0], a[k], ""))
        for k in range(j1 + n, j2):
            out.append(ProseChange("added", new[k][0], "", b[k]))
    return out


# ----------------------------------------------------------------------------- whole builds

@dataclass
class Side:
    label: str                       # "1.0.0", "arbejdskopi", a folder name
    folder: Path
    manifest: dict | None = None
    site_version: bool = False       # a version folder of the site (links in the HTML page)
    manifest_sha256: str | None = None
    working: bool = False            # a throw-away build of the working tree

    def to_json(self) -> dict:
        m = self.manifest or {}
        return {"label": self.label, "version": m.get("version"), "built": m.get("built"),
                "commit": m.get("commit"), "dirty": m.get("dirty"), "params": m.get("params"),
                "folder": (None if self.working else self.folder.name if self.site_version
                           else str(self.folder)),
                "manifest_sha256": self.manifest_sha256}


@dataclass
class DiffResult:
    report: str
    old: Side
    new: Side
    tolerance: float
    tables: list[TableDiff]
    prose: list[ProseChange]
    prose_compared: bool

    @property
    def changed_tables(self) -> list[TableDiff]:
        return [t for t in self.tables if t.status != "unchanged"]

    @property
    def equal(self) -> bool:
        return not self.changed_tables and not self.prose

    def summary(self) -> dict:
        st = [t.status for t in self.tables]
        return {
            "tables": len(self.tables), "tables_changed": st.count("changed"),
            "tables_added": st.count("added"), "tables_removed": st.count("removed"),
            "tables_unchanged": st.count("unchanged"),
            "cells_changed": sum(len(t.cells) for t in self.tables),
            "raw_values_changed": sum(len(t.raw) for t in self.tables),
            "rows_added": sum(len(t.rows_added) for t in self.tables),
            "rows_removed": sum(len(t.rows_removed) for t in self.tables),
            "columns_added": sum(len(t.columns_added) for t in self.tables),
            "columns_removed": sum(len(t.columns_removed) for t in self.tables),
            "paragraphs_changed": sum(p.kind == "changed" for p in self.prose),
            "paragraphs_added": sum(p.kind == "added" for p in self.prose),
            "paragraphs_removed": sum(p.kind == "removed" for p in self.prose),
        }

    def to_json(self) -> dict:
        return {"report": self.report, "equal": self.equal, "tolerance": self.tolerance,
                "old": self.old.to_json(), "new": self.new.to_json(), "summary": self.summary(),
                "tables": [t.to_json() for t in self.tables],
                "prose_compared": self.prose_compared,
                "prose": [p.to_json() for p in self.prose]}


def side(folder: Path, label: str | None = None, *, site_version: bool = False) -> Side:
    folder = Path(folder)
    manifest = read_manifest(folder)
    if label is None:
        label = (manifest or {}).get("version") or folder.name
    digest = sha256_file(folder / MANIFEST) if manifest is not None else None
    return Side(label, folder, manifest, site_version, digest)


def compare_tables_only(old_folder: Path, new_folder: Path, tolerance: float = 0.0) -> DiffResult:
    return compare(side(old_folder), side(new_folder), tolerance=tolerance, prose=False)


def compare(old: Side, new: Side, *, tolerance: float = 0.0, prose: bool = True,
            report: str | None = None) -> DiffResult:
    if tolerance < 0:
        raise ValueError("tolerancen kan ikke være negativ")
    otab, ntab = old.folder / "tables", new.folder / "tables"
    oids, nids = table_ids(otab), table_ids(ntab)
    tables = []
    for tid in nids + [t for t in oids if t not in nids]:
        tables.append(compare_table(load_table(otab, tid) if tid in oids else None,
                                    load_table(ntab, tid) if tid in nids else None, tolerance))
    changes: list[ProseChange] = []
    compared = False
    if prose:
        oh, nh = _html_of(old), _html_of(new)
        if oh is not None and nh is not None:
            compared = True
            changes = compare_prose(paragraphs(oh), paragraphs(nh), tolerance)
    name = report or (new.manifest or old.manifest or {}).get("report") or ""
    return DiffResult(name, old, new, tolerance, tables, changes, compared)


def _html_of(s: Side) -> str | None:
    name = (s.manifest or {}).get("html") or "index.html"
    path = s.folder / name
    return path.read_text(encoding="utf-8") if path.exists() else None


# ----------------------------------------------------------------------------- text output

_COLOURS = {"red": "31", "green": "32", "yellow": "33", "cyan": "36", "bold": "1", "dim": "2"}


def _painter(colour: bool):
    def paint(text: str, *styles: str) -> str:
        if not colour or not styles:
            return text
        return "".join(f"\x1b[{_COLOURS[s]}m" for s in styles) + text + "\x1b[0m"
    return paint


def _fmt_raw_delta(delta: float | None) -> str:
    return "" if delta is None else f"Δ {delta:+.12g}"


def _cell_delta(c: CellChange) -> str:
    return "" if c.delta is None else "Δ " + fmt_delta_danish(c.delta, c.decimals)


def _side_text(s: Side) -> str:
    m = s.manifest or {}
    bits = []
    if m.get("built"):
        bits.append(f"bygget {danish_date(str(m['built'])[:10])}")
    if m.get("commit"):
        bits.append(f"commit {m['commit'][:10]}" + ("*" if m.get("dirty") else ""))
    if m.get("params"):
        bits.append(", ".join(f"{k}={v}" for k, v in m["params"].items()))
    return f"{s.label}" + (f" ({'; '.join(bits)})" if bits else "")


def _elide(words: list[tuple[str, str]], context: int = 8) -> list[tuple[str, str]]:
    """Shorten long unchanged stretches of a word diff to their ends."""
    out = []
    for i, (op, text) in enumerate(words):
        if op == "equal":
            parts = text.split()
            first, last = i == 0, i == len(words) - 1
            if len(parts) > 2 * context:
                if first:
                    text = "… " + " ".join(parts[-context:])
                elif last:
                    text = " ".join(parts[:context]) + " …"
                else:
                    text = " ".join(parts[:context]) + " … " + " ".join(parts[-context:])
            elif first and len(parts) > context:
                text = "… " + " ".join(parts[-context:])
            elif last and len(parts) > context:
                text = " ".join(parts[:context]) + " …"
        out.append((op, text))
    return out


def format_text(result: DiffResult, *, colour: bool = False, max_cells: int = 200) -> str:
    p = _painter(colour)
    s = result.summary()
    lines = [p(f"evalreport diff {result.report}: {_side_text(result.old)} → {_side_text(result.new)}", "bold")]
    if result.tolerance:
        lines.append(f"tolerance: {result.tolerance:g}")
    lines.append(f"Tabeller: {s['tables_changed']} ændret, {s['tables_added']} nye, "
                 f"{s['tables_removed']} fjernet, {s['tables_unchanged']} uændret; "
                 f"{s['cells_changed']} celler ændret, {s['raw_values_changed']} rå værdier ændret")
    for t in result.tables:
        if t.status == "unchanged":
            continue
        lines.append("")
        if t.status == "added":
            lines.append(p(f"+ {t.id}  {t.title}  (ny tabel)", "green", "bold"))
            continue
        if t.status == "removed":
            lines.append(p(f"- {t.id}  {t.title}  (fjernet)", "red", "bold"))
            continue
        lines.append(p(f"~ {t.id}  {t.title}", "yellow", "bold"))
        for fld, old, new in t.meta:
            name = dict(META_FIELDS)[fld]
            lines.append(f"    {name}: {p(json.dumps(old, ensure_ascii=False), 'red')} -> "
                         f"{p(json.dumps(new, ensure_ascii=False), 'green')}")
        for name in t.columns_added:
            lines.append(p(f"  + kolonne {name}", "green"))
        for name in t.columns_removed:
            lines.append(p(f"  - kolonne {name}", "red"))
        for name in t.rows_added:
            lines.append(p(f"  + række {name}", "green"))
        for name in t.rows_removed:
            lines.append(p(f"  - række {name}", "red"))
        if t.rows_reordered:
            lines.append("    rækkernes rækkefølge er ændret")
        if t.columns_reordered:
            lines.append("    kolonnernes rækkefølge er ændret")
        for c in t.cells[:max_cells]:
            delta = _cell_delta(c)
            lines.append(f"  -> {c.row} | {c.column}: {p(c.old or '∅', 'red')} -> {p(c.new or '∅', 'green')}"
                         + (f"  {p(delta, 'cyan')}" if delta else ""))
        if len(t.cells) > max_cells:
            lines.append(f"     … og {len(t.cells) - max_cells} celler mere")
        hidden = t.raw_only
        if t.raw:
            lines.append(f"    rå værdier: {len(t.raw)} ændret"
                         + (f", heraf {len(hidden)} uden synlig ændring i tabellen:" if hidden else ""))
        for c in hidden[:max_cells]:
            delta = _fmt_raw_delta(c.delta)
            lines.append(f"     {c.row} | {c.column}: {p(c.old or '∅', 'red')} -> {p(c.new or '∅', 'green')}"
                         + (f"  {p(delta, 'cyan')}" if delta else ""))
    lines.append("")
    if not result.prose_compared:
        lines.append("Tekst: ikke sammenlignet (en af udgaverne har ingen HTML)")
    else:
        lines.append(f"Tekst: {s['paragraphs_changed']} afsnit ændret, {s['paragraphs_added']} nye, "
                     f"{s['paragraphs_removed']} fjernet")
        section = None
        for ch in result.prose:
            if ch.section != section:
                section = ch.section
                lines.append(p(f"  § {section or '(før første overskrift)'}", "bold"))
            if ch.kind == "added":
                lines.append(p(f"  + {ch.new}", "green"))
            elif ch.kind == "removed":
                lines.append(p(f"  - {ch.old}", "red"))
            else:
                parts = []
                for op, text in _elide(ch.words()):
                    if op == "equal":
                        parts.append(text)
                    elif op == "delete":
                        parts.append(p(text, "red") if colour else f"[-{text}-]")
                    else:
                        parts.append(p(text, "green") if colour else f"{{+{text}+}}")
                lines.append("  ~ " + " ".join(parts))
    lines.append("")
    lines.append(p("Ingen forskelle." if result.equal else "Der er forskelle.", "bold"))
    return "\n".join(lines) + "\n"


def change_lines(result: DiffResult, max_cells: int = 20) -> list[str]:
    """Short one-line descriptions of the table changes (for warnings and errors)."""
    out = []
    for t in result.tables:
        if t.status == "added":
            out.append(f"{t.id}: ny tabel")
        elif t.status == "removed":
            out.append(f"{t.id}: tabellen er fjernet")
        elif t.status == "changed":
            for fld, old, new in t.meta:
                out.append(f"{t.id}: {dict(META_FIELDS)[fld]} {json.dumps(old, ensure_ascii=False)} -> "
                           f"{json.dumps(new, ensure_ascii=False)}")
            for kind, names in (("ny række", t.rows_added), ("fjernet række", t.rows_removed),
                                ("ny kolonne", t.columns_added), ("fjernet kolonne", t.columns_removed)):
                for n in names:
                    out.append(f"{t.id}: {kind} '{n}'")
            for c in t.cells[:max_cells]:
                out.append(f"{t.id}: {c.row} | {c.column}: {c.old} -> {c.new}")
            if len(t.cells) > max_cells:
                out.append(f"{t.id}: … og {len(t.cells) - max_cells} celler mere")
            hidden = t.raw_only
            if hidden:
                out.append(f"{t.id}: {len(hidden)} rå værdier ændret uden synlig ændring")
    return out


# ----------------------------------------------------------------------------- HTML output

def _merge_order(old: list, new: list) -> list:
    """New order, with items only in ``old`` placed after their predecessor in ``old``."""
    out = list(new)
    present = set(new)
    prev = None
    for item in old:
        if item in present:
            prev = item
            continue
        pos = out.index(prev) + 1 if prev is not None else 0
        out.insert(pos, item)
        present.add(item)
        prev = item
    return out


def highlighter(t: TableDiff) -> list[dict]:
    """The table in daff's highlighter layout: rows of {action, cls, cells: [{text, cls, title}]}.

    First column: ``!`` schema row (``+++``/``---`` over added/removed columns),
    ``@@`` header row, ``->`` modified row, ``+++`` added row, ``---`` removed row,
    empty for an unchanged row. A modified cell reads ``old->new``.
    """
    old, new = t.old, t.new
    base = new or old
    ocols = {c.ident: c for c in old.columns} if old else {}
    ncols = {c.ident: c for c in new.columns} if new else {}
    orows = {r.ident: r for r in old.rows} if old else {}
    nrows = {r.ident: r for r in new.rows} if new else {}
    cols = _merge_order([c.ident for c in old.columns] if old else [],
                        [c.ident for c in new.columns] if new else [])
    rows = _merge_order([r.ident for r in old.rows] if old else [],
                        [r.ident for r in new.rows] if new else [])
    changed = {(c.row_ident, c.col_ident): c for c in t.cells}
    raw_by_cell: dict = {}
    for c in t.raw:
        raw_by_cell.setdefault((c.row_ident, c.col_ident[:-1]), []).append(c)
    out = []
    col_status = {c: ("add" if c not in ocols else "remove" if c not in ncols else "") for c in cols}
    if t.status in ("changed",) and any(col_status.values()):
        out.append({"action": "!", "cls": "spec", "cells": [{"text": "", "cls": ""}] + [
            {"text": {"add": "+++", "remove": "---"}.get(col_status[c], ""), "cls": col_status[c]}
            for c in cols]})
    header = [{"text": base.stubhead, "cls": ""}]
    for c in cols:
        oc, nc = ocols.get(c), ncols.get(c)
        header.append({"text": (nc or oc).name, "cls": col_status[c]})
    out.append({"action": "@@", "cls": "header", "cells": header})
    sep = "->"
    for r in rows:
        orow, nrow = orows.get(r), nrows.get(r)
        if t.status == "added" or (orow is None and nrow is not None):
            action, cls = "+++", "add"
        elif t.status == "removed" or nrow is None:
            action, cls = "---", "remove"
        else:
            action, cls = "", ""
        row = nrow or orow
        label = row.name.split(" › ")[-1] if row.kind != "panel" else row.name
        cells = [{"text": label, "cls": "panel" if row.kind == "panel" else ""}]
        for c in cols:
            if cls:
                src = new if cls == "add" else old
                cells.append({"text": src.cells.get((r, c), "") if c in (ncols if cls == "add" else ocols) else "",
                              "cls": cls})
                continue
            if col_status[c] == "add":
                cells.append({"text": new.cells.get((r, c), ""), "cls": "add"})
            elif col_status[c] == "remove":
                cells.append({"text": old.cells.get((r, c), ""), "cls": "remove"})
            elif (r, c) in changed:
                ch = changed[(r, c)]
                s = "--->" if sep in ch.old or sep in ch.new else sep
                title = _cell_delta(ch)
                cells.append({"text": f"{ch.old}{s}{ch.new}", "cls": "modify", "title": title,
                              "old": ch.old, "new": ch.new})
                action = "->"
            else:
                value = new.cells.get((r, c), "")
                raws = raw_by_cell.get((r, c))
                if raws:
                    # raw values changed, the printed cell did not: marked, not an action
                    cells.append({"text": value, "cls": "raw-modify",
                                  "title": "rå: " + "; ".join(f"{x.column}: {x.old} -> {x.new}"
                                                             for x in raws)})
                else:
                    cells.append({"text": value, "cls": ""})
        out.append({"action": action, "cls": "modify" if action == "->" else cls, "cells": cells})
    return out


def _env() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)),
                             autoescape=jinja2.select_autoescape(["html", "j2"]))
    env.filters["danish_date"] = danish_date
    return env


def render_html(result: DiffResult, *, root: str = "", nav: list[dict] | None = None,
                site_title: str = "", version_href=None) -> str:
    """The diff page. ``root`` is the relative path to the site root ("../../../");
    ``version_href(side)`` gives a relative link to a version's HTML (or None)."""
    tables = []
    for t in result.tables:
        tables.append({"diff": t, "grid": highlighter(t) if t.status != "unchanged" else [],
                       "meta": [(dict(META_FIELDS)[f], o, n) for f, o, n in t.meta],
                       "hidden": t.raw_only})
    prose = [{"change": p, "words": p.words() if p.kind == "changed" else []} for p in result.prose]
    return _env().get_template("diff.html.j2").render(
        r=result, s=result.summary(), tables=tables, prose=prose, root=root, nav=nav or [],
        site_title=site_title, old_href=version_href(result.old) if version_href else None,
        new_href=version_href(result.new) if version_href else None,
        side_text=_side_text, cell_delta=_cell_delta, raw_delta=_fmt_raw_delta,
        dumps=lambda v: json.dumps(v, ensure_ascii=False))


def write_html(result: DiffResult, path: Path, **kw) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(render_html(result, **kw), encoding="utf-8")
    tmp.replace(path)
    return path


def write_json(result: DiffResult, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(result.to_json(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path
