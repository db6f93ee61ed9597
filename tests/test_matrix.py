"""Parameter matrices: the declaration, variant builds under the version, the headline
refusal, the cache, the site index and diffs between variants (local builds)."""
import json
import shutil

import pytest
from bs4 import BeautifulSoup

from evalreport.cli import main
from evalreport.config import load_project
from evalreport.errors import EvalReportError
from evalreport.matrix import read_matrix, slug_of
from evalreport.outputs.site import write_site
from matrix_toy import make_matrix_project, tree


def write(tmp_path, fm_matrix: str, csv: str = "kommune,aktiv\nAarhus,1\nHøje-Taastrup,1\nLæsø,0\n",
          quarto_extra: str = ""):
    (tmp_path / "_quarto.yml").write_text("project:\n  output-dir: _site\n" + quarto_extra, encoding="utf-8")
    (tmp_path / "data.csv").write_text(csv, encoding="utf-8")
    (tmp_path / "reports" / "r").mkdir(parents=True, exist_ok=True)
    (tmp_path / "reports" / "r" / "index.qmd").write_text(
        f"---\ntitle: Rapport\nversion: 1.0.0\n{fm_matrix}---\n\n```{{python}}\n#| tags: [parameters]\n"
        "kommune = None\naar = 2019\n```\n", encoding="utf-8")
    return load_project(tmp_path)


def test_matrix_from_a_file_with_a_filter_and_a_list_gives_the_product_in_order(tmp_path):
    project = write(tmp_path, "evalreport:\n  matrix:\n    kommune: {from: ../../data.csv, column: kommune, "
                              "where: {aktiv: 1}}\n    aar: [2018, 2019]\n  variant-title: '{title} i {kommune}, {aar}'\n")
    m = read_matrix(project, "r")
    assert [v.name for v in m.variants] == ["aarhus_2018", "aarhus_2019", "hoeje-taastrup_2018",
                                            "hoeje-taastrup_2019"]
    v = m.variant("hoeje-taastrup_2019")
    assert v.params == {"kommune": "Høje-Taastrup", "aar": 2019}
    assert v.title == "Rapport i Høje-Taastrup, 2019" and v.label == "Høje-Taastrup, 2019"
    with pytest.raises(EvalReportError, match="ingen variant 'odense'.*aarhus_2018"):
        m.variant("odense")


def test_matrix_in_quarto_yml_and_default_titles(tmp_path):
    project = write(tmp_path, "", quarto_extra="evalreport:\n  matrices:\n    r:\n      kommune: [Læsø, Ærø]\n")
    m = read_matrix(project, "r")
    assert [(v.name, v.title) for v in m.variants] == [("laesoe", "Rapport – Læsø"), ("aeroe", "Rapport – Ærø")]
    both = write(tmp_path, "evalreport:\n  matrix:\n    aar: [2019]\n",
                 quarto_extra="evalreport:\n  matrices:\n    r:\n      kommune: [Læsø]\n")
    assert [v.name for v in read_matrix(both, "r").variants] == ["2019"]     # the front matter wins


@pytest.mark.parametrize("matrix, message", [
    ("kommune: {from: ../../nope.csv}", "nope.csv findes ikke"),
    ("kommune: {from: ../../data.csv, column: navn}", "ingen kolonne 'navn'.*kommune, aktiv"),
    ("kommune: [Aarhus, AARHUS]", "giver begge varianten 'aarhus'"),
    ("kommune: [Tables]", "navnet 'tables'"),
    ("kommune: 7", "skriv en liste"),
    ("kommune: []", "ingen værdier"),
])
def test_bad_declarations_are_clear_danish_errors(tmp_path, matrix, message):
    project = write(tmp_path, f"evalreport:\n  matrix:\n    {matrix}\n")
    with pytest.raises(EvalReportError, match=message):
        read_matrix(project, "r")


def test_variant_names_are_folder_names():
    assert slug_of("Høje-Taastrup") == "hoeje-taastrup"
    assert slug_of("Ærø Kommune") == "aeroe-kommune" and slug_of(2019) == "2019"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The toy report and its three variants, built once (HTML only) for the module."""
    root = tmp_path_factory.mktemp("matrix")
    project = make_matrix_project(root)
    import os
    cwd = os.getcwd()
    os.chdir(root)
    try:
        import io
        from contextlib import redirect_stderr
        err = io.StringIO()
        with redirect_stderr(err):
            code = main(["build", "demo", "--matrix", "--to", "html", "-j", "2"])
    finally:
        os.chdir(cwd)
    return project, code, err.getvalue()


@pytest.mark.build
def test_matrix_build_publishes_variants_under_the_version_and_refuses_the_small_one(built):
    project, code, err = built
    version = project.output_dir / "reports" / "demo" / "1.0.0"
    assert code == 0, err
    assert sorted(p.name for p in version.iterdir() if p.is_dir()) == ["aarhus", "odense", "tables"]
    assert not (version / "laesoe").exists() and not list((project.output_dir / ".staging").iterdir())
    # the refusal names the variant, its value, the table and the rule, in Danish
    assert ("Varianten 'laesoe' (kommune = Læsø) af 'demo' udgives ikke: alle hovedresultater ville være "
            "skjult af diskretionshensyn (under 3 personer bag tallene)") in err
    assert "Tabel 1 (Hovedtabel)" in err and "1 ikke udgivet af diskretionshensyn" in err
    odense = version / "odense"
    manifest = json.loads((odense / "manifest.json").read_text(encoding="utf-8"))
    assert (manifest["variant"], manifest["params"], manifest["title"]) == \
        ("odense", {"kommune": "Odense"}, "Legetøjsrapport for Odense")
    page = BeautifulSoup((odense / "index.html").read_text(encoding="utf-8"), "html.parser")
    assert page.title.string == "Legetøjsrapport for Odense"
    assert "Tabel 1 viser effekten for Odense." in page.get_text(" ", strip=True)
    grid = (odense / "tables" / "tbl-main.display.csv").read_text(encoding="utf-8").splitlines()
    assert grid[1] == "Effekt,\"0,80\",40"
    # the report itself (all municipalities): 120·1,5 + 40·0,8 + 2·3,1 over 162 persons
    main_grid = (version / "tables" / "tbl-main.display.csv").read_text(encoding="utf-8").splitlines()
    assert main_grid[1] == f"Effekt,\"{(180 + 32 + 6.2) / 162:.2f}\",162".replace(".", ",")


@pytest.mark.build
def test_site_index_lists_the_variants_of_a_version(built):
    project, _, _ = built
    index = BeautifulSoup((project.output_dir / "index.html").read_text(encoding="utf-8"), "html.parser")
    links = {a.get_text(strip=True) + ":" + a["href"] for a in index.select(".variants a")}
    assert links == {"HTML:reports/demo/1.0.0/aarhus/index.html", "HTML:reports/demo/1.0.0/odense/index.html"}
    assert "Læsø" not in index.get_text()


@pytest.mark.build
def test_variants_are_cached_and_survive_a_new_build_of_the_version(built, monkeypatch, capsys):
    project, _, _ = built
    monkeypatch.chdir(project.root)
    version = project.output_dir / "reports" / "demo" / "1.0.0"
    before = tree(version / "aarhus")
    capsys.readouterr()
    assert main(["build", "demo", "--variant", "aarhus", "--variant", "odense", "--to", "html"]) == 0
    err = capsys.readouterr().err
    assert err.count("uændret") == 2 and "execute" not in err
    assert main(["build", "demo", "--matrix", "--explain", "--to", "html"]) == 0
    out = capsys.readouterr().out
    assert "demo 1.0.0/odense: uændret (intet bygges)" in out
    assert "varianten laesoe er ikke udgivet i version 1.0.0" in out
    # a prose edit of the report republishes the version (with --force) and keeps its variants
    qmd = project.report_path("demo")
    text = qmd.read_text(encoding="utf-8")
    qmd.write_text(text.replace("# Resultater", "# Resultater i alt"), encoding="utf-8")
    try:
        assert main(["build", "demo", "--to", "html", "--force"]) == 0
    finally:
        qmd.write_text(text, encoding="utf-8")
    assert tree(version / "aarhus") == before
    assert "Resultater i alt" in (version / "index.html").read_text(encoding="utf-8")


@pytest.mark.build
def test_diff_between_variants_and_between_versions_of_a_variant(built, tmp_path, monkeypatch, capsys):
    project, _, _ = built
    monkeypatch.chdir(project.root)
    capsys.readouterr()
    assert main(["diff", "demo", "1.0.0/aarhus", "1.0.0/odense", "--format", "json", "--no-html"]) == 1
    result = json.loads(capsys.readouterr().out)
    assert (result["old"]["label"], result["new"]["label"]) == ("1.0.0/aarhus", "1.0.0/odense")
    cells = {(c["row"], c["column"]): (c["old"], c["new"]) for t in result["tables"] for c in t["cells"]}
    assert cells[("Effekt", "Effekt")] == ("1,50", "0,80")
    # the same variant in two versions: a copy of the site with version 1.0.1 of it
    site = tmp_path / "site"
    shutil.copytree(project.output_dir, site)
    copy = site / "reports" / "demo" / "1.0.1"
    shutil.copytree(site / "reports" / "demo" / "1.0.0", copy)
    for manifest in (copy / "manifest.json", copy / "odense" / "manifest.json"):
        data = json.loads(manifest.read_text(encoding="utf-8"))
        manifest.write_text(json.dumps({**data, "version": "1.0.1"}), encoding="utf-8")
    assert main(["diff", "demo", "1.0.0", "latest", "--variant", "odense", "--site", str(site),
                 "--no-html", "--format", "json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert (result["old"]["label"], result["new"]["label"]) == ("1.0.0/odense", "1.0.1/odense")
    assert main(["diff", "demo", "1.0.0", "latest", "--variant", "laesoe", "--site", str(site)]) == 2
    assert "Varianten 'laesoe' af 'demo' findes ikke" in capsys.readouterr().err
    # the site: a page per variant between consecutive versions, linked from the variant's line
    display = copy / "odense" / "tables" / "tbl-main.display.csv"
    display.write_text(display.read_text(encoding="utf-8").replace('"0,80"', '"0,95"'), encoding="utf-8")
    write_site(project, site)
    index = BeautifulSoup((site / "index.html").read_text(encoding="utf-8"), "html.parser")
    hrefs = {a["href"] for a in index.select(".variants a") if a.get_text(strip=True) == "Ændringer fra 1.0.0"}
    assert hrefs == {"reports/demo/diff/1.0.0_1.0.1_aarhus.html", "reports/demo/diff/1.0.0_1.0.1_odense.html"}
    page = BeautifulSoup((site / "reports/demo/diff/1.0.0_1.0.1_odense.html").read_text(encoding="utf-8"),
                         "html.parser").get_text(" ", strip=True)
    assert "0,80" in page and "0,95" in page
    page = (site / "reports/demo/diff/1.0.0_1.0.1_aarhus.html").read_text(encoding="utf-8")
    assert "0,95" not in page
