"""What a table leaves for reviewers: the printed grid, CSV and JSON files.

This is the one export path of a table. :func:`export` is called for every table a
report displays (``ReportTable._repr_html_`` when the build sets
``EVALREPORT_TABLES_DIR``) and writes, atomically:

* ``<id>.display.csv``: the printed grid (stub text with footnote marks, one header
  row "Spanner: Label", cell strings), exactly as :func:`display_grid` returns it;
* ``<id>.raw.csv``: the same rows in the same order; first column ``row`` = row key,
  then the raw columns; floats as ``repr`` with "." decimals;
* ``<id>.json``: caption, headers, footnotes, notes, source line (:func:`to_dict`).

UTF-8, "\\n" line ends, no BOM. A check that must see every published table (such as
a disclosure gate) belongs in :func:`export`.
"""
from __future__ import annotations

import csv
import io
import json
import math
import os
from pathlib import Path
from typing import Any

from .. import formatting as F
from ._footnotes import letters as _letters
from ._parts import Column, Row


def header_text(self, col: Column) -> str:
    label = col.label + self._marks(col.footnote)
    if col.spanner is None:
        return label
    return f"{col.spanner}{self._marks(self.spanner_footnotes.get(col.spanner))}: {label}"


def stub_text(self, row: Row) -> str:
    return row.label + self._marks(row.footnote)


def display_grid(self) -> list[list[str]]:
    """The printed table as rows of strings (header row first) = display.csv."""
    grid = [[self.stubhead] + [self.header_text(c) for c in self.columns]]
    for r in self.rows:
        grid.append([self.stub_text(r)] + [self.display.at[r.key, c.key] for c in self.columns])
    return grid


def to_dict(self) -> dict:
    fn = self.footnotes()
    return {
        "id": self.id,
        "caption": self.caption,
        "stubhead": self.stubhead,
        "spanners": [
            {"label": label, "columns": ckeys,
             "footnotes": _letters(self._marks(self.spanner_footnotes.get(label)))}
            for label, ckeys in self.spanners()
        ],
        "columns": [
            {"key": c.key, "label": c.label, "spanner": c.spanner, "align": c.align,
             "header": self.header_text(c), "footnotes": _letters(self._marks(c.footnote))}
            for c in self.columns
        ],
        "rows": [
            {"key": r.key, "label": r.label, "kind": r.kind, "indent": int(r.indent),
             "footnotes": _letters(self._marks(r.footnote))}
            for r in self.rows
        ],
        "raw_columns": [str(c) for c in self.raw.columns],
        "footnotes": [{"mark": m, "text": t} for m, t in fn],
        "significance": F.star_legend(self.star_levels) if self.star_levels else None,
        "notes": list(self.notes),
        "source": self.source,
        "lines_below_table": [t for _, t in self.note_lines()],
    }


def display_csv(self) -> str:
    return _csv_text(self.display_grid())


def raw_csv(self) -> str:
    grid = [["row"] + [str(c) for c in self.raw.columns]]
    columns = [self.raw[c].tolist() for c in self.raw.columns]   # keeps each column's dtype
    for i, key in enumerate(self.raw.index):
        grid.append([key] + [_raw_cell(col[i]) for col in columns])
    return _csv_text(grid)


def export(self, directory: str | os.PathLike) -> dict[str, Path]:
    """Write ``<id>.display.csv``, ``<id>.raw.csv`` and ``<id>.json``."""
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    files = {
        "display": (d / f"{self.id}.display.csv", self.display_csv()),
        "raw": (d / f"{self.id}.raw.csv", self.raw_csv()),
        "json": (d / f"{self.id}.json",
                 json.dumps(self.to_dict(), ensure_ascii=False, indent=2) + "\n"),
    }
    for path, text in files.values():
        tmp = path.with_name(path.name + ".tmp")
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.replace(tmp, path)
    return {k: p for k, (p, _) in files.items()}

# --------------------------------------------------------- constructors


def _raw_cell(v: Any) -> str:
    if F.is_missing(v):
        return ""
    if isinstance(v, bool) or type(v).__name__ == "bool_":
        return "true" if v else "false"
    if isinstance(v, int) or (hasattr(v, "dtype") and type(v).__name__.startswith(("int", "uint"))):
        return str(int(v))
    if isinstance(v, str):
        return v
    try:
        f = float(v)
    except (TypeError, ValueError):
        return str(v)
    if math.isinf(f):
        return "inf" if f > 0 else "-inf"
    return repr(f)


def _csv_text(grid: list[list[str]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    w.writerows(grid)
    return buf.getvalue()
