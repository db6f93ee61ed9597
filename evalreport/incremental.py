"""What a build of one report must redo, and why: the stage keys and ``--explain``.

A report is built in three stages, each cached in ``.evalreport-cache/`` under a
key of its inputs (:mod:`evalreport.engine.cache` holds the store and the
execution key):

* **execute** — keyed by the plan, parameters, environment and every file the
  kernel read (see :mod:`evalreport.engine.cache`);
* **html** — keyed by the execution's *result* (so a re-run that gives the same
  outputs renders nothing), the whole ``.qmd`` text (prose, front matter), the
  bibliography/CSL and ``_quarto.yml``, evalreport's code and templates, the
  package versions and the build stamp;
* **pdf** — keyed by the HTML bytes and figures, evalreport's code and
  templates, the package versions, the system's Pango/HarfBuzz/Fontconfig and the
  stamp's time: an unchanged HTML is not printed again.

A published version folder records its html key and the SHA-256 of its files in
``manifest.json`` (``cache``). A build whose html key equals it, with the files
intact, is a no-op: nothing is executed, rendered or written
(:func:`report_state`). ``evalreport build --explain`` prints the same decision
with its reasons (:func:`explain_lines`) without building.
"""
from __future__ import annotations

import glob
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from . import __version__
from .engine import cache as C
from .outputs.stamp import Stamp, build_stamp

PACKAGE_DIR = Path(__file__).resolve().parent
TEMPLATES_DIR = PACKAGE_DIR.parent / "templates"


def toolchain_files() -> list[Path]:
    """evalreport's code and templates: what turns an execution into HTML and PDF."""
    out = []
    for base in (PACKAGE_DIR, TEMPLATES_DIR):
        if base.is_dir():
            out += [p for p in base.rglob("*") if p.is_file() and "__pycache__" not in p.parts
                    and p.suffix != ".pyc"]
    return sorted(out)


def source_files(project, doc) -> list[Path]:
    """The report's own sources: the .qmd, ``_quarto.yml``, bibliography and CSL."""
    fm = doc.front_matter
    sources = [Path(doc.path), Path(project.root) / "_quarto.yml"]
    for key in ("bibliography", "csl"):
        names = [fm[key]] if isinstance(fm.get(key), str) else fm.get(key) or []
        sources += [(Path(doc.path).parent / name).resolve() for name in names]
    return sources


@dataclass
class Keys:
    """A report's html key, by component, and the stamp it includes."""
    components: dict
    stamp: Stamp
    toolchain: dict[str, str]         # display path → sha256 (for --explain)
    sources: dict[str, str]

    @property
    def html(self) -> str:
        return C.digest(self.components)


def render_keys(project, doc, slug: str, params: dict, engine: str, execution_digest: str,
                deps: list, hashes: C.FileHashes, packages: dict, *, stamp: Stamp | None = None) -> Keys:
    """The html key of a report whose execution gave ``execution_digest`` after reading
    ``deps`` (``[display path, sha256]``)."""
    root = Path(project.root).resolve()
    tool_files = toolchain_files()
    tools = {C.display_path(p, root): hashes.sha256(p) for p in tool_files}
    sources = {C.display_path(Path(p).resolve(), root): hashes.sha256(Path(p)) for p in source_files(project, doc)}
    if stamp is None:
        inputs = [Path(p) for p in source_files(project, doc)]
        inputs += [C.resolve_display(name, root) for name, _ in deps]
        stamp = build_stamp(root, inputs + tool_files)
    components = {
        "format": C.FORMAT, "slug": slug, "engine": engine, "params": dict(params or {}),
        "execution": execution_digest, "sources": sources, "toolchain": C.digest(tools),
        "packages": C.digest(packages), "python": C.python_version(),
        "stamp": stamp.text(__version__), "epoch": stamp.epoch,
    }
    return Keys(components, stamp, tools, sources)


_LIB_DIRS = ("/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/lib/x86_64-linux-gnu",
             "/usr/lib64", "/usr/lib", "/usr/local/lib", "/opt/homebrew/lib")


@lru_cache(maxsize=1)
def print_libraries() -> dict[str, str]:
    """The system libraries WeasyPrint prints with (Pango, HarfBuzz, Fontconfig), by the
    versioned file name their soname points to: an upgrade prints the PDF again."""
    out = {}
    for name in ("libpango-1.0", "libpangoft2-1.0", "libharfbuzz", "libharfbuzz-subset", "libfontconfig"):
        for folder in _LIB_DIRS:
            found = sorted(glob.glob(f"{folder}/{name}.so*") + glob.glob(f"{folder}/{name}*.dylib"))
            if found:
                real = os.path.realpath(found[0])
                out[name] = f"{os.path.basename(real)} {os.path.getsize(real)}"
                break
    return out


def pdf_key(html_sha: str, figures: dict[str, str], keys: Keys) -> str:
    c = keys.components
    return C.digest({"html": html_sha, "figures": figures, "toolchain": c["toolchain"],
                     "packages": c["packages"], "python": c["python"], "epoch": c["epoch"],
                     "libraries": print_libraries()})


@dataclass
class ReportState:
    """Where a report stands against its cache and its published version."""
    slug: str
    version: str
    folder: Path                                   # the published version folder
    to: str = "all"
    execute: str = "run"                           # cached | run
    execute_reasons: list[str] = field(default_factory=list)
    render: str = "run"                    # published | cached | cached-html | run | unknown
    render_reasons: list[str] = field(default_factory=list)
    keys: Keys | None = None
    variant: str | None = None                     # a variant of the report's matrix

    @property
    def up_to_date(self) -> bool:
        return self.execute == "cached" and self.render == "published"


def wanted_outputs(manifest: dict, to: str) -> list[str]:
    names = []
    if to in ("html", "all"):
        names.append("index.html")
    if to in ("pdf", "all"):
        from .outputs.variants import pdf_name
        names.append(pdf_name(manifest.get("report"), manifest.get("version"), manifest.get("variant")))
    return names


def published_is_current(folder: Path, manifest: dict | None, keys: Keys, to: str,
                         hashes: C.FileHashes, store: C.Store | None = None, variant: str | None = None
                         ) -> list[str]:
    """Why the published version folder is not what this build would make (empty: it is)."""
    if manifest is None:
        return [f"varianten {variant} er ikke udgivet i version {folder.parent.name}" if variant
                else f"version {folder.name} er ikke bygget før"]
    record = manifest.get("cache") or {}
    if not record.get("html"):
        return ["den udgivne version er bygget uden cache-nøgle"]
    reasons = []
    if record["html"] != keys.html:
        old = store.meta("html", record["html"]) if store is not None else None
        reasons += compare_render(record.get("components") or {}, keys, (old or {}).get("toolchain"))
    recorded = record.get("outputs") or {}
    for name in wanted_outputs(manifest, to):
        sha = recorded.get(name)
        if sha is None:
            reasons.append(f"{name} er ikke bygget før")
        elif hashes.sha256(folder / name) != sha:
            reasons.append(f"den udgivne {name} mangler eller er ændret")
    return reasons


def compare_render(old: dict, keys: Keys, old_tools: dict | None = None) -> list[str]:
    """Why the html key differs from ``old`` (the components a version folder
    records); ``old_tools`` names the changed code and template files when known."""
    new = keys.components
    reasons = []
    old_sources = old.get("sources") if isinstance(old.get("sources"), dict) else {}
    for name in sorted(set(old_sources) | set(keys.sources)):
        if old_sources.get(name) != keys.sources.get(name):
            reasons.append(f"{name} er ændret" if name in old_sources and name in keys.sources
                           else f"{name} er {'ny' if name in keys.sources else 'fjernet'}")
    if old.get("toolchain") != new["toolchain"]:
        changed = sorted(n for n in set(old_tools or {}) | set(keys.toolchain)
                         if (old_tools or {}).get(n) != keys.toolchain.get(n)) if old_tools else []
        reasons.append("evalreports kode eller skabeloner er ændret"
                       + (f" ({', '.join(changed[:4])}{' …' if len(changed) > 4 else ''})" if changed else ""))
    if old.get("execution") != new["execution"]:
        reasons.append("kørslen gav andre resultater end i den udgivne version")
    if old.get("stamp") != new["stamp"]:
        reasons.append(f"byggestemplet er nu \"{new['stamp']}\"")
    names = {"params": "parametrene er ændret", "engine": "motoren er en anden",
             "packages": "pakkeversioner er ændret", "python": "Python-versionen er ændret",
             "format": "cachens format er ændret"}
    for name, text in names.items():
        if old.get(name) != new.get(name):
            reasons.append(text)
    return reasons or ["nøglen er en anden"]


def report_state(project, slug: str, *, params: dict, engine: str, to: str, store: C.Store,
                 hashes: C.FileHashes, packages: dict | None = None, variant: str | None = None
                 ) -> ReportState:
    """The decision for one report (or one ``variant`` of it) without building anything
    (reads, never writes)."""
    from .engine.qmd import read_qmd
    from .matrix import variant_folder, variant_params
    from .outputs.manifest import read_manifest

    doc = read_qmd(project.report_path(slug))
    if variant:                    # its values are parameters, as in the build
        _, params = variant_params(project, slug, doc, variant, params)
    if params:                     # as the build checks and converts them (2 → 2.0 for a float)
        from .engine.execute import check_params
        params = check_params(doc, params)
    version = str(doc.front_matter.get("version", "0.0.0"))
    folder = variant_folder(project, slug, version, variant)
    state = ReportState(slug, version, folder, to)
    state.variant = variant
    try:
        manifest = read_manifest(folder)
    except (OSError, ValueError):
        manifest = None
    if engine != "builtin":
        state.execute_reasons = [f"{engine}-motoren bruger ikke cachen"]
        state.render, state.render_reasons = "unknown", []
        return state
    packages = C.installed_packages() if packages is None else packages
    key = C.execution_key(doc, slug, params, packages)
    full, meta = C.find_execution(store, key, project.root, hashes)
    if meta is None:
        state.execute_reasons = C.explain_execution(store, key, project.root, hashes)
        state.render = "unknown"
        return state
    state.execute = "cached"
    keys = render_keys(project, doc, slug, params, engine, meta["result_digest"], meta["deps"],
                       hashes, packages)
    state.keys = keys
    reasons = published_is_current(folder, manifest, keys, to, hashes, store, variant)
    if not reasons:
        state.render = "published"
        return state
    state.render_reasons = reasons
    html = store.meta("html", keys.html)
    if html is None:
        state.render = "run"
    elif to == "html" or store.meta("pdf", pdf_key(html["page"], html["figures"], keys)) is not None:
        state.render = "cached"
    else:
        state.render = "cached-html"
    return state


class Checker:
    """:func:`report_state` for several reports with one store, file-hash memo and
    package list (the command line checks every report before it builds any)."""

    def __init__(self, project):
        self.project = project
        self.store = C.Store.for_project(project)
        self.hashes = self.store.hashes()
        self.packages = C.installed_packages()
        self._states: dict = {}

    def state(self, slug: str, options) -> ReportState:
        from .engine.quarto import resolve_engine

        engine = resolve_engine(options.engine)
        variant = getattr(options, "variant", None)
        key = (slug, C.digest(options.params), engine, options.to, variant)
        if key not in self._states:
            self._states[key] = report_state(self.project, slug, params=options.params, engine=engine,
                                             to=options.to, store=self.store, hashes=self.hashes,
                                             packages=self.packages, variant=variant)
        return self._states[key]

    def remember(self) -> None:
        """Keep the file hashes for the next build (only the cache's memo is written)."""
        if self.hashes.changed and self.store.root.is_dir():
            try:
                self.store.save_hashes(self.hashes)
            except OSError:
                pass


def explain_lines(state: ReportState) -> list[str]:
    """``--explain``: one headline per report and one line per reason."""
    head = f"{state.slug} {state.version}{'/' + state.variant if state.variant else ''}:"
    if state.up_to_date:
        return [f"{head} uændret (intet bygges)"]
    if state.execute != "cached":
        lines = [f"{head} køres igen, fordi"]
        lines += [f"    - {r}" for r in state.execute_reasons]
        return lines
    what = {"run": "kørslen er i cachen; HTML og PDF laves igen" if state.to != "html"
            else "kørslen er i cachen; HTML laves igen",
            "cached-html": "kørslen og HTML er i cachen; PDF laves igen",
            "cached": "alt er i cachen; versionen lægges på plads igen"}[state.render]
    lines = [f"{head} {what}, fordi"]
    lines += [f"    - {r}" for r in state.render_reasons]
    return lines


def _figures(stage: Path) -> dict[str, str]:
    folder = stage / "figures"
    return {p.relative_to(stage).as_posix(): C.sha256_path(p)
            for p in sorted(folder.rglob("*")) if p.is_file()} if folder.is_dir() else {}


class StageCache:
    """The cache as one build of one report uses it (the hooks in :mod:`evalreport.build`).

    ``enabled=False`` (``--no-cache``) reads nothing from the cache but still
    stores what it makes, so the next build can use it.
    """

    def __init__(self, project, enabled: bool = True):
        self.project, self.enabled = project, enabled
        self.store = C.Store.for_project(project)
        self.hashes = self.store.hashes()
        self.packages = C.installed_packages()
        self.used: list[str] = []                  # stages served from the cache
        from .engine import mathsvg
        mathsvg.use_disk_cache(self.store.root / "math" if enabled else None)

    @property
    def warnings(self) -> list[str]:
        return self.store.warnings

    def execution(self, doc, slug: str, params: dict, tables_dir: Path, exclude: list[Path], run):
        """The execution result and its cache entry: from the cache, or ``run()``
        (which returns the result and the files the kernel opened) and stored."""
        root = Path(self.project.root)
        key = C.execution_key(doc, slug, params, self.packages)
        if self.enabled:
            full, meta = C.find_execution(self.store, key, root, self.hashes)
            if full is not None:
                cached = C.load_execution(self.store, full, tables_dir)
                if cached is not None:
                    try:
                        result = C.result_from_json(doc, cached.outputs, cached.inline, cached.seconds)
                    except (ValueError, KeyError, TypeError):
                        self.store.remove("execute", full)
                    else:
                        self.used.append("execute")
                        return result, cached
                for f in Path(tables_dir).iterdir():
                    f.unlink()
        started = C.file_clock(self.store.root)
        result, opened = run()
        cached = C.save_execution(self.store, key, doc, result, opened, root, exclude, tables_dir,
                                  self.hashes, started)
        return result, cached

    def keys(self, doc, slug: str, params: dict, engine: str, cached: C.CachedExecution) -> Keys:
        return render_keys(self.project, doc, slug, params, engine, cached.result_digest,
                           cached.deps, self.hashes, self.packages)

    def html(self, keys: Keys, stage: Path, render) -> None:
        """Put ``index.html``, ``figures/`` and ``tables/`` in ``stage``: from the cache
        or by ``render()``, whose result is then stored."""
        if self.enabled and self.store.get("html", keys.html, copy_to=stage) is not None:
            self.used.append("html")
            return
        render()
        files = {p.relative_to(stage).as_posix(): p for p in sorted(stage.rglob("*"))
                 if p.is_file() and p.relative_to(stage).parts[0] in ("index.html", "figures", "tables")}
        self.store.put("html", keys.html, {"stamp": keys.components["stamp"], "toolchain": keys.toolchain,
                                           "page": C.sha256_path(stage / "index.html"),
                                           "figures": _figures(stage)}, files)

    def pdf(self, keys: Keys | None, stage: Path, pdf_path: Path, write) -> tuple[int, str | None]:
        """Print the PDF (``write()`` returns its page count) unless the cache has it for
        these HTML bytes; returns the page count and the pdf key."""
        if keys is None:
            return write(), None
        key = pdf_key(C.sha256_path(stage / "index.html"), _figures(stage), keys)
        if self.enabled:
            with tempfile.TemporaryDirectory(prefix="evalreport-pdf-") as tmp:
                meta = self.store.get("pdf", key, copy_to=Path(tmp))
                if meta is not None:
                    shutil.copyfile(Path(tmp) / "document.pdf", pdf_path)
                    self.used.append("pdf")
                    return int(meta["pages"]), key
        pages = write()
        self.store.put("pdf", key, {"pages": pages}, {"document.pdf": pdf_path})
        return pages, key

    def record(self, keys: Keys | None, cached: C.CachedExecution | None, stage: Path,
               pdf: str | None, to: str) -> dict | None:
        """The ``cache`` section of the version folder's manifest: the keys, and the
        SHA-256 of the files this build made (``to``)."""
        if keys is None or cached is None:
            return None
        made = [p for p in sorted(stage.iterdir()) if p.is_file()
                and ((p.suffix == ".html" and to != "pdf") or (p.suffix == ".pdf" and to != "html"))]
        return {"html": keys.html, "pdf": pdf, "components": keys.components,
                "outputs": {p.name: C.sha256_path(p) for p in made},
                "execution": {"key": cached.key, "result": cached.result_digest}}

    def finish(self) -> None:
        """Remember file hashes and keep the store within its size limit."""
        try:
            self.store.save_hashes(self.hashes)
            self.store.prune()
        except OSError:
            pass
