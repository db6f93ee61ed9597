"""The HTML page (jinja2 shell in ``templates/``) and the PDF (WeasyPrint).

Both are deterministic: the same inputs give the same HTML, and with the same
build time (``SOURCE_DATE_EPOCH``) the same PDF bytes. The only thing in the
HTML that depends on when and where it was built is the element
``#build-stamp``.
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import os
import re
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

import jinja2

from .. import __version__
from .fonts import html_font_face_css, pdf_font_face_css
from .typeset import typeset_body

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
MONTHS = ["januar", "februar", "marts", "april", "maj", "juni", "juli", "august",
          "september", "oktober", "november", "december"]


_BYTECODE: dict = {}


def template_environment(kind: str, **options) -> jinja2.Environment:
    """A jinja2 environment for ``templates/`` whose compiled templates are kept between processes
    (jinja2's bytecode cache in the user's temporary folder: compiling the page templates is a
    tenth of a second of every build).

    ``kind`` names the caller ("report", "site", "diff"), which always passes the same
    ``options``: jinja2's cache key is the template's name and source only, but the compiled
    code depends on options such as ``keep_trailing_newline``, so each kind has its own files
    (``tests/test_template_cache.py``)."""
    # the plain options (and the names of the others) in the file names too, should a kind's change
    settings = repr(sorted((k, v if isinstance(v, (bool, int, str)) else type(v).__name__)
                           for k, v in options.items()))
    key = f"{kind}_{hashlib.sha256(settings.encode()).hexdigest()[:8]}"
    if key not in _BYTECODE:
        try:
            _BYTECODE[key] = jinja2.FileSystemBytecodeCache(pattern=f"__evalreport_{key}_%s.cache")
        except (OSError, RuntimeError):        # no usable temporary folder: compile every time
            _BYTECODE[key] = None
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), bytecode_cache=_BYTECODE[key],
                              **options)


def danish_date(value) -> str:
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return f"{value.day}. {MONTHS[value.month - 1]} {value.year}"
    return "" if value is None else str(value)


def stylesheet() -> str:
    """All CSS, inlined so the HTML stands alone (file://, any sub-path).

    screen.css is the base; print.css applies under ``@media print`` (WeasyPrint
    renders with the print medium), except its ``@page`` rules, which CSS does
    not allow inside ``@media`` and browsers ignore on screen anyway.
    """
    css = TEMPLATES / "css"
    parts = [(css / "screen.css").read_text(encoding="utf-8")]
    if (css / "tables.css").exists():
        parts.append((css / "tables.css").read_text(encoding="utf-8"))
    pages, rules = split_page_rules((css / "print.css").read_text(encoding="utf-8"))
    parts.append("@media print {\n" + rules + "\n}")
    parts.append(pages)
    return "\n".join(parts)


def split_page_rules(text: str) -> tuple[str, str]:
    """Split a stylesheet into its top-level ``@page`` blocks and everything else."""
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    pages, rest, buf, depth = [], [], "", 0
    for ch in text:
        buf += ch
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                (pages if buf.strip().startswith("@page") else rest).append(buf.strip())
                buf = ""
    return "\n".join(pages), "\n".join(rest)


def render_page(*, front_matter: dict, slug: str, body_html: str, toc, build_stamp: str,
                params: dict | None = None, organisation: str = "",
                parameters: dict | None = None, engine: str = "builtin") -> str:
    """The report as one HTML page: cover, colophon, contents and body.

    ``params`` are the values given with ``-P``; ``parameters`` all values the
    parameters cell ran with (defaults and ``-P``), printed in the colophon.
    """
    env = template_environment("report", autoescape=jinja2.select_autoescape(["html", "j2"]),
                               undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    template = env.get_template("report.html.j2")
    author = front_matter.get("author") or ""
    if isinstance(author, list):
        author = ", ".join(a.get("name", str(a)) if isinstance(a, dict) else str(a) for a in author)
    title = front_matter.get("title", slug)
    version = str(front_matter.get("version", "0.0.0"))
    org = front_matter.get("organisation", organisation)
    date = str(front_matter.get("date", ""))
    markup = jinja2.utils.markupsafe.Markup
    return template.render(
        title=title, subtitle=front_matter.get("subtitle", ""),
        description=str(front_matter.get("description") or front_matter.get("subtitle") or ""),
        author=author, organisation=org, date=date, date_display=danish_date(front_matter.get("date")),
        version=version, slug=slug, synthetic=bool(front_matter.get("synthetic-data", True)),
        params=params or {}, parameters={**(parameters or {}), **(params or {})},
        toc=toc, body=markup(typeset_body(body_html)),
        css=markup(stylesheet()), fonts=markup(html_font_face_css()), build_stamp=build_stamp,
        tool_version=__version__, engine=engine, engines=engine_versions(),
        original=original_citation(front_matter.get("original")),
        cite=f"{author or org}{f' ({date[:4]})' if date[:4].isdigit() else ''}: {title}. Version {version}.",
    )


def original_citation(value) -> dict | None:
    """Front matter ``original:`` (the report this document rebuilds), as text and link.

    Either a string (the reference as it should be cited) or a mapping with
    ``citation`` and optionally ``url``.
    """
    if not value:
        return None
    if isinstance(value, dict):
        text = str(value.get("citation") or value.get("title") or "")
        url = str(value.get("url") or "")
        return {"text": text, "url": url} if text else None
    return {"text": str(value), "url": ""}


def engine_versions() -> dict[str, str]:
    out = {}
    try:
        from .pandoc import pandoc_version
        out["Pandoc"] = pandoc_version()
    except Exception:  # pragma: no cover - pandoc missing is reported elsewhere
        pass
    try:   # from the package's metadata: importing WeasyPrint here would cost a second (engine/printer.py)
        from importlib.metadata import version
        out["WeasyPrint"] = version("weasyprint")
    except ImportError:  # pragma: no cover
        pass
    return out


_FN_SECTION = re.compile(r'<section[^>]*id="footnotes"[^>]*>.*?</section>', re.S)
_FN_ITEM = re.compile(r'<li id="(fn\d+)">(.*?)</li>', re.S)
_FN_REF = re.compile(r'<a href="#(fn\d+)" class="footnote-ref"[^>]*>.*?</a>', re.S)
_FN_BACK = re.compile(r'<a href="#fnref\d+"[^>]*>.*?</a>', re.S)


def footnotes_to_page_notes(html: str) -> str:
    """Move Pandoc's end-of-document notes to their call sites as page footnotes.

    WeasyPrint places elements with ``float: footnote`` at the foot of the page
    that calls them; Pandoc's HTML writer only has endnotes. The empty span
    ``#fncall-N`` before the note marks the call and the note itself is ``#fn-N``:
    both become named destinations in the PDF, so a test can read the page of each
    (``tests/test_pdf_finish.py``).
    """
    section = _FN_SECTION.search(html)
    if not section:
        return html
    notes = {}
    for m in _FN_ITEM.finditer(section.group(0)):
        content = _FN_BACK.sub("", m.group(2)).strip()
        content = re.sub(r"^<p>|</p>$", "", content)
        content = content.replace("</p>\n<p>", "<br>").replace("</p><p>", "<br>")
        notes[m.group(1)] = content
    html = _FN_SECTION.sub("", html)
    def note(m):
        n = m.group(1)[2:]
        return (f'<span class="footnote-call" id="fncall-{n}"></span>'
                f'<span class="footnote" id="fn-{n}">{notes.get(m.group(1), "")}</span>')
    return _FN_REF.sub(note, html)


@contextmanager
def _source_date_epoch(epoch: int):
    old = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(epoch)
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = old


_FONTS_STYLE = re.compile(r'<style id="er-fonts">.*?</style>\s*', re.S)
_TABLE_DIV = re.compile(r'<div id="[^"]*" class="er-table">')
SHORT_TABLE_ROWS = 12
PDF_VARIANT = "pdf/ua-1"
# For the PDF only (the page's CSS is part of its published content): formulas printed
# as images (math_as_images) sit as screen.css sets the inline SVG.
PDF_CSS = (".math.inline img.math-svg { vertical-align: middle; }\n"
           ".math.display img.math-svg { max-width: 100%; }\n")


def keep_short_tables_whole(html: str) -> str:
    """Tables of at most SHORT_TABLE_ROWS body rows move whole to the next page
    (class ``er-keep``); longer ones break between rows and are continued."""
    def mark(m):
        rest = html[m.end():]
        end = rest.find("</tbody>")
        rows = rest[:end].count("<tr") if end >= 0 else 0
        if rows <= SHORT_TABLE_ROWS:
            return m.group(0).replace('class="er-table"', 'class="er-table er-keep"')
        return m.group(0)
    return _TABLE_DIV.sub(mark, html)


_MATH_SVG = re.compile(r'<svg\b[^>]*\bclass="math-svg"[^>]*>.*?</svg>', re.S)


def math_as_images(html: str) -> str:
    """Each formula (inline ``<svg class="math-svg">`` from :mod:`.mathsvg`) as an
    ``<img>`` of the same SVG (its size from the SVG's own width and height), its TeX
    as the alternative text. WeasyPrint draws an inline SVG as an image anyway, but
    first computes the CSS of every element in it: half the elements of a report
    with formulas (OtO). Printed the same, pixel for pixel (:data:`PDF_CSS` aligns
    them as the page's CSS aligns the SVG); the layout costs about a tenth less."""
    def image(m: re.Match) -> str:
        svg = m.group(0)
        label = re.search(r'\baria-label="([^"]*)"', svg[:svg.index(">")])
        alt = label.group(1) if label else ""                 # escaped already
        data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
        return f'<img class="math-svg" src="data:image/svg+xml;base64,{data}" alt="{alt}">'
    return _MATH_SVG.sub(image, html)


def printable_html(html: str) -> str:
    """The page as WeasyPrint prints it: the PDF gets the full font files instead
    of the HTML's embedded subsets, page footnotes, short tables kept whole and the
    formulas as images (:func:`math_as_images`)."""
    html = _FONTS_STYLE.sub("", html, count=1)
    return math_as_images(keep_short_tables_whole(footnotes_to_page_notes(html)))


def write_pdf(html: str, target: Path, *, base_url: Path, epoch: int) -> int:
    """Print the page to a tagged PDF (PDF/UA-1); returns the page count.

    Laid out by :func:`evalreport.engine.paginate.paginate` (twice when a figure is
    deferred or a chapter tightened), so a table broken over pages continues with its
    caption and "(fortsat)".
    """
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    from .paginate import paginate
    from . import weasyspeed
    from .weasyfix import keep_footnotes_with_calls

    keep_footnotes_with_calls()
    weasyspeed.apply()                  # memoised SVG paths and page references: the same bytes, sooner
    fonts = FontConfiguration()
    css = CSS(string=pdf_font_face_css() + PDF_CSS, font_config=fonts)
    identifier = hashlib.sha256(html.encode("utf-8")).hexdigest()[:32].encode()
    options = {"pdf_variant": PDF_VARIANT, "pdf_tags": True}

    def render(page_html: str):
        return HTML(string=page_html, base_url=str(base_url)).render(
            stylesheets=[css], font_config=fonts, **options)

    with _source_date_epoch(epoch):
        document, _ = paginate(render, printable_html(html))
        document.write_pdf(str(target), pdf_identifier=identifier, **options)
    return len(document.pages)
