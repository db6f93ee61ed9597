"""Report tables: great-tables HTML for the page, CSV/JSON for reviewers.

The public face of the table layer. A report builds a :class:`ReportTable` with one of
the layouts and leaves it as the last expression of a ``#| label: tbl-…`` cell:

* :func:`effect_table`: means (SD) for treated and controls, the effect with 95 % KI
  and p, the participation effect (randomised trials), with :class:`EffectRow`,
  :class:`Panel`, :class:`Subhead` rows;
* :func:`stacked_table`: the est / (SE) / [kontrol] / <rel.> cell of matching studies;
* :func:`count_table`: disclosure-controlled counts;
* :class:`TableBuilder`: any descriptive table, row by row;
* :func:`profile_table`: shares and means by group from a row specification;
* :meth:`ReportTable.from_frames`: from frames of printed strings and raw numbers.

Every table has lettered footnotes (on rows, columns, spanners), "Anm.:" notes and a
"Kilde:" line. One module per concept, as in great-tables: ``_parts`` (column, row),
``_model`` (:class:`ReportTable` and its checks), ``_footnotes`` (letters and the lines
below the table), ``_render_html`` (great-tables), ``_export`` (the printed grid, CSV and
JSON: the one export path), ``_frames``, ``_effects``, ``_stacked``, ``_counts``,
``_builder``.
"""
from ._builder import TableBuilder
from ._counts import count_table
from ._effects import DEFAULT_EFFECT_LABELS, EffectRow, Panel, Subhead, effect_table
from ._export import export
from ._model import ReportTable
from ._parts import Column, Row
from ._profile import profile_table
from ._render_html import TABLES_CSS_PATH, tables_css
from ._stacked import STACK_PARTS, relative_effect, stack_cell, stacked_table

__all__ = [
    "Column", "Row", "ReportTable", "EffectRow", "Panel", "Subhead", "TableBuilder",
    "effect_table", "stacked_table", "count_table", "profile_table", "export", "stack_cell", "relative_effect",
    "STACK_PARTS", "tables_css", "TABLES_CSS_PATH", "DEFAULT_EFFECT_LABELS",
]
