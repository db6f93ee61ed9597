"""The diff as JSON: the shape of every part, and the file beside the HTML page.

The model classes take their ``to_json`` from here (``DiffResult.to_json = result_json``), so
the whole JSON shape is read in one place.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from ..atomic import write_text

if TYPE_CHECKING:
    from ._prose import ProseChange
    from ._result import DiffResult, Side
    from ._table_diff import CellChange, TableDiff


def cell_change_json(c: CellChange) -> dict:
    return {"row": c.row, "column": c.column, "old": c.old, "new": c.new,
            "delta": c.delta}


def table_diff_json(t: TableDiff) -> dict:
    return {
        "id": t.id, "status": t.status, "title": t.title,
        "meta": [{"field": f, "old": o, "new": n} for f, o, n in t.meta],
        "rows_added": t.rows_added, "rows_removed": t.rows_removed,
        "columns_added": t.columns_added, "columns_removed": t.columns_removed,
        "rows_reordered": t.rows_reordered, "columns_reordered": t.columns_reordered,
        "cells": [cell_change_json(c) for c in t.cells],
        "raw": [cell_change_json(c) for c in t.raw],
    }


def prose_change_json(p: ProseChange) -> dict:
    return {"kind": p.kind, "section": p.section, "old": p.old, "new": p.new}


def side_json(s: Side) -> dict:
    m = s.manifest or {}
    return {"label": s.label, "version": m.get("version"), "built": m.get("built"),
            "commit": m.get("commit"), "dirty": m.get("dirty"), "params": m.get("params"),
            "folder": (None if s.working else s.folder.name if s.site_version
                       else str(s.folder)),
            "manifest_sha256": s.manifest_sha256}


def result_json(r: DiffResult) -> dict:
    return {"report": r.report, "equal": r.equal, "tolerance": r.tolerance,
            "old": side_json(r.old), "new": side_json(r.new), "summary": r.summary(),
            "tables": [table_diff_json(t) for t in r.tables],
            "prose_compared": r.prose_compared,
            "prose": [prose_change_json(p) for p in r.prose]}


def write_json(result: DiffResult, path: Path) -> Path:
    return write_text(path, json.dumps(result_json(result), ensure_ascii=False, indent=2) + "\n")
