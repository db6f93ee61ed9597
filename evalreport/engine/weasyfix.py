"""Keep every page footnote on the page of its call (a narrow WeasyPrint correction).

WeasyPrint 66–70 prints page footnotes (``float: footnote``) one or more pages
after their call for two reasons, both found by tracing
``LayoutContext.report_footnote`` on our reports:

1. ``LayoutContext._update_footnote_area`` decides that a footnote overflows
   the footnote area when ``last_child_bottom > footnote_area_bottom``. The two
   sides are the same sum added in a different order, so with millimetre and
   point lengths the left side is larger by ~2e-13 px and *every* footnote
   "overflows"; it is reported to the next page, and on that page only the
   first reported note is placed (Kozea/WeasyPrint#2502, still open upstream).
   This one needs no code: ``print.css`` gives ``@footnote`` a bottom padding,
   so the last note ends a full point above the area's bottom edge.

2. Since v66 (commit c87af3cf, "Try to report footnotes when text overflows
   because of orphans", for #2432), when a paragraph's line does not fit and
   ``orphans``/``widows`` forbid breaking before it, ``_linebox_layout``
   moves the page's *last* footnotes to the next page to squeeze the line in,
   whatever paragraph called them. GCPM allows a footnote to move only when it
   does not fit with its call. There is no CSS switch for this, so
   :func:`keep_footnotes_with_calls` turns that one branch off: the paragraph
   then breaks as orphans/widows say, and the footnotes stay. Everything else in
   WeasyPrint's footnote layout (a note that really does not fit moves together
   with its call line under ``footnote-policy: line``) is unchanged.

The correction rewrites one expression of the installed WeasyPrint's source; if
that expression is not found (another WeasyPrint version), nothing is patched and
``tests/test_pdf_finish.py`` reports footnotes off their call's page.
"""
from __future__ import annotations

import inspect
import textwrap

_ORPHAN_REPORT = "report = not context.in_column and can_break_now and not could_break_before"
_PATCHED = False


def keep_footnotes_with_calls() -> bool:
    """Disable WeasyPrint's orphan-driven footnote reporting; True when in effect."""
    global _PATCHED
    if _PATCHED:
        return True
    from weasyprint.layout import block

    try:
        source = textwrap.dedent(inspect.getsource(block._linebox_layout))
    except (OSError, TypeError):
        return False
    if source.count(_ORPHAN_REPORT) != 1:
        return False
    code = compile(source.replace(_ORPHAN_REPORT, "report = False"), block.__file__, "exec")
    # Defines the corrected function in WeasyPrint's own module, replacing the original.
    exec(code, vars(block))  # noqa: S102 - the installed library's own source, one expression changed
    _PATCHED = True
    return True
