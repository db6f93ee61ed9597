"""Propensity-score matching (PSM) for the average effect on the treated (ATT).

The BOT report (spec ``bot.md`` §5) estimates ATT = E[Y(1) - Y(0) | T = 1] by
matching on an estimated propensity score p(X) = P(T = 1 | X). This module
holds the statistics only; the report turns the tidy frames into tables.

Pipeline
--------
1. :func:`fit_propensity` – logit (main) or probit (robustness) by statsmodels;
   coefficient table for Bilagstabel 2.1.
2. :func:`matching_weights` – weights on the control units, per treated unit
   (n1 x n0 matrix) and aggregated (n0 vector summing to 1), for

   * ``kernel`` matching: w_ij = K_ij / sum_j K_ij, K_ij = K((p_j - p_i) / h);
   * ``ridge`` matching (Frölich 2004): the local-linear weights with a ridge
     term in the denominator (formula below);
   * ``ipw``: inverse-probability weighting with ATT odds weights p/(1-p),
     normalised to sum to one over the controls;

   each optionally with EXACT matching on a cell code (municipality): controls
   get weight only from treated units in the same cell.
3. :func:`apply_weights` / :func:`att` – ATT for an outcome MATRIX (n x k) at
   once: ATT = mean of Y over on-support treated - sum_j w_j Y_j. The second
   term is the matched control level ("kontrolgruppens niveau").
4. :func:`cv_bandwidth` – leave-one-out cross-validation of the bandwidth on the
   controls (Frölich 2004, 2005).
5. :func:`estimate_att` – the whole thing for several specifications at once,
   with bootstrap standard errors that re-estimate the propensity score in
   every replication; :func:`effects_over_time`, :func:`estimate_by_group` for
   the weekly/monthly profiles and the gender/cohort tables.
6. :func:`estimate_samples` – several independent estimations (samples,
   subgroups; one :class:`SampleTask` each) in a process pool, with results
   that do not depend on the number of workers.

Kernels and ridge formula
-------------------------
Kernels have support |u| < 1 (a control exactly h away gets no weight):
Epanechnikov K(u) = 0.75 (1 - u^2), rectangular ("uniform") K(u) = 0.5.
Ridge weights for treated i (kmatch's ``Kmatch_Ridge``, Jann 2017)::

    W_i = sum_j K_ij,  P_i = sum_j K_ij p_j / W_i,  D_ij = p_j - P_i,
    S_i = sum_j K_ij D_ij^2,  d_i = p_i - P_i,
    w_ij = K_ij / W_i + K_ij D_ij d_i / (S_i + r h |d_i|)

with ridge parameter r = 5/16 for the Epanechnikov and 1/4 for the
rectangular kernel (Seifert & Gasser 1996, the values kmatch picks; any other
value, e.g. a small 0.0001, can be given as ``ridge=``). The
weights of a treated unit sum to one and may be negative. If all controls in
the window have the same score (S_i = 0 up to 1e-9 W_i h^2), the ridge weights
reduce to the kernel weights (kmatch does the same when the window's scores
have no variance).

Why by hand: no maintained Python library does kernel/ridge PSM with exact
cells. The reference is Stata: ``kmatch ps ..., ridge ematch()`` (Jann 2017;
source ``kmatch.ado`` v1.0.6, functions ``Kmatch_Ridge``, ``Kmatch_epan``,
``Kmatch_rectangle``). psmatch2 (Leuven & Sianesi, v4.0.11) has kernel and
local-linear (``llr``) matching but no ``ridge`` option; its ``common``
min/max support rule is what ``support="minmax"`` does here.

Bandwidth (:func:`cv_bandwidth`, ``MatchingSpec(bandwidth="cv")``): each
control's outcome is predicted from the other controls (same cell under exact
matching) by the same estimator at its own score; the criterion is the mean
squared prediction error, times n0 / (controls with a prediction) to penalise
bandwidths that leave controls unpredicted (kmatch's correction). Grid
:data:`DEFAULT_BANDWIDTH_GRID` = 0.005, 0.010, ..., 0.250; the smallest
criterion wins (first on ties); ``at_boundary`` flags a minimiser at the end of
the grid. Chosen separately for every specification and sample.

Common support, an explicit choice (``support=`` of :class:`MatchingSpec` and
:func:`matching_weights`; the default is ``"minmax"``, but reports should state
it in the call and in their methods text, because the rules can differ
noticeably where the control scores thin out):

* ``"minmax"`` (psmatch2 ``common``): a treated unit whose score is below the
  smallest or above the largest control score – within its exact cell when
  exact matching is used – is off support, even if controls lie inside its
  kernel window;
* ``"window"``: no min/max rule (kmatch's default for kernel matching).

Under both rules, for kernel and ridge matching a treated unit with no control
inside the kernel window (and cell) is off support, and with exact matching a
treated unit whose cell has no controls is off support; for IPW ``"window"``
keeps every treated unit. ``trim=(lo, hi)`` also drops treated AND controls
with a score outside [lo, hi] (kmatch ``comsup()``). Off-support treated units
are left out of the ATT and counted.

Bootstrap (:func:`estimate_att`): persons are resampled with replacement,
stratified by treatment status (n1 treated and n0 controls drawn in every
replication, so the treated/control split is fixed as in the data). In every
replication the propensity score is re-estimated on the resample (Newton
steps from the full-sample coefficients, same likelihood as statsmodels), the
weights of every specification are computed ONCE and applied to all outcome
columns (through prefix sums over the sorted scores instead of the n1 x n0
matrix; same numbers to ~1e-11). The bandwidth is held fixed at its full-sample value (as kmatch's
``vce(bootstrap)``). SE = standard deviation (ddof=1) of the replicate ATTs;
z = ATT / SE, two-sided normal p-value, 95 % CI = ATT -/+ 1.96 SE (normal
approximation, as the report's stars and confidence bands).

How the replications are computed (:func:`draw_resamples`,
:func:`bootstrap_replicates`, :class:`Bootstrap`): all resamples are drawn
first, in the order of the earlier replication-by-replication loop (so a seed
gives the same resamples, and the same numbers to ~1e-12, as before the
bootstrap was vectorised in 2026-11); a resample is then handled as frequency
weights on the original units. Replications run in fixed blocks of
:data:`BOOT_BLOCK`; a block is a pure function of the fixed problem and its
draws (:func:`_replicate_block`), so a map over blocks (e.g. on a cluster)
can replace the loop without changing the numbers. Within a block the score
refits of all replications share their matrix products (and their Hessians
are one product with the precomputed row outer products); specifications that
share a link and exact cells share the sorting and the control-score moments
of a replication (:class:`_SortedScores`).

Subgroups (:func:`estimate_by_group`): as in the report ("matching done
separately for men and women"; the cohort samples of Tabel 4.3 change N for
treated and controls alike) everything – score, bandwidth, matching,
bootstrap – is re-estimated within each subgroup; covariates constant within
the subgroup (e.g. the gender dummy) are dropped.

Speed (``benchmarks/psm_speed.py``, before/after): the BOT report's eleven
estimations with 200 replications take about a quarter of the CPU time of the
replication-by-replication loop. Run with one BLAS thread per process
(``OPENBLAS_NUM_THREADS=1`` before numpy is imported, as the evalreport engine
does for every kernel): the refits use small BLAS products, which stall with
multi-threaded OpenBLAS on a busy machine. Extended-precision (long double)
arithmetic in the prefix sums is the largest remaining cost; ``x ** k`` on long
doubles (powl) is avoided, being ~50 times slower than repeated products.

Parallel samples (:func:`estimate_samples`): each task is one complete
estimation with its own seed, so a task's result is the same whether it runs
alone, in the calling process or in a worker, and in whatever order. Workers
are forked (Linux), inherit the tasks from the parent (no pickling of the
data) and send back only the result, with the large arrays stripped. Run
them with one BLAS thread per process (``OPENBLAS_NUM_THREADS=1`` before numpy
is imported, as the evalreport engine does for every kernel), or the workers
compete for the cores.
"""
from __future__ import annotations

import dataclasses
import functools
import multiprocessing
import os
import sys
import warnings
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Callable, Hashable, Mapping, Sequence

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import special, stats

KERNELS: tuple[str, ...] = ("epanechnikov", "uniform")
METHODS: tuple[str, ...] = ("kernel", "ridge", "ipw")
LINKS: tuple[str, ...] = ("logit", "probit")
#: Common-support rules (module docstring): psmatch2's ``common`` min/max rule, or only the kernel window.
SUPPORT_RULES: tuple[str, ...] = ("minmax", "window")

#: K(0) of each kernel; K(u) = KERNEL_HEIGHT * (1 - u^2) (Epanechnikov) or a constant (uniform) for |u| < 1.
KERNEL_HEIGHT: dict[str, float] = {"epanechnikov": 0.75, "uniform": 0.5}
#: Ridge parameter r per kernel (Seifert & Gasser 1996; kmatch's defaults).
DEFAULT_RIDGE: dict[str, float] = {"epanechnikov": 5 / 16, "uniform": 1 / 4}
#: Cross-validation grid: 0.005, 0.010, ..., 0.250 (50 values).
DEFAULT_BANDWIDTH_GRID: np.ndarray = np.round(np.arange(1, 51) * 0.005, 3)
#: Relative tolerance below which a window's score variance S_i counts as zero (ridge -> kernel weights).
RIDGE_ZERO_VARIANCE = 1e-9


# ----------------------------------------------------------------------------------------------
# Propensity score
# ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PropensityScore:
    """A fitted propensity-score model.

    ``score``: fitted P(T = 1 | X) per row of the input. ``coefficients``: tidy
    frame term, coef, se, z, p (``term == "const"`` is the intercept; the
    order is the covariate order with the constant LAST, as in Bilagstabel
    2.1). ``design``: the design matrix used (constant last, dropped columns
    removed) for the rows ``rows`` the likelihood was fitted on, kept so the
    bootstrap can refit on resamples.

    ``separated``: units whose treatment status the covariates predict
    perfectly (quasi-separation, see :func:`fit_propensity`); they are not in
    ``rows`` and their score is exactly their status (0 or 1).
    ``separation_dropped``: the columns dropped because they became constant or
    collinear once those units were set aside (also in ``dropped_columns``).
    """

    link: str
    score: np.ndarray
    coefficients: pd.DataFrame
    n_obs: int
    n_treated: int
    pseudo_r2: float
    log_likelihood: float
    converged: bool
    dropped_columns: tuple[str, ...]
    terms: tuple[str, ...]
    params: np.ndarray
    design: np.ndarray = field(repr=False)
    model: object = field(repr=False, default=None)
    rows: np.ndarray | None = field(repr=False, default=None)
    separated: np.ndarray | None = field(repr=False, default=None)
    separation_dropped: tuple[str, ...] = ()

    def __post_init__(self):
        if self.rows is None:
            object.__setattr__(self, "rows", np.arange(len(self.score)))
        if self.separated is None:
            object.__setattr__(self, "separated", np.zeros(len(self.score), bool))

    @property
    def n_separated(self) -> int:
        """Units set aside as perfectly predicted (score 0 or 1)."""
        return int(self.separated.sum())


def _as_treatment(treated) -> np.ndarray:
    t = np.asarray(treated, dtype=float).ravel()
    if t.size == 0 or np.isnan(t).any() or not np.isin(t, (0.0, 1.0)).all():
        raise ValueError("treated must be a non-empty 0/1 indicator without missing values")
    if t.min() == t.max():
        raise ValueError("treated does not vary (need both treated and control units)")
    return t


def _design_matrix(covariates: pd.DataFrame, n: int) -> tuple[np.ndarray, list[str], list[str]]:
    if not isinstance(covariates, pd.DataFrame):
        raise TypeError("covariates must be a pandas DataFrame of numeric columns")
    if len(covariates) != n:
        raise ValueError(f"covariates has {len(covariates)} rows, treated has {n}")
    if all(pd.api.types.is_numeric_dtype(d) or pd.api.types.is_bool_dtype(d) for d in covariates.dtypes):
        values = covariates.to_numpy(dtype=float)
    else:
        values = covariates.apply(pd.to_numeric, errors="raise").to_numpy(dtype=float)
    names = [str(c) for c in covariates.columns]
    nan = np.isnan(values).any(axis=0)
    if nan.any():
        raise ValueError("covariates have missing values in: " + ", ".join(np.array(names)[nan]))
    const = (np.ptp(values, axis=0) == 0) if n else np.ones(len(names), bool)
    dropped = [c for c, k in zip(names, const) if k]
    terms = [c for c, k in zip(names, const) if not k] + ["const"]
    design = np.column_stack([values[:, ~const], np.ones(n)])
    if np.linalg.matrix_rank(design) < design.shape[1]:
        raise ValueError("propensity-score design is rank deficient (collinear covariates): "
                         + ", ".join(terms))
    return design, terms, dropped


def _cdf(eta: np.ndarray, link: str) -> np.ndarray:
    return special.expit(eta) if link == "logit" else special.ndtr(eta)


SEPARATION_RULES: tuple[str, ...] = ("drop", "ignore")
#: Newton steps after which an unconverged propensity fit is checked for separation.
SEPARATION_CHECK_ITER = 25


def fit_propensity(treated, covariates: pd.DataFrame, *, link: str = "logit",
                   maxiter: int = 100, separation: str = "drop") -> PropensityScore:
    """Fit P(T = 1 | X) by statsmodels ``Logit`` or ``Probit`` (Newton, intercept added).

    Covariates must be numeric (build dummies with the wanted reference
    category first). Constant columns are dropped and listed in
    ``dropped_columns``; collinear columns raise ``ValueError``.

    Quasi-complete separation (covariates that predict some units' status
    perfectly, e.g. a benefit category without participants: the published
    report's ±15 coefficients with SE 372) has no finite maximum-likelihood
    estimate. With ``separation="drop"`` (default) it is handled as the limit
    of the likelihood maximisation: when the Newton fit does not converge or
    leaves fitted probabilities at 0 or 1, the perfectly predicted units are
    found by linear programming (:func:`separated_units`, Konis 2007, as R's
    ``detectseparation``), given their status as score (0 for controls: they
    cannot be matched), and the model is fitted on the other units; columns
    that are then constant or collinear (e.g. one of two benefit dummies that
    cover all remaining units) are dropped, earlier columns kept first. The
    coefficients are those the divergent fit tends to, and are reported with
    finite standard errors. ``separation="ignore"`` keeps the old behaviour:
    Newton stops at ``maxiter`` and ``converged`` is False.
    """
    if link not in LINKS:
        raise ValueError(f"link must be one of {LINKS}")
    if separation not in SEPARATION_RULES:
        raise ValueError(f"separation must be one of {SEPARATION_RULES}")
    t = _as_treatment(treated)
    design, terms, dropped = _design_matrix(covariates, len(t))
    rows, sep, sep_dropped = np.arange(len(t)), np.zeros(len(t), bool), []
    if separation == "ignore":
        res = _ml_fit(t, design, link, maxiter)
    else:
        # a fit that has not converged after SEPARATION_CHECK_ITER Newton steps (or has fitted
        # probabilities at 0 or 1) is checked for separation before more steps are spent on it
        res = _ml_fit(t, design, link, min(maxiter, SEPARATION_CHECK_ITER))
        fitted = design
        while _looks_separated(res, fitted, link):
            new = _separation_pass(fitted, t[rows])
            if not new.any():
                if not res.mle_retvals.get("converged", False):
                    res = _ml_fit(t[rows], fitted, link, maxiter)
                break
            sep[rows[new]] = True
            rows = np.flatnonzero(~sep)
            if np.unique(t[rows]).size < 2:
                raise ValueError("the covariates predict treatment perfectly for every unit "
                                 "(complete separation): no propensity score can be estimated")
            keep = _independent_columns(design[rows])
            sep_dropped = [terms[j] for j in range(len(terms)) if j not in keep]
            fitted = design[np.ix_(rows, keep)]
            res = _ml_fit(t[rows], fitted, link, min(maxiter, SEPARATION_CHECK_ITER))
        if sep.any():
            design = fitted
            terms = [terms[j] for j in keep]
    params = np.asarray(res.params, dtype=float)
    se = np.asarray(res.bse, dtype=float)
    coef = pd.DataFrame({"term": terms, "coef": params, "se": se, "z": params / se,
                         "p": 2 * stats.norm.sf(np.abs(params / se))})
    score = t.copy()  # separated units: their status
    score[rows] = _cdf(design @ params, link)
    return PropensityScore(
        link=link, score=score, coefficients=coef, n_obs=int(len(t)),
        n_treated=int(t.sum()), pseudo_r2=float(res.prsquared), log_likelihood=float(res.llf),
        converged=bool(res.mle_retvals.get("converged", False)),
        dropped_columns=tuple(dropped) + tuple(sep_dropped), terms=tuple(terms), params=params,
        design=design, model=res, rows=rows, separated=sep, separation_dropped=tuple(sep_dropped))


def _ml_fit(t, design, link, maxiter):
    model_cls = sm.Logit if link == "logit" else sm.Probit
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence / separation: recorded in `converged`
        return model_cls(t, design).fit(method="newton", maxiter=maxiter, disp=0)


def _looks_separated(res, design, link) -> bool:
    """A fit that did not converge, or left a fitted probability within 1e-8 of 0 or 1."""
    if not res.mle_retvals.get("converged", False):
        return True
    p = _cdf(design @ np.asarray(res.params, dtype=float), link)
    return bool(np.any((p < 1e-8) | (p > 1 - 1e-8)))


def separated_units(design: np.ndarray, treated, *, tol: float = 1e-7) -> np.ndarray:
    """Units whose status the design predicts perfectly (quasi-complete separation), as a bool array.

    Konis's (2007) linear program: with s_i = +1 for treated and -1 for controls, maximise
    sum_i s_i x_i'b subject to s_i x_i'b >= 0 for every unit and -1 <= b_j <= 1 (columns scaled
    to max |x| = 1). A positive optimum means the likelihood keeps increasing along b, and the
    units with s_i x_i'b > 0 have fitted probabilities tending to their status. Repeated on the
    remaining units until none is separated (scipy's HiGHS solver).
    """
    t = np.asarray(treated, dtype=float)
    X = np.asarray(design, dtype=float)
    sep = np.zeros(len(t), bool)
    while True:
        rest = np.flatnonzero(~sep)
        new = _separation_pass(X[rest], t[rest], tol=tol)
        if not new.any():
            return sep
        sep[rest[new]] = True


def _separation_pass(X: np.ndarray, t: np.ndarray, tol: float = 1e-7) -> np.ndarray:
    """One linear program of :func:`separated_units`: the units separated along its solution."""
    from scipy.optimize import linprog

    scale = np.abs(X).max(axis=0)
    A = (2 * t - 1)[:, None] * (X / np.where(scale > 0, scale, 1.0))
    res = linprog(-A.sum(axis=0), A_ub=-A, b_ub=np.zeros(len(A)), bounds=[(-1, 1)] * X.shape[1], method="highs")
    if res.status != 0:
        raise RuntimeError(f"separation check failed: {res.message}")
    if -res.fun <= tol:
        return np.zeros(len(A), bool)
    return A @ res.x > tol


def _independent_columns(X: np.ndarray) -> list[int]:
    """Positions of a maximal set of linearly independent columns, the constant (last column)
    first and then the others in order: a later column that adds nothing is dropped."""
    order = [X.shape[1] - 1] + list(range(X.shape[1] - 1))
    keep: list[int] = []
    for j in order:
        if np.linalg.matrix_rank(X[:, keep + [j]]) == len(keep) + 1:
            keep.append(j)
    return sorted(keep)


def _refit_params(design: np.ndarray, t: np.ndarray, link: str, start: np.ndarray,
                  maxiter: int = 40, tol: float = 1e-10, refresh: int = 4) -> np.ndarray:
    """Maximum-likelihood logit/probit coefficients by Newton-Raphson from ``start`` (one sample;
    :func:`_refit_block` with all counts 1)."""
    counts = np.ones((1, len(t)))
    return _refit_block(design, np.asarray(t, dtype=float), link, start, counts, maxiter=maxiter, tol=tol,
                        refresh=refresh)[0]


def _refit_block(design: np.ndarray, t: np.ndarray, link: str, start: np.ndarray, counts: np.ndarray,
                 maxiter: int = 40, tol: float = 1e-10, refresh: int = 4,
                 outer: np.ndarray | None = None) -> np.ndarray:
    """Logit/probit coefficients of m weighted samples at once (m x p), by Newton-Raphson from ``start``.

    Row b of ``counts`` (m x n) holds frequency weights on the rows of ``design``: a bootstrap
    resample is its counts, so the refit never copies the resampled design. The likelihood is
    statsmodels' (the bootstrap uses this instead of statsmodels to avoid its per-call overhead).
    Starting from the full-sample estimate, each sample's Hessian is computed (and inverted) at the
    start and every ``refresh`` iterations and reused in between (chord steps; the Hessian barely
    moves near the optimum). Singular Hessians (a dummy constant in a resample) get the
    pseudo-inverse, i.e. the least-squares step, which leaves that coefficient alone. Step halving
    keeps each log-likelihood from decreasing. A sample stops when none of its fitted probabilities
    moves by more than ``tol`` and is then left alone, so its coefficients are those of a fit on its
    own: under quasi-separation some coefficients drift for ever while the scores, which is all
    matching uses, are settled.

    The m samples share the matrix products X beta and X' r (one BLAS call each per iteration
    instead of m), and their Hessians are one product (counts x weights) @ ``outer``, where
    ``outer`` (:func:`_outer_products`, n x p(p+1)/2) holds the products x_i x_i' of every row:
    computed once per estimation, it halves the floating-point work of the Hessians.
    """
    X = np.asarray(design, dtype=float)
    C = np.asarray(counts, dtype=float)
    m, p = C.shape[0], X.shape[1]
    q = 2 * t - 1
    used = C > 0
    beta = np.tile(np.asarray(start, dtype=float), (m, 1))
    eta = beta @ X.T
    prob = _cdf(eta, link)
    ll = _loglik_rows(eta, t, q, link, C)
    hess_inv = np.empty((m, p, p))
    active = np.arange(m)
    for it in range(maxiter):
        if not active.size:
            break
        Ca = C[active]
        r, w = _score_weights(eta[active], prob[active], t, q, link)
        grad = (Ca * r) @ X
        if it % refresh == 0:
            hess_inv[active] = _inverse_hessians(X, Ca * w, outer)
        step = np.einsum("bij,bj->bi", hess_inv[active], grad)
        eta_new = (beta[active] + step) @ X.T
        ll_new = _loglik_rows(eta_new, t, q, link, Ca)
        ll_old = ll[active]
        for _half in range(30):
            worse = ll_new < ll_old - 1e-12 * np.maximum(1.0, np.abs(ll_old))
            if not worse.any():
                break
            step[worse] /= 2
            eta_new[worse] = (beta[active[worse]] + step[worse]) @ X.T
            ll_new[worse] = _loglik_rows(eta_new[worse], t, q, link, Ca[worse])
        prob_new = _cdf(eta_new, link)
        moved = np.max(np.abs(prob_new - prob[active]) * used[active], axis=1)
        beta[active] += step
        eta[active] = eta_new
        prob[active] = prob_new
        ll[active] = ll_new
        active = active[moved >= tol]
    return beta


def _outer_products(design: np.ndarray) -> np.ndarray:
    """n x p(p+1)/2: row i holds x_i x_i' (upper triangle, row-major) of the design's row i."""
    X = np.asarray(design, dtype=float)
    n, p = X.shape
    out = np.empty((n, p * (p + 1) // 2))
    off = 0
    for j in range(p):
        np.multiply(X[:, j:j + 1], X[:, j:], out=out[:, off:off + p - j])
        off += p - j
    return out


def _inverse_hessians(X: np.ndarray, V: np.ndarray, outer: np.ndarray | None) -> np.ndarray:
    """Inverses of X' diag(v_b) X for every row v_b of V (m x n); the pseudo-inverse where singular."""
    m, p = len(V), X.shape[1]
    if outer is None:
        H = np.stack([X.T @ (X * v[:, None]) for v in V])
    else:
        iu = np.triu_indices(p)
        H = np.empty((m, p, p))
        U = V @ outer
        H[:, iu[0], iu[1]] = U
        H[:, iu[1], iu[0]] = U
    try:
        inv = np.linalg.inv(H)
        bad = ~np.all(np.isfinite(inv), axis=(1, 2))
    except np.linalg.LinAlgError:
        inv = np.empty_like(H)
        bad = np.zeros(m, bool)
        for b in range(m):
            try:
                inv[b] = np.linalg.inv(H[b])
                bad[b] = not np.all(np.isfinite(inv[b]))
            except np.linalg.LinAlgError:
                bad[b] = True
    for b in np.flatnonzero(bad):
        inv[b] = np.linalg.pinv(H[b])
    return inv


def _loglik_rows(eta: np.ndarray, t: np.ndarray, q: np.ndarray, link: str, counts: np.ndarray) -> np.ndarray:
    """Weighted log-likelihood of each row of ``eta`` (m x n)."""
    if link == "logit":  # log(1 + exp(-q eta)) as np.logaddexp computes it, without its slow scalar loop
        return -np.sum(counts * (np.maximum(-q * eta, 0.0) + np.log1p(np.exp(-np.abs(eta)))), axis=1)
    return np.sum(counts * special.log_ndtr(q * eta), axis=1)


def _score_weights(eta: np.ndarray, prob: np.ndarray, t: np.ndarray, q: np.ndarray, link: str
                   ) -> tuple[np.ndarray, np.ndarray]:
    """d loglik / d eta and the Newton weights -d2 loglik / d eta2, per unit (``prob`` = cdf(eta))."""
    if link == "logit":
        return t - prob, prob * (1 - prob)
    lam = q * np.exp(_log_mills(q * eta))
    return lam, lam * (lam + eta)


def _log_mills(z: np.ndarray) -> np.ndarray:
    """log(phi(z) / Phi(z)), stable for large negative z."""
    return -0.5 * z * z - 0.5 * np.log(2 * np.pi) - special.log_ndtr(z)


# ----------------------------------------------------------------------------------------------
# Matching weights
# ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class MatchingWeights:
    """Weights on the control units.

    ``treated`` / ``controls``: positions (into the input arrays) of the
    treated and control units, in input order. ``matrix``: n1 x n0 weights per
    treated unit (each on-support row sums to one; off-support rows are zero);
    ``None`` for IPW. ``control_weights``: length n0, sums to one; for matching
    the mean of the on-support rows, for IPW the normalised odds.
    """

    method: str
    kernel: str | None
    bandwidth: float | None
    ridge: float | None
    exact: bool
    treated: np.ndarray
    controls: np.ndarray
    on_support: np.ndarray
    control_weights: np.ndarray
    matrix: np.ndarray | None = field(default=None, repr=False)

    @property
    def n_treated(self) -> int:
        return int(len(self.treated))

    @property
    def n_on_support(self) -> int:
        return int(self.on_support.sum())

    @property
    def n_off_support(self) -> int:
        return self.n_treated - self.n_on_support

    @property
    def n_controls(self) -> int:
        return int(len(self.controls))

    @property
    def n_controls_used(self) -> int:
        """Controls with a non-zero aggregate weight."""
        return int(np.count_nonzero(self.control_weights))

    def unit_weights(self, n: int | None = None) -> np.ndarray:
        """Length-n weights on all units: 1/n_on for on-support treated, 0 for
        off-support treated, ``control_weights`` for controls. Both arms sum to
        one; used for balance after matching."""
        n = int(max(self.treated.max(initial=-1), self.controls.max(initial=-1)) + 1) if n is None else n
        w = np.zeros(n)
        if self.n_on_support:
            w[self.treated[self.on_support]] = 1.0 / self.n_on_support
        w[self.controls] = self.control_weights
        return w


def _check_method(method: str, kernel: str, bandwidth, ridge) -> tuple[float | None, float | None]:
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}")
    if kernel not in KERNELS:
        raise ValueError(f"kernel must be one of {KERNELS}")
    if method == "ipw":
        return None, None
    if bandwidth is None or not np.isfinite(bandwidth) or bandwidth <= 0:
        raise ValueError(f"{method} matching needs a positive bandwidth")
    r = None
    if method == "ridge":
        r = DEFAULT_RIDGE[kernel] if ridge is None else float(ridge)
        if r < 0:
            raise ValueError("ridge parameter must be >= 0")
    return float(bandwidth), r


def _cell_codes(cells, n: int) -> np.ndarray:
    c = pd.Series(np.asarray(cells).ravel() if not isinstance(cells, pd.Series) else cells.to_numpy())
    if len(c) != n:
        raise ValueError(f"cells has {len(c)} values, expected {n}")
    if c.isna().any():
        raise ValueError("cells has missing values")
    return pd.factorize(c, sort=True)[0]


def _support(p1, p0, c1, c0, support, trim) -> tuple[np.ndarray, np.ndarray]:
    """On-support flags of treated units and usable flags of controls (before the window rule).

    A treated unit is off support if trimmed, if its cell has no usable
    control, or (``support="minmax"``) if its score is outside the range of
    the usable controls' scores in its cell (the whole sample without cells)."""
    ok1 = np.ones(len(p1), bool)
    ok0 = np.ones(len(p0), bool)
    if trim is not None:
        lo, hi = trim
        ok1 &= (p1 >= lo) & (p1 <= hi)
        ok0 &= (p0 >= lo) & (p0 <= hi)
    e1 = np.zeros(len(p1), np.int64) if c1 is None else np.asarray(c1, dtype=np.int64)
    e0 = np.zeros(len(p0), np.int64) if c0 is None else np.asarray(c0, dtype=np.int64)
    ncell = int(max(e1.max(initial=0), e0.max(initial=0))) + 1
    cmin = np.full(ncell, np.inf)
    cmax = np.full(ncell, -np.inf)
    np.minimum.at(cmin, e0[ok0], p0[ok0])
    np.maximum.at(cmax, e0[ok0], p0[ok0])
    ok1 &= np.isfinite(cmin[e1])
    if support == "minmax":
        ok1 &= (p1 >= cmin[e1]) & (p1 <= cmax[e1])
    return ok1, ok0


def _window(p1: np.ndarray, h: float) -> tuple[np.ndarray, np.ndarray]:
    """Window limits (p1 - h, p1 + h): control j is in treated i's window iff
    lower_i < p0_j < upper_i. Every code path uses these two arrays, so the
    dense matrix, the prefix-sum bootstrap path and the cross-validation agree
    on boundary cases to the last bit."""
    return p1 - h, p1 + h


def _weight_matrix(p1, p0, c1, c0, ok1, ok0, method, kernel, h, r) -> tuple[np.ndarray, np.ndarray]:
    """Dense n1 x n0 kernel or ridge weights; returns (matrix, on_support)."""
    lower, upper = _window(p1, h)
    mask = (p0[None, :] > lower[:, None]) & (p0[None, :] < upper[:, None])
    mask &= ok1[:, None] & ok0[None, :]
    if c1 is not None:
        mask &= c1[:, None] == c0[None, :]
    if kernel == "epanechnikov":
        u = (p0[None, :] - p1[:, None]) / h
        K = 0.75 * (1.0 - u * u)
    else:
        K = np.full(mask.shape, 0.5)
    K *= mask
    W = K.sum(axis=1)
    on = ok1 & mask.any(axis=1)
    Wsafe = np.where(on, W, 1.0)
    M = K / Wsafe[:, None]
    if method == "ridge":
        P = (K @ p0) / Wsafe
        KD = K * (p0[None, :] - P[:, None])
        S = np.einsum("ij,ij->i", KD, p0[None, :] - P[:, None])
        d = p1 - P
        flat = S <= RIDGE_ZERO_VARIANCE * Wsafe * h * h
        g = np.where(flat | ~on, 0.0, d / np.where(flat, 1.0, S + r * h * np.abs(d)))
        M += KD * g[:, None]
    M[~on] = 0.0
    return M, on


def _prefix(values: np.ndarray) -> np.ndarray:
    """Prefix sums with a leading zero, in extended precision (window sum = F[hi] - F[lo])."""
    v = np.asarray(values, dtype=np.longdouble)
    return np.concatenate([np.zeros((1,) + v.shape[1:], dtype=np.longdouble), np.cumsum(v, axis=0)])


def _powers(q: np.ndarray, m: int) -> np.ndarray:
    """Columns q^0, q^1, ..., q^(m-1) by repeated multiplication (``q ** k`` on long doubles calls
    powl, which is ~50 times slower and was the bootstrap's single largest cost)."""
    out = np.empty((len(q), m), dtype=np.result_type(q, np.float64))
    out[:, 0] = 1
    for k in range(1, m):
        out[:, k] = out[:, k - 1] * q
    return out


def _kernel_sum(F: list, q, h2, kernel: str):
    """sum_k K((q_k - q)/h) f_k over a window from the moments F[m] = sum_k q_k^m f_k."""
    c = KERNEL_HEIGHT[kernel]
    if kernel == "uniform":
        return c * F[0]
    return c * (F[0] - (F[2] - 2 * q * F[1] + q * q * F[0]) / h2)


def _cell_keys(cells: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Complex keys cell + i * value. NumPy orders complex numbers lexicographically (real part,
    then imaginary part) in sort and searchsorted, so one searchsorted on keys sorted by (cell,
    score) finds positions within each unit's own cell, with exactly the float comparisons of the
    scores themselves (no rounding: both parts are stored as they are)."""
    k = np.empty(len(values), dtype=np.complex128)
    k.real = cells
    k.imag = values
    return k


class _SortedScores:
    """Treated and control scores of one sample, sorted within exact cells, with the prefix sums of
    the control-score moments: everything the prefix-sum weights share across specifications of the
    same link and cells (only the bandwidth, kernel and method differ).

    Units carry frequency weights (a bootstrap resample as counts on the original units): a unit
    with weight c counts as c copies, so the weights are those of the resample. ``p1``/``a1``/``e1``:
    scores, weights and cell codes of the treated; ``p0``/``a0``/``e0`` of the usable controls (all
    weights > 0). Scores are centred on their cell's (weighted) control mean before the moments are
    accumulated in extended precision.
    """

    def __init__(self, p1, a1, e1, p0, a0, e0):
        self.n1, self.n0 = len(p1), len(p0)
        ncell = int(max(np.max(e0, initial=0), np.max(e1, initial=0))) + 1
        self.o1 = np.lexsort((p1, e1))
        self.o0 = np.lexsort((p0, e0))
        self.p1, self.e1, self.a1 = p1[self.o1], e1[self.o1], np.asarray(a1, dtype=float)[self.o1]
        self.p0, self.e0, self.a0 = p0[self.o0], e0[self.o0], np.asarray(a0, dtype=float)[self.o0]
        self.k0 = _cell_keys(self.e0, self.p0)
        w = np.bincount(self.e0, weights=self.a0, minlength=ncell)
        center = np.bincount(self.e0, weights=self.a0 * self.p0, minlength=ncell) / np.where(w > 0, w, 1)
        self.q0 = self.p0.astype(np.longdouble) - center[self.e0]
        self.q1 = self.p1.astype(np.longdouble) - center[self.e1]
        self.Q = _prefix(self.a0[:, None] * _powers(self.q0, 5))  # sums of a q^m, m = 0..4

    def weights(self, ok1, method, kernel, h, r) -> tuple[np.ndarray, np.ndarray]:
        """(on-support flags of the treated, aggregate weights of the controls), both in input order.

        ``ok1``: treated allowed on support (input order). A treated unit is on support if allowed
        and a control lies inside its window (lower < p0 < upper, same cell; :func:`_window`). The
        control weights are a0_j sum_i a1_i K_ij (u_i + g_i q0_j) / n_on with u_i, g_i the kernel
        (g = 0) or ridge terms of treated i (module docstring) and n_on the weighted number of
        on-support treated.
        """
        ok = np.asarray(ok1, bool)[self.o1]
        lower, upper = _window(self.p1, h)
        # controls in treated i's window: sorted positions [lo, hi)
        kl, ku = _cell_keys(self.e1, lower), _cell_keys(self.e1, upper)
        lo = np.searchsorted(self.k0, kl, side="right")
        hi = np.searchsorted(self.k0, ku, side="left")
        inside = ok & (hi > lo)
        h2 = np.longdouble(h) ** 2
        q1 = self.q1
        nmom = 5 if method == "ridge" else 3
        Qw = (self.Q[hi, :nmom] - self.Q[lo, :nmom]).T  # row m: weighted sum of q0^m over the window
        W = _kernel_sum(Qw[0:3], q1, h2, kernel)
        Wd = np.where(inside, W, 1)
        u = np.where(inside, 1 / Wd, 0)
        g = np.zeros(self.n1, dtype=np.longdouble)
        if method == "ridge":
            P = _kernel_sum(Qw[1:4], q1, h2, kernel) / Wd
            S = _kernel_sum(Qw[2:5], q1, h2, kernel) - P * P * Wd
            d = q1 - P
            flat = (S <= RIDGE_ZERO_VARIANCE * Wd * h2) | ~inside
            g = np.where(flat, 0, d / np.where(flat, 1, S + np.longdouble(r * h) * np.abs(d)))
            u = u - P * g
        on = np.zeros(self.n1, bool)
        on[self.o1] = inside
        raw = np.zeros(self.n0)
        n_on = float(self.a1[inside].sum())
        if n_on == 0:
            return on, raw
        # treated in control j's window (lower_i < p0_j < upper_i, same cell): sorted positions [start, stop)
        start = np.searchsorted(ku, self.k0, side="right")
        stop = np.maximum(np.searchsorted(kl, self.k0, side="left"), start)
        pw = self.a1[:, None] * _powers(q1, 3)
        UG = _prefix(np.hstack([pw * u[:, None], pw * g[:, None]]))
        UGw = (UG[stop] - UG[start]).T
        q0 = self.q0
        s = _kernel_sum(UGw[0:3], q0, h2, kernel) + q0 * _kernel_sum(UGw[3:6], q0, h2, kernel)
        raw[self.o0] = (self.a0 * s).astype(float) / n_on
        return on, raw


def _fast_control_weights(p1, p0, c1, c0, ok1, ok0, method, kernel, h, r) -> tuple[np.ndarray, np.ndarray]:
    """Aggregate control weights and on-support flags without the n1 x n0 matrix.

    Same estimator as :func:`_weight_matrix`, computed from prefix sums over the sorted scores
    (O(n log n), :class:`_SortedScores`): W_i, P_i, S_i are kernel-weighted moments of the control
    scores in treated i's window, and the aggregate weight of control j, sum_i K_ij (1/W_i - P_i g_i
    + p_j g_i) / n_on, is a kernel-weighted sum over the treated in j's window. Window membership
    uses the same floating-point comparisons as the dense path. Agrees with the dense matrix to
    ~1e-12 (tests/test_psm.py).
    """
    on = np.zeros(len(p1), bool)
    raw = np.zeros(len(p0))
    i0 = np.flatnonzero(ok0)
    if not np.any(ok1) or len(i0) == 0:
        return raw, on
    e1 = np.zeros(len(p1), np.int64) if c1 is None else np.asarray(c1, dtype=np.int64)
    e0 = np.zeros(len(i0), np.int64) if c0 is None else np.asarray(c0, dtype=np.int64)[i0]
    ss = _SortedScores(p1, np.ones(len(p1)), e1, p0[i0], np.ones(len(i0)), e0)
    on, w = ss.weights(ok1, method, kernel, h, r)
    raw[i0] = w
    return raw, on


def matching_weights(treated, score, *, method: str = "ridge", kernel: str = "epanechnikov",
                     bandwidth: float | None = None, ridge: float | None = None, cells=None,
                     support: str = "minmax", trim: tuple[float, float] | None = None) -> MatchingWeights:
    """Weights on the controls for ``method`` in ``("kernel", "ridge", "ipw")``.

    ``cells``: exact-matching codes (any labels, one per unit); with cells,
    controls only receive weight from treated units in the same cell, and for
    IPW the odds are normalised within each cell and scaled by the cell's share
    of on-support treated. Support rules: module docstring.
    """
    t = _as_treatment(treated)
    p = np.asarray(score, dtype=float).ravel()
    if len(p) != len(t):
        raise ValueError("score and treated have different lengths")
    if not np.all(np.isfinite(p)):
        raise ValueError("score has missing or infinite values")
    if support not in SUPPORT_RULES:
        raise ValueError(f"support must be one of {SUPPORT_RULES}")
    h, r = _check_method(method, kernel, bandwidth, ridge)
    codes = None if cells is None else _cell_codes(cells, len(t))
    ti, ci = np.flatnonzero(t == 1), np.flatnonzero(t == 0)
    return _weights_arrays(p[ti], p[ci], None if codes is None else codes[ti],
                           None if codes is None else codes[ci], ti, ci, method, kernel, h, r,
                           support, trim)


def _weights_arrays(p1, p0, c1, c0, ti, ci, method, kernel, h, r, support, trim,
                    keep_matrix: bool = True) -> MatchingWeights:
    ok1, ok0 = _support(p1, p0, c1, c0, support, trim)
    matrix = None
    if method == "ipw":
        on = ok1.copy()
        odds = np.where(ok0, p0 / np.clip(1.0 - p0, 1e-12, None), 0.0)
        cw = np.zeros(len(p0))
        if c1 is None:
            if odds.sum() > 0 and on.any():
                cw = odds / odds.sum()
            else:
                on[:] = False
        else:
            for cell in np.unique(c1[on]):
                m0 = c0 == cell
                tot = odds[m0].sum()
                if tot <= 0:
                    on[c1 == cell] = False
            n_on = on.sum()
            for cell in np.unique(c1[on]):
                m0 = c0 == cell
                cw[m0] = odds[m0] / odds[m0].sum() * (np.sum(on & (c1 == cell)) / n_on)
    elif keep_matrix:
        matrix, on = _weight_matrix(p1, p0, c1, c0, ok1, ok0, method, kernel, h, r)
        n_on = on.sum()
        cw = matrix.sum(axis=0) / n_on if n_on else np.zeros(len(p0))
    else:
        cw, on = _fast_control_weights(p1, p0, c1, c0, ok1, ok0, method, kernel, h, r)
    return MatchingWeights(method=method, kernel=None if method == "ipw" else kernel, bandwidth=h,
                           ridge=r, exact=c1 is not None, treated=ti, controls=ci, on_support=on,
                           control_weights=cw, matrix=matrix)


# ----------------------------------------------------------------------------------------------
# ATT for an outcome matrix
# ----------------------------------------------------------------------------------------------

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


def _outcome_matrix(outcomes, n: int) -> tuple[np.ndarray, tuple]:
    if isinstance(outcomes, pd.DataFrame):
        cols = tuple(outcomes.columns)
        Y = outcomes.apply(pd.to_numeric, errors="raise").to_numpy(dtype=float)
    elif isinstance(outcomes, pd.Series):
        cols = (outcomes.name,)
        Y = pd.to_numeric(outcomes).to_numpy(dtype=float)[:, None]
    else:
        Y = np.asarray(outcomes, dtype=float)
        if Y.ndim == 1:
            Y = Y[:, None]
        cols = tuple(range(Y.shape[1]))
    if Y.ndim != 2 or Y.shape[0] != n:
        raise ValueError(f"outcomes must have {n} rows")
    return Y, cols


def _att_arrays(Y1: np.ndarray, Y0: np.ndarray, w: MatchingWeights) -> tuple[np.ndarray, np.ndarray]:
    """(treated mean, control mean) per column from treated/control outcome rows."""
    if not w.n_on_support:
        nan = np.full(Y1.shape[1], np.nan)
        return nan, nan
    return Y1[w.on_support].mean(axis=0), w.control_weights @ Y0


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


# ----------------------------------------------------------------------------------------------
# Bandwidth by leave-one-out cross-validation
# ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class BandwidthSearch:
    """Criterion over a grid. ``bandwidth`` is the grid value with the smallest
    criterion (the first one if tied); ``at_boundary`` flags a minimiser at an
    end of the grid (widen the grid)."""

    grid: np.ndarray
    criterion: np.ndarray
    bandwidth: float
    at_boundary: bool

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame({"bandwidth": self.grid, "criterion": self.criterion})


def grid_search(criterion: Callable[[float], float], grid: Sequence[float] = DEFAULT_BANDWIDTH_GRID
                ) -> BandwidthSearch:
    """Evaluate ``criterion`` at every grid value and return the minimiser."""
    g = np.asarray(grid, dtype=float).ravel()
    if g.size == 0 or np.any(~np.isfinite(g)) or np.any(g <= 0):
        raise ValueError("grid must hold positive finite values")
    g = np.sort(g)
    return _grid_minimum(g, np.array([float(criterion(h)) for h in g]))


def _grid_minimum(g: np.ndarray, crit: np.ndarray) -> BandwidthSearch:
    if not np.isfinite(crit).any():
        raise ValueError("criterion is not finite anywhere on the grid")
    k = int(np.nanargmin(np.where(np.isfinite(crit), crit, np.nan)))
    return BandwidthSearch(grid=g, criterion=crit, bandwidth=float(g[k]),
                           at_boundary=bool(k in (0, len(g) - 1) and len(g) > 1))


def loo_cv_criterion(control_score, control_outcome, *, control_cells=None, method: str = "ridge",
                     kernel: str = "epanechnikov", ridge: float | None = None) -> Callable[[float], float]:
    """Leave-one-out prediction error of the matching estimator among the controls.

    Each control's outcome is predicted from the OTHER controls (same exact cell
    if ``control_cells`` is given) by the kernel or ridge estimator evaluated at
    its own score, as the counterfactual of a treated unit would be (Frölich
    2004, 2005). Returns h -> criterion, the mean squared error over the controls
    that have at least one other control in the window, multiplied by
    n0 / (number predicted) to penalise bandwidths that leave controls without
    a prediction (kmatch's penalty for lost observations). A matrix outcome
    averages the per-column criteria.

    Computed by prefix sums of score moments over the sorted scores (exact
    algebra, O(n log n) per bandwidth; sums accumulated in extended precision).
    """
    cv = _loo_cv(control_score, control_outcome, control_cells, method, kernel, ridge)
    return lambda h: float(cv.criteria(np.array([float(h)]))[0])


def _loo_cv(control_score, control_outcome, control_cells, method, kernel, ridge) -> "_LooCV":
    if method not in ("kernel", "ridge"):
        raise ValueError("cross-validation is for kernel or ridge matching")
    if kernel not in KERNELS:
        raise ValueError(f"kernel must be one of {KERNELS}")
    r = (DEFAULT_RIDGE[kernel] if ridge is None else float(ridge)) if method == "ridge" else 0.0
    p = np.asarray(control_score, dtype=float).ravel()
    Y = np.asarray(control_outcome, dtype=float)
    Y = Y[:, None] if Y.ndim == 1 else Y
    if len(Y) != len(p):
        raise ValueError("control_score and control_outcome have different lengths")
    keep = np.isfinite(p) & np.all(np.isfinite(Y), axis=1)
    codes = np.zeros(len(p), int) if control_cells is None else _cell_codes(control_cells, len(p))
    return _LooCV(p[keep], Y[keep], codes[keep], method, kernel, r)


class _LooCV:
    """The leave-one-out criterion of :func:`loo_cv_criterion` for many bandwidths at once.

    Controls are sorted by (cell, score) and their scores centred on the cell mean; prefix sums of
    q^m and y q^m (extended precision) over that order give every control's window sums by one
    searchsorted on complex (cell, score) keys (:func:`_cell_keys`), for all cells and a whole
    chunk of the grid in one pass.
    """

    def __init__(self, p, Y, codes, method, kernel, r):
        order = np.lexsort((p, codes))
        self.p, self.Y, self.e = p[order], Y[order], np.asarray(codes)[order]
        self.method, self.kernel, self.r = method, kernel, r
        ncell = int(self.e.max(initial=0)) + 1
        cnt = np.bincount(self.e, minlength=ncell)
        center = np.bincount(self.e, weights=self.p, minlength=ncell) / np.maximum(cnt, 1)
        self.q = self.p.astype(np.longdouble) - center[self.e]
        self.keys = _cell_keys(self.e, self.p)
        qm = _powers(self.q, 5)
        y = self.Y.astype(np.longdouble)
        self.Q = _prefix(qm)                                   # (n+1) x 5
        self.YQ = _prefix(y[:, None, :] * qm[:, :4, None])     # (n+1) x 4 x k

    def criteria(self, hs: np.ndarray) -> np.ndarray:
        n, k = self.Y.shape
        out = np.full(len(hs), np.inf)
        if n < 2:
            return out
        step = max(1, int(2_000_000 // max(1, n * k)))
        for i in range(0, len(hs), step):
            out[i:i + step] = self._criteria(np.asarray(hs[i:i + step], dtype=float))
        return out

    def _criteria(self, hs: np.ndarray) -> np.ndarray:
        kernel, c = self.kernel, KERNEL_HEIGHT[self.kernel]
        lower, upper = _window(self.p[None, :], hs[:, None])           # G x n
        lo = np.searchsorted(self.keys, _cell_keys(np.broadcast_to(self.e, lower.shape).ravel(), lower.ravel()),
                             side="right").reshape(lower.shape)
        hi = np.searchsorted(self.keys, _cell_keys(np.broadcast_to(self.e, upper.shape).ravel(), upper.ravel()),
                             side="left").reshape(upper.shape)
        ok = hi - lo > 1  # another control besides j itself
        h2 = hs[:, None].astype(np.longdouble) ** 2                     # G x 1
        Qw = np.moveaxis(self.Q[hi] - self.Q[lo], -1, 0)                # 5 x G x n
        Yw = np.moveaxis(self.YQ[hi] - self.YQ[lo], 2, 0)               # 4 x G x n x k
        q, y = self.q, self.Y.astype(np.longdouble)
        qq, h2k = q[:, None], h2[:, :, None]
        # window sums include j itself (K(0) = c): subtract its term
        W = _kernel_sum(Qw[0:3], q, h2, kernel) - c
        Wd = np.where(ok, W, 1)
        KY = _kernel_sum(Yw[0:3], qq, h2k, kernel) - c * y
        pred = KY / Wd[:, :, None]
        if self.method == "ridge":
            KQ = _kernel_sum(Qw[1:4], q, h2, kernel) - c * q
            KQ2 = _kernel_sum(Qw[2:5], q, h2, kernel) - c * q * q
            KQY = _kernel_sum(Yw[1:4], qq, h2k, kernel) - c * qq * y
            P = KQ / Wd
            S = KQ2 - KQ * P
            d = q - P
            flat = S <= RIDGE_ZERO_VARIANCE * Wd * h2
            g = np.where(flat, 0, d / np.where(flat, 1, S + (self.r * hs[:, None]).astype(np.longdouble) * np.abs(d)))
            pred = pred + g[:, :, None] * (KQY - P[:, :, None] * KY)
        err = np.where(ok[:, :, None], self.Y - pred.astype(float), 0.0)
        n_pred = ok.sum(axis=1)
        sse = np.einsum("gnk,gnk->gk", err, err)
        with np.errstate(divide="ignore", invalid="ignore"):
            crit = np.mean(sse / n_pred[:, None], axis=1) * (len(self.p) / n_pred)
        return np.where(n_pred > 0, crit, np.inf)


def cv_bandwidth(treated, score, outcome, *, cells=None, method: str = "ridge", kernel: str = "epanechnikov",
                 ridge: float | None = None, grid: Sequence[float] = DEFAULT_BANDWIDTH_GRID,
                 trim: tuple[float, float] | None = None) -> BandwidthSearch:
    """Bandwidth minimising the leave-one-out criterion (:func:`loo_cv_criterion`) on the controls."""
    t = _as_treatment(treated)
    p = np.asarray(score, dtype=float).ravel()
    Y = np.asarray(outcome, dtype=float)
    c = t == 0
    if trim is not None:
        c &= (p >= trim[0]) & (p <= trim[1])
    codes = None if cells is None else _cell_codes(cells, len(t))[c]
    g = np.asarray(grid, dtype=float).ravel()
    if g.size == 0 or np.any(~np.isfinite(g)) or np.any(g <= 0):
        raise ValueError("grid must hold positive finite values")
    g = np.sort(g)
    cv = _loo_cv(p[c], Y[c], codes, method, kernel, ridge)
    return _grid_minimum(g, cv.criteria(g))


# ----------------------------------------------------------------------------------------------
# Specifications, bootstrap, tidy results
# ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class MatchingSpec:
    """One estimator of the report, e.g. (1) ``MatchingSpec("ridge")``, (2)
    ``MatchingSpec("ridge", exact=True)``, (5) ``MatchingSpec("ipw")``;
    ``link="probit"`` for Tabel 5.3, ``kernel="uniform"`` for Tabel 5.4.

    ``bandwidth``: a number, or ``"cv"`` to choose it by
    :func:`cv_bandwidth` on the ``cv_outcome`` given to :func:`estimate_att`
    (over ``grid``). Ignored for IPW.
    """

    method: str = "ridge"
    kernel: str = "epanechnikov"
    bandwidth: float | str = "cv"
    ridge: float | None = None
    exact: bool = False
    link: str = "logit"
    support: str = "minmax"
    trim: tuple[float, float] | None = None
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
        if self.method != "ipw" and not (self.bandwidth == "cv" or (
                isinstance(self.bandwidth, (int, float)) and self.bandwidth > 0)):
            raise ValueError("bandwidth must be a positive number or 'cv'")


#: Columns of :attr:`PSMResult.frame`.
RESULT_COLUMNS: tuple[str, ...] = (
    "spec", "column", "att", "se", "z", "p_value", "ci_low", "ci_high", "treated_mean", "control_mean",
    "n_obs", "n_treated", "n_treated_on_support", "n_controls", "n_boot", "method", "kernel", "link",
    "exact", "bandwidth")


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

    Bootstrap: module docstring. ``n_boot=0`` gives point estimates only (SE NaN).
    ``mapper``: the map over the bootstrap blocks (:func:`bootstrap_replicates`; default the
    builtin ``map``), e.g. ``evalreport.author.cluster_map()`` to spread one large estimation
    over a Dask cluster's workers. Same numbers.
    """
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

    # bandwidths
    bandwidths, cvs = {}, {}
    for name, s in specs.items():
        if s.method == "ipw":
            bandwidths[name] = None
        elif s.bandwidth == "cv":
            if cv_outcome is None:
                raise ValueError(f"spec {name!r} has bandwidth='cv' but no cv_outcome was given")
            cvs[name] = cv_bandwidth(t, scores[s.link].score, np.asarray(cv_outcome, dtype=float),
                                     cells=codes if s.exact else None, method=s.method, kernel=s.kernel,
                                     ridge=s.ridge, grid=s.grid, trim=s.trim)
            bandwidths[name] = cvs[name].bandwidth
        else:
            bandwidths[name] = float(s.bandwidth)

    ti, ci = np.flatnonzero(t == 1), np.flatnonzero(t == 0)
    weights = {name: _spec_weights(s, scores[s.link].score, codes, ti, ci, bandwidths[name], True)
               for name, s in specs.items()}
    est = {name: _att_arrays(Y[ti], Y[ci], w) for name, w in weights.items()}

    # bootstrap: the resamples are drawn first (the random stream of the earlier per-replication
    # loop), then replicated in fixed blocks by _replicate_block; see Bootstrap.
    k = Y.shape[1]
    names = list(specs)
    boot = Bootstrap(t=t, Y=Y, codes=codes, specs=specs, bandwidths=bandwidths,
                     scores={lk: (sc.design, sc.params, sc.rows) for lk, sc in scores.items()})
    draws = draw_resamples(np.random.default_rng(seed), t, n_boot, stratify=stratify)
    R = bootstrap_replicates(boot, draws, mapper=mapper or map)
    reps = {name: R[:, j, :] for j, name in enumerate(names)}

    z_crit = stats.norm.ppf(1 - alpha / 2)
    rows = []
    for name, s in specs.items():
        m1, m0 = est[name]
        a = m1 - m0
        R = reps[name]
        nb = np.sum(np.isfinite(R), axis=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            se = np.where(nb >= 2, np.nanstd(R, axis=0, ddof=1), np.nan) if n_boot else np.full(k, np.nan)
        with np.errstate(divide="ignore", invalid="ignore"):
            z = a / se
        w = weights[name]
        for j, col in enumerate(cols):
            rows.append((name, col, a[j], se[j], z[j], 2 * stats.norm.sf(abs(z[j])), a[j] - z_crit * se[j],
                         a[j] + z_crit * se[j], m1[j], m0[j], n, w.n_treated, w.n_on_support, w.n_controls,
                         int(nb[j]) if n_boot else 0, s.method, None if s.method == "ipw" else s.kernel,
                         s.link, s.exact, bandwidths[name]))
    frame = pd.DataFrame(rows, columns=list(RESULT_COLUMNS))
    return PSMResult(frame=frame, index=np.arange(n), scores=scores, weights=weights, bandwidths=bandwidths,
                     cv=cvs, replicates=reps if keep_replicates else None,
                     seed=seed if isinstance(seed, (int, np.integer)) else None)


#: Replications per block of the bootstrap (:func:`bootstrap_replicates`). Fixed, so that the
#: replicates do not depend on how (or where) the blocks are run.
BOOT_BLOCK = 25


@dataclass(frozen=True, eq=False)
class Bootstrap:
    """What stays the same in every bootstrap replication of :func:`estimate_att`.

    ``t``: 0/1 treatment (length n); ``Y``: n x k outcomes; ``codes``: exact-matching cell codes or
    None; ``specs``: name -> :class:`MatchingSpec` (the order of the replicate axis);
    ``bandwidths``: name -> full-sample bandwidth (fixed across replications); ``scores``: link ->
    (design matrix, full-sample coefficients, rows): the start of every refit, on the units
    ``rows`` of the full-sample fit; the other units were set aside as perfectly predicted
    (:func:`fit_propensity`) and keep their status as score in every replication.
    """

    t: np.ndarray
    Y: np.ndarray
    codes: np.ndarray | None
    specs: dict
    bandwidths: dict
    scores: dict

    @property
    def n(self) -> int:
        return len(self.t)

    def outer(self, link: str) -> np.ndarray:
        """:func:`_outer_products` of the link's design, computed once (not pickled with the object)."""
        cache = self.__dict__.setdefault("_outer", {})
        if link not in cache:
            cache[link] = _outer_products(self.scores[link][0])
        return cache[link]

    def __getstate__(self):
        return {k: v for k, v in self.__dict__.items() if k != "_outer"}

    def __setstate__(self, state):
        self.__dict__.update(state)


def draw_resamples(rng: np.random.Generator, t: np.ndarray, n_boot: int, *, stratify: bool = True) -> np.ndarray:
    """The n_boot x n positions of every bootstrap resample, drawn up front.

    Stratified: per replication n1 treated positions, then n0 control positions, with replacement
    (``rng.integers``), so the treated/control split is fixed; otherwise n positions from all units.
    The draws are made in the order of the earlier replication-by-replication loop, so a seed gives
    the same resamples as before the bootstrap was vectorised.
    """
    t = np.asarray(t)
    n = len(t)
    ti, ci = np.flatnonzero(t == 1), np.flatnonzero(t == 0)
    out = np.empty((n_boot, n), dtype=np.int64)
    for b in range(n_boot):
        if stratify:
            out[b, :len(ti)] = ti[rng.integers(0, len(ti), len(ti))]
            out[b, len(ti):] = ci[rng.integers(0, len(ci), len(ci))]
        else:
            out[b] = rng.integers(0, n, n)
    return out


def bootstrap_replicates(boot: Bootstrap, draws: np.ndarray, *, mapper: Callable = map) -> np.ndarray:
    """Replicate ATTs, n_boot x specs x k (NaN where a replication has no on-support treated unit or,
    unstratified, no treated or no control unit).

    The replications are cut into blocks of :data:`BOOT_BLOCK` and each block is computed by
    :func:`_replicate_block`, a pure function of ``(boot, block of draws)``: ``mapper`` (the builtin
    ``map`` by default) may be replaced by any map over the blocks, e.g. one that runs them on a
    cluster, without changing the numbers.
    """
    n_boot = len(draws)
    shape = (n_boot, len(boot.specs), boot.Y.shape[1])
    if n_boot == 0:
        return np.empty(shape)
    blocks = [draws[i:i + BOOT_BLOCK] for i in range(0, n_boot, BOOT_BLOCK)]
    out = list(mapper(functools.partial(_replicate_block, boot), blocks))
    return np.concatenate(out, axis=0).reshape(shape)


def _replicate_block(boot: Bootstrap, draws: np.ndarray) -> np.ndarray:
    """Replicate ATTs (m x specs x k) for the m resamples in ``draws`` (m x n positions).

    A resample is handled as counts on the original units (a unit drawn c times has frequency
    weight c), which gives the resample's numbers without copying it. Per link, the scores of all m
    resamples are re-estimated together (:func:`_refit_block`). Per replication, the specs that share
    a link, cells and trimming share one :class:`_SortedScores` (sorting and control-score moments),
    and each adds its bandwidth's weights; IPW and trimmed specs use :func:`_spec_weights` on the
    resample itself. All specs and outcome columns of the block are then one matrix product V' Y
    (V: n x (m x specs), treated minus control weights on the original units).
    """
    t, n, names = boot.t, boot.n, list(boot.specs)
    m, ns = len(draws), len(names)
    counts = np.stack([np.bincount(d, minlength=n) for d in draws]).astype(float)
    p_all = {}
    for lk, (X, start, rows) in boot.scores.items():
        beta = _refit_block(X, t[rows], lk, start, counts[:, rows], outer=boot.outer(lk))
        p_all[lk] = np.repeat(t[None, :], m, axis=0)  # units set aside as separated keep their status
        p_all[lk][:, rows] = _cdf(beta @ X.T, lk)
    groups: dict = {}
    for j, name in enumerate(names):
        s = boot.specs[name]
        key = ("resample", j) if (s.method == "ipw" or s.trim is not None) else (s.link, s.exact)
        groups.setdefault(key, []).append(j)
    zeros = np.zeros(n, np.int64)
    V = np.zeros((n, m * ns))
    ok = np.zeros(m * ns, bool)
    for b in range(m):
        c = counts[b]
        u1, u0 = np.flatnonzero((c > 0) & (t == 1)), np.flatnonzero((c > 0) & (t == 0))
        if len(u1) == 0 or len(u0) == 0:
            continue
        for key, js in groups.items():
            if key[0] == "resample":
                j = js[0]
                s, idx = boot.specs[names[j]], draws[b]
                tb = t[idx]
                tib, cib = np.flatnonzero(tb == 1), np.flatnonzero(tb == 0)
                cb = None if boot.codes is None else boot.codes[idx]
                wb = _spec_weights(s, p_all[s.link][b][idx], cb, tib, cib, boot.bandwidths[names[j]], False)
                if wb.n_on_support:
                    ok[b * ns + j] = True
                    V[:, b * ns + j] = (np.bincount(idx[tib[wb.on_support]], minlength=n) / wb.n_on_support
                                        - np.bincount(idx[cib], weights=wb.control_weights, minlength=n))
                continue
            link, exact = key
            pb = p_all[link][b]
            e = boot.codes if exact else zeros
            p1, p0, e1, e0 = pb[u1], pb[u0], e[u1], e[u0]
            ok1, _ = _support(p1, p0, e1, e0, "minmax", None)
            ss = _SortedScores(p1, c[u1], e1, p0, c[u0], e0)
            for j in js:
                s = boot.specs[names[j]]
                h, r = _check_method(s.method, s.kernel, boot.bandwidths[names[j]], s.ridge)
                on, cw = ss.weights(ok1 if s.support == "minmax" else np.ones(len(u1), bool), s.method,
                                    s.kernel, h, r)
                n_on = c[u1][on].sum()
                if n_on == 0:
                    continue
                ok[b * ns + j] = True
                V[u1[on], b * ns + j] = c[u1][on] / n_on
                V[u0, b * ns + j] -= cw
    est = V.T @ boot.Y
    est[~ok] = np.nan
    return est.reshape(m, ns, -1)


def _spec_weights(s: MatchingSpec, p, codes, ti, ci, h, keep_matrix) -> MatchingWeights:
    """Weights of one spec on positions ``ti`` (treated) and ``ci`` (controls) of score ``p``."""
    h, r = _check_method(s.method, s.kernel, h, s.ridge)
    cc = codes if s.exact else None
    return _weights_arrays(p[ti], p[ci], None if cc is None else cc[ti], None if cc is None else cc[ci],
                           ti, ci, s.method, s.kernel, h, r, s.support, s.trim, keep_matrix=keep_matrix)


def _subset(x, rows: np.ndarray):
    if x is None:
        return None
    if isinstance(x, (pd.DataFrame, pd.Series)):
        return x.iloc[rows].reset_index(drop=True)
    return np.asarray(x)[rows]


def _child_seeds(seed, k: int) -> list:
    if seed is None:
        return [None] * k
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    return ss.spawn(k)


def effects_over_time(treated, covariates: pd.DataFrame, outcomes, specs, *, periods: Sequence | None = None,
                      period_name: str = "week", cells=None, cv_outcome=None, n_boot: int = 200,
                      seed: int | None = 20200101, stratify: bool = True, alpha: float = 0.05) -> pd.DataFrame:
    """ATT profile over periods (weeks 0-52, or cumulative months 0-12 from :func:`cumulative_means`).

    Column j of ``outcomes`` is period ``periods[j]`` (default: the column
    labels, or 0..k-1). Columns with missing values (follow-up censored) are
    grouped by their missingness pattern and each group is estimated on its own
    sample – score, bandwidth, matching and bootstrap re-done – as the falling N
    of Tabel 4.2. Each sample gets its own child seed of ``seed``.

    Tidy: spec, <period_name>, att, se, ci_low, ci_high, p_value, control_level,
    treated_level, n_obs, n_treated_on_support, bandwidth.
    """
    t = _as_treatment(treated)
    Y, cols = _outcome_matrix(outcomes, len(t))
    per = list(cols) if periods is None else list(periods)
    if len(per) != Y.shape[1]:
        raise ValueError("periods must have one value per outcome column")
    obs = ~np.isnan(Y)
    patterns: dict[bytes, list[int]] = {}
    for j in range(Y.shape[1]):
        patterns.setdefault(obs[:, j].tobytes(), []).append(j)
    frames = []
    for (key, js), child in zip(patterns.items(), _child_seeds(seed, len(patterns))):
        rows = np.flatnonzero(obs[:, js[0]])
        cvo = None if cv_outcome is None else np.asarray(cv_outcome, dtype=float)[rows]
        res = estimate_att(t[rows], _subset(covariates, rows), Y[np.ix_(rows, js)], specs,
                           cells=_subset(cells, rows), cv_outcome=cvo, n_boot=n_boot, seed=child,
                           stratify=stratify, alpha=alpha)
        f = res.frame
        pos = np.array([js[int(c)] for c in f["column"]])
        f = f.assign(**{period_name: [per[j] for j in pos]}, _pos=pos)
        frames.append(f)
    out = pd.concat(frames, ignore_index=True)
    order = {name: i for i, name in enumerate(_normalise_specs(specs))}
    out = out.assign(_spec=out["spec"].map(order)).sort_values(["_spec", "_pos"], kind="stable")
    out = out.reset_index(drop=True).rename(columns={"control_mean": "control_level",
                                                     "treated_mean": "treated_level"})
    return out[["spec", period_name, "att", "se", "ci_low", "ci_high", "p_value", "control_level",
                "treated_level", "n_obs", "n_treated_on_support", "bandwidth"]]


def cumulative_means(monthly) -> np.ndarray | pd.DataFrame:
    """Running mean over columns: column k = mean of columns 0..k (months 0-k after start).

    Missing values propagate (a person not followed to month k has no 0-k
    mean), so :func:`effects_over_time` estimates the later windows on the
    persons observed throughout. A DataFrame keeps index and column labels.
    """
    if isinstance(monthly, pd.DataFrame):
        return pd.DataFrame(cumulative_means(monthly.to_numpy(dtype=float)), index=monthly.index,
                            columns=monthly.columns)
    M = np.asarray(monthly, dtype=float)
    if M.ndim != 2:
        raise ValueError("monthly must be a 2-D matrix (persons x months)")
    return np.cumsum(M, axis=1) / np.arange(1, M.shape[1] + 1)


def estimate_by_group(treated, covariates: pd.DataFrame, outcomes, specs, groups, *, cells=None,
                      cv_outcome=None, n_boot: int = 200, seed: int | None = 20200101, stratify: bool = True,
                      keep_replicates: bool = False, alpha: float = 0.05) -> dict:
    """:func:`estimate_att` separately within each level of ``groups`` (gender, start cohort).

    Score, bandwidth, matching and bootstrap are all re-estimated within the
    subgroup (the report's choice); covariates constant in a subgroup are
    dropped from its score model. Levels are taken in sorted order and level i
    gets child seed i of ``seed``. Returns level -> :class:`PSMResult` whose
    ``index`` points into the caller's rows; see :func:`frame_by_group`.
    """
    t = _as_treatment(treated)
    g = pd.Series(np.asarray(groups).ravel() if not isinstance(groups, pd.Series) else groups.to_numpy())
    if len(g) != len(t):
        raise ValueError("groups must have one value per unit")
    if g.isna().any():
        raise ValueError("groups has missing values (drop those rows or code them as a level)")
    levels = sorted(g.unique().tolist(), key=lambda v: (str(type(v)), v))
    out = {}
    for level, child in zip(levels, _child_seeds(seed, len(levels))):
        rows = np.flatnonzero((g == level).to_numpy())
        Y = _subset(outcomes, rows)
        cvo = None if cv_outcome is None else np.asarray(cv_outcome, dtype=float)[rows]
        res = estimate_att(t[rows], _subset(covariates, rows), Y, specs, cells=_subset(cells, rows),
                           cv_outcome=cvo, n_boot=n_boot, seed=child, stratify=stratify,
                           keep_replicates=keep_replicates, alpha=alpha)
        out[level] = PSMResult(frame=res.frame, index=rows, scores=res.scores, weights=res.weights,
                               bandwidths=res.bandwidths, cv=res.cv, replicates=res.replicates, seed=None)
    return out


def frame_by_group(results: Mapping, name: str = "group") -> pd.DataFrame:
    """Stack the frames of :func:`estimate_by_group` with a ``name`` column first."""
    frames = [r.frame.assign(**{name: level}) for level, r in results.items()]
    out = pd.concat(frames, ignore_index=True)
    return out[[name] + [c for c in out.columns if c != name]]


def unit_weights_by_group(results: Mapping, spec, n: int) -> np.ndarray:
    """Length-n matched weights of ``spec`` combining the subgroup results (each
    subgroup's arms sum to one); for :func:`analysis.balance.standardised_differences`
    with ``groups``."""
    w = np.zeros(n)
    for r in results.values():
        w[r.index] = r.weights[spec].unit_weights(len(r.index))
    return w


# ----------------------------------------------------------------------------------------------
# Several samples in parallel
# ----------------------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class SampleTask:
    """One estimation sample for :func:`estimate_samples`.

    ``rows``: positions into ``treated`` / ``covariates`` / ``outcomes`` /
    ``cells`` / ``cv_outcome`` (all of the caller's length n) of the units in
    the sample; the estimation sees only those rows. ``specs``, ``cells``,
    ``cv_outcome`` as in :func:`estimate_att`. ``seed``: the task's own seed
    (an int or a :class:`numpy.random.SeedSequence`, e.g. one child of
    ``SeedSequence(...).spawn(k)`` per task), which makes its result
    independent of the other tasks, of the order and of the number of workers.

    ``over_time=True`` runs :func:`effects_over_time` instead of
    :func:`estimate_att` (``outcomes`` may then have missing values; ``periods``
    and ``period_name`` are passed on) and the result is its tidy frame.

    ``cost``: relative running time, only used to start the heaviest tasks
    first (default: :meth:`estimated_cost`); it does not affect the results.
    """

    key: Hashable
    rows: np.ndarray
    treated: object
    covariates: pd.DataFrame
    outcomes: object
    specs: object
    cells: object = None
    cv_outcome: object = None
    seed: int | np.random.SeedSequence = 0
    over_time: bool = False
    periods: Sequence | None = None
    period_name: str = "week"
    cost: float | None = None

    def __post_init__(self):
        rows = np.asarray(self.rows)
        if rows.ndim != 1 or not (rows.size == 0 or np.issubdtype(rows.dtype, np.integer)):
            raise TypeError(f"task {self.key!r}: rows must be a 1-D array of integer positions "
                            "(use np.flatnonzero(mask) for a boolean mask)")
        n = len(self.treated)
        if rows.size and (rows.min() < 0 or rows.max() >= n):
            raise ValueError(f"task {self.key!r}: rows must be positions in 0..{n - 1}")
        object.__setattr__(self, "rows", rows)
        _normalise_specs(self.specs)

    def estimated_cost(self) -> float:
        """Rough relative running time, for the order only.

        Per estimation: sample size x (score links x (covariates + 1) + 3 x specs + specs x outcome
        columns / 150) – the bootstrap's score refits dominate, then the weights per spec, then the
        outcome columns (coefficients from timings of the BOT report's samples). ``over_time`` tasks count
        one estimation per missingness pattern of the outcome columns among ``rows``.
        """
        specs = _normalise_specs(self.specs)
        n_links = len({s.link for s in specs.values()})
        n_terms = (self.covariates.shape[1] if isinstance(self.covariates, pd.DataFrame) else 0) + 1
        Y, _ = _outcome_matrix(_subset(self.outcomes, self.rows), len(self.rows))
        per_sample = len(self.rows) * (n_links * n_terms + 3 * len(specs) + len(specs) * Y.shape[1] / 150)
        if not self.over_time:
            return float(per_sample)
        patterns = {(~np.isnan(Y[:, j])).tobytes() for j in range(Y.shape[1])}
        return float(per_sample * max(1, len(patterns)))


def _copy_seed(seed):
    """A fresh copy of a SeedSequence (``effects_over_time`` spawns children from it, which
    changes the object), so a task gives the same result every time it is run, in any process."""
    if isinstance(seed, np.random.SeedSequence):
        return np.random.SeedSequence(seed.entropy, spawn_key=seed.spawn_key, pool_size=seed.pool_size,
                                      n_children_spawned=seed.n_children_spawned)
    return seed


def _strip_result(res: PSMResult, rows: np.ndarray) -> PSMResult:
    """``res`` with ``index`` = ``rows`` and without the large arrays (see :func:`estimate_samples`)."""
    weights = {k: dataclasses.replace(w, matrix=None) for k, w in res.weights.items()}
    scores = {k: dataclasses.replace(s, model=None, design=np.empty((0, 0))) for k, s in res.scores.items()}
    return PSMResult(frame=res.frame, index=rows, scores=scores, weights=weights, bandwidths=res.bandwidths,
                     cv=res.cv, replicates=None, seed=res.seed)


def _run_task(task: SampleTask, n_boot: int):
    r = task.rows
    cvo = None if task.cv_outcome is None else np.asarray(task.cv_outcome, dtype=float)[r]
    common = dict(cells=_subset(task.cells, r), cv_outcome=cvo, n_boot=n_boot, seed=_copy_seed(task.seed))
    t, X, Y = np.asarray(task.treated, dtype=float)[r], _subset(task.covariates, r), _subset(task.outcomes, r)
    if task.over_time:
        return effects_over_time(t, X, Y, task.specs, periods=task.periods, period_name=task.period_name,
                                 **common)
    return _strip_result(estimate_att(t, X, Y, task.specs, **common), r)


_WORKER_TASKS: tuple = ()
_WORKER_N_BOOT: int = 0


def _worker_init(tasks, n_boot):
    # runs in the forked worker: the arguments are inherited through fork, not pickled
    global _WORKER_TASKS, _WORKER_N_BOOT
    _WORKER_TASKS, _WORKER_N_BOOT = tasks, n_boot


def _worker_run(i: int):
    return _run_task(_WORKER_TASKS[i], _WORKER_N_BOOT)


def _fork_context():
    if sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return None


def default_workers() -> int:
    """min(2, number of CPUs): the default of :func:`estimate_samples`."""
    return max(1, min(2, os.cpu_count() or 1))


def estimate_samples(tasks: Sequence[SampleTask], *, n_boot: int, workers: int | None = None,
                     mapper: Callable | None = None) -> dict:
    """Run several independent estimations (samples, subgroups) in parallel.

    Every :class:`SampleTask` is one complete estimation – score, bandwidth,
    matching and bootstrap – by :func:`estimate_att`, or by
    :func:`effects_over_time` when ``over_time`` is set, on its ``rows`` with
    its own ``seed`` and ``n_boot`` replications.

    Execution: tasks are started heaviest first (:attr:`SampleTask.cost`,
    default :meth:`SampleTask.estimated_cost`) in a pool of ``workers``
    processes (default :func:`default_workers`, min(2, CPUs)) started by fork,
    which inherit the tasks; only the results travel back. With
    ``workers=1``, a single task, or no fork start method (non-Linux) the tasks
    run one after the other in the calling process. The results do not depend
    on ``workers`` or on the order of the tasks. Errors in a task are raised here.
    Warnings filters are inherited from the caller.

    ``mapper``: instead of the pool, a ``map(function, tasks)`` that returns the
    results in order, e.g. one over the workers of a Dask cluster
    (``evalreport.author.cluster_map()`` in a report); ``workers`` is then not used.
    The function is a ``functools.partial`` of a module-level function, so it and
    the tasks can be pickled to other machines. Same results.

    Returns key -> result, in the order of ``tasks`` (keys must be unique):

    * a :class:`PSMResult` for an ordinary task, with ``index`` = the task's
      ``rows`` (so :meth:`PSMResult.unit_weights` and
      :func:`unit_weights_by_group` work on the caller's rows). Stripped of the
      large arrays: ``weights[spec].matrix`` is None (the n1 x n0 matrix),
      ``scores[link].model`` is None and ``scores[link].design`` an empty
      (0, 0) array, ``replicates`` is None. Kept: ``frame``, ``bandwidths``,
      ``cv``, ``seed`` and, per link, the score of every unit, the coefficient
      table, ``params`` and fit statistics; per spec the treated/control
      positions, ``on_support`` and ``control_weights`` (everything balance and
      support tables need);
    * the tidy frame of :func:`effects_over_time` for an ``over_time`` task.
    """
    tasks = list(tasks)
    for task in tasks:
        if not isinstance(task, SampleTask):
            raise TypeError("tasks must be SampleTask objects")
    keys = [task.key for task in tasks]
    if len(set(keys)) != len(keys):
        raise ValueError("task keys must be unique")
    if n_boot < 0:
        raise ValueError("n_boot must be >= 0")
    workers = default_workers() if workers is None else int(workers)
    if workers < 1:
        raise ValueError("workers must be >= 1")
    costs = [t.estimated_cost() if t.cost is None else float(t.cost) for t in tasks]
    order = sorted(range(len(tasks)), key=lambda i: -costs[i])  # stable: ties keep the caller's order
    ctx = _fork_context()
    results = {}
    if mapper is not None:
        done = mapper(functools.partial(_run_task, n_boot=n_boot), [tasks[i] for i in order])
        results = dict(zip(order, done))
    elif workers == 1 or len(tasks) <= 1 or ctx is None:
        for i in order:
            results[i] = _run_task(tasks[i], n_boot)
    else:
        with ProcessPoolExecutor(max_workers=min(workers, len(tasks)), mp_context=ctx,
                                 initializer=_worker_init, initargs=(tuple(tasks), n_boot)) as pool:
            futures = {i: pool.submit(_worker_run, i) for i in order}
            try:
                results = {i: f.result() for i, f in futures.items()}
            except BaseException:
                pool.shutdown(wait=True, cancel_futures=True)  # do not start the remaining tasks
                raise
    return {tasks[i].key: results[i] for i in range(len(tasks))}
