"""The build stamp: when and from which commit a report was built, without the clock.

Two builds of the same inputs must give the same bytes, so the stamp never reads
the wall clock. Its time and commit come from the report's own inputs (its
``.qmd`` and sources, every file its kernel read, the templates and evalreport's
code):

* ``SOURCE_DATE_EPOCH``, when set, is the time (the reproducible-builds convention);
* otherwise, in a git repository, the newest commit that touched any of those
  inputs gives both the time (its committer date) and the commit shown. A commit
  that changes only another report leaves this report's stamp, and so its bytes,
  as they are; inputs with uncommitted changes add "(med ikke-committede
  ændringer)" but do not move the time;
* outside git (or when no input is committed), the newest modification time
  among the inputs.

``git`` is run once per project for the status and once per report for the log.
"""
from __future__ import annotations

import datetime as dt
import os
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path


@dataclass(frozen=True)
class Stamp:
    epoch: int
    commit: str          # '' outside git
    dirty: bool          # some input differs from the commit
    source: str          # SOURCE_DATE_EPOCH | commit | newest input

    @property
    def built(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.epoch, dt.timezone.utc)

    def text(self, evalreport_version: str) -> str:
        tail = ""
        if self.commit:
            tail = f", commit {self.commit[:10]}" + (" (med ikke-committede ændringer)" if self.dirty else "")
        return f"Bygget {self.built:%Y-%m-%d %H:%M} UTC med evalreport {evalreport_version}{tail}"


def _git(root: Path, *args: str) -> str | None:
    try:
        return subprocess.run(["git", "--no-optional-locks", *args], cwd=root, capture_output=True,
                              text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None


@lru_cache(maxsize=8)
def _toplevel(root: Path) -> Path | None:
    out = _git(root, "rev-parse", "--show-toplevel")
    return Path(out.strip()).resolve() if out and out.strip() else None


@lru_cache(maxsize=8)
def _changed_paths(top: Path) -> frozenset[str]:
    """Paths (relative to the repository) that are modified, staged or untracked."""
    out = _git(top, "status", "--porcelain=v1", "-z", "--untracked-files=all") or ""
    paths, fields = set(), out.split("\0")
    i = 0
    while i < len(fields):
        entry = fields[i]
        if len(entry) > 3:
            paths.add(entry[3:])
            if entry[0] in "RC":            # a rename's source follows as its own field
                i += 1
                if i < len(fields) and fields[i]:
                    paths.add(fields[i])
        i += 1
    return frozenset(paths)


def forget_git_state() -> None:
    """Drop the remembered ``git status`` (a long-running preview calls this per build)."""
    _changed_paths.cache_clear()
    _toplevel.cache_clear()


def build_stamp(root: Path, inputs: list[Path]) -> Stamp:
    """The stamp of a report whose inputs are ``inputs`` (files; see the module docstring)."""
    env = os.environ.get("SOURCE_DATE_EPOCH")
    files = sorted({Path(p).resolve() for p in inputs})
    top = _toplevel(Path(root).resolve())
    commit, epoch, dirty = "", None, False
    if top is not None:
        inside = []
        for p in files:
            try:
                inside.append(p.relative_to(top).as_posix())
            except ValueError:
                pass
        changed = _changed_paths(top)
        dirty = any(p in changed for p in inside)
        if inside:
            out = _git(top, "log", "-1", "--format=%H %ct", "--", *inside) or ""
            if out.strip():
                sha, ct = out.split()
                commit, epoch = sha, int(ct)
    source = "commit"
    if epoch is None:
        source = "newest input"
        times = []
        for p in files:
            try:
                times.append(int(p.stat().st_mtime))
            except OSError:
                pass
        epoch = max(times) if times else 0
    if env:
        epoch, source = int(env), "SOURCE_DATE_EPOCH"
    return Stamp(epoch, commit, dirty, source)
