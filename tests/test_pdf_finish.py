"""The printed report: footnotes on their call's page, no wasted pages, tables
continued with "(fortsat)", the typographic minus, a tagged PDF/UA file, a
cover without page number or commit and a colophon.

Small documents test each mechanism (fast); the built reports of the project
(every report, built once per session by ``site_builds``) are then read back
from their PDF with pypdf and pdftoppm, independently of the layout code.
"""
from __future__ import annotations

import csv
import glob
import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from PIL import Image
from pypdf import PdfReader

from evalreport.config import load_project
from evalreport.engine.crossref import NumberingStyle
from evalreport.engine.pandoc import markdown_to_ast, render_body
from evalreport.engine.qmd import read_qmd
from evalreport.engine.render import render_page, write_pdf
from evalreport.engine.typeset import join_split_ordered_lists, typeset_body
from evalreport.outputs.diff import danish_number, danish_numbers

ROOT = Path(__file__).resolve().parent.parent
SLUGS = list(load_project(ROOT).report_slugs())
MINUS = "\u2212"

# A page other than the last of a chapter must be at least this full (share of the
# text block's height from its top to the footnotes or the bottom margin). What may
# legitimately stay empty is the room for the next block that cannot be split:
# orphans/widows (3 lines ≈ 6 %), a heading with three lines (≈ 10 %), a short
# table kept whole (≤ 12 rows with caption and notes ≈ 35 %). 0.6 allows those
# and catches a page left 40 % or more empty, like the pages the issue names
# (85-90 % empty) and a table or figure pushed to the next page alone.
FILL_THRESHOLD = 0.6


# --------------------------------------------------------------------------- helpers

def _dest_pages(reader: PdfReader) -> dict[str, tuple[int, float]]:
    """Named destination -> (page index, top in points from the page top)."""
    out = {}
    for name, dest in reader.named_destinations.items():
        page = reader.get_destination_page_number(dest)
        height = float(reader.pages[page].mediabox.height)
        out[str(name)] = (page, height - float(dest.top or 0))
    return out


def _footnote_pages(pdf: Path) -> list[tuple[int, int, int]]:
    """(note number, page of the call, page of the note) for every page footnote."""
    dests = _dest_pages(PdfReader(str(pdf)))
    out = []
    for name, (page, _) in dests.items():
        m = re.fullmatch(r"fn-(\d+)", name)
        if m:
            call = dests.get(f"fncall-{m.group(1)}")
            out.append((int(m.group(1)), call[0] if call else -1, page))
    return sorted(out)


def page_fill(pdf: Path, *, dpi: int = 36, margins_mm=(22, 20, 22, 20)) -> list[float]:
    """Per page: 1 − (empty height between the last ink and the footnotes or the
    bottom margin) / (text block height). Read from pdftoppm's rendering, so
    figures count as well as text; the footnote area starts at its first note's
    named destination."""
    top_mm, right_mm, bottom_mm, left_mm = margins_mm
    mm = dpi / 25.4
    notes: dict[int, float] = {}
    for name, (page, top_pt) in _dest_pages(PdfReader(str(pdf))).items():
        if re.fullmatch(r"fn-\d+", name):
            notes[page] = min(notes.get(page, 1e9), top_pt / 72 * dpi)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["pdftoppm", "-r", str(dpi), "-gray", "-png", str(pdf), f"{tmp}/p"], check=True)
        fills = []
        for index, path in enumerate(sorted(glob.glob(f"{tmp}/p-*.png"))):
            image = Image.open(path).convert("L")
            width, height = image.size
            top, bottom = round(top_mm * mm), height - round(bottom_mm * mm)
            x0, x1 = round(left_mm * mm), width - round(right_mm * mm)
            # The note area: its rule, padding and top margin lie ~7 mm above the first note.
            limit = int(notes[index] - 7 * mm) if index in notes else bottom
            pixels = image.load()
            last = top
            for y in range(top, limit):
                if any(pixels[x, y] < 200 for x in range(x0, x1)):
                    last = y
            fills.append(1 - (limit - last) / (bottom - top))
    return fills


def _small_report(body_md: str, tmp_path: Path) -> tuple[str, Path, int]:
    body = render_body(body_md, style=NumberingStyle())
    html = render_page(front_matter={"title": "Prøve", "version": "1.0.0", "date": "2026-11-22"},
                       slug="demo", body_html=body.html, toc=body.toc, build_stamp="Bygget i dag")
    pdf = tmp_path / "demo.pdf"
    pages = write_pdf(html, pdf, base_url=tmp_path, epoch=0)
    return html, pdf, pages


# --------------------------------------------------------------------------- mechanisms

def test_footnotes_stay_on_the_page_of_their_call(tmp_path):
    # Many notes at every position of a page: with WeasyPrint's own footnote
    # handling (see engine/weasyfix.py) most of these land a page late.
    paras = []
    for i in range(90):
        words = " ".join(["ord"] * (25 + (i * 37) % 90))
        note = f"^[Note {i}, der forklarer noget om afsnit {i}.]" if i % 2 == 0 else ""
        paras.append(f"Afsnit {i} {words}{note} {words[:200]}.")
    md = "# Kapitel\n\n" + "\n\n".join(paras)
    _, pdf, pages = _small_report(md, tmp_path)
    notes = _footnote_pages(pdf)
    assert len(notes) == 45 and pages > 5
    assert [n for n, call, page in notes if call != page] == []


def test_a_long_table_continues_under_its_caption_with_fortsat(tmp_path):
    rows = "\n".join(f'<tr><th scope="row" class="gt_row gt_left gt_stub">Række {i}</th>'
                     f'<td class="gt_row gt_right">{i},5</td><td class="gt_row gt_right">{i * 3}</td></tr>'
                     for i in range(1, 131))
    table = (
        '<div id="tbl-lang" class="er-table">\n<div class="er-caption">\n<p><strong>Tabel 1:</strong> '
        'En lang tabel</p>\n</div>\n<div class="er-gt" data-table-id="tbl-lang"><div id="tbl-lang-gt">'
        '<table class="gt_table"><thead><tr class="gt_col_headings"><th scope="col"></th>'
        '<th scope="col" class="gt_right">Andel</th><th scope="col" class="gt_right">Antal</th></tr></thead>'
        f'<tbody class="gt_table_body">{rows}</tbody><tfoot><tr><td class="gt_sourcenote" colspan="3">'
        '<span>Kilde: Prøvedata.</span></td></tr></tfoot></table></div></div>\n</div>')
    md = "# Kapitel\n\nTekst før tabellen.\n\n```{=html}\n" + table + "\n```\n\nTekst efter tabellen."
    _, pdf, pages = _small_report(md, tmp_path)
    reader = PdfReader(str(pdf))
    with_rows = [i for i, p in enumerate(reader.pages) if "Række " in p.extract_text()]
    assert len(with_rows) >= 3
    texts = [reader.pages[i].extract_text() for i in with_rows]
    assert "Tabel 1: En lang tabel" in texts[0] and "(fortsat)" not in texts[0]
    for text in texts[1:]:                               # every further page: caption, "(fortsat)", header
        assert "Tabel 1: En lang tabel (fortsat)" in text and "Andel" in text
    assert [t.count("Kilde: Prøvedata.") for t in texts] == [0] * (len(texts) - 1) + [1]
    numbers = [int(n) for t in texts for n in re.findall(r"Række (\d+)", t)]
    assert numbers == list(range(1, 131))                # every row once, in order


def test_formulas_print_as_images_of_their_svg_with_the_tex_as_alt_text(tmp_path):
    import base64

    from evalreport.engine import render as R
    body = render_body("# Kapitel\n\nEffekten $\\beta_{1}$ og\n\n$$Y_i = \\alpha + \\beta T_i$$\n",
                       style=NumberingStyle())
    page = render_page(front_matter={"title": "Prøve", "version": "1.0.0", "date": "2026-11-22"},
                       slug="demo", body_html=body.html, toc=body.toc, build_stamp="Bygget i dag")
    svgs = re.findall(r'<svg\b[^>]*class="math-svg".*?</svg>', page, re.S)
    printed = R.math_as_images(page)
    images = re.findall(r'<img class="math-svg" src="data:image/svg\+xml;base64,([^"]+)" alt="([^"]*)">', printed)
    assert len(svgs) == len(images) == 2 and "<svg" not in printed.split("<body", 1)[1]
    assert [base64.b64decode(data).decode() for data, _ in images] == svgs      # the same drawing
    assert [alt for _, alt in images] == [r"\beta_{1}", r"Y_i = \alpha + \beta T_i"]
    # Printed pixel for pixel as WeasyPrint prints the inline SVG (same CSS placement).
    from weasyprint import CSS, HTML
    pngs = []
    inline = R.footnotes_to_page_notes(R._FONTS_STYLE.sub("", page, count=1))
    for name, html in (("svg", inline), ("img", R.math_as_images(inline))):
        HTML(string=html, base_url=str(tmp_path)).write_pdf(
            str(tmp_path / f"{name}.pdf"), stylesheets=[CSS(string=R.pdf_font_face_css() + R.PDF_CSS)])
        subprocess.run(["pdftoppm", "-png", "-r", "100", str(tmp_path / f"{name}.pdf"), str(tmp_path / name)],
                       check=True)
        pngs.append([Image.open(f).convert("L") for f in sorted(glob.glob(str(tmp_path / f"{name}-*.png")))])
    from PIL import ImageChops
    assert len(pngs[0]) == len(pngs[1]) >= 2
    assert [ImageChops.difference(a, b).getbbox() for a, b in zip(*pngs)] == [None] * len(pngs[0])


def test_a_figure_that_does_not_fit_lets_the_following_text_fill_the_page(tmp_path):
    (tmp_path / "fig.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="450pt" height="300pt" viewBox="0 0 450 300">'
        '<rect x="0" y="0" width="450" height="300" fill="#1f4e79"/></svg>', encoding="utf-8")
    text = " ".join(["Ord i et afsnit, der fylder en linje eller to."] * 9)
    figure = ('<div id="fig-x" class="er-figure"><p><img src="fig.svg" alt="Et blåt rektangel"></p>'
              '<div class="er-caption"><p><strong>Figur 1:</strong> Et rektangel</p></div></div>')
    md = ("# Kapitel\n\n" + "\n\n".join(f"Afsnit {i}. {text}" for i in range(7))
          + "\n\n```{=html}\n" + figure + "\n```\n\n"
          + "\n\n".join(f"Efter {i}. {text}" for i in range(12)))
    _, pdf, _ = _small_report(md, tmp_path)
    reader = PdfReader(str(pdf))
    first = next(i for i, p in enumerate(reader.pages) if "Afsnit 0." in p.extract_text())
    assert page_fill(pdf)[first] > 0.9                  # text, not a gap, before the figure's page
    assert "Efter 0." in reader.pages[first].extract_text()
    later = "".join(p.extract_text() for p in reader.pages[first + 1:])
    assert "Figur 1: Et rektangel" in later


def test_ordered_list_split_by_pandoc_is_joined_in_its_style():
    md = ("Moduler:\n\nI. **Intro.** Et forløb.\n\nII. **Snuse.** Kort.\n\nIII. **Første.** A.\n\n"
          "IV. **Andet.** B.\n\nV. **Tredje.** Slut.\n\nEfter.\n")
    blocks = join_split_ordered_lists(markdown_to_ast(md)["blocks"])
    lists = [b for b in blocks if b["t"] == "OrderedList"]
    assert len(lists) == 1
    (start, style, _), items = lists[0]["c"]
    assert (start, style["t"], len(items)) == (1, "UpperRoman", 5)
    assert [b["t"] for b in blocks] == ["Para", "OrderedList", "Para"]


def test_table_headers_do_not_break_inside_a_unit():
    html = ('<table><thead><tr><th>Effekt (95 % KI)</th><th>Andel, 95 %</th></tr></thead>'
            '<tbody><tr><td>(1 til 2)</td></tr></tbody></table>')
    out = typeset_body(html)
    assert "Effekt (95\u00a0%\u00a0KI)" in out and "Andel, 95\u00a0%" in out
    assert "<td>(1 til 2)</td>" in out                  # body cells untouched


def test_appendix_sections_are_numbered_apart_from_chapters():
    md = ("# Indledning\n\n## Baggrund\n\n# Metoder {.appendix}\n\n## Matching {#sec-m}\n\n"
          "Se @sec-m.\n")
    body = render_body(md, style=NumberingStyle(numbering="chapter"))
    numbers = [(e.number, e.title) for e in body.toc]
    assert numbers == [("1", "Indledning"), ("1.1", "Baggrund"), ("1", "Metoder"), ("B1.1", "Matching")]
    assert "afsnit B1.1" in body.html


def test_diff_reads_the_typographic_minus():
    assert danish_number(f"{MINUS}1,1 ({MINUS}2,5 til 0,3)") == -1.1
    assert danish_number("-1,1") == -1.1


# --------------------------------------------------------------------------- built reports

@pytest.fixture(scope="module", params=SLUGS)
def built(request, site_builds):
    return site_builds(request.param)


@pytest.mark.build
def test_every_footnote_is_printed_on_the_page_of_its_call(built):
    soup = BeautifulSoup(built.html.read_text(encoding="utf-8"), "html.parser")
    expected = len(soup.select("section#footnotes li"))
    notes = _footnote_pages(built.pdf)
    assert len(notes) == expected
    assert [(n, call + 1, page + 1) for n, call, page in notes if call != page] == []


@pytest.mark.build
def test_no_page_but_a_chapters_last_is_left_empty(built):
    reader = PdfReader(str(built.pdf))
    dests = _dest_pages(reader)
    soup = BeautifulSoup(built.html.read_text(encoding="utf-8"), "html.parser")
    chapters = [s["id"] for s in soup.select("main section.level1[id]")]
    starts = {dests[c][0] for c in chapters if c in dests}
    last = len(reader.pages) - 1
    exempt = {0, dests["kolofon"][0], last} | {s - 1 for s in starts}
    # Text before the first chapter (a preface, as in the STAR note) starts on a page of its
    # own after the contents, so the contents' page is a chapter's last page too.
    main = soup.select_one("main")
    first = main.select_one("section.level1")
    preface = [e for e in (first.find_previous_siblings() if first else []) if e.name != "nav"]
    if preface and "toc" in dests:
        exempt.add(dests["toc"][0])
    fills = page_fill(built.pdf)
    low = {i + 1: round(f, 2) for i, f in enumerate(fills) if i not in exempt and f < FILL_THRESHOLD}
    assert low == {}, f"pages below {FILL_THRESHOLD:.0%} full (page: fill): {low}"


_HYPHEN_NEGATIVE = re.compile(r"(?:^|(?<=[\s(\[=:;/]))-\d")


@pytest.mark.build
def test_printed_negative_numbers_use_the_typographic_minus(built):
    reader = PdfReader(str(built.pdf))
    hyphens = []
    for number, page in enumerate(reader.pages, start=1):
        for line in page.extract_text().splitlines():
            if _HYPHEN_NEGATIVE.search(line):
                hyphens.append((number, line.strip()[:80]))
    assert hyphens == []
    text = "".join(p.extract_text() for p in reader.pages)
    assert re.search(f"{MINUS}\\d", text)
    # ... and the diff still reads every printed negative number in a cell as negative
    # (whole cells such as "−1,2" and numbers inside intervals such as "(−0,8 til 1,4)").
    cells = []
    for path in sorted((built.folder / "tables").glob("*.display.csv")):
        with open(path, encoding="utf-8", newline="") as fh:
            cells += [c for row in csv.reader(fh) for c in row if re.search(f"{MINUS}\\d", c)]
    assert cells
    misread = [c for c in cells
               if sum(v < 0 for v in danish_numbers(c)) != len(re.findall(f"{MINUS}\\d", c))]
    assert misread == []


@pytest.mark.build
def test_the_pdf_is_tagged_pdf_ua_with_language_tables_and_figure_alt_text(built):
    reader = PdfReader(str(built.pdf))
    root = reader.trailer["/Root"]
    assert bool(root["/MarkInfo"]["/Marked"]) is True
    assert str(root["/Lang"]).startswith("da")
    assert b"pdfuaid:part" in root["/Metadata"].get_object().get_data()
    kinds, figures = set(), []

    def walk(node, depth=0):
        node = node.get_object()
        if isinstance(node, dict) or hasattr(node, "keys"):
            kind = node.get("/S")
            if kind is not None:
                kinds.add(str(kind))
                if str(kind) == "/Figure":
                    figures.append(node)
            kids = node.get("/K")
            if kids is not None and depth < 200:
                for kid in (kids if isinstance(kids, list) else [kids]):
                    if hasattr(kid, "get_object") and not isinstance(kid.get_object(), int):
                        walk(kid, depth + 1)

    walk(root["/StructTreeRoot"])
    assert {"/Table", "/TR", "/TH", "/TD", "/H1", "/P"} <= kinds
    soup = BeautifulSoup(built.html.read_text(encoding="utf-8"), "html.parser")
    images = soup.select("main img")
    assert all(img.get("alt", "").strip() for img in images)
    with_alt = [f for f in figures if str(f.get("/Alt", "")).strip()]
    assert len(with_alt) >= len(images)


@pytest.mark.build
def test_cover_has_no_page_number_or_commit_and_the_colophon_has_them(built):
    manifest = json.loads((built.folder / "manifest.json").read_text(encoding="utf-8"))
    reader = PdfReader(str(built.pdf))
    cover = reader.pages[0].extract_text()
    assert "Side" not in cover
    if manifest["commit"]:
        assert manifest["commit"][:7] not in cover
    colophon = reader.pages[_dest_pages(reader)["kolofon"][0]].extract_text()
    colophon = " ".join(colophon.split())
    for words in ("Kolofon", f"Version {manifest['version']}", "Motor", "WeasyPrint", "Citér denne udgave"):
        assert words in colophon
    if manifest["commit"]:
        assert manifest["commit"][:10] in colophon
    seed = read_qmd(ROOT / "reports" / built.slug / "index.qmd").parameter_defaults().get("seed")
    if seed is not None:
        assert f"dataseed {seed}" in colophon


@pytest.mark.build
def test_every_page_after_the_cover_says_the_data_are_synthetic(built):
    reader = PdfReader(str(built.pdf))
    missing = [i + 1 for i, page in enumerate(reader.pages[1:], start=1)
               if "Syntetiske data – ikke evalueringens resultater" not in page.extract_text()]
    assert missing == []
    assert "Syntetiske data" in reader.pages[0].extract_text()     # and the cover itself


@pytest.mark.build
def test_html_embeds_the_pdf_fonts_and_shows_the_synthetic_notice(built):
    html = built.html.read_text(encoding="utf-8")
    soup = BeautifulSoup(html, "html.parser")
    fonts = soup.select_one("style#er-fonts").get_text()
    for family in ("Source Serif Pro", "Source Sans Pro"):
        assert re.search(rf'font-family: "{family}";[^}}]*src: url\(data:font/woff2;base64,', fonts)
    banner = soup.select_one(".synthetic-banner")
    assert banner is not None and "Syntetiske data" in banner.get_text()


def test_pdftoppm_is_available():
    assert shutil.which("pdftoppm"), "poppler-utils (pdftoppm) is needed by the PDF tests"
