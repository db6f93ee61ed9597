"""The propensity-score model: logit or probit by statsmodels, with quasi-separation handled
(:func:`fit_propensity`, :func:`separated_units`). The bootstrap's refits on resamples are in
``refit.py``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import special, stats
from statsmodels.discrete.discrete_model import Logit, Probit  # not statsmodels.api: ~0.4 s less import

from .common import LINKS, _as_treatment


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
    model_cls = Logit if link == "logit" else Probit
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
