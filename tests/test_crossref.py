"""Cross-reference numbering styles and Danish labels, on real Pandoc ASTs."""
import pytest

from evalreport.engine.crossref import NumberingStyle
from evalreport.errors import CrossRefError
from evalreport.engine.pandoc import render_body

MD = """
# Indledning {#sec-ind}

Se @tbl-a, @tbl-b og @fig-c samt @sec-res og @Sec-bilag.

:::: {#tbl-a .er-table}
::: {.er-caption}
Første
:::
::::

# Resultater {#sec-res}

## Under {#sec-under}

:::: {#tbl-b .er-table}
::: {.er-caption}
Anden
:::
::::

:::: {#fig-c .er-figure}
::: {.er-caption}
Figur
:::
::::

# Bilag om data {.appendix #sec-bilag}

:::: {#tbl-d .er-table}
::: {.er-caption}
Bilag
:::
::::

Se @tbl-d.
"""


def _links(html):
    import re
    return re.findall(r'<a href="#([^"]+)" class="quarto-xref">([^<]+)</a>', html)


@pytest.mark.parametrize("opts, expected", [
    ({"numbering": "flat", "appendix-prefix": "A"},
     {"tbl-a": "Tabel 1", "tbl-b": "Tabel 2", "fig-c": "Figur 1", "tbl-d": "Tabel A1"}),
    ({"numbering": "chapter"},
     {"tbl-a": "Tabel 1.1", "tbl-b": "Tabel 2.1", "fig-c": "Figur 2.1", "tbl-d": "Tabel 1.1"}),
    ({"numbering": "chapter-dash"},
     {"tbl-a": "Tabel 1-1", "tbl-b": "Tabel 2-1", "fig-c": "Figur 2-1", "tbl-d": "Tabel 1-1"}),
    ({"numbering": "chapter", "appendix-table-label": "Bilagstabel"},
     {"tbl-a": "Tabel 1.1", "tbl-b": "Tabel 2.1", "tbl-d": "Bilagstabel 1.1"}),
])
def test_numbering_styles(opts, expected):
    body = render_body(MD, style=NumberingStyle.from_front_matter({"evalreport": opts}))
    links = dict(_links(body.html))
    for ident, text in expected.items():
        assert links[ident] == text
        # the caption carries the same number
        assert f"<strong>{text}:</strong>" in body.html
    assert links["sec-res"] == "afsnit 2"
    assert links["sec-bilag"] == "Bilag 1"          # capitalised reference @Sec-…
    toc = [(e.number, e.title) for e in body.toc]
    assert toc[:3] == [("1", "Indledning"), ("2", "Resultater"), ("2.1", "Under")]


def test_unknown_reference_is_an_error():
    with pytest.raises(CrossRefError, match="@tbl-findes-ikke"):
        render_body("Se @tbl-findes-ikke.", style=NumberingStyle())


def test_bad_style_is_an_error():
    with pytest.raises(CrossRefError, match="nummereringsstil"):
        NumberingStyle.from_front_matter({"evalreport": {"numbering": "roman"}})


BOX_MD = """
# Indledning {#sec-ind}

Se @box-a og @box-b samt @tbl-x.

::: {#box-a}
- B1: Ide om arbejde
- B2: Tage kontakt

BIP-indikatorerne
:::

:::: {#tbl-x .er-table}
::: {.er-caption}
En tabel
:::
::::

::: {#box-b}
Tekst i boksen.

Sagsbehandlerspørgsmål S1
:::
"""


def test_custom_float_kind_numbers_boxes_with_the_last_paragraph_as_caption():
    fm = {"crossref": {"custom": [{"kind": "float", "key": "box", "reference-prefix": "Boks"}]},
          "evalreport": {"numbering": "flat"}}
    body = render_body(BOX_MD, style=NumberingStyle.from_front_matter(fm))
    assert _links(body.html) == [("box-a", "Boks 1"), ("box-b", "Boks 2"), ("tbl-x", "Tabel 1")]
    a = body.html.index('id="box-a"')
    box = body.html[a:body.html.index('id="tbl-x"')]
    assert "er-box" in body.html[a:body.html.index(">", a)]
    # the caption comes first and is numbered; the list stays in the box
    assert box.index("Boks 1:") < box.index("BIP-indikatorerne") < box.index("Ide om arbejde")
    assert "Boks 2:" in body.html and "Sagsbehandlerspørgsmål S1" in body.html


def test_custom_float_kind_needs_a_caption_and_a_valid_key():
    fm = {"crossref": {"custom": [{"kind": "float", "key": "box", "reference-prefix": "Boks"}]}}
    with pytest.raises(CrossRefError, match="billedteksten"):
        render_body("::: {#box-a}\n- kun en liste\n:::\n", style=NumberingStyle.from_front_matter(fm))
    with pytest.raises(CrossRefError, match="ugyldig"):
        NumberingStyle.from_front_matter({"crossref": {"custom": [{"kind": "float", "key": "tbl",
                                                                   "reference-prefix": "X"}]}})
    # without the declaration a box- div is an ordinary div and @box-a stays a citation
    assert "er-box" not in render_body("::: {#box-a}\nTekst\n:::\n", style=NumberingStyle()).html
