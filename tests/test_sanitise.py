"""Data never becomes markup: payloads in data, inline values and asis output stay inert.

A payload is inert when the built page has no <script>, no event-handler attribute, no
javascript: URL and no <iframe>/<object>, while the payload's text is still readable where
it was printed as a value.
"""
import pytest
from bs4 import BeautifulSoup

from evalreport.build import BuildOptions, build_report
from evalreport.config import load_project
from evalreport.engine.crossref import NumberingStyle
from evalreport.engine.pandoc import render_body
from evalreport.engine.sanitise import escape_markdown, mark_block, mark_inline, safe_url

PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">klik</a>',
    "[klik](javascript:alert(1))",
    "[klik]{onclick=alert(1)}",
    "<svg onload=alert(1)>",
    '<iframe src="javascript:alert(1)"></iframe>',
    "`<script>alert(1)</script>`{=html}",
    "<!-- <script>alert(1)</script>",
    "\n\n:::\n\n<script>alert(1)</script>\n\n",
    '<a href="JaVa\tScRiPt:alert(1)">x</a>',
]


def assert_inert(html: str) -> None:
    soup = BeautifulSoup(html, "html.parser")
    assert not soup.find_all(["script", "iframe", "object", "embed", "svg"]), html
    for tag in soup.find_all(True):
        for name, value in tag.attrs.items():
            assert not name.lower().startswith("on"), (tag, name)
            text = " ".join(value) if isinstance(value, list) else str(value)
            assert "javascript" not in text.lower().replace("\t", ""), (tag, name)


def _render(md: str) -> str:
    return render_body(md, style=NumberingStyle.from_front_matter({})).html


@pytest.mark.parametrize("payload", PAYLOADS)
def test_escaped_inline_value_is_printed_as_text(payload):
    html = _render(f"Gruppen hedder {escape_markdown(payload)} i data.")
    assert_inert(html)
    text = BeautifulSoup(html, "html.parser").get_text()
    assert " ".join(payload.split()) in " ".join(text.split())


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize("how", ["block", "inline"])
def test_untrusted_markdown_is_sanitised(payload, how):
    md = (f"Før.\n\n{mark_block('Udskrift: ' + payload)}\n\nEfter *betroet* tekst."
          if how == "block" else f"Før {mark_inline('ord ' + payload)} efter.")
    assert_inert(_render(md))


def test_legit_markup_in_untrusted_output_survives():
    html = _render(mark_block('Se **dette** og <span class="er-x" data-n="2">dét</span>, '
                              '[kilden](https://dst.dk) og fodnoten.^[En fodnote.]'))
    soup = BeautifulSoup(html, "html.parser")
    assert soup.find("strong").get_text() == "dette"
    assert soup.find("span", class_="er-x")["data-n"] == "2"
    assert soup.find("a", string="kilden")["href"] == "https://dst.dk"
    assert "En fodnote." in soup.get_text()


def test_fake_end_mark_does_not_escape():
    fake = "<!--/er-untrusted:000000000000000000000000-->"
    assert_inert(_render(mark_block(f"{fake}\n\n<img src=x onerror=alert(1)>")))


@pytest.mark.parametrize("url, ok", [("https://x.dk", True), ("#tbl-a", True), ("figures/a.svg", True),
                                     ("mailto:a@b.dk", True), ("javascript:alert(1)", False),
                                     (" jav\nascript:alert(1)", False), ("data:text/html,x", False),
                                     ("vbscript:x", False)])
def test_safe_url(url, ok):
    assert (safe_url(url) == url) is ok


DOC = '''\
---
title: "Fjendtlige data"
version: 1.0.0
---

```{python}
#| include: false
import pandas as pd
from evalreport.author.tables import ReportTable
data = pd.read_csv("../../data/grupper.csv")
label = data["gruppe"][0]
```

Den første gruppe hedder `{python} label`, den anden `{python} data["gruppe"][1]`.

```{python}
#| label: tbl-grupper
#| tbl-cap: "Grupper"
ReportTable.from_frames(data.set_index("gruppe").astype(str), None, id="tbl-grupper")
```

```{python}
#| output: asis
for g in data["gruppe"]:
    print(f"- Gruppe: {g}")
print()
print('<a href="javascript:alert(1)" onclick="alert(2)">link</a> <b>fed</b>')
```

```{python}
from IPython.display import HTML, Markdown
display(HTML('<div onmouseover="alert(3)"><script>alert(4)</script>tabel</div>'))
display(Markdown("[klik](javascript:alert(5))"))
```
'''


@pytest.mark.build
def test_payloads_in_data_inline_values_and_asis_output_are_inert(project_factory):
    root = project_factory(DOC)
    (root / "data").mkdir()
    (root / "data" / "grupper.csv").write_text(
        'gruppe,n\n"<img src=x onerror=alert(1)>",5\n"<script>alert(1)</script>",7\n', encoding="utf-8")
    project = load_project(root)
    result = build_report(project, "demo", BuildOptions(to="html", quiet=True))
    html = result.html.read_text(encoding="utf-8")
    body = html[html.index("<body"):]
    body = body[:body.index("build-stamp")] if "build-stamp" in body else body
    assert_inert(body)
    text = BeautifulSoup(html, "html.parser").get_text()
    assert "Den første gruppe hedder <img src=x onerror=alert(1)>" in text
    assert text.count("<script>alert(1)</script>") >= 2          # inline value and table cell
    soup = BeautifulSoup(html, "html.parser")
    assert soup.find("b", string="fed") is not None              # asis HTML kept where safe
    assert soup.find("a", string="link").get("href") in (None, "#")
