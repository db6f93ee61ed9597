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
changes). Unchanged stages come from ``.evalreport-cache/`` (:mod:`evalreport.incremental`),
and a report whose published version is what the build would make is left alone.
"""
from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from . import __version__
from .config import Project
from .engine.qmd import read_qmd
from .engine.quarto import resolve_engine, run_quarto
from .errors import EvalReportError
from .matrix import resolve_variant, variant_folder
from .outputs.manifest import (
    InputWatch,
    file_records,
    input_files,
    python_info,
    table_records,
    tool_versions,
    write_manifest,
)
from .outputs.atomic import clean_dead, lock, recover
from .outputs.stamp import build_stamp
from .outputs.variants import check_headline, headline_specs, pdf_name
from .outputs.versions import (VersionExistsError, content_of, publish_folder, published_changes,
                               validate_version)
from .progress import Progress


@dataclass
class BuildOptions:
    to: str = "all"                 # html | pdf | all
    engine: str = "auto"            # auto | builtin | quarto
    params: dict = field(default_factory=dict)
    quiet: bool = False
    force: bool = False             # overwrite a published version whose tables differ
    cache: bool = True              # False (--no-cache): execute and render afresh (and refresh the cache)
    variant: str | None = None      # a variant of the report's matrix (evalreport.matrix), by name


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
    cached: list[str] = field(default_factory=list)   # stages taken from the cache
    unchanged: bool = False         # nothing to do: the published version is what this build makes


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


def stage_report(project: Project, slug: str, options: BuildOptions, *,
                 staging_root: Path | None = None, sink=None) -> StagedBuild:
    """Build one report completely into a fresh staging folder, without publishing it.

    The folder (under ``staging_root``, default ``<output>/.staging``) holds what a
    version folder holds: ``index.html``, the PDF, ``tables/``, ``figures/`` and
    ``manifest.json``. The caller publishes it (:func:`build_report`) or compares
    and discards it (``evalreport diff`` on the working tree). A failure removes it.
    Each stage comes from ``.evalreport-cache/`` when its inputs are unchanged
    (:mod:`evalreport.incremental`); ``sink`` receives progress events.
    """
    # Imported here, not at the top: a build with nothing to do never needs them.
    from .engine.crossref import NumberingStyle
    from .engine.markdown import to_pandoc_markdown
    from .engine.pandoc import render_body
    from .engine.printer import Printer
    from .engine.render import render_page
    from .incremental import StageCache, source_files, toolchain_files

    if options.to not in ("html", "pdf", "all"):
        raise EvalReportError(f"ukendt format '{options.to}' (brug html, pdf eller all)")
    qmd = project.report_path(slug)
    progress = Progress(build_name(slug, options), options.quiet, sink)
    doc = read_qmd(qmd)
    fm = doc.front_matter
    version = validate_version(fm.get("version"), qmd)
    # A variant is the report with its combination's values as parameters, under its own title.
    variant, options = resolve_variant(project, slug, doc, options)
    if variant is not None:
        fm = {**fm, "title": variant.title}
    # Unknown -P names and values of the wrong type fail here, before any work.
    if options.params:            # (the check lives with the kernel machinery: load it only then)
        from .engine.execute import check_params
        options = dataclasses.replace(options, params=check_params(doc, options.params))
    engine = resolve_engine(options.engine)

    if staging_root is None:
        project.output_dir.mkdir(parents=True, exist_ok=True)
        staging_root = project.output_dir / ".staging"
    staging_root.mkdir(parents=True, exist_ok=True)
    clean_dead(staging_root)                    # staging folders of killed builds
    stage = Path(tempfile.mkdtemp(prefix=f"{slug}-{os.getpid()}-", dir=staging_root))
    progress.say(f"bygger version {version} med {engine}-motoren")
    watch = InputWatch()
    cache = StageCache(project, enabled=options.cache)
    # WeasyPrint's second of imports happens in the printer's process while this one works
    printer = Printer() if options.to in ("pdf", "all") else None
    # the disclosure gate needs pandas (through analysis.disclosure): imported while Pandoc or the kernel runs
    _import_in_background("evalreport.outputs.disclosure")
    try:
        tables_dir = stage / "tables"
        tables_dir.mkdir()
        html_path = stage / "index.html"
        keys = execution = result = None
        if engine == "builtin":
            def run():
                from .engine.execute import DEFAULT_MAX_OUTPUT_MB, DEFAULT_TIMEOUT, execute_document
                with progress.stage("execute"), watch.watching():
                    limits = project.settings.get("execute") or {}
                    result = execute_document(doc, slug, params=options.params, tables_dir=tables_dir,
                                              timeout=limits.get("timeout", DEFAULT_TIMEOUT),
                                              max_output_mb=limits.get("max-output-mb", DEFAULT_MAX_OUTPUT_MB),
                                              on_cell=progress.cell)
                return result, watch.opened()

            result, execution = cache.execution(doc, slug, options.params, tables_dir,
                                                [project.output_dir, stage], run)
            if "execute" in cache.used:
                progress.cached("execute")
            progress.cells = [(c.number, c.line, c.label, result.seconds[c.number])
                              for c in doc.cells if c.number in result.seconds]
            if progress.cells and "execute" not in cache.used:
                number, line, _, secs = max(progress.cells, key=lambda c: c[3])
                progress.say(f"langsomste celle: nr. {number} (linje {line}), {secs:.1f} s")
            keys = cache.keys(doc, slug, options.params, engine, execution)
            stamp = keys.stamp

            def render_html():
                table_cells = _tables_of_cells(doc, result)
                md = to_pandoc_markdown(doc, result, stage / "figures")
                bib = fm.get("bibliography")
                csl = fm.get("csl")
                body = render_body(md, style=NumberingStyle.from_front_matter(fm),
                                   bibliography=(qmd.parent / bib).resolve() if bib else None,
                                   csl=(qmd.parent / csl).resolve() if csl else None, source=qmd)
                html = render_page(front_matter=fm, slug=slug, body_html=body.html, toc=body.toc,
                                   build_stamp=stamp.text(__version__), params=options.params,
                                   organisation=project.settings.get("organisation", ""),
                                   parameters=doc.parameter_defaults(), engine=engine)
                _complete_table_metadata(doc, tables_dir, table_cells, body.xref.targets)
                html_path.write_text(html, encoding="utf-8")

            with progress.stage("html"):
                cache.html(keys, stage, render_html)
            if "html" in cache.used:
                progress.cached("html")
            inputs = [Path(p) if Path(p).is_absolute() else project.root / p for p in execution.inputs]
        else:
            with progress.stage("execute+html (quarto)"), watch.watching():
                html = run_quarto(qmd, stage, options.params, tables_dir=tables_dir)
            _complete_table_metadata(doc, tables_dir, {}, {})
            html_path.write_text(html, encoding="utf-8")
            inputs = input_files(watch.opened(), project.root, [project.output_dir, stage])
            stamp = build_stamp(project.root, source_files(project, doc) + inputs + toolchain_files())
        from .outputs.disclosure import check_disclosure
        html = html_path.read_text(encoding="utf-8")
        check_disclosure(build_name(slug, options), tables_dir, _printed_texts(result) if result is not None else [],
                         int(project.settings["disclosure"]["min-count"]), page_html=html,
                         computed=_computed_texts(doc, result) if result is not None else None)
        check_headline(slug, variant, tables_dir, headline_specs(fm, qmd),
                       int(project.settings["disclosure"]["min-count"]))
        pdf_path, pages, pdf_key = None, None, None
        if options.to in ("pdf", "all"):
            pdf_path = stage / pdf_name(slug, version, options.variant)
            with progress.stage("pdf"):
                pages, pdf_key = cache.pdf(keys, stage, pdf_path, lambda: printer.write_pdf(
                    html_path, pdf_path, base_url=stage, epoch=stamp.epoch,
                    while_waiting=lambda: _compare_with_previous(project, slug, version, stage, options)))
            if "pdf" in cache.used:
                progress.cached("pdf")
        for text in cache.warnings:
            progress.warn(text)
        sources = source_files(project, doc)
        source_set = {p.resolve() for p in sources}
        inputs = [p for p in inputs if p.resolve() not in source_set and p.is_file()]
        manifest = {
            "report": slug, "version": version, "title": fm.get("title", slug),
            **({"variant": variant.name, "variant_label": variant.label} if variant is not None else {}),
            "subtitle": fm.get("subtitle", ""), "date": str(fm.get("date", "")),
            "built": stamp.built.isoformat(), "engine": engine, "evalreport": __version__,
            "commit": stamp.commit, "dirty": stamp.dirty, "params": options.params,
            "html": "index.html" if options.to != "pdf" else None,
            "pdf": pdf_path.name if pdf_path else None, "pdf_pages": pages,
            "build_stamp": stamp.text(__version__),
            "content": content_of(stage, html),      # what a reader sees (immutability check)
            "sources": file_records(sources, project.root),
            "inputs": file_records(inputs, project.root),
            "tables": table_records(tables_dir),
            "python": python_info(),
            "tools": tool_versions(),
            "packages": cache.packages,   # importlib.metadata takes a second; the folder names do not
        }
        record = cache.record(keys, execution, stage, pdf_key, options.to)
        if record is not None:
            manifest["cache"] = record
        write_manifest(stage, manifest)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    finally:
        watch.close()
        cache.finish()
        if printer is not None:
            printer.close()
    progress.cached_stages = list(cache.used)
    # With --to pdf the HTML stays in the stage only to compare content (see publish_folder).
    return StagedBuild(slug, version, stage, manifest,
                       html_path if options.to != "pdf" else None, pdf_path, pages, progress)


def build_name(slug: str, options: BuildOptions) -> str:
    """How progress and messages name a build: ``bot`` or ``bot/kerteminde`` (a variant)."""
    return f"{slug}/{options.variant}" if options.variant else slug


def lock_path(output_dir: Path, name: str) -> Path:
    """Lock files live beside the output folder (a publish swaps the folder itself)."""
    return output_dir.parent / ".evalreport-locks" / f"{output_dir.name}.{name}.lock"


def build_report(project: Project, slug: str, options: BuildOptions, *, sink=None,
                 checker=None) -> BuildResult:
    """Build one report and publish it as ``<output>/reports/<slug>/<version>/``.

    Nothing is done, and nothing written, when the published version is what this
    build would make (see :mod:`evalreport.incremental`; ``checker`` may be shared
    by the reports of one command). A version that is published already is only
    replaced when this build leaves what a reader sees as it is (text, tables,
    figures); otherwise :class:`VersionExistsError`, or with ``options.force`` a
    warning that lists what changes. Builds of the same report are serialised (a
    lock per report), and so is publishing into the output folder (a lock per site).
    """
    out = project.output_dir
    progress = Progress(build_name(slug, options), options.quiet, sink)
    with lock(lock_path(out, "site"), f"en udgivelse til {out}", say=progress.say):
        for note in recover(out.parent, out.name):   # a publish into the output folder was killed
            progress.warn(note)
    unchanged = _unchanged(project, slug, options, progress, checker)
    if unchanged is not None:
        return unchanged
    with lock(lock_path(out, report_lock_name(slug, options)), f"en bygning af '{slug}'", say=progress.say):
        staged = stage_report(project, slug, options, sink=sink)
        return publish_staged(project, slug, staged, options)


def report_lock_name(slug: str, options: BuildOptions) -> str:
    """Builds of one report (or one variant of it) wait for each other."""
    return f"report-{slug}" + (f"-{options.variant}" if options.variant else "")


def publish_staged(project: Project, slug: str, staged: StagedBuild, options: BuildOptions) -> BuildResult:
    """Publish a complete staged build (see :func:`build_report`; the caller holds the
    report's lock): the immutability check, the swap into place, ``latest/`` and the
    site index, all under the site's lock. The staging folder is gone afterwards."""
    from .outputs.site import write_latest, write_site_index

    out = project.output_dir
    progress, version, stage = staged.progress, staged.version, staged.folder
    warnings: list[str] = []
    try:
        with progress.stage("publish"), lock(lock_path(out, "site"), f"en udgivelse til {out}",
                                             say=progress.say):
            target = variant_folder(project, slug, version, options.variant)
            for note in recover(out / "reports" / slug) + recover(target.parent):
                progress.warn(note)
            if _same_as_published(target, staged.manifest):
                progress.say("den udgivne version er allerede denne; intet skrives")
                staged.discard()
                return _result_of(target, progress, unchanged=True)
            changes = published_changes(target, stage)
            if changes:
                if not options.force:
                    raise VersionExistsError(build_name(slug, options), version, changes, target)
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
    result = _result_of(folder, progress, unchanged=False)
    result.warnings = warnings
    return result


def _compare_with_previous(project: Project, slug: str, version: str, stage: Path, options: BuildOptions) -> None:
    """Compare the staged build with the version the site's diff page will compare it with (the
    newest published version below this one), while the PDF is printed: the diff page written
    after publishing (``outputs/site.py``) then takes the comparison from ``diff.compare``'s memo."""
    if options.variant:
        return
    from .outputs import diff as D
    from .outputs.site import report_versions, version_key

    older = [v for v in report_versions(project.output_dir / "reports" / slug)
             if version_key(v["version"]) < version_key(version)]
    if older:
        D.warm(D.side(project.output_dir / "reports" / slug / older[0]["folder"], site_version=True),
               D.side(stage, label=version, site_version=True))


def _import_in_background(module: str) -> None:
    import importlib
    import threading
    threading.Thread(target=importlib.import_module, args=(module,), daemon=True).start()


def _unchanged(project: Project, slug: str, options: BuildOptions, progress: Progress,
               checker=None) -> BuildResult | None:
    """The published result when nothing needs doing (no build, nothing written), else None."""
    if not options.cache:
        return None
    from .incremental import Checker

    own = checker is None
    checker = checker or Checker(project)
    state = checker.state(slug, options)
    if own:
        checker.remember()
    if not state.up_to_date:
        return None
    if progress.sink is None:                  # the command line's display says it itself
        progress.say(f"version {state.version} er uændret; intet at bygge")
    return _result_of(state.folder, progress, unchanged=True)


def _same_as_published(target: Path, manifest: dict) -> bool:
    """The staged build has the published version's html key and output files."""
    from .outputs.manifest import read_manifest, sha256_file
    try:
        published = read_manifest(target)
    except (OSError, ValueError):
        return False
    new, old = manifest.get("cache") or {}, (published or {}).get("cache") or {}
    if not new.get("html") or new.get("html") != old.get("html"):
        return False
    outputs = old.get("outputs") or {}
    for name, sha in (new.get("outputs") or {}).items():
        path = target / name
        if outputs.get(name) != sha or not path.is_file() or sha256_file(path) != sha:
            return False
    return True


def _result_of(folder: Path, progress: Progress, unchanged: bool) -> BuildResult:
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    pdf = folder / manifest["pdf"] if manifest.get("pdf") else None
    return BuildResult(manifest["report"], manifest["version"], folder,
                       folder / "index.html" if manifest.get("html") else None,
                       pdf, manifest.get("pdf_pages"), progress.timings, [], progress.cells,
                       list(progress.cached_stages), unchanged)


def _computed_texts(doc, result) -> list[str]:
    """The text around every computed value, for the disclosure gate's count in words: each
    Markdown block with its inline values framed by ``outputs.disclosure.COMPUTED``, and every
    printed output of a cell, framed as a whole."""
    from .engine.qmd import Markdown
    from .outputs.disclosure import COMPUTED

    opening, closing = COMPUTED
    texts = [block.fill_inline([opening + text + closing for _, text in values])
             for block in doc.blocks if isinstance(block, Markdown)
             and (values := result.inline.get(id(block)))]
    return texts + [opening + text + closing for text in _printed_texts(result, inline=False)]


def _printed_texts(result, inline: bool = True) -> list[str]:
    """What the cells put into the text: inline values (unless ``inline=False``) and printed or
    markdown output."""
    texts = [text for values in result.inline.values() for _, text in values] if inline else []
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
