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

This module is the public face; each concept lives in a private module:

=================  ==============================================================
``_numbers``       Danish numbers read from printed cells; equality within tolerance
``_table_data``    one version's table read back from its files (``TableData``)
``_table_diff``    two tables compared: cells, raw values, rows, columns, metadata
``_prose``         paragraphs of the rendered HTML, aligned and word-diffed
``_result``        two builds (``Side``) compared as a whole (``DiffResult``)
``_labels``        the short labels both renderers print (a side, a Δ)
``_render_text``   terminal text and one-line warnings
``_render_json``   the JSON shape of every part, and the JSON file
``_render_html``   the daff-style highlighter grid and the HTML page
=================  ==============================================================
"""
from __future__ import annotations

from ._numbers import danish_number, danish_numbers, equal_within, fmt_delta_danish
from ._prose import ProseChange, compare_prose, paragraphs
from ._render_html import highlighter, render_html, write_html
from ._render_json import write_json
from ._render_text import change_lines, format_text
from ._result import DiffResult, Side, compare, compare_tables_only, side, warm
from ._table_data import META_FIELDS, Axis, TableData, load_table, table_ids
from ._table_diff import CellChange, TableDiff, compare_table

__all__ = [
    # comparing
    "compare", "compare_tables_only", "side", "warm", "Side", "DiffResult",
    "compare_table", "TableDiff", "CellChange", "load_table", "table_ids", "TableData", "Axis",
    "META_FIELDS", "compare_prose", "paragraphs", "ProseChange",
    # Danish numbers
    "danish_number", "danish_numbers", "equal_within", "fmt_delta_danish",
    # output
    "format_text", "change_lines", "highlighter", "render_html", "write_html", "write_json",
]
