"""analysis.cem: strata, weights and L1 on a hand-worked example and against a loop implementation."""
from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from analysis import cem


def _example():
    # Hand-worked: age coarsened at 40, sex exact.
    # stratum (<40, M): treated 1, controls 2   -> matched
    # stratum (<40, K): treated 2, controls 1   -> matched
    # stratum (≥40, M): treated 1, controls 0   -> treated unmatched
    # stratum (≥40, K): treated 0, controls 1   -> control unmatched
    return pd.DataFrame({
        "t":   [1, 0, 0, 1, 1, 0, 1, 0],
        "age": [30, 35, 39, 31, 38, 33, 45, 50],
        "sex": ["M", "M", "M", "K", "K", "K", "M", "K"]})


def test_hand_worked_weights():
    res = cem.cem(_example(), "t", [cem.Coarsening("age", cuts=(40,)), cem.Coarsening("sex")])
    # m_T = 3 matched treated, m_C = 3 matched controls.
    # control in (<40, M): (3/3) * (1/2) = 0.5; control in (<40, K): (3/3) * (2/1) = 2.
    assert res.weight.tolist() == [1.0, 0.5, 0.5, 1.0, 1.0, 2.0, 0.0, 0.0]
    assert res.matched.tolist() == [True] * 6 + [False, False]
    assert res.counts().loc["matched"].tolist() == [3, 3]
    assert res.counts().loc["unmatched"].tolist() == [1, 1]
    assert res.n_strata == 4 and res.n_matched_strata == 2
    # control weights sum to the number of matched controls
    assert res.weight[~res.treated & res.matched].sum() == pytest.approx(3.0)


def test_coarsening_bins_are_half_open():
    r = cem.Coarsening("x", cuts=(40, 50))
    assert r.apply(pd.Series([39.9, 40, 49.99, 50, 80])).tolist() == ["0", "1", "1", "2", "2"]
    assert r.bins() == ["< 40", "40–<50", "≥ 50"]
    with pytest.raises(ValueError, match="increase"):
        cem.Coarsening("x", cuts=(50, 40)).apply(pd.Series([1.0]))


def _loop_cem(rows, treat, keys):
    """Independent implementation: dictionaries and loops straight from Iacus, King & Porro (2012)."""
    strata = {}
    for i, r in enumerate(rows):
        strata.setdefault(tuple(k(r) for k in keys), []).append(i)
    mt = sum(1 for s in strata.values() if any(treat[i] for i in s) and not all(treat[i] for i in s)
             for i in s if treat[i])
    mc = sum(1 for s in strata.values() if any(treat[i] for i in s) and not all(treat[i] for i in s)
             for i in s if not treat[i])
    w = [0.0] * len(rows)
    for s in strata.values():
        ts = [i for i in s if treat[i]]
        cs = [i for i in s if not treat[i]]
        if ts and cs:
            for i in ts:
                w[i] = 1.0
            for i in cs:
                w[i] = (mc / mt) * len(ts) / len(cs)
    return w


def test_weights_match_loop_implementation():
    rng = np.random.default_rng(3)
    n = 3000
    df = pd.DataFrame({"t": (rng.random(n) < 0.2).astype(int), "age": rng.uniform(30, 65, n),
                       "grad": rng.beta(5, 1, n), "edu": rng.choice(["a", "b", "c", "d"], n)})
    rules = [cem.Coarsening("age", cuts=(40, 50, 60)), cem.Coarsening("grad", cuts=(0.9,)),
             cem.Coarsening("edu", groups={"a": "low", "b": "low", "c": "high", "d": "high"})]
    res = cem.cem(df, "t", rules)
    rows = df.to_dict("records")
    keys = [lambda r: sum(r["age"] >= c for c in (40, 50, 60)), lambda r: r["grad"] >= 0.9,
            lambda r: r["edu"] in "ab"]
    expect = _loop_cem(rows, df["t"].tolist(), keys)
    np.testing.assert_allclose(res.weight.to_numpy(), expect, rtol=1e-12)


def test_l1_hand_worked_and_zero_on_matching_grid():
    df = _example()
    grid = [cem.Coarsening("age", cuts=(40,)), cem.Coarsening("sex")]
    # before: treated 4 over cells (<40M 1, <40K 2, ≥40M 1) = .25/.5/.25;
    # controls 4 over (<40M 2, <40K 1, ≥40K 1) = .5/.25/.25 -> L1 = ½(.25+.25+.25+.25) = 0.5
    assert cem.l1_imbalance(df, "t", grid) == pytest.approx(0.5)
    res = cem.cem(df, "t", grid)
    assert cem.l1_imbalance(df, "t", grid, res.weight) == pytest.approx(0.0, abs=1e-12)


def test_matched_effect_recovers_known_difference():
    rng = np.random.default_rng(1)
    n = 4000
    x = rng.integers(0, 3, n)
    t = (rng.random(n) < 0.2 + 0.2 * x).astype(int)
    y = 1.0 * x + 0.5 * t + rng.normal(0, 1, n)
    df = pd.DataFrame({"t": t, "x": x, "y": y})
    res = cem.cem(df, "t", [cem.Coarsening("x")])
    e = cem.matched_effect(df, "y", "t", res.weight)
    assert abs(e.estimate - 0.5) < 3 * e.se
    naive = y[t == 1].mean() - y[t == 0].mean()
    assert abs(naive - 0.5) > 5 * e.se        # the raw difference is confounded by x
