"""Monte Carlo on the synthetic OtO data-generating process (slow; run with -m slow):

* the coverage table of all 14 outcomes from 1.000 draws (printed; committed output of
  ``benchmarks/itt_coverage.py`` in ``benchmarks/itt_coverage.md``): every ITT is unbiased,
  twelve outcomes cover 93-97 %, social and total expenditure under-cover (the review's finding,
  which the report states), and the winsorised robustness result covers its own truth better;
* the ITT estimator is unbiased for TRUE_ITT and its 95% CI covers it;
* the report's Bloom participation estimate (ITT / family take-up 62/132) is unbiased for
  TRUE_PARTICIPATION (the mean effect on units of accepting families, the only units the
  generator affects) for family outcomes, and for person outcomes unbiased for BLOOM_TARGET,
  which the generator documents as 1-5 % larger in size than the truth (persons in accepting
  families are more than 62/132 of the offered persons). Its coverage is printed, not
  asserted tightly.
"""
from __future__ import annotations


import pytest
from benchscript import load_benchmark

from analysis.synthetic import oto

DRAWS = 400
PERSON_OUTCOMES = ["school_absence", "youth_su_edu", "fp_apr2023"]   # clustered by family
FAMILY_OUTCOMES = ["exp_employ_out", "notif_out"]                     # one row per family (HC1)


def _bench():
    return load_benchmark("itt_coverage")


@pytest.fixture(scope="module")
def table():
    bench = _bench()
    out = bench.summarise(bench.simulate(DRAWS, PERSON_OUTCOMES + FAMILY_OUTCOMES, first_seed=1))
    print(out.to_string())
    return out


@pytest.fixture(scope="module")
def full_table():
    bench = _bench()
    # the committed run: itt_coverage.py --draws 1000 --first-seed 2001 --winsorise 0.95
    # --truth-draws 500 --unadjusted --workers 2
    truth = bench.winsorised_truth(0.95, draws=500, workers=2)
    out = bench.summarise(bench.simulate(1000, first_seed=2001, winsorise=0.95, truth=truth, workers=2))
    print(bench.coverage_markdown(out))
    return out, truth


@pytest.mark.slow
def test_coverage_table_of_every_outcome(full_table):
    table, truth = full_table
    skewed = {"exp_social_out", "exp_total_out"}
    for outcome in oto.ITT_SPECS:
        row = table.loc[(outcome, "itt")]
        assert row["draws"] == 1000
        assert abs(row["bias_in_mc_se"]) <= 3.5, f"{outcome}: bias {row['bias_in_mc_se']:.2f} MC SE"
        if outcome in skewed:
            # long-tailed costs: the SE understates the sampling spread and the interval under-covers
            assert row["coverage"] < 0.93 and row["mean_se"] / row["sd_estimate"] < 0.9, outcome
            w = table.loc[(outcome, "itt_winsorised")]
            assert w["coverage"] > row["coverage"] + 0.02, outcome
            assert abs(w["bias"]) <= 3.5 * w["mc_se"] + 3 * truth[outcome]["mc_se"], outcome
        else:
            assert 0.925 <= row["coverage"] <= 0.975, f"{outcome}: coverage {row['coverage']:.3f}"


@pytest.mark.slow
def test_itt_unbiased_and_covers(table):
    for outcome in PERSON_OUTCOMES + FAMILY_OUTCOMES:
        row = table.loc[(outcome, "itt")]
        assert row["draws"] == DRAWS
        assert abs(row["bias"]) <= 3 * row["mc_se"], f"{outcome}: bias {row['bias']:.4g}"
        assert 0.92 <= row["coverage"] <= 0.98, f"{outcome}: coverage {row['coverage']:.3f}"
        # the estimated SE tracks the sampling SD of the estimates
        assert 0.8 <= row["mean_se"] / row["sd_estimate"] <= 1.2, outcome


@pytest.mark.slow
def test_bloom_participation_estimate(table):
    for outcome in PERSON_OUTCOMES + FAMILY_OUTCOMES:
        row = table.loc[(outcome, "participation")]
        assert row["draws"] == DRAWS
        assert row["truth"] == pytest.approx(oto.TRUE_PARTICIPATION[outcome])
        # unbiased for what it estimates by construction ...
        assert abs(row["vs_target_in_mc_se"]) <= 3, f"{outcome}: {row['vs_target_in_mc_se']:.2f} MC SE"
        # ... which is the truth for family outcomes and within the documented gap of it otherwise
        gap = row["target"] - row["truth"]
        if oto.ITT_SPECS[outcome]["unit"] == "family":
            assert gap == pytest.approx(0, abs=1e-9 * abs(row["truth"]))
        else:
            assert 0 < gap / row["truth"] < 0.05
        assert abs(row["bias"]) <= 3 * row["mc_se"] + abs(gap), f"{outcome}: bias {row['bias']:.4g}"
        # coverage of the truth is reported above; only a loose sanity bound here
        assert row["coverage"] >= 0.85, f"{outcome}: coverage {row['coverage']:.3f}"
