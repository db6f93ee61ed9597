"""The build cache is never stale: one test per kind of input, plus no-op, --explain,
damaged entries, the size bound and byte-identical builds.

One toy project is shared by the module and edited test by test (each test puts
back what it changed). Its code cell appends a line to ``runs.log`` each time the
kernel runs it: the count says, independently of the cache's own bookkeeping,
whether a build executed the document. The report imports a function from the
project's own ``toyanalysis/`` package and reads ``data/toy.csv``.
"""
import json
import os
import re
import subprocess
from importlib.metadata import version as dist_version
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

import evalreport.engine.cache as C
from evalreport.build import BuildOptions, build_report, stage_report
from evalreport.cli import main
from evalreport.config import load_project

pytestmark = pytest.mark.build

QUARTO = "project:\n  type: website\n  output-dir: _site\n"
DATA = "gruppe,n\nA,1052\nB,230\nC,17\n"
EFFECTS = "def scale(x):\n    return x * 1\n"
DOC = """\
---
title: "Cacheprøve"
date: 2026-11-22
version: 1.0.0
---

```{python}
#| tags: [parameters]
seed = 1
```

```{python}
#| include: false
import sys, pathlib
sys.path.insert(0, str(pathlib.Path("../..").resolve()))
import numpy as np
import pandas as pd
from toyanalysis.effects import scale
from evalreport.author.formatting import fmt_num
from evalreport.author.tables import ReportTable
with open("../../runs.log", "a") as log:
    log.write("kørt\\n")
data = pd.read_csv("../../data/toy.csv").set_index("gruppe")
mean = (10 + np.random.default_rng(seed).normal(0, 1, len(data))).round(2)
```

# Resultater

Det samlede antal er `{python} fmt_num(scale(data["n"].sum()), 0)`, og ordet er blåbær.

```{python}
#| label: tbl-main
#| tbl-cap: "Hovedtabel"
display = pd.DataFrame({"n": [fmt_num(v, 0) for v in data["n"]],
                        "mean": [fmt_num(v, 2) for v in mean]}, index=list(data.index))
raw = pd.DataFrame({"n": data["n"].tolist(), "mean": mean}, index=list(data.index))
ReportTable.from_frames(display, raw, id="tbl-main", labels={"n": "Antal", "mean": "Gennemsnit"},
                        source="Legetøjsdata")
```
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = tmp_path_factory.mktemp("cache")
    (root / "_quarto.yml").write_text(QUARTO, encoding="utf-8")
    (root / "data").mkdir()
    (root / "data" / "toy.csv").write_text(DATA, encoding="utf-8")
    (root / "toyanalysis").mkdir()
    (root / "toyanalysis" / "__init__.py").write_text("", encoding="utf-8")
    (root / "toyanalysis" / "effects.py").write_text(EFFECTS, encoding="utf-8")
    (root / "reports" / "demo").mkdir(parents=True)
    (root / "reports" / "demo" / "index.qmd").write_text(DOC, encoding="utf-8")
    project = load_project(root)
    build(project)
    return project


def build(project, to="html", **kw):
    """A build that may replace the published 1.0.0 (the tests change its tables)."""
    return build_report(project, "demo", BuildOptions(to=to, quiet=True, force=True, **kw))


def runs(project) -> int:
    log = project.root / "runs.log"
    return len(log.read_text(encoding="utf-8").splitlines()) if log.exists() else 0


def page(project) -> str:
    return (project.output_dir / "reports" / "demo" / "1.0.0" / "index.html").read_text(encoding="utf-8")


def table(project) -> dict[str, list[str]]:
    """The printed table, row label → cells (from the HTML, as a reader sees it)."""
    soup = BeautifulSoup(page(project), "html.parser")
    rows = {}
    for tr in soup.select("table tbody tr"):
        cells = [c.get_text(strip=True) for c in tr.find_all(["th", "td"])]
        rows[cells[0]] = cells[1:]
    return rows


def total_sentence(project) -> str:
    return re.search(r"Det samlede antal er ([\d.]+)", page(project)).group(1)


def explain(project, capsys, *args) -> str:
    os.chdir(project.root)
    capsys.readouterr()
    assert main(["build", "--explain", *args]) == 0
    return capsys.readouterr().out


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def snapshot(folder: Path) -> dict:
    return {p.relative_to(folder).as_posix(): (p.stat().st_mtime_ns, p.read_bytes())
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_nothing_changed_is_a_no_op_that_writes_nothing(project, capsys, monkeypatch):
    monkeypatch.chdir(project.root)
    before, count = snapshot(project.output_dir), runs(project)
    assert "demo 1.0.0: uændret" in explain(project, capsys, "--to", "html")
    result = build(project)
    assert result.unchanged and runs(project) == count
    assert snapshot(project.output_dir) == before            # not a byte, not a time stamp


def test_prose_edit_renders_again_without_executing(project, capsys):
    qmd = project.report_path("demo")
    count = runs(project)
    edit(qmd, "ordet er blåbær", "ordet er hindbær")
    try:
        out = explain(project, capsys, "--to", "html")
        assert "reports/demo/index.qmd er ændret" in out and "køres igen" not in out
        result = build(project)
        assert runs(project) == count                         # no cell executed ...
        assert "execute" in result.cached
        assert "hindbær" in page(project) and "blåbær" not in page(project)   # ... output changed
    finally:
        edit(qmd, "ordet er hindbær", "ordet er blåbær")
    build(project)
    assert "blåbær" in page(project) and runs(project) == count


def test_code_cell_edit_executes_again(project, capsys):
    qmd = project.report_path("demo")
    count = runs(project)
    edit(qmd, "mean = (10 +", "mean = (20 +")
    try:
        out = explain(project, capsys, "--to", "html")
        assert re.search(r"køres igen.*\n\s+- kodecelle 2 \(linje 12\) er ændret", out)
        build(project)
        assert runs(project) == count + 1
        means = [float(cells[1].replace(",", ".")) for cells in table(project).values()]
        assert all(15 < m < 25 for m in means)               # the new code's numbers
    finally:
        edit(qmd, "mean = (20 +", "mean = (10 +")
    build(project)
    assert all(5 < float(c[1].replace(",", ".")) < 15 for c in table(project).values())


def test_edit_of_an_imported_analysis_function_executes_again(project, capsys):
    module = project.root / "toyanalysis" / "effects.py"
    count = runs(project)
    assert total_sentence(project) == "1.299"                 # 1052 + 230 + 17
    edit(module, "x * 1", "x * 2")
    try:
        out = explain(project, capsys, "--to", "html")
        assert "køres igen" in out and "toyanalysis/effects.py er ændret" in out
        build(project)
        assert runs(project) == count + 1
        assert total_sentence(project) == "2.598"
    finally:
        edit(module, "x * 2", "x * 1")


def test_data_file_change_executes_again(project, capsys):
    data = project.root / "data" / "toy.csv"
    count = runs(project)
    edit(data, "A,1052", "A,2052")
    try:
        out = explain(project, capsys, "--to", "html")
        assert "køres igen" in out and "data/toy.csv er ændret" in out
        build(project)
        assert runs(project) == count + 1
        assert table(project)["A"][0] == "2.052"
    finally:
        edit(data, "A,2052", "A,1052")
    build(project)
    assert table(project)["A"][0] == "1.052"
    # the earlier execution came back from the cache: putting the file back executes nothing
    assert runs(project) == count + 1


def test_parameter_change_executes_again_and_back_is_cached(project, capsys):
    count = runs(project)
    first = table(project)
    out = explain(project, capsys, "--to", "html", "-P", "seed=2")
    assert "køres igen" in out and "parameter seed: (standard) → 2" in out
    build(project, params={"seed": 2})
    assert runs(project) == count + 1 and table(project) != first
    result = build(project)
    assert runs(project) == count + 1 and "execute" in result.cached
    assert table(project) == first


def test_package_version_is_in_the_key(project, capsys, monkeypatch):
    entry = next((C.Store.for_project(project).root / "execute").glob("*/*/entry.json"))
    recorded = json.loads(entry.read_text(encoding="utf-8"))["meta"]["components"]["packages"]
    assert recorded["numpy"] == dist_version("numpy") and recorded["pandas"] == dist_version("pandas")

    real = C.installed_packages()
    monkeypatch.setattr(C, "installed_packages", lambda: {**real, "numpy": "99.0"})
    count = runs(project)
    out = explain(project, capsys, "--to", "html")
    assert "køres igen" in out and f"pakker: numpy {real['numpy']} → 99.0" in out
    build(project)
    assert runs(project) == count + 1


def test_damaged_cache_entries_mean_a_rebuild_not_a_crash(project, capsys):
    store = C.Store.for_project(project)
    qmd = project.report_path("demo")
    count = runs(project)
    edit(qmd, "ordet er blåbær", "ordet er solbær")         # needs the execution, a new render
    try:
        for entry in (store.root / "execute").glob("*/*/files/tables/tbl-main.display.csv"):
            entry.write_text("A,999\n", encoding="utf-8")    # wrong content, same name
        result = build(project)
        assert runs(project) == count + 1                     # the damaged entry was not used
        assert table(project)["A"][0] == "1.052" and "solbær" in page(project)
        assert "execute" not in result.cached
        for entry in (store.root / "execute").glob("*/*/entry.json"):
            entry.write_text("{ikke json", encoding="utf-8")
        for entry in (store.root / "html").glob("*/entry.json"):
            entry.write_bytes(b"\x00" * 10)
        edit(qmd, "ordet er solbær", "ordet er tyttebær")
        assert build(project).html.exists()
        assert runs(project) == count + 2 and "tyttebær" in page(project)
    finally:
        edit(qmd, "ordet er tyttebær", "ordet er blåbær")
    build(project)


def test_a_file_changed_while_the_kernel_runs_is_not_stored(project, capfd):
    """The hashes are taken after the run: a data file touched during it may differ from
    what the kernel read, so that run is used once and not kept."""
    qmd = project.report_path("demo")
    read = 'data = pd.read_csv("../../data/toy.csv").set_index("gruppe")'
    edit(qmd, read, read + '\nimport os; os.utime("../../data/toy.csv")')
    count = runs(project)
    try:
        capfd.readouterr()
        build(project)
        assert "data/toy.csv blev ændret, mens rapporten kørte" in capfd.readouterr().err
        assert runs(project) == count + 1
        build(project)
        assert runs(project) == count + 2                     # nothing was kept: it ran again
    finally:
        edit(qmd, read + '\nimport os; os.utime("../../data/toy.csv")', read)


def test_cache_is_bounded_in_size(project, monkeypatch):
    """Least recently used entries go first; what the build itself used stays."""
    monkeypatch.setenv("EVALREPORT_CACHE_MAX_MB", "0.01")    # 10 kB: less than any build needs
    store = C.Store.for_project(project)
    assert store.max_bytes == int(0.01 * 2 ** 20)
    old = {p.parent for p in store.root.glob("*/**/entry.json")}
    assert store.size() > store.max_bytes and len(old) > 3
    count = runs(project)
    build(project, params={"seed": 3})
    now = {p.parent for p in store.root.glob("*/**/entry.json")}
    # everything from before is gone, except what this build used (its "last-run" record)
    assert len(old & now) <= 1 and now - old
    build(project, params={"seed": 3})                      # the build's own entries survived it
    assert runs(project) == count + 1
    monkeypatch.delenv("EVALREPORT_CACHE_MAX_MB")
    build(project)
    assert table(project)["A"][0] == "1.052"


def test_explain_builds_and_writes_nothing(project, capsys):
    qmd = project.report_path("demo")
    edit(qmd, "ordet er blåbær", "ordet er brombær")
    try:
        before = snapshot(project.output_dir)
        store_before = snapshot(C.Store.for_project(project).root)
        count = runs(project)
        explain(project, capsys)
        assert runs(project) == count
        assert snapshot(project.output_dir) == before
        after = snapshot(C.Store.for_project(project).root)
        assert {k: v for k, v in after.items() if k != "hashes.json"} == \
               {k: v for k, v in store_before.items() if k != "hashes.json"}
    finally:
        edit(qmd, "ordet er brombær", "ordet er blåbær")


def test_no_cache_executes_and_two_builds_are_byte_identical(project, monkeypatch):
    """Without SOURCE_DATE_EPOCH: the stamp comes from the commit, so the bytes do not
    depend on when the build ran; SOURCE_DATE_EPOCH still decides when it is set."""
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    root = project.root
    git = ["git", "-c", "user.name=Test", "-c", "user.email=test@example.org"]
    env = dict(os.environ, GIT_AUTHOR_DATE="2026-01-15T10:30:00Z", GIT_COMMITTER_DATE="2026-01-15T10:30:00Z")
    (root / ".gitignore").write_text("_site/\n.evalreport-cache/\nruns.log\n", encoding="utf-8")
    subprocess.run(git + ["init", "-q"], cwd=root, check=True)
    subprocess.run(git + ["add", "-A"], cwd=root, check=True)
    subprocess.run(git + ["commit", "-q", "-m", "toy"], cwd=root, check=True, env=env)
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, check=True, capture_output=True,
                          text=True).stdout.strip()
    from evalreport.outputs import stamp
    stamp.forget_git_state()
    count = runs(project)
    first = build(project, to="all", cache=False)
    folder = first.folder
    html1, pdf1 = (folder / "index.html").read_bytes(), first.pdf.read_bytes()
    assert runs(project) == count + 1
    text = BeautifulSoup(html1, "html.parser").select_one("#build-stamp").get_text()
    assert text.startswith("Bygget 2026-01-15 10:30 UTC") and f"commit {head[:10]}" in text
    assert "ikke-committede" not in text
    m = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert m["built"] == "2026-01-15T10:30:00+00:00" and m["commit"] == head and m["dirty"] is False

    second = stage_report(project, "demo", BuildOptions(to="all", quiet=True, cache=False))
    try:
        assert runs(project) == count + 2
        assert (second.folder / "index.html").read_bytes() == html1 and second.pdf.read_bytes() == pdf1
    finally:
        second.discard()

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1900000000")      # 2030-03-17
    build(project, to="html")
    text = BeautifulSoup(page(project), "html.parser").select_one("#build-stamp").get_text()
    assert text.startswith("Bygget 2030-03-17")
    assert runs(project) == count + 2                          # a new stamp renders, never executes
