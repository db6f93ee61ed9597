"""Building one report: execute → HTML → PDF in a staging folder, then publish.

Nothing of a failed build reaches ``_site``: all work happens in a staging
folder inside the output directory (same file system), and only a complete
result replaces ``_site/reports/<slug>/<version>/`` by two renames. The
previous version folder is kept until the new one is in place.

:func:`stage_report` does the build (and writes ``manifest.json``, see
:mod:`evalreport.outputs.manifest`) without publishing, for ``evalreport diff`` on the
working tree; :func:`build_report` stages and publishes. A published version is
immutable: it is only replaced when the new build leaves its tables as they
are, otherwise :class:`VersionExistsError` (``force``: a warning listing the
changes).
"""
from __future__ import annotations

import dataclasses
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
from .engine.crossref import NumberingStyle
from .engine.execute import DEFAULT_MAX_OUTPUT_MB, DEFAULT_TIMEOUT, check_params, execute_document
from .engine.markdown import to_pandoc_markdown
from .engine.pandoc import render_body
from .engine.qmd import read_qmd
from .engine.quarto import resolve_engine, run_quarto
from .engine.render import render_page, write_pdf
from .errors import EvalReportError
from .outputs.manifest import (
    InputWatch,
    file_records,
    input_files,
    package_versions,
    python_info,
    table_records,
    tool_versions,
    write_manifest,
)
from .outputs.atomic import clean_dead, lock, recover
from .outputs.disclosure import check_disclosure
from .outputs.site import write_latest, write_site_index
from .outputs.versions import (VersionExistsError, content_of, publish_folder, published_changes,
                               validate_version)


@dataclass
class BuildOptions:
    to: str = "all"                 # html | pdf | all
    engine: str = "auto"            # auto | builtin | quarto
    params: dict = field(default_factory=dict)
    quiet: bool = False
    force: bool = False             # overwrite a published version whose tables differ


@dataclass
class BuildResult:
    slug: str
    version: str
    folder: Path
    html: Path | None
    pdf: Path | None
    pages: int | None
    timings: dict
    warnings: list[str] = field(default_factory=list)
    cells: list = field(default_factory=list)   # (cell number, .qmd line, label, seconds)


@dataclass
class StagedBuild:
    """A complete build in a staging folder, not published (see :func:`stage_report`)."""
    slug: str
    version: str
    folder: Path
    manifest: dict
    html: Path | None
    pdf: Path | None
    pages: int | None
    progress: "Progress"

    @property
    def timings(self) -> dict:
        return self.progress.timings

    def discard(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


class Progress:
    """One line per report and stage, with timings, on stderr (silent with --quiet)."""

    def __init__(self, slug: str, quiet: bool):
        self.slug, self.quiet, self.timings = slug, quiet, {}
        self.cells: list[tuple[int, int, str | None, float]] = []   # number, line, label, seconds

    def say(self, text: str) -> None:
        if not self.quiet:
            print(f"[{self.slug}] {text}", file=sys.stderr, flush=True)

    def warn(self, text: str) -> None:
        """Warnings are shown even with --quiet."""
        print(f"[{self.slug}] ADVARSEL: {text}", file=sys.stderr, flush=True)

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


def stage_report(project: Project, slug: str, options: BuildOptions, *,
                 staging_root: Path | None = None) -> StagedBuild:
    """Build one report completely into a fresh staging folder, without publishing it.

    The folder (under ``staging_root``, default ``<output>/.staging``) holds what a
    version folder holds: ``index.html``, the PDF, ``tables/``, ``figures/`` and
    ``manifest.json``. The caller publishes it (:func:`build_report`) or compares
    and discards it (``evalreport diff`` on the working tree). A failure removes it.
    """
    if options.to not in ("html", "pdf", "all"):
        raise EvalReportError(f"ukendt format '{options.to}' (brug html, pdf eller all)")
    qmd = project.report_path(slug)
    progress = Progress(slug, options.quiet)
    doc = read_qmd(qmd)
    fm = doc.front_matter
    version = validate_version(fm.get("version"), qmd)
    # Unknown -P names and values of the wrong type fail here, before any work.
    options = dataclasses.replace(options, params=check_params(doc, options.params))
    engine = resolve_engine(options.engine)
    epoch = build_epoch()
    commit, dirty = git_state(project.root)
    built = dt.datetime.fromtimestamp(epoch, dt.timezone.utc)
    stamp = (f"Bygget {built:%Y-%m-%d %H:%M} UTC med evalreport {__version__}"
             + (f", commit {commit[:10]}{' (med ikke-committede ændringer)' if dirty else ''}" if commit else ""))

    if staging_root is None:
        project.output_dir.mkdir(parents=True, exist_ok=True)
        staging_root = project.output_dir / ".staging"
    staging_root.mkdir(parents=True, exist_ok=True)
    clean_dead(staging_root)                    # staging folders of killed builds
    stage = Path(tempfile.mkdtemp(prefix=f"{slug}-{os.getpid()}-", dir=staging_root))
    progress.say(f"bygger version {version} med {engine}-motoren")
    watch = InputWatch()
    try:
        tables_dir = stage / "tables"
        tables_dir.mkdir()
        targets: dict = {}
        table_cells: dict[str, object] = {}
        if engine == "builtin":
            with progress.stage("execute"), watch.watching():
                limits = project.settings.get("execute") or {}
                result = execute_document(doc, slug, params=options.params, tables_dir=tables_dir,
                                          timeout=limits.get("timeout", DEFAULT_TIMEOUT),
                                          max_output_mb=limits.get("max-output-mb", DEFAULT_MAX_OUTPUT_MB))
            progress.cells = [(c.number, c.line, c.label, result.seconds[c.number])
                              for c in doc.cells if c.number in result.seconds]
            if progress.cells:
                number, line, _, secs = max(progress.cells, key=lambda c: c[3])
                progress.say(f"langsomste celle: nr. {number} (linje {line}), {secs:.1f} s")
            table_cells = _tables_of_cells(doc, result)
            with progress.stage("html"):
                md = to_pandoc_markdown(doc, result, stage / "figures")
                bib = fm.get("bibliography")
                csl = fm.get("csl")
                body = render_body(md, style=NumberingStyle.from_front_matter(fm),
                                   bibliography=(qmd.parent / bib).resolve() if bib else None,
                                   csl=(qmd.parent / csl).resolve() if csl else None, source=qmd)
                targets = body.xref.targets
                html = render_page(front_matter=fm, slug=slug, body_html=body.html, toc=body.toc,
                                   build_stamp=stamp, params=options.params,
                                   organisation=project.settings.get("organisation", ""))
        else:
            with progress.stage("execute+html (quarto)"), watch.watching():
                html = run_quarto(qmd, stage, options.params, tables_dir=tables_dir)
        _complete_table_metadata(doc, tables_dir, table_cells, targets)
        check_disclosure(slug, tables_dir, _printed_texts(result) if engine == "builtin" else [],
                         int(project.settings["disclosure"]["min-count"]))
        html_path = stage / "index.html"
        html_path.write_text(html, encoding="utf-8")
        pdf_path, pages = None, None
        if options.to in ("pdf", "all"):
            with progress.stage("pdf"):
                pdf_path = stage / f"{slug}-{version}.pdf"
                pages = write_pdf(html, pdf_path, base_url=stage, epoch=epoch)
        sources = [qmd, project.root / "_quarto.yml"]
        for key in ("bibliography", "csl"):
            for name in ([fm[key]] if isinstance(fm.get(key), str) else fm.get(key) or []):
                sources.append((qmd.parent / name).resolve())
        source_set = {p.resolve() for p in sources}
        inputs = [p for p in input_files(watch.opened(), project.root, [project.output_dir, stage])
                  if p not in source_set]
        manifest = {
            "report": slug, "version": version, "title": fm.get("title", slug),
            "subtitle": fm.get("subtitle", ""), "date": str(fm.get("date", "")),
            "built": built.isoformat(), "engine": engine, "evalreport": __version__,
            "commit": commit, "dirty": dirty, "params": options.params,
            "html": "index.html" if options.to != "pdf" else None,
            "pdf": pdf_path.name if pdf_path else None, "pdf_pages": pages,
            "build_stamp": stamp,
            "content": content_of(stage, html),      # what a reader sees (immutability check)
            "sources": file_records(sources, project.root),
            "inputs": file_records(inputs, project.root),
            "tables": table_records(tables_dir),
            "python": python_info(),
            "tools": tool_versions(),
            "packages": package_versions(),
        }
        write_manifest(stage, manifest)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    finally:
        watch.close()
    # With --to pdf the HTML stays in the stage only to compare content (see publish_folder).
    return StagedBuild(slug, version, stage, manifest,
                       html_path if options.to != "pdf" else None, pdf_path, pages, progress)


def lock_path(output_dir: Path, name: str) -> Path:
    """Lock files live beside the output folder (a publish swaps the folder itself)."""
    return output_dir.parent / ".evalreport-locks" / f"{output_dir.name}.{name}.lock"


def build_report(project: Project, slug: str, options: BuildOptions) -> BuildResult:
    """Build one report and publish it as ``<output>/reports/<slug>/<version>/``.

    A version that is published already is only replaced when this build leaves
    what a reader sees as it is (text, tables, figures); otherwise
    :class:`VersionExistsError`, or with ``options.force`` a warning that lists
    what changes. Builds of the same report are serialised (a lock per report),
    and so is publishing into the output folder (a lock per site).
    """
    out = project.output_dir
    progress = Progress(slug, options.quiet)
    with lock(lock_path(out, "site"), f"en udgivelse til {out}", say=progress.say):
        for note in recover(out.parent, out.name):   # a publish into the output folder was killed
            progress.warn(note)
    with lock(lock_path(out, f"report-{slug}"), f"en bygning af '{slug}'", say=progress.say):
        staged = stage_report(project, slug, options)
        progress, version, stage = staged.progress, staged.version, staged.folder
        warnings: list[str] = []
        try:
            with progress.stage("publish"), lock(lock_path(out, "site"), f"en udgivelse til {out}",
                                                 say=progress.say):
                for note in recover(out / "reports" / slug):
                    progress.warn(note)
                target = out / "reports" / slug / version
                changes = published_changes(target, stage)
                if changes:
                    if not options.force:
                        raise VersionExistsError(slug, version, changes, target)
                    text = (f"--force: version {version} er allerede udgivet og overskrives; "
                            f"det ændrer sig:" + "".join(f"\n  {c}" for c in changes))
                    progress.warn(text)
                    warnings.append(text)

                def warn(text):
                    progress.warn(text)
                    warnings.append(text)
                made = ("html", "pdf") if options.to == "all" else (options.to,)
                folder = publish_folder(stage, target, made=made, same_content=not changes, warn=warn)
                write_latest(out / "reports" / slug)
                write_site_index(project)
        except BaseException:
            shutil.rmtree(stage, ignore_errors=True)
            raise
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    pdf = folder / manifest["pdf"] if manifest.get("pdf") else None
    return BuildResult(slug, version, folder,
                       folder / "index.html" if manifest.get("html") else None,
                       pdf, manifest.get("pdf_pages"), progress.timings, warnings,
                       progress.cells)


def _printed_texts(result) -> list[str]:
    """What the cells put into the text: inline values and printed or markdown output."""
    texts = [text for values in result.inline.values() for _, text in values]
    for outputs in result.outputs.values():
        for out in outputs or []:
            if out.get("output_type") == "stream" and out.get("name") == "stdout":
                texts.append(out.get("text", ""))
            data = out.get("data") or {}
            if "text/markdown" in data:
                value = data["text/markdown"]
                texts.append("".join(value) if isinstance(value, list) else value)
    return texts


_TABLE_ID_ATTR = re.compile(r'data-table-id="([^"]+)"')


def _tables_of_cells(doc, result) -> dict[str, object]:
    """table id -> the labelled cell that displayed it (from the cells' HTML outputs)."""
    out: dict[str, object] = {}
    for cell in doc.cells:
        if not (cell.label or "").startswith("tbl-"):
            continue
        for output in result.outputs.get(cell.number) or []:
            html = (output.get("data") or {}).get("text/html", "")
            if isinstance(html, list):
                html = "".join(html)
            for table_id in _TABLE_ID_ATTR.findall(html or ""):
                out.setdefault(table_id, cell)
    return out


def _complete_table_metadata(doc, tables_dir: Path, table_cells: dict, targets: dict) -> None:
    """Give each exported table's JSON the caption and number it is printed with.

    The kernel exports a table when it is displayed and does not know the cell's
    ``#| tbl-cap`` or the number the cross-reference pass gives it. Here the
    JSON gets ``caption`` (the code's caption, else the ``tbl-cap``), ``label``
    (the cell label) and ``number`` ("Tabel 2", "Bilagstabel A1").
    """
    by_label = {c.label: c for c in doc.cells if (c.label or "").startswith("tbl-")}
    for path in sorted(tables_dir.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        cell = table_cells.get(data.get("id")) or by_label.get(data.get("id"))
        if cell is None:
            continue
        changed = dict(data)
        if not changed.get("caption") and cell.options.get("tbl-cap"):
            changed["caption"] = str(cell.options["tbl-cap"])
        changed["label"] = cell.label
        target = targets.get(cell.label)
        if target is not None:
            changed["number"] = f"{target.label} {target.number}"
        if changed != data:
            path.write_text(json.dumps(changed, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
