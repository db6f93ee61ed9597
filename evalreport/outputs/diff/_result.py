"""Two whole builds compared (``DiffResult``): every table and the prose.

A *build folder* (a ``Side``) is a published version folder (``_site/reports/<slug>/<version>/``)
or a staging folder of the working tree; both hold ``tables/<id>.display.csv``, ``<id>.raw.csv``,
``<id>.json`` and ``index.html``, and a published one its ``manifest.json``.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from ..manifest import MANIFEST, read_manifest, sha256_file
from ._prose import ProseChange, compare_prose, paragraphs
from ._render_json import result_json, side_json
from ._table_data import load_table, table_ids
from ._table_diff import TableDiff, compare_table


@dataclass
class Side:
    label: str                       # "1.0.0", "arbejdskopi", a folder name
    folder: Path
    manifest: dict | None = None
    site_version: bool = False       # a version folder of the site (links in the HTML page)
    manifest_sha256: str | None = None
    working: bool = False            # a throw-away build of the working tree

    to_json = side_json


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

    to_json = result_json


def side(folder: Path, label: str | None = None, *, site_version: bool = False) -> Side:
    folder = Path(folder)
    manifest = read_manifest(folder)
    if label is None:
        label = (manifest or {}).get("version") or folder.name
    digest = sha256_file(folder / MANIFEST) if manifest is not None else None
    return Side(label, folder, manifest, site_version, digest)


def compare_tables_only(old_folder: Path, new_folder: Path, tolerance: float = 0.0) -> DiffResult:
    return compare(side(old_folder), side(new_folder), tolerance=tolerance, prose=False)


#: (content of the old side, of the new side, tolerance, prose) -> (tables, prose changes, compared):
#: a build compares its staged folder with the previous version while its PDF is printed
#: (:func:`warm`), and the site's diff page after publishing then finds the comparison here.
_DONE: dict = {}


def _content_key(side: Side) -> str:
    """Digest of what :func:`compare` reads of a side: its tables folder and its HTML."""
    h = hashlib.sha256()
    tables = side.folder / "tables"
    for path in sorted(tables.iterdir()) if tables.is_dir() else []:
        h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    html = _html_of(side)
    h.update(b"-" if html is None else html.encode("utf-8"))
    return h.hexdigest()


def warm(old: Side, new: Side, *, tolerance: float = 0.0) -> None:
    """Compare two sides now so that a later :func:`compare` of the same contents is immediate."""
    compare(old, new, tolerance=tolerance)


def compare(old: Side, new: Side, *, tolerance: float = 0.0, prose: bool = True,
            report: str | None = None) -> DiffResult:
    if tolerance < 0:
        raise ValueError("tolerancen kan ikke være negativ")
    name = report or (new.manifest or old.manifest or {}).get("report") or ""
    key = (_content_key(old), _content_key(new), tolerance, prose)
    if key in _DONE:
        tables, changes, compared = _DONE[key]
        return DiffResult(name, old, new, tolerance, list(tables), list(changes), compared)
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
    _DONE.clear()                                      # one comparison is kept: the one a build warmed
    _DONE[key] = (tuple(tables), tuple(changes), compared)
    return DiffResult(name, old, new, tolerance, tables, changes, compared)


def _html_of(s: Side) -> str | None:
    name = (s.manifest or {}).get("html") or "index.html"
    path = s.folder / name
    return path.read_text(encoding="utf-8") if path.exists() else None
