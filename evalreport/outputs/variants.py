"""Variants in the site: folders under a version, their headline check and listing.

A variant of a report (see :mod:`evalreport.matrix`) is published as
``reports/<slug>/<version>/<variant>/`` — a folder like a version folder
(``index.html``, ``<slug>-<version>-<variant>.pdf``, ``tables/``, ``figures/``,
``manifest.json`` with ``variant`` and its parameters), swapped into place on
its own. Publishing the version itself replaces the version folder, so its
variant folders are carried over into the new one first
(:func:`carry_variants`, hard links: published files are never changed in
place).

**Headline results.** A report may name its headline tables
(``evalreport: headline: [tbl-effekt]``, or ``{table:, columns:, rows:}`` for
some of their cells). When, after the disclosure gate, every headline cell is
hidden (``..``, ``<3``) or empty (``–``: could not be computed), the build is
refused with :class:`HeadlineSuppressed`: a small municipality's variant whose
results would all be suppressed is not published as an empty shell, while
the other variants are.
"""
from __future__ import annotations

import csv
import json
import os
import shutil
from pathlib import Path

from ..errors import DisclosureError

EMPTY = {"", "–", "—", "-"}


class HeadlineSuppressed(DisclosureError):
    """Every headline result is hidden by the disclosure rules: the build is not published."""

    def __init__(self, message: str, slug: str, variant: str | None):
        self.slug, self.variant = slug, variant
        super().__init__(message)


def pdf_name(slug: str, version: str, variant: str | None = None) -> str:
    return f"{slug}-{version}-{variant}.pdf" if variant else f"{slug}-{version}.pdf"


def variant_folders(version_dir: Path) -> list[Path]:
    """The published variants of a version folder (sub-folders whose manifest names a variant)."""
    out = []
    if not Path(version_dir).is_dir():
        return out
    for sub in sorted(Path(version_dir).iterdir()):
        if sub.is_dir() and not sub.name.startswith(".") and (sub / "manifest.json").is_file():
            try:
                manifest = json.loads((sub / "manifest.json").read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if manifest.get("variant") == sub.name:
                out.append(sub)
    return out


def list_variants(version_dir: Path) -> list[dict]:
    """Manifest of each published variant (with ``folder``), in the order of their names."""
    out = []
    for sub in variant_folders(version_dir):
        data = json.loads((sub / "manifest.json").read_text(encoding="utf-8"))
        data["folder"] = sub.name
        out.append(data)
    return out


def carry_variants(published: Path, stage: Path) -> list[str]:
    """Put the variant folders of the published version folder into its replacement
    (hard links where possible, else copies); returns their names."""
    names = []
    for sub in variant_folders(published):
        target = Path(stage) / sub.name
        if target.exists():
            continue
        shutil.copytree(sub, target, copy_function=_link_or_copy)
        names.append(sub.name)
    return names


def _link_or_copy(src, dst):
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)
    return dst


def headline_specs(front_matter: dict, where) -> list[dict]:
    spec = (front_matter.get("evalreport") or {}).get("headline")
    if spec is None:
        return []
    items = spec if isinstance(spec, list) else [spec]
    out = []
    for item in items:
        if isinstance(item, str):
            out.append({"table": item})
        elif isinstance(item, dict) and isinstance(item.get("table"), str):
            out.append({"table": item["table"], "columns": item.get("columns"), "rows": item.get("rows")})
        else:
            from ..errors import EvalReportError
            raise EvalReportError(f"{where}: evalreport: headline: skriv tabellernes id, fx [tbl-effekt], "
                                  "eller {table: tbl-effekt, columns: [...], rows: [...]}")
    return out


def check_headline(slug: str, variant, tables_dir: Path, specs: list[dict], min_count: int) -> None:
    """Raise :class:`HeadlineSuppressed` when every headline cell is hidden or empty."""
    if not specs:
        return
    hidden = EMPTY | {"..", f"<{min_count}"}
    names = []
    for spec in specs:
        tid = spec["table"]
        meta_path, grid_path = tables_dir / f"{tid}.json", tables_dir / f"{tid}.display.csv"
        if not (meta_path.is_file() and grid_path.is_file()):
            names.append(f"{tid} (vises ikke)")
            continue
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        with grid_path.open(encoding="utf-8", newline="") as fh:
            grid = list(csv.reader(fh))
        columns = meta.get("columns") or []
        rows = meta.get("rows") or [{"key": r[0], "label": r[0]} for r in grid[1:]]
        want_cols, want_rows = spec.get("columns"), spec.get("rows")
        for i, row in enumerate(rows, start=1):
            if want_rows and row.get("key") not in want_rows and row.get("label") not in want_rows:
                continue
            if row.get("kind") in ("panel", "subhead") or i >= len(grid):
                continue
            for j, col in enumerate(columns, start=1):
                if want_cols and col.get("key") not in want_cols and col.get("label") not in want_cols:
                    continue
                if j < len(grid[i]) and grid[i][j].strip() not in hidden:
                    return                              # one headline number is shown: publish
        names.append(" ".join(x for x in (meta.get("number"), f"({meta.get('caption')})"
                                          if meta.get("caption") else tid) if x))
    what = f"Varianten '{variant.name}' ({variant.describe()}) af '{slug}'" if variant is not None \
        else f"Rapporten '{slug}'"
    raise HeadlineSuppressed(
        f"{what} udgives ikke: alle hovedresultater ville være skjult af diskretionshensyn (under "
        f"{min_count} personer bag tallene) eller kunne ikke beregnes – {'; '.join(names)}. "
        "Intet af den er udgivet.", slug, variant.name if variant is not None else None)


def variant_versions(report_dir: Path, variant: str) -> list[Path]:
    """The published folders of one variant, newest version first."""
    from .site import version_key

    found = []
    for version_dir in Path(report_dir).iterdir() if Path(report_dir).is_dir() else []:
        folder = version_dir / variant
        if not version_dir.name.startswith(".") and folder in variant_folders(version_dir):
            found.append(folder)
    return sorted(found, key=lambda f: version_key(f.parent.name), reverse=True)


def side_label(manifest: dict | None, folder: Path) -> str:
    """How a diff names a published folder: ``1.0.0``, or ``1.0.0/kerteminde`` for a variant."""
    manifest = manifest or {}
    version = manifest.get("version") or folder.name
    return f"{version}/{manifest['variant']}" if manifest.get("variant") else version
