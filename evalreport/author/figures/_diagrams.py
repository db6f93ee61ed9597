"""Diagrams: the flow of a sample, and the boxes and arrows of process diagrams."""
from __future__ import annotations

from typing import Sequence

from .. import formatting as F
from ._style import BLUE, LIGHT, new_figure


def box(ax, x: float, y: float, w: float, h: float, text: str, *, fc: str = LIGHT[0],
        ec: str = BLUE, fontsize: float = 8.5, **text_kw):
    """A rounded box with centred text at (x, y) (lower left corner) in data coordinates."""
    from matplotlib.patches import FancyBboxPatch

    ax.add_patch(FancyBboxPatch((x, y), w, h, boxstyle="round,pad=0.02,rounding_size=0.04",
                                fc=fc, ec=ec, lw=0.9))
    ax.text(x + w / 2, y + h / 2, text, ha="center", va="center", fontsize=fontsize,
            linespacing=1.25, **text_kw)


def arrow(ax, x0: float, y0: float, x1: float, y1: float, *, color: str = BLUE):
    """An arrow from (x0, y0) to (x1, y1)."""
    from matplotlib.patches import FancyArrowPatch

    ax.add_patch(FancyArrowPatch((x0, y0), (x1, y1), arrowstyle="-|>", mutation_scale=11,
                                 lw=1.0, color=color))


def diagram(xlim: tuple[float, float], ylim: tuple[float, float], *, height: float):
    """An empty figure for a diagram: axes off, the given data limits. Returns (fig, ax)."""
    fig, ax = new_figure(height=height, danish=False)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.axis("off")
    return fig, ax


def _count_text(text: str, n) -> str:
    return text if n is None else f"{text}\nn = {F.fmt_num(n)}"


def flow_diagram(steps: Sequence[tuple[str, int | None]],
                 exclusions: Sequence[tuple[str, int | None] | None] = (), *,
                 height: float | None = None, fontsize: float = 8.5, min_count: int | None = None):
    """The flow of a sample, top to bottom: ``steps = [(text, n)]`` in boxes joined by arrows;
    ``exclusions[i]`` (text, n) is a side box for those left out between step i and i + 1.
    Counts print Danish ("n = 1.234"). Returns the figure.

    Danmarks Statistik's rule holds for the counts of a figure as for a table's: no box may
    show 1 to ``min_count`` − 1 persons (default: the project's ``disclosure: min-count``),
    and neither may the drop between two steps, which the reader gets by subtraction.
    Such a diagram is refused with a :class:`~evalreport.errors.DisclosureError` naming the
    boxes (merge steps, or leave the count out with ``n = None``)."""
    k = len(steps)
    if k == 0:
        raise ValueError("flow_diagram() needs at least one step")
    ex = list(exclusions) + [None] * (k - 1 - len(exclusions))
    if len(ex) > k - 1:
        raise ValueError("one exclusion box at most between two steps")
    _check_flow_counts(steps, ex, min_count)
    row = 1.6
    fig, ax = diagram((0, 10), (0, row * k), height=height or 0.9 * k + 0.3)
    bw, bh = 4.6, 1.0
    for i, (text, n) in enumerate(steps):
        y = row * (k - 1 - i) + (row - bh) / 2
        box(ax, 0.2, y, bw, bh, _count_text(text, n), fontsize=fontsize)
        if i < k - 1:
            arrow(ax, 0.2 + bw / 2, y, 0.2 + bw / 2, y - (row - bh))
            if ex[i] is not None:
                ymid = y - (row - bh) / 2
                arrow(ax, 0.2 + bw / 2, ymid, 5.3, ymid)
                box(ax, 5.3, ymid - 0.4, 4.4, 0.8, _count_text(*ex[i]), fc=LIGHT[3],
                    fontsize=fontsize - 0.5)
    return fig


def _check_flow_counts(steps, exclusions, min_count: int | None) -> None:
    """The disclosure rule for :func:`flow_diagram` (its docstring)."""
    from analysis.disclosure import small_bins

    from ...errors import DisclosureError
    from ..disclosure import min_count as project_min_count
    m = project_min_count(min_count)
    problems = []
    for text, n in list(steps) + [e for e in exclusions if e is not None]:
        if n is not None and small_bins([n], min_count=m)[0]:
            problems.append(f"boksen '{_one_line(text)}' viser n = {F.fmt_num(n)}")
    for (a, na), (b, nb), e in zip(steps, steps[1:], exclusions):
        shown = e is not None and e[1] is not None
        if na is not None and nb is not None and not shown and small_bins([na - nb], min_count=m)[0]:
            problems.append(f"fra '{_one_line(a)}' (n = {F.fmt_num(na)}) til '{_one_line(b)}' "
                            f"(n = {F.fmt_num(nb)}) falder antallet med {F.fmt_num(na - nb)}, som kan regnes ud")
    if problems:
        raise DisclosureError(f"flowdiagrammet må ikke vise færre end {m} personer (diskretion): "
                              + "; ".join(problems) + ". Slå trin sammen, eller udelad tallet (n = None).")


def _one_line(text: str) -> str:
    return " ".join(str(text).split())
