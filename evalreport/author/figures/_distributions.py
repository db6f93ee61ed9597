"""Distributions: histograms and (weighted) densities of a variable by group."""
from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np

from ._style import PALETTE, danish_ticks, new_figure


def histogram_counts(groups: Mapping[str, Any], *, bins: int | Sequence[float] = 30,
                     range: tuple[float, float] | None = None, scale: float | None = None
                     ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The common bin edges of :func:`histogram` and each group's unweighted counts."""
    arrays = {k: np.asarray(v, dtype=float) * (scale or 1) for k, v in groups.items()}
    allv = np.concatenate([a[np.isfinite(a)] for a in arrays.values()]) if arrays else np.array([])
    edges = np.histogram_bin_edges(allv, bins=bins, range=range)
    return edges, {k: np.histogram(a[np.isfinite(a)], bins=edges)[0] for k, a in arrays.items()}


def hidden_bins(groups: Mapping[str, Any], *, bins: int | Sequence[float] = 30,
                range: tuple[float, float] | None = None, scale: float | None = None,
                min_count: int | None = None) -> int:
    """How many bins (over all groups) :func:`histogram` leaves out for disclosure: those
    with at least one and fewer than ``min_count`` observations (default: the project's
    ``disclosure: min-count``). For the figure's note (:func:`hidden_bins_note`)."""
    from analysis.disclosure import small_bins

    from ..disclosure import min_count as project_min_count
    m = project_min_count(min_count)
    _, counts = histogram_counts(groups, bins=bins, range=range, scale=scale)
    return int(sum(small_bins(c, min_count=m).sum() for c in counts.values()))


def hidden_bins_note(n: int, *, unit: str = "observationer", min_count: int | None = None) -> str:
    """The sentence for a figure's note when :func:`histogram` left bins out ("" when none)."""
    from ..disclosure import min_count as project_min_count
    if not n:
        return ""
    m = project_min_count(min_count)
    what = "én søjle" if n == 1 else f"{n} søjler"
    return (f"Af hensyn til diskretionen er {what} med færre end {m} {unit} udeladt "
            f"({'den står' if n == 1 else 'de står'} som et hul i figuren).")


def histogram(groups: Mapping[str, Any], *, bins: int | Sequence[float] = 30,
              weights: Mapping[str, Any] | None = None, density: bool = False,
              scale: float | None = None, ax=None, xlabel: str | None = None,
              ylabel: str | None = None, range: tuple[float, float] | None = None,
              colors: Sequence[str] = PALETTE, legend: bool = True, min_count: int | None = None):
    """Histograms of one variable for each group (``{label: values}``), drawn as outlines
    on common bins so groups can be compared; ``density=True`` makes each integrate to one.

    Danmarks Statistik's rule holds for figures too: a bin with at least one and fewer
    than ``min_count`` observations (default: the project's ``disclosure: min-count``;
    counted unweighted) is not drawn and leaves a gap; say so in the note with
    :func:`hidden_bins` and :func:`hidden_bins_note`. Returns the axes."""
    from analysis.disclosure import small_bins

    from ..disclosure import min_count as project_min_count
    m = project_min_count(min_count)
    if ax is None:
        _, ax = new_figure(height=2.8)
    edges, counts = histogram_counts(groups, bins=bins, range=range, scale=scale)
    for i, (name, values) in enumerate(groups.items()):
        a = np.asarray(values, dtype=float) * (scale or 1)
        w = None if weights is None else np.asarray(weights[name], dtype=float)
        keep = np.isfinite(a)
        heights, _ = np.histogram(a[keep], bins=edges, weights=None if w is None else w[keep], density=density)
        heights = np.where(small_bins(counts[name], min_count=m), np.nan, heights)
        ax.stairs(heights, edges, lw=1.5, color=colors[i % len(colors)], label=name)
    if xlabel:
        ax.set_xlabel(xlabel)
    if ylabel:
        ax.set_ylabel(ylabel)
    danish_ticks(ax)
    if legend and len(groups) > 1:
        ax.legend()
    return ax


def weighted_density(x, weights, grid, bandwidth: float) -> np.ndarray:
    """Gaussian kernel density of ``x`` with ``weights`` on ``grid``, clipped at zero.

    Written by hand because scipy's ``gaussian_kde`` refuses negative weights, and
    ridge-matching weights can be negative; the weights are normalised to sum to one.
    """
    x = np.asarray(x, dtype=float)
    w = np.asarray(weights, dtype=float)
    w = w / w.sum()
    grid = np.asarray(grid, dtype=float)
    z = (grid[:, None] - x[None, :]) / bandwidth
    f = (np.exp(-0.5 * z * z) / np.sqrt(2 * np.pi) / bandwidth) @ w
    return np.clip(f, 0, None)


def density(groups: Mapping[str, Any], *, grid, bandwidth: float,
            weights: Mapping[str, Any] | None = None, ax=None, xlabel: str | None = None,
            ylabel: str | None = "Tæthed", title: str | None = None,
            colors: Sequence[str] = (PALETTE[1], PALETTE[0], *PALETTE[2:]),
            styles: Sequence[str] = ("-", "--", ":", "-."), legend: bool = True):
    """Kernel densities of one variable by group (``{label: values}``, optional
    ``{label: weights}``), e.g. propensity scores of treated and (weighted) controls.
    Returns the axes."""
    if ax is None:
        _, ax = new_figure(height=2.7)
    for i, (name, values) in enumerate(groups.items()):
        w = np.ones(len(values)) if weights is None or name not in weights else weights[name]
        ax.plot(grid, weighted_density(values, w, grid, bandwidth), color=colors[i % len(colors)],
                lw=1.6, ls=styles[i % len(styles)], label=name)
    if title:
        ax.set_title(title, loc="left")
    if xlabel:
        ax.set_xlabel(xlabel)
    if ylabel:
        ax.set_ylabel(ylabel)
    danish_ticks(ax)
    if legend:
        ax.legend(loc="upper right")
    return ax
