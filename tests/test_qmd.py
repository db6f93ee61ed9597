"""The .qmd reader: front matter, cells, options, inline code and malformed input."""
import pytest

from evalreport.errors import QmdSyntaxError
from evalreport.engine.qmd import CodeCell, Markdown, parse_qmd

DOC = """---
title: "Prøve"
version: 1.2.0
execute:
  echo: false
---

# Indledning

Tallet er `{python} 1 + 1` og `{python} fmt(x)`.

```{python}
#| label: tbl-a
#| tbl-cap: "En tabel"
#| warning: false
x = 1
y = 2
```

```python
# not executed: an ordinary code block
```{python}
```

````{python}
#| tags: [parameters]
seed = 3
````
"""


def test_front_matter_cells_and_options():
    doc = parse_qmd(DOC, "x.qmd")
    assert doc.front_matter["title"] == "Prøve"
    assert doc.front_matter["version"] == "1.2.0"
    cells = doc.cells
    assert [c.number for c in cells] == [1, 2]
    first = cells[0]
    assert first.label == "tbl-a"
    assert first.options["tbl-cap"] == "En tabel"
    assert first.options["warning"] is False
    assert first.source == "x = 1\ny = 2"
    assert first.line == 12          # the opening fence
    assert first.code_line == 16     # after three option lines (13-15)
    assert cells[1].is_parameters and cells[1].source == "seed = 3"
    assert doc.option(first, "echo") is False        # from execute: in the front matter
    assert doc.option(first, "include", True) is True


def test_inline_expressions_and_plain_code_blocks_stay_markdown():
    doc = parse_qmd(DOC, "x.qmd")
    md = [b for b in doc.blocks if isinstance(b, Markdown)]
    assert md[0].inline_expressions == ["1 + 1", "fmt(x)"]
    assert md[0].line == 7
    # the ```{python} inside the ordinary block is shown, not run
    assert any("```{python}" in b.text for b in md)
    assert all(isinstance(c, CodeCell) for c in doc.cells)


def test_fence_attributes():
    doc = parse_qmd('```{python echo=true label="fig-x" fig-cap="F"}\n1\n```\n', "x.qmd")
    assert doc.cells[0].options == {"echo": True, "label": "fig-x", "fig-cap": "F"}


@pytest.mark.parametrize("text, line, words", [
    ("---\ntitle: [unclosed\n---\n", 2, "ugyldig YAML"),
    ("---\ntitle: x\n", 1, "afsluttes aldrig"),
    ("tekst\n\n```{python}\nx = 1\n", 3, "lukkes aldrig"),
    ("```{r}\n1\n```\n", 1, "kun ```{python}"),
    ("```{python}\n#| lable: tbl-x\n1\n```\n", 2, "ukendt celle-option"),
    ("```{python}\n#| label: [a\n1\n```\n", 2, "ugyldig celle-option"),
    ("```{python}\n#| label: tbl-x\n1\n```\n", 1, "mangler '#| tbl-cap'"),
    ("```{python}\n#| label: a\n1\n```\n\n```{python}\n#| label: a\n2\n```\n", 6, "allerede brugt"),
    ("# A\n\nTekst `{python} 1 + 1 uden slut\n", 3, "afsluttende backtick"),
])
def test_malformed_input_names_file_and_line(text, line, words):
    with pytest.raises(QmdSyntaxError) as err:
        parse_qmd(text, "rapport.qmd")
    assert err.value.line == line
    assert words in str(err.value)
    assert str(err.value).startswith(f"rapport.qmd:{line}:")
