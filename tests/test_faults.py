"""Bad input and faults, one test per class of issue 10 (data contracts: test_contracts.py;
escaping: test_sanitise.py; disclosure: test_disclosure*.py).

Builds use tiny toy documents (a cell or two, HTML only unless the PDF is the point).
"""
import errno
import json
import os
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psutil
import pytest

from evalreport.build import BuildOptions, build_report, stage_report
from evalreport.cli import main
from evalreport.config import load_project
from evalreport.errors import EvalReportError
from evalreport.outputs import atomic
from evalreport.outputs.versions import VersionExistsError

pytestmark = pytest.mark.build
ROOT = Path(__file__).resolve().parents[1]

QUARTO = "project:\n  type: website\n  output-dir: _site\n"


def doc(body: str = "", version: str = "1.0.0", params: str = "seed = 1\nlabel = \"a\"\nrate = 0.5") -> str:
    return (f"---\ntitle: \"Prøve\"\nversion: {version}\n---\n\n"
            f"```{{python}}\n#| tags: [parameters]\n{params}\n```\n\n"
            f"# Resultater\n\nKonklusionen er, at seed er `{{python}} seed`.\n\n{body}")


def make(root: Path, reports: dict[str, str], quarto: str = QUARTO):
    root.mkdir(parents=True, exist_ok=True)
    (root / "_quarto.yml").write_text(quarto, encoding="utf-8")
    for slug, text in reports.items():
        (root / "reports" / slug).mkdir(parents=True, exist_ok=True)
        (root / "reports" / slug / "index.qmd").write_text(text, encoding="utf-8")
    return load_project(root)


def kernels_of_this_process() -> list:
    return [p for p in psutil.Process().children(recursive=True)
            if "ipykernel" in " ".join(p.cmdline())]


# --- 3. versions: strict strings, all content compared, nothing lost ------------------------------

@pytest.mark.parametrize("front, words", [
    ("1.10", "er ikke skrevet som tekst"),
    ("2", "er ikke skrevet som tekst"),
    ("|\n  1.0.0\ndate: 2026-11-30", "ugyldig version '1.0.0\\n'"),
    ('"1.0.0 "', "ugyldig version"),
    ('"../1.0.0"', "ugyldig version"),
])
def test_version_strings_are_strict(tmp_path, front, words):
    project = make(tmp_path, {"demo": doc(version=front)})
    with pytest.raises(EvalReportError) as err:
        stage_report(project, "demo", BuildOptions(to="html", quiet=True))
    assert words in str(err.value) and "index.qmd" in str(err.value)
    assert not (project.output_dir / "reports").exists()


@pytest.mark.parametrize("params, words", [
    ({"sead": 2}, "ingen parameter 'sead'"),
    ({"seed": "to"}, "'seed' skal være et heltal"),
    ({"seed": 1.5}, "'seed' skal være et heltal"),
    ({"rate": True}, "'rate' skal være et tal"),
])
def test_bad_parameters_are_rejected_before_execution(tmp_path, params, words):
    project = make(tmp_path, {"demo": doc()})
    with pytest.raises(EvalReportError) as err:
        stage_report(project, "demo", BuildOptions(to="html", quiet=True, params=params))
    msg = str(err.value)
    assert words in msg and "seed (standard 1), label (standard 'a'), rate (standard 0.5)" in msg
    assert not kernels_of_this_process()


def test_changed_text_pdf_kept_permissions_and_build_from_report_folder(tmp_path, monkeypatch, capsys):
    body = "```{python}\n#| output: asis\nprint('Effekten er positiv.' if seed == 1 else 'Effekten er negativ.')\n```\n"
    project = make(tmp_path, {"demo": doc(body), "other": doc()})
    first = build_report(project, "demo", BuildOptions(to="all", quiet=True))
    pdf = first.folder / "demo-1.0.0.pdf"
    pdf_bytes = pdf.read_bytes()
    # --to html with the same content keeps the version's PDF (and says it has one)
    again = build_report(project, "demo", BuildOptions(to="html", quiet=True))
    assert pdf.read_bytes() == pdf_bytes and again.pdf == pdf
    assert json.loads((first.folder / "manifest.json").read_text())["pdf"] == pdf.name
    # a changed conclusion (text only, no table) is not republished under the same version
    with pytest.raises(VersionExistsError) as err:
        build_report(project, "demo", BuildOptions(to="html", quiet=True, params={"seed": 2}))
    assert "Effekten er [-positiv.-]" in str(err.value) or "Effekten er negativ." in str(err.value)
    assert pdf.read_bytes() == pdf_bytes
    # published files are readable by a web server
    for path in [project.output_dir, *project.output_dir.rglob("*")]:
        if ".staging" in path.parts:
            continue
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o755 if path.is_dir() else 0o644), (path, oct(mode))
    # inside reports/<slug>/ a bare `evalreport build` builds that report only
    monkeypatch.chdir(project.root / "reports" / "other" )
    assert main(["build", "--to", "html", "--quiet"]) == 0
    assert (project.output_dir / "reports" / "other" / "1.0.0" / "index.html").is_file()
    # --force with changed content drops the PDF that would show the old text, with a warning
    forced = build_report(project, "demo", BuildOptions(to="html", quiet=True, force=True, params={"seed": 2}))
    assert not pdf.exists() and forced.pdf is None
    assert any("demo-1.0.0.pdf" in w and "fjernes" in w for w in forced.warnings)
    assert list((project.output_dir / ".staging").iterdir()) == []


# --- 3. no window without a version folder; a killed swap is recovered ---------------------------

KILL_BETWEEN_RENAMES = textwrap.dedent("""
    import os, sys
    from pathlib import Path
    from evalreport.config import load_project
    from evalreport.outputs import atomic
    from evalreport.outputs.publish import publish
    calls = []
    real = atomic._rename
    def rename(src, dst):
        calls.append((src, dst))
        real(src, dst)
        if len(calls) == 1 and Path(dst).name.endswith(".old-" + str(os.getpid())):
            os._exit(9)                      # killed between the two renames
    atomic._rename = rename
    publish(load_project(Path(sys.argv[1])), dest=Path(sys.argv[2]), build=False)
""")


def test_kill_between_the_renames_of_a_publish_is_recovered(tmp_path):
    project = make(tmp_path / "p", {"demo": doc()})
    build_report(project, "demo", BuildOptions(to="html", quiet=True))
    dest = tmp_path / "www" / "site"
    from evalreport.outputs.publish import publish
    publish(project, dest=dest, build=False)
    before = sorted(p.relative_to(dest).as_posix() for p in dest.rglob("*"))
    # Where the system can exchange two folders atomically, a swap is one call: no window.
    swapped = []
    real_exchange = atomic.exchange
    atomic.exchange = lambda a, b: swapped.append(real_exchange(a, b)) or swapped[-1]
    try:
        publish(project, dest=dest, build=False)
    finally:
        atomic.exchange = real_exchange
    if sys.platform.startswith("linux"):
        assert swapped == [True]
    # Without it (EVALREPORT_NO_EXCHANGE), a kill between the two renames leaves the old site
    # beside the destination ...
    env = dict(os.environ, EVALREPORT_NO_EXCHANGE="1")
    run = subprocess.run([sys.executable, "-c", KILL_BETWEEN_RENAMES, str(project.root), str(dest)],
                         env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 9, run.stderr
    assert not dest.exists()
    leftovers = [p.name for p in dest.parent.iterdir() if p.name.startswith(".site.")]
    assert any(".old-" in n for n in leftovers)
    # ... and the next run puts it back and completes the publish
    publish(project, dest=dest, build=False)
    assert sorted(p.relative_to(dest).as_posix() for p in dest.rglob("*")) == before
    assert [p.name for p in dest.parent.iterdir() if p.name.startswith(".site.")] == []


CONCURRENT = {"a": doc("```{python}\nimport time; time.sleep(1)\n```\n"), "b": doc()}


def test_concurrent_builds_in_several_processes_leave_the_site_whole(tmp_path):
    project = make(tmp_path, CONCURRENT)
    cmd = [str(Path(sys.executable).with_name("evalreport")), "build", "--to", "html", "--quiet"]
    procs = [subprocess.Popen(cmd + [slug], cwd=project.root, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for slug in ("a", "a", "b", "a")]
    outs = [p.communicate(timeout=600) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], outs
    site = project.output_dir
    for slug in ("a", "b"):
        folder = site / "reports" / slug / "1.0.0"
        assert json.loads((folder / "manifest.json").read_text())["version"] == "1.0.0"
        assert (folder / "index.html").read_text(encoding="utf-8").rstrip().endswith("</html>")
        assert "url=../1.0.0/index.html" in (site / "reports" / slug / "latest" / "index.html").read_text()
        assert sorted(p.name for p in (site / "reports" / slug).iterdir()) == ["1.0.0", "latest"]
    index = (site / "index.html").read_text(encoding="utf-8")
    assert index.rstrip().endswith("</html>") and "reports/a/1.0.0" in index and "reports/b/1.0.0" in index
    assert list((site / ".staging").iterdir()) == []
    assert not [p for p in site.rglob("*") if p.name.endswith(".tmp") or ".old-" in p.name]


def test_dead_staging_folders_are_cleaned(tmp_path):
    project = make(tmp_path, {"demo": doc()})
    staging = project.output_dir / ".staging"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True).stdout.strip()
    (staging / f"demo-{dead}-abc123").mkdir(parents=True)
    (staging / f"demo-{os.getpid()}-live99").mkdir()
    build_report(project, "demo", BuildOptions(to="html", quiet=True))
    assert sorted(p.name for p in staging.iterdir()) == [f"demo-{os.getpid()}-live99"]


# --- 4. execution has limits ---------------------------------------------------------------------

@pytest.mark.parametrize("setting, cell, words", [
    ("timeout: 2", "import time\ntime.sleep(120)", "CellTimeout: cellen kørte i mere end 2 s"),
    ("max-output-mb: 0.5", "for i in range(10**6):\n    print('x' * 1000)", "mere end 0.5 MB output"),
])
def test_cell_limits_stop_the_build_and_shut_the_kernel_down(tmp_path, setting, cell, words):
    quarto = QUARTO + f"evalreport:\n  execute:\n    {setting}\n"
    project = make(tmp_path, {"demo": doc(f"```{{python}}\n{cell}\n```\n")}, quarto)
    start = time.monotonic()
    with pytest.raises(EvalReportError) as err:
        build_report(project, "demo", BuildOptions(to="html", quiet=True))
    assert words in str(err.value) and "index.qmd:" in str(err.value)
    assert time.monotonic() - start < 90
    assert not kernels_of_this_process()
    assert not (project.output_dir / "reports").exists()
    assert list((project.output_dir / ".staging").iterdir()) == []


@pytest.mark.parametrize("sig, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_interrupt_exits_cleanly_with_nothing_published(tmp_path, sig, code):
    project = make(tmp_path, {"demo": doc("```{python}\nimport time\ntime.sleep(300)\n```\n")})
    cmd = [str(Path(sys.executable).with_name("evalreport")), "build", "demo", "--to", "html"]
    # As from a terminal: a test run started as a background job (`make test &`) ignores
    # SIGINT, and an ignored signal stays ignored in its children (POSIX), so Ctrl-C would
    # never reach the build. Give the build the default handlers, as a shell's foreground has.
    def as_in_a_terminal():
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
    proc = subprocess.Popen(cmd, cwd=project.root, stderr=subprocess.PIPE, text=True,
                            preexec_fn=as_in_a_terminal)
    me = psutil.Process(proc.pid)
    deadline = time.monotonic() + 120
    while not [p for p in me.children(recursive=True) if "ipykernel" in " ".join(p.cmdline())]:
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.2)
    kernels = me.children(recursive=True)
    time.sleep(1.5)                                   # let the kernel start the sleeping cell
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == code, err
    assert "Intet er udgivet halvt" in err
    gone, alive = psutil.wait_procs(kernels, timeout=20)
    assert not alive
    assert not (project.output_dir / "reports").exists()
    assert list((project.output_dir / ".staging").iterdir()) == []


# --- 5. permission and disk errors ---------------------------------------------------------------

@pytest.mark.parametrize("err, words", [
    (PermissionError(errno.EACCES, "Permission denied", "/srv/www/site"), "Ingen adgang til /srv/www/site"),
    (OSError(errno.ENOSPC, "No space left on device", "/srv/www/site"), "Disken er fuld (/srv/www/site)"),
])
def test_permission_and_disk_errors_exit_2_with_a_sentence(tmp_path, monkeypatch, capsys, err, words):
    project = make(tmp_path, {"demo": doc()})
    monkeypatch.chdir(project.root)

    def fail(*a, **k):
        raise err
    monkeypatch.setattr("evalreport.parallel.build_report", fail)   # where the command builds
    assert main(["build", "demo", "--quiet"]) == 2
    out = capsys.readouterr().err
    assert words in out and "Traceback" not in out
