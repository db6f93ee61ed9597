"""analysis.progression: changes between answers, the no-intercept cell-mean OLS, clustered SEs,
the percentile translation, combinations from S1 ticks. Checked against independent computations."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from scipy import stats

from analysis import progression as prog


@pytest.fixture(scope="module")
def cells_data():
    """Clustered data in all 16 cells: persons with 1–6 rows, a person effect and cell means."""
    rng = np.random.default_rng(7)
    rows = []
    for pid in range(1, 701):
        u = rng.normal(0, 0.5)
        for _ in range(rng.integers(1, 7)):
            c = prog.COMBINATIONS[rng.choice(16, p=np.r_[0.25, np.full(15, 0.05)])]
            rows.append({"person_id": pid, "cell": c, "y": int(c, 2) / 30 - 0.2 + u + rng.normal()})
    return pd.DataFrame(rows)


def test_no_intercept_ols_is_cell_means_with_classical_ci(cells_data):
    d = cells_data
    res = prog.cell_means(d["y"], d["cell"], cluster=d["person_id"])
    t = res.table.set_index("cell")
    grp = d.groupby("cell")["y"]
    means, counts = grp.mean(), grp.size()
    N, K = len(d), 16
    resid = d["y"] - d["cell"].map(means)
    s = math.sqrt(float((resid ** 2).sum()) / (N - K))
    q = stats.t.ppf(0.975, N - K)
    for c in prog.COMBINATIONS:
        assert t.at[c, "estimate"] == pytest.approx(means[c], abs=1e-12)
        assert t.at[c, "n"] == counts[c]
        se = s / math.sqrt(counts[c])
        assert t.at[c, "se"] == pytest.approx(se, rel=1e-10)
        assert t.at[c, "ci_low"] == pytest.approx(means[c] - q * se, rel=1e-9, abs=1e-12)
        assert t.at[c, "ci_high"] == pytest.approx(means[c] + q * se, rel=1e-9, abs=1e-12)
        assert t.at[c, "p_value"] == pytest.approx(2 * stats.t.sf(abs(means[c] / se), N - K), rel=1e-8, abs=1e-15)
    assert res.df == N - K and res.n_obs == N and res.absent == ()


def test_clustered_se_is_the_stata_sandwich(cells_data):
    """Cluster-robust variance by hand: bread diag(1/n_c), meat Σ_g (Σ_{i∈g} x_i e_i)(…)',
    factor G/(G-1)·(N-1)/(N-K), t(G-1) intervals; and the same as statsmodels' formula API."""
    d = cells_data
    res = prog.cell_means(d["y"], d["cell"], cluster=d["person_id"])
    t = res.table.set_index("cell")
    X = np.column_stack([(d["cell"] == c).to_numpy(float) for c in prog.COMBINATIONS])
    e = (d["y"] - d["cell"].map(d.groupby("cell")["y"].mean())).to_numpy()
    scores = pd.DataFrame(X * e[:, None]).groupby(d["person_id"].to_numpy()).sum().to_numpy()
    meat = scores.T @ scores
    bread = np.diag(1 / X.sum(axis=0))
    N, K, G = len(d), 16, d["person_id"].nunique()
    V = bread @ meat @ bread * G / (G - 1) * (N - 1) / (N - K)
    q = stats.t.ppf(0.975, G - 1)
    for j, c in enumerate(prog.COMBINATIONS):
        se = math.sqrt(V[j, j])
        assert t.at[c, "se_cluster"] == pytest.approx(se, rel=1e-9)
        assert t.at[c, "ci_high_cluster"] - t.at[c, "estimate"] == pytest.approx(q * se, rel=1e-9)
    np.testing.assert_allclose(res.cov_cluster.to_numpy(), V, rtol=1e-9, atol=1e-15)
    sm_res = smf.ols("y ~ 0 + C(cell)", data=d).fit(cov_type="cluster", cov_kwds={"groups": d["person_id"]},
                                                     use_t=True)
    np.testing.assert_allclose(t["se_cluster"].to_numpy(), sm_res.bse.to_numpy(), rtol=1e-10)
    assert res.df_cluster == G - 1
    # the large cell holds several rows of the same persons (with a person effect): clustering widens it
    assert t.at["0000", "se_cluster"] > t.at["0000", "se"]


def test_significant_cells(cells_data):
    d = cells_data
    res = prog.cell_means(d["y"], d["cell"], cluster=d["person_id"])
    t = res.table
    for sign in (1, -1):
        for clustered, p in ((False, "p_value"), (True, "p_value_cluster")):
            want = [c for c, e, pv in zip(t["cell"], t["estimate"], t[p]) if pv < 0.05 and (e > 0) == (sign > 0)]
            assert prog.significant_cells(res, sign, clustered=clustered) == want
    pos = prog.significant_cells(res, 1)
    assert pos and prog.significant_cells(res, 1, exclude=pos[:1]) == pos[1:]
    assert prog.significant_cells(res, 1, alpha=1e-300) == []


def test_absent_cells_and_bad_cells():
    y = pd.Series([0.1, 0.2, -0.3, 0.4])
    cell = pd.Series(["0000", "0000", "1000", "1000"])
    res = prog.cell_means(y, cell)
    assert list(res.table["cell"]) == ["0000", "1000"] and len(res.absent) == 14
    with pytest.raises(ValueError, match="not among the cells"):
        prog.cell_means(y, pd.Series(["0000", "0000", "2000", "1000"]))


def test_contrast_of_two_cells(cells_data):
    d = cells_data
    res = prog.cell_means(d["y"], d["cell"], cluster=d["person_id"])
    m = d.groupby("cell")["y"].mean()
    c = prog.contrast(res, "0000", "1000", clustered=False)
    assert c.estimate == pytest.approx(m["1000"] - m["0000"], abs=1e-12)
    t = res.table.set_index("cell")
    assert c.se == pytest.approx(math.hypot(t.at["0000", "se"], t.at["1000", "se"]), rel=1e-9)
    cc = prog.contrast(res, "0000", "1000")
    v = res.cov_cluster
    assert cc.clustered and cc.se == pytest.approx(
        math.sqrt(v.at["0000", "0000"] + v.at["1000", "1000"] - 2 * v.at["0000", "1000"]), rel=1e-12)


@pytest.mark.parametrize("d", [-1.3, -0.2, -0.15, 0.0, 0.1, 0.2, 0.47, 2.0])
def test_percentile_shift_is_the_normal_cdf(d):
    s = prog.percentile_shift(d)
    phi = 0.5 * (1 + math.erf(d / math.sqrt(2)))
    assert s.percentile == pytest.approx(100 * phi, abs=1e-10)
    assert s.places == pytest.approx(100 * phi - 50, abs=1e-10)
    assert s.rank_from_top == pytest.approx(100 - 100 * phi, abs=1e-10)


def test_percentile_shift_reproduces_the_reports_readings():
    # d = 0,1: "den 46. percentil, fire pladser frem"; -0,15: "seks pladser ned";
    # 0,2: "fra en 50. plads til en 58. plads" (backwards); about 18 places for d ≈ 0,47
    assert round(prog.percentile_shift(0.1).rank_from_top) == 46 and round(prog.percentile_shift(0.1).places) == 4
    assert round(prog.percentile_shift(-0.15).places) == -6
    assert round(prog.percentile_shift(-0.2).rank_from_top) == 58
    assert round(prog.percentile_shift(0.47).places) == 18


def test_item_changes_skip_unanswered_and_use_the_previous_answer():
    a = pd.DataFrame({
        "person_id": [1, 1, 1, 1, 2, 2],
        "date": ["2014-01-01", "2014-04-02", "2014-07-02", "2014-10-01", "2015-01-05", "2015-03-02"],
        "svar": [1, 1, 0, 1, 1, 1],
        "B1": [3, 4, 5, 1, 2, np.nan],
        "B2": [2, 2, 2, np.nan, 5, 1],
    })
    ch = prog.item_changes(a, ["B1", "B2"], "svar")
    assert list(ch.index) == [1, 3, 5]
    assert ch.loc[1, "B1"] == 1 and ch.loc[3, "B1"] == -3 and np.isnan(ch.loc[5, "B1"])
    assert ch.loc[1, "B2"] == 0 and np.isnan(ch.loc[3, "B2"]) and ch.loc[5, "B2"] == -4
    assert ch.loc[3, "weeks_since_prev"] == pytest.approx((pd.Timestamp("2014-10-01") - pd.Timestamp("2014-04-02")).days / 7)
    assert ch.loc[3, "prev_index"] == 1
    idx = prog.index_change(ch, ["B1", "B2"])
    assert idx.loc[1] == 0.5 and np.isnan(idx.loc[3]) and np.isnan(idx.loc[5])


def test_item_changes_reject_two_answers_on_one_day():
    a = pd.DataFrame({"person_id": [1, 1], "date": ["2014-01-01"] * 2, "svar": [1, 1], "B1": [1, 2]})
    with pytest.raises(ValueError, match="same person on the same date"):
        prog.item_changes(a, ["B1"], "svar")


def _ticks(**on):
    row = {prog.s1_column(i): 0 for i in prog.S1_ITEMS}
    row.update({prog.s1_column(int(k[1:])): v for k, v in on.items()})
    return row


def test_combinations_from_ticks():
    rows = [_ticks(i5=1, i13=1), _ticks(i1=1, i15=1, i16=1), _ticks(i22=1), _ticks(i23=1), _ticks(),
            {prog.s1_column(i): np.nan for i in prog.S1_ITEMS}, _ticks(i3=1, i2=1, i6=1, i9=1, i23=1)]
    codes = prog.combination_from_ticks(pd.DataFrame(rows))
    assert codes.tolist() == ["1000", "0111", "0000", None, None, None, "1111"]
    ind = prog.type_indicators(codes)
    assert ind.loc[1, ["J", "O", "S", "H", "Ingen"]].tolist() == [0, 1, 1, 1, 0]
    assert ind.loc[2, "Ingen"] == 1 and ind.loc[3].isna().all()
    # every S1 item except 22 and 23 belongs to exactly one type
    mapped = sorted(i for items in prog.TYPE_ITEMS.values() for i in items)
    assert mapped == [i for i in prog.S1_ITEMS if i not in (22, 23)]


def test_slope_matches_least_squares():
    rng = np.random.default_rng(3)
    x = pd.Series(rng.gamma(2, 9, 500) + 4)
    y = pd.Series(0.3 - 0.01 * x + rng.normal(size=500))
    s = prog.slope(y, x)
    b, a = np.polyfit(x, y, 1)
    assert s.estimate == pytest.approx(b, rel=1e-10) and s.intercept == pytest.approx(a, rel=1e-10)
    resid = y - a - b * x
    se = math.sqrt(float((resid ** 2).sum()) / 498 / float(((x - x.mean()) ** 2).sum()))
    assert s.se == pytest.approx(se, rel=1e-9) and s.df == 498


def test_group_profile_overlapping_columns():
    f = pd.DataFrame({"J": [1, 1, 0, 0], "O": [1, 0, 1, 0], "S": [0] * 4, "H": [0, 0, 0, 0],
                      "Ingen": [0, 0, 0, 1], "alder": [30.0, 40.0, 50.0, 60.0], "gift": [1, 0, 1, 1],
                      "pid": [7, 7, 8, 9]})
    p = prog.group_profile(f, ["alder", "gift"], person="pid")
    assert p.at["gift", "persons_O"] == 2 and p.at["gift", "persons_J"] == 1 and p.at["gift", "persons_S"] == 0
    assert p.at["alder", "J"] == 35 and p.at["alder", "O"] == 40 and np.isnan(p.at["alder", "S"])
    assert p.at["gift", "Ingen"] == 1 and p.at["gift", "n_J"] == 2 and p.at["gift", "count_O"] == 2
