"""The authoring library a report imports: ``from evalreport.author import …``.

One import gives a report its whole Danish vocabulary:

* numbers (:mod:`.formatting`): ``fmt_num``, ``fmt_pct``, ``fmt_pp``, ``fmt_ki``,
  ``fmt_est_ci``, ``fmt_p``, ``fmt_kr``, ``fmt_approx``, ``num_word``, ``fraction_word`` …
* words for results (:mod:`.words`): ``significance``, ``p_text``, ``direction``,
  ``change``, ``difference``, ``size_word``, ``with_unit``, ``and_list``, ``interval``,
  ``spread``, ``relative``, ``runs`` …
* sentences from phrase templates (:mod:`.phrases`): ``phrase``, ``phrase_text``;
* tables (:mod:`.tables`): ``effect_table``, ``stacked_table``, ``count_table``,
  ``TableBuilder``, ``ReportTable`` …
* figures (:mod:`.figures`): ``new_figure``, ``effects_over_time``, ``dot_whisker``,
  ``histogram``, ``density``, ``km_curves``, ``flow_diagram``, ``bar_chart`` …
* data and sources (:mod:`.data`, :mod:`.sources`): ``load_synthetic``, ``read_csv``,
  ``source_line``, ``synthetic_label``, ``synthetic_notice``;
* heavy analysis on the build's cluster (:mod:`.cluster`): ``cluster_map``.
"""
from .cluster import cluster_map
from .data import load_synthetic, read_csv
from .disclosure import protect
from .figures import (BLUE, GREEN, GREY, LIGHT, PALETTE, RED, arrow, bar_chart, box, danish_ticks,
                      density, diagram, dot_whisker, effect_over_time, effects_over_time,
                      figure_notes, flow_diagram, hidden_bins, hidden_bins_note, histogram, km_curves,
                      new_figure, use_house_style)
from .formatting import (DEFAULT_STAR_LEVELS, cap, fmt_approx, fmt_ci, fmt_count, fmt_est_ci,
                         fmt_est_se, fmt_int, fmt_ki, fmt_kr, fmt_mean_sd, fmt_num, fmt_p, fmt_p_eq,
                         fmt_pct, fmt_pp, fraction_word, num_word, options, round_to, set_options,
                         sign_of, star_legend, stars)
from .phrases import phrase, phrase_text
from .sources import dataset_meta, is_synthetic, source_line, synthetic_label, synthetic_notice
from .tables import (Column, EffectRow, Panel, ReportTable, Row, Subhead, TableBuilder, count_table,
                     effect_table, profile_table, stacked_table)
from .words import (STAR_LEVELS, and_list, approx_kr, change, count_noun, difference, direction,
                    effect_words, field, interval, is_significant, kr_step, level_text, p_text,
                    relative, relative_share, runs, significance, significance_clause, size_word,
                    spread, times, unit_word, with_unit)

__all__ = [
    # numbers
    "fmt_num", "fmt_int", "fmt_pct", "fmt_pp", "fmt_ci", "fmt_ki", "fmt_est_ci", "fmt_est_se",
    "fmt_mean_sd", "fmt_p", "fmt_p_eq", "fmt_kr", "fmt_approx", "fmt_count", "round_to",
    "num_word", "fraction_word", "sign_of", "cap", "stars", "star_legend", "DEFAULT_STAR_LEVELS",
    "options", "set_options",
    # words
    "STAR_LEVELS", "is_significant", "p_text", "level_text", "significance",
    "significance_clause", "direction", "change", "difference", "size_word", "unit_word",
    "with_unit", "count_noun", "and_list", "interval", "spread", "relative", "relative_share",
    "times", "runs", "effect_words", "approx_kr", "kr_step", "field",
    # sentences
    "phrase", "phrase_text",
    # tables
    "ReportTable", "Column", "Row", "EffectRow", "Panel", "Subhead", "TableBuilder",
    "effect_table", "stacked_table", "count_table", "profile_table", "protect",
    # figures
    "new_figure", "use_house_style", "danish_ticks", "PALETTE", "LIGHT", "BLUE", "RED", "GREEN",
    "GREY", "effect_over_time", "effects_over_time", "dot_whisker", "histogram", "hidden_bins", "hidden_bins_note", "density",
    "km_curves", "flow_diagram", "box", "arrow", "diagram", "bar_chart", "figure_notes",
    # data and sources
    "load_synthetic", "read_csv", "source_line", "synthetic_label", "synthetic_notice",
    "is_synthetic", "dataset_meta",
    # the build's cluster
    "cluster_map",
]
