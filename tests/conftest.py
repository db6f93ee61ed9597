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


# --------------------------------------------------------------------------- built reports
# Every report of the project built once per test session, into one site folder
# (so the site index lists them all). Tests that read a built report share these
# builds instead of building their own (a BOT build takes minutes).

class SiteBuilds:
    def __init__(self, out: Path):
        from dataclasses import replace

        from evalreport.config import load_project

        project = load_project(ROOT)
        self.project = replace(project, quarto={**project.quarto, "project": {"output-dir": str(out)}})
        self.out = out
        self._results: dict = {}

    @property
    def slugs(self) -> list[str]:
        return list(self.project.report_slugs())

    def __call__(self, slug: str):
        """The BuildResult of ``slug`` with default parameters, building it on first use."""
        from evalreport.build import BuildOptions, build_report

        if slug not in self._results:
            self._results[slug] = build_report(
                self.project, slug, BuildOptions(to="all", engine="builtin", quiet=True))
        return self._results[slug]

    def all(self) -> dict:
        return {slug: self(slug) for slug in self.slugs}


@pytest.fixture(scope="session")
def site_builds(tmp_path_factory) -> SiteBuilds:
    return SiteBuilds(tmp_path_factory.mktemp("site-builds"))
