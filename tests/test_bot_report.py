"""The BOT report: its headline holds on the default data, and the whole report builds.

The headline and the weekly profile are computed here directly with analysis.psm
(not through the report), then the built report is checked against them.
"""
from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from bs4 import BeautifulSoup
from pypdf import PdfReader

from analysis import psm
from analysis.synthetic import bot
from evalreport.author import formatting as F

ROOT = Path(__file__).resolve().parent.parent
#: The report's rules for every estimator (Bilag 1): support rule, separated controls, bias adjustment.
RULES = {"support": "minmax", "separated": "exclude", "bias_adjust": True}
HEADLINE = {"2": psm.MatchingSpec("ridge", exact=True, bandwidth="cv", **RULES)}


@pytest.fixture(scope="module")
def data():
    return bot.load(ROOT / "data" / "synthetic" / "bot")


@pytest.fixture(scope="module")
def inputs(data):
    t = bot.treatment(data)
    x = bot.covariates(data, "ps")  # both benefit dummies; the third benefit is separated (score 0)
    kom = bot.municipality(data)
    # Municipalities without participants cannot be matched exactly; the report leaves them out.
    rows = np.flatnonzero(np.isin(kom, np.unique(kom[t == 1])))
    return t, x, kom, rows


@pytest.fixture(scope="module")
def headline(data, inputs):
    t, x, kom, rows = inputs
    y = bot.window_2019(data, "ordinary_employment")
    res = psm.estimate_att(t[rows], x.iloc[rows].reset_index(drop=True),
                           pd.DataFrame({"ordinary_employment_2019": y[rows]}), HEADLINE,
                           cells=kom[rows], cv_outcome=y[rows], n_boot=100, seed=7)
    return res.frame.iloc[0]


def test_headline_is_positive_and_significant_at_5_pct(headline):
    assert headline["att"] > 0
    assert headline["p_value"] < 0.05


def test_weekly_effect_on_employment_shows_no_lock_in(data, inputs):
    t, x, kom, rows = inputs
    full = bot.start_cohort(data)["full_followup"].to_numpy()
    sel = rows[full[rows]]
    weekly = bot.weekly_outcome(data, "ordinary_employment")[sel][:, :27]
    frame = psm.effects_over_time(t[sel], x.iloc[sel].reset_index(drop=True), weekly, HEADLINE,
                                  periods=list(range(27)), cells=kom[sel],
                                  cv_outcome=bot.window_2019(data, "ordinary_employment")[sel],
                                  n_boot=60, seed=3)
    lock_in = frame[(frame["att"] < 0) & (frame["p_value"] < 0.05)]
    assert lock_in.empty, lock_in[["week", "att", "p_value"]]


@pytest.mark.build
def test_bot_report_builds_with_its_numbering_and_headline(site_builds, headline):
    result = site_builds("bot")                 # built once per session (tests/conftest.py)
    soup = BeautifulSoup(result.html.read_text(encoding="utf-8"), "html.parser")
    captions = [c.get_text(" ", strip=True).split(":")[0] for c in soup.select(".er-caption")]
    for label in ["Tabel 2.1", "Tabel 3.1", "Tabel 4.1", "Tabel 4.7", "Tabel 5.1", "Tabel 5.4",
                  "Figur 4.1", "Figur 4.3", "Bilagstabel 2.1", "Bilagstabel 2.3",
                  "Bilagsfigur 2.1", "Bilagsfigur 2.2"]:
        assert label in captions, label
    # Tabel 4.1 prints the headline point estimate as a share with four decimals, as the original.
    with open(result.folder / "tables" / "tbl-besk.display.csv", encoding="utf-8") as fh:
        cells = [c for row in csv.reader(fh) for c in row]
    expected = F.fmt_num(headline["att"], 4)
    assert any(c.rstrip("#*") == expected for c in cells), (expected, cells)
    text = "\n".join(p.extract_text() for p in PdfReader(str(result.pdf)).pages)
    assert "Side 2 af" in text and "Bilagstabel 2.1" in text      # the cover has no number


def _calls(source: str, name: str) -> list[str]:
    """The argument text of every call ``name(...)`` in ``source`` (balanced parentheses)."""
    out, i = [], source.find(name + "(")
    while i >= 0:
        j, depth = i + len(name) + 1, 1
        while depth:
            depth += {"(": 1, ")": -1}.get(source[j], 0)
            j += 1
        out.append(source[i + len(name) + 1:j - 1])
        i = source.find(name + "(", j)
    return out


def test_every_estimation_call_names_its_support_rule():
    """Issue 13: the common-support rule, the handling of the controls the propensity model predicts
    perfectly and the regression bias adjustment are explicit arguments of every estimator
    specification in the report, not library defaults."""
    from evalreport.engine.qmd import read_qmd

    doc = read_qmd(ROOT / "reports" / "bot" / "index.qmd")
    calls = [c for cell in doc.cells for c in _calls(cell.source, "MatchingSpec")]
    assert len(calls) >= 5
    for args in calls:
        assert "support=" in args and "separated=" in args and "bias_adjust=" in args, args


def _paragraph_text(html: Path) -> str:
    soup = BeautifulSoup(html.read_text(encoding="utf-8"), "html.parser")
    return " ".join(" ".join(p.get_text("", strip=False).split()) for p in soup.find_all("p"))


@pytest.mark.build
def test_methods_appendix_states_the_model_the_support_rule_and_the_sweep(site_builds, data, inputs):
    """The propensity model keeps both benefit dummies: the controls on a third benefit (counted
    here from the covariates) are the separated ones the appendix and the table note name; the
    support rule is stated with its estimates under the alternative rule (recomputed here); the
    SU bias of the old model and of the new one are the committed sweep's (>= 100 draws)."""
    t, x, kom, rows = inputs
    third = ((x["social_assistance_w1"] == 0) & (x["integration_benefit_w1"] == 0)).to_numpy()[rows]
    assert not (third & (t[rows] == 1)).any()
    text = _paragraph_text(site_builds("bot").html)
    n_sep = F.fmt_num(int(third.sum()))
    assert f"så de {n_sep} kontrolpersoner, der ugen før fik en anden ydelse, kunne ikke deltage" in text
    assert 'support="minmax"' in text and "psmatch2" in text
    y = pd.DataFrame({"ordinary_employment_2019": bot.window_2019(data, "ordinary_employment")[rows]})
    specs = {"1": psm.MatchingSpec("ridge", bandwidth="cv", **RULES),
             "2": psm.MatchingSpec("ridge", exact=True, bandwidth="cv", **RULES)}
    est = {}
    for rule in ("minmax", "window"):
        sp = {k: psm.MatchingSpec(s.method, exact=s.exact, bandwidth="cv", **(RULES | {"support": rule}))
              for k, s in specs.items()}
        est[rule] = psm.estimate_att(t[rows], x.iloc[rows].reset_index(drop=True), y, sp, cells=kom[rows],
                                     cv_outcome=y.iloc[:, 0].to_numpy(), n_boot=0).frame.set_index("spec")
    off = {r: [F.fmt_num(int(e.loc[k, "n_treated"] - e.loc[k, "n_treated_on_support"])) for k in "12"]
           for r, e in est.items()}
    att = {r: [F.fmt_num(e.loc[k, "att"], 1, scale=100) for k in "12"] for r, e in est.items()}
    assert (f"ville {off['window'][0]} og {off['window'][1]} deltagere falde uden for fælles støtte med "
            f"metode (1) og (2) mod {off['minmax'][0]} og {off['minmax'][1]} med reglen ovenfor") in text
    assert (f"ville være {att['window'][0]} og {att['window'][1]} procentpoint i stedet for "
            f"{att['minmax'][0]} og {att['minmax'][1]} procentpoint") in text
    sweep = json.loads((ROOT / "benchmarks" / "bot_sweep.json").read_text(encoding="utf-8"))
    assert sweep["script"] == "benchmarks/bot_sweep.py" and sweep["draws"] >= 100
    assert set(sweep["estimators"]) == {"1", "2", "3", "4", "5", "p1", "p2", "p3", "p4", "p5",
                                        "u1", "u2", "u3", "u4"}
    assert sweep["rules"] == RULES
    old, new = sweep["su_2019"]["1/uden kh"], sweep["su_2019"]["1"]
    assert f"på {F.fmt_pp(old['bias'], 2, from_share=True)} med metode (1)" in text
    assert (f"Med begge indikatorer og de øvrige valg i dette bilag er skævheden "
            f"{F.fmt_pp(new['bias'], 2, from_share=True)}") in text
    assert f"den største skævhed {F.fmt_num(sweep['max_abs_z'], 1)} gange" in text
    # the cause (benchmarks/bot_sweep_causes.json): separated controls matched at score 0 in 1.1.0,
    # and the bias adjustment stated with its argument
    causes = json.loads((ROOT / "benchmarks" / "bot_sweep_causes.json").read_text(encoding="utf-8"))
    assert causes["draws"] >= 100
    su0 = causes["su_w0"]["4/v1.1"]
    assert f"{F.fmt_pp(su0['bias'], 2, from_share=True)} med kernel-matching med eksakt matching (4)" in text
    assert 'separated="exclude"' in text and "bias_adjust=True" in text and "Abadie og Imbens 2011" in text
