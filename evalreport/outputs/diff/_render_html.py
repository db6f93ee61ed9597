"""The diff as an HTML page in daff's "highlighter" convention.

An action column with ``->`` for a modified row, ``+++``/``---`` for added/removed rows, a ``!``
schema row marking added/removed columns, and ``old->new`` in changed cells
(``templates/diff.html.j2``).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import jinja2

from ...engine.render import danish_date, template_environment
from ..atomic import write_text
from ._labels import cell_delta, raw_delta, side_text
from ._table_data import META_FIELDS

if TYPE_CHECKING:
    from ._result import DiffResult
    from ._table_diff import TableDiff


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
                title = cell_delta(ch)
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
    env = template_environment("diff", autoescape=jinja2.select_autoescape(["html", "j2"]))
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
        side_text=side_text, cell_delta=cell_delta, raw_delta=raw_delta,
        dumps=lambda v: json.dumps(v, ensure_ascii=False))


def write_html(result: DiffResult, path: Path, **kw) -> Path:
    return write_text(path, render_html(result, **kw))
