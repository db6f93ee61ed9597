"""Version folders: a published version is immutable and replaced only whole.

:func:`published_changes` says what replacing a published version would change;
:func:`publish_folder` and :func:`swap_into_place` put a staged folder in place with
two renames, so a version folder (or the whole site) is never half written.
"""
from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from ..errors import EvalReportError
from .manifest import tables_fingerprint

# What a partial build (``--to pdf``) keeps from the published folder of the same version.
CARRIED_OVER = ("index.html", "figures")


class VersionExistsError(EvalReportError):
    """The version is published already and this build would change its tables."""

    def __init__(self, slug: str, version: str, changes: list[str], folder: Path):
        self.slug, self.version, self.changes, self.folder = slug, version, changes, folder
        listing = "".join(f"\n  {c}" for c in changes[:30])
        more = f"\n  … og {len(changes) - 30} ændringer mere" if len(changes) > 30 else ""
        super().__init__(
            f"Version {version} af '{slug}' er allerede udgivet ({folder}), og denne bygning "
            f"ændrer dens tabeller:{listing}{more}\n"
            f"En udgivet version ændres ikke. Hæv versionen i rapportens forside "
            f"(fx version: {next_version(version)}), eller byg med --force for at overskrive den.")


def next_version(version: str) -> str:
    """The next patch version: 1.0.0 -> 1.0.1 (a pre-release/build suffix is dropped)."""
    core = re.split(r"[-+]", version, maxsplit=1)[0].split(".")
    if core and core[-1].isdigit():
        core[-1] = str(int(core[-1]) + 1)
    return ".".join(core)


def published_changes(published: Path, candidate: Path) -> list[str]:
    """What replacing the published version folder by ``candidate`` changes in its tables
    (one line each; empty when it is not published or its tables stay the same)."""
    if not (published / "manifest.json").exists():
        return []
    if tables_fingerprint(published / "tables") == tables_fingerprint(candidate / "tables"):
        return []
    from .diff import change_lines, compare_tables_only
    result = compare_tables_only(published, candidate)
    return change_lines(result) if not result.equal else []


def publish_folder(stage: Path, target: Path) -> Path:
    """Replace ``target`` by ``stage`` with renames, keeping files this build did not make.

    A build with ``--to pdf`` makes no HTML; the published HTML of the same
    version is carried over rather than lost.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        for item in target.iterdir():
            if item.name in CARRIED_OVER and not (stage / item.name).exists():
                if item.is_dir():
                    shutil.copytree(item, stage / item.name)
                else:
                    shutil.copy2(item, stage / item.name)
    swap_into_place(stage, target)
    return target


def swap_into_place(new: Path, dest: Path) -> None:
    """Replace ``dest`` by ``new`` with two renames (``new`` must be on the same file system).

    The old folder is kept aside until the new one is in place, and put back if
    the second rename fails, so ``dest`` is never half written.
    """
    old = None
    if dest.exists():
        old = dest.with_name(f".{dest.name}.old-{os.getpid()}")
        if old.exists():
            shutil.rmtree(old)
        dest.rename(old)
    try:
        new.rename(dest)
    except BaseException:
        if old is not None:
            old.rename(dest)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
