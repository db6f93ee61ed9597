"""Building one report: execute → HTML → PDF in a staging folder, then publish.

Nothing of a failed build reaches ``_site``: all work happens in a staging
folder inside the output directory (same file system), and only a complete
result replaces ``_site/reports/<slug>/<version>/`` by two renames. The
previous version folder is kept until the new one is in place.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from . import __version__
from .config import Project
from .crossref import NumberingStyle
from .engines import resolve_engine, run_quarto
from .errors import EvalReportError
from .execute import execute_document
from .markdown import to_pandoc_markdown
from .pandoc import render_body
from .qmd import read_qmd
from .render import render_page, write_pdf
from .site import write_latest, write_site_index

# What a partial build (``--to pdf``) keeps from the published folder of the same version.
CARRIED_OVER = ("index.html", "figures")
_VERSION = re.compile(r"^[0-9]+(\.[0-9]+){0,3}([-+][0-9A-Za-z.-]+)?$")


@dataclass
class BuildOptions:
    to: str = "all"                 # html | pdf | all
    engine: str = "auto"            # auto | builtin | quarto
    params: dict = field(default_factory=dict)
    quiet: bool = False


@dataclass
class BuildResult:
    slug: str
    version: str
    folder: Path
    html: Path | None
    pdf: Path | None
    pages: int | None
    timings: dict


class Progress:
    """One line per report and stage, with timings, on stderr (silent with --quiet)."""

    def __init__(self, slug: str, quiet: bool):
        self.slug, self.quiet, self.timings = slug, quiet, {}

    def say(self, text: str) -> None:
        if not self.quiet:
            print(f"[{self.slug}] {text}", file=sys.stderr, flush=True)

    @contextmanager
    def stage(self, name: str):
        self.say(f"{name} …")
        start = time.perf_counter()
        yield
        self.timings[name] = time.perf_counter() - start
        self.say(f"{name} færdig på {self.timings[name]:.1f} s")


def build_epoch() -> int:
    """Build time: SOURCE_DATE_EPOCH when set (reproducible builds), else now."""
    env = os.environ.get("SOURCE_DATE_EPOCH")
    return int(env) if env else int(time.time())


def git_state(root: Path) -> tuple[str, bool]:
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True,
                                text=True, check=True).stdout.strip()
        dirty = bool(subprocess.run(["git", "status", "--porcelain"], cwd=root, capture_output=True,
                                    text=True, check=True).stdout.strip())
        return commit, dirty
    except (OSError, subprocess.CalledProcessError):
        return "", False


def build_report(project: Project, slug: str, options: BuildOptions) -> BuildResult:
    if options.to not in ("html", "pdf", "all"):
        raise EvalReportError(f"ukendt format '{options.to}' (brug html, pdf eller all)")
    qmd = project.report_path(slug)
    progress = Progress(slug, options.quiet)
    doc = read_qmd(qmd)
    fm = doc.front_matter
    version = str(fm.get("version", "0.0.0"))
    if not _VERSION.match(version):
        raise EvalReportError(f"{qmd}: ugyldig version '{version}' i forsiden (brug fx 1.0.0)")
    engine = resolve_engine(options.engine)
    epoch = build_epoch()
    commit, dirty = git_state(project.root)
    built = dt.datetime.fromtimestamp(epoch, dt.timezone.utc)
    stamp = (f"Bygget {built:%Y-%m-%d %H:%M} UTC med evalreport {__version__}"
             + (f", commit {commit[:10]}{' (med ikke-committede ændringer)' if dirty else ''}" if commit else ""))

    project.output_dir.mkdir(parents=True, exist_ok=True)
    staging_root = project.output_dir / ".staging"
    staging_root.mkdir(exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f"{slug}-", dir=staging_root))
    progress.say(f"bygger version {version} med {engine}-motoren")
    try:
        tables_dir = stage / "tables"
        tables_dir.mkdir()
        if engine == "builtin":
            with progress.stage("execute"):
                result = execute_document(doc, slug, params=options.params, tables_dir=tables_dir)
            with progress.stage("html"):
                md = to_pandoc_markdown(doc, result, stage / "figures")
                bib = fm.get("bibliography")
                csl = fm.get("csl")
                body = render_body(md, style=NumberingStyle.from_front_matter(fm),
                                   bibliography=(qmd.parent / bib).resolve() if bib else None,
                                   csl=(qmd.parent / csl).resolve() if csl else None, source=qmd)
                html = render_page(front_matter=fm, slug=slug, body_html=body.html, toc=body.toc,
                                   build_stamp=stamp, params=options.params,
                                   organisation=project.settings.get("organisation", ""))
        else:
            with progress.stage("execute+html (quarto)"):
                html = run_quarto(qmd, stage, options.params, tables_dir=tables_dir)
        html_path = stage / "index.html"
        html_path.write_text(html, encoding="utf-8")
        pdf_path, pages = None, None
        if options.to in ("pdf", "all"):
            with progress.stage("pdf"):
                pdf_path = stage / f"{slug}-{version}.pdf"
                pages = write_pdf(html, pdf_path, base_url=stage, epoch=epoch)
        if options.to == "pdf":
            html_path.unlink()
        manifest = {
            "report": slug, "version": version, "title": fm.get("title", slug),
            "subtitle": fm.get("subtitle", ""), "date": str(fm.get("date", "")),
            "built": built.isoformat(), "engine": engine, "evalreport": __version__,
            "commit": commit, "dirty": dirty, "params": options.params,
            "html": "index.html" if options.to != "pdf" else None,
            "pdf": pdf_path.name if pdf_path else None, "pdf_pages": pages,
            "tables": sorted(p.name for p in tables_dir.iterdir()),
        }
        (stage / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n",
                                             encoding="utf-8")
        with progress.stage("publish"):
            folder = publish_folder(stage, project.output_dir / "reports" / slug / version)
            write_latest(project.output_dir / "reports" / slug)
            write_site_index(project)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    return BuildResult(slug, version, folder,
                       folder / "index.html" if (folder / "index.html").exists() else None,
                       folder / pdf_path.name if pdf_path else None, pages, progress.timings)


def publish_folder(stage: Path, target: Path) -> Path:
    """Replace ``target`` by ``stage`` with renames, keeping files this build did not make.

    A build with ``--to pdf`` makes no HTML; the published HTML of the same
    version is carried over rather than lost.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    old = None
    if target.exists():
        for item in target.iterdir():
            if item.name in CARRIED_OVER and not (stage / item.name).exists():
                if item.is_dir():
                    shutil.copytree(item, stage / item.name)
                else:
                    shutil.copy2(item, stage / item.name)
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        target.rename(old)
    try:
        stage.rename(target)
    except BaseException:
        if old is not None:
            old.rename(target)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return target
