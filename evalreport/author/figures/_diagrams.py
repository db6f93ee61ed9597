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
                 height: float | None = None, fontsize: float = 8.5):
    """The flow of a sample, top to bottom: ``steps = [(text, n)]`` in boxes joined by arrows;
    ``exclusions[i]`` (text, n) is a side box for those left out between step i and i + 1.
    Counts print Danish ("n = 1.234"). Returns the figure."""
    k = len(steps)
    if k == 0:
        raise ValueError("flow_diagram() needs at least one step")
    ex = list(exclusions) + [None] * (k - 1 - len(exclusions))
    if len(ex) > k - 1:
        raise ValueError("one exclusion box at most between two steps")
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
