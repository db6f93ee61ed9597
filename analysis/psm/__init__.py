"""Propensity-score matching (PSM) for the average effect on the treated (ATT).

The BOT report (spec ``bot.md`` §5) estimates ATT = E[Y(1) - Y(0) | T = 1] by
matching on an estimated propensity score p(X) = P(T = 1 | X). This package
holds the statistics only; the report turns the tidy frames into tables.
Everything public is importable from ``analysis.psm`` (``from analysis import
psm; psm.estimate_att(...)``); the modules below are where it lives.

Pipeline
--------
1. :func:`fit_propensity` (``propensity.py``) – logit (main) or probit
   (robustness) by statsmodels, with quasi-separation handled; coefficient
   table for Bilagstabel 2.1. The bootstrap's fast Newton refits on resamples
   are in ``refit.py``.
2. :func:`matching_weights` (``weights.py``) – weights on the control units
   (n0 vector summing to 1; the n1 x n0 matrix per treated unit on request), for

   * ``kernel`` matching: w_ij = K_ij / sum_j K_ij, K_ij = K((p_j - p_i) / h);
   * ``ridge`` matching (Frölich 2004): the local-linear weights with a ridge
     term in the denominator (formula in ``weights.py``);
   * ``ipw``: inverse-probability weighting with ATT odds weights p/(1-p),
     normalised to sum to one over the controls;

   each optionally with EXACT matching on a cell code (municipality): controls
   get weight only from treated units in the same cell. Common-support rules:
   ``weights.py``. The kernel windows and the prefix sums of score moments that
   the weights and the cross-validation share are in ``kernels.py``.
3. :func:`apply_weights` / :func:`att` (``estimate.py``) – ATT for an outcome
   MATRIX (n x k) at once: ATT = mean of Y over on-support treated - sum_j w_j
   Y_j. The second term is the matched control level ("kontrolgruppens niveau").
4. :func:`cv_bandwidth` (``bandwidth.py``) – leave-one-out cross-validation of
   the bandwidth on the controls (Frölich 2004, 2005).
5. :func:`estimate_att` (``estimate.py``) – the whole thing for several
   specifications (:class:`MatchingSpec`) at once, with bootstrap standard
   errors that re-estimate the propensity score in every replication
   (``bootstrap.py``); :func:`effects_over_time` (``over_time.py``) and
   :func:`estimate_by_group` (``groups.py``) for the weekly/monthly profiles
   and the gender/cohort tables.
6. :func:`estimate_samples` (``samples.py``) – several independent estimations
   (samples, subgroups; one :class:`SampleTask` each) in a process pool, with
   results that do not depend on the number of workers; ``later=`` keys are
   finished in the background and waited for where they are read
   (:class:`SampleResults`).

7. Two explicit choices of every :class:`MatchingSpec` guard against bias
   (issue 13's seed sweep, ``benchmarks/bot_sweep.py``): ``separated="exclude"``
   leaves the controls the propensity model predicts perfectly (score 0) out of
   the matching, and ``bias_adjust=True`` applies the regression bias adjustment
   of Abadie & Imbens (2011) on the propensity-model covariates
   (:func:`bias_adjusted_weights`, ``adjust.py``), in the estimate and in every
   bootstrap replication.

Shared constants and input checks (kernels, methods, links, support rules, the
rules for separated controls, the bandwidth grid) are in ``common.py``.

Why by hand: no maintained Python library does kernel/ridge PSM with exact
cells. The reference is Stata: ``kmatch ps ..., ridge ematch()`` (Jann 2017;
source ``kmatch.ado`` v1.0.6, functions ``Kmatch_Ridge``, ``Kmatch_epan``,
``Kmatch_rectangle``). psmatch2 (Leuven & Sianesi, v4.0.11) has kernel and
local-linear (``llr``) matching but no ``ridge`` option; its ``common``
min/max support rule is what ``support="minmax"`` does here.
"""

from __future__ import annotations

from .common import DEFAULT_BANDWIDTH_GRID, KERNELS, LINKS, METHODS, SEPARATED_RULES, SUPPORT_RULES
from .adjust import bias_adjusted_weights, regression_design
from .kernels import DEFAULT_RIDGE, KERNEL_HEIGHT, RIDGE_ZERO_VARIANCE
from .propensity import (PropensityScore, SEPARATION_CHECK_ITER, SEPARATION_RULES, fit_propensity,
                          separated_units)
from .refit import _refit_block, _refit_params
from .weights import MatchingWeights, _weights_arrays, matching_weights
from .bandwidth import BandwidthSearch, cv_bandwidth, cv_bandwidths, grid_search, loo_cv_criterion
from .estimate import ATTEstimate, MatchingSpec, PSMResult, RESULT_COLUMNS, apply_weights, att, estimate_att
from .bootstrap import BOOT_BLOCK, Bootstrap, bootstrap_replicates, draw_resamples
from .over_time import cumulative_means, effects_over_time
from .groups import estimate_by_group, frame_by_group, unit_weights_by_group
from .samples import SampleResults, SampleTask, default_workers, estimate_samples

# private names re-exported for tests: _refit_block, _refit_params, _weights_arrays

__all__ = [
    "KERNELS",
    "METHODS",
    "LINKS",
    "SUPPORT_RULES",
    "DEFAULT_BANDWIDTH_GRID",
    "KERNEL_HEIGHT",
    "DEFAULT_RIDGE",
    "RIDGE_ZERO_VARIANCE",
    "SEPARATED_RULES",
    "bias_adjusted_weights",
    "regression_design",
    "PropensityScore",
    "SEPARATION_RULES",
    "SEPARATION_CHECK_ITER",
    "fit_propensity",
    "separated_units",
    "MatchingWeights",
    "matching_weights",
    "BandwidthSearch",
    "grid_search",
    "loo_cv_criterion",
    "cv_bandwidth",
    "cv_bandwidths",
    "ATTEstimate",
    "apply_weights",
    "att",
    "MatchingSpec",
    "RESULT_COLUMNS",
    "PSMResult",
    "estimate_att",
    "BOOT_BLOCK",
    "Bootstrap",
    "draw_resamples",
    "bootstrap_replicates",
    "effects_over_time",
    "cumulative_means",
    "estimate_by_group",
    "frame_by_group",
    "unit_weights_by_group",
    "SampleResults",
    "SampleTask",
    "default_workers",
    "estimate_samples",
]
