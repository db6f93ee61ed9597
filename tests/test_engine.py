"""End-to-end builds of small documents with the builtin engine."""
import os
import stat
import sys
import textwrap

import pytest
from bs4 import BeautifulSoup
from pypdf import PdfReader

from evalreport.build import BuildOptions, build_report
from evalreport.cli import main
from evalreport.config import load_project
from evalreport.engine.quarto import quarto_command, resolve_engine
from evalreport.errors import CellExecutionFailed, EngineError, UnknownReportError

pytestmark = pytest.mark.build

DOC = """\
---
title: "Prøverapport"
subtitle: "Til test"
date: 2026-11-22
version: 1.0.0
bibliography: references.bib
evalreport:
  numbering: flat
  appendix-prefix: "A"
---

```{python}
#| tags: [parameters]
seed = 1
```

```{python}
#| include: false
from IPython.display import HTML, Markdown
value = seed * 2.5
```

# Indledning {#sec-ind}

Værdien er `{python} str(value).replace(".", ",")`, se @tbl-tal og @sec-bilag.
Metoden følger @bloom1984.^[En fodnote, der skal stå nederst på siden.]

$$\\hat{\\Delta}_d = \\frac{\\bar{Y}_t - \\bar{Y}_k}{\\hat{a}_t}$$

```{python}
#| label: tbl-tal
#| tbl-cap: "Tal fra seed"
HTML(f"<table><thead><tr><th>Navn</th><th>Værdi</th></tr></thead>"
     f"<tbody><tr><td>seed</td><td>{seed}</td></tr></tbody></table>")
```

```{python}
Markdown(f"Genereret sætning med seed {seed}.")
```

# Bilag {.appendix #sec-bilag}

```{python}
#| label: tbl-bilag
#| tbl-cap: "Bilagstabel"
HTML("<table><thead><tr><th>x</th></tr></thead><tbody><tr><td>1</td></tr></tbody></table>")
```

# Litteratur {.unnumbered}

::: {#refs}
:::
"""


@pytest.fixture
def built(project_factory):
    root = project_factory(DOC)
    project = load_project(root)
    result = build_report(project, "demo", BuildOptions(to="all", params={"seed": 4}, quiet=True))
    return project, result


def test_html_has_numbers_references_citations_and_math(built):
    project, result = built
    html = result.html.read_text(encoding="utf-8")
    soup = BeautifulSoup(html, "html.parser")
    assert soup.html["lang"] == "da"
    text = soup.get_text(" ")
    assert "Værdien er 10,0" in text                      # -P seed=4 reached the inline code
    assert "Genereret sætning med seed 4." in text        # markdown output
    refs = {a["href"]: a.get_text() for a in soup.select("a.quarto-xref")}
    assert refs == {"#tbl-tal": "Tabel 1", "#sec-bilag": "bilag 1"}
    captions = [c.get_text(" ", strip=True) for c in soup.select(".er-caption")]
    assert captions == ["Tabel 1: Tal fra seed", "Tabel A1: Bilagstabel"]
    assert soup.select_one("#tbl-tal td:nth-of-type(2)").get_text() == "4"
    assert "Bloom" in soup.select_one("#refs").get_text()          # citeproc
    assert soup.select_one("svg.math-svg") is not None              # math as SVG
    toc = [a.get_text(" ", strip=True) for a in soup.select("nav.toc a")]
    assert toc[0] == "1 Indledning" and toc[1] == "Bilag 1: Bilag"


def test_pdf_has_pages_numbers_and_tables(built):
    _, result = built
    reader = PdfReader(str(result.pdf))
    assert len(reader.pages) == result.pages
    assert reader.pages[0].mediabox.width == pytest.approx(595.28, abs=1)   # A4
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert "Side 1 af" not in reader.pages[0].extract_text()       # no number on the cover
    assert "Side 2 af" in text
    assert f"Side {result.pages} af {result.pages}" in text
    assert "Tabel 1:" in text and "Tabel A1:" in text
    assert "Indhold" in text
    assert "En fodnote, der skal stå nederst på siden." in text


def test_same_inputs_give_same_html_and_pdf(project_factory, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    project = load_project(project_factory(DOC))
    first = build_report(project, "demo", BuildOptions(quiet=True))
    html1, pdf1 = first.html.read_bytes(), first.pdf.read_bytes()
    second = build_report(project, "demo", BuildOptions(quiet=True))
    assert second.html.read_bytes() == html1
    assert second.pdf.read_bytes() == pdf1


def test_failing_cell_names_cell_and_line_and_keeps_previous_output(project_factory):
    root = project_factory(DOC)
    project = load_project(root)
    good = build_report(project, "demo", BuildOptions(to="html", quiet=True))
    before = good.html.read_bytes()
    qmd = root / "reports" / "demo" / "index.qmd"
    broken = DOC.replace('HTML("<table><thead><tr><th>x</th>',
                         'undefined_name + 1\nHTML("<table><thead><tr><th>x</th>')
    qmd.write_text(broken, encoding="utf-8")
    with pytest.raises(CellExecutionFailed) as err:
        build_report(project, "demo", BuildOptions(to="html", quiet=True))
    expected_line = broken.splitlines().index("undefined_name + 1") + 1
    assert err.value.cell_number == 5
    assert err.value.line == expected_line
    assert err.value.report == "demo"
    assert "NameError" in str(err.value) and "undefined_name" in err.value.traceback
    assert good.html.read_bytes() == before                       # previous output untouched
    leftovers = list((project.output_dir / ".staging").iterdir())
    assert leftovers == []                                        # no half-built folder


def test_an_output_that_cannot_be_formatted_names_its_error(tmp_path):
    # IPython reports an exception raised while formatting an output (a table's _repr_html_, a
    # failing export check) as "NoneType: None" in the reply; the build names the real one
    from evalreport.engine.execute import execute_document
    from evalreport.engine.qmd import read_qmd

    qmd = tmp_path / "index.qmd"
    qmd.write_text(textwrap.dedent('''\
        ---
        title: x
        ---

        ```{python}
        class Tabel:
            def _repr_html_(self):
                raise ValueError("rækken 'Mænd' mangler")

        Tabel()
        ```
        '''), encoding="utf-8")
    with pytest.raises(CellExecutionFailed) as err:
        execute_document(read_qmd(qmd), "x", tables_dir=tmp_path)
    assert err.value.cell_number == 1 and err.value.ename == "ValueError"
    assert err.value.evalue == "rækken 'Mænd' mangler" and "_repr_html_" in err.value.traceback


def test_failing_inline_expression_names_line(project_factory):
    doc = DOC.replace("Værdien er `{python} str(value)", "Værdien er `{python} 1/0` `{python} str(value)")
    project = load_project(project_factory(doc))
    with pytest.raises(CellExecutionFailed) as err:
        build_report(project, "demo", BuildOptions(to="html", quiet=True))
    assert err.value.line == doc.splitlines().index(
        next(line for line in doc.splitlines() if "1/0" in line)) + 1
    assert "ZeroDivisionError" in str(err.value)


def test_cli_reports_unknown_report_and_errors(project_factory, monkeypatch, capsys):
    root = project_factory(DOC)
    monkeypatch.chdir(root)
    assert main(["build", "findes-ikke", "--quiet"]) == 2
    assert "Ukendt rapport 'findes-ikke'. Kendte rapporter: demo" in capsys.readouterr().err
    assert main(["list"]) == 0
    assert "demo\t1.0.0\tPrøverapport" in capsys.readouterr().out
    with pytest.raises(UnknownReportError):
        load_project(root).report_path("nej")


def test_quarto_engine_command_line_with_stub(project_factory, monkeypatch, tmp_path):
    root = project_factory(DOC)
    log = tmp_path / "argv.txt"
    stub = tmp_path / "quarto"
    stub.write_text(textwrap.dedent(f"""\
        #!{sys.executable}
        import sys, pathlib
        pathlib.Path({str(log)!r}).write_text("\\n".join(sys.argv[1:]))
        out = pathlib.Path(sys.argv[sys.argv.index("--output-dir") + 1])
        out.mkdir(parents=True, exist_ok=True)
        (out / "index.html").write_text("<html lang='da'><body><h1>Fra quarto</h1><p>Side</p></body></html>")
        """))
    stub.chmod(stub.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    assert resolve_engine("auto") == "quarto"
    project = load_project(root)
    result = build_report(project, "demo", BuildOptions(engine="quarto", params={"seed": 7}, quiet=True))
    argv = log.read_text().splitlines()
    qmd = str(root / "reports" / "demo" / "index.qmd")
    assert argv[:4] == ["render", qmd, "--to", "html"]
    assert argv[argv.index("-P") + 1] == "seed:7"
    assert "Fra quarto" in result.html.read_text()
    assert PdfReader(str(result.pdf)).pages[0].extract_text().startswith("Fra quarto")
    assert quarto_command(root / "x.qmd", tmp_path, {"a": 1})[-2:] == ["-P", "a:1"]


def test_no_quarto_means_builtin(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("EVALREPORT_QUARTO", raising=False)
    assert resolve_engine("auto") == "builtin"
    with pytest.raises(EngineError, match="quarto"):
        resolve_engine("quarto")


def test_the_kernel_runs_with_malloc_tunables_and_the_users_own_win(tmp_path, monkeypatch):
    from evalreport.engine.execute import KERNEL_MALLOC, execute_document, kernel_malloc_tunables
    from evalreport.engine.qmd import read_qmd

    monkeypatch.setenv("GLIBC_TUNABLES", "glibc.malloc.top_pad=4096")
    qmd = tmp_path / "index.qmd"
    qmd.write_text("---\ntitle: x\n---\n\n```{python}\nimport os\nprint(os.environ['GLIBC_TUNABLES'])\n```\n",
                   encoding="utf-8")
    printed = execute_document(read_qmd(qmd), "x", tables_dir=tmp_path).outputs[1][0]["text"].strip()
    settings = [item.split("=") for item in printed.split(":")]
    assert settings[:len(KERNEL_MALLOC)] == [[k, str(v)] for k, v in KERNEL_MALLOC.items()]
    assert settings[-1] == ["glibc.malloc.top_pad", "4096"]          # the user's, last: glibc takes it
    assert kernel_malloc_tunables() == printed.rsplit(":", 1)[0]
