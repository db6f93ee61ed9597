"""The synthetic STAR trials: exact arms, randomisation within sites, each estimate recovers its true
effect, files."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from benchscript import load_benchmark

from analysis.synthetic import star

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def data():
    return star.generate()


def test_exact_arms_and_stratified_randomisation(data):
    for trial, arms in star.ARMS.items():
        df = getattr(data, trial)
        assert df.groupby("arm").size().to_dict() == arms
        assert df["person_id"].tolist() == list(range(1, len(df) + 1))
        if star.SITES[trial]:
            assert df["site"].nunique() == star.SITES[trial]
            share = df.assign(t=df["arm"] != "kontrol").groupby("site")["t"].mean()
            overall = sum(m for a, m in arms.items() if a != "kontrol") / len(df)
            n = df.groupby("site").size()
            # largest remainder within site: at most one person from the overall share
            assert (np.abs(share - overall) * n <= 1.0 + 1e-9).all(), trial


def test_default_seed_estimates_recover_the_truth(data):
    est = star.estimate_all(data)
    assert set(est) == set(star.SPEC_BY_KEY)
    for key, r in est.items():
        truth = star.true_effect(data.meta, star.SPEC_BY_KEY[key])
        assert abs(r.estimate - truth) < 3 * r.se, key
        assert r.cov_type == "cluster" and r.n_clusters == r.n_obs     # HC1: one person per cluster


def test_difference_in_means_is_unbiased_over_seeds():
    """Independent of the regression code: the treated–control difference in means over 30 draws is
    within 3,5 Monte Carlo standard errors of the true effect for every comparison."""
    diffs = {s["key"]: [] for s in star.TRIAL_SPECS}
    truths = {s["key"]: [] for s in star.TRIAL_SPECS}
    for seed in range(101, 131):
        d = star.generate(seed)
        for s in star.TRIAL_SPECS:
            f = star.trial_frame(d, s)
            y = f[s["outcome"]].to_numpy(float)
            t = f["indsats"].to_numpy() == 1
            diffs[s["key"]].append(y[t].mean() - y[~t].mean())
            truths[s["key"]].append(star.true_effect(d.meta, s))
    for key, v in diffs.items():
        v, tr = np.array(v), np.array(truths[key])
        mcse = v.std(ddof=1) / np.sqrt(len(v))
        assert abs(v.mean() - tr.mean()) < 3.5 * mcse, key


def test_control_levels_as_published(data):
    m = data.mentor
    assert m.loc[m["arm"] == "kontrol", "udd_1aar"].mean() == pytest.approx(0.12, abs=0.03)
    b = data.brobygning
    assert b.loc[b["arm"] == "deltager", "udd_25u"].mean() == pytest.approx(0.452, abs=0.04)
    i = data.inklusion
    assert i.loc[i["arm"] == "kontrol", "job_udd_18md"].mean() == pytest.approx(0.465, abs=0.08)
    j = data.jobfirst
    assert j.loc[j["arm"] == "kontrol", "timer_uge_78u"].mean() == pytest.approx(2.85, abs=0.4)


def test_write_is_byte_identical_seed_dependent_and_committed(tmp_path, data):
    a, b = tmp_path / "a", tmp_path / "b"
    star.write(a)
    star.write(b, seed=star.DEFAULT_SEED + 1)
    names = sorted(x.name for x in a.iterdir())
    assert names == sorted([f"{s}.csv" for s in star.COLUMNS] + ["meta.json", "codebook.md"])
    committed = ROOT / "data" / "synthetic" / "star"
    for n in names:
        assert (a / n).read_bytes() == (committed / n).read_bytes(), f"make data changes {n}"
        if n.endswith(".csv"):
            assert (a / n).read_bytes() != (b / n).read_bytes()
    meta = json.loads((a / "meta.json").read_text(encoding="utf-8"))
    assert meta["seed"] == star.DEFAULT_SEED and meta["true_effects"]["mentor.udd_1aar.deltager"] == 0.04
    back = star.load(a)
    for stem in star.COLUMNS:
        assert back.frames()[stem].equals(data.frames()[stem])


@pytest.mark.slow
def test_coverage_over_seeds():
    """200 draws: every comparison's 95 % interval covers the truth 90–99 % of the time, mean bias
    within 3,5 Monte Carlo SE (benchmarks/star_coverage.py prints the table)."""
    bench = load_benchmark("star_coverage")
    for key, row in bench.coverage(range(1, 201)).iterrows():
        assert 0.90 <= row["coverage"] <= 0.99, key
        assert abs(row["bias"]) < 3.5 * row["mc_se"], key
