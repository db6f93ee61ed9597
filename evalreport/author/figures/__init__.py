"""Figures in the house style, and the standard figures of an evaluation report.

Every figure is drawn in the house style (:mod:`._style`: Source Sans Pro, the palette,
Danish tick labels with the decimals the ticks need). The standard figures each take
tidy data and return matplotlib axes or a figure:

* :func:`effect_over_time` / :func:`effects_over_time`: an effect path with its CI band;
* :func:`dot_whisker`: estimates with CIs by category (forest plot), also for balance plots;
* :func:`histogram`, :func:`density`: distributions by group (weighted, e.g. after matching;
  bins with fewer than the disclosure minimum are left out: :func:`hidden_bins`);
* :func:`km_curves`: Kaplan–Meier step functions from a tidy survival table;
* :func:`flow_diagram`: the flow of a sample; :func:`box`, :func:`arrow` and
  :func:`diagram` for process diagrams;
* :func:`bar_chart`: grouped bars with their printed values.

:func:`figure_notes` writes "Anm.:" and "Kilde:" lines under a figure.

A figure of its own starts with :func:`new_figure` (``plt.subplots`` in the house style).
"""
from ._bars import bar_chart
from ._diagrams import arrow, box, diagram, flow_diagram
from ._distributions import density, hidden_bins, hidden_bins_note, histogram, histogram_counts, weighted_density
from ._effects import dot_whisker, effect_over_time, effects_over_time
from ._notes import FigureNotes, figure_notes
from ._style import (BLUE, GREEN, GREY, LIGHT, OCHRE, PALETTE, RED, TEAL, VIOLET, DanishFormatter,
                     danish_ticks, new_figure, use_house_style)
from ._survival import km_curves

__all__ = [
    "new_figure", "use_house_style", "danish_ticks", "DanishFormatter", "PALETTE", "LIGHT",
    "BLUE", "RED", "GREEN", "GREY", "OCHRE", "VIOLET", "TEAL",
    "effect_over_time", "effects_over_time", "dot_whisker", "histogram", "hidden_bins", "hidden_bins_note", "histogram_counts", "density",
    "weighted_density", "km_curves", "flow_diagram", "box", "arrow", "diagram", "bar_chart",
    "figure_notes", "FigureNotes",
]
