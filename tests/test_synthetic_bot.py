"""The synthetic BOT generator: exact sample flow, files, schema, determinism, selection model, effects."""
from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
import statsmodels.api as sm

from analysis.synthetic import bot
from csvlayout import check_csv_layout

#: Bilagstabel 2.1 coefficients significant at 5 % (and Aabenraa at 10 %): their signs must be recovered
SIGNIFICANT_PS = ("years_in_dk", "emp_m1", "education_w1", "jobparat_prev_q1", "integration_benefit_w52",
                  "partner_emp", "crime", "kom_faxe", "kom_hoeje_taastrup", "kom_ringsted", "kom_odder",
                  "kom_rudersdal", "kom_kerteminde", "kom_aabenraa")
#: outcomes whose true ATT is built in by calibration
CALIBRATED = ("ordinary_employment_2019", "self_support_2019", "su_2019", "placement_private_0_52",
              "placement_public_0_52", "wage_subsidy_private_0_52", "wage_subsidy_public_0_52", "guidance_0_52",
              "igu_0_52")


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    d = tmp_path_factory.mktemp("bot")
    bot.write(d)
    return d


@pytest.fixture(scope="module")
def data(written):
    return bot.load(written)


def test_sample_flow_is_exact(data):
    flow = bot.sample_flow(data).set_index("step")
    assert flow["treated"].tolist() == [476, 448, 415, 412]
    assert flow.loc[["population", "benefit", "analysis"], "controls"].tolist() == [7367, 2536, 2229]
    assert flow.loc["reported", ["treated_men", "treated_women"]].tolist() == [219, 257]
    assert flow.loc["analysis", ["treated_men", "treated_women", "controls_men", "controls_women"]].tolist() == [
        195, 217, 1029, 1200]
    pop = flow.loc["population"]
    assert pop["treated_men"] + pop["controls_men"] == 4134 and pop["treated_women"] + pop["controls_women"] == 3681
    # the mean employment rate the month before: participants far below the others (spec: 0,04 vs 0,44)
    assert pop["emp_m1_treated"] < 0.1 < 0.25 < pop["emp_m1_controls"]
    assert flow.loc["analysis", "emp_m1_treated"] < flow.loc["analysis", "emp_m1_controls"] < 0.2
    assert len(data.persons) == bot.N_PERSONS
    main, unres = bot.analysis_mask(data), bot.analysis_mask(data, "unrestricted")
    assert main.sum() == 2641 and unres.sum() == 7815 and (main <= unres).all()


def test_flow_columns_are_real(data):
    """The filter columns agree with the weekly states and the other columns."""
    p = data.persons
    states = data.states()
    s, _, _ = bot._start_index(p)
    before = states[np.arange(len(p)), s - 1]
    assert (p["benefit_week_before"].to_numpy() == ((before >= 10) & (before <= 46))).all()
    assert (p["permanent_benefit_week_before"].to_numpy() == (before == 50)).all()
    steps = bot.flow_steps(data)
    fail = p[~steps["population"].to_numpy()]
    assert len(fail) == 28 + 157
    reasons = ((~fail["age"].between(19, 63)) | (fail["non_western_immigrant"] == 0)
               | (fail["kommune"] == bot.OTHER_KOMMUNE[0]) | (fail["permanent_benefit_week_before"] == 1))
    assert reasons.all()
    assert set(p.loc[p["kommune"] == bot.OTHER_KOMMUNE[0], "kommune_kode"]) == {0}


def test_twelve_municipalities_and_skanderborg_excluded(data):
    m = data.municipalities
    assert len(m) == 12 and set(m["kommune"]) == set(bot.KOMMUNER)
    assert m.set_index("kommune").loc["Skanderborg", "in_evaluation"] == 0 and m["in_evaluation"].sum() == 11
    p = data.persons
    assert set(p["kommune"]) == set(bot.KOMMUNER) | {bot.OTHER_KOMMUNE[0]}
    steps = bot.flow_steps(data)
    skb = (p["kommune"] == "Skanderborg").to_numpy()
    assert (steps["benefit"].to_numpy() & skb).sum() == 3 + 307
    assert not (steps["analysis"].to_numpy() & skb).any()
    main = bot.analysis_mask(data)
    assert set(p.loc[main, "kommune"]) == set(bot.BOT_KOMMUNER)
    # Skanderborg participants belong to Odder's project
    assert set(p.loc[skb & (p["bot"] == 1).to_numpy(), "projekt_kommune"]) == {"Odder"}
    codes = bot.municipality(data)
    assert set(codes) == {bot.KOMMUNE_CODE[k] for k in bot.BOT_KOMMUNER}


def test_table_2_1(data):
    t = bot.municipal_counts(data).set_index("kommune")
    for k, (alle, women, men, weeks) in bot.TABLE_2_1.items():
        assert t.loc[k, ["alle", "kvinder", "maend"]].tolist() == [alle, women, men], k
        assert abs(t.loc[k, "mean_weeks"] - weeks) < 1.0, k
    assert t.loc["I alt", ["alle", "kvinder", "maend"]].tolist() == [476, 257, 219]
    assert 35 < t.loc["I alt", "mean_weeks"] < 41
    p = data.persons
    assert p.loc[p["bot"] == 0, ["projekt_kommune", "bot_end_date"]].isna().all().all()


def test_start_dates_and_cohorts(data):
    p = data.persons
    s, _, d = bot._start_index(p)
    assert s.min() >= bot.START_WEEKS[0] and s.max() <= bot.START_WEEKS[1]
    assert (p["start_week"].to_numpy() == np.array([bot.WEEK_LABELS[w] for w in s])).all()
    c = bot.start_cohort(data)
    t = bot.treatment(data) == 1
    assert 0.48 < (c["start_year"] == 2017)[t].mean() < 0.65
    assert (c["cohort_ii"] <= c["cohort_i"]).all() and (c["full_followup"] >= c["cohort_i"]).all()


def test_outcome_matrices(data):
    main = bot.analysis_mask(data)
    n = int(main.sum())
    c = bot.start_cohort(data)
    for outcome in bot.WEEKLY_OUTCOMES:
        w = bot.weekly_outcome(data, outcome)
        assert w.shape == (n, 53), outcome
        ok = w[~np.isnan(w)]
        assert ((ok >= 0) & (ok <= 1)).all(), outcome
        # weeks are missing only after 2019-W31 (and 2019-W31 itself for the monthly employment rate)
        assert not np.isnan(w[c["full_followup"].to_numpy() & (c["start_year"] == 2017).to_numpy()]).any()
        y = bot.window_2019(data, outcome)
        assert y.shape == (n,) and np.all((y >= 0) & (y <= 1)), outcome
        sh = bot.share_0_52(data, outcome)
        assert (np.isnan(sh) == ~c["full_followup"].to_numpy()).all() or outcome == "ordinary_employment"
    cm = bot.cumulative_months(data)
    assert cm.shape == (n, 13) and not np.isnan(cm[:, :10]).any()
    assert np.nanmin(cm) >= 0 and np.nanmax(cm) <= 1
    so = bot.sector_outcomes(data)
    assert list(so.columns) == list(bot.SECTOR_OUTCOMES) and so.shape == (n, 9)
    assert ((so >= 0) & (so <= 1)).all().all()
    emp_any = (data.hours()[main][:, bot.MONTHS_2019] > 0).mean(axis=1)
    assert (so[["enkeltmand", "aktieselskab", "anpartsselskab", "primaer_kommune"]].sum(axis=1)
            <= emp_any + 1e-12).all()
    frame = bot.analysis_frame(data)
    assert len(frame) == n and frame["treat"].sum() == 412
    assert np.allclose(frame["ordinary_employment_2019"], bot.window_2019(data, "ordinary_employment"))


def test_states_codes_and_hours(data):
    states = data.states()
    assert set(np.unique(states)) <= set(bot.STATE_CODES)
    h = data.hours()
    assert h.min() >= 0 and h.max() <= bot.FULLTIME_MONTH + 0.05
    sec = data.sectors()
    assert ((sec == 0) == (h == 0)).all()
    ind, own = sec // 10, sec % 10
    assert set(np.unique(ind[sec > 0])) <= set(bot.INDUSTRIES) and set(np.unique(own[sec > 0])) <= set(bot.OWNERSHIPS)
    om = bot.ordinary_employment_monthly(h, states)
    assert om.min() >= 0 and om.max() <= 1


def test_covariates(data):
    x = bot.covariates(data, "ps")
    assert list(x.columns) == bot.PS_COVARIATES and len(x) == 2641 and not x.isna().any().any()
    assert set(bot.SELECTION_COEF) <= set(x.columns)
    b = bot.covariates(data, "balance")
    assert list(b.columns) == list(bot.BALANCE_COVARIATES) and not b.isna().any().any()
    for k in range(1, 13):
        assert b[f"emp_m{k}"].between(0, 1).all()
    t = bot.treatment(data) == 1
    unres = bot.covariates(data, "ps", bot.analysis_mask(data, "unrestricted"))
    assert len(unres) == 7815 and unres["kom_skanderborg"].sum() > 0
    assert list(unres.columns) == [c for c in bot.PS_COVARIATES[:12]] + ["kom_skanderborg"] + bot.PS_COVARIATES[12:]
    # quasi-separation as in the published table: every participant on one of the two benefits
    assert ((x["social_assistance_w1"] + x["integration_benefit_w1"])[t] == 1).all()
    assert ((x["social_assistance_w1"] + x["integration_benefit_w1"])[~t] == 0).any()
    # the raw differences of Bilagstabel 2.2 in direction
    mt, mc = b[t].mean(), b[~t].mean()
    for k in ("years_in_dk", "emp_m1", "social_assistance_w1", "crime", "akasse", "age"):
        assert mt[k] < mc[k], k
    for k in ("education_w1", "integration_benefit_w1", "jobparat_year", "jobparat_prev_year"):
        assert mt[k] > mc[k], k


@pytest.fixture(scope="module")
def logit(data):
    x = bot.covariates(data, "ps")
    t = bot.treatment(data)
    el = ((x["social_assistance_w1"] + x["integration_benefit_w1"]) == 1).to_numpy()
    xf = sm.add_constant(x[el].drop(columns=["social_assistance_w1"]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = sm.Logit(t[el], xf).fit(disp=0, maxiter=200)
    ps = np.zeros(len(t))
    ps[el] = res.predict(xf)
    return res, ps


def test_participation_model_recovers_published_signs(logit):
    res, _ = logit
    for k in SIGNIFICANT_PS:
        assert np.sign(res.params[k]) == np.sign(bot.PUBLISHED_PS[k][1]), k
    assert abs(res.params["years_in_dk"] - bot.SELECTION_COEF["years_in_dk"]) < 4 * res.bse["years_in_dk"]


def test_true_effects(data):
    att = data.meta["sample_att"]
    assert data.meta["true_att"] == json.loads(json.dumps(bot.TRUE_ATT))
    assert data.meta["calibration_notes"] == []
    for k in CALIBRATED:
        for g in ("maend", "kvinder"):
            assert att[k][g] == pytest.approx(bot.TRUE_ATT[k][g], abs=0.003), (k, g)
        assert att[k]["alle"] == pytest.approx(bot.TRUE_ATT[k]["alle"], abs=0.004), k
    assert att["su_2019"]["alle"] == 0.0
    for k, v in bot.TRUE_ATT.items():
        assert v["alle"] == pytest.approx((195 * v["maend"] + 217 * v["kvinder"]) / 412, abs=1e-6)
    # no lock-in: the true weekly effect on ordinary employment is never negative, ~0 in the first weeks
    weekly = np.array(att["weekly_0_52"]["ordinary_employment"], dtype=float)
    assert weekly.min() >= 0 and weekly[:5].max() < 0.01 and weekly[40:].mean() > 0.03
    assert np.argmax(att["weekly_0_52"]["placement_private"]) < 30


def test_ipw_recovers_att(data, logit):
    """Odds-weighted controls (IPW of Tabel 5.2) estimate the employment ATT near the truth."""
    _, ps = logit
    t = bot.treatment(data)
    y = bot.window_2019(data, "ordinary_employment")
    w = ps / (1 - ps)
    est = y[t == 1].mean() - np.sum(w[t == 0] * y[t == 0]) / np.sum(w[t == 0])
    assert est == pytest.approx(bot.TRUE_ATT["ordinary_employment_2019"]["alle"], abs=0.045)


def test_write_is_byte_identical_and_seed_dependent(tmp_path, written, data):
    again = tmp_path / "again"
    bot.write(again)
    names = sorted(p.name for p in written.iterdir())
    assert names == sorted(p.name for p in again.iterdir())
    assert {f"{s}.csv" for s in bot.SCHEMA} | {"meta.json", "codebook.md"} == set(names)
    for n in names:
        assert (written / n).read_bytes() == (again / n).read_bytes(), n
    # loading and writing again reproduces the files
    for stem, df in data.frames().items():
        assert bot._csv_text(stem, df).encode("utf-8") == (written / f"{stem}.csv").read_bytes(), stem
    other = bot.generate(bot.DEFAULT_SEED + 1)
    assert other.meta["seed"] == bot.DEFAULT_SEED + 1
    for stem in ("persons", "weekly_states", "monthly_hours", "monthly_sector"):
        assert not getattr(other, stem).equals(getattr(data, stem)), stem
    flow = bot.sample_flow(other).set_index("step")
    assert flow["treated"].tolist() == [476, 448, 415, 412]
    assert flow.loc[["population", "benefit", "analysis"], "controls"].tolist() == [7367, 2536, 2229]
    for k in ("ordinary_employment_2019", "igu_0_52"):
        assert other.meta["sample_att"][k]["kvinder"] == pytest.approx(bot.TRUE_ATT[k]["kvinder"], abs=0.003)


def test_files_match_schema(written):
    total = check_csv_layout(written, bot)
    assert total + sum(p.stat().st_size for p in written.glob("*.*") if p.suffix != ".csv") < 15e6
    book = (written / "codebook.md").read_text(encoding="utf-8")
    for stem, schema in bot.SCHEMA.items():
        for col in schema:
            if stem in ("weekly_states", "monthly_hours", "monthly_sector"):
                continue
            assert f"`{col}`" in book, col
    for code in bot.STATE_CODES:
        assert f"| {code} |" in book
    assert bot.WEEK_COLUMNS[0] in book and bot.WEEK_COLUMNS[-1] in book and bot.MONTH_COLUMNS[-1] in book


def test_context_series(data):
    u, e = data.context_unemployment, data.context_employment
    assert set(u["area"]) >= {"Hele landet"} and u["year"].min() <= 2008 and u["year"].max() >= 2018
    assert (u["unemployment_pct"] > 0).all()
    e16 = e[e["year"] == 2016].set_index(["sex", "origin"])["employment_pct"]
    gap = e16[("Kvinder", "Personer med dansk oprindelse")] - e16[("Kvinder", "Indvandrere fra ikke-vestlige lande")]
    assert 25 < gap < 31
    assert "synthetic" in bot.COLUMNS["context_unemployment"][2][5]
    assert "synthetic" in bot.COLUMNS["context_employment"][3][5]


def test_status_note(data):
    s = bot.status_note(data).set_index(["measure", "group"])
    assert s.loc[("employment", "Alle"), "after"] > s.loc[("employment", "Alle"), "before"]
    assert s.loc[("igu", "Alle"), "after"] > s.loc[("igu", "Alle"), "before"]


def test_cli(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(bot, "write", lambda out, seed: calls.append((out, seed)) or [])
    assert bot.main(["--out", str(tmp_path / "x"), "--seed", "5"]) == 0
    assert bot.main(["--out", str(tmp_path / "y")]) == 0
    assert calls == [(str(tmp_path / "x"), 5), (str(tmp_path / "y"), bot.DEFAULT_SEED)]


def test_counterfactual_gives_each_participants_true_effect(written, data):
    """bot.counterfactual: the participants' untreated histories in place of the observed ones
    (controls untouched, the files unchanged); the mean effect over each sample's participants is
    the generator's sample_att (rounded to 6 decimals in meta), also for the weekly profiles."""
    gen = bot.generate(bot.DEFAULT_SEED)
    for stem, df in gen.frames().items():          # the kept Y(0) is not in the written files
        assert bot._csv_text(stem, df).encode("utf-8") == (written / f"{stem}.csv").read_bytes(), stem
    with pytest.raises(ValueError):
        bot.counterfactual(data)                    # files do not hold Y(0)
    cf = bot.counterfactual(gen)
    t = bot.treatment(gen)
    ff = bot.start_cohort(gen)["full_followup"].to_numpy()
    assert (cf.states()[~gen.persons["bot"].astype(bool).to_numpy()]
            == gen.states()[~gen.persons["bot"].astype(bool).to_numpy()]).all()
    att = gen.meta["sample_att"]
    af, af0 = bot.analysis_frame(gen).reset_index(drop=True), bot.analysis_frame(cf).reset_index(drop=True)
    cols = [c for c in af.columns if c in att]
    assert len(cols) >= 19
    eff = af[cols].astype(float) - af0[cols].astype(float)
    assert (eff[t == 0].abs().fillna(0).to_numpy() == 0).all()
    for col in cols:
        mask = (t == 1) & (ff if att[col]["sample"] == "fu" else True)
        assert eff[col].to_numpy()[mask].mean() == pytest.approx(att[col]["alle"], abs=1e-6), col
    assert att["su_2019"]["alle"] == 0 and not eff["su_2019"].any()
    for k in ("education_activation", "placement_private", "ordinary_employment", "igu"):
        e = bot.weekly_outcome(gen, k) - bot.weekly_outcome(cf, k)
        np.testing.assert_allclose(np.nanmean(e[(t == 1) & ff], axis=0),
                                   np.array(att["weekly_0_52"][k], dtype=float), atol=1e-6)
    # the effects are individual, not a constant shift: participants differ
    assert eff.loc[t == 1, "ordinary_employment_2019"].std() > 0.05
