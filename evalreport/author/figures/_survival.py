"""Kaplan–Meier curves drawn from a tidy survival table.

The estimation lives in ``analysis/`` (lifelines); this draws its result. The table has
one row per group and event time with the survival estimate and, optionally, its
confidence bounds; each curve is a right-continuous step function starting at 1 at time 0.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from ._style import PALETTE, danish_ticks, new_figure


def km_curves(table, *, time: str = "time", survival: str = "survival",
              group: str | None = "group", ci: tuple[str, str] | None = ("ci_low", "ci_high"),
              groups: Sequence[str] | None = None, scale: float | None = None, ax=None,
              xlabel: str | None = None, ylabel: str | None = None,
              colors: Sequence[str] = PALETTE, band: bool = True, legend: bool = True,
              cumulative: bool = False, at_risk: str = "n_at_risk", events: str = "n_events",
              min_count: int | None = None):
    """Kaplan–Meier curves: one step function per ``group`` (``groups`` fixes the order),
    with the CI as a shaded band when ``ci`` names the bound columns and ``band`` is on.
    ``scale=100`` shows percentages. ``cumulative=True`` draws the cumulative incidence
    1 − S(t) instead ("akkumulerede afgangsrater"), rising from 0 at time 0; the CI columns
    are then taken as bounds of the survival and flipped too. Returns the axes.

    Disclosure (Danmarks Statistik's rule, ``min_count`` default the project's
    ``disclosure: min-count``), when the table has the columns (``analysis.survival.km_table``
    writes them): a curve ends before the first time at which fewer than ``min_count`` units
    are still at risk (``at_risk``: the tail would show the few who remain), and a step
    made by 1 to ``min_count`` − 1 events (``events``, per row) is refused with a
    DisclosureError: evaluate the curve at coarser times (e.g. quarters). A table without
    the columns is drawn as given; the rule is then the caller's."""
    from analysis.disclosure import small_bins

    from ..disclosure import min_count as project_min_count
    if ax is None:
        _, ax = new_figure(height=3.0)
    if group is None:
        parts = [(None, table)]
    else:
        keys = list(groups) if groups is not None else list(dict.fromkeys(table[group]))
        parts = [(g, table[table[group] == g]) for g in keys]
    m = project_min_count(min_count) if (at_risk in table or events in table) else min_count
    sc = scale or 1
    for i, (g, part) in enumerate(parts):
        part = part.sort_values(time)
        if at_risk in part:                              # the tail with fewer than m at risk is not shown
            few = np.flatnonzero(np.asarray(part[at_risk], dtype=float) < m)
            part = part.iloc[:few[0]] if len(few) else part
        if events in part and small_bins(part[events], min_count=m).any():
            from ...errors import DisclosureError
            bad = part.loc[small_bins(part[events], min_count=m), time].tolist()
            raise DisclosureError(f"Kaplan–Meier-kurven{'' if g is None else f' for {g}'} har trin med færre "
                                  f"end {m} hændelser (tid {', '.join(f'{t:g}' for t in bad[:5])}"
                                  f"{' …' if len(bad) > 5 else ''}); vis kurven på grovere tidspunkter")
        t = np.asarray(part[time], dtype=float)
        s = np.asarray(part[survival], dtype=float)
        s = (1 - s if cumulative else s) * sc
        start = 0.0 if cumulative else sc
        if not len(t) or t[0] > 0:                       # the curve starts at 1 (0) at time 0
            t, s = np.r_[0.0, t], np.r_[start, s]
        color = colors[i % len(colors)]
        ax.step(t, s, where="post", color=color, lw=1.6, label=g)
        if ci is not None and band and ci[0] in part and ci[1] in part:
            lo = np.asarray(part[ci[0]], dtype=float)
            hi = np.asarray(part[ci[1]], dtype=float)
            if cumulative:
                lo, hi = 1 - hi, 1 - lo
            lo, hi = lo * sc, hi * sc
            if len(lo) < len(t):
                lo, hi = np.r_[start, lo], np.r_[start, hi]
            ax.fill_between(t, lo, hi, step="post", color=color, alpha=0.15, lw=0)
    ax.set_ylim(0, sc * 1.02)
    ax.set_xlim(left=0)
    if xlabel:
        ax.set_xlabel(xlabel)
    if ylabel:
        ax.set_ylabel(ylabel)
    danish_ticks(ax)
    if legend and group is not None:
        ax.legend()
    return ax
