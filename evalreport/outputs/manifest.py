"""What a version folder records about how it was made: ``manifest.json``.

The manifest of ``_site/reports/<slug>/<version>/`` holds the report, version,
git commit and dirty flag, build time, engine, the report's sources (``.qmd``,
bibliography, ``_quarto.yml``) and every input data file the report's code read
(each with its SHA-256), Python and package versions, a SHA-256 per table (and
per table file) and the PDF's page count.

Input files are found by watching the kernel rather than by asking authors to
list them: the build points ``IPYTHONDIR`` at a private folder whose startup
file installs a Python audit hook (:pep:`578`) in the kernel. The hook logs
every file opened for reading; the build keeps those that are not part of the
Python installation, the system or a cache (so real register data read from a
network drive outside the project is recorded too) and hashes them after the
run. Code (``*.py``) is covered by the commit and dirty flag instead.
"""
from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import platform
import sys
import sysconfig
import tempfile
from contextlib import contextmanager
from pathlib import Path

MANIFEST = "manifest.json"
TABLE_SUFFIXES = (".display.csv", ".raw.csv", ".json")

_STARTUP = r'''
# Installed by evalreport for one build: logs the files the report's code reads.
def _evalreport_watch_inputs():
    import os, sys
    log_path = os.environ.get("EVALREPORT_INPUT_LOG")
    if not log_path:
        return
    log = open(log_path, "a", encoding="utf-8")
    seen, busy = set(), [False]
    writing = os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC

    def hook(event, args):
        if event != "open" or busy[0]:
            return
        path, mode, flags = (tuple(args) + (None, None, None))[:3]
        if path is None or isinstance(path, int):
            return
        if mode is not None:
            if any(c in str(mode) for c in "wax+"):
                return
        elif isinstance(flags, int) and flags & writing:
            return
        busy[0] = True
        try:
            full = os.path.abspath(os.fsdecode(path))
            if full not in seen:
                seen.add(full)
                log.write(full + "\n")
                log.flush()
        except Exception:
            pass
        finally:
            busy[0] = False

    sys.addaudithook(hook)

_evalreport_watch_inputs()
del _evalreport_watch_inputs
'''

_CODE_SUFFIXES = {".py", ".pyc", ".pyi", ".pyd", ".so", ".pth", ".dll", ".dylib", ".typed"}
_SYSTEM_DIRS = ("/usr", "/lib", "/lib32", "/lib64", "/bin", "/sbin", "/etc", "/proc", "/sys",
                "/dev", "/run", "/var/cache", "/var/lib", "/snap", "/System", "/Library")


def sha256_file(path: Path) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


class InputWatch:
    """Records the files a kernel started inside :meth:`watching` opens for reading."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="evalreport-inputs-"))
        startup = self.folder / "ipython" / "profile_default" / "startup"
        startup.mkdir(parents=True)
        (startup / "00-evalreport-inputs.py").write_text(_STARTUP, encoding="utf-8")
        self.log = self.folder / "opened.txt"
        self.log.touch()

    @contextmanager
    def watching(self):
        changes = {"IPYTHONDIR": str(self.folder / "ipython"), "EVALREPORT_INPUT_LOG": str(self.log)}
        old = {k: os.environ.get(k) for k in changes}
        os.environ.update(changes)
        try:
            yield self
        finally:
            for k, v in old.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v

    def opened(self) -> list[Path]:
        lines = self.log.read_text(encoding="utf-8").splitlines() if self.log.exists() else []
        return [Path(line) for line in dict.fromkeys(lines) if line]

    def close(self) -> None:
        import shutil
        shutil.rmtree(self.folder, ignore_errors=True)


def _system_roots() -> list[Path]:
    roots = {Path(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix)}
    for key in ("stdlib", "platstdlib", "purelib", "platlib", "data"):
        try:
            roots.add(Path(sysconfig.get_path(key)))
        except KeyError:
            pass
    home = Path.home()
    roots |= {home / ".cache", home / ".config", home / ".local", home / ".ipython",
              home / ".jupyter", home / ".matplotlib", home / ".fonts", home / ".pyenv",
              home / ".conda", home / "Library"}
    roots |= {Path(d) for d in _SYSTEM_DIRS}
    out = []
    for r in roots:
        try:
            out.append(r.resolve())
        except OSError:
            out.append(r)
    return out


# Temporary folders of the build machinery itself (kernel sockets, this watch, matplotlib's
# fallback cache), wherever the temporary directory is.
_TOOL_DIR_PREFIXES = ("evalreport-kernel-", "evalreport-inputs-", "matplotlib-", "jupyter-")


def _under(p: Path, roots: list[Path]) -> bool:
    return any(p == r or r in p.parents for r in roots)


def input_files(opened: list[Path], project_root: Path, exclude: list[Path]) -> list[Path]:
    """The data files among the files the kernel opened: no code, system, cache or tool files.

    Inside the project only ``.git``, ``.venv`` and the folders in ``exclude`` (the
    output folder) are left out; outside it also the Python installation, system
    folders and the user's cache/config folders.
    """
    root = project_root.resolve()
    inside_excluded = [root / ".git", root / ".venv", root / ".evalreport-cache"]
    inside_excluded += [Path(e).resolve() for e in exclude]
    system = _system_roots()
    # evalreport's own package and templates (phrase templates, CSS) are code, like analysis/*.py
    package = Path(__file__).resolve().parents[1]
    inside_excluded += [package, package.parent / "templates"]
    out = []
    for p in opened:
        try:
            p = p.resolve()
        except OSError:
            continue
        if not p.is_file() or p.suffix.lower() in _CODE_SUFFIXES or "__pycache__" in p.parts:
            continue
        if any(part.startswith(_TOOL_DIR_PREFIXES) or part.endswith((".egg-info", ".dist-info"))
               for part in p.parts[:-1]):
            continue
        if _under(p, inside_excluded):
            continue
        if not _under(p, [root]) and _under(p, system):
            continue
        out.append(p)
    return sorted(set(out))


def display_path(path: Path, root: Path) -> str:
    """Path relative to the project root when inside it (POSIX style), else absolute."""
    try:
        return Path(path).resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(Path(path).resolve())


def file_records(paths: list[Path], root: Path) -> list[dict]:
    return [{"path": display_path(p, root), "sha256": sha256_file(p), "bytes": p.stat().st_size}
            for p in paths if p.is_file()]


def table_records(tables_dir: Path) -> list[dict]:
    """One entry per table id: its files with SHA-256, and one SHA-256 for the table.

    The table's hash is the SHA-256 of the lines ``<sha256>  <file name>`` of its
    files in name order (like ``sha256sum``), so it changes when any file does.
    """
    groups: dict[str, dict[str, str]] = {}
    if tables_dir.is_dir():
        for f in sorted(tables_dir.iterdir()):
            for suffix in TABLE_SUFFIXES:
                if f.is_file() and f.name.endswith(suffix):
                    groups.setdefault(f.name[: -len(suffix)], {})[f.name] = sha256_file(f)
                    break
    out = []
    for table_id, files in sorted(groups.items()):
        caption = None
        meta = tables_dir / f"{table_id}.json"
        if meta.exists():
            try:
                data = json.loads(meta.read_text(encoding="utf-8"))
                caption = data.get("caption")
            except (ValueError, OSError):
                pass
        listing = "".join(f"{h}  {name}\n" for name, h in sorted(files.items()))
        out.append({"id": table_id, "caption": caption,
                    "sha256": hashlib.sha256(listing.encode("utf-8")).hexdigest(),
                    "files": [{"name": n, "sha256": h} for n, h in sorted(files.items())]})
    return out


def python_info() -> dict:
    """The interpreter that built. Its environment (``sys.prefix``), not ``sys.executable``:
    ``.venv/bin/python`` and ``.venv/bin/python3`` are the same Python, and which name a process
    got depends on how it was started (the ``evalreport`` script, ``-j`` workers, Dask workers),
    so the executable made manifests of equal builds differ."""
    return {"version": platform.python_version(), "implementation": platform.python_implementation(),
            "prefix": sys.prefix, "platform": platform.platform()}


def package_versions() -> dict[str, str]:
    """Every distribution installed in this environment, name → version (sorted)."""
    out: dict[str, str] = {}
    for dist in importlib.metadata.distributions():
        name = (dist.metadata.get("Name") or "").strip()
        if name:
            out.setdefault(name.lower().replace("_", "-"), dist.version)
    return dict(sorted(out.items()))


def tool_versions() -> dict[str, str]:
    out = {}
    try:
        from ..engine.pandoc import pandoc_version
        out["pandoc"] = pandoc_version()
    except Exception:  # pragma: no cover - pandoc missing is reported elsewhere
        pass
    return out


def read_manifest(folder: Path) -> dict | None:
    path = Path(folder) / MANIFEST
    if not path.exists():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def write_manifest(folder: Path, manifest: dict) -> Path:
    path = Path(folder) / MANIFEST
    path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2, default=str) + "\n",
                    encoding="utf-8")
    return path


def tables_fingerprint(tables_dir: Path) -> dict[str, str]:
    """file name → SHA-256 of every table file (for 'did the tables change?')."""
    if not tables_dir.is_dir():
        return {}
    return {f.name: sha256_file(f) for f in sorted(tables_dir.iterdir())
            if f.is_file() and f.name.endswith(TABLE_SUFFIXES)}
