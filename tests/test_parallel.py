"""Several reports at once (-j), builds running side by side, and the progress display."""
import io
import os
import subprocess
import sys
import time

import pytest

import evalreport.progress as P
from evalreport.cli import main
from evalreport.config import load_project
from evalreport.engine.store import Store

QUARTO = "project:\n  type: website\n  output-dir: _site\n"
DOC = """\
---
title: "Rapport {name}"
version: 1.0.0
---

```{{python}}
#| label: tbl-tal
#| tbl-cap: "Tal"
from IPython.display import HTML
{code}
HTML("<table><thead><tr><th>a</th></tr></thead><tbody><tr><td>{name}</td></tr></tbody></table>")
```

Rapporten hedder {name}.
"""


def make(tmp_path, reports: dict[str, str]):
    (tmp_path / "_quarto.yml").write_text(QUARTO, encoding="utf-8")
    for name, code in reports.items():
        folder = tmp_path / "reports" / name
        folder.mkdir(parents=True)
        (folder / "index.qmd").write_text(DOC.format(name=name, code=code), encoding="utf-8")
    return load_project(tmp_path)


@pytest.mark.build
def test_two_reports_build_in_parallel_and_a_failure_stops_only_its_own(tmp_path, monkeypatch, capsys):
    project = make(tmp_path, {"alfa": "x = 1", "beta": "x = 2", "gamma": "raise ValueError('gamma går galt')"})
    monkeypatch.chdir(tmp_path)
    code = main(["build", "-j", "2", "--to", "html"])
    err = capsys.readouterr().err
    assert code == 2
    for name in ("alfa", "beta"):
        page = project.output_dir / "reports" / name / "1.0.0" / "index.html"
        assert f"Rapporten hedder {name}" in page.read_text(encoding="utf-8")
        assert f"[{name}] færdig: _site/reports/{name}/1.0.0/" in err
    assert not (project.output_dir / "reports" / "gamma").exists()
    assert "Rapporten 'gamma' fejlede i celle 1" in err and "ValueError: gamma går galt" in err
    assert "1 af 3 rapporter fejlede" in err
    # per-report stage lines, readable when the reports' lines interleave
    assert "[alfa] execute …" in err and "[beta] html færdig på" in err
    # a second run: the two good reports are up to date, nothing is built
    capsys.readouterr()
    assert main(["build", "-j", "2", "--to", "html", "alfa", "beta"]) == 0
    err = capsys.readouterr().err
    assert err.count("uændret") == 2 and "execute" not in err


@pytest.mark.build
def test_two_processes_building_the_same_report_at_once(tmp_path):
    """Two `evalreport build` commands started together: both succeed, the version folder
    is whole, and the cache holds one intact entry per stage (no leftovers)."""
    project = make(tmp_path, {"alfa": "import time; time.sleep(1)"})
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    cmd = [sys.executable, "-m", "evalreport.cli", "build", "--to", "html", "--quiet"]
    procs = [subprocess.Popen(cmd, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for _ in range(2)]
    outs = [p.communicate(timeout=600) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    folder = project.output_dir / "reports" / "alfa" / "1.0.0"
    assert "Rapporten hedder alfa" in (folder / "index.html").read_text(encoding="utf-8")
    store = Store(Store.for_project(project).root)
    executions = list((store.root / "execute").glob("*/*/entry.json"))
    assert len(executions) == 1
    key = executions[0].parent.relative_to(store.root / "execute").as_posix()
    assert store.get("execute", key) is not None                 # checks every file's SHA-256
    assert not list(store.root.rglob(".new-*")) and not list(store.root.rglob(".old-*"))
    assert list((project.output_dir / ".staging").iterdir()) == []


def test_plain_progress_reports_a_long_cell_and_its_time(monkeypatch):
    monkeypatch.setattr(P, "SLOW_CELL", 0.3)
    monkeypatch.setattr(P, "HEARTBEAT", 60)
    out = io.StringIO()
    with P.Display(["bot"], live=False, stream=out) as display:
        progress = P.Progress("bot", quiet=False, sink=display)
        cell = type("Cell", (), {"number": 7, "line": 120, "label": "tbl-boot"})()
        with progress.stage("execute"):
            progress.cell(cell, 3, 9)
            time.sleep(1.6)
    lines = out.getvalue().splitlines()
    assert lines[0] == "[bot] execute …"
    assert any(l.startswith("[bot] celle 3/9 tbl-boot (linje 120) kører …") for l in lines)
    done = [l for l in lines if l.startswith("[bot] celle 3/9 tbl-boot (linje 120) færdig på ")]
    assert len(done) == 1 and 1.2 < float(done[0].split()[-2]) < 5
    assert lines[-1].startswith("[bot] execute færdig på ")


def test_live_progress_shows_the_running_cell_per_report():
    out = io.StringIO()
    with P.Display(["oto", "bot"], live=True, stream=out) as display:
        P.Progress("oto", False, display).cell(type("C", (), {"number": 2, "line": 40, "label": None})(), 2, 30)
        display({"slug": "bot", "kind": "done", "text": "færdig: _site/reports/bot/1.0.0/ (3.0 s)"})
        time.sleep(0.3)
    text = out.getvalue()
    assert "oto" in text and "celle 2/30 (linje 40)" in text
    assert "færdig: _site/reports/bot/1.0.0/" in text


def test_the_largest_reports_are_started_first(tmp_path):
    from evalreport.build import BuildOptions
    from evalreport.parallel import ReportTask, heaviest_first
    project = make(tmp_path, {"kort": "x = 1", "lang": "x = 1\n" + "y = 2\n" * 400, "mellem": "x = 1\n" * 40})
    tasks = [ReportTask(project, slug, BuildOptions()) for slug in ("kort", "lang", "mellem")]
    sizes = {t.slug: project.report_path(t.slug).stat().st_size for t in tasks}
    order = [t.slug for t in heaviest_first(tasks)]
    assert order == sorted(sizes, key=sizes.get, reverse=True) == ["lang", "mellem", "kort"]
