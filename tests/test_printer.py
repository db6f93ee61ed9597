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
