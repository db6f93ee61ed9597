"""The synthetic BIP generator: design, calibration to the report's headline numbers, true
associations recovered, selection patterns, files."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis import progression as prog
from analysis.synthetic import bip

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def data():
    return bip.generate()


@pytest.fixture(scope="module")
def changes(data):
    return prog.changes_frame(data.answers)


@pytest.fixture(scope="module")
def fits(changes):
    return {o: prog.progression_cell_means(changes, o) for o in prog.OUTCOMES}


def test_design(data):
    p, a = data.persons, data.answers
    assert len(p) == bip.N_PERSONS and set(p["jobcenter"]) == set("ABCDEFGHIJ")
    assert 13_400 <= len(a) <= 14_300
    assert 13_200 <= a["borger_svar"].sum() <= 14_100 and 13_100 <= a["sagsbeh_svar"].sum() <= 14_000
    assert a["date"].min() >= "2013-01-07" and a["date"].max() <= "2017-05-07"
    for k in bip.ITEMS:
        assert a[k].dropna().isin([1, 2, 3, 4, 5]).all()
    # answers missing exactly when the respondent did not answer, or as item non-response
    assert a.loc[a["borger_svar"] == 0, list(bip.B_ITEMS)].isna().all().all()
    s1 = [prog.s1_column(i) for i in prog.S1_ITEMS]
    assert a.loc[a["sagsbeh_svar"] == 0, s1].isna().all().all()
    assert a.loc[a["sagsbeh_svar"] == 1, s1].notna().all().all()
    # "Ingen aktiviteter" never together with an activity
    ticked = a.loc[a["sagsbeh_svar"] == 1, s1]
    activity = ticked.drop(columns=[prog.s1_column(22), prog.s1_column(23)]).sum(axis=1)
    assert ((ticked[prog.s1_column(22)] == 1) & (activity > 0)).sum() == 0
    # a caseworker belongs to one jobcentre
    jc = a.merge(p[["person_id", "jobcenter"]], on="person_id").groupby("caseworker_id")["jobcenter"].nunique()
    assert (jc == 1).all() and 250 <= len(jc) <= 340


def test_calibrated_to_tabel_1_and_3(changes):
    s = prog.progression_summary(changes).set_index("outcome")
    for k in prog.CITIZEN_ITEMS + prog.CASEWORKER_ITEMS:
        assert abs(s.at[k, "mean"] - bip.TABEL1_MEAN[k]) < 0.05, k
        assert 5_000 <= s.at[k, "n"] <= 7_600, k
        assert 0.85 <= s.at[k, "sd"] <= 1.1, k
    assert 5_800 <= s.at["B1-B9", "n"] <= 7_000 and 3_700 <= s.at["S2-S12", "n"] <= 4_700
    # "only 8-12 % without any change" on the averaged indices; symmetric around zero
    for o in ("B1-B9", "S2-S12"):
        assert 0.07 <= s.at[o, "zero_share"] <= 0.13, o
        assert abs(s.at[o, "positive_share"] - s.at[o, "negative_share"]) < 0.1
    weeks = changes["weeks_B"].dropna()
    assert 20.5 <= weeks.mean() <= 23.0 and weeks.min() >= 4
    smp = changes[changes["in_sample"]]
    assert 6_300 <= len(smp) <= 7_300
    share = smp["combination"].value_counts(normalize=True)
    for c, target in bip.TABEL3_SHARE.items():
        assert abs(share.get(c, 0) - target) < 0.02, c


def test_estimates_cover_the_true_associations(fits):
    """The 22 × 16 true cell means (population values from a 40-times larger draw) lie inside the
    report's 95 % intervals about as often as they should; none is far outside."""
    inside, z = [], []
    for o, res in fits.items():
        t = res.table.set_index("cell")
        for c in prog.COMBINATIONS:
            truth = bip.TRUE_CELL_MEANS[o][c]
            inside.append(t.at[c, "ci_low_cluster"] <= truth <= t.at[c, "ci_high_cluster"])
            z.append((t.at[c, "estimate"] - truth) / t.at[c, "se_cluster"])
    z = np.array(z)
    assert 0.91 <= np.mean(inside) <= 0.99
    assert np.abs(z).max() < 4.0 and abs(z.mean()) < 0.25


def test_headline_pattern(fits):
    b, s = fits["B1-B9"].table.set_index("cell"), fits["S2-S12"].table.set_index("cell")
    assert b.at["0000", "estimate"] < 0 and b.at["0000", "p_value"] < 0.05
    assert s.at["0000", "estimate"] < 0 and s.at["0000", "p_value"] < 0.05
    assert b.at["1101", "estimate"] > 0.2
    # the truth itself: no programme is negative on every outcome; J alone is positive
    for o in prog.OUTCOMES:
        assert bip.TRUE_CELL_MEANS[o]["0000"] < 0 and bip.TRUE_CELL_MEANS[o]["1000"] > 0, o
    assert bip.TRUE_CELL_MEANS["B1-B9"]["0000"] == pytest.approx(-0.15, abs=0.03)
    assert bip.TRUE_CELL_MEANS["B1-B9"]["1101"] == pytest.approx(0.47, abs=0.08)


def test_longer_gaps_go_with_less_progression(changes):
    for o in ("B1-B9", "S2-S12"):
        sl = prog.progression_gap_slope(changes, o)
        assert sl.estimate < 0 and sl.p_value < 0.05
        assert bip.TRUE_GAP_SLOPE[o] < 0
        assert abs(sl.estimate - bip.TRUE_GAP_SLOPE[o]) < 3.5 * sl.se


def test_selection_patterns(data, changes):
    """Spec §8: Ingen oldest, Social youngest; Opkvalificering most non-Western and married, fewest
    psychiatric diagnoses and charges; Social/Helbred most psychiatric; Helbred most GP weeks."""
    smp = changes[changes["in_sample"]].merge(data.persons, on="person_id")
    smp["nw"] = (smp["herkomst"] == "ikke_vestlig_indvandrer").astype(int)
    p = prog.group_profile(smp, ["alder", "nw", "gift", "psyk_diag", "psyk_diag_eller_medicin", "laege_uger",
                                 "laege_honorar", "sigtet_straffelov", "med_antidepressiva"])
    g = list(prog.GROUPS)
    assert p.loc["alder", g].idxmax() == "Ingen" and p.loc["alder", g].idxmin() == "S"
    assert p.loc["nw", g].idxmax() == "O" and p.at["nw", "O"] > 0.35
    assert p.loc["gift", g].idxmax() == "O"
    assert p.loc["psyk_diag", g].idxmin() == "O" and p.loc["sigtet_straffelov", g].idxmin() == "O"
    assert set(p.loc["psyk_diag_eller_medicin", g].nlargest(2).index) == {"S", "H"}
    assert set(p.loc["med_antidepressiva", g].nlargest(2).index) == {"S", "H"}
    assert p.loc["laege_uger", g].idxmax() == "H" and p.loc["laege_honorar", g].idxmax() == "H"


def test_target_tau_is_centred():
    for k in bip.ITEMS:
        tau = bip.target_tau(k)
        assert abs(sum(bip.TABEL3_SHARE[c] * v for c, v in tau.items())) < 1e-12


def test_write_is_byte_identical_seed_dependent_and_committed(tmp_path, data):
    a, b = tmp_path / "a", tmp_path / "b"
    bip.write(a)
    bip.write(b, seed=bip.DEFAULT_SEED + 1)
    names = sorted(x.name for x in a.iterdir())
    assert names == ["answers.csv", "codebook.md", "meta.json", "persons.csv"]
    committed = ROOT / "data" / "synthetic" / "bip"
    for n in names:
        assert (a / n).read_bytes() == (committed / n).read_bytes(), f"make data changes {n}"
    for n in ("answers.csv", "persons.csv", "meta.json"):
        assert (a / n).read_bytes() != (b / n).read_bytes()
    meta = json.loads((a / "meta.json").read_text(encoding="utf-8"))
    assert meta["seed"] == bip.DEFAULT_SEED and meta["true_cell_means"]["B1-B9"]["0000"] < 0
    back = bip.load(a)
    pd.testing.assert_frame_equal(back.answers, data.answers)
    pd.testing.assert_frame_equal(back.persons, data.persons)
    raw = (a / "answers.csv").read_bytes()
    assert b"\r" not in raw and raw.split(b"\n")[0].decode().split(",") == list(bip.SCHEMA["answers"])


@pytest.mark.slow
def test_truth_module_is_reproduced():
    t = bip.population_truth()
    assert t["cell_means"] == bip.TRUE_CELL_MEANS and t["gap_slope_per_week"] == bip.TRUE_GAP_SLOPE


@pytest.mark.slow
def test_default_seed_follows_the_documented_rule():
    assert bip.choose_seed() == bip.DEFAULT_SEED
