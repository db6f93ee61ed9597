"""analysis.psm and the matching-balance functions of analysis.balance.

Expected values are worked out here by hand (explicit arithmetic on a
2-treated / 4-control example), by independent computations (weighted least
squares for local-linear matching, statsmodels for the score refits, a
brute-force leave-one-out loop for the cross-validation) or by simulation
with a known effect.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from analysis import psm
from analysis.balance import balance_summary, standardised_differences

# Tiny example: scores are multiples of 1/64 and h = 1/4, so every difference is exact in
# binary floating point and the boundary case (a control exactly h away) is really on the boundary.
T_SCORES = np.array([0.375, 0.5625])
C_SCORES = np.array([0.25, 0.34375, 0.46875, 0.625])
H = 0.25


def tiny(cells=None):
    treated = np.array([1, 1, 0, 0, 0, 0])
    score = np.concatenate([T_SCORES, C_SCORES])
    return treated, score


def epan(u):
    return 0.75 * (1 - u * u) if abs(u) < 1 else 0.0


# ----------------------------------------------------------------------------------------------
# Hand-worked weights
# ----------------------------------------------------------------------------------------------

def test_kernel_epanechnikov_weights_by_hand():
    t, p = tiny()
    w = psm.matching_weights(t, p, method="kernel", kernel="epanechnikov", bandwidth=H, keep_matrix=True)
    # treated A (0.375): u = -0.5, -0.125, 0.375, 1.0 (on the boundary: no weight)
    kA = [0.75 * (1 - 0.25), 0.75 * (1 - 0.015625), 0.75 * (1 - 0.140625), 0.0]
    # treated B (0.5625): u = -1.25 (outside), -0.875, -0.375, 0.25
    kB = [0.0, 0.75 * (1 - 0.765625), 0.75 * (1 - 0.140625), 0.75 * (1 - 0.0625)]
    expected = np.array([np.array(kA) / sum(kA), np.array(kB) / sum(kB)])
    np.testing.assert_allclose(w.matrix, expected, rtol=0, atol=1e-15)
    np.testing.assert_allclose(w.control_weights, expected.mean(axis=0), atol=1e-15)
    assert w.n_on_support == 2 and w.n_controls_used == 4


def test_kernel_uniform_weights_by_hand():
    t, p = tiny()
    w = psm.matching_weights(t, p, method="kernel", kernel="uniform", bandwidth=H, keep_matrix=True)
    # A reaches controls 1-3 (control 4 is exactly h away: excluded); B reaches controls 2-4
    expected = np.array([[1 / 3, 1 / 3, 1 / 3, 0], [0, 1 / 3, 1 / 3, 1 / 3]])
    np.testing.assert_allclose(w.matrix, expected, atol=1e-15)
    np.testing.assert_allclose(w.control_weights, [1 / 6, 1 / 3, 1 / 3, 1 / 6], atol=1e-15)


def test_ridge_weights_by_hand():
    t, p = tiny()
    r = 5 / 16
    w = psm.matching_weights(t, p, method="ridge", kernel="epanechnikov", bandwidth=H, keep_matrix=True)
    assert w.ridge == r
    rows = []
    for pi in T_SCORES:
        K = [epan((pj - pi) / H) for pj in C_SCORES]
        W = sum(K)
        P = sum(k * pj for k, pj in zip(K, C_SCORES)) / W
        S = sum(k * (pj - P) ** 2 for k, pj in zip(K, C_SCORES))
        d = pi - P
        rows.append([k / W + k * (pj - P) * d / (S + r * H * abs(d)) for k, pj in zip(K, C_SCORES)])
    np.testing.assert_allclose(w.matrix, np.array(rows), atol=1e-14)
    np.testing.assert_allclose(w.matrix.sum(axis=1), 1.0, atol=1e-14)  # Frölich's weights sum to one


def test_ridge_with_r0_is_local_linear_regression():
    """With ridge parameter 0 the weights reproduce weighted least squares of Y on
    (p - p_i) with kernel weights, whose intercept is the counterfactual."""
    rng = np.random.default_rng(5)
    p1, p0 = rng.uniform(0.2, 0.6, 7), rng.uniform(0.1, 0.7, 40)
    y0 = rng.normal(size=40)
    t = np.r_[np.ones(7), np.zeros(40)]
    w = psm.matching_weights(t, np.r_[p1, p0], method="ridge", bandwidth=0.2, ridge=0.0, support="window",
                             keep_matrix=True)
    for i, pi in enumerate(p1):
        k = np.array([epan((pj - pi) / 0.2) for pj in p0])
        X = np.column_stack([np.ones(40), p0 - pi]) * np.sqrt(k)[:, None]
        beta = np.linalg.lstsq(X, y0 * np.sqrt(k), rcond=None)[0]
        assert w.matrix[i] @ y0 == pytest.approx(beta[0], abs=1e-10)
        assert w.matrix[i] @ p0 == pytest.approx(pi, abs=1e-12)  # linear functions are reproduced


def test_ipw_weights_by_hand_and_within_cells():
    t, p = tiny()
    odds = np.array([0.25 / 0.75, 0.34375 / 0.65625, 0.46875 / 0.53125, 0.625 / 0.375])
    w = psm.matching_weights(t, p, method="ipw")
    np.testing.assert_allclose(w.control_weights, odds / odds.sum(), atol=1e-15)
    assert w.matrix is None and w.bandwidth is None
    # cells: A with controls 1-2, B with controls 3-4; each cell carries half of the treated
    cells = np.array(["x", "y", "x", "x", "y", "y"])
    w = psm.matching_weights(t, p, method="ipw", cells=cells, support="window")
    expected = np.r_[0.5 * odds[:2] / odds[:2].sum(), 0.5 * odds[2:] / odds[2:].sum()]
    np.testing.assert_allclose(w.control_weights, expected, atol=1e-15)


def test_att_for_an_outcome_matrix_by_hand():
    t, p = tiny()
    Y = np.array([[1.0, 10.0], [3.0, 30.0], [0.0, 1.0], [1.0, 2.0], [2.0, 3.0], [4.0, 5.0]])
    est = psm.att(t, p, Y, method="kernel", kernel="uniform", bandwidth=H)
    control = [(0 + 1 + 2) / 3 / 2 + (1 + 2 + 4) / 3 / 2, (1 + 2 + 3) / 3 / 2 + (2 + 3 + 5) / 3 / 2]
    np.testing.assert_allclose(est.treated_mean, [2.0, 20.0])
    np.testing.assert_allclose(est.control_mean, control)
    np.testing.assert_allclose(est.att, np.array([2.0, 20.0]) - control)
    frame = est.to_frame()
    assert list(frame["column"]) == [0, 1] and (frame["n_treated_on_support"] == 2).all()


def test_common_support_minmax_and_window():
    t = np.array([1, 1, 1, 0, 0, 0, 0])
    p = np.r_[T_SCORES, 0.70, C_SCORES]  # 0.70 is above the largest control score 0.625
    w = psm.matching_weights(t, p, method="kernel", bandwidth=H, keep_matrix=True)
    assert list(w.on_support) == [True, True, False] and w.n_off_support == 1
    assert w.matrix[2].sum() == 0 and w.control_weights.sum() == pytest.approx(1.0)
    # without the min/max rule 0.70 is matched to 0.625, but a tiny bandwidth leaves it alone
    assert psm.matching_weights(t, p, method="kernel", bandwidth=H, support="window").on_support.all()
    w = psm.matching_weights(t, p, method="ridge", bandwidth=0.05, support="window")
    assert list(w.on_support) == [True, False, False]
    # trimming drops treated and controls outside [lo, hi]; min/max then applies to the kept controls
    w = psm.matching_weights(t, p, method="ipw", trim=(0.3, 0.6), support="window")
    assert list(w.on_support) == [True, True, False] and w.control_weights[[0, 3]].sum() == 0
    w = psm.matching_weights(t, p, method="ipw", trim=(0.3, 0.6))
    assert list(w.on_support) == [True, False, False]  # 0.5625 > largest kept control 0.46875


def test_ridge_falls_back_to_kernel_when_window_scores_are_tied():
    # window holds two controls with the treated unit's own score: S = 0 and d = 0 (0/0 without the rule)
    t = np.array([1, 0, 0, 0])
    p = np.array([0.32, 0.32, 0.32, 0.60])
    w = psm.matching_weights(t, p, method="ridge", bandwidth=0.1, keep_matrix=True)
    np.testing.assert_allclose(w.matrix, [[0.5, 0.5, 0.0]])
    fast = psm._weights_arrays(p[:1], p[1:], None, None, np.array([0]), np.arange(1, 4), "ridge",
                               "epanechnikov", 0.1, 5 / 16, "minmax", None, keep_matrix=False)
    np.testing.assert_allclose(fast.control_weights, [0.5, 0.5, 0.0])


# ----------------------------------------------------------------------------------------------
# Exact matching
# ----------------------------------------------------------------------------------------------

def test_exact_matching_never_pairs_across_cells():
    rng = np.random.default_rng(11)
    n = 600
    cells = rng.choice(["Faxe", "Odder", "Thisted", "Egedal"], n)
    t = (rng.random(n) < 0.25).astype(int)
    t[cells == "Egedal"] = 1  # a municipality with treated but no controls
    p = np.clip(rng.beta(2, 5, n) + 0.1 * t, 0.01, 0.99)
    for method in ("kernel", "ridge"):
        w = psm.matching_weights(t, p, method=method, bandwidth=0.08, cells=cells, keep_matrix=True)
        c1, c0 = cells[t == 1], cells[t == 0]
        across = c1[:, None] != c0[None, :]
        assert np.all(w.matrix[across] == 0)
        assert not w.on_support[c1 == "Egedal"].any()
        # each cell's controls carry that cell's share of the on-support treated
        for c in ("Faxe", "Odder", "Thisted"):
            share = np.sum(w.on_support & (c1 == c)) / w.n_on_support
            assert w.control_weights[c0 == c].sum() == pytest.approx(share, abs=1e-12)
    wi = psm.matching_weights(t, p, method="ipw", cells=cells)
    assert not wi.on_support[c1 == "Egedal"].any()


def test_prefix_sum_path_equals_dense_matrix():
    """The bootstrap's O(n log n) control weights agree with the dense n1 x n0 matrix."""
    rng = np.random.default_rng(2)
    n = 900
    t = (rng.random(n) < 0.2).astype(int)
    p = np.clip(rng.beta(1.5, 6, n) + 0.15 * t, 0.001, 0.999)
    p[:40] = p[40:80]  # ties
    cells = rng.integers(0, 5, n)
    ti, ci = np.flatnonzero(t == 1), np.flatnonzero(t == 0)
    for method in ("kernel", "ridge"):
        for kernel in psm.KERNELS:
            for cc in (None, cells):
                for h in (0.004, 0.03, 0.3):
                    r = psm.DEFAULT_RIDGE[kernel] if method == "ridge" else None
                    args = (p[ti], p[ci], None if cc is None else cc[ti], None if cc is None else cc[ci],
                            ti, ci, method, kernel, h, r, "minmax", None)
                    dense = psm._weights_arrays(*args, keep_matrix=True)
                    fast = psm._weights_arrays(*args, keep_matrix=False)
                    assert (dense.on_support == fast.on_support).all()
                    np.testing.assert_allclose(fast.control_weights, dense.control_weights, rtol=0, atol=1e-9)


def test_no_dense_matrix_unless_asked_and_the_vectors_agree_with_it(simulated, monkeypatch):
    """The default path keeps per-unit vectors only (issue 14: n1 x n0 is 29 GB at 200.000 persons);
    the control weights and support flags are those of the dense matrix, for every spec of
    estimate_att: summed from row blocks of it (here ~16 rows a block), or by prefix sums (above
    DENSE_MAX_PAIRS, to 1e-12)."""
    t, X, Y, cells = simulated
    monkeypatch.setattr(psm.weights, "DENSE_BLOCK_ELEMENTS", 40_000)
    specs = {"r": psm.MatchingSpec("ridge", bandwidth=0.05), "k": psm.MatchingSpec("kernel", bandwidth=0.05),
             "re": psm.MatchingSpec("ridge", bandwidth=0.08, exact=True, kernel="uniform")}
    res = psm.estimate_att(t, X, Y, specs, cells=cells, n_boot=0)
    p = res.scores["logit"].score
    assert psm.matching_weights(t, p, method="ridge", bandwidth=0.05).matrix is None
    for name, s in specs.items():
        w = res.weights[name]
        assert w.matrix is None
        dense = psm.matching_weights(t, p, method=s.method, kernel=s.kernel, bandwidth=s.bandwidth,
                                     cells=cells if s.exact else None, keep_matrix=True)
        assert dense.matrix.shape == (w.n_treated, w.n_controls)
        assert (w.on_support == dense.on_support).all()
        # bit for bit with one BLAS thread (as in a report's kernel); a threaded GEMV of the whole
        # matrix rounds the ridge terms' sums differently from the blocks'
        np.testing.assert_allclose(w.control_weights, dense.matrix.sum(axis=0) / dense.n_on_support,
                                   rtol=0, atol=1e-16)
    monkeypatch.setattr(psm.weights, "DENSE_MAX_PAIRS", 0)
    fast = psm.estimate_att(t, X, Y, specs, cells=cells, n_boot=0)
    for name in specs:
        assert (fast.weights[name].on_support == res.weights[name].on_support).all()
        np.testing.assert_allclose(fast.weights[name].control_weights, res.weights[name].control_weights,
                                   rtol=0, atol=1e-12)


# ----------------------------------------------------------------------------------------------
# Bandwidth
# ----------------------------------------------------------------------------------------------

def test_grid_search_finds_minimiser_of_toy_criterion():
    res = psm.grid_search(lambda h: (h - 0.035) ** 2 + 1.0)
    assert res.bandwidth == pytest.approx(0.035)
    assert res.criterion.min() == pytest.approx(1.0) and not res.at_boundary
    assert list(res.to_frame().columns) == ["bandwidth", "criterion"]
    res = psm.grid_search(lambda h: -h, grid=[0.3, 0.1, 0.2])
    assert res.bandwidth == 0.3 and res.at_boundary and list(res.grid) == [0.1, 0.2, 0.3]
    with pytest.raises(ValueError):
        psm.grid_search(lambda h: float("inf"), grid=[0.1])


def _brute_loo(p, y, cells, h, method, kernel):
    """Leave-one-out predictions of each control from the other controls, one at a time."""
    r = psm.DEFAULT_RIDGE[kernel]
    c = psm.KERNEL_HEIGHT[kernel]
    errs = []
    for j in range(len(p)):
        others = [k for k in range(len(p)) if k != j and abs(p[k] - p[j]) < h
                  and (cells is None or cells[k] == cells[j])]
        if not others:
            continue
        K = np.array([c * (1 - ((p[k] - p[j]) / h) ** 2) if kernel == "epanechnikov" else c for k in others])
        pk, yk = p[others], y[others]
        W = K.sum()
        pred = K @ yk / W
        if method == "ridge":
            P = K @ pk / W
            S = K @ (pk - P) ** 2
            d = p[j] - P
            if S > psm.RIDGE_ZERO_VARIANCE * W * h * h:
                pred += (K * (pk - P)) @ yk * d / (S + r * h * abs(d))
        errs.append((y[j] - pred) ** 2)
    return np.mean(errs) * len(p) / len(errs)


@pytest.mark.parametrize("method", ["kernel", "ridge"])
@pytest.mark.parametrize("kernel", psm.KERNELS)
def test_loo_cv_criterion_against_brute_force(method, kernel):
    rng = np.random.default_rng(7)
    p = rng.beta(1.5, 6, 150)
    y = np.sin(6 * p) + rng.normal(0, 0.2, 150)
    cells = rng.integers(0, 3, 150)
    for cc in (None, cells):
        crit = psm.loo_cv_criterion(p, y, control_cells=cc, method=method, kernel=kernel)
        for h in (0.01, 0.05, 0.3):
            assert crit(h) == pytest.approx(_brute_loo(p, y, cc, h, method, kernel), rel=1e-9)


def test_cv_bandwidth_is_interior_for_a_curved_outcome():
    rng = np.random.default_rng(8)
    n = 1500
    t = (rng.random(n) < 0.2).astype(int)
    p = rng.beta(2, 6, n)
    y = np.sin(10 * p) + rng.normal(0, 0.3, n)
    res = psm.cv_bandwidth(t, p, y, method="kernel")
    assert not res.at_boundary and 0.005 < res.bandwidth < 0.25
    assert res.criterion[np.searchsorted(res.grid, res.bandwidth)] == res.criterion.min()


@pytest.mark.parametrize("kernel", psm.KERNELS)
def test_cv_of_ridge_and_kernel_in_one_pass_equals_each_on_its_own(kernel):
    """cv_bandwidths gives each method's cv_bandwidth bit for bit (with cells, trimming, a ridge
    parameter), and estimate_att's paired cross-validation picks the bandwidths of the unpaired one."""
    rng = np.random.default_rng(9)
    n = 1200
    t = (rng.random(n) < 0.25).astype(int)
    p = rng.beta(2, 6, n)
    y = np.column_stack([np.sin(10 * p), p ** 2]) + rng.normal(0, 0.3, (n, 2))
    cells = rng.integers(0, 4, n)
    for cc, trim, r in ((None, None, None), (cells, (0.02, 0.8), 0.05)):
        both = psm.cv_bandwidths(t, p, y, cells=cc, kernel=kernel, ridge=r, trim=trim)
        for method in ("ridge", "kernel"):
            alone = psm.cv_bandwidth(t, p, y, cells=cc, method=method, kernel=kernel, ridge=r, trim=trim)
            np.testing.assert_array_equal(both[method].criterion, alone.criterion)
            assert both[method].bandwidth == alone.bandwidth
    X = pd.DataFrame({"x": p + rng.normal(0, 0.1, n)})
    specs = {"r": psm.MatchingSpec("ridge", kernel=kernel), "k": psm.MatchingSpec("kernel", kernel=kernel),
             "r2": psm.MatchingSpec("ridge", kernel=kernel, ridge=0.05)}
    paired = psm.estimate_att(t, X, y[:, :1], specs, cv_outcome=y[:, 0], n_boot=0)
    for name, s in specs.items():
        alone = psm.estimate_att(t, X, y[:, :1], {name: s}, cv_outcome=y[:, 0], n_boot=0)
        np.testing.assert_array_equal(paired.cv[name].criterion, alone.cv[name].criterion)


# ----------------------------------------------------------------------------------------------
# Propensity score
# ----------------------------------------------------------------------------------------------

def _selection_data(n, rng, tau=0.05):
    x1 = rng.normal(size=n)
    x2 = (rng.random(n) < 0.4).astype(float)
    cells = rng.choice(["a", "b", "c"], n)
    eta = -1.7 + 0.9 * x1 + 0.6 * x2 + 0.4 * (cells == "b")
    t = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(int)
    mu = 0.15 + 0.10 * x1 + 0.05 * x1 ** 2 + 0.08 * x2 + 0.05 * (cells == "b")
    Y = np.column_stack([mu + tau * t + rng.normal(0, s, n) for s in (0.1, 0.2)])
    return t, pd.DataFrame({"x1": x1, "x2": x2, "b": (cells == "b").astype(float)}), Y, cells


def test_fit_propensity_table_and_refits_match_statsmodels():
    rng = np.random.default_rng(3)
    t, X, _, _ = _selection_data(1500, rng)
    X = X.assign(constant_col=1.0)
    for link, model in (("logit", sm.Logit), ("probit", sm.Probit)):
        ps = psm.fit_propensity(t, X, link=link)
        assert ps.dropped_columns == ("constant_col",)
        assert list(ps.coefficients["term"]) == ["x1", "x2", "b", "const"]
        ref = model(t, sm.add_constant(X[["x1", "x2", "b"]], prepend=False)).fit(disp=0)
        np.testing.assert_allclose(ps.coefficients["coef"], ref.params, rtol=1e-6)
        np.testing.assert_allclose(ps.coefficients["se"], ref.bse, rtol=1e-5)
        np.testing.assert_allclose(ps.score, ref.predict(), rtol=1e-6)
        assert ps.pseudo_r2 == pytest.approx(ref.prsquared) and ps.converged
        # the bootstrap's numpy Newton lands on the same maximum from a cold start
        beta = psm._refit_params(ps.design, t.astype(float), link, np.zeros(4), maxiter=100)
        np.testing.assert_allclose(beta, ps.params, atol=1e-7)
    with pytest.raises(ValueError, match="rank deficient"):
        psm.fit_propensity(t, X.assign(x3=2 * X["x1"]))
    with pytest.raises(ValueError, match="missing"):
        psm.fit_propensity(t, X.assign(x1=np.where(np.arange(len(t)) == 0, np.nan, X["x1"])))


def test_block_refit_with_quasi_newton_steps_matches_statsmodels_on_each_resample():
    """_refit_block (own Hessians at the iterations `hessian_at`, BFGS-corrected in between) lands on
    statsmodels' maximum of every resample written out, from the full-sample start, whatever the
    schedule: every iteration (pure Newton), the default, at the start only, or never (BFGS from the
    full sample's Hessian)."""
    rng = np.random.default_rng(12)
    t, X, _, _ = _selection_data(900, rng)
    draws = psm.draw_resamples(np.random.default_rng(5), t, 4)
    counts = np.stack([np.bincount(d, minlength=len(t)) for d in draws]).astype(float)
    for link, model in (("logit", sm.Logit), ("probit", sm.Probit)):
        ps = psm.fit_propensity(t, X, link=link)
        ref = np.stack([model(t[d], ps.design[d]).fit(disp=0, tol=1e-12, maxiter=100).params for d in draws])
        for hessian_at in (range(40), psm.refit.OWN_HESSIAN_AT, (0,), ()):
            beta = psm._refit_block(ps.design, t.astype(float), link, ps.params, counts, hessian_at=hessian_at)
            np.testing.assert_allclose(beta, ref, atol=1e-7)


def test_bfgs_update_satisfies_the_secant_equation():
    """The updated inverse Hessian maps the gradient change to the step (B y = s), stays symmetric and
    positive definite; a sample with y's <= 0 keeps its matrix; rows not named are untouched."""
    from analysis.psm.refit import _bfgs_update
    rng = np.random.default_rng(2)
    A = rng.normal(size=(3, 5, 5))
    B = np.einsum("bij,bkj->bik", A, A) + 5 * np.eye(5)
    s, y = rng.normal(size=(2, 5)), rng.normal(size=(2, 5))
    y[0] = s[0] + 0.1 * y[0]                   # y's > 0
    y[1] = -s[1]                               # y's < 0: no update
    new = B.copy()
    _bfgs_update(new, np.array([0, 2]), s, y)
    np.testing.assert_allclose(new[0] @ y[0], s[0], rtol=1e-12)
    np.testing.assert_allclose(new[0], new[0].T, atol=1e-14)
    assert np.linalg.eigvalsh(new[0]).min() > 0
    np.testing.assert_array_equal(new[1:], B[1:])


def _benefit_data(seed=4, n=1200):
    """BOT's quasi-separation: two benefit dummies, a third category ('other') without any treated."""
    rng = np.random.default_rng(seed)
    cat = rng.choice(["int", "kh", "other"], n, p=[0.45, 0.4, 0.15])
    x1 = rng.normal(size=n)
    eta = -1.2 + 0.8 * x1 + 0.6 * (cat == "int")
    t = ((rng.random(n) < 1 / (1 + np.exp(-eta))) & (cat != "other")).astype(int)
    X = pd.DataFrame({"x1": x1, "kh": (cat == "kh").astype(float), "int": (cat == "int").astype(float)})
    return t, X, cat


def test_quasi_separation_is_the_limit_of_the_likelihood():
    """Both benefit dummies kept: the 'other' units are found by the LP, get score 0, and the rest is
    the maximum-likelihood fit without them (one dummy then collinear with the constant and dropped);
    statsmodels on all units diverges (huge coefficients) towards the same scores."""
    t, X, cat = _benefit_data()
    other = cat == "other"
    assert (psm.separated_units(sm.add_constant(X, prepend=False).to_numpy(), t) == other).all()
    for link, model in (("logit", sm.Logit), ("probit", sm.Probit)):
        ps = psm.fit_propensity(t, X, link=link)
        assert ps.n_separated == other.sum() and (ps.separated == other).all()
        assert ps.separation_dropped == ("int",) and ps.converged
        assert (ps.score[other] == 0).all()
        ref = model(t[~other], sm.add_constant(X.loc[~other, ["x1", "kh"]], prepend=False)).fit(disp=0)
        np.testing.assert_allclose(ps.coefficients["coef"], ref.params, rtol=1e-6)
        np.testing.assert_allclose(ps.coefficients["se"], ref.bse, rtol=1e-5)
        np.testing.assert_allclose(ps.score[~other], ref.predict(), rtol=1e-6)
        diverged = psm.fit_propensity(t, X, link=link, separation="ignore")
        assert not diverged.converged and diverged.coefficients["coef"].abs().max() > 5
        np.testing.assert_allclose(diverged.score, ps.score, atol=1e-4)
    # without the separated category nothing is set aside
    ps = psm.fit_propensity(t[~other], X[~other].drop(columns="int"))
    assert ps.n_separated == 0 and ps.separation_dropped == ()


def test_bootstrap_keeps_separated_units_at_score_zero():
    t, X, cat = _benefit_data()
    Y = np.column_stack([X["x1"] + 0.1 * t, (cat == "other").astype(float)])
    specs = {"r": psm.MatchingSpec("ridge", bandwidth=0.05, support="minmax"),
             "i": psm.MatchingSpec("ipw", support="minmax")}
    res = psm.estimate_att(t, X, Y, specs, n_boot=20, seed=5, keep_replicates=True)
    # the 'other' units never get weight: the matched control mean of their indicator is 0 in the
    # estimate and in every replication
    assert (res.frame["control_mean"].to_numpy()[[1, 3]] == 0).all()
    for name in specs:
        rep = res.replicates[name]
        assert np.isfinite(rep).all() and (np.abs(rep[:, 1]) < 1e-12).all()


# ----------------------------------------------------------------------------------------------
# Recovery of a known effect, bootstrap
# ----------------------------------------------------------------------------------------------

SPECS = {
    "ridge": psm.MatchingSpec("ridge"),
    "ridge_exact": psm.MatchingSpec("ridge", exact=True),
    "kernel": psm.MatchingSpec("kernel"),
    "kernel_exact": psm.MatchingSpec("kernel", exact=True),
    "ipw": psm.MatchingSpec("ipw"),
    "ridge_probit": psm.MatchingSpec("ridge", link="probit"),
    "ridge_uniform": psm.MatchingSpec("ridge", kernel="uniform"),
    "kernel_uniform": psm.MatchingSpec("kernel", kernel="uniform", bandwidth=0.05),
}


@pytest.fixture(scope="module")
def simulated():
    rng = np.random.default_rng(2024)
    return _selection_data(3000, rng)


@pytest.fixture(scope="module")
def estimated(simulated):
    t, X, Y, cells = simulated
    return psm.estimate_att(t, X, pd.DataFrame(Y, columns=["y_a", "y_b"]), SPECS, cells=cells,
                            cv_outcome=Y[:, 0], n_boot=60, seed=1, keep_replicates=True)


def test_each_estimator_recovers_a_known_effect(simulated, estimated):
    t, X, Y, cells = simulated
    f = estimated.frame
    assert set(f["spec"]) == set(SPECS) and list(f.columns) == list(psm.RESULT_COLUMNS)
    assert (np.abs(f["att"] - 0.05) < 3.5 * f["se"]).all(), f[["spec", "column", "att", "se"]]
    # the comparison is not trivial: the raw difference is far off
    naive = Y[t == 1, 0].mean() - Y[t == 0, 0].mean()
    se_main = f.loc[(f["spec"] == "ridge") & (f["column"] == "y_a"), "se"].item()
    assert abs(naive - 0.05) > 6 * se_main
    np.testing.assert_allclose(f["treated_mean"] - f["control_mean"], f["att"], atol=1e-15)
    assert f.loc[f["spec"] == "ipw", "bandwidth"].isna().all()
    assert (f.loc[f["spec"] == "kernel_uniform", "bandwidth"] == 0.05).all()
    assert set(estimated.cv) == {"ridge", "ridge_exact", "kernel", "kernel_exact", "ridge_probit",
                                 "ridge_uniform"}
    assert set(estimated.scores) == {"logit", "probit"}


def test_point_estimate_matches_att_with_the_fitted_score(simulated, estimated):
    t, X, Y, cells = simulated
    ps = estimated.scores["logit"]
    for name in ("ridge", "kernel_exact"):
        s = SPECS[name]
        direct = psm.att(t, ps.score, Y, method=s.method, bandwidth=estimated.bandwidths[name],
                         cells=cells if s.exact else None)
        row = estimated.frame[estimated.frame["spec"] == name]
        np.testing.assert_allclose(row["att"], direct.att, atol=1e-12)
        np.testing.assert_allclose(row["control_mean"], direct.control_mean, atol=1e-12)


def test_bootstrap_is_reproducible_and_reestimates_the_score(simulated, monkeypatch):
    t, X, Y, cells = simulated
    specs = {"r": psm.MatchingSpec("ridge", bandwidth=0.05), "p": psm.MatchingSpec("ipw", link="probit")}
    a = psm.estimate_att(t, X, Y, specs, n_boot=15, seed=42)
    b = psm.estimate_att(t, X, Y, specs, n_boot=15, seed=42)
    c = psm.estimate_att(t, X, Y, specs, n_boot=15, seed=43)
    pd.testing.assert_frame_equal(a.frame, b.frame)
    assert not np.allclose(a.frame["se"], c.frame["se"])
    calls = []
    original = psm._refit_block
    monkeypatch.setattr(psm.bootstrap, "_refit_block",  # patched where the bootstrap looks it up
                        lambda *args, **kw: calls.extend([args[2]] * len(args[4])) or original(*args, **kw))
    psm.estimate_att(t, X, Y, specs, n_boot=7, seed=42)
    assert sorted(calls) == ["logit"] * 7 + ["probit"] * 7  # one refit per link and replication


def test_bootstrap_se_matches_monte_carlo_sd():
    """The bootstrap SE is close to the sampling SD of the estimator (150 simulated samples;
    bootstrap SEs averaged over 10 of them). Resampling only the controls would give ~0.65."""
    rng = np.random.default_rng(99)
    spec = {"r": psm.MatchingSpec("ridge", bandwidth=0.06)}
    draws, ses = [], []
    for s in range(150):
        t, X, Y, _ = _selection_data(800, rng)
        res = psm.estimate_att(t, X, Y[:, :1], spec, n_boot=100 if s < 10 else 0, seed=s)
        draws.append(res.frame["att"].item())
        if s < 10:
            ses.append(res.frame["se"].item())
    ratio = np.mean(ses) / np.std(draws, ddof=1)
    assert 0.8 < ratio < 1.25, ratio


def test_inference_columns_use_the_normal_approximation(estimated):
    f = estimated.frame
    np.testing.assert_allclose(f["z"], f["att"] / f["se"])
    np.testing.assert_allclose(f["ci_low"], f["att"] - 1.959963984540054 * f["se"])
    np.testing.assert_allclose(f["ci_high"], f["att"] + 1.959963984540054 * f["se"])
    from scipy import stats
    np.testing.assert_allclose(f["p_value"], 2 * stats.norm.sf(np.abs(f["z"])))
    R = estimated.replicates["ridge"]
    assert R.shape == (60, 2)
    np.testing.assert_allclose(f.loc[f["spec"] == "ridge", "se"], R.std(axis=0, ddof=1))


# ----------------------------------------------------------------------------------------------
# Over time, by group
# ----------------------------------------------------------------------------------------------

def test_cumulative_means():
    M = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, np.nan]])
    np.testing.assert_allclose(psm.cumulative_means(M), [[1, 0.5, 2 / 3], [0, 0.5, np.nan]])
    df = psm.cumulative_means(pd.DataFrame(M, columns=["m0", "m1", "m2"]))
    assert list(df.columns) == ["m0", "m1", "m2"]


def test_effects_over_time_reestimates_on_each_followup_sample(simulated):
    t, X, Y, cells = simulated
    n = len(t)
    rng = np.random.default_rng(4)
    weeks = np.column_stack([Y[:, 0] + 0.01 * k for k in range(4)])
    censored = rng.random(n) < 0.2
    weeks[censored, 3] = np.nan  # the last period is observed for fewer persons
    specs = {"1": psm.MatchingSpec("ridge", bandwidth=0.05), "2": psm.MatchingSpec("ridge", bandwidth=0.05,
                                                                                  exact=True)}
    f = psm.effects_over_time(t, X, weeks, specs, periods=[0, 1, 2, 3], cells=cells, n_boot=10, seed=3)
    assert list(f.columns) == ["spec", "week", "att", "se", "ci_low", "ci_high", "p_value", "control_level",
                               "treated_level", "n_obs", "n_treated_on_support", "bandwidth"]
    assert list(f["spec"]) == ["1"] * 4 + ["2"] * 4 and list(f["week"]) == [0, 1, 2, 3] * 2
    assert list(f.loc[f["spec"] == "1", "n_obs"]) == [n, n, n, n - censored.sum()]
    # a constant shift of the outcome leaves the ATT unchanged on the same sample
    a = f.loc[f["spec"] == "1", "att"].to_numpy()
    assert a[1] == pytest.approx(a[0]) and a[2] == pytest.approx(a[0])
    lvl = f.loc[f["spec"] == "1", "control_level"].to_numpy()
    assert lvl[1] - lvl[0] == pytest.approx(0.01)


def test_estimate_by_group_rescores_within_groups(simulated):
    t, X, Y, cells = simulated
    groups = np.where(X["x2"] == 1, "mand", "kvinde")
    specs = {"1": psm.MatchingSpec("ridge", bandwidth=0.06)}
    res = psm.estimate_by_group(t, X, Y, specs, groups, n_boot=5, seed=1)
    assert list(res) == ["kvinde", "mand"]
    for level, r in res.items():
        m = groups == level
        assert len(r.index) == m.sum() and (np.flatnonzero(m) == r.index).all()
        assert "x2" in r.scores["logit"].dropped_columns  # constant within the subgroup
        direct = psm.estimate_att(t[m], X[m].reset_index(drop=True), Y[m], specs, n_boot=0)
        np.testing.assert_allclose(r.frame["att"], direct.frame["att"])
    stacked = psm.frame_by_group(res, name="gender")
    assert list(stacked.columns[:2]) == ["gender", "spec"] and len(stacked) == 4
    w = psm.unit_weights_by_group(res, "1", len(t))
    for level in res:
        m = groups == level
        assert w[m & (t == 1)].sum() == pytest.approx(1) and w[m & (t == 0)].sum() == pytest.approx(1)



def _sample_tasks(seed=7):
    """Tiny tasks of every kind: a subgroup, the whole sample with a cv bandwidth and two links,
    and an over-time task with censored follow-up."""
    rng = np.random.default_rng(seed)
    t, X, Y, cells = _selection_data(400, rng)
    n = len(t)
    Yf = pd.DataFrame(Y, columns=["y_a", "y_b"])
    weeks = np.column_stack([Y[:, 0] + 0.01 * k for k in range(3)])
    weeks[rng.random(n) < 0.2, 2] = np.nan
    specs = {"1": psm.MatchingSpec("ridge", bandwidth=0.08),
             "2": psm.MatchingSpec("kernel", exact=True, bandwidth=0.08),
             "p": psm.MatchingSpec("ridge", link="probit", bandwidth="cv",
                                   grid=np.array([0.05, 0.1, 0.2]))}
    seeds = np.random.SeedSequence(11).spawn(3)
    return t, [
        psm.SampleTask("men", np.flatnonzero(X["x2"] == 1), t, X, Yf, {"1": specs["1"]}, seed=seeds[0]),
        psm.SampleTask(("all", "x"), np.arange(n), t, X, Yf, specs, cells=cells, cv_outcome=Y[:, 0],
                       seed=seeds[1]),
        psm.SampleTask("weeks", np.arange(n), t, X, weeks, {"1": specs["1"]}, seed=seeds[2], over_time=True,
                       periods=[0, 1, 2], period_name="uge"),
    ]


def _frame(result):
    return result.frame if isinstance(result, psm.PSMResult) else result


def test_estimate_samples_does_not_depend_on_workers_or_order():
    t, tasks = _sample_tasks()
    serial = psm.estimate_samples(tasks, n_boot=8, workers=1)
    parallel = psm.estimate_samples(tasks, n_boot=8, workers=2)
    again = psm.estimate_samples(tasks[::-1], n_boot=8, workers=1)  # SeedSequences are not used up
    assert list(serial) == list(parallel) == ["men", ("all", "x"), "weeks"]
    for key in serial:
        pd.testing.assert_frame_equal(_frame(serial[key]), _frame(parallel[key]), check_exact=True)
        pd.testing.assert_frame_equal(_frame(serial[key]), _frame(again[key]), check_exact=True)
    assert serial["men"].frame["se"].notna().all() and serial["men"].frame["n_boot"].eq(8).all()
    assert set(serial["weeks"]["uge"]) == {0, 1, 2}
    # each task is the plain estimation on its rows with its own seed
    men = tasks[0]
    direct = psm.estimate_att(t[men.rows], men.covariates.iloc[men.rows].reset_index(drop=True),
                              men.outcomes.iloc[men.rows].reset_index(drop=True), men.specs, n_boot=8,
                              seed=np.random.SeedSequence(11).spawn(3)[0])
    pd.testing.assert_frame_equal(serial["men"].frame, direct.frame, check_exact=True)
    with pytest.raises(ValueError, match="unique"):
        psm.estimate_samples([tasks[0], tasks[0]], n_boot=2, workers=1)


def test_bootstrap_jobs_hand_out_every_block_once_whole_estimations_first():
    from analysis.psm.bootstrap import BOOT_BLOCK
    from analysis.psm.samples import SPLIT_SHARE, _block_cost, _bootstrap_jobs

    class Boot:  # what _block_cost reads
        def __init__(self, n):
            self.n, self.specs, self.Y, self.scores = n, {"1": None}, np.zeros((n, 1)), {"logit": (np.zeros((n, 3)), None, None)}

    class Prep:
        def __init__(self, n, n_boot):
            self.boot, self.n_boot = Boot(n), n_boot

    preps = [Prep(n, n_boot) for n, n_boot in [(300, 60), (5000, 60), (900, 60), (100, 60), (2000, 7)]]
    jobs = _bootstrap_jobs(preps)
    handed = sorted((f, start) for f, starts in jobs for start in starts)
    every = sorted((f, start) for f, p in enumerate(preps) for start in range(0, p.n_boot, BOOT_BLOCK))
    assert handed == every                                            # each block exactly once
    cost = [_block_cost(p) * len(range(0, p.n_boot, BOOT_BLOCK)) for p in preps]
    first = list(dict.fromkeys(f for f, _ in jobs))                   # estimations in the order handed out
    assert first == sorted(range(len(preps)), key=lambda f: -cost[f])  # heaviest first
    assert first[0] == 1 and jobs[0] == (1, (0, BOOT_BLOCK, 2 * BOOT_BLOCK))  # the heaviest as one job
    split = {f for f, starts in jobs if len(starts) == 1 and preps[f].n_boot > BOOT_BLOCK}
    assert split and sum(cost[f] for f in split) <= SPLIT_SHARE * sum(cost) + max(cost[f] for f in split)
    assert all(cost[f] <= min(cost[g] for g, s in jobs if len(s) > 1) for f in split)  # the lightest


def test_estimate_samples_with_several_blocks_per_estimation_does_not_depend_on_workers():
    # three blocks per estimation (the last one short): whole-estimation jobs and single blocks
    t, tasks = _sample_tasks()
    serial = psm.estimate_samples(tasks[:2], n_boot=57, workers=1)
    parallel = psm.estimate_samples(tasks[:2], n_boot=57, workers=2)
    for key in serial:
        pd.testing.assert_frame_equal(serial[key].frame, parallel[key].frame, check_exact=True)
    assert serial["men"].frame["n_boot"].eq(57).all()


def test_estimate_samples_later_gives_the_same_results_read_when_needed():
    t, tasks = _sample_tasks()
    now = psm.estimate_samples(tasks, n_boot=8, workers=2)
    out = psm.estimate_samples(tasks, n_boot=8, workers=2, later=[("all", "x"), "weeks"])
    assert list(out) == list(now) and len(out) == 3 and ("all", "x") in out   # keys without waiting
    assert out.pending() == [("all", "x"), "weeks"]                           # computed in the background
    for key in ["weeks", "men", ("all", "x")]:
        pd.testing.assert_frame_equal(_frame(out[key]), _frame(now[key]), check_exact=True)
    assert out.pending() == [] and out[("all", "x")] is out[("all", "x")]     # read once, then kept
    serial = psm.estimate_samples(tasks, n_boot=8, workers=1, later=["weeks"])  # no pool: all at once
    assert serial.pending() == []
    pd.testing.assert_frame_equal(_frame(serial["weeks"]), _frame(now["weeks"]), check_exact=True)
    with pytest.raises(ValueError, match="later"):
        psm.estimate_samples(tasks, n_boot=2, workers=2, later=["nobody"])


def test_an_error_in_a_later_task_is_raised_where_its_result_is_read(monkeypatch):
    from analysis.psm import samples

    t, tasks = _sample_tasks()
    replicate = samples._replicate_block
    n_men = len(tasks[0].rows)

    def failing(boot, draws):           # the forked workers inherit this
        if boot.n == n_men:
            raise RuntimeError("replikation fejlede")
        return replicate(boot, draws)

    monkeypatch.setattr(samples, "_replicate_block", failing)
    out = psm.estimate_samples(tasks[:2], n_boot=8, workers=2, later=["men"])   # returns
    assert isinstance(out[("all", "x")], psm.PSMResult)
    with pytest.raises(RuntimeError, match="replikation fejlede"):
        out["men"]


def test_estimate_samples_strips_weight_matrices():
    t, tasks = _sample_tasks()
    out = psm.estimate_samples(tasks[:2], n_boot=2, workers=2)
    for task in tasks[:2]:
        res = out[task.key]
        assert isinstance(res, psm.PSMResult)
        np.testing.assert_array_equal(res.index, task.rows)  # rows of the caller's arrays
        assert res.replicates is None
        for w in res.weights.values():
            assert w.matrix is None and len(w.control_weights) == w.n_controls
        for sc in res.scores.values():
            assert sc.model is None and sc.design.size == 0 and len(sc.score) == len(task.rows)
        w = res.unit_weights("1", len(t))  # still usable for balance on the caller's rows
        assert w[task.rows][t[task.rows] == 1].sum() == pytest.approx(1)
        assert w[np.setdiff1d(np.arange(len(t)), task.rows)].sum() == 0
    assert out[("all", "x")].cv["p"].bandwidth in (0.05, 0.1, 0.2)
    assert set(out[("all", "x")].scores) == {"logit", "probit"}


def test_spec_validation():
    with pytest.raises(ValueError):
        psm.MatchingSpec("nearest")
    with pytest.raises(ValueError):
        psm.MatchingSpec("ridge", bandwidth=-1)
    with pytest.raises(ValueError, match="cells"):
        psm.estimate_att([1, 0, 0, 1], pd.DataFrame({"x": [1.0, 2, 3, 5]}), [1.0, 2, 3, 4],
                         psm.MatchingSpec("kernel", bandwidth=1.0, exact=True), n_boot=0)
    with pytest.raises(ValueError, match="cv_outcome"):
        psm.estimate_att([1, 0, 0, 1], pd.DataFrame({"x": [1.0, 2, 3, 5]}), [1.0, 2, 3, 4],
                         psm.MatchingSpec("kernel"), n_boot=0)


# ----------------------------------------------------------------------------------------------
# Balance
# ----------------------------------------------------------------------------------------------

def test_standardised_differences_by_hand():
    X = pd.DataFrame({"x": [1.0, 3.0, 0.0, 2.0, 4.0]})
    t = np.array([1, 1, 0, 0, 0])
    w = np.array([0.5, 0.5, 0.0, 0.25, 0.75])
    f = standardised_differences(X, t, {"matched": w})
    assert list(f.columns) == ["group", "variable", "stage", "mean_treated", "mean_control", "var_treated",
                               "var_control", "std_diff", "var_ratio"]
    before, after = f.iloc[0], f.iloc[1]
    v1, v0 = 2.0, 4.0  # sample variances (ddof=1) of (1, 3) and (0, 2, 4)
    assert before["std_diff"] == pytest.approx(100 * (2 - 2) / np.sqrt((v1 + v0) / 2))
    assert before["var_ratio"] == pytest.approx(v1 / v0)
    m_c = 0.25 * 2 + 0.75 * 4
    v_c = (0.25 * (2 - m_c) ** 2 + 0.75 * (4 - m_c) ** 2) / (1 - 0.25 ** 2 - 0.75 ** 2)
    assert after["mean_control"] == pytest.approx(3.5)
    assert after["std_diff"] == pytest.approx(100 * (2 - 3.5) / np.sqrt(3.0))  # unmatched variances
    assert after["var_ratio"] == pytest.approx(2.0 / v_c)


def test_standardised_differences_by_group_renormalise_weights(simulated):
    t, X, Y, cells = simulated
    w = psm.matching_weights(t, psm.fit_propensity(t, X).score, method="ridge", bandwidth=0.05)
    f = standardised_differences(X, t, {"ridge": w.unit_weights(len(t))}, groups=cells)
    assert set(f["group"]) == {"a", "b", "c"} and set(f["stage"]) == {"before", "ridge"}
    # within a group, the "b" dummy is constant: no scale, NaN
    assert f.loc[f["variable"] == "b", "std_diff"].isna().all()
    pooled = standardised_differences(X, t, {"ridge": w.unit_weights(len(t))})
    s = balance_summary(pooled, variables=["x1", "x2"])
    before = s.loc[s["stage"] == "before", "mean_abs_std_diff"].item()
    after = s.loc[s["stage"] == "ridge", "mean_abs_std_diff"].item()
    assert before > 20 and after < 5  # matching removes the selection on x1, x2
