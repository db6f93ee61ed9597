"""Versioned output: the version folder, its manifest, determinism and immutability.

One toy project is shared by the module (each build takes a few seconds); the
test that overwrites the published version with --force runs last.
"""
import hashlib
import json
import platform
import re
from importlib.metadata import version as dist_version

import pytest
from pypdf import PdfReader

from evalreport.build import BuildOptions, build_report, stage_report
from evalreport.outputs.versions import next_version
from evalreport.cli import main
from toyreport import main_table, toy_doc, toy_project

pytestmark = pytest.mark.build

DATA = "gruppe,n\nA,1052\nB,230\nC,17\nD,4\n"

SETUP = """\
data = pd.read_csv("../../data/toy.csv").set_index("gruppe")
groups, n = list(data.index), data["n"].tolist()
rng = np.random.default_rng(seed)
est = rng.normal(0, 1, len(data)).round(3)
mean = (10 + rng.normal(0, 1, len(data))).round(2)
"""

TEXT = """\
# Resultater

Den samlede effekt er `{python} fmt_num(est.sum(), 2)`.
"""

DOC = toy_doc(SETUP, TEXT, main_table('"Tallene er trukket med seed."'))


def sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def tree(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = tmp_path_factory.mktemp("versions")
    return toy_project(root, DOC, files={"data/toy.csv": DATA})


@pytest.fixture(scope="module")
def published(project):
    return build_report(project, "demo", BuildOptions(to="all", params={"seed": 1}, quiet=True))


def test_version_folder_holds_html_pdf_tables_and_manifest(project, published):
    folder = project.output_dir / "reports" / "demo" / "1.0.0"
    assert published.folder == folder
    names = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    assert {"index.html", "demo-1.0.0.pdf", "manifest.json", "tables/tbl-main.display.csv",
            "tables/tbl-main.raw.csv", "tables/tbl-main.json"} <= names
    latest = (project.output_dir / "reports" / "demo" / "latest" / "index.html").read_text()
    assert 'url=../1.0.0/index.html' in latest
    meta = json.loads((folder / "tables" / "tbl-main.json").read_text(encoding="utf-8"))
    # the printed caption and number reach the table's metadata
    assert meta["caption"] == "Hovedtabel" and meta["number"] == "Tabel 1"
    assert meta["notes"] == ["Tallene er trukket med seed."] and meta["source"] == "Legetøjsdata"
    display = (folder / "tables" / "tbl-main.display.csv").read_text(encoding="utf-8").splitlines()
    assert display[0] == ",Antal,Gennemsnit,Effekt (95 % KI)"
    assert display[1].startswith("A,1.052,")                      # Danish, as printed


def test_manifest_records_inputs_versions_tables_and_pages(project, published):
    folder = published.folder
    m = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert (m["report"], m["version"], m["engine"]) == ("demo", "1.0.0", "builtin")
    assert "commit" in m and m["dirty"] in (True, False)
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$", m["built"])
    assert m["params"] == {"seed": 1}
    # exactly the data file the code read, with its hash (no code, packages or system files)
    data = project.root / "data" / "toy.csv"
    assert m["inputs"] == [{"path": "data/toy.csv", "sha256": sha256(data), "bytes": data.stat().st_size}]
    assert [s["path"] for s in m["sources"]] == ["reports/demo/index.qmd", "_quarto.yml"]
    assert m["python"]["version"] == platform.python_version()
    assert m["packages"]["pandas"] == dist_version("pandas")
    assert m["packages"]["weasyprint"] == dist_version("weasyprint")
    assert m["tools"]["pandoc"]
    [table] = m["tables"]
    assert table["id"] == "tbl-main" and table["caption"] == "Hovedtabel"
    for f in table["files"]:
        assert f["sha256"] == sha256(folder / "tables" / f["name"])
    listing = "".join(f"{f['sha256']}  {f['name']}\n" for f in sorted(table["files"], key=lambda f: f["name"]))
    assert table["sha256"] == hashlib.sha256(listing.encode()).hexdigest()
    assert m["pdf"] == "demo-1.0.0.pdf"
    assert m["pdf_pages"] == len(PdfReader(str(folder / m["pdf"])).pages) == published.pages


def test_two_builds_are_identical_apart_from_the_build_stamp(project, published, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1900000000")      # another build time than the first
    again = stage_report(project, "demo", BuildOptions(to="html", params={"seed": 1}, quiet=True))
    try:
        assert tree(again.folder / "tables") == tree(published.folder / "tables")
        first = (published.folder / "index.html").read_text(encoding="utf-8")
        second = (again.folder / "index.html").read_text(encoding="utf-8")
        assert first != second                                   # the stamps differ ...
        stamp = re.compile(r'(<p class="build-stamp" id="build-stamp">).*?(</p>)', re.S)
        assert len(stamp.findall(first)) == 1
        # ... and nothing else does
        assert stamp.sub(r"\1\2", first) == stamp.sub(r"\1\2", second)
        assert "2030" in stamp.search(second).group(0)            # 1900000000 = 2030-03-17
    finally:
        again.discard()


def test_rebuilding_a_published_version_with_changed_data_fails(project, published, monkeypatch, capsys):
    before = tree(published.folder)
    monkeypatch.chdir(project.root)
    assert main(["build", "demo", "--to", "html", "-P", "seed=2", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "Version 1.0.0 af 'demo' er allerede udgivet" in err
    assert "Hæv versionen" in err and "version: 1.0.1" in err and "--force" in err
    assert re.search(r"tbl-main: [A-D] \| Gennemsnit: \S+ -> \S+", err)     # what would change
    assert tree(published.folder) == before                       # published version untouched
    assert list((project.output_dir / ".staging").iterdir()) == []


def test_next_version():
    assert next_version("1.0.0") == "1.0.1"
    assert next_version("2.3") == "2.4"
    assert next_version("1.0.0-rc1") == "1.0.1"


def test_force_overwrites_with_a_warning_listing_the_changes(project, published, monkeypatch, capsys):
    """Runs last in this module: it replaces the shared published version."""
    monkeypatch.chdir(project.root)
    old_display = (published.folder / "tables" / "tbl-main.display.csv").read_text(encoding="utf-8")
    assert main(["build", "demo", "--to", "html", "-P", "seed=2", "--quiet", "--force"]) == 0
    err = capsys.readouterr().err
    assert "ADVARSEL" in err and "--force" in err and "overskrives" in err
    changed = re.findall(r"tbl-main: ([A-D]) \| (Gennemsnit|Effekt \(95 % KI\)): (.+?) -> (.+)", err)
    assert changed
    new_display = (published.folder / "tables" / "tbl-main.display.csv").read_text(encoding="utf-8")
    assert new_display != old_display
    m = json.loads((published.folder / "manifest.json").read_text(encoding="utf-8"))
    assert m["params"] == {"seed": 2}
