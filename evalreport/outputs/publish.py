"""``evalreport publish``: put every built version and the site index in place.

1. Build the reports' current versions into the project's ``_site`` (unless
   ``build=False``); a version that is published there already with other
   tables stops here (see :func:`evalreport.build.build_report`).
2. Assemble the new site in a temporary folder beside the destination (same
   file system): a copy of everything already at the destination, plus every
   version folder of ``_site`` that the destination lacks. A version the
   destination has is kept as it is; if ``_site`` has other tables for it, the
   publish fails (``force=True``: it is replaced, with a warning listing what
   changes). Then ``latest/`` pages, diff pages between consecutive versions
   and ``index.html`` are written for the assembled site.
3. Swap the assembled folder into place with two renames.

Until step 3 nothing at the destination changes, so an interrupted or failed
publish leaves the old site whole; step 3 is one atomic exchange
(:mod:`evalreport.outputs.atomic`). Publishes to the same destination are
serialised by a lock beside it; the next publish removes the temporary folders
of killed ones and completes an interrupted swap. No version already at the
destination is ever left out, and everything published is readable by a web
server (folders 0755, files 0644).
"""
from __future__ import annotations

import os
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ..build import BuildOptions, build_report, lock_path
from ..errors import EvalReportError
from .atomic import clean_dead, lock, make_readable, recover
from .site import report_versions, write_site
from .versions import published_changes, swap_into_place


@dataclass
class PublishResult:
    dest: Path
    added: list[tuple[str, str]] = field(default_factory=list)      # (slug, version) new at dest
    kept: list[tuple[str, str]] = field(default_factory=list)       # already at dest, unchanged
    replaced: list[tuple[str, str]] = field(default_factory=list)   # replaced with --force
    warnings: list[str] = field(default_factory=list)


def copy_file(src, dst):
    """The one place files are copied (tests make it fail half-way)."""
    return shutil.copy2(src, dst)


def _ignore(folder, names):
    return {n for n in names if n == ".staging" or n.endswith(".tmp")
            or (n.startswith(".") and (".old-" in n or ".publish-" in n))}


def copy_tree(src: Path, dst: Path) -> None:
    """Copy a folder; the first failure stops the copy (``shutil.copytree`` would go on)."""
    dst.mkdir(parents=True, exist_ok=True)
    names = sorted(os.listdir(src))
    ignored = _ignore(src, names)
    for name in names:
        if name in ignored:
            continue
        s, d = src / name, dst / name
        if s.is_symlink():
            os.symlink(os.readlink(s), d)
        elif s.is_dir():
            copy_tree(s, d)
        else:
            copy_file(s, d)
    shutil.copystat(src, dst)


def publish(project, *, dest: Path | None = None, slugs: list[str] | None = None,
            build: bool = True, options: BuildOptions | None = None) -> PublishResult:
    options = options or BuildOptions()
    local = project.output_dir
    dest = Path(dest).resolve() if dest is not None else local
    slugs = list(slugs) if slugs else project.report_slugs()
    for slug in slugs:
        project.report_path(slug)               # a typo fails before any build
    if build:
        for slug in slugs:
            build_report(project, slug, options)
    if dest.exists() and not dest.is_dir():
        raise EvalReportError(f"{dest} findes og er ikke en mappe")
    dest.parent.mkdir(parents=True, exist_ok=True)
    with lock(lock_path(dest, "site"), f"en udgivelse til {dest}",
              say=lambda t: print(f"evalreport publish: {t}", file=sys.stderr, flush=True)):
        return _publish_locked(project, local, dest, options)


def _publish_locked(project, local: Path, dest: Path, options: BuildOptions) -> PublishResult:
    for note in recover(dest.parent, dest.name):
        print(f"evalreport publish: {note}", file=sys.stderr, flush=True)
    clean_dead(dest.parent, prefix=f".{dest.name}.publish-")
    result = PublishResult(dest)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.publish-{os.getpid()}-", dir=dest.parent))
    try:
        site = tmp / "site"
        site.mkdir()
        if dest.is_dir():
            copy_tree(dest, site)
        at_dest = {(slug, v["folder"]) for slug in _slugs_in(site)
                   for v in report_versions(site / "reports" / slug)}
        for slug in _slugs_in(local):
            for v in report_versions(local / "reports" / slug):
                key = (slug, v["folder"])
                source = local / "reports" / slug / v["folder"]
                target = site / "reports" / slug / v["folder"]
                if key not in at_dest:
                    copy_tree(source, target)
                    result.added.append((slug, v["version"]))
                    continue
                if dest == local:
                    result.kept.append((slug, v["version"]))
                    continue
                changes = published_changes(target, source)
                if not changes:
                    result.kept.append((slug, v["version"]))
                    continue
                if not options.force:
                    raise EvalReportError(
                        f"Version {v['version']} af '{slug}' er allerede udgivet i {dest} med andet "
                        f"indhold end i {source}:" + "".join(f"\n  {c}" for c in changes[:30])
                        + "\nEn udgivet version ændres ikke: hæv versionen, eller brug --force.")
                text = (f"--force: version {v['version']} af '{slug}' overskrives i {dest}; det ændrer sig:"
                        + "".join(f"\n  {c}" for c in changes))
                print(f"[{slug}] ADVARSEL: {text}", file=sys.stderr, flush=True)
                result.warnings.append(text)
                shutil.rmtree(target)
                copy_tree(source, target)
                result.replaced.append((slug, v["version"]))
        write_site(project, site)
        make_readable(site)
        swap_into_place(site, dest)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return result


def _slugs_in(site: Path) -> list[str]:
    reports = site / "reports"
    if not reports.is_dir():
        return []
    return sorted(p.name for p in reports.iterdir() if p.is_dir() and not p.name.startswith("."))
