"""End-to-end: the Social støtte report built from its .qmd (HTML only, one build, to stay cheap).

Headline cells of Tabel 5-2 (the hazard ratios and degree effects) and Tabel 4-1 (start meetings,
suppressed legal-basis cells) are read from the built HTML and checked against estimates computed
here directly from the data with the analysis functions.
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from analysis import cem, survival as sv
from analysis.disclosure import suppress_partition
from analysis.synthetic import social as S
from evalreport.author import fmt_num, stars
from evalreport.build import BuildOptions, build_report
from evalreport.config import load_project

pytestmark = pytest.mark.build

ROOT = Path(__file__).resolve().parent.parent
LEV = [(0.05, "*"), (0.01, "**"), (0.001, "***")]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    project = load_project(ROOT)
    project = replace(project, quarto={**project.quarto, "project": {"output-dir": str(out)}})
    result = build_report(project, "social", BuildOptions(to="html", engine="builtin", quiet=True))
    html = next(Path(out).rglob("social/[0-9]*/index.html"))
    return BeautifulSoup(html.read_text(encoding="utf-8"), "html.parser"), result


def _rows(soup, table_id):
    table = soup.select_one(f"#{table_id} table")
    assert table is not None, f"{table_id} mangler"
    return {tr.find(["th", "td"]).get_text(" ", strip=True): [c.get_text(" ", strip=True) for c in tr.find_all(["td", "th"])[1:]]
            for tr in table.select("tbody tr")}


def test_effect_table_cells_match_direct_estimates(built):
    soup, _ = built
    data = S.load(ROOT / "data" / "synthetic" / "social")
    frame = S.analysis_frame(data)
    ctrl = ["c_" + c for c in S.REGRESSION_CONTROLS]
    rows = _rows(soup, "tbl-effekter")
    for theme, label in (("virk", "Virksomhedsrettet indsats"), ("ust", "Ustøttet beskæftigelse")):
        expect = []
        for h, end in S.HORIZONS.items():
            sub, m = S.matched_sample(frame, h)
            dur, ev = sv.window(sub[f"{theme}_first"], end)
            c = sv.cox_effect(sub.assign(T=dur, E=ev), "T", "E", "treated", ctrl, weights=m.weight)
            expect.append(fmt_num(c.hazard_ratio, 2) + stars(c.p_value, LEV))
        for h in S.HORIZONS:
            sub, m = S.matched_sample(frame, h)
            g = f"{theme}_grad_{'1_6' if h == '6m' else '7_12'}"
            e = cem.matched_effect(sub, g, "treated", m.weight, ctrl)
            expect.append(fmt_num(e.estimate * 100, 1) + stars(e.p_value, LEV))
        assert rows[label] == expect


def test_key_figures_and_suppression(built):
    soup, _ = built
    data = S.load(ROOT / "data" / "synthetic" / "social")
    reg = data.registrations
    rows = _rows(soup, "tbl-noegletal")
    counts = reg["kommune"].value_counts()
    assert rows["Antal opstartssamtaler"] == [fmt_num(counts[k]) for k in S.KOMMUNER] + [fmt_num(len(reg))]
    lov = reg.groupby("kommune")[["lab_31b", "sel_85", "sel_82b"]].sum().T.reindex(columns=list(S.KOMMUNER))
    lov.index = ["LAB § 31 b", "SEL § 85", "SEL § 82 b"]
    hide = suppress_partition(lov, 3)
    for lab in lov.index:
        shown = rows[lab][:5]
        assert [c == "*" for c in shown] == hide.loc[lab].tolist()
        for k, c in zip(S.KOMMUNER, shown):      # a small count never shows as a share
            if lov.loc[lab, k] < 3:
                assert c == "*"


def test_prose_has_no_unrendered_code(built):
    soup, _ = built
    text = soup.get_text(" ")
    for bad in ("{python", "nan pct", "None", "Traceback", "matplotlib."):
        assert bad not in text
