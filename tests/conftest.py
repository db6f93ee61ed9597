"""Shared fixtures: small throw-away projects for engine tests."""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

QUARTO_YML = """\
project:
  type: website
  output-dir: _site
evalreport:
  disclosure:
    min-count: 3
"""

BIB = """\
@article{bloom1984,
  author = {Bloom, Howard S.},
  title = {Accounting for No-Shows in Experimental Evaluation Designs},
  journal = {Evaluation Review}, volume = {8}, number = {2}, pages = {225--246}, year = {1984}
}
"""


def make_project(tmp_path: Path, qmd: str, slug: str = "demo", bib: bool = True) -> Path:
    (tmp_path / "_quarto.yml").write_text(QUARTO_YML, encoding="utf-8")
    folder = tmp_path / "reports" / slug
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "index.qmd").write_text(textwrap.dedent(qmd), encoding="utf-8")
    if bib:
        (folder / "references.bib").write_text(BIB, encoding="utf-8")
    return tmp_path


@pytest.fixture
def project_factory(tmp_path):
    def factory(qmd: str, slug: str = "demo"):
        return make_project(tmp_path, qmd, slug)
    return factory
