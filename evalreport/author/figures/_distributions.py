"""Distributions: histograms and (weighted) densities of a variable by group."""
from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np

from ._style import PALETTE, danish_ticks, new_figure


def histogram(groups: Mapping[str, Any], *, bins: int | Sequence[float] = 30,
              weights: Mapping[str, Any] | None = None, density: bool = False,
              scale: float | None = None, ax=None, xlabel: str | None = None,
              ylabel: str | None = None, range: tuple[float, float] | None = None,
              colors: Sequence[str] = PALETTE, legend: bool = True):
    """Histograms of one variable for each group (``{label: values}``), drawn as outlines
    on common bins so groups can be compared; ``density=True`` makes each integrate to one.
    Returns the axes."""
    if ax is None:
        _, ax = new_figure(height=2.8)
    arrays = {k: np.asarray(v, dtype=float) * (scale or 1) for k, v in groups.items()}
    allv = np.concatenate([a[np.isfinite(a)] for a in arrays.values()]) if arrays else np.array([])
    edges = np.histogram_bin_edges(allv, bins=bins, range=range)
    for i, (name, a) in enumerate(arrays.items()):
        w = None if weights is None else np.asarray(weights[name], dtype=float)
        keep = np.isfinite(a)
        ax.hist(a[keep], bins=edges, weights=None if w is None else w[keep], density=density,
                histtype="step", lw=1.5, color=colors[i % len(colors)], label=name)
    if xlabel:
        ax.set_xlabel(xlabel)
    if ylabel:
        ax.set_ylabel(ylabel)
    danish_ticks(ax)
    if legend and len(arrays) > 1:
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
