"""The PDF printed in the printer process (engine/printer.py) is the PDF printed in this one."""
from __future__ import annotations

import errno
import hashlib

import pytest

from evalreport.engine.crossref import NumberingStyle
from evalreport.engine.pandoc import render_body
from evalreport.engine.printer import Printer
from evalreport.engine.render import render_page, write_pdf

BODY = """# Indledning

En sætning med en fodnote.^[Fodnoten.] Endnu en med et tal: 1.234,5.

| Gruppe | Antal |
|---|---|
| A | 12 |
| B | 34 |

: Tabel med to rækker {#tbl-to}

$$ \\hat\\tau = \\bar y_1 - \\bar y_0 $$
"""


@pytest.fixture(scope="module")
def page_html():
    body = render_body(BODY, style=NumberingStyle())
    return render_page(front_matter={"title": "Prøve", "version": "1.0.0", "date": "2026-11-30"}, slug="demo",
                       body_html=body.html, toc=body.toc, build_stamp="Bygget i dag")


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_printer_process_prints_the_same_bytes_as_this_process(tmp_path, page_html):
    (tmp_path / "index.html").write_text(page_html, encoding="utf-8")
    here = write_pdf(page_html, tmp_path / "here.pdf", base_url=tmp_path, epoch=1_700_000_000)
    printer = Printer()
    pid = printer.proc.pid
    there = printer.write_pdf(tmp_path / "index.html", tmp_path / "there.pdf", base_url=tmp_path,
                              epoch=1_700_000_000)
    assert printer.answered_by == pid                            # printed by the child, not here
    assert there == here >= 2                                    # a cover and the text
    assert _sha(tmp_path / "there.pdf") == _sha(tmp_path / "here.pdf")
    assert printer.proc is None                                  # one PDF per printer, then it is gone


def test_a_printer_without_a_process_prints_here(tmp_path, page_html):
    (tmp_path / "index.html").write_text(page_html, encoding="utf-8")
    printer = Printer()
    printer.close()                                              # as if the child never started
    pages = printer.write_pdf(tmp_path / "index.html", tmp_path / "out.pdf", base_url=tmp_path, epoch=0)
    assert printer.answered_by is None
    assert pages >= 2 and (tmp_path / "out.pdf").read_bytes().startswith(b"%PDF-")


def test_an_os_error_in_the_printer_reaches_the_build_as_an_os_error(tmp_path, page_html):
    (tmp_path / "index.html").write_text(page_html, encoding="utf-8")
    with pytest.raises(OSError) as caught:
        Printer().write_pdf(tmp_path / "index.html", tmp_path / "no such folder" / "out.pdf", base_url=tmp_path,
                            epoch=0)
    assert caught.value.errno == errno.ENOENT and "out.pdf" in str(caught.value.filename)


def test_an_unused_printer_goes_away(tmp_path):
    printer = Printer()
    proc = printer.proc
    printer.close()
    assert proc.wait(timeout=10) is not None and printer.proc is None


_PRINT = """
import sys
from pathlib import Path
from evalreport.engine import render, weasyspeed
if sys.argv[1] == "plain":
    weasyspeed.apply = lambda: None            # WeasyPrint's own code
render.write_pdf(Path(sys.argv[2]).read_text(encoding="utf-8"), Path(sys.argv[3]), base_url=Path(sys.argv[2]).parent,
                 epoch=0)
from weasyprint.matrix import Matrix
from weasyprint.svg import TAGS
print(getattr(TAGS["path"], "_evalreport_memo", False), getattr(Matrix.__matmul__, "_evalreport_memo", False))
"""


def test_weasyspeed_prints_the_same_bytes(tmp_path):
    # A matplotlib figure as the reports draw it: text as glyph paths in <defs>, placed with <use>.
    import subprocess
    import sys

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    with matplotlib.rc_context({"svg.fonttype": "path", "svg.hashsalt": "test"}):
        fig, ax = plt.subplots(figsize=(5, 3))
        ax.plot(range(30), [x ** 0.5 for x in range(30)], label="Kvadratrod af uge")
        ax.set_xlabel("Uger efter start")
        ax.set_title("Beskæftigelse, 95 pct. KI")
        ax.legend()
        fig.savefig(tmp_path / "fig.svg")
        plt.close(fig)
    svg = (tmp_path / "fig.svg").read_text(encoding="utf-8")
    assert svg.count("<use ") > 20                     # the glyphs are reused
    body = render_body("# Figur\n\n![Figur 1](fig.svg)\n\nTekst efter figuren.\n\n![Igen](fig.svg)\n",
                       style=NumberingStyle())
    html = render_page(front_matter={"title": "Prøve", "version": "1.0.0", "date": "2026-11-30"}, slug="demo",
                       body_html=body.html, toc=body.toc, build_stamp="Bygget i dag")
    (tmp_path / "index.html").write_text(html, encoding="utf-8")
    memo = {}
    for mode in ("plain", "fast"):
        out = subprocess.run([sys.executable, "-c", _PRINT, mode, str(tmp_path / "index.html"),
                              str(tmp_path / f"{mode}.pdf")], capture_output=True, text=True, check=True)
        memo[mode] = out.stdout.strip()
    assert memo == {"plain": "False False", "fast": "True True"}  # the patches were (not) in place
    assert _sha(tmp_path / "fast.pdf") == _sha(tmp_path / "plain.pdf")
