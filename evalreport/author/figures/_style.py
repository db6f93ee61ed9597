"""The figure house style: the report's own font, a palette, Danish tick labels.

Every figure in a report is drawn in the house style: :func:`new_figure` (or any of
the standard figures) applies it, so a report never sets rcParams itself.

* Font: Source Sans Pro from the ``font-source-sans-pro`` package (the same files the
  PDF embeds), registered with matplotlib. Text in the SVG is written as paths
  (``svg.fonttype = "path"``): a figure is an ``<img>`` in the HTML and the PDF, which
  cannot use the page's fonts, so only paths show the report's font everywhere.
* Size: the A4 text width (6,3 in) and 9 pt text; no top/right spines; no legend frame.
* Palette: :data:`PALETTE` (dark blue, rust, green, grey, ochre, violet, teal), in that
  order as the colour cycle; named colours :data:`BLUE`, :data:`RED`, :data:`GREEN`,
  :data:`GREY`.
* Ticks: :class:`DanishFormatter` prints comma decimals with as many decimals as the
  ticks need to be exact (2,5 is "2,5", never "3") and the report's minus.
"""
from __future__ import annotations

import math
from importlib import resources
from pathlib import Path
from typing import Any

from matplotlib.ticker import Formatter

from .. import formatting as F

BLUE, RED, GREEN, GREY = "#2b4c6f", "#b5523b", "#5b8c5a", "#8c8c8c"
OCHRE, VIOLET, TEAL = "#c08a1e", "#6b4c8a", "#3f7f8c"
#: The colour cycle of every figure.
PALETTE: tuple[str, ...] = (BLUE, RED, GREEN, GREY, OCHRE, VIOLET, TEAL)
#: Light fills for boxes in diagrams (same order as the palette).
LIGHT: tuple[str, ...] = ("#e8eef5", "#f5e6e6", "#eef5e8", "#f3f3f3", "#f5efe3", "#efe8f5", "#e6f2f4")

FONT_FAMILY = "Source Sans Pro"
TEXT_WIDTH_IN = 6.3

RC: dict[str, Any] = {
    "font.family": "sans-serif",
    "font.sans-serif": [FONT_FAMILY, "DejaVu Sans"],
    "font.size": 9,
    "axes.titlesize": 9.5,
    "axes.titlelocation": "left",
    "axes.labelsize": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.linewidth": 0.8,
    "xtick.labelsize": 8.5,
    "ytick.labelsize": 8.5,
    "legend.frameon": False,
    "legend.fontsize": 8.5,
    "lines.linewidth": 1.6,
    "figure.figsize": (TEXT_WIDTH_IN, 3.2),
    "figure.dpi": 100,
    "svg.fonttype": "path",
}


def font_files() -> list[Path]:
    """The packaged Source Sans Pro files (regular, italic, semibold, bold)."""
    try:
        folder = Path(str(resources.files("font_source_sans_pro"))) / "files"
    except ModuleNotFoundError:
        return []
    names = ("Regular", "It", "Semibold", "SemiboldIt", "Bold", "BoldIt")
    return [folder / f"SourceSansPro-{n}.ttf" for n in names
            if (folder / f"SourceSansPro-{n}.ttf").exists()]


_REGISTERED = False


def register_fonts() -> bool:
    """Make Source Sans Pro known to matplotlib (once); False if the package is missing."""
    global _REGISTERED
    if _REGISTERED:
        return True
    from matplotlib import font_manager

    files = font_files()
    for f in files:
        font_manager.fontManager.addfont(str(f))
    _REGISTERED = bool(files)
    return _REGISTERED


def use_house_style() -> None:
    """Apply the house style to matplotlib's defaults (idempotent)."""
    import matplotlib as mpl
    from cycler import cycler

    register_fonts()
    mpl.rcParams.update(RC)
    mpl.rcParams["axes.prop_cycle"] = cycler(color=list(PALETTE))


def _exact_decimals(values, max_decimals: int) -> int:
    """The fewest decimals that print every value exactly (up to ``max_decimals``)."""
    for k in range(max_decimals + 1):
        if all(abs(v - round(v, k)) <= 1e-9 * max(1.0, abs(v)) for v in values):
            return k
    return max_decimals


class DanishFormatter(Formatter):
    """Tick labels in Danish: "2,5", "1.000", the report's minus.

    The decimals are the fewest that print every tick exactly (``decimals`` fixes them);
    ``scale`` multiplies first (``scale=100`` for shares shown in pct.); ``suffix`` is
    appended ("%"); ``group=False`` leaves out the thousands separator (years: "2016").
    """

    def __init__(self, *, scale: float | None = None, decimals: int | None = None,
                 max_decimals: int = 4, suffix: str = "", group: bool = True) -> None:
        self.group = group
        self.scale = scale
        self.decimals = decimals
        self.max_decimals = max_decimals
        self.suffix = suffix
        self._auto = 0

    def _value(self, x: float) -> float:
        return x * self.scale if self.scale else x

    def set_locs(self, locs) -> None:
        super().set_locs(locs)
        vals = [self._value(float(v)) for v in locs if math.isfinite(float(v))]
        self._auto = _exact_decimals(vals, self.max_decimals) if vals else 0

    def __call__(self, x, pos=None) -> str:
        dec = self.decimals if self.decimals is not None else self._auto
        if self.decimals is None and pos is None:          # a single value (cursor, annotation)
            dec = _exact_decimals([self._value(float(x))], self.max_decimals)
        return F.fmt_num(self._value(float(x)), dec, group=self.group) + self.suffix


def danish_ticks(ax, axis: str = "both", *, scale: float | None = None,
                 decimals: int | None = None, suffix: str = "", group: bool = True) -> None:
    """Put :class:`DanishFormatter` on the x, y or both axes of ``ax`` (``group=False`` for
    an axis of years)."""
    for name in ("x", "y") if axis == "both" else (axis,):
        target = ax.xaxis if name == "x" else ax.yaxis
        target.set_major_formatter(DanishFormatter(scale=scale, decimals=decimals, suffix=suffix,
                                                   group=group))


def new_figure(nrows: int = 1, ncols: int = 1, *, height: float = 3.2,
               width: float = TEXT_WIDTH_IN, danish: bool = True, **kwargs):
    """``plt.subplots`` in the house style, Danish tick labels on every axis.

    Returns ``(fig, ax)`` for one panel, ``(fig, axes)`` otherwise (as ``plt.subplots``).
    """
    import matplotlib.pyplot as plt

    use_house_style()
    fig, axes = plt.subplots(nrows, ncols, figsize=(width, height), **kwargs)
    if danish:
        import numpy as np

        for ax in np.atleast_1d(axes).ravel():
            danish_ticks(ax)
    return fig, axes
