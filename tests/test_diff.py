"""`evalreport diff`: tables cell by cell (rows matched by label), prose, outputs, exit status.

Build-based tests share two versions of one toy report, built from seeds 1 and 2;
the other tests compare tables exported directly with ReportTable.export.
"""
import csv
import json
import re

import pandas as pd
import pytest
from bs4 import BeautifulSoup

from evalreport.outputs import diff as D
from evalreport.build import BuildOptions, build_report
from evalreport.cli import main
from evalreport.author.tables import ReportTable
from toyreport import main_table, toy_doc, toy_project, write_doc

# The toy report in two versions: seed 2 adds group E, the table tbl-extra and changes the
# numbers, the notes and the first two paragraphs.
SETUP = """\
rng = np.random.default_rng(seed)
groups = ["A", "B", "C", "D"] + (["E"] if seed == 2 else [])
n = [1052, 230, 17, 4, 9][:len(groups)]
mean = (10 + rng.normal(0, 1, len(groups))).round(2)
mean[0] = 10.0
est = rng.normal(0, 1, len(groups)).round(3)
total = float(est.sum())
"""

TEXT = """\
# Resultater

Den samlede effekt er `{python} fmt_num(total, 2)`.

Konklusionen er, at effekten er `{python} "positiv" if total > 0 else "negativ"`.

Dette afsnit er det samme i alle udgaver.
"""

EXTRA = """\
```{python}
#| label: tbl-extra
#| tbl-cap: "Ekstra"
ReportTable.from_frames(pd.DataFrame({"x": ["1"]}, index=["r"]), id="tbl-extra") if seed == 2 else None
```
"""


def doc(version: str) -> str:
    return toy_doc(SETUP, TEXT, main_table('f"Trukket med seed {seed}."'), EXTRA, version=version)


# ----------------------------------------------------------------------------- shared builds

@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("diff")
    project = toy_project(root)
    write_doc(root, doc("1.0.0"))
    v1 = build_report(project, "demo", BuildOptions(to="html", params={"seed": 1}, quiet=True))
    write_doc(root, doc("1.1.0"))
    v2 = build_report(project, "demo", BuildOptions(to="html", params={"seed": 2}, quiet=True))
    return project, v1.folder, v2.folder


@pytest.fixture(scope="module")
def result(site):
    _, old, new = site
    return D.compare(D.side(old), D.side(new))


def read_grid(path):
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    header = rows[0]
    return {r[0]: dict(zip(header[1:], r[1:])) for r in rows[1:]}, header[1:]


@pytest.mark.build
def test_diff_reports_exactly_the_cells_that_differ_in_the_csv_files(site, result):
    _, old, new = site
    a, acols = read_grid(old / "tables" / "tbl-main.display.csv")
    b, bcols = read_grid(new / "tables" / "tbl-main.display.csv")
    expected = {(row, col, a[row][col], b[row][col]) for row in a if row in b
                for col in acols if col in bcols and a[row][col] != b[row][col]}
    [table] = [t for t in result.tables if t.id == "tbl-main"]
    got = {(c.row, c.column, c.old, c.new) for c in table.cells}
    assert got == expected
    assert len(table.cells) == len(expected) > 0
    assert ("A", "Antal") not in {(c.row, c.column) for c in table.cells}      # same n, same mean
    assert ("A", "Gennemsnit") not in {(c.row, c.column) for c in table.cells}
    for c in table.cells:                                                      # Danish numbers
        assert c.delta == pytest.approx(D.danish_number(c.new) - D.danish_number(c.old))
    # raw values: exact differences, matched against the raw CSVs
    ra, _ = read_grid(old / "tables" / "tbl-main.raw.csv")
    rb, rcols = read_grid(new / "tables" / "tbl-main.raw.csv")
    raw_expected = {(row, ra[row][c], rb[row][c]) for row in ra if row in rb for c in rcols
                    if float(ra[row][c]) != float(rb[row][c])}
    assert {(c.row, c.old, c.new) for c in table.raw} == raw_expected
    for c in table.raw:
        assert c.delta == float(c.new) - float(c.old)


@pytest.mark.build
def test_diff_lists_added_rows_tables_changed_notes_and_prose(result):
    table = next(t for t in result.tables if t.id == "tbl-main")
    assert table.rows_added == ["E"] and table.rows_removed == []
    assert ("notes", ["Trukket med seed 1."], ["Trukket med seed 2."]) in table.meta
    extra = next(t for t in result.tables if t.id == "tbl-extra")
    assert extra.status == "added"
    texts = [(p.kind, p.old, p.new) for p in result.prose]
    assert any(kind == "changed" and old.startswith("Den samlede effekt er")
               and new.startswith("Den samlede effekt er") for kind, old, new in texts)
    assert not any("det samme i alle udgaver" in old + new for _, old, new in texts)
    assert all(p.section == "1 Resultater" for p in result.prose)
    assert not result.equal


@pytest.mark.build
def test_cli_exit_status_and_json(site, monkeypatch, capsys):
    project, _, _ = site
    monkeypatch.chdir(project.root)
    assert main(["diff", "demo", "1.0.0", "1.1.0", "--format", "json", "--no-html"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["equal"] is False and data["old"]["version"] == "1.0.0"
    tbl = next(t for t in data["tables"] if t["id"] == "tbl-main")
    assert data["summary"]["cells_changed"] == len(tbl["cells"]) > 0
    assert main(["diff", "demo", "1.1.0", "1.1.0", "--no-html"]) == 0
    assert "Ingen forskelle." in capsys.readouterr().out
    assert main(["diff", "demo", "9.9.9", "--no-html"]) == 2
    assert "findes ikke" in capsys.readouterr().err
    assert main(["diff", "demo", "1.0.0", "1.1.0", "--tolerance", "-1", "--no-html"]) == 2


@pytest.mark.build
def test_cli_text_is_plain_off_a_tty_and_coloured_on_request(site, monkeypatch, capsys):
    project, _, _ = site
    monkeypatch.chdir(project.root)
    main(["diff", "demo", "1.0.0", "1.1.0", "--no-html"])
    plain = capsys.readouterr().out
    assert "\x1b[" not in plain
    assert re.search(r"-> [B-D] \| Gennemsnit: \S+ -> \S+  Δ [+\u2212]\d", plain)
    assert "+ række E" in plain and "+ tbl-extra" in plain and "[-" in plain and "{+" in plain
    main(["diff", "demo", "1.0.0", "1.1.0", "--no-html", "--color", "always"])
    assert "\x1b[31m" in capsys.readouterr().out


@pytest.mark.build
def test_working_tree_is_built_in_staging_and_compared_with_latest(site, monkeypatch, capsys):
    project, _, new = site
    monkeypatch.chdir(project.root)
    before = sorted(p.name for p in (project.output_dir / "reports" / "demo").iterdir())
    # the .qmd on disk is 1.1.0; with seed 2 it gives what 1.1.0 was built from
    assert main(["diff", "demo", "-P", "seed=2", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "1.1.0" in out and "arbejdskopi" in out and "Ingen forskelle." in out
    assert list((project.output_dir / ".staging").iterdir()) == []        # nothing left behind
    page = project.output_dir / "reports" / "demo" / "diff" / "1.1.0_arbejdskopi.html"
    assert page.exists()
    after = sorted(p.name for p in (project.output_dir / "reports" / "demo").iterdir())
    assert before == after                                                 # nothing published


@pytest.mark.build
def test_site_has_a_highlighter_diff_page_between_versions(site, result):
    project, _, _ = site
    page = project.output_dir / "reports" / "demo" / "diff" / "1.0.0_1.1.0.html"
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    table = next(t for t in result.tables if t.id == "tbl-main")
    grid = soup.find(id="tbl-main").find_next("table", class_="highlighter")
    actions = [tr.select_one(".action").get_text() for tr in grid.select("tr")]
    assert actions[0] == "@@"
    changed_rows = {c.row for c in table.cells}
    assert actions.count("->") == len(changed_rows)
    assert actions.count("+++") == 1                    # row E
    modified = grid.select("td.modify")
    assert len(modified) == len(table.cells)
    assert {td.get_text() for td in modified} == {f"{c.old}->{c.new}" for c in table.cells}
    for a in soup.select("a[href]"):                    # relative links that resolve
        href = a["href"].split("#")[0]
        assert not href.startswith("/")
        assert (page.parent / href).resolve().exists(), href
    data = json.loads(page.with_suffix(".json").read_text(encoding="utf-8"))
    assert data["summary"] == result.summary()
    index = (project.output_dir / "index.html").read_text(encoding="utf-8")
    assert 'href="reports/demo/diff/1.0.0_1.1.0.html"' in index


# ----------------------------------------------------------------------------- without builds

def export(folder, display, raw=None, **kw):
    kw.setdefault("id", "tbl-x")
    ReportTable.from_frames(display, raw, **kw).export(folder / "tables")
    return folder


def frame(rows, **cols):
    return pd.DataFrame(cols, index=rows)


def test_danish_numbers():
    assert D.danish_numbers("1.052") == [1052]
    assert D.danish_numbers("-1,1 (-2,5 til 0,3)") == [-1.1, -2.5, 0.3]
    assert D.danish_number("-1,1 (-2,5 til 0,3)") == -1.1
    assert D.danish_numbers("23-29") == [23, 29]
    assert D.danish_number("<3") == 3
    assert D.danish_number("<0,001") == 0.001
    assert D.danish_number("1,2**") == 1.2
    assert D.danish_number("12,3 %") == 12.3
    assert D.danish_number("1.234.567,5") == 1234567.5
    assert D.danish_number("") is None and D.danish_number("ikke oplyst") is None
    assert D.fmt_delta_danish(0.3000000001, 1) == "+0,3"
    assert D.fmt_delta_danish(-1052, 0) == "\u22121.052"


def test_both_minus_signs_are_read():
    typographic, ascii_ = "\u22121,1 (\u22122,5 til 0,3)", "-1,1 (-2,5 til 0,3)"
    assert D.danish_numbers(typographic) == D.danish_numbers(ascii_) == [-1.1, -2.5, 0.3]
    assert D.danish_number("\u22121.052") == -1052
    assert D.danish_numbers("23\u221229") == [23, 29]          # after a digit: not a sign
    assert D.equal_within(ascii_, typographic, 0.05)        # same numbers, within any tolerance


def test_a_cell_that_only_changes_its_minus_sign_has_delta_zero(tmp_path):
    old = export(tmp_path / "old", frame(["a", "b"], v=["-1,1 (-2,5 til 0,3)", "2,0"]))
    new = export(tmp_path / "new", frame(["a", "b"], v=["\u22121,1 (\u22122,5 til 0,3)", "2,0"]))
    d = D.compare_tables_only(old, new).tables[0]
    assert [(c.row, c.delta) for c in d.cells] == [("a", 0)]


def test_rows_are_matched_by_label_not_position(tmp_path):
    old = export(tmp_path / "old", frame(["a", "b", "c"], v=["1", "2", "3"]))
    new = export(tmp_path / "new", frame(["c", "a", "b"], v=["3", "1", "5"]))
    r = D.compare(D.side(old), D.side(new), prose=False)
    [t] = r.tables
    assert [(c.row, c.old, c.new, c.delta) for c in t.cells] == [("b", "2", "5", 3)]
    assert t.rows_added == [] and t.rows_removed == [] and t.rows_reordered


def test_rows_under_panels_and_repeated_labels(tmp_path):
    rows = ["Drenge", "Alder", "Pige", "Alder"]
    kinds = {"Drenge": "panel", "Pige": "panel"}
    old = export(tmp_path / "old", frame(rows, v=["", "1", "", "2"]), row_kinds=kinds)
    new = export(tmp_path / "new", frame(rows, v=["", "1", "", "3"]), row_kinds=kinds)
    [t] = D.compare(D.side(old), D.side(new), prose=False).tables
    assert [(c.row, c.old, c.new) for c in t.cells] == [("Pige › Alder", "2", "3")]


def test_added_and_removed_rows_columns_tables_and_metadata(tmp_path):
    old = export(tmp_path / "old", frame(["a", "b"], n=["1", "2"], m=["5", "6"]),
                 caption="Før", notes=["Note"], source="DST", row_footnotes={"a": "Fodnote"})
    export(old, frame(["x"], v=["1"]), id="tbl-gone")
    new = export(tmp_path / "new", frame(["a", "c"], n=["1", "9"], p=["0,1", "0,2"]),
                 caption="Efter", notes=["Note", "Ny note"], source="DST", row_footnotes={"a": "Ændret"})
    export(new, frame(["x"], v=["1"]), id="tbl-new")
    r = D.compare(D.side(old), D.side(new), prose=False)
    by_id = {t.id: t for t in r.tables}
    assert by_id["tbl-gone"].status == "removed" and by_id["tbl-new"].status == "added"
    t = by_id["tbl-x"]
    assert t.rows_added == ["c"] and t.rows_removed == ["b"]
    assert t.columns_added == ["p"] and t.columns_removed == ["m"]
    assert t.cells == []
    fields = {f: (o, n) for f, o, n in t.meta}
    assert fields["caption"] == ("Før", "Efter")
    assert fields["notes"] == (["Note"], ["Note", "Ny note"])
    assert fields["footnotes"] == (["a) Fodnote"], ["a) Ændret"])
    assert "source" not in fields
    grid = D.highlighter(t)
    assert [row["action"] for row in grid] == ["!", "@@", "", "---", "+++"]
    assert [c["text"] for c in grid[0]["cells"]][1:] == ["", "---", "+++"]
    text = D.format_text(r)
    assert "+ kolonne p" in text and "- kolonne m" in text and "- række b" in text
    assert 'titel: "Før" -> "Efter"' in text


def test_tolerance_for_printed_and_raw_numbers(tmp_path):
    raw_old = frame(["a", "b"], v=[1.0, 2.0])
    raw_new = frame(["a", "b"], v=[1.0 + 1e-12, 2.04])
    old = export(tmp_path / "old", frame(["a", "b"], v=["1,00", "2,00"]), raw_old)
    new = export(tmp_path / "new", frame(["a", "b"], v=["1,00", "2,04"]), raw_new)
    exact = D.compare(D.side(old), D.side(new), prose=False)
    [t] = exact.tables
    assert [(c.row, c.delta) for c in t.cells] == [("b", pytest.approx(0.04))]
    assert {c.row for c in t.raw} == {"a", "b"}
    assert [c.row for c in t.raw_only] == ["a"]                 # visible only in the raw values
    loose = D.compare(D.side(old), D.side(new), tolerance=0.05, prose=False)
    assert loose.equal
    noise = D.compare(D.side(old), D.side(new), tolerance=1e-9, prose=False)
    assert [c.row for c in noise.tables[0].raw] == ["b"]


def test_prose_paragraphs_skip_tables_stamp_and_metadata():
    html = """<html><body><header><h1>T</h1><dl class="report-meta"><dt>Version</dt><dd>1.0.0</dd></dl>
    <p class="build-stamp" id="build-stamp">Bygget i dag</p></header><nav class="toc"><a>1 A</a></nav>
    <main><h1>1 A</h1><p>Effekten er 1,2 <em>procentpoint</em>.</p>
    <div class="er-table"><div class="er-caption"><p>Tabel 1: X</p></div><table><tr><td>9</td></tr></table></div>
    <ul><li>punkt</li></ul></main></body></html>"""
    paras = D.paragraphs(html)
    assert paras == [("T", "T"), ("1 A", "1 A"), ("1 A", "Effekten er 1,2 procentpoint."),
                     ("1 A", "Tabel 1: X"), ("1 A", "punkt")]
    changed = D.compare_prose(paras, [(s, t.replace("1,2", "1,3")) for s, t in paras])
    assert [(c.kind, c.words()) for c in changed] == [
        ("changed", [("equal", "Effekten er"), ("delete", "1,2"), ("insert", "1,3"),
                     ("equal", "procentpoint.")])]
    assert D.compare_prose(paras, [(s, t.replace("1,2", "1,3")) for s, t in paras], 0.2) == []


@pytest.mark.build
def test_a_comparison_of_the_same_contents_is_remembered_not_repeated(site, result, tmp_path, monkeypatch):
    # A build compares its staging folder with the previous version while the PDF prints
    # (build._compare_with_previous); the site's diff page after publishing compares the same
    # contents in another folder and must get the same result without comparing again.
    import shutil

    from evalreport.outputs.diff import _result as R
    _, old, new = site
    moved = tmp_path / "published"
    shutil.copytree(new, moved)
    D.warm(D.side(old), D.side(new))
    monkeypatch.setattr(R, "compare_table", lambda *a, **k: pytest.fail("compared again"))
    again = D.compare(D.side(old), D.side(moved))
    assert again.new.folder == moved
    mine, theirs = again.to_json(), result.to_json()
    assert {k: mine[k] for k in ("summary", "tables", "prose")} == {k: theirs[k] for k in ("summary", "tables", "prose")}
    assert mine["summary"]["paragraphs_changed"] > 0 and mine["tables"]             # not an empty diff
    # other contents: compared afresh
    html = moved / "index.html"
    html.write_text(html.read_text(encoding="utf-8").replace("Dette afsnit", "Det afsnit"), encoding="utf-8")
    with pytest.raises(pytest.fail.Exception, match="compared again"):
        D.compare(D.side(old), D.side(moved))
