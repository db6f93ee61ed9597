"""analysis.rct against an independent computation (numpy least squares, hand-written
cluster sandwich with the Stata small-sample factor, scipy t quantiles)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis.rct import (EffectEstimate, add_missing_indicator, bloom_participation, effects_frame,
                          itt_effect, take_up_share, winsorise, winsorised_itt_effect)
from analysis.synthetic import oto


@pytest.fixture(scope="module")
def data():
    return oto.generate(7)


@pytest.fixture(scope="module")
def families(data):
    return oto.family_frame(data)


def _reference(df, outcome, covariates=(), categorical=(), cluster="family_id", alpha=0.05):
    """Independent OLS: X built with numpy, beta by lstsq, sandwich by hand."""
    d = df[df[outcome].notna()]
    y = d[outcome].to_numpy(float)
    cols = [np.ones(len(d)), d["offer"].to_numpy(float)]
    for s in sorted(d["stratum"].unique())[1:]:
        cols.append((d["stratum"].to_numpy() == s).astype(float))
    for c in covariates:
        cols.append(d[c].to_numpy(float))
    for c in categorical:
        for lvl in sorted(d[c].unique())[1:]:
            cols.append((d[c].to_numpy() == lvl).astype(float))
    X = np.column_stack(cols)
    keep = [0, 1] + [j for j in range(2, X.shape[1]) if np.ptp(X[:, j]) > 0]
    X = X[:, keep]
    n, k = X.shape
    beta = np.linalg.lstsq(X, y, rcond=None)[0]
    u = y - X @ beta
    bread = np.linalg.inv(X.T @ X)
    if cluster is None:
        v = bread * (u @ u) / (n - k)
        df_t = n - k
    else:
        g = d[cluster].to_numpy()
        labels = np.unique(g)
        meat = np.zeros((k, k))
        for lab in labels:
            s = X[g == lab].T @ u[g == lab]
            meat += np.outer(s, s)
        G = len(labels)
        v = bread @ meat @ bread * (G / (G - 1)) * ((n - 1) / (n - k))
        df_t = G - 1
    se = np.sqrt(v[1, 1])
    t = beta[1] / se
    q = stats.t.ppf(1 - alpha / 2, df_t)
    return {"estimate": beta[1], "se": se, "ci_low": beta[1] - q * se, "ci_high": beta[1] + q * se,
            "p_value": 2 * stats.t.sf(abs(t), df_t), "df": df_t}


def _check(est: EffectEstimate, ref: dict):
    for key in ("estimate", "se", "ci_low", "ci_high", "p_value"):
        np.testing.assert_allclose(getattr(est, key), ref[key], rtol=1e-8, atol=1e-10, err_msg=key)
    assert est.df == ref["df"]


def test_itt_person_level_with_missing_indicator_and_categorical(data):
    p = data.persons[data.persons["school_absence"].notna()]
    p2, names = add_missing_indicator(p, "school_absence_base")
    assert names == ["school_absence_base_filled", "school_absence_base_missing"]
    assert p2[names[1]].sum() == p["school_absence_base"].isna().sum() > 0
    covs = ["female", "age_2019"] + names
    est = itt_effect(p2, "school_absence", covariates=covs, categorical=["origin"])
    _check(est, _reference(p2, "school_absence", covs, ["origin"]))
    assert est.n_clusters == p2["family_id"].nunique()
    assert est.df == est.n_clusters - 1


def test_itt_person_level_lag_and_binary(data):
    p = data.persons
    est = itt_effect(p, "youth_su_edu", covariates=["female", "age_2019", "youth_edu_base"],
                     categorical=["origin"])
    _check(est, _reference(p, "youth_su_edu", ["female", "age_2019", "youth_edu_base"], ["origin"]))


def test_itt_family_level_cluster_is_hc1(families):
    est = itt_effect(families, "exp_employ_out", covariates=["exp_employ_2018"])
    _check(est, _reference(families, "exp_employ_out", ["exp_employ_2018"]))
    assert est.n_clusters == 223 and est.df == 222


def test_winsorised_itt_caps_at_the_pooled_quantile(families):
    """The cap is the pooled 95th percentile (both arms, by hand: linear interpolation between order
    statistics), every value above it is replaced by it, and the regression is the reference OLS on
    the capped outcome with the raw lag."""
    y = np.sort(families["exp_social_out"].to_numpy())
    h = (len(y) - 1) * 0.95
    cap = y[int(np.floor(h))] + (h - np.floor(h)) * (y[int(np.floor(h)) + 1] - y[int(np.floor(h))])
    w = winsorised_itt_effect(families, "exp_social_out", quantile=0.95, covariates=["exp_social_2018"])
    assert w.cap == pytest.approx(cap, rel=1e-12)
    assert w.n_capped == int((y > cap).sum()) == 12  # 223 families: h = 222 * 0.95 = 210.9, so 212-223
    capped = families.assign(exp_social_out=np.minimum(families["exp_social_out"], cap))
    _check(w.effect, _reference(capped, "exp_social_out", ["exp_social_2018"]))
    assert w.effect.mean_treated <= families.loc[families["offer"] == 1, "exp_social_out"].mean()
    x, c = winsorise([1.0, np.nan, 3.0, 2.0], 0.5)
    assert c == 2.0 and np.isnan(x[1]) and list(x[[0, 2, 3]]) == [1.0, 2.0, 2.0]
    with pytest.raises(ValueError, match="quantile"):
        winsorise([1.0, 2.0], 1.0)


def test_itt_classical_without_cluster(families):
    est = itt_effect(families, "notif_out", covariates=["notif_base"], cluster=None)
    ref = _reference(families, "notif_out", ["notif_base"], cluster=None)
    _check(est, ref)
    assert est.cov_type == "nonrobust" and est.df == 223 - 5


def test_alpha_changes_interval(families):
    e90 = itt_effect(families, "exp_employ_out", covariates=["exp_employ_2018"], alpha=0.10)
    _check(e90, _reference(families, "exp_employ_out", ["exp_employ_2018"], alpha=0.10))


def test_missing_outcome_rows_dropped_and_raw_moments(data):
    p = data.persons
    est = itt_effect(p, "trivsel", covariates=["female", "age_2019"], categorical=["origin"])
    obs = p[p["trivsel"].notna()]
    assert est.n_treated == (obs["offer"] == 1).sum()
    assert est.n_control == (obs["offer"] == 0).sum()
    assert est.n_obs == len(obs) < len(p)
    t, c = obs.loc[obs["offer"] == 1, "trivsel"], obs.loc[obs["offer"] == 0, "trivsel"]
    assert est.mean_treated == pytest.approx(t.mean(), rel=1e-12)
    assert est.sd_treated == pytest.approx(t.std(ddof=1), rel=1e-12)
    assert est.mean_control == pytest.approx(c.mean(), rel=1e-12)
    assert est.sd_control == pytest.approx(c.std(ddof=1), rel=1e-12)
    assert est.std_effect == pytest.approx(est.estimate / c.std(ddof=1), rel=1e-12)


def test_missing_covariate_raises_naming_column(data):
    p = data.persons[data.persons["school_absence"].notna()]
    with pytest.raises(ValueError, match="school_absence_base"):
        itt_effect(p, "school_absence", covariates=["school_absence_base"])
    with pytest.raises(ValueError, match="no column"):
        itt_effect(p, "school_absence", covariates=["nope"])


def test_constant_missing_flag_is_dropped(families):
    f2, names = add_missing_indicator(families, "exp_social_2018")
    a = itt_effect(f2, "exp_social_out", covariates=names)
    b = itt_effect(families, "exp_social_out", covariates=["exp_social_2018"])
    assert a.dropped_columns == ("exp_social_2018_missing",)
    assert a.estimate == pytest.approx(b.estimate, rel=1e-10)
    assert a.se == pytest.approx(b.se, rel=1e-10)


def test_treatment_must_vary():
    df = pd.DataFrame({"y": [1.0, 2, 3, 4], "offer": 1, "stratum": 1, "family_id": [1, 2, 3, 4]})
    with pytest.raises(ValueError, match="does not vary"):
        itt_effect(df, "y")


def test_take_up_share_on_synthetic_families(data):
    assert take_up_share(data.families) == 62 / 132
    with pytest.raises(ValueError):
        take_up_share(pd.concat([data.families, data.families.head(1)]))


def test_bloom_uses_unrounded_itt(families, data):
    est = itt_effect(families, "exp_social_out", covariates=["exp_social_2018"])
    a = take_up_share(data.families)
    part = bloom_participation(est, a)
    assert part.estimate == est.estimate / (62 / 132)
    assert part.ci_low == est.ci_low / (62 / 132)
    assert part.ci_high == est.ci_high / (62 / 132)
    assert part.take_up == 62 / 132
    with pytest.raises(ValueError):
        bloom_participation(est, 0.0)


def test_effects_frame(families, data):
    a = take_up_share(data.families)
    res = [itt_effect(families, o, covariates=[lag]) for o, lag in
           (("exp_social_out", "exp_social_2018"), ("exp_employ_out", "exp_employ_2018"))]
    fr = effects_frame(res, a)
    assert list(fr["outcome"]) == ["exp_social_out", "exp_employ_out"]
    for col in ("estimate", "se", "ci_low", "ci_high", "p_value", "df", "n_treated", "n_control", "n_clusters",
                "mean_treated", "sd_treated", "mean_control", "sd_control", "std_effect",
                "part_estimate", "part_ci_low", "part_ci_high", "take_up"):
        assert col in fr.columns
    np.testing.assert_allclose(fr["part_estimate"], fr["estimate"] / (62 / 132), rtol=1e-15)
    np.testing.assert_allclose(fr["part_ci_high"], fr["ci_high"] / (62 / 132), rtol=1e-15)
    assert effects_frame(res)["part_estimate"].isna().all()
    assert res[0].to_dict()["outcome"] == "exp_social_out"
