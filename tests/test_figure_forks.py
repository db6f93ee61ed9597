"""Figures drawn by forked children of the kernel (evalreport/engine/figure_forks.py): the same
outputs, byte for byte, as drawing them in the kernel; failures and warnings come back."""
import sys
import textwrap

import pytest

from evalreport.engine import figure_forks
from evalreport.engine.execute import execute_document
from evalreport.engine.qmd import read_qmd
from evalreport.errors import CellExecutionFailed

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="figures are forked on Linux only")

FIGURES = '''
```{python}
import warnings
import matplotlib.pyplot as plt
from matplotlib.artist import Artist
from IPython.display import display

class Loud(Artist):            # warns while the figure is drawn
    def draw(self, renderer):
        warnings.warn("tegnes med en advarsel")

fig, ax = plt.subplots(figsize=(4, 3))
ax.plot([1, 2, 3], [3, 1, 2], label="første")
ax.set_title("Æbler og pærer")
display(fig)                   # as it stands now ...
ax.set_xlabel("uge")           # ... and again, changed, at the end of the cell
```

```{python}
empty = plt.figure()           # nothing to draw: only text/plain, as in the kernel
plt.show()
f2, ax2 = plt.subplots()
ax2.bar([1, 2], [2, 3])
ax2.add_artist(Loud())
```
'''


def _outputs(tmp_path, front: str, fork: bool):
    qmd = tmp_path / ("fork" if fork else "kernel") / "index.qmd"
    qmd.parent.mkdir(parents=True, exist_ok=True)
    qmd.write_text(f"---\ntitle: x\n{front}---\n" + textwrap.dedent(FIGURES), encoding="utf-8")
    result = execute_document(read_qmd(qmd), "x", tables_dir=qmd.parent, fork_figures=fork)
    return {n: [dict(o) for o in outs] for n, outs in result.outputs.items()}


def _images(outputs, mime):
    return [o["data"][mime] for outs in outputs.values() for o in outs if mime in o.get("data", {})]


@pytest.mark.parametrize("front, mime", [("", "image/svg+xml"), ("fig-format: png\nfig-dpi: 60\n", "image/png")])
def test_forked_figures_are_the_kernels_byte_for_byte(tmp_path, front, mime):
    forked, kernel = _outputs(tmp_path, front, True), _outputs(tmp_path, front, False)
    assert _images(forked, mime) == _images(kernel, mime)
    images = _images(forked, mime)
    assert len(images) == 3 and len(set(images)) == 3              # the changed figure is drawn twice
    assert not any(i.startswith(figure_forks.MARK) for i in images)
    # the empty figure shows only its text, as in the kernel
    texts = [o["data"].get("text/plain") for o in forked[2] if o.get("output_type") == "display_data"]
    assert texts[0].startswith("<Figure size") and "0 Axes" in texts[0]
    # the warning printed while drawing is the cell's stderr in both
    for outs in (forked, kernel):
        assert any(o.get("name") == "stderr" and "tegnes med en advarsel" in o["text"] for o in outs[2])


def test_a_figure_that_cannot_be_drawn_stops_the_build_naming_its_cell(tmp_path):
    qmd = tmp_path / "index.qmd"
    qmd.write_text(textwrap.dedent('''\
        ---
        title: x
        ---

        ```{python}
        import matplotlib.pyplot as plt
        from matplotlib.artist import Artist

        class Broken(Artist):
            def draw(self, renderer):
                raise ValueError("kan ikke tegnes")

        fig, ax = plt.subplots()
        ax.add_artist(Broken())
        ```
        '''), encoding="utf-8")
    with pytest.raises(CellExecutionFailed) as err:
        execute_document(read_qmd(qmd), "x", tables_dir=tmp_path)
    assert err.value.cell_number == 1 and err.value.line == 5
    assert err.value.ename == "ValueError" and "figuren kunne ikke tegnes: kan ikke tegnes" in err.value.evalue


def test_resolve_puts_files_in_place_of_markers(tmp_path):
    drawn, empty = tmp_path / "0001.svg", tmp_path / "0002.svg"
    drawn.write_text("<svg>æ</svg>", encoding="utf-8")
    (tmp_path / "0001.svg.log").write_text("UserWarning: x\n", encoding="utf-8")
    (tmp_path / "0002.svg.none").write_text("")
    outputs = {4: [{"output_type": "display_data",
                    "data": {"text/plain": "<Figure>", "image/svg+xml": figure_forks.MARK + str(drawn)}},
                   {"output_type": "display_data",
                    "data": {"text/plain": "<Figure 0>", "image/svg+xml": figure_forks.MARK + str(empty)}}]}
    figure_forks.resolve(outputs)
    assert outputs[4][0] == {"output_type": "stream", "name": "stderr", "text": "UserWarning: x\n"}
    assert outputs[4][1]["data"] == {"text/plain": "<Figure>", "image/svg+xml": "<svg>æ</svg>"}
    assert outputs[4][2]["data"] == {"text/plain": "<Figure 0>"}
    missing = {7: [{"output_type": "display_data", "data": {"image/svg+xml": figure_forks.MARK + str(tmp_path / "x")}}]}
    with pytest.raises(figure_forks.FigureFailed) as err:
        figure_forks.resolve(missing)
    assert err.value.cell == 7


def test_what_a_cell_leaves_is_frozen_out_of_the_garbage_collector(tmp_path):
    # engine/execute.py's set-up: gc.freeze after every cell (full collections skip the imports and data)
    qmd = tmp_path / "index.qmd"
    qmd.write_text("---\ntitle: x\n---\n\n```{python}\nimport gc\nkept = [[i] for i in range(1000)]\n```\n\n"
                   "```{python}\nprint(gc.get_freeze_count() > 1000, any(o is kept for o in gc.get_objects()))\n```\n",
                   encoding="utf-8")
    result = execute_document(read_qmd(qmd), "x", tables_dir=tmp_path)
    assert [o.get("text") for o in result.outputs[2]] == ["True False\n"]


def test_the_output_limit_counts_forked_figures(tmp_path):
    qmd = tmp_path / "index.qmd"
    qmd.write_text("---\ntitle: x\n---\n\n```{python}\nprint('før')\n```\n\n```{python}\n"
                   "import matplotlib.pyplot as plt\nplt.plot(range(50))\n```\n", encoding="utf-8")
    with pytest.raises(CellExecutionFailed) as err:          # 4 KB: the figure's SVG is larger, the print not
        execute_document(read_qmd(qmd), "x", tables_dir=tmp_path, max_output_mb=4 / 1024)
    assert err.value.ename == "OutputLimitExceeded" and err.value.cell_number == 2
