"""End-to-end: the BIP report and the STAR note built from their .qmd (HTML only, to keep it cheap).

Numbers are read out of the built HTML and compared with the analysis functions called here
directly on the data: the note's summary table (four trials and BIP's row from the BIP data),
the BIP report's Tabel 1 and Tabel 3, a computed sentence, the numbering of Tabel 1–11, Boks 1–2
and Figur 1–24. The note must record the BIP data among its inputs, so a change there rebuilds it.
"""
from __future__ import annotations

import csv
import json
from dataclasses import replace
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from analysis import progression as prog
from analysis.synthetic import bip, star
from evalreport.author import formatting as F
from evalreport.author import relative
from evalreport.build import BuildOptions, build_report
from evalreport.config import load_project

pytestmark = pytest.mark.build

ROOT = Path(__file__).resolve().parent.parent


def _build(tmp_path_factory, slug, **params):
    out = tmp_path_factory.mktemp(f"site-{slug}")
    project = load_project(ROOT)
    project = replace(project, quarto={**project.quarto, "project": {"output-dir": str(out)}})
    return build_report(project, slug, BuildOptions(to="html", engine="builtin", quiet=True, params=params))


@pytest.fixture(scope="module")
def note(tmp_path_factory):
    return _build(tmp_path_factory, "star")


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    return _build(tmp_path_factory, "bip")


@pytest.fixture(scope="module")
def bip_data():
    return bip.load(ROOT / "data" / "synthetic" / "bip")


@pytest.fixture(scope="module")
def changes(bip_data):
    return prog.changes_frame(bip_data.answers)


def _soup(result):
    return BeautifulSoup(result.html.read_text(encoding="utf-8"), "html.parser")


def _rows(soup, table_id):
    table = soup.select_one(f"#{table_id} table")
    assert table is not None, f"{table_id} mangler"
    def txt(cell):
        return cell.get_text(" ", strip=True).replace("\xa0", " ")
    return {txt(tr.find(["th", "td"])): [txt(c) for c in tr.find_all(["td", "th"])[1:]]
            for tr in table.select("tbody tr")}


def test_note_summary_table_equals_the_analysis(note, changes):
    rows = _rows(_soup(note), "tbl-oversigt")
    data = star.load(ROOT / "data" / "synthetic" / "star")
    est = star.estimate_all(data)
    for name, key, dec, scale in (("Mentorforsøget", "mentor_udd", 1, 100), ("Brobygning", "bro_udd", 1, 100),
                                  ("Inklusion, IPS", "ips_job", 1, 100), ("Inklusion, IPSE", "ipse_job", 1, 100),
                                  ("JobFirst", "jf_timer", 2, None)):
        r = est[key]
        assert rows[name][1] == f"{F.fmt_int(r.n_treated)}/ {F.fmt_int(r.n_control)}", name
        assert rows[name][4:] == [F.fmt_num(r.mean_control, dec, scale=scale), F.fmt_num(r.mean_treated, dec, scale=scale),
                                  F.fmt_num(r.estimate, dec, scale=scale),
                                  F.fmt_ci(r.ci_low, r.ci_high, dec, scale=scale)], name
    # BIP's row: the BIP report's own analysis functions on the BIP report's data
    fit = prog.progression_cell_means(changes, prog.CITIZEN_INDEX)
    k = prog.contrast(fit, "0000", "1000")
    n = fit.table.set_index("cell")["n"]
    assert rows["BIP"][1] == f"{F.fmt_int(n['1000'])}/ {F.fmt_int(n['0000'])}"
    assert rows["BIP"][4:] == [F.fmt_num(k.level_a, 2), F.fmt_num(k.level_b, 2), F.fmt_num(k.estimate, 2),
                               F.fmt_ci(k.ci_low, k.ci_high, 2)]
    # the raw export holds the unrounded numbers
    with open(note.folder / "tables" / "tbl-oversigt.raw.csv", encoding="utf-8") as fh:
        raw = {r["row"]: r for r in csv.DictReader(fh)}
    assert float(raw["bip"]["effekt.estimate"]) == pytest.approx(k.estimate, abs=1e-12)
    assert float(raw["jf_timer"]["ki.ci_high"]) == pytest.approx(est["jf_timer"].ci_high, abs=1e-12)


def test_note_prose_numbers_come_from_the_estimates(note):
    text = _soup(note).get_text(" ", strip=True).replace("\xa0", " ")
    data = star.load(ROOT / "data" / "synthetic" / "star")
    t = star.estimate(data, star.SPEC_BY_KEY["jf_timer"])
    assert f"{relative(t.estimate, t.mean_control)}" in text
    assert f"{F.fmt_num(t.mean_treated, 1)} ordinære timer om ugen mod {F.fmt_num(t.mean_control, 1)}" in text
    ix = star.estimate(data, star.SPEC_BY_KEY["ipsx_job"])
    assert f"mod {F.fmt_num(ix.mean_control * 100, 1)} pct. i kontrolgruppen" in text
    assert f"{F.fmt_int(len(data.mentor))} unge" in text


def test_note_reads_the_bip_data(note):
    manifest = json.loads((note.folder / "manifest.json").read_text(encoding="utf-8"))
    inputs = {i["path"] for i in manifest["inputs"]}
    assert {"data/synthetic/bip/answers.csv", "data/synthetic/bip/persons.csv",
            "data/synthetic/star/jobfirst.csv"} <= inputs


def test_note_execution_is_keyed_on_the_bip_data_and_analysis(note):
    """The execution cache entry of the note lists the BIP data files and the analysis modules
    among its dependencies, so a change in either executes the note again."""
    from evalreport.engine.cache import Store

    project = load_project(ROOT)
    entries = []
    for path in (Store.for_project(project).root / "execute").glob("*/*/entry.json"):
        meta = json.loads(path.read_text(encoding="utf-8")).get("meta", {})
        if meta.get("slug") == "star":
            entries.append(meta)
    assert entries, "the note left no execution cache entry"
    deps = {p for p, _ in max(entries, key=lambda m: m["created"])["deps"]}
    assert {"data/synthetic/bip/answers.csv", "data/synthetic/bip/persons.csv", "analysis/progression.py",
            "analysis/caseworker.py", "analysis/rct.py", "data/synthetic/star/mentor.csv"} <= deps


def test_bip_numbering_boxes_and_captions(report):
    soup = _soup(report)
    caps = [c.get_text(" ", strip=True).split(":")[0] for c in soup.select(".er-caption")]
    assert [c for c in caps if c.startswith("Tabel")] == [f"Tabel {k}" for k in range(1, 12)] + ["Tabel A1"]
    assert [c for c in caps if c.startswith("Figur")] == [f"Figur {k}" for k in range(1, 25)] + ["Figur A1", "Figur A2"]
    assert [c for c in caps if c.startswith("Boks")] == ["Boks 1", "Boks 2"]
    assert len(soup.select(".er-box")) == 2
    # every figure has its note and source line under it
    assert len(soup.select(".er-figure .er-figure-notes")) == 26


def test_bip_tabel_1_and_3_equal_the_analysis(report, changes):
    soup = _soup(report)
    rows = _rows(soup, "tbl-progression")
    s = prog.progression_summary(changes).set_index("outcome")
    for o in ("B1-B9", "B3", "S2-S12", "S8"):
        label = next(k for k in rows if k.startswith(f"{o}:"))
        assert rows[label] == [F.fmt_num(s.at[o, "mean"], 3), F.fmt_num(s.at[o, "zero_share"] * 100, 0),
                               F.fmt_int(s.at[o, "n"])], o
    counts = changes.loc[changes["in_sample"], "combination"].value_counts()
    rows3 = _rows(soup, "tbl-kombinationer")
    assert rows3["1 0 0 0"][4] == F.fmt_int(counts["1000"]) and rows3["0 0 0 0"][4] == F.fmt_int(counts["0000"])
    assert rows3["I alt"][4] == F.fmt_int(counts.sum())


def test_bip_figure_text_follows_the_estimates(report, changes):
    text = _soup(report).get_text(" ", strip=True).replace("\xa0", " ")
    t = prog.progression_cell_means(changes, "S4").table.set_index("cell")
    r = t.loc["0000"]
    if r["estimate"] < 0 and r["p_value"] < 0.05:
        expected = (f"sagsbehandlerens vurdering af borgerens initiativ har borgere uden nogen aktiv indsats "
                    f"(0 0 0 0) signifikant tilbagegang ({F.fmt_num(r['estimate'], 2)}; 95 pct. KI "
                    f"{F.fmt_ci(r['ci_low'], r['ci_high'], 2)})")
    else:
        expected = f"({F.fmt_num(r['estimate'], 2)}"
    assert expected in text
