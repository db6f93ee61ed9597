"""Lines under a figure (figure_notes) and Quarto's fig-cap-location in the builtin engine."""
from __future__ import annotations

from types import SimpleNamespace

from evalreport.author import figure_notes
from evalreport.engine.markdown import to_pandoc_markdown
from evalreport.engine.qmd import read_qmd


def test_figure_notes_markdown():
    md = figure_notes(["Punktet er et gennemsnit.", "Stregen er et 95 pct. KI."], source="Syntetiske data (seed 1).")
    assert md._repr_markdown_() == ("::: {.er-figure-notes}\nAnm.: Punktet er et gennemsnit.\n\n"
                                    "Stregen er et 95 pct. KI.\n\nKilde: Syntetiske data (seed 1).\n:::\n")
    assert figure_notes("Anm.: allerede med.").lines == ["Anm.: allerede med."]
    assert figure_notes(source="Kilde: DREAM.").lines == ["Kilde: DREAM."]
    assert figure_notes().markdown() == ""


QMD = """---
title: t
{front}---

```{{python}}
#| label: fig-a
#| fig-cap: "Overskrift"
{opt}1
```
"""


def _markdown(tmp_path, front="", opt=""):
    path = tmp_path / "index.qmd"
    path.write_text(QMD.format(front=front, opt=opt), encoding="utf-8")
    doc = read_qmd(path)
    cell = doc.cells[0]
    outputs = [{"output_type": "display_data", "data": {"image/svg+xml": "<svg/>"}},
               {"output_type": "display_data", "data": {"text/markdown": str(figure_notes("Note", source="DREAM"))}}]
    result = SimpleNamespace(outputs={cell.number: outputs}, inline={})
    return to_pandoc_markdown(doc, result, tmp_path / "figures")


def test_fig_cap_location_top_puts_the_caption_above_and_the_notes_below(tmp_path):
    md = _markdown(tmp_path, front="fig-cap-location: top\n")
    assert md.index("{.er-caption}") < md.index("![") < md.index("Anm.: Note") < md.index("Kilde: DREAM")
    md = _markdown(tmp_path)                                   # Quarto's default: caption below
    assert md.index("![") < md.index("Anm.: Note") < md.index("{.er-caption}")
    md = _markdown(tmp_path, opt="#| fig-cap-location: top\n")  # a cell option wins
    assert md.index("{.er-caption}") < md.index("![")


def test_fig_format_png_with_dpi_and_the_setup_cell_compiles(tmp_path):
    from evalreport.engine.execute import _SETUP, figure_format
    from evalreport.errors import QmdSyntaxError
    import pytest

    def fmt(front):
        path = tmp_path / "f.qmd"
        path.write_text(f"---\ntitle: t\n{front}---\n\nTekst.\n", encoding="utf-8")
        return figure_format(read_qmd(path))

    assert fmt("") == ("svg", {"Date": None}, {})
    assert fmt("fig-format: png\nfig-dpi: 200\n") == ("png", {"Software": None}, {"dpi": 200.0})
    assert fmt("fig-format: retina\n")[2] == {"dpi": 300.0}
    with pytest.raises(QmdSyntaxError, match="fig-format"):
        fmt("fig-format: gif\n")
    for f, meta, kw in (fmt(""), fmt("fig-format: png\n")):
        compile(_SETUP.format(tables_dir="/t", report="r", root="/", mark="M", fig_format=f, fig_metadata=meta,
                              fig_kwargs=kw, figures="/f", fork_figures=False), "setup", "exec")


def test_png_figures_print_at_their_drawn_width(tmp_path):
    import base64
    import io

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from evalreport.engine.markdown import _png_width_inches

    fig, _ = plt.subplots(figsize=(5.0, 2.0))
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=200)
    plt.close(fig)
    raw = buf.getvalue()
    assert _png_width_inches(raw) == __import__("pytest").approx(5.0, abs=0.01)
    path = tmp_path / "index.qmd"
    path.write_text(QMD.format(front="", opt=""), encoding="utf-8")
    doc = read_qmd(path)
    out = [{"output_type": "display_data", "data": {"image/png": base64.b64encode(raw).decode()}}]
    md = to_pandoc_markdown(doc, SimpleNamespace(outputs={doc.cells[0].number: out}, inline={}), tmp_path / "f")
    assert "width=5.00in" in md
