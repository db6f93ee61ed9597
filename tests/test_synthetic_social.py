"""Synthetic Social støtte data: design, bit-identical files, and the estimators recover the truth."""
from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis import cem, costs, surveys, survival as sv
from analysis.synthetic import social as S

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data" / "synthetic" / "social"


@pytest.fixture(scope="module")
def data():
    return S.generate(S.DEFAULT_SEED)


@pytest.fixture(scope="module")
def frame(data):
    return S.analysis_frame(data)


def test_committed_files_are_what_the_generator_writes(tmp_path, data):
    S.write(tmp_path, S.DEFAULT_SEED)
    for p in sorted(DATA.iterdir()):
        assert hashlib.sha256(p.read_bytes()).digest() == hashlib.sha256((tmp_path / p.name).read_bytes()).digest(), p.name
    loaded = S.load(DATA)
    for stem, f in data.frames().items():
        pd.testing.assert_frame_equal(loaded.frames()[stem], f, check_dtype=False)


def test_design_is_exact(data):
    p = data.persons
    t = p[p["treated"] == 1]
    assert t["kommune"].value_counts().to_dict() == S.KOMMUNER
    years = pd.to_datetime(t["start_date"]).dt.year.value_counts().to_dict()
    assert years == S.INTAKE_PER_YEAR
    assert (p["treated"] == 0).sum() == S.N_POOL
    assert p["age"].min() >= 30
    r = data.registrations
    assert int(((r["lab_31b"] + r["sel_85"] + r["sel_82b"]) == 2).sum()) == 3
    c = data.candidates
    assert c["removed"].isna().sum() == 504 and set(c["removed"].dropna()) <= set(S.REMOVAL_REASONS)


def test_history_rules(data):
    s, h = S.pre_arrays(data)
    assert not np.isin(s[:, -52:], (0,)).any(), "everybody on benefits the last year"
    assert not np.isin(s[:, -1], (2, 3)).any(), "nobody in a company-oriented measure the week before"
    post, _ = S.post_arrays(data)
    obs = ~np.isnan(post)
    assert (obs[:, :-1] >= obs[:, 1:]).all(), "observed weeks are a prefix"


def test_outcome_definitions_on_a_small_path():
    st = np.array([[1, 2, 2, 3, 1] + [1] * 47, [1] * 20 + [np.nan] * 32], float)
    hr = np.zeros_like(st)
    hr[0, 2], hr[0, 3], hr[0, 30] = 5.0, 20.0, 37.0
    m = S.outcome_measures(st, hr)
    assert m.loc[0, "virk_first"] == 2 and m.loc[0, "virk_grad_1_6"] == pytest.approx(3 / 26)
    assert m.loc[0, "besk_first"] == 3 and m.loc[0, "ust_first"] == 3     # week 4 is løntilskud
    assert m.loc[0, "ust_grad_7_12"] == pytest.approx(1 / 26)
    assert m.loc[0, "besk_grad_1_6"] == pytest.approx((5 + 20) / 37 / 26)
    assert np.isnan(m.loc[1, "virk_any_1_6"]) and m.loc[1, "weeks_observed"] == 20


@pytest.mark.parametrize("horizon", ["6m", "12m"])
def test_estimators_recover_the_truth(data, frame, horizon):
    sub, m = S.matched_sample(frame, horizon)
    assert m.counts().loc["matched", "treated"] > 0.75 * m.counts().loc["all", "treated"]
    assert cem.l1_imbalance(sub, "treated", S.L1_GRID, m.weight) < cem.l1_imbalance(sub, "treated", S.L1_GRID)
    ctrl = ["c_" + c for c in S.REGRESSION_CONTROLS]
    end = S.HORIZONS[horizon]
    truth = data.truth.set_index("person_id").loc[sub.loc[m.matched & m.treated, "person_id"]]
    for theme, hr_key in (("virk", "virk"), ("ust", "ustoettet")):
        dur, ev = sv.window(sub[f"{theme}_first"], end)
        c = sv.cox_effect(sub.assign(T=dur, E=ev), "T", "E", "treated", ctrl, weights=m.weight)
        assert abs(c.log_hr - np.log(S.TRUE_HR[hr_key])) < 3 * c.se, (theme, c.hazard_ratio)
        g = f"{theme}_grad_{'1_6' if horizon == '6m' else '7_12'}"
        e = cem.matched_effect(sub, g, "treated", m.weight, ctrl)
        att = float((truth[g + "_y1"] - truth[g + "_y0"]).mean())
        assert abs(e.estimate - att) < 3 * e.se, (g, e.estimate, att)


def test_headlines_point_the_published_way(frame):
    sub, m = S.matched_sample(frame, "12m")
    ctrl = ["c_" + c for c in S.REGRESSION_CONTROLS]
    for theme in ("virk", "ust"):
        dur, ev = sv.window(sub[f"{theme}_first"], 52)
        c = sv.cox_effect(sub.assign(T=dur, E=ev), "T", "E", "treated", ctrl, weights=m.weight)
        assert c.hazard_ratio > 1 and c.p_value < 0.05


def test_survey_scores_and_sensitivity_bounds(data):
    sc = surveys.scale_scores(data.progress, S.BIP_ITEMS)
    assert sc["who5"].between(0, 100).all() and sc["gse"].between(10, 40).all()
    assert (sc["who5_low"] <= sc["who5"]).all() and (sc["who5"] <= sc["who5_high"]).all()
    assert not (data.progress[[f"who5_{i}" for i in range(1, 6)]] == 2).any().any()
    ch = surveys.paired_change(sc, "who5", 5)
    assert ch.change > 0 and ch.n <= (sc["measurement"] == 5).sum()
    # the paired change equals the mean of individual differences, computed by hand
    a = sc[sc.measurement == 1].set_index("person_id")["who5"]
    b = sc[sc.measurement == 5].set_index("person_id")["who5"]
    assert ch.change == pytest.approx((b - a).dropna().mean())


def test_costs_reproduce_published_scenarios():
    prices = S._som_prices()
    res = {k: costs.scenario_net(91_800, v, prices, years=S.SOM_YEARS, rate=S.SOM_DISCOUNT)
           for k, v in S.ARCHETYPES.items()}
    assert round(res["A"]["kommune"], -2) == -91_800
    assert round(res["B"]["kommune"], -2) == -26_600
    assert round(res["C"]["samlet"], -2) == 92_800
    assert round(res["D"]["samlet"], -2) == 138_100
    # the original's annualised establishment cost: 439.900 kr over two years at 4 pct.
    assert round(costs.annualise(439_900, 2, 0.04), -3) == 224_000
    assert costs.hourly_cost(567_200) == pytest.approx(567_200 / 1418 * 1.2)


def test_cost_records_price_to_the_table_scale(data):
    c = S.cost_frame(data)
    total = c[c["phase"] == "drift"].groupby("kommune")["kr"].sum()
    published = {S.COST_LETTER[l]: sum(v[i] for (ph, _, _), v in S.COST_TABLE.items() if ph == "drift") * 1000
                 for i, l in enumerate(S.COST_LETTER)}
    for k, v in published.items():
        assert abs(total[k] / v - 1) < 0.2
