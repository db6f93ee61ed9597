"""analysis.survival against published R `survival` output on the lung data (lifelines ships it).

References (R package survival, data(lung), status 2 = death; lifelines codes it 1):
* ``coxph(Surv(time, status) ~ sex, data = lung)``: coef −0.5310, se 0.1672, exp(coef) 0.588,
  95 % CI 0.4237–0.816, Wald p 0.00149 (the printed summary reproduced in STHDA's Cox tutorial and
  in the Cross Validated question "Get standard error of exponentiated coefficient in cox
  regression").
* ``coxph(Surv(time, status) ~ age + sex, data = lung)``: sex −0.513219 (se 0.167458),
  age 0.017045 (se 0.009223) (the survival package's own printed example output).
* ``survfit(Surv(time, status) ~ 1, data = lung)``: median 310 days; by sex: 270 (men), 426 (women).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from lifelines.datasets import load_lung

from analysis import survival as sv


@pytest.fixture(scope="module")
def lung():
    d = load_lung()[["time", "status", "sex", "age"]].copy()
    d["female"] = (d["sex"] == 2).astype(int)
    return d


def test_cox_sex_matches_r(lung):
    r = sv.cox_effect(lung, "time", "status", "female")
    assert r.log_hr == pytest.approx(-0.5310, abs=5e-5)
    assert r.se == pytest.approx(0.1672, abs=5e-5)
    assert r.hazard_ratio == pytest.approx(0.588, abs=5e-4)
    assert r.ci_low == pytest.approx(0.4237, abs=5e-5)
    assert r.ci_high == pytest.approx(0.816, abs=5e-4)
    assert r.p_value == pytest.approx(0.00149, abs=5e-6)
    assert (r.n, r.n_events) == (228, 165)


def test_cox_age_sex_matches_r(lung):
    r = sv.cox_effect(lung, "time", "status", "female", ["age"])
    assert r.log_hr == pytest.approx(-0.513219, abs=5e-6)
    assert r.se == pytest.approx(0.167458, abs=5e-6)


def test_km_medians_match_r(lung):
    times = np.arange(1, 1023)
    tab = sv.km_table(lung["time"], lung["status"], np.zeros(len(lung)), times)
    median = tab.loc[tab["survival"] <= 0.5, "time"].min()
    assert median == 310
    by = sv.km_table(lung["time"], lung["status"], lung["female"], times)
    med = by[by["survival"] <= 0.5].groupby("group")["time"].min()
    assert med.to_dict() == {0: 270, 1: 426}


def test_weights_act_as_case_weights(lung):
    """Integer weights give the same KM as duplicated rows, and nearly the same Cox estimate (Efron's
    tie correction sees a weighted row as one subject, duplicated rows as several tied ones; R's
    coxph behaves the same way)."""
    rng = np.random.default_rng(7)
    w = rng.integers(1, 4, len(lung))
    rep = lung.loc[lung.index.repeat(w)]
    t = [100, 300, 500]
    a = sv.km_table(lung["time"], lung["status"], lung["female"], t, weights=w)
    b = sv.km_table(rep["time"], rep["status"], rep["female"], t)
    np.testing.assert_allclose(a["survival"], b["survival"], rtol=1e-10)
    cw = sv.cox_effect(lung, "time", "status", "female", ["age"], weights=w)
    cr = sv.cox_effect(rep, "time", "status", "female", ["age"])
    assert cw.log_hr == pytest.approx(cr.log_hr, abs=0.003)
    unweighted = sv.cox_effect(lung, "time", "status", "female", ["age"])
    assert abs(unweighted.log_hr - cr.log_hr) > 0.01
    assert cw.robust and not cr.robust


def test_ph_check_detects_crossing_hazards():
    rng = np.random.default_rng(11)
    n = 2000
    g = rng.integers(0, 2, n)
    # group 1: high early hazard, low late hazard (Weibull shapes 0.5 vs 2): hazards cross
    t = np.where(g == 1, rng.weibull(0.5, n) * 10, rng.weibull(2.0, n) * 10)
    d = pd.DataFrame({"T": np.minimum(t, 20), "E": (t < 20).astype(int), "g": g})
    assert sv.cox_effect(d, "T", "E", "g").ph_p_treatment < 0.001
    ph = pd.DataFrame({"T": np.minimum(rng.exponential(1, n) / np.exp(0.5 * g), 3), "g": g})
    ph["E"] = (ph["T"] < 3).astype(int)
    assert sv.cox_effect(ph, "T", "E", "g").ph_p_treatment > 0.001


def test_window_censors_at_the_end():
    dur, ev = sv.window([3, np.nan, 30, 26], 26)
    assert dur.tolist() == [3, 26, 26, 26] and ev.tolist() == [1, 0, 0, 1]


def test_fast_score_residuals_equal_lifelines(lung):
    from lifelines import CoxPHFitter

    d = lung[["time", "status", "female", "age"]].assign(w=np.random.default_rng(2).uniform(0.2, 3, len(lung)))
    slow = CoxPHFitter().fit(d, "time", "status", weights_col="w", robust=True)
    fast = sv.FastCoxPHFitter().fit(d, "time", "status", weights_col="w", robust=True)
    assert isinstance(fast._model, sv._FastSemiParametricPHFitter)      # the fast residuals were used
    assert not isinstance(slow._model, sv._FastSemiParametricPHFitter)
    np.testing.assert_allclose(fast.standard_errors_, slow.standard_errors_, rtol=1e-10)
    np.testing.assert_allclose(fast.params_, slow.params_, rtol=1e-12)


def test_ph_statistic_equals_lifelines_for_unweighted_fits(lung):
    from lifelines import CoxPHFitter
    from lifelines.statistics import proportional_hazard_test

    d = lung[["time", "status", "female", "age"]].dropna().reset_index(drop=True).astype(float)
    fit = CoxPHFitter().fit(d, "time", "status")
    ref = proportional_hazard_test(fit, d, time_transform="km").summary
    stat, p, glob = sv._ph_tests(fit, d)
    np.testing.assert_allclose(stat.to_numpy(), ref.loc[stat.index, "test_statistic"].to_numpy(), rtol=1e-8)
    assert 0 < glob < 1
    one = CoxPHFitter().fit(d[["time", "status", "female"]], "time", "status")
    s1, p1, g1 = sv._ph_tests(one, d[["time", "status", "female"]])
    assert g1 == pytest.approx(float(p1["female"]))        # one covariate: global = the covariate's test


def test_km_table_counts_units_at_risk_and_events_as_lifelines_event_table(lung):
    from lifelines import KaplanMeierFitter

    times = [180, 360, 540, 720, 900]
    tab = sv.km_table(lung["time"], lung["status"], lung["female"], times)
    for g, part in lung.groupby("female"):
        events = KaplanMeierFitter().fit(part["time"], part["status"]).event_table
        row = tab[tab["group"] == g].set_index("time")
        for lo, hi in zip([0] + times[:-1], times):
            # at risk at t: lifelines' at_risk at the first event-table time >= t (or none left)
            later = events.index[events.index >= hi]
            expect_at_risk = int(events.loc[later[0], "at_risk"]) if len(later) else 0
            assert row.loc[hi, "n_at_risk"] == expect_at_risk
            window = events[(events.index > lo) & (events.index <= hi)]
            assert row.loc[hi, "n_events"] == int(window["observed"].sum())
