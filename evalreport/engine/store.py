"""The build cache's store: folders of checksummed entries in ``.evalreport-cache/``.

An entry is ``<kind>/<key>/`` with an ``entry.json`` (its metadata, the SHA-256
of each of its files and a checksum of the whole) and ``files/``. Entries are
written into a temporary folder and renamed into place, so a reader sees a whole
entry or none; every file is checked against its SHA-256 when the entry is used,
and an entry that does not check out is deleted and counts as a miss (a rebuild,
never a crash or a stale result). :meth:`Store.prune` keeps the store under its
size limit by removing the least recently used entries (never one the current
build used). :mod:`filelock` (the project's choice of lock) serialises the short
steps that touch shared state, so concurrent builds can share the store.

:class:`FileHashes` remembers the SHA-256 of input files by their stat, as git's
index does, so a build with nothing to do reads no data file.

Written by hand: the store is a few folders and checksums; a key-value library
(diskcache, joblib) would add a dependency without the per-file checks.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

CACHE_DIR_NAME = ".evalreport-cache"
FORMAT = 1                       # bump to invalidate every entry after a change of layout
DEFAULT_MAX_MB = 2048
_RACY_SECONDS = 2.0              # files changed this recently are hashed again next time
_TAG = ("Signature: 8a477f597d28d172789f06886806bc55\n"
        "# This file is a cache directory tag created by evalreport.\n")


# -- digests -----------------------------------------------------------------------------------

def digest(value) -> str:
    """SHA-256 of a JSON-able value in canonical form (sorted keys, no whitespace)."""
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_path(path: Path) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


class FileHashes:
    """SHA-256 of files, remembered by (size, mtime, ctime, inode) between builds.

    Like git's index: a file whose stat is unchanged is not read again. A file
    changed less than two seconds before it was hashed is not remembered (its
    next change could keep the same time stamp), and ctime changes with any
    write, also one that restores the mtime.
    """

    def __init__(self, path: Path | None):
        self.path = path
        self.memo: dict[str, list] = {}
        self.changed = False
        if path is not None:
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                if isinstance(data, dict):
                    self.memo = data
            except (OSError, ValueError):
                pass

    def sha256(self, path: Path) -> str | None:
        """The file's SHA-256, or None when it does not exist (or cannot be read)."""
        try:
            st = os.stat(path)
        except OSError:
            return None
        sig = [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]
        key = str(path)
        known = self.memo.get(key)
        if isinstance(known, list) and len(known) == 5 and known[:4] == sig:
            return known[4]
        try:
            value = sha256_path(path)
        except OSError:
            return None
        if time.time() - max(st.st_mtime_ns, st.st_ctime_ns) / 1e9 > _RACY_SECONDS:
            self.memo[key] = sig + [value]
            self.changed = True
        return value

    def save(self, lock) -> None:
        if self.path is None or not self.changed:
            return
        with lock:
            merged = {}
            try:
                merged = json.loads(self.path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                pass
            merged = merged if isinstance(merged, dict) else {}
            merged.update(self.memo)
            _write_atomic(self.path, json.dumps(merged).encode("utf-8"))
        self.changed = False


def _write_atomic(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class Store:
    """Folders of entries under ``<root>/<kind>/<key>/`` with a checksummed ``entry.json``."""

    def __init__(self, root: Path, max_bytes: int | None = None):
        self.root = Path(root)
        self.max_bytes = max_bytes if max_bytes is not None else DEFAULT_MAX_MB * 2 ** 20
        self.warnings: list[str] = []
        self.touched: set[Path] = set()            # entries this build wrote or used
        self._lock = None

    @classmethod
    def for_project(cls, project) -> "Store":
        env = os.environ.get("EVALREPORT_CACHE_DIR")
        own = (project.settings.get("cache") or {}).get("dir")     # a cluster worker's private store
        root = Path(project.root) / own if own else Path(env).resolve() if env else Path(project.root) / CACHE_DIR_NAME
        limit = os.environ.get("EVALREPORT_CACHE_MAX_MB") or \
            (project.settings.get("cache") or {}).get("max-mb", DEFAULT_MAX_MB)
        return cls(root, int(float(limit) * 2 ** 20))

    # locking
    def lock(self, name: str = "store"):
        """A :class:`filelock.FileLock` in ``<root>/locks/`` (created on first use)."""
        from filelock import FileLock
        self.ensure()
        return FileLock(str(self.root / "locks" / f"{name}.lock"), timeout=600)

    def _store_lock(self):
        if self._lock is None:
            self._lock = self.lock("store")
        return self._lock

    def ensure(self) -> None:
        if not (self.root / "CACHEDIR.TAG").exists():
            (self.root / "locks").mkdir(parents=True, exist_ok=True)
            tag = self.root / "CACHEDIR.TAG"
            if not tag.exists():
                _write_atomic(tag, _TAG.encode("ascii"))
        (self.root / "locks").mkdir(parents=True, exist_ok=True)

    def hashes(self) -> FileHashes:
        return FileHashes(self.root / "hashes.json")

    def save_hashes(self, hashes: FileHashes) -> None:
        if hashes.changed:
            hashes.save(self._store_lock())

    # entries
    def folder(self, kind: str, key: str) -> Path:
        return self.root / kind / key

    def meta(self, kind: str, key: str) -> dict | None:
        """The metadata of an entry without checking its files (cheap; for planning)."""
        try:
            data = json.loads((self.folder(kind, key) / "entry.json").read_text(encoding="utf-8"))
            if data.get("format") == FORMAT and data.get("checksum") == _entry_checksum(data):
                return data["meta"]
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            pass
        return None

    def keys(self, kind: str, prefix: str = "") -> list[str]:
        """Keys of the entries of a kind under ``prefix``, most recently used first."""
        base = self.root / kind / prefix if prefix else self.root / kind
        try:
            found = [(p.stat().st_mtime, p.name) for p in base.iterdir()
                     if p.is_dir() and not p.name.startswith(".")]
        except OSError:
            return []
        return [f"{prefix}/{name}" if prefix else name for _, name in sorted(found, reverse=True)]

    def get(self, kind: str, key: str, copy_to: Path | None = None) -> dict | None:
        """The entry's metadata after checking every file; its files are copied into
        ``copy_to`` (kept relative). A damaged entry is removed and gives None."""
        folder = self.folder(kind, key)
        if not folder.is_dir():
            return None
        with self._store_lock():
            try:
                data = json.loads((folder / "entry.json").read_text(encoding="utf-8"))
                if data.get("format") != FORMAT or data.get("checksum") != _entry_checksum(data):
                    raise ValueError("entry.json stemmer ikke med sin kontrolsum")
                for rel, sha in data["files"].items():
                    if sha256_path(folder / "files" / rel) != sha:
                        raise ValueError(f"{rel} stemmer ikke med sin SHA-256")
            except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
                self.warnings.append(f"cache-posten {kind}/{key} er beskadiget ({exc}); "
                                     "den slettes, og trinnet udføres forfra")
                shutil.rmtree(folder, ignore_errors=True)
                return None
            if copy_to is not None:
                for rel in data["files"]:
                    target = Path(copy_to) / rel
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(folder / "files" / rel, target)
            os.utime(folder)                                   # least recently used goes first
            self.touched.add(folder)
        return data["meta"]

    def put(self, kind: str, key: str, meta: dict, files: dict[str, Path] | None = None, *,
            replace: bool = False) -> None:
        """Store an entry (``files``: name in the entry → file to copy). An entry that
        exists already (a concurrent build made it) is kept as it is, unless ``replace``."""
        self.ensure()
        parent = self.folder(kind, key).parent
        parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".new-", dir=parent))
        try:
            recorded = {}
            for rel, src in sorted((files or {}).items()):
                target = tmp / "files" / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(src, target)
                recorded[rel] = sha256_path(target)
            data = {"format": FORMAT, "kind": kind, "key": key, "meta": meta, "files": recorded}
            data["checksum"] = _entry_checksum(data)
            (tmp / "entry.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
            with self._store_lock():
                target = self.folder(kind, key)
                if target.exists() and replace:
                    old = target.with_name(f".old-{target.name}-{os.getpid()}")
                    target.rename(old)
                    shutil.rmtree(old, ignore_errors=True)
                if not target.exists():
                    tmp.rename(target)
                self.touched.add(target)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)

    def remove(self, kind: str, key: str) -> None:
        with self._store_lock():
            shutil.rmtree(self.folder(kind, key), ignore_errors=True)

    def size(self) -> int:
        return sum(size for _, size, _ in self._entries()) + self._loose_size()

    def _loose_size(self) -> int:
        """Bytes outside entries: the formula drawings of :mod:`evalreport.engine.mathsvg`."""
        return sum(f.stat().st_size for f in (self.root / "math").rglob("*") if f.is_file()) \
            if (self.root / "math").is_dir() else 0

    def _entries(self) -> list[tuple[float, int, Path]]:
        """(last use, bytes, folder) of every entry."""
        out = []
        for meta in self.root.glob("*/**/entry.json"):
            folder = meta.parent
            try:
                used = folder.stat().st_mtime
                size = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())
            except OSError:
                continue
            out.append((used, size, folder))
        return out

    def prune(self) -> None:
        """Remove least recently used entries until the store is within its limit,
        never one this build wrote or used (so a build's own entries survive it)."""
        if not self.root.is_dir():
            return
        with self._store_lock():
            entries = self._entries()
            loose = self._loose_size()
            total = sum(size for _, size, _ in entries) + loose
            if total <= self.max_bytes:
                return
            if loose and total - loose > self.max_bytes * 0.9:   # the drawings go with the rest
                shutil.rmtree(self.root / "math", ignore_errors=True)
                total -= loose
            for _, size, folder in sorted(entries, key=lambda e: e[0]):
                if total <= self.max_bytes:
                    break
                if folder in self.touched:
                    continue
                shutil.rmtree(folder, ignore_errors=True)
                total -= size
                try:                               # an execution key folder left empty
                    folder.parent.rmdir()
                except OSError:
                    pass


def _entry_checksum(data: dict) -> str:
    return digest({k: data.get(k) for k in ("format", "kind", "key", "meta", "files")})


