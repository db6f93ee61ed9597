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

In the bootstrap the shift is needed for every (replication, specification) of a block:
:func:`bias_adjusted_columns` does them all at once and gives the numbers of
:func:`bias_adjusted_weights` (the reference, column by column) to ~1e-13 (see its docstring).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .refit import _weighted_grams


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


def bias_adjusted_columns(V: np.ndarray, design: np.ndarray, treated, counts: np.ndarray, rep: np.ndarray,
                          outer: np.ndarray | None = None) -> np.ndarray:
    """:func:`bias_adjusted_weights` of every column of ``V`` (n x K) at once: column k with the
    frequency weights ``counts[rep[k]]`` (``counts``: m x n, one row per resample).

    Used for the K = replications x specifications of a bootstrap block. Columns with the same
    resample and the same matched controls share one Gram matrix (specifications of one replication
    often match the same controls: in the BOT report a third of the Grams are distinct); the
    distinct Grams X_m' diag(c_m) X_m are one product of the matched controls' weights with
    ``outer`` (:func:`~analysis.psm.refit._outer_products` of the controls' rows of ``design``, or
    None to make them here block by block), and their pseudo-inverses one stacked eigendecomposition
    (:func:`pinv_hermitian`: the cutoff of the reference's ``np.linalg.pinv(hermitian=True)``, so
    singular Grams – four in five in the BOT report, e.g. a dummy that no matched control has – are
    handled as there). The shifts of all columns are then two matrix products. The sums run in
    another order than the reference's, so the result agrees with it to rounding (~1e-13 relative;
    ``tests/test_psm_adjust.py``), not bit for bit.
    """
    V = np.asarray(V, dtype=float)
    t0 = np.flatnonzero(np.asarray(treated) == 0)
    rep = np.asarray(rep)
    out = V.copy()
    if V.shape[1] == 0 or len(t0) == 0:
        return out
    X0 = design[t0]
    C0 = np.asarray(counts, dtype=float)[:, t0][rep]          # K x n0: each column's frequency weights
    M = (V[t0].T != 0) & (C0 > 0)                            # K x n0: its matched controls
    A = np.where(M, C0, 0.0)
    packed = np.packbits(M, axis=1)
    seen: dict = {}
    which = np.array([seen.setdefault((int(r), row.tobytes()), len(seen)) for r, row in zip(rep, packed)])
    first = np.unique(which, return_index=True)[1]
    G = pinv_hermitian(_weighted_grams(X0, A[first], outer))   # of the distinct Grams, u x p x p
    D = design.T @ V                                          # p x K: treated mean - weighted control mean
    coef = np.matmul(G[which], D.T[:, :, None])[:, :, 0]     # K x p: (X_m' C X_m)^+ d per column
    out[t0] -= (A * (coef @ X0.T)).T
    return out


def pinv_hermitian(H: np.ndarray) -> np.ndarray:
    """Pseudo-inverses of a stack of symmetric matrices (k x p x p), as ``np.linalg.pinv(H,
    hermitian=True)`` computes them (eigenvalues with |lambda| <= 1e-15 max |lambda| of their
    matrix count as zero), from ``np.linalg.eigh`` directly: numpy's pinv sorts the eigenvalues
    and splits off their signs first (through its SVD), a third of its time on 54 x 54 matrices.
    The same to rounding (the terms are summed in another order)."""
    w, U = np.linalg.eigh(H)
    aw = np.abs(w)
    keep = aw > 1e-15 * aw.max(axis=-1, keepdims=True)
    inv = np.where(keep, 1 / np.where(keep, w, 1.0), 0.0)
    return (U * inv[..., None, :]) @ np.swapaxes(U, -1, -2)
