"""The BOT report: its headline holds on the default data, and the whole report builds.

The headline and the weekly profile are computed here directly with analysis.psm
(not through the report), then the built report is checked against them.
"""
from __future__ import annotations

import csv
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
HEADLINE = {"2": psm.MatchingSpec("ridge", exact=True, bandwidth="cv")}


@pytest.fixture(scope="module")
def data():
    return bot.load(ROOT / "data" / "synthetic" / "bot")


@pytest.fixture(scope="module")
def inputs(data):
    t = bot.treatment(data)
    x = bot.covariates(data, "ps").drop(columns=["social_assistance_w1"])
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
