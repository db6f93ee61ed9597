"""Regression bias adjustment of the matching and weighting estimators (``MatchingSpec(bias_adjust=True)``).

Kernel and ridge matching compare each treated unit with controls whose scores lie within the
bandwidth, and IPW reweights with an estimated score; neither balances the covariates exactly. Where
the outcome depends strongly on a covariate that is left unbalanced – e.g. an activation state the
week before start, which nearly fixes the same state in the first weeks after – the remaining
difference is a bias of the ATT, larger the wider the bandwidth (smoothing bias; Abadie & Imbens
2011 for matching with a finite number of matches). The bias-corrected estimator subtracts the part
of the treated-minus-matched-control difference that a linear regression of the outcome on the
covariates among the matched controls predicts::

    ATT_bc = ATT - (xbar_1 - sum_j w_j x_j)' beta,   beta = OLS of Y on (1, x) over the matched controls

(Abadie & Imbens 2011, "Bias-corrected matching estimators for average treatment effects", JBES
29(1); R's ``Matching::Match(BiasAdjust=TRUE)`` and Stata's ``teffects nnmatch ..., biasadj()``
do it for nearest-neighbour matching). "Matched controls" are the controls with a non-zero
weight; ``xbar_1`` is the mean over the on-support treated. Abadie and Imbens weight the regression
by how often a control is used; it is unweighted here, because ridge weights can be negative (the
exact balance below holds either way). Because ``beta`` is linear in Y, so is the estimator: it is
the matching estimator with the control weights shifted by

    delta_j = x_j' (X_m' X_m)^+ d   (matched controls j),   d = xbar_1 - sum_j w_j x_j,

after which the weighted control mean of every covariate equals the treated mean exactly (and the
weights still sum to one, the intercept being a covariate). One shift therefore serves every outcome
column, as the weights do (:func:`bias_adjusted_weights`), and in the bootstrap it is recomputed on
every resample (OLS with the resample's frequency weights). The estimator is consistent if either
the weights balance the covariates' distribution (the matching is right) or the outcome's mean under
no treatment is linear in the covariates among the matched controls.

Why by hand: statsmodels fits the regression, but the shift of the weights – needed to apply one
adjustment to hundreds of outcome columns and inside the vectorised bootstrap – is a few lines of
linear algebra that no library exposes; ``tests/test_psm_adjust.py`` checks it against a statsmodels
OLS fit per outcome.
"""
from __future__ import annotations

import numpy as np
import pandas as pd


def regression_design(covariates, n: int | None = None) -> np.ndarray:
    """The n x (1 + k) design of the adjustment regression: an intercept and the numeric
    ``covariates`` (a frame or an n x k array), columns constant over all units left out."""
    X = covariates.to_numpy(dtype=float) if isinstance(covariates, pd.DataFrame) else np.asarray(covariates, float)
    if X.ndim == 1:
        X = X[:, None]
    if n is not None and X.shape[0] != n:
        raise ValueError(f"covariates have {X.shape[0]} rows, expected {n}")
    if not np.all(np.isfinite(X)):
        raise ValueError("covariates have missing or infinite values")
    keep = X.max(axis=0) > X.min(axis=0)
    return np.column_stack([np.ones(len(X)), X[:, keep]])


def bias_adjusted_weights(signed: np.ndarray, design: np.ndarray, treated, counts=None) -> np.ndarray:
    """Bias-adjusted signed unit weights (module docstring).

    ``signed``: length n, the estimator as weights on the units – the on-support treated units'
    weights (1/n_on each, or count/n_on on a resample) and MINUS the control weights (summing to
    one), 0 elsewhere – so that ATT = signed @ Y. ``design``: n x p (:func:`regression_design`).
    ``counts``: frequency weights of a bootstrap resample (default 1), used in the OLS fit.
    Returns the signed weights with the matched controls' part shifted; ATT_bc = result @ Y, and
    ``design.T @ result`` is 0 up to rounding (exact balance of every covariate mean) when the matched
    controls' design has full column rank (else the pseudo-inverse balances what it can).
    """
    v = np.asarray(signed, dtype=float)
    t = np.asarray(treated)
    c = np.ones(len(v)) if counts is None else np.asarray(counts, dtype=float)
    m = (t == 0) & (v != 0) & (c > 0)
    if not m.any():
        return v.copy()
    Xm, cm = design[m], c[m]
    d = design.T @ v                       # treated mean minus weighted control mean, per column
    G = np.linalg.pinv(Xm.T @ (Xm * cm[:, None]), hermitian=True)
    out = v.copy()
    out[m] -= cm * (Xm @ (G @ d))          # control weights + delta  <=>  signed weights - delta
    return out
