"""Putting folders in place on disk without a window, and recovering when a run was killed.

* :func:`swap_into_place` replaces a folder by another in **one** system call on
  Linux (``renameat2`` with ``RENAME_EXCHANGE``): at every instant the
  destination is either the old folder or the new one. Where the call is not
  available it falls back to two renames; the old folder then waits beside the
  destination as ``.<name>.old-<pid>``, and :func:`recover` (run before every
  build and publish) puts it back if a kill came between the renames.
* :func:`lock` serialises builds and publishes of the same report or
  destination across processes (filelock); locks are re-entrant in a process.
* :func:`make_readable`: published folders 0755, files 0644 (``mkdtemp`` makes
  0700, which a web server cannot read).
* :func:`clean_dead` removes staging and temporary folders of builds whose
  process no longer runs (their names carry the pid).
* :func:`write_text` writes one file whole or not at all (``<name>.tmp`` beside
  it, then one rename; a publish skips ``*.tmp`` leftovers).

Written by hand because no maintained library offers an atomic directory swap;
the call is a few lines of ctypes over glibc's ``renameat2``.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import re
import shutil
import stat
import sys
import threading
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2
_libc = None


def _renameat2():
    global _libc
    if _libc is None:
        try:
            _libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        except OSError:
            _libc = False
    return getattr(_libc, "renameat2", None) if _libc else None


def exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically; False where the system cannot (then nothing happened)."""
    if not sys.platform.startswith("linux") or os.environ.get("EVALREPORT_NO_EXCHANGE"):
        return False
    fn = _renameat2()
    if fn is None:
        return False
    res = fn(_AT_FDCWD, os.fsencode(str(a)), _AT_FDCWD, os.fsencode(str(b)), _RENAME_EXCHANGE)
    if res == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.EPERM, errno.EOPNOTSUPP):
        return False                       # old kernel or a file system without the flag
    raise OSError(err, os.strerror(err), str(b))


def old_name(dest: Path) -> Path:
    return dest.with_name(f".{dest.name}.old-{os.getpid()}")


def swap_into_place(new: Path, dest: Path) -> None:
    """Replace ``dest`` by ``new`` (same file system); ``dest`` is never missing or half written."""
    new, dest = Path(new), Path(dest)
    if dest.exists():
        if exchange(new, dest):
            shutil.rmtree(new, ignore_errors=True)      # ``new`` now holds the old folder
            return
        old = old_name(dest)
        if old.exists():
            shutil.rmtree(old)
        _rename(dest, old)
        try:
            _rename(new, dest)
        except BaseException:
            _rename(old, dest)
            raise
        shutil.rmtree(old, ignore_errors=True)
    else:
        _rename(new, dest)


def _rename(src: Path, dst: Path) -> None:
    """One rename (the single place, so tests can interrupt between two of them)."""
    os.rename(src, dst)


_OLD = re.compile(r"^\.(?P<name>.+)\.old-(?P<pid>\d+)$")
_PID_IN_NAME = re.compile(r"-(?P<pid>\d+)-[^-]*$")


def pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def recover(folder: Path, name: str | None = None) -> list[str]:
    """Finish swaps that a killed run left half done in ``folder``; returns what was done.

    ``.<name>.old-<pid>`` of a dead process: if ``<name>`` is missing, the kill came
    between the two renames and the old folder is put back; otherwise it is a
    leftover and is removed. ``name``: only that folder's leftovers.
    """
    done = []
    folder = Path(folder)
    if not folder.is_dir():
        return done
    for item in sorted(folder.iterdir()):
        m = _OLD.match(item.name)
        if not m or (name is not None and m.group("name") != name) or pid_alive(int(m.group("pid"))):
            continue
        dest = folder / m.group("name")
        if dest.exists():
            shutil.rmtree(item, ignore_errors=True)
            done.append(f"fjernede rest af en afbrudt udskiftning: {item.name}")
        else:
            _rename(item, dest)
            done.append(f"genskabte {dest.name} efter en afbrudt udskiftning")
    return done


def clean_dead(folder: Path, prefix: str = "") -> list[str]:
    """Remove ``<prefix>…-<pid>-<random>`` folders in ``folder`` whose process is dead."""
    removed = []
    folder = Path(folder)
    if not folder.is_dir():
        return removed
    for item in folder.iterdir():
        if not item.is_dir() or not item.name.startswith(prefix):
            continue
        m = _PID_IN_NAME.search(item.name)
        if m and not pid_alive(int(m.group("pid"))):
            shutil.rmtree(item, ignore_errors=True)
            removed.append(item.name)
    return removed


def write_text(path: Path, text: str) -> Path:
    """Write ``path`` (UTF-8) whole or not at all: into ``<name>.tmp`` beside it, then one rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return path


def make_readable(root: Path) -> None:
    """Folders 0755 and files 0644 under ``root`` (a web server must read what is published)."""
    root = Path(root)
    for path in [root, *root.rglob("*")]:
        if path.is_symlink():
            continue
        mode = 0o755 if path.is_dir() else 0o644
        if stat.S_IMODE(path.stat().st_mode) != mode:
            path.chmod(mode)


_held: dict[str, FileLock] = {}
_held_guard = threading.Lock()


@contextmanager
def lock(path: Path, what: str, *, say=None):
    """Hold the lock file ``path`` (re-entrant within this process and thread).

    Waits for another process holding it, saying so once through ``say``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    key = str(path.resolve())
    with _held_guard:
        fl = _held.get(key)
        if fl is None:
            fl = _held[key] = FileLock(key)
    try:
        fl.acquire(timeout=0.5)
    except Timeout:
        if say is not None:
            say(f"venter på {what}, som er i gang i en anden proces (lås: {path})")
        fl.acquire()
    try:
        yield
    finally:
        fl.release()
