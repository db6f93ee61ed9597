"""Monte Carlo: the ITT estimator is unbiased and its 95% CI covers the true effect
on the synthetic OtO data-generating process (slow; run with -m slow)."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

DRAWS = 400
PERSON_OUTCOMES = ["school_absence", "youth_su_edu"]      # clustered by family
FAMILY_OUTCOMES = ["exp_employ_out", "notif_out"]          # one row per family (HC1)


def _bench():
    path = Path(__file__).resolve().parents[1] / "benchmarks" / "itt_coverage.py"
    spec = importlib.util.spec_from_file_location("itt_coverage", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.slow
def test_itt_unbiased_and_covers():
    bench = _bench()
    table = bench.summarise(bench.simulate(DRAWS, PERSON_OUTCOMES + FAMILY_OUTCOMES, first_seed=1))
    print(table.to_string())
    for outcome, row in table.iterrows():
        assert row["draws"] == DRAWS
        assert abs(row["bias"]) <= 3 * row["mc_se"], f"{outcome}: bias {row['bias']:.4g}"
        assert 0.92 <= row["coverage"] <= 0.98, f"{outcome}: coverage {row['coverage']:.3f}"
        # the estimated SE tracks the sampling SD of the estimates
        assert 0.8 <= row["mean_se"] / row["sd_estimate"] <= 1.2, outcome
