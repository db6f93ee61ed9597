"""Slow: over many seeds the Social støtte estimators are unbiased for the generator's truth
(`make test-slow`; the same numbers with more seeds: benchmarks/social_sweep.py)."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def test_no_bias_over_seeds():
    path = Path(__file__).resolve().parent.parent / "benchmarks" / "social_sweep.py"
    spec = importlib.util.spec_from_file_location("social_sweep", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    res = mod.summary(mod.sweep(range(1, 41), jobs=2))
    # mean error within 3 Monte Carlo SEs, coverage of the 95 % CI between 85 and 100 pct.
    assert (res["mean_error"].abs() < 3 * res["mc_se"]).all(), res
    assert res["coverage"].between(0.85, 1.0).all(), res
