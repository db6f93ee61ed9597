"""Two memoisations in WeasyPrint's PDF writer that leave every byte of the PDF as it was.

Profiling the writing of our reports (``benchmarks/build_times.py``; BOT: 47 pages, 26 SVG
figures) found two costs that repeat the same computation:

1. **SVG paths.** matplotlib writes the glyphs of a figure's text once, under ``<defs>``,
   and places them with ``<use>``; WeasyPrint's ``svg.path.path`` parses the ``d``
   string of the glyph again at every use (regular expressions and float parsing in
   Python) before it appends the same path operators to the content stream.
   :func:`memoise_svg_paths` remembers, per ``d`` string, font size and SVG viewport,
   the operators appended and the vertices recorded, and appends those. The operators
   are in the path's own coordinates (placement is a separate ``cm``), so they are the
   same at every use.
2. **Page references of tagged PDFs.** ``pydyf.PDF.page_references`` builds the tuple
   of all page references each time it is read, and the PDF/UA structure tree reads it
   once per tagged element: pages x elements. :func:`cache_page_references` keeps the
   tuple until a page is added.

Both only change how often the same result is computed: ``tests/test_printer.py``
compares a PDF with a matplotlib figure printed with the patches and with WeasyPrint's
own code byte for byte, and the PDFs of all five reports were compared the same way
when this was written (printing time: OtO 2,5 -> 2,1 s, BIP 6,7 -> 6,2 s, Social
9,0 -> 8,2 s, BOT 15,6 -> 14,8 s, STAR 2,0 -> 1,2 s). Written by hand because WeasyPrint has neither cache (its
``cache`` option covers images fetched by URL, not parsed paths).
"""
from __future__ import annotations

_applied = False
_paths: dict = {}        # (d, font size, viewport width, height) -> (operators, vertices)


def memoise_svg_paths() -> None:
    """Replace ``weasyprint.svg``'s ``path`` drawer with a memoising one (idempotent)."""
    import importlib

    svg_module = importlib.import_module("weasyprint.svg")
    path_module = importlib.import_module("weasyprint.svg.path")   # (the package's 'path' is the function)

    original = path_module.path
    if getattr(original, "_evalreport_memo", False):
        return
    memo = _paths

    def path(svg, node, font_size):
        key = (node.get("d", ""), font_size, svg.inner_width, svg.inner_height)
        hit = memo.get(key)
        if hit is not None:
            operators, vertices = hit
            svg.stream.stream.extend(operators)
            node.vertices.extend(vertices)
            return
        ops, verts = svg.stream.stream, node.vertices
        n_ops, n_verts = len(ops), len(verts)
        original(svg, node, font_size)
        if svg.stream.stream is ops and node.vertices is verts:     # appended, nothing replaced
            memo[key] = (ops[n_ops:], list(verts)[n_verts:])   # (vertices: a deque)

    path._evalreport_memo = True
    path_module.path = path
    svg_module.TAGS["path"] = path
    if getattr(svg_module, "path", None) is original:
        svg_module.path = path


def cache_page_references() -> None:
    """Make ``pydyf.PDF.page_references`` compute its tuple once per page count (idempotent)."""
    import pydyf

    if getattr(pydyf.PDF.page_references.fget, "_evalreport_memo", False):
        return

    def page_references(self):
        kids = self.pages["Kids"]
        cached = self.__dict__.get("_evalreport_page_references")
        if cached is None or cached[0] != len(kids):
            cached = (len(kids), tuple(f"{number} 0 R".encode("ascii") for number in kids[::3]))
            self.__dict__["_evalreport_page_references"] = cached
        return cached[1]

    page_references._evalreport_memo = True
    pydyf.PDF.page_references = property(page_references)


def apply() -> None:
    """Both memoisations, with an empty path memo (called before each PDF is written)."""
    global _applied
    _paths.clear()
    if not _applied:
        memoise_svg_paths()
        cache_page_references()
        _applied = True
