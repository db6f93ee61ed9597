"""analysis.psm's regression bias adjustment (``MatchingSpec(bias_adjust=True)``, psm/adjust.py) and
the exclusion of controls the propensity model predicts perfectly (``separated="exclude"``).

Expected values come from independent computations: a statsmodels OLS fit of each outcome on the
matched controls (the Abadie-Imbens correction written out), the estimator recomputed on an
explicitly duplicated bootstrap resample, and the weights of the unadjusted estimator.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from analysis import psm
from analysis.psm.adjust import bias_adjusted_columns, bias_adjusted_weights, pinv_hermitian, regression_design
from analysis.psm.refit import _outer_products


def _data(n=600, seed=3):
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=n), rng.binomial(1, 0.4, n).astype(float)
    eta = -1.0 + 0.9 * x1 + 0.8 * x2
    t = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(int)
    X = pd.DataFrame({"x1": x1, "x2": x2, "const_col": np.ones(n)})
    # curved in x1, so that a wide kernel leaves a bias the regression removes
    Y = np.column_stack([0.5 * x1 + 0.3 * x1 ** 2 + 0.4 * x2 + 0.1 * t + rng.normal(0, 0.3, n),
                         (x2 + rng.normal(0, 1, n) > 0.5).astype(float)])
    return t, X, Y


def _signed(w: psm.MatchingWeights, n: int) -> np.ndarray:
    v = w.unit_weights(n)
    v[w.controls] *= -1
    return v


def _ai_correction(t, X, Y, w, n):
    """ATT - (xbar_1 - sum_j w_j x_j)' beta, beta by statsmodels OLS per outcome on the matched controls."""
    u = w.unit_weights(n)
    on = np.zeros(n, bool)
    on[w.treated[w.on_support]] = True
    matched = (t == 0) & (u != 0)
    Xc = sm.add_constant(X.drop(columns="const_col"))
    d = Xc[on].mean(axis=0).to_numpy() - u[matched] @ Xc[matched].to_numpy()
    out = []
    for k in range(Y.shape[1]):
        beta = sm.OLS(Y[matched, k], Xc[matched]).fit().params.to_numpy()
        out.append(Y[on, k].mean() - u[matched] @ Y[matched, k] - d @ beta)
    return np.array(out)


def test_design_has_an_intercept_and_drops_constant_columns():
    t, X, Y = _data(50)
    D = regression_design(X, 50)
    assert D.shape == (50, 3)
    np.testing.assert_array_equal(D[:, 0], 1.0)
    np.testing.assert_array_equal(D[:, 1:], X[["x1", "x2"]].to_numpy())
    with pytest.raises(ValueError):
        regression_design(X.assign(x1=np.nan), 50)


@pytest.mark.parametrize("method", ["kernel", "ridge", "ipw"])
def test_adjustment_equals_the_ols_correction_and_balances_every_covariate(method):
    t, X, Y = _data()
    n = len(t)
    score = psm.fit_propensity(t, X.drop(columns="const_col")).score
    w = psm.matching_weights(t, score, method=method, bandwidth=None if method == "ipw" else 0.2)
    D = regression_design(X, n)
    v = bias_adjusted_weights(_signed(w, n), D, t)
    np.testing.assert_allclose(v @ Y, _ai_correction(t, X, Y, w, n), atol=1e-12)
    np.testing.assert_allclose(D.T @ v, 0.0, atol=1e-12)           # exact mean balance
    assert v[t == 0].sum() == pytest.approx(-1.0, abs=1e-12)       # control weights still sum to one
    assert (v[t == 1] == _signed(w, n)[t == 1]).all()              # the treated side is untouched
    unmatched = (t == 0) & (w.unit_weights(n) == 0)
    assert (v[unmatched] == 0).all()                               # only matched controls move
    # the adjustment matters here: the unadjusted estimate is off by more than rounding
    assert np.abs(_signed(w, n) @ Y - v @ Y).max() > 1e-3


def test_counts_are_the_explicitly_duplicated_resample():
    """On a bootstrap resample (counts), the adjustment equals the one computed on the resample with
    its rows written out (OLS on duplicated rows = OLS with frequency weights)."""
    t, X, Y = _data()
    n = len(t)
    rng = np.random.default_rng(8)
    ti, ci = np.flatnonzero(t == 1), np.flatnonzero(t == 0)
    idx = np.r_[ti[rng.integers(0, len(ti), len(ti))], ci[rng.integers(0, len(ci), len(ci))]]
    score = psm.fit_propensity(t, X.drop(columns="const_col")).score
    tb, sb, Db, Yb = t[idx], score[idx], regression_design(X, n)[idx], Y[idx]
    wb = psm.matching_weights(tb, sb, method="kernel", bandwidth=0.15)
    explicit = bias_adjusted_weights(_signed(wb, len(idx)), Db, tb) @ Yb
    agg = np.bincount(idx, weights=_signed(wb, len(idx)), minlength=n)   # the same weights on the original units
    counts = np.bincount(idx, minlength=n).astype(float)
    np.testing.assert_allclose(bias_adjusted_weights(agg, regression_design(X, n), t, counts) @ Y, explicit,
                               atol=1e-12)


def _block_problem(seed=5, n=120, m=6):
    """Signed weights of several (resample, spec) columns: resamples as counts, matched controls a random
    subset per column (some columns of one resample share the subset), and a rare dummy that the matched
    controls of some columns do not have (their Gram is singular)."""
    rng = np.random.default_rng(seed)
    t = (rng.random(n) < 0.35).astype(int)
    rare = np.zeros(n)
    rare[rng.choice(np.flatnonzero(t == 0), 3, replace=False)] = 1.0
    rare[np.flatnonzero(t == 1)[:4]] = 1.0
    D = regression_design(np.column_stack([rng.normal(size=n), rng.binomial(1, 0.5, n), rare]), n)
    ti, ci = np.flatnonzero(t == 1), np.flatnonzero(t == 0)
    counts = np.zeros((m, n))
    for b in range(m):
        idx = np.r_[ti[rng.integers(0, len(ti), len(ti))], ci[rng.integers(0, len(ci), len(ci))]]
        counts[b] = np.bincount(idx, minlength=n)
    cols, rep = [], []
    for b in range(m):
        c = counts[b]
        masks = [rng.random(n) < 0.5, rng.random(n) < 0.8, (rare == 0) & (rng.random(n) < 0.9)]
        masks.append(masks[0])                                        # same matched set, other weights
        for mask in masks:
            v = np.zeros(n)
            v[t == 1] = c[t == 1] / c[t == 1].sum()
            w = np.where((t == 0) & mask & (c > 0), c * rng.uniform(0.2, 1.0, n), 0.0)
            v -= w / w.sum()
            cols.append(v)
            rep.append(b)
    return t, D, counts, np.column_stack(cols), np.array(rep)


def test_block_adjustment_equals_the_column_by_column_reference():
    """bias_adjusted_columns (the bootstrap's batched adjustment) gives bias_adjusted_weights of every
    column, including columns whose matched controls lack a dummy (singular Gram: pinv semantics) and
    columns sharing a Gram; with the outer products given and made block by block."""
    t, D, counts, V, rep = _block_problem()
    ref = np.column_stack([bias_adjusted_weights(V[:, k], D, t, counts[rep[k]]) for k in range(V.shape[1])])
    singular = [np.linalg.matrix_rank(D[(t == 0) & (V[:, k] != 0)].T @ D[(t == 0) & (V[:, k] != 0)]) < D.shape[1]
                for k in range(V.shape[1])]
    assert 0 < sum(singular) < len(singular)                         # both kinds are exercised
    assert np.abs(ref - V).max() > 1e-3                               # and the shifts are not negligible
    for outer in (_outer_products(D[t == 0]), None):
        got = bias_adjusted_columns(V, D, t, counts, rep, outer)
        np.testing.assert_allclose(got, ref, rtol=0, atol=1e-13)
    # the order of the columns does not matter
    perm = np.random.default_rng(1).permutation(V.shape[1])
    np.testing.assert_allclose(bias_adjusted_columns(V[:, perm], D, t, counts, rep[perm]), ref[:, perm],
                               rtol=0, atol=1e-13)


def test_stacked_pinv_equals_numpy_pinv_hermitian():
    """pinv_hermitian equals np.linalg.pinv(hermitian=True) matrix by matrix: full rank, an exactly
    zero row and column, collinear columns (rank 3 of 5), an indefinite matrix, and all zeros."""
    rng = np.random.default_rng(7)
    A = rng.normal(size=(6, 5))
    full = A.T @ A
    zero_col = full.copy()
    zero_col[2, :] = zero_col[:, 2] = 0.0
    B = rng.normal(size=(6, 3)) @ rng.normal(size=(3, 5))
    H = np.stack([full, zero_col, B.T @ B, np.diag([3.0, -2.0, 1.0, 0.5, -0.1]), np.zeros((5, 5))])
    got = pinv_hermitian(H)
    for k in range(len(H)):
        ref = np.linalg.pinv(H[k], hermitian=True)
        np.testing.assert_allclose(got[k], ref, rtol=0, atol=1e-12 * max(1.0, np.abs(ref).max()))
    assert np.abs(got[2]).max() < 1e3          # the collinear direction is cut, not inverted


def test_estimate_att_applies_the_adjustment_in_the_estimate_and_the_bootstrap():
    t, X, Y = _data()
    n = len(t)
    plain = {"k": psm.MatchingSpec("kernel", bandwidth=0.2), "i": psm.MatchingSpec("ipw")}
    adj = {k: psm.MatchingSpec(s.method, bandwidth=s.bandwidth, bias_adjust=True) for k, s in plain.items()}
    a = psm.estimate_att(t, X, Y, plain, n_boot=0)
    b = psm.estimate_att(t, X, Y, adj, n_boot=30, seed=4, keep_replicates=True)
    for k in plain:
        fb = b.frame[b.frame["spec"] == k]
        np.testing.assert_allclose(fb["att"], _ai_correction(t, X, Y, a.weights[k], n), atol=1e-12)
        np.testing.assert_allclose(fb["treated_mean"] - fb["control_mean"], fb["att"], atol=1e-14)
        # the matching weights themselves (balance tables) are those of the unadjusted estimator
        np.testing.assert_array_equal(b.weights[k].control_weights, a.weights[k].control_weights)
        assert np.isfinite(b.replicates[k]).all() and (fb["se"] > 0).all()
    # every replication is the adjusted estimator on its resample: replication 0 recomputed by hand
    draws = psm.draw_resamples(np.random.default_rng(4), t, 30)
    idx = draws[0]
    ps = psm.fit_propensity(t[idx], X.drop(columns="const_col").iloc[idx])
    wb = psm.matching_weights(t[idx], ps.score, method="kernel", bandwidth=0.2)
    by_hand = bias_adjusted_weights(_signed(wb, n), regression_design(X, n)[idx], t[idx]) @ Y[idx]
    np.testing.assert_allclose(b.replicates["k"][0], by_hand, atol=1e-8)


def _separated_data(n=800, seed=11):
    """Units of category 'other' never participate (the propensity model predicts them perfectly)
    and have a very different outcome; everybody else has low scores, so a wide window reaches 0."""
    rng = np.random.default_rng(seed)
    cat = rng.choice(np.array(["kh", "int", "other"]), n, p=[0.4, 0.4, 0.2])
    x1 = rng.normal(size=n)
    eta = -2.2 + 0.5 * x1 + 0.4 * (cat == "int")
    t = ((rng.random(n) < 1 / (1 + np.exp(-eta))) & (cat != "other")).astype(int)
    X = pd.DataFrame({"x1": x1, "kh": (cat == "kh").astype(float), "int": (cat == "int").astype(float)})
    Y = np.column_stack([(cat == "other").astype(float), x1])
    return t, X, Y, cat == "other"


@pytest.mark.parametrize("method", ["kernel", "ridge"])
def test_separated_controls_are_left_out_of_the_matching(method):
    t, X, Y, other = _separated_data()
    wide = {"keep": psm.MatchingSpec(method, bandwidth=0.25, separated="keep"),
            "exclude": psm.MatchingSpec(method, bandwidth=0.25, separated="exclude")}
    res = psm.estimate_att(t, X, Y, wide, n_boot=12, seed=2, keep_replicates=True)
    assert res.scores["logit"].n_separated == other.sum() > 0
    f = res.frame.set_index(["spec", "column"])
    # kept, they sit at score 0 inside the windows of the low-score participants and get weight ...
    assert res.unit_weights("keep", len(t))[other].sum() > 0.01
    assert f.loc[("keep", 0), "control_mean"] > 0.01
    # ... left out, they get none, in the estimate and in every replication
    assert (res.unit_weights("exclude", len(t))[other] == 0).all()
    assert f.loc[("exclude", 0), "control_mean"] == 0
    assert (np.abs(res.replicates["exclude"][:, 0]) < 1e-12).all()
    assert (np.abs(res.replicates["keep"][:, 0]) > 1e-3).any()
    # the estimate is the matching on the other units alone (same bandwidth)
    direct = psm.att(t[~other], res.scores["logit"].score[~other], Y[~other], method=method, bandwidth=0.25)
    np.testing.assert_allclose(f.xs("exclude", level="spec")["att"], direct.att, atol=1e-12)
    assert f.loc[("exclude", 0), "n_controls"] == int(((t == 0) & ~other).sum())


def test_cross_validation_leaves_the_separated_controls_out():
    t, X, Y, other = _separated_data()
    spec = {"x": psm.MatchingSpec("kernel", bandwidth="cv", separated="exclude")}
    res = psm.estimate_att(t, X, Y, spec, cv_outcome=Y[:, 1], n_boot=0)
    score = res.scores["logit"].score
    ref = psm.cv_bandwidth(t[~other], score[~other], Y[~other, 1], method="kernel")
    assert res.bandwidths["x"] == ref.bandwidth


def test_spec_rejects_unknown_rules():
    with pytest.raises(ValueError):
        psm.MatchingSpec("ridge", separated="maybe")
    with pytest.raises(ValueError):
        psm.MatchingSpec("ridge", bias_adjust="yes")
