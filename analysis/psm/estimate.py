"""ATT for an outcome matrix (:func:`apply_weights`, :func:`att`) and the whole estimation for several
specifications with bootstrap standard errors (:func:`estimate_att`, :class:`MatchingSpec`,
:class:`PSMResult`).
"""

from __future__ import annotations

import dataclasses
import warnings
from dataclasses import dataclass, field
from typing import Callable, Mapping

import numpy as np
import pandas as pd
from scipy import stats

from .adjust import bias_adjusted_weights, regression_design
from .common import (DEFAULT_BANDWIDTH_GRID, KERNELS, LINKS, METHODS, SEPARATED_RULES, SUPPORT_RULES,
                     _as_treatment, _cell_codes, _outcome_matrix)
from .propensity import fit_propensity
from .weights import MatchingWeights, _spec_weights, matching_weights
from .bandwidth import BandwidthSearch, cv_bandwidth, cv_bandwidths
from .bootstrap import Bootstrap, bootstrap_replicates, draw_resamples


@dataclass(frozen=True)
class ATTEstimate:
    """Point estimates per outcome column (arrays of length k)."""

    columns: tuple
    att: np.ndarray
    treated_mean: np.ndarray
    control_mean: np.ndarray
    n_treated: int
    n_on_support: int
    n_controls: int
    n_controls_used: int

    def to_frame(self) -> pd.DataFrame:
        """Tidy: column, att, treated_mean, control_mean, n_treated, n_treated_on_support, n_controls."""
        return pd.DataFrame({"column": list(self.columns), "att": self.att,
                             "treated_mean": self.treated_mean, "control_mean": self.control_mean,
                             "n_treated": self.n_treated, "n_treated_on_support": self.n_on_support,
                             "n_controls": self.n_controls})


def _att_arrays(Y1: np.ndarray, Y0: np.ndarray, w: MatchingWeights) -> tuple[np.ndarray, np.ndarray]:
    """(treated mean, control mean) per column from treated/control outcome rows."""
    if not w.n_on_support:
        nan = np.full(Y1.shape[1], np.nan)
        return nan, nan
    return Y1[w.on_support].mean(axis=0), w.estimator_weights @ Y0


def apply_weights(weights: MatchingWeights, outcomes) -> ATTEstimate:
    """ATT per column of ``outcomes`` (n x k, rows in the order used for the weights)."""
    n = int(max(weights.treated.max(initial=-1), weights.controls.max(initial=-1)) + 1)
    Y, cols = _outcome_matrix(outcomes, n)
    if np.isnan(Y).any():
        raise ValueError("outcomes have missing values; estimate each sample separately "
                         "(effects_over_time does this per missingness pattern)")
    m1, m0 = _att_arrays(Y[weights.treated], Y[weights.controls], weights)
    return ATTEstimate(columns=cols, att=m1 - m0, treated_mean=m1, control_mean=m0,
                       n_treated=weights.n_treated, n_on_support=weights.n_on_support,
                       n_controls=weights.n_controls, n_controls_used=weights.n_controls_used)


def att(treated, score, outcomes, *, method: str = "ridge", kernel: str = "epanechnikov",
        bandwidth: float | None = None, ridge: float | None = None, cells=None,
        support: str = "minmax", trim: tuple[float, float] | None = None) -> ATTEstimate:
    """ATT per column of the outcome matrix for a given score (no standard errors)."""
    w = matching_weights(treated, score, method=method, kernel=kernel, bandwidth=bandwidth, ridge=ridge,
                         cells=cells, support=support, trim=trim)
    return apply_weights(w, outcomes)


@dataclass(frozen=True)
class MatchingSpec:
    """One estimator of the report, e.g. (1) ``MatchingSpec("ridge")``, (2)
    ``MatchingSpec("ridge", exact=True)``, (5) ``MatchingSpec("ipw")``;
    ``link="probit"`` for Tabel 5.3, ``kernel="uniform"`` for Tabel 5.4.

    ``bandwidth``: a number, or ``"cv"`` to choose it by
    :func:`cv_bandwidth` on the ``cv_outcome`` given to :func:`estimate_att`
    (over ``grid``). Ignored for IPW.

    ``separated`` (:data:`~analysis.psm.common.SEPARATED_RULES`): ``"exclude"``
    leaves the controls that the propensity model predicts perfectly (score 0
    by quasi-separation) out of the matching, the bandwidth cross-validation and
    the bias adjustment – no participant can have their covariates; ``"keep"``
    (default, the behaviour before the option existed) matches them at score 0,
    which puts them inside the kernel window of every participant whose score is
    below the bandwidth (BOT report 1.1.0, with a bias of up to 2 pct.-points on
    outcomes that the week before start nearly fixes:
    ``benchmarks/bot_sweep_causes.md``). Reports state their choice in the
    call. Separated treated units (score 1) are left to the support rule.

    ``bias_adjust``: subtract the regression-predicted part of the remaining
    covariate imbalance (Abadie & Imbens 2011; :mod:`analysis.psm.adjust`), on
    the covariates of the propensity model (intercept added, constant columns
    dropped), in the estimate and in every bootstrap replication. Removes the
    smoothing bias of kernel and ridge matching with a wide bandwidth and the
    imbalance IPW leaves; ``False`` (default) is the plain estimator.
    """

    method: str = "ridge"
    kernel: str = "epanechnikov"
    bandwidth: float | str = "cv"
    ridge: float | None = None
    exact: bool = False
    link: str = "logit"
    support: str = "minmax"
    trim: tuple[float, float] | None = None
    separated: str = "keep"
    bias_adjust: bool = False
    grid: tuple[float, ...] = field(default=tuple(DEFAULT_BANDWIDTH_GRID), repr=False)

    def __post_init__(self):
        if self.method not in METHODS:
            raise ValueError(f"method must be one of {METHODS}")
        if self.kernel not in KERNELS:
            raise ValueError(f"kernel must be one of {KERNELS}")
        if self.link not in LINKS:
            raise ValueError(f"link must be one of {LINKS}")
        if self.support not in SUPPORT_RULES:
            raise ValueError(f"support must be one of {SUPPORT_RULES}")
        if self.separated not in SEPARATED_RULES:
            raise ValueError(f"separated must be one of {SEPARATED_RULES}")
        if not isinstance(self.bias_adjust, bool):
            raise ValueError("bias_adjust must be True or False")
        if self.method != "ipw" and not (self.bandwidth == "cv" or (
                isinstance(self.bandwidth, (int, float)) and self.bandwidth > 0)):
            raise ValueError("bandwidth must be a positive number or 'cv'")


#: Columns of :attr:`PSMResult.frame`.
RESULT_COLUMNS: tuple[str, ...] = (
    "spec", "column", "att", "se", "z", "p_value", "ci_low", "ci_high", "treated_mean", "control_mean",
    "n_obs", "n_treated", "n_treated_on_support", "n_controls", "n_boot", "method", "kernel", "link",
    "exact", "bandwidth", "separated", "bias_adjust")


@dataclass(frozen=True)
class PSMResult:
    """Estimates for several specifications on one sample.

    ``frame``: tidy, one row per (spec, column), columns :data:`RESULT_COLUMNS`.
    ``index``: positions (into the caller's arrays) of the rows used.
    ``scores``: full-sample :class:`PropensityScore` per link. ``weights``:
    full-sample :class:`MatchingWeights` per spec (positions relative to the
    sample). ``cv``: :class:`BandwidthSearch` per spec with ``bandwidth="cv"``.
    ``replicates``: spec -> (n_boot x k) replicate ATTs if requested.
    """

    frame: pd.DataFrame
    index: np.ndarray
    scores: dict
    weights: dict
    bandwidths: dict
    cv: dict
    replicates: dict | None
    seed: int | None

    def unit_weights(self, spec, n: int | None = None) -> np.ndarray:
        """Matched weights of ``spec`` on the caller's rows (length n; rows outside the sample get 0)."""
        w = self.weights[spec].unit_weights(len(self.index))
        n = int(self.index.max() + 1) if n is None else n
        out = np.zeros(n)
        out[self.index] = w
        return out


def _normalise_specs(specs) -> dict:
    if isinstance(specs, MatchingSpec):
        return {"main": specs}
    if isinstance(specs, Mapping):
        out = dict(specs)
    else:
        out = {i: s for i, s in enumerate(specs)}
    if not out:
        raise ValueError("no specifications")
    for k, s in out.items():
        if not isinstance(s, MatchingSpec):
            raise TypeError(f"spec {k!r} is not a MatchingSpec")
    return out


def estimate_att(treated, covariates: pd.DataFrame, outcomes, specs, *, cells=None, cv_outcome=None,
                 n_boot: int = 200, seed: int | np.random.SeedSequence | None = 20200101,
                 stratify: bool = True, keep_replicates: bool = False, alpha: float = 0.05,
                 mapper: Callable | None = None) -> PSMResult:
    """ATT with bootstrap standard errors for several specifications at once.

    ``specs``: a :class:`MatchingSpec`, a sequence, or a mapping name -> spec
    (the names label ``frame["spec"]``). ``cells``: exact-matching codes, needed
    by specs with ``exact=True``. ``cv_outcome``: length-n outcome for the
    bandwidth cross-validation of specs with ``bandwidth="cv"`` (controls with
    a missing value are skipped). ``outcomes`` must be complete (use
    :func:`effects_over_time` for columns observed on different samples).
    ``n_controls`` in the frame counts the controls the spec may match (without
    the separated ones under ``separated="exclude"``).

    Bootstrap: :mod:`analysis.psm.bootstrap`. ``n_boot=0`` gives point estimates only (SE NaN).
    ``mapper``: the map over the bootstrap blocks (:func:`bootstrap_replicates`; default the
    builtin ``map``), e.g. ``evalreport.author.cluster_map()`` to spread one large estimation
    over a Dask cluster's workers. Same numbers.
    """
    prep = _prepare_att(treated, covariates, outcomes, specs, cells=cells, cv_outcome=cv_outcome,
                        n_boot=n_boot, seed=seed, stratify=stratify, keep_replicates=keep_replicates, alpha=alpha)
    return _finish_att(prep, bootstrap_replicates(prep.boot, prep.draws(), mapper=mapper or map))


@dataclass(eq=False)
class _PreparedATT:
    """:func:`estimate_att` up to its bootstrap: the full-sample estimates and the fixed problem of the
    replications (``boot``). :func:`_finish_att` adds the replicates. Split so that
    :func:`~analysis.psm.samples.estimate_samples` can run the bootstrap blocks of all its
    estimations in one pool (same numbers: the blocks are pure functions of ``boot`` and the draws).
    """

    specs: dict
    cols: tuple
    n: int
    scores: dict
    weights: dict
    est: dict
    bandwidths: dict
    cvs: dict
    boot: Bootstrap
    seed: object
    n_boot: int
    stratify: bool
    alpha: float
    keep_replicates: bool

    def draws(self) -> np.ndarray:
        """The resamples (n_boot x n positions), drawn from ``seed`` as :func:`estimate_att` always has."""
        return draw_resamples(np.random.default_rng(self.seed), self.boot.t, self.n_boot, stratify=self.stratify)


def _prepare_att(treated, covariates, outcomes, specs, *, cells, cv_outcome, n_boot, seed, stratify,
                 keep_replicates, alpha) -> _PreparedATT:
    """Everything of :func:`estimate_att` before the bootstrap (arguments as there)."""
    specs = _normalise_specs(specs)
    t = _as_treatment(treated)
    n = len(t)
    Y, cols = _outcome_matrix(outcomes, n)
    if np.isnan(Y).any():
        raise ValueError("outcomes have missing values; use effects_over_time for columns observed "
                         "on different samples")
    need_cells = any(s.exact for s in specs.values())
    codes = None
    if cells is not None:
        codes = _cell_codes(cells, n)
    elif need_cells:
        raise ValueError("a spec has exact=True but no cells were given")
    links = sorted({s.link for s in specs.values()})
    scores = {lk: fit_propensity(t, covariates, link=lk) for lk in links}
    keep_all = np.ones(n, bool)

    def usable(s: MatchingSpec) -> np.ndarray:
        """Units the spec may use: all, or all but the separated controls."""
        return ~(scores[s.link].separated & (t == 0)) if s.separated == "exclude" else keep_all

    # bandwidths; a ridge and a kernel spec on the same sample, kernel and grid share one pass
    def cv_key(s: MatchingSpec) -> tuple:
        return s.link, s.exact, s.kernel, s.separated, tuple(s.grid), s.trim

    ridge_param: dict = {}
    for s in specs.values():
        if s.method == "ridge" and s.bandwidth == "cv":
            ridge_param.setdefault(cv_key(s), s.ridge)
    paired = {cv_key(s) for s in specs.values() if s.method == "kernel" and s.bandwidth == "cv"} & set(ridge_param)
    pairs: dict = {}

    def cross_validate(s: MatchingSpec) -> BandwidthSearch:
        u = usable(s)
        args = (t[u], scores[s.link].score[u], np.asarray(cv_outcome, dtype=float)[u])
        kw = dict(cells=codes[u] if s.exact else None, kernel=s.kernel, grid=s.grid, trim=s.trim)
        key = cv_key(s)
        if key in paired and (s.method == "kernel" or s.ridge == ridge_param[key]):
            if key not in pairs:
                pairs[key] = cv_bandwidths(*args, ridge=ridge_param[key], **kw)
            return pairs[key][s.method]
        return cv_bandwidth(*args, method=s.method, ridge=s.ridge, **kw)

    bandwidths, cvs = {}, {}
    for name, s in specs.items():
        if s.method == "ipw":
            bandwidths[name] = None
        elif s.bandwidth == "cv":
            if cv_outcome is None:
                raise ValueError(f"spec {name!r} has bandwidth='cv' but no cv_outcome was given")
            cvs[name] = cross_validate(s)
            bandwidths[name] = cvs[name].bandwidth
        else:
            bandwidths[name] = float(s.bandwidth)

    ti, ci = np.flatnonzero(t == 1), np.flatnonzero(t == 0)
    weights = {name: _spec_weights(s, scores[s.link].score, codes, ti, ci[usable(s)[ci]], bandwidths[name],
                                   full_sample=True)
               for name, s in specs.items()}
    design = regression_design(covariates, n) if any(s.bias_adjust for s in specs.values()) else None
    for name, s in specs.items():
        w = weights[name]
        if s.bias_adjust and w.n_on_support:
            signed = w.unit_weights(n)
            signed[w.controls] *= -1
            shift = signed - bias_adjusted_weights(signed, design, t)
            weights[name] = dataclasses.replace(w, adjustment=shift[w.controls])
    est = {name: _att_arrays(Y[ti], Y[w.controls], w) for name, w in weights.items()}

    # bootstrap: the resamples are drawn first (the random stream of the earlier per-replication
    # loop), then replicated in fixed blocks by _replicate_block; see Bootstrap.
    boot = Bootstrap(t=t, Y=Y, codes=codes, specs=specs, bandwidths=bandwidths,
                     scores={lk: (sc.design, sc.params, sc.rows) for lk, sc in scores.items()},
                     design=design)
    return _PreparedATT(specs=specs, cols=cols, n=n, scores=scores, weights=weights, est=est,
                        bandwidths=bandwidths, cvs=cvs, boot=boot, seed=seed, n_boot=n_boot, stratify=stratify,
                        alpha=alpha, keep_replicates=keep_replicates)


def _finish_att(prep: _PreparedATT, R: np.ndarray) -> PSMResult:
    """The :class:`PSMResult` of a prepared estimation from its replicate ATTs ``R`` (n_boot x specs x k)."""
    specs, cols, n, n_boot = prep.specs, prep.cols, prep.n, prep.n_boot
    bandwidths, weights = prep.bandwidths, prep.weights
    k = len(cols)
    reps = {name: R[:, j, :] for j, name in enumerate(specs)}
    z_crit = stats.norm.ppf(1 - prep.alpha / 2)
    rows = []
    for name, s in specs.items():
        m1, m0 = prep.est[name]
        a = m1 - m0
        R = reps[name]
        nb = np.sum(np.isfinite(R), axis=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            se = np.where(nb >= 2, np.nanstd(R, axis=0, ddof=1), np.nan) if n_boot else np.full(k, np.nan)
        with np.errstate(divide="ignore", invalid="ignore"):
            z = a / se
        p = 2 * stats.norm.sf(np.abs(z))  # one call for all columns (each call costs ~60 µs)
        w = weights[name]
        for j, col in enumerate(cols):
            rows.append((name, col, a[j], se[j], z[j], p[j], a[j] - z_crit * se[j],
                         a[j] + z_crit * se[j], m1[j], m0[j], n, w.n_treated, w.n_on_support, w.n_controls,
                         int(nb[j]) if n_boot else 0, s.method, None if s.method == "ipw" else s.kernel,
                         s.link, s.exact, bandwidths[name], s.separated, s.bias_adjust))
    frame = pd.DataFrame(rows, columns=list(RESULT_COLUMNS))
    return PSMResult(frame=frame, index=np.arange(n), scores=prep.scores, weights=weights, bandwidths=bandwidths,
                     cv=prep.cvs, replicates=reps if prep.keep_replicates else None,
                     seed=prep.seed if isinstance(prep.seed, (int, np.integer)) else None)
