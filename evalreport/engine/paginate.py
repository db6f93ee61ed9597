"""Tables broken over pages, continued with their caption and "(fortsat)".

CSS cannot repeat a caption on the pages a table continues on with words that
differ from the first page, and WeasyPrint repeats only the ``<thead>``. So, for
the PDF only:

1. :func:`caption_into_header`: a table that may break (more than a few rows)
   carries its caption as the first row of its ``<thead>``, ending in a
   ``(fortsat)`` that is laid out but hidden. Every page a table reaches then
   starts with the caption and the header, at the same height on every pass.
2. WeasyPrint breaks the table between rows and repeats the ``<thead>`` on
   every page the table reaches. :func:`reveal_continuations` then walks the
   laid-out pages and, on every page but a table's first, makes its
   "(fortsat)" visible. Visibility only changes how a box is drawn, not where
   it goes, so no further layout is needed: the pages printed are the pages
   laid out.

A figure cannot break, and WeasyPrint has no deferred page floats: a figure
that does not fit goes to the next page and leaves the rest of the page empty.
:func:`figure_moves` finds such figures in the first layout (first on their
page, the page before ending in a gap of more than ``FIGURE_GAP`` of its text
block) and :func:`defer_figures` draws it up to a fifth smaller if that makes it
fit the gap, or else moves it after the paragraphs that follow it (never past a
heading, table or figure) until they fill the gap, as LaTeX floats a figure to
the next page; the document is then laid out again.

A chapter starts on a new page, so one that runs a few lines onto its last page
wastes that page: :func:`chapters_to_tighten` finds chapters whose last page
holds less than ``SHORT_LAST_PAGE`` of a text block and whose earlier pages
could absorb it, and :func:`tighten` sets them a little closer (class
``er-tight``: line height and paragraph spacing, see print.css), as a typesetter
would.

Written by hand because no maintained library does caption continuation or
float deferral for WeasyPrint; it works on the HTML that great-tables writes
(``<div class="er-table">`` → ``<table>`` → ``<thead>``/``<tbody>``/``<tfoot>``).
"""
from __future__ import annotations

import re
from collections import defaultdict

_TABLE_DIV = re.compile(r'<div\b[^>]*class="er-table[^"]*"[^>]*>')
_CAPTION = re.compile(r'<div class="er-caption"[^>]*>\s*<p>(.*?)</p>\s*</div>\s*', re.S)
_TBODY = re.compile(r"(<tbody\b[^>]*>)(.*?)(</tbody>)", re.S)
_ROW = re.compile(r"<tr\b.*?</tr>", re.S)
HIDDEN_FORTSAT = '<span class="er-fortsat er-hidden">(fortsat)</span>'


def _div_end(html: str, start: int) -> int:
    """Index just after the ``</div>`` closing the ``<div`` that begins at ``start``."""
    depth = 0
    for m in re.compile(r"<div\b|</div>").finditer(html, start):
        depth += 1 if m.group(0) == "<div" else -1
        if depth == 0:
            return m.end()
    raise ValueError("unbalanced <div> in table HTML")


def _tables(html: str):
    """(start, end, opening tag) of every ``.er-table`` block, in order."""
    pos = 0
    for m in _TABLE_DIV.finditer(html):
        if m.start() < pos:
            continue
        end = _div_end(html, m.start())
        yield m.start(), end, m.group(0)
        pos = end


def _rewrite(html: str, change) -> str:
    out, pos = [], 0
    for start, end, opening in _tables(html):
        block = html[start:end]
        new = change(block, opening)
        if new is not block:
            out += [html[pos:start], new]
            pos = end
    out.append(html[pos:])
    return "".join(out)


def _column_count(block: str) -> int:
    tbody = _TBODY.search(block)
    best = 1
    for row in _ROW.findall(tbody.group(2) if tbody else ""):
        n = sum(int(c or 1) for c in re.findall(r'<t[hd]\b(?:[^>]*\bcolspan="(\d+)")?[^>]*>', row))
        best = max(best, n)
    return best


def caption_into_header(html: str) -> str:
    """Move the caption of every breakable table into its header (see module docstring)."""
    def change(block, opening):
        if "er-keep" in opening or "er-captioned" in opening:
            return block
        cap = _CAPTION.search(block)
        thead = block.find("<thead")
        if not cap or thead < 0 or cap.start() > thead:
            return block
        head_open = block.index(">", thead) + 1
        row = (f'\n<tr class="er-caption-row"><td colspan="{_column_count(block)}">'
               f'<p class="er-caption-text">{cap.group(1)} {HIDDEN_FORTSAT}</p></td></tr>')
        block = block[:head_open] + row + block[head_open:]
        block = block[:cap.start()] + block[cap.end():]
        return block.replace('class="er-table', 'class="er-table er-captioned', 1)
    return _rewrite(html, change)


def _classes(element) -> list[str]:
    return (element.get("class") or "").split()


def reveal_continuations(document) -> dict[str, int]:
    """Show "(fortsat)" in the repeated header of every page a table continues
    on (see module docstring). Returns table id -> pages it continues on."""
    first_seen: set[int] = set()
    continued: dict[str, int] = defaultdict(int)

    def walk(box, table, on_page):
        element = getattr(box, "element", None)
        tag = getattr(box, "element_tag", None)
        if element is not None and tag == "div" and "er-table" in _classes(element):
            table = element
            on_page.add(id(element))
        if (table is not None and tag == "span" and element is not None
                and "er-fortsat" in _classes(element) and id(table) in first_seen):
            for b in _descendants(box):                  # the span and its text
                b.style = b.style.copy()
                b.style["visibility"] = "visible"
            continued[table.get("id") or ""] += 1
            return
        for child in getattr(box, "children", None) or []:
            walk(child, table, on_page)

    for page in document.pages:
        on_page: set[int] = set()
        walk(page._page_box, None, on_page)
        first_seen |= on_page
    return dict(continued)


FIGURE_GAP = 0.12
MIN_FIGURE_SCALE = 0.8      # a figure is never drawn smaller than this to fit a page
FIGURE_SLACK = 24.0         # px: the figure's top margin where it no longer opens a page, and room
_TEXT_TAGS = {"p", "ul", "ol", "dl", "blockquote"}


def _content_boxes(box):
    """Line, replaced and table-row boxes below ``box`` (what takes room on a page)."""
    from weasyprint.formatting_structure import boxes as B

    stack = [box]
    while stack:
        b = stack.pop()
        if isinstance(b, (B.LineBox, B.ReplacedBox, B.TableRowBox)):
            yield b
            continue
        stack.extend(getattr(b, "children", None) or [])


def _descendants(box):
    stack = [box]
    while stack:
        b = stack.pop()
        yield b
        stack.extend(getattr(b, "children", None) or [])


def figure_moves(document) -> dict[str, int | float]:
    """Figure id -> how many following text blocks to place before it (an int), or
    the scale (a float, at least MIN_FIGURE_SCALE) at which it fits the gap
    where it is (see module docstring)."""
    from weasyprint.formatting_structure import boxes as B

    moves: dict[str, int] = {}
    pages = [p._page_box for p in document.pages]
    if not pages:
        return moves
    root = pages[0].children[0].element
    parent = {id(child): el for el in root.iter() for child in el}
    for i in range(1, len(pages)):
        page, before = pages[i], pages[i - 1]
        html_box = page.children[0]
        figures = [b for b in _descendants(html_box) if b.element is not None
                   and b.element_tag == "div" and "er-figure" in (b.element.get("class") or "")
                   and (b.element.get("id") or "").startswith("fig-")]
        figure = None
        for candidate in figures:
            inside = {id(b) for b in _descendants(candidate)}
            top = min((b.position_y for b in _content_boxes(candidate)), default=None)
            if top is not None and not any(b.position_y + b.height <= top + 0.5
                                           for b in _content_boxes(html_box) if id(b) not in inside):
                figure = candidate                       # nothing precedes it on its page
                break
        if figure is None:
            continue
        prev_content = list(_content_boxes(before.children[0]))
        if not prev_content:
            continue
        bottom = before.content_box_y() + before.height
        notes = [b for b in before.children if isinstance(b, B.FootnoteAreaBox) and b.children]
        if notes:
            bottom = min(bottom, notes[0].position_y)
        gap = bottom - max(b.position_y + b.height for b in prev_content)
        if gap <= FIGURE_GAP * before.height:
            continue
        # The blocks after the figure, with their heights on this page.
        element = figure.element
        siblings = list(parent.get(id(element), []))
        after = siblings[siblings.index(element) + 1:] if element in siblings else []
        heights = {}
        for b in _descendants(html_box):
            if b.element is not None and id(b.element) in {id(e) for e in after} and id(b.element) not in heights:
                heights[id(b.element)] = b.margin_height()
        # A figure a little too tall for the gap is drawn a little smaller instead.
        images = [b for b in _descendants(figure) if isinstance(b, B.ReplacedBox)]
        total = figure.margin_height() + FIGURE_SLACK
        if after and after[0].tag == "p" and after[0].find(".//span[@class='er-fignote']") is not None:
            total += heights.get(id(after[0]), 0.0)
        if len(images) == 1 and images[0].height > 0:
            scale = 1 - (total - gap) / images[0].height
            if MIN_FIGURE_SCALE <= scale < 1 and figure.width > 0:
                # as a share of the column, the width the drawing is given in HTML
                moves[element.get("id")] = round((scale - 0.005) * images[0].width / figure.width, 3)
                continue
        k, filled = 0, 0.0
        for el in after:
            if k == 0 and el.tag == "p" and el.find(".//span[@class='er-fignote']") is not None:
                continue                                 # the figure's own note travels with it
            if el.tag not in _TEXT_TAGS or id(el) not in heights:
                break
            k += 1
            filled += heights[id(el)]
            if filled >= gap:
                break
        if k:
            moves[element.get("id")] = k
    return moves


def _next_element(html: str, pos: int) -> tuple[str, int, int] | None:
    """(tag, start, end) of the element starting at ``pos`` (after whitespace), or None."""
    m = re.compile(r"\s*<([a-zA-Z][a-zA-Z0-9]*)\b").match(html, pos)
    if not m:
        return None
    tag, start = m.group(1).lower(), m.start(1) - 1
    depth = 0
    for t in re.compile(rf"<(/?){tag}\b[^>]*?(/?)>", re.I).finditer(html, start):
        if t.group(2):
            continue
        depth += -1 if t.group(1) else 1
        if depth == 0:
            return tag, start, t.end()
    return None


def defer_figures(html: str, moves: dict[str, int | float]) -> str:
    """Move each figure after the given number of following text blocks, or draw
    it at the given scale."""
    for ident, k in moves.items():
        m = re.search(rf'<div id="{re.escape(ident)}" class="er-figure"', html)
        if not m:
            continue
        end = _div_end(html, m.start())
        if isinstance(k, float):
            figure = re.sub(r"<img\b", f'<img style="width: {k * 100:.1f}%; margin: 0 auto"',
                            html[m.start():end], count=1)
            html = html[:m.start()] + figure + html[end:]
            continue
        nxt = _next_element(html, end)
        if nxt and nxt[0] == "p" and "er-fignote" in html[nxt[1]:nxt[2]][:200]:
            end = nxt[2]                                 # the figure's note moves with it
        pos = end
        for _ in range(k):
            nxt = _next_element(html, pos)
            if not nxt or nxt[0] not in _TEXT_TAGS:
                break
            pos = nxt[2]
        if pos > end:
            figure = html[m.start():end]
            html = html[:m.start()] + html[end:pos] + "\n" + figure + html[pos:]
    return html


SHORT_LAST_PAGE = 0.2
# What tightening gains per full page of a chapter (line height 1.4 → 1.34 and less
# space between paragraphs): about 6 % of a text block.
TIGHT_GAIN = 0.07


def chapters_to_tighten(document) -> list[str]:
    """Ids of chapters (``section.level1``) to set closer (see module docstring)."""
    spans: dict[str, dict[int, float]] = defaultdict(dict)   # id -> page -> content bottom
    heights = {}
    for page_no, page in enumerate(document.pages):
        box = page._page_box
        top, height = box.content_box_y(), box.height
        heights[page_no] = (top, height)

        def walk(b, chapter):
            element = getattr(b, "element", None)
            if element is not None and element.get("id") and (
                    (getattr(b, "element_tag", None) == "section"
                     and "level1" in (element.get("class") or "").split())
                    or (getattr(b, "element_tag", None) == "nav" and element.get("id") == "toc")):
                chapter = element.get("id")
            if chapter:
                bottoms = [c.position_y + c.height for c in _content_boxes(b)]
                if bottoms:
                    spans[chapter][page_no] = max(spans[chapter].get(page_no, top), max(bottoms))
                return
            for child in getattr(b, "children", None) or []:
                walk(child, chapter)

        walk(box.children[0], None)
    out = []
    for chapter, pages in spans.items():
        if len(pages) < 2:
            continue
        last = max(pages)
        top, height = heights[last]
        used = (pages[last] - top) / height
        if used < SHORT_LAST_PAGE and used < TIGHT_GAIN * (len(pages) - 1):
            out.append(chapter)
    return out


def tighten(html: str, chapters: list[str]) -> str:
    """Add ``er-tight`` to the given chapters (and to the contents, id ``toc``)."""
    for ident in chapters:
        if ident == "toc":
            html = html.replace('<nav class="toc" id="toc"', '<nav class="toc er-tight" id="toc"', 1)
        else:
            html = re.sub(rf'(<section id="{re.escape(ident)}" class="level1)\b', r"\1 er-tight", html, count=1)
    return html


def paginate(render, html: str):
    """Lay out ``html`` with ``render(html) -> Document``: figures deferred over a
    gap, chapters tightened, broken tables continued under their caption with
    "(fortsat)". Lays the document out once, or twice when a figure or chapter
    moved. Returns the document to write and its HTML."""
    html = caption_into_header(html)
    document = render(html)
    moves, tight = figure_moves(document), chapters_to_tighten(document)
    if moves or tight:
        html = tighten(defer_figures(html, moves), tight)
        document = render(html)
    reveal_continuations(document)
    return document, html
