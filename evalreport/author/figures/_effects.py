"""Effects in figures: an effect over time with its CI band, and dot-and-whisker (forest) plots."""
from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np

from ._style import BLUE, GREY, PALETTE, danish_ticks, new_figure, use_house_style


def _scaled(values, scale):
    v = np.asarray(values, dtype=float)
    return v * scale if scale else v


def effect_over_time(frame, *, x: str | None = None, estimate: str = "att",
                     ci: tuple[str, str] | None = ("ci_low", "ci_high"), scale: float | None = None,
                     ax=None, color: str = BLUE, label: str = "Effekt",
                     band_label: str = "95 pct.-konfidensinterval", title: str | None = None,
                     xlabel: str | None = None, ylabel: str | None = None, zero: bool = True):
    """One effect path: the estimate as a line over ``x`` (a column, default the index),
    its confidence interval as a shaded band, a zero line. Returns the axes."""
    if ax is None:
        _, ax = new_figure(height=2.6)
    xs = np.asarray(frame.index if x is None else frame[x], dtype=float)
    if zero:
        ax.axhline(0, color="black", lw=0.7)
    if ci is not None:
        ax.fill_between(xs, _scaled(frame[ci[0]], scale), _scaled(frame[ci[1]], scale), color=color,
                        alpha=0.18, lw=0, label=band_label)
    ax.plot(xs, _scaled(frame[estimate], scale), color=color, lw=1.6, label=label)
    if title:
        ax.set_title(title, loc="left")
    if xlabel:
        ax.set_xlabel(xlabel)
    if ylabel:
        ax.set_ylabel(ylabel)
    danish_ticks(ax)
    return ax


def effects_over_time(panels: Sequence[tuple[Any, str]], *, height: float | None = None,
                      x: str | None = None, estimate: str = "att",
                      ci: tuple[str, str] | None = ("ci_low", "ci_high"), scale: float | None = None,
                      xlabel: str | None = None, ylabel: str | None = None,
                      xlim: tuple[float, float] | None = None, xstep: float | None = None,
                      label: str = "Effekt", band_label: str = "95 pct.-konfidensinterval",
                      legend_loc: str = "upper right"):
    """Panels of effects over time stacked with a shared x axis: ``panels = [(frame, title)]``
    (a single panel gets no title). Returns the figure."""
    from matplotlib.ticker import MultipleLocator

    n = len(panels)
    fig, axes = new_figure(n, 1, height=height or 1.1 + 1.5 * n, sharex=True, squeeze=False)
    for ax, (frame, title) in zip(axes[:, 0], panels):
        effect_over_time(frame, x=x, estimate=estimate, ci=ci, scale=scale, ax=ax, label=label,
                         band_label=band_label, title=title if n > 1 else None, ylabel=ylabel)
    if xlabel:
        axes[-1, 0].set_xlabel(xlabel)
    if xlim:
        axes[-1, 0].set_xlim(*xlim)
    if xstep:
        axes[-1, 0].xaxis.set_major_locator(MultipleLocator(xstep))
    axes[0, 0].legend(loc=legend_loc)
    fig.tight_layout()
    return fig


_MARKERS = ("o", "s", "^", "D", "v", "P")


def dot_whisker(frame, *, label: str, estimate: str, ci: tuple[str, str] | None = None,
                group: str | None = None, order: Sequence[str] | None = None,
                groups: Sequence[Any] | None = None, group_labels: Mapping[Any, str] | None = None,
                scale: float | None = None, zero: float | None = 0, refs: Sequence[float] = (),
                ax=None, xlabel: str | None = None, xscale: str | None = None,
                colors: Sequence[str] = PALETTE,
                legend: bool = True, legend_kw: Mapping[str, Any] | None = None, size: float = 18,
                label_fontsize: float | None = None):
    """Estimates as dots with their confidence intervals as whiskers (a forest plot).

    One row per category (``label`` column; its values are the axis labels, so short
    category codes read best), top to bottom in ``order`` (default: first seen). With
    ``group`` several estimates per category are drawn side by side with their own marker
    and colour and a legend (``groups`` fixes their order, ``group_labels`` their names).
    ``zero`` draws the line of no effect (None: none), ``refs`` dotted reference lines;
    ``xscale="log"`` for ratios. Returns the axes.
    """
    if ax is None:
        use_house_style()
        n_cat = frame[label].nunique()
        _, ax = new_figure(height=max(1.6, 0.8 + 0.22 * n_cat))
    cats = list(order) if order is not None else list(dict.fromkeys(frame[label]))
    ypos = {c: len(cats) - 1 - i for i, c in enumerate(cats)}
    if group is None:
        parts = [(None, frame)]
    else:
        keys = list(groups) if groups is not None else list(dict.fromkeys(frame[group]))
        parts = [(g, frame[frame[group] == g]) for g in keys]
    k = len(parts)
    offsets = np.linspace(-0.18, 0.18, k) if k > 1 else [0.0]
    for i, ((g, part), dy) in enumerate(zip(parts, offsets)):
        part = part[part[label].isin(ypos)]
        y = np.array([ypos[c] for c in part[label]], dtype=float) + dy
        xs = _scaled(part[estimate], scale)
        name = (group_labels or {}).get(g, g) if g is not None else None
        color = colors[i % len(colors)] if group is not None else BLUE
        if xscale == "log":
            keep = xs > 0
            y, xs = y[keep], xs[keep]
            part = part[keep]
        if ci is not None:
            lo, hi = _scaled(part[ci[0]], scale), _scaled(part[ci[1]], scale)
            ax.hlines(y, lo, hi, color=color, lw=1.1, zorder=2)
        ax.scatter(xs, y, marker=_MARKERS[i % len(_MARKERS)], s=size, color=color, label=name,
                   zorder=3)
    if zero is not None:
        ax.axvline(zero, color="black", lw=0.7)
    for r in refs:
        ax.axvline(r, color=GREY, lw=0.6, ls=":")
    if xscale:
        ax.set_xscale(xscale)
    ax.set_yticks([ypos[c] for c in cats], [str(c) for c in cats], fontsize=label_fontsize)
    ax.set_ylim(-0.7, len(cats) - 0.3)
    if xlabel:
        ax.set_xlabel(xlabel)
    danish_ticks(ax, "x")
    if xscale == "log":
        from matplotlib.ticker import FixedLocator, NullFormatter

        marks = sorted({v for v in (zero, *refs) if v is not None and v > 0})
        if marks:                                      # label the lines a reader compares with
            ax.xaxis.set_major_locator(FixedLocator(marks))
        ax.xaxis.set_minor_formatter(NullFormatter())
    if group is not None and legend:
        ax.legend(**(legend_kw or {}))
    return ax
