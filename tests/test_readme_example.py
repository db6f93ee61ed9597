"""The "Writing a report" example in README.md builds, and its sentence is computed."""
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from analysis import rct
from analysis.synthetic import oto
from evalreport.author import change, significance_clause
from evalreport.build import BuildOptions, build_report
from evalreport.config import load_project

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.build


def readme_example() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Writing a report"):]
    return re.search(r"```` markdown\n(.*?)\n````", section, re.S).group(1)


def test_readme_example_builds_with_the_library(project_factory):
    qmd = readme_example().replace("../../data/synthetic/oto", str(ROOT / "data" / "synthetic" / "oto"))
    project = load_project(project_factory(qmd, slug="eksempel"))
    result = build_report(project, "eksempel", BuildOptions(to="html", engine="builtin", quiet=True))
    soup = BeautifulSoup(result.html.read_text(encoding="utf-8"), "html.parser")
    data = oto.load(ROOT / "data" / "synthetic" / "oto")
    frame, kw = oto.itt_inputs(data, "school_absence")
    r = rct.itt_effect(frame, "school_absence", **kw)
    body = " ".join(soup.get_text(" ").split())
    assert f"Effekten på skolefraværet er {change(r.estimate, 'procentpoint', decimals=1)}" in body
    assert significance_clause(r.p_value) in body
    assert "Kilde: Syntetiske data (seed 299), opbygget efter DREAM og skoledata." in body
    assert soup.select_one("#tbl-effekter table") is not None
