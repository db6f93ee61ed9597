"""The execution cache in ``.evalreport-cache/``: Quarto's freeze, keyed like targets.

A report's execution (cell outputs, inline values and the table files the kernel
exported) is stored under a key made of everything that can change it:

* its **plan**: the code cells that run and the inline expressions, in order, and
  the ``-P`` parameters (see :func:`execution_key`);
* the **environment**: Python's version and every installed distribution with its
  version, and the source of the kernel set-up in :mod:`evalreport.engine.execute`;
* the **files the kernel read**: every project module it imported (``analysis/``,
  ``evalreport/author``, anything not covered by a package version) and every data
  file it opened, with their SHA-256. Those are only known after a run, so the
  key has two parts, as in ccache's "manifest" mode: the plan and environment
  name a folder, and each entry in it lists the files it read with their hashes;
  an entry is used only when every one of them still has that hash.

Each part of a key is kept by name, so a miss can say what changed
(:func:`explain_execution`), in the manner of ``targets::tar_outdated``.

Written by hand because no maintained library fits: Quarto's freeze keys only on
the document's source (an edit in an imported module or a data file leaves a
stale result), ``joblib.Memory`` keys a Python function call, not a kernel run
whose inputs are discovered while it runs. Entries live in the checksummed,
bounded, lock-protected store of :mod:`evalreport.engine.store`.
"""
from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from .store import CACHE_DIR_NAME, FORMAT, FileHashes, Store, digest, sha256_path


# -- the environment ---------------------------------------------------------------------------

def python_version() -> str:
    return f"{sys.implementation.name} {sys.version.split()[0]} ({sys.platform})"


def _site_dirs() -> list[str]:
    import site
    import sysconfig

    dirs = [sysconfig.get_paths()[k] for k in ("purelib", "platlib")]
    try:
        dirs += site.getsitepackages()
        if site.ENABLE_USER_SITE:
            dirs.append(site.getusersitepackages())
    except AttributeError:                      # a virtualenv's old site module
        pass
    return list(dict.fromkeys(dirs))


def installed_packages() -> dict[str, str]:
    """name → version of every distribution installed for this Python (the kernel's), read
    from the names of the ``*.dist-info``/``*.egg-info`` folders in the site-packages
    folders: a few directory listings, not the metadata files, because this runs on
    every build, also one with nothing to do. (``sys.path`` is not used: it differs
    between a test run, the command line and the kernel.)"""
    out: dict[str, str] = {}
    for entry in _site_dirs():
        try:
            names = os.listdir(entry)
        except OSError:
            continue
        for name in sorted(names):
            for suffix in (".dist-info", ".egg-info"):
                stem = name[: -len(suffix)]
                if name.endswith(suffix) and "-" in stem:
                    dist, _, version = stem.partition("-")
                    key = dist.lower().replace("_", "-").replace(".", "-")
                    out.setdefault(key, version.split("-")[0] if suffix == ".egg-info" else version)
    return dict(sorted(out.items()))


# -- what the kernel read ----------------------------------------------------------------------

def kernel_dependencies(opened: list[Path], project_root: Path, exclude: list[Path]) -> list[Path]:
    """The files among those the kernel opened that can change its results and are not
    covered by a package version: data files, phrase templates, and the source of
    every module imported from outside the Python installation (``analysis/``,
    ``evalreport/``, a report's own helpers). A compiled
    ``__pycache__/x.cpython-311.pyc`` stands for its ``x.py``.

    Left out, as in :func:`~evalreport.outputs.manifest.input_files`: the output
    folders (``exclude``), ``.git``, ``.venv``, this cache, the build's own
    temporary folders and, outside the project, the Python installation, system
    and user cache folders and the temporary directory.
    """
    from ..outputs.manifest import _system_roots, _under, _TOOL_DIR_PREFIXES

    root = Path(project_root).resolve()
    skip = [root / ".git", root / ".venv", root / CACHE_DIR_NAME] + [Path(e).resolve() for e in exclude]
    outside = _system_roots() + [Path(tempfile.gettempdir()).resolve()]
    out: set[Path] = set()
    for p in opened:
        p = Path(p)
        if p.parent.name == "__pycache__" and p.suffix == ".pyc":
            p = p.parent.parent / (p.name.split(".")[0] + ".py")
        try:
            p = p.resolve()
        except OSError:
            continue
        if not p.is_file() or _under(p, skip):
            continue
        if any(part.startswith(_TOOL_DIR_PREFIXES) or part.endswith((".egg-info", ".dist-info"))
               for part in p.parts[:-1]):
            continue
        if not _under(p, [root]) and _under(p, outside):
            continue
        out.add(p)
    return sorted(out)


def display_path(path: Path, root: Path) -> str:
    """Relative to the project root (POSIX) when inside it, else absolute."""
    try:
        return Path(path).relative_to(Path(root).resolve()).as_posix()
    except ValueError:
        return str(path)


def resolve_display(name: str, root: Path) -> Path:
    p = Path(name)
    return p if p.is_absolute() else Path(root).resolve() / p


# -- the execution key -------------------------------------------------------------------------

@dataclass
class ExecutionKey:
    """The first part of an execution's key, by name (see the module docstring)."""
    slug: str
    plan: list[dict]                     # {"kind": cell|inline, "line", "label", "sha"}
    params: dict
    python: str
    packages: dict[str, str]
    engine: str                          # SHA-256 of the kernel set-up code

    @property
    def components(self) -> dict:
        return {"slug": self.slug, "plan": self.plan, "params": self.params, "python": self.python,
                "packages": self.packages, "engine": self.engine}

    @property
    def digest(self) -> str:
        # line numbers move with every prose edit above a cell, and the kernel never sees
        # a label: neither is part of the key
        plan = [{k: v for k, v in item.items() if k not in ("line", "label")} for item in self.plan]
        return digest({**self.components, "plan": plan, "format": FORMAT})


def execution_plan(doc) -> list[dict]:
    """What the kernel runs, in order: each evaluated code cell's source and each
    markdown block's inline expressions (the prose around them is not part of it)."""
    from .qmd import CodeCell, Markdown

    plan = []
    for block in doc.blocks:
        if isinstance(block, Markdown):
            exprs = block.inline_expressions
            if exprs:
                plan.append({"kind": "inline", "line": block.line, "label": None,
                             "sha": digest(exprs)})
        elif isinstance(block, CodeCell):
            if doc.option(block, "eval", True) is False:
                continue
            plan.append({"kind": "cell", "line": block.line, "label": block.label,
                         "number": block.number,
                         "sha": digest([block.source, block.is_parameters])})
    return plan


# The kernel's set-up code and the input-watching hook (read as files: importing
# evalreport.engine.execute would load nbclient, too slow for a build with nothing to do).
KERNEL_SETUP = (Path(__file__).resolve().parent / "execute.py",
                Path(__file__).resolve().parents[1] / "outputs" / "manifest.py")


def execution_key(doc, slug: str, params: dict, packages: dict | None = None) -> ExecutionKey:
    setup = digest([p.read_text(encoding="utf-8") for p in KERNEL_SETUP])
    return ExecutionKey(slug, execution_plan(doc), dict(params or {}), python_version(),
                        installed_packages() if packages is None else packages, setup)


# -- cached executions -------------------------------------------------------------------------

@dataclass
class CachedExecution:
    """A stored execution: the result in a form independent of the document objects."""
    key: str                                     # the entry's full key (<plan digest>/<files digest>)
    result_digest: str                           # SHA-256 of the outputs, inline values and tables
    deps: list[list[str]]                        # [display path, sha256] of every file read
    inputs: list[str]                            # display paths of the data files (for the manifest)
    outputs: dict[str, list]
    inline: list[list[str]]
    seconds: dict[str, float]
    tables: dict[str, str] = field(default_factory=dict)   # table file → sha256


def deps_match(deps: list, root: Path, hashes: FileHashes) -> list[str]:
    """Display paths of the recorded files whose content is no longer as recorded."""
    changed = []
    for name, sha in deps:
        if hashes.sha256(resolve_display(name, root)) != sha:
            changed.append(name)
    return changed


def find_execution(store: Store, key: ExecutionKey, root: Path, hashes: FileHashes
                   ) -> tuple[str | None, dict | None]:
    """The key and metadata of an entry for ``key`` whose files are all unchanged, or None."""
    for full in store.keys("execute", key.digest):
        meta = store.meta("execute", full)
        if meta is not None and not deps_match(meta.get("deps", []), root, hashes):
            return full, meta
    return None, None


def result_to_json(doc, result) -> tuple[dict, list]:
    """Outputs by cell number and inline values in document order (the result keys
    inline values by the Markdown object, which does not outlive the document)."""
    from .qmd import Markdown

    outputs = {str(n): [dict(o) for o in outs] for n, outs in result.outputs.items()}
    inline = [result.inline.get(id(b)) for b in doc.blocks
              if isinstance(b, Markdown) and b.inline_expressions]
    return json.loads(json.dumps(outputs, default=str)), inline


@dataclass
class StoredResult:
    """An execution result rebuilt from the cache (the fields of ``execute.ExecutionResult``,
    without loading the kernel machinery)."""
    outputs: dict = field(default_factory=dict)
    inline: dict = field(default_factory=dict)
    seconds: dict = field(default_factory=dict)


def result_from_json(doc, outputs: dict, inline: list, seconds: dict) -> StoredResult:
    from .qmd import Markdown

    result = StoredResult()
    result.outputs = {int(n): outs for n, outs in outputs.items()}
    blocks = [b for b in doc.blocks if isinstance(b, Markdown) and b.inline_expressions]
    if len(blocks) != len(inline):
        raise ValueError("inline-værdierne passer ikke til dokumentet")
    result.inline = {id(b): values for b, values in zip(blocks, inline) if values is not None}
    result.seconds = {int(n): s for n, s in seconds.items()}
    return result


def file_clock(folder: Path) -> float:
    """Now, on the clock the file system stamps files with (coarser than time.time(), and
    behind it by up to a tick): the time stamp of a file made for the purpose."""
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=folder, prefix=".clock-") as fh:
        st = os.fstat(fh.fileno())
    return max(st.st_mtime, st.st_ctime)


def changed_since(paths: list[Path], started: float) -> list[Path]:
    """The files modified at or after ``started`` (from :func:`file_clock`): the kernel may have
    read them before the change, so their hashes now do not say what the run saw. Both times come
    from the same clock, so a file written before the run began does not count."""
    out = []
    for p in paths:
        try:
            st = os.stat(p)
        except OSError:
            continue
        if max(st.st_mtime, st.st_ctime) >= started:
            out.append(p)
    return out


def save_execution(store: Store, key: ExecutionKey, doc, result, opened: list[Path],
                   project_root: Path, exclude: list[Path], tables_dir: Path,
                   hashes: FileHashes, started: float | None = None) -> CachedExecution:
    """Store a fresh execution (its table files as they came from the kernel). A run during
    which one of the files it read was changed is used for this build but not stored."""
    from ..outputs.manifest import input_files

    root = Path(project_root).resolve()
    dep_paths = kernel_dependencies(opened, root, exclude)
    deps = []
    for p in dep_paths:
        sha = hashes.sha256(p)
        if sha is not None:
            deps.append([display_path(p, root), sha])
    moved = changed_since(dep_paths, started) if started is not None else []
    inputs = [display_path(p, root) for p in input_files(opened, root, exclude)]
    outputs, inline = result_to_json(doc, result)
    files = {f"tables/{f.name}": f for f in sorted(Path(tables_dir).iterdir()) if f.is_file()} \
        if Path(tables_dir).is_dir() else {}
    tables = {name.split("/", 1)[1]: sha256_path(path) for name, path in files.items()}
    private = Path(tables_dir) / ".disclosure"      # the disclosure gate's records (author.disclosure)
    records = {f"tables/.disclosure/{f.name}": f for f in sorted(private.glob("*.json"))} \
        if private.is_dir() else {}
    result_digest = digest({"outputs": outputs, "inline": inline, "tables": tables})
    full = f"{key.digest}/{digest(deps)[:40]}"
    seconds = {str(n): s for n, s in result.seconds.items()}
    if moved:
        store.warnings.append(f"{display_path(moved[0], root)} blev ændret, mens rapporten kørte; "
                              "kørslen gemmes ikke i cachen (næste bygning kører igen)")
        return CachedExecution(full, result_digest, deps, inputs, outputs, inline, seconds, tables)
    # the outputs (megabytes for a report with figures) go in a file of the entry, so that
    # reading an entry's key and files (every build, also a no-op) stays cheap
    with tempfile.TemporaryDirectory(prefix="evalreport-cache-") as tmp:
        payload = Path(tmp) / "result.json"
        payload.write_text(json.dumps({"outputs": outputs, "inline": inline, "seconds": seconds},
                                      ensure_ascii=False), encoding="utf-8")
        meta = {"slug": key.slug, "components": key.components, "deps": deps, "inputs": inputs,
                "result_digest": result_digest, "tables": tables, "created": time.time()}
        store.put("execute", full, meta, {**files, **records, "result.json": payload})
    store.put("last-run", key.slug, {"components": key.components, "deps": deps}, replace=True)
    return CachedExecution(full, result_digest, deps, inputs, outputs, inline, seconds, tables)


def load_execution(store: Store, full: str, tables_dir: Path) -> CachedExecution | None:
    """A stored execution, its table files copied into ``tables_dir``; None if it is damaged."""
    with tempfile.TemporaryDirectory(prefix="evalreport-cache-") as tmp:
        meta = store.get("execute", full, copy_to=Path(tmp))
        if meta is None:
            return None
        try:
            payload = json.loads((Path(tmp) / "result.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            store.remove("execute", full)
            return None
        src = Path(tmp) / "tables"
        if src.is_dir():
            Path(tables_dir).mkdir(parents=True, exist_ok=True)
            for f in src.iterdir():
                if f.is_file():
                    shutil.copyfile(f, Path(tables_dir) / f.name)
            if (src / ".disclosure").is_dir():            # a cached build is checked like a fresh one
                shutil.copytree(src / ".disclosure", Path(tables_dir) / ".disclosure", dirs_exist_ok=True)
    return CachedExecution(full, meta["result_digest"], meta["deps"], meta["inputs"],
                           payload["outputs"], payload["inline"], payload["seconds"], meta["tables"])


# -- why an execution is not in the cache ------------------------------------------------------

def explain_execution(store: Store, key: ExecutionKey, root: Path, hashes: FileHashes,
                      previous: dict | None = None) -> list[str]:
    """Why ``key`` has no usable entry, one reason per changed input, in Danish.

    The newest entry with the same plan and environment names the changed files;
    without one, the components recorded by the report's last execution (or
    ``previous``, the components a published version records) are compared.
    """
    for full in store.keys("execute", key.digest):
        meta = store.meta("execute", full)
        if meta is not None:
            return [f"{name} er ændret" if resolve_display(name, root).exists() else f"{name} findes ikke længere"
                    for name in deps_match(meta.get("deps", []), root, hashes)] or ["cache-posten kan ikke bruges"]
    last = store.meta("last-run", key.slug) or previous
    if not last or "components" not in last:
        return ["rapporten er ikke kørt før (intet i cachen)"]
    reasons = compare_components(last["components"], key.components)
    return reasons or ["cachen har ingen kørsel med disse inddata"]


def compare_components(old: dict, new: dict) -> list[str]:
    reasons: list[str] = []
    reasons += _plan_changes(old.get("plan") or [], new.get("plan") or [])
    old_params, new_params = old.get("params") or {}, new.get("params") or {}
    for name in sorted(set(old_params) | set(new_params)):
        if old_params.get(name, "(standard)") != new_params.get(name, "(standard)"):
            reasons.append(f"parameter {name}: {old_params.get(name, '(standard)')} → "
                           f"{new_params.get(name, '(standard)')}")
    if old.get("python") != new.get("python"):
        reasons.append(f"Python {old.get('python')} → {new.get('python')}")
    old_pk, new_pk = old.get("packages") or {}, new.get("packages") or {}
    changed = [f"{n} {old_pk.get(n, '(ingen)')} → {new_pk.get(n, '(fjernet)')}"
               for n in sorted(set(old_pk) | set(new_pk)) if old_pk.get(n) != new_pk.get(n)]
    if changed:
        more = f" og {len(changed) - 5} flere" if len(changed) > 5 else ""
        reasons.append("pakker: " + ", ".join(changed[:5]) + more)
    if old.get("engine") != new.get("engine"):
        reasons.append("kernens opsætning i evalreport (engine/execute.py) er ændret")
    return reasons


def _describe_item(item: dict) -> str:
    if item["kind"] == "inline":
        return f"inline-udtryk i afsnittet ved linje {item['line']}"
    label = f", {item['label']}" if item.get("label") else ""
    return f"kodecelle {item.get('number', '?')} (linje {item['line']}{label})"


def _plan_changes(old: list[dict], new: list[dict]) -> list[str]:
    import difflib

    a = [(i["kind"], i["sha"]) for i in old]
    b = [(i["kind"], i["sha"]) for i in new]
    out = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            continue
        if op == "replace" and i2 - i1 == j2 - j1:
            out += [f"{_describe_item(item)} er ændret" for item in new[j1:j2]]
            continue
        out += [f"{_describe_item(item)} er fjernet" for item in old[i1:i2]]
        out += [f"{_describe_item(item)} er ny" for item in new[j1:j2]]
    return out
