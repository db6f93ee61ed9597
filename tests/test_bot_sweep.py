"""Seed sweep of the BOT estimators (slow; run with -m slow, ~12 CPU-minutes): every estimator of
the report, on the main and the full follow-up sample (the whole samples; ``bot_sweep.py
--samples/--groups`` add the cohorts, the unrestricted population, the cumulative months and men
and women), for every outcome whose true effect the synthetic generator records – the zero-effect
ones included; the cumulative months are sums of the weekly employment profile, which is in – is
unbiased within Monte Carlo error over 100 draws.

The figures are printed by ``benchmarks/bot_sweep.py`` (committed output:
``benchmarks/bot_sweep.md`` and ``.json``). The criterion for "within Monte Carlo error" over
thousands of correlated cells: no |bias| / MC SE beyond the Bonferroni bound at 1 % family-wise
error, and the mean squared z close to its value 1 without bias. The propensity model with the
kontanthjælp dummy dropped (report version 1.0.0) is run alongside and must show the SU bias the
review found.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from benchscript import load_benchmark

SEEDS = range(1001, 1101)


def _bench():
    return load_benchmark("bot_sweep")


@pytest.fixture(scope="module")
def sweep():
    bench = _bench()
    table = bench.summarise(bench.simulate(SEEDS, workers=2))
    print(bench.report(table, list(SEEDS), 0.0))
    return bench, table


@pytest.mark.slow
def test_committed_figures_are_reproduced(sweep):
    """benchmarks/bot_sweep.json (what the BOT report cites) is what a fresh sweep gives."""
    bench, table = sweep
    fresh = json.loads(json.dumps(bench.headline(table, list(SEEDS))))
    committed = json.loads((Path(__file__).resolve().parents[1] / "benchmarks" / "bot_sweep.json")
                           .read_text(encoding="utf-8"))

    def same(a, b, where):
        if isinstance(a, dict):
            assert a.keys() == b.keys(), where
            for k in a:
                same(a[k], b[k], f"{where}/{k}")
        elif isinstance(a, float):
            assert a == pytest.approx(b, rel=1e-9, abs=1e-12), where
        else:
            assert a == b, where
    same(fresh, committed, "")


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason="issue 13 finding (benchmarks/bot_sweep.md): kernel and ridge "
                   "matching are biased beyond Monte Carlo error in the first weeks of outcomes nearly fixed "
                   "by the state the week before (education activation, SU); IPW is close to unbiased")
def test_every_estimator_unbiased_for_every_known_effect(sweep):
    bench, table = sweep
    new = table[~table.index.get_level_values("spec").str.endswith("/uden kh")]
    new = new[np.isfinite(new["z"])]
    assert set(new.index.get_level_values("spec")) == set(bench.SPECS)
    assert (new["seeds"] == len(SEEDS)).all()
    # outcomes with a zero true effect are in the sweep (SU, public løntilskud, weekly SU)
    zero = new[new["truth"].abs() < 1e-12]
    assert {"su_2019", "wage_subsidy_public_0_52"} <= set(zero.index.get_level_values("outcome"))
    bound = bench.bonferroni_z(len(new))
    worst = new["z"].abs().idxmax()
    assert new["z"].abs().max() < bound, f"{worst}: z = {new.loc[worst, 'z']:.2f} (bound {bound:.2f})"
    assert 0.7 <= np.mean(new["z"] ** 2) <= 1.5


@pytest.mark.slow
def test_both_benefit_dummies_remove_the_su_bias(sweep):
    _, table = sweep
    su = table.xs(("main", "alle", "su_2019"), level=("sample", "group", "outcome"))
    assert su.loc["1/uden kh", "z"] < -3          # the review's finding, reproduced
    assert su.loc["5/uden kh", "z"] < -3
    assert abs(su.loc["1", "z"]) < 3 and abs(su.loc["2", "z"]) < 3 and abs(su.loc["5", "z"]) < 2
    for spec in ("1", "2", "5"):
        assert abs(su.loc[spec, "bias"]) < abs(su.loc[f"{spec}/uden kh", "bias"]) / 1.5, spec


@pytest.mark.slow
def test_ipw_is_the_closest_to_unbiased(sweep):
    """What the report says about the estimators besides SU: IPW has the smallest bias of all, and
    the matching biases sit in the first weeks after start."""
    bench, table = sweep
    new = table[~table.index.get_level_values("spec").str.endswith("/uden kh")]
    new = new[np.isfinite(new["z"])]
    worst = new.groupby(level="spec")["z"].apply(lambda z: z.abs().max())
    assert worst.idxmin() in ("5", "p5")
    assert worst[["5", "p5"]].max() < 6 and np.mean(new.xs("p5", level="spec")["z"] ** 2) < 2
    for spec in ("1", "2", "3", "4"):
        cells = new.xs(spec, level="spec")
        early = cells.index.get_level_values("outcome").str.fullmatch(r".*_w[0-4]")
        assert cells["z"].abs().idxmax()[-1] in set(cells.index.get_level_values("outcome")[early]), spec
