"""Tables broken over pages, continued with their caption and "(fortsat)".

CSS cannot repeat a caption on the pages a table continues on (WeasyPrint
repeats only ``<thead>``), so the PDF is laid out, the rows at which tables
break are read off the layout, and each such table is split there into parts:
the first keeps the caption, the header and the id; each further part starts a
page with "Tabel 4.1: … (fortsat)" and the header again; the last part keeps the
notes (Anm., Kilde). The document is laid out again until no table breaks
(a split can move rows further down, so this may take a few passes; each part
ends exactly where WeasyPrint broke the table before, so it converges).

Written by hand because no maintained library does pagination-aware table
continuation for WeasyPrint; it works on the HTML that great-tables writes
(``<div class="er-table">`` → ``<table>`` → ``<thead>``/``<tbody>``/``<tfoot>``).
"""
from __future__ import annotations

import re
from collections import defaultdict

MAX_PASSES = 4
_ID_ATTR = re.compile(r'\s(id|headers|aria-labelledby)="[^"]*"')


def _div_end(html: str, start: int) -> int:
    """Index just after the ``</div>`` closing the ``<div`` that begins at ``start``."""
    depth = 0
    for m in re.compile(r"<div\b|</div>").finditer(html, start):
        depth += 1 if m.group(0) == "<div" else -1
        if depth == 0:
            return m.end()
    raise ValueError("unbalanced <div> in table HTML")


def table_breaks(document) -> dict[str, list[int]]:
    """Table part id -> indices of the body rows that begin a new page."""
    pages_rows: dict[str, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))

    def walk(box, table_key, page_no):
        element = getattr(box, "element", None)
        tag = getattr(box, "element_tag", None)
        if element is not None and tag == "div":
            classes = (element.get("class") or "").split()
            if "er-table" in classes:
                table_key = element.get("data-er-part") or element.get("id") or table_key
        if tag == "tbody" and table_key and element is not None:
            rows = [child for child in element if child.tag == "tr"]
            index = {id(r): i for i, r in enumerate(rows)}
            for row in getattr(box, "children", []):
                if getattr(row, "element_tag", None) == "tr" and id(row.element) in index:
                    pages_rows[table_key][page_no].append(index[id(row.element)])
            return
        for child in getattr(box, "children", []) or []:
            walk(child, table_key, page_no)

    for page_no, page in enumerate(document.pages):
        walk(page._page_box, None, page_no)
    breaks = {}
    for key, by_page in pages_rows.items():
        starts = [min(rows) for _, rows in sorted(by_page.items()) if rows]
        if len(starts) > 1:
            breaks[key] = sorted(set(starts[1:]))
    return breaks


def _part_key(div_open: str) -> str | None:
    m = re.search(r'data-er-part="([^"]+)"', div_open) or re.search(r'\bid="([^"]+)"', div_open)
    return m.group(1) if m else None


def split_tables(html: str, breaks: dict[str, list[int]]) -> str:
    """Split each table at the given body rows (see module docstring)."""
    out, pos = [], 0
    for m in re.finditer(r'<div\b[^>]*class="er-table[^"]*"[^>]*>', html):
        if m.start() < pos:
            continue
        key = _part_key(m.group(0))
        if key not in breaks:
            continue
        end = _div_end(html, m.start())
        out.append(html[pos:m.start()])
        out.append(_split_one(html[m.start():end], key, breaks[key]))
        pos = end
    out.append(html[pos:])
    return "".join(out)


def _split_one(block: str, key: str, at: list[int]) -> str:
    tbody = re.search(r"(<tbody\b[^>]*>)(.*?)(</tbody>)", block, re.S)
    if not tbody:
        return block
    rows = re.findall(r"<tr\b.*?</tr>", tbody.group(2), re.S)
    cuts = [i for i in at if 0 < i < len(rows)]
    if not cuts:
        return block
    head, tail = block[:tbody.start(2)], block[tbody.end(2):]
    tfoot = re.search(r"<tfoot\b.*?</tfoot>", tail, re.S)
    tail_without_notes = tail[:tfoot.start()] + tail[tfoot.end():] if tfoot else tail
    bounds = [0] + cuts + [len(rows)]
    parts = []
    for n, (a, b) in enumerate(zip(bounds, bounds[1:])):
        last = n == len(bounds) - 2
        body = "\n".join(rows[a:b])
        part = head + "\n" + body + "\n" + (tail if last else tail_without_notes)
        if n:
            part = _continuation(part, f"{key}--{n + 1}")
        parts.append(part)
    return "\n".join(parts)


def _continuation(part: str, key: str) -> str:
    """A later part: no ids (they belong to the first part), "(fortsat)" after the caption."""
    first_tag_end = part.index(">") + 1
    opening = part[:first_tag_end]
    opening = _ID_ATTR.sub("", opening)
    opening = re.sub(r'\sdata-er-part="[^"]*"', "", opening)
    if "er-continued" not in opening:
        opening = opening.replace('class="er-table', 'class="er-table er-continued', 1)
    opening = opening.replace("<div", f'<div data-er-part="{key}"', 1)
    rest = part[first_tag_end:]
    head_end = rest.find("<tbody")
    rest = _ID_ATTR.sub("", rest[:head_end]) + rest[head_end:]
    if "er-fortsat" in rest[:head_end]:
        return opening + rest
    rest = re.sub(r"(<div class=\"er-caption\"[^>]*>\s*<p>.*?)(</p>)",
                  lambda m: m.group(1) + ' <span class="er-fortsat">(fortsat)</span>' + m.group(2),
                  rest, count=1, flags=re.S)
    return opening + rest


def paginate(render, html: str):
    """Lay out ``html`` with ``render(html) -> Document`` until no table breaks a page.

    Returns the final document and the HTML it was laid out from.
    """
    document = render(html)
    for _ in range(MAX_PASSES):
        breaks = table_breaks(document)
        if not breaks:
            break
        html = split_tables(html, breaks)
        document = render(html)
    return document, html
