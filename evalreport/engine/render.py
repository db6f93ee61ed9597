"""The HTML page (jinja2 shell in ``templates/``) and the PDF (WeasyPrint).

Both are deterministic: the same inputs give the same HTML, and with the same
build time (``SOURCE_DATE_EPOCH``) the same PDF bytes. The only thing in the
HTML that depends on when and where it was built is the element
``#build-stamp``.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

import jinja2

from .. import __version__

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
MONTHS = ["januar", "februar", "marts", "april", "maj", "juni", "juli", "august",
          "september", "oktober", "november", "december"]


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


def font_face_css() -> str:
    """@font-face rules pointing at the font files of the PyPI font packages.

    Used for the PDF only (the paths are machine-specific, so they stay out of
    the published HTML, which falls back to the reader's fonts).
    """
    rules = []
    for package, family, prefix in (("font_source_serif_pro", "Source Serif Pro", "SourceSerifPro"),
                                    ("font_source_sans_pro", "Source Sans Pro", "SourceSansPro")):
        try:
            folder = Path(str(resources.files(package))) / "files"
        except ModuleNotFoundError:
            continue
        for style, weight, suffix in (("normal", 400, "Regular"), ("italic", 400, "It"),
                                      ("normal", 700, "Bold"), ("italic", 700, "BoldIt"),
                                      ("normal", 600, "Semibold"), ("italic", 600, "SemiboldIt")):
            f = folder / f"{prefix}-{suffix}.ttf"
            if not f.exists():
                f = folder / f"{prefix}-{suffix}.otf"
            if f.exists():
                rules.append(f'@font-face {{ font-family: "{family}"; font-style: {style}; '
                             f'font-weight: {weight}; src: url("{f.as_uri()}"); }}')
    return "\n".join(rules)


def render_page(*, front_matter: dict, slug: str, body_html: str, toc, build_stamp: str,
                params: dict | None = None, organisation: str = "") -> str:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)),
                             autoescape=jinja2.select_autoescape(["html", "j2"]),
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    template = env.get_template("report.html.j2")
    author = front_matter.get("author") or ""
    if isinstance(author, list):
        author = ", ".join(a.get("name", str(a)) if isinstance(a, dict) else str(a) for a in author)
    return template.render(
        title=front_matter.get("title", slug), subtitle=front_matter.get("subtitle", ""),
        author=author, organisation=front_matter.get("organisation", organisation),
        date=str(front_matter.get("date", "")), date_display=danish_date(front_matter.get("date")),
        version=str(front_matter.get("version", "0.0.0")), slug=slug,
        synthetic=bool(front_matter.get("synthetic-data", True)),
        params=params or {}, toc=toc, body=jinja2.utils.markupsafe.Markup(body_html),
        css=jinja2.utils.markupsafe.Markup(stylesheet()), build_stamp=build_stamp,
        tool_version=__version__,
    )


_FN_SECTION = re.compile(r'<section[^>]*id="footnotes"[^>]*>.*?</section>', re.S)
_FN_ITEM = re.compile(r'<li id="(fn\d+)">(.*?)</li>', re.S)
_FN_REF = re.compile(r'<a href="#(fn\d+)" class="footnote-ref"[^>]*>.*?</a>', re.S)
_FN_BACK = re.compile(r'<a href="#fnref\d+"[^>]*>.*?</a>', re.S)


def footnotes_to_page_notes(html: str) -> str:
    """Move Pandoc's end-of-document notes to their call sites as page footnotes.

    WeasyPrint places elements with ``float: footnote`` at the foot of the page
    that calls them; Pandoc's HTML writer only has endnotes.
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
    return _FN_REF.sub(lambda m: f'<span class="footnote">{notes.get(m.group(1), "")}</span>', html)


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


def write_pdf(html: str, target: Path, *, base_url: Path, epoch: int) -> int:
    """Print the page to PDF; returns the page count."""
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    fonts = FontConfiguration()
    printable = footnotes_to_page_notes(html)
    identifier = hashlib.sha256(html.encode("utf-8")).hexdigest()[:32].encode()
    with _source_date_epoch(epoch):
        document = HTML(string=printable, base_url=str(base_url)).render(
            stylesheets=[CSS(string=font_face_css(), font_config=fonts)], font_config=fonts)
        document.write_pdf(str(target), pdf_identifier=identifier)
    return len(document.pages)
