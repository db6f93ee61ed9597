"""Slow: over many seeds the Social støtte estimators are unbiased for the generator's truth
(`make test-slow`; the same numbers with more seeds: benchmarks/social_sweep.py)."""
from __future__ import annotations


import pytest
from benchscript import load_benchmark

pytestmark = pytest.mark.slow


def test_no_bias_over_seeds():
    mod = load_benchmark("social_sweep")
    res = mod.summary(mod.sweep(range(1, 41), jobs=2))
    # mean error within 3 Monte Carlo SEs, coverage of the 95 % CI between 85 and 100 pct.
    assert (res["mean_error"].abs() < 3 * res["mc_se"]).all(), res
    assert res["coverage"].between(0.85, 1.0).all(), res
