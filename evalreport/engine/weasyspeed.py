"""Three shortcuts in WeasyPrint's PDF writer that leave every byte of the PDF as it was.

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
3. **Matrix products.** :func:`unroll_matrix_product`: the same sums without a generator
   per cell.

All three only change how the same result is computed: ``tests/test_printer.py``
compares a PDF with a matplotlib figure printed with the patches and with WeasyPrint's
own code byte for byte, and the PDFs of all five reports were compared the same way
when this was written (printing time, WeasyPrint's import included: OtO 2,8 -> 2,1 s,
BIP 7,2 -> 6,6 s, Social 9,3 -> 8,4 s, BOT 16,4 -> 14,1 s, STAR 1,9 -> 1,2 s). Written by hand because WeasyPrint has neither cache (its
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


def unroll_matrix_product() -> None:
    """``weasyprint.matrix.Matrix.__matmul__`` without generator expressions (idempotent).

    WeasyPrint multiplies its 3 x 3 transformation matrices with ``sum(a * b for k in
    range(3))`` per cell, tens of thousands of times for the transforms of an SVG
    figure. The unrolled product adds the same terms in the same order, starting from the
    same integer 0 as ``sum`` (so a -0.0 product still becomes 0.0): the same floats.
    """
    from weasyprint.matrix import Matrix

    if getattr(Matrix.__matmul__, "_evalreport_memo", False):
        return

    def matmul(self, other):
        assert len(self[0]) == len(other) == len(other[0]) == 3
        (o00, o01, o02), (o10, o11, o12), (o20, o21, o22) = other
        return Matrix(matrix=[[0 + r0 * o00 + r1 * o10 + r2 * o20,
                               0 + r0 * o01 + r1 * o11 + r2 * o21,
                               0 + r0 * o02 + r1 * o12 + r2 * o22] for r0, r1, r2 in self])

    matmul._evalreport_memo = True
    Matrix.__matmul__ = matmul


def apply() -> None:
    """All three, with an empty path memo (called before each PDF is written)."""
    global _applied
    _paths.clear()
    if not _applied:
        memoise_svg_paths()
        cache_page_references()
        unroll_matrix_product()
        _applied = True
