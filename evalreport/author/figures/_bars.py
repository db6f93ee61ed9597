"""Bar charts: groups side by side, the printed value on each bar."""
from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np

from .. import formatting as F
from ._style import PALETTE, danish_ticks, new_figure


def bar_chart(categories: Sequence[str], series: Mapping[str, Sequence[Any]], *,
              scale: float | None = None, decimals: int = 0, colors: Sequence[str] = PALETTE,
              ax=None, ylabel: str | None = None, labels: bool = True, width: float = 0.68,
              ylim_factor: float = 1.25, legend: bool = True):
    """Grouped bars: one group per category, one bar per series (``{label: values}``), each
    bar labelled with its value printed Danish (``decimals``). Returns the axes."""
    if ax is None:
        _, ax = new_figure(height=2.6)
    x = np.arange(len(categories))
    k = len(series)
    bw = width / k
    top = 0.0
    for i, (name, values) in enumerate(series.items()):
        v = np.asarray(values, dtype=float) * (scale or 1)
        bars = ax.bar(x + (i - (k - 1) / 2) * bw, v, width=bw * 0.94, color=colors[i % len(colors)],
                      label=name)
        if labels:
            ax.bar_label(bars, labels=[F.fmt_num(val, decimals) for val in v], fontsize=8, padding=2)
        top = max(top, float(np.nanmax(v)) if len(v) else 0.0)
    ax.set_xticks(x, list(categories))
    if ylabel:
        ax.set_ylabel(ylabel)
    danish_ticks(ax, "y")
    if top > 0:
        ax.set_ylim(0, top * ylim_factor)
    if legend and k > 1:
        ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=k)
    return ax
