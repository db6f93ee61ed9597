"""Project configuration: the project root, ``_quarto.yml`` and the reports in it.

The project root is the nearest folder upwards holding ``_quarto.yml``. Reports
are ``reports/<slug>/index.qmd``. evalreport's own settings live under the
``evalreport:`` key of ``_quarto.yml`` (Quarto keeps unknown top-level keys as
metadata, so the file stays valid Quarto).
"""
from __future__ import annotations

import copy
import os
from dataclasses import dataclass
from pathlib import Path

import yaml

from .errors import EvalReportError, UnknownReportError

DEFAULTS = {
    "disclosure": {"min-count": 3},
    "execute": {"timeout": 1200, "max-output-mb": 20},   # per cell: seconds, MB of output
    "output-dir": "_site",
    "site-title": "Evalueringsrapporter",
    "organisation": "",
}


@dataclass(frozen=True)
class Project:
    root: Path
    quarto: dict          # the whole _quarto.yml
    settings: dict        # the evalreport: section merged over DEFAULTS

    @property
    def output_dir(self) -> Path:
        out = self.quarto.get("project", {}).get("output-dir") or self.settings["output-dir"]
        return (self.root / out).resolve()

    @property
    def reports_dir(self) -> Path:
        return self.root / "reports"

    def report_slugs(self) -> list[str]:
        if not self.reports_dir.is_dir():
            return []
        return sorted(p.parent.name for p in self.reports_dir.glob("*/index.qmd"))

    def report_path(self, slug: str) -> Path:
        path = self.reports_dir / slug / "index.qmd"
        if not path.is_file():
            raise UnknownReportError(slug, self.report_slugs())
        return path


def _merge(base: dict, override: dict) -> dict:
    out = copy.deepcopy(base)
    for key, value in (override or {}).items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def find_root(start: Path | None = None) -> Path:
    env = os.environ.get("EVALREPORT_PROJECT")
    if env:
        return Path(env).resolve()
    here = (start or Path.cwd()).resolve()
    for folder in [here, *here.parents]:
        if (folder / "_quarto.yml").is_file():
            return folder
    raise EvalReportError(f"Ingen _quarto.yml fundet i {here} eller mapperne over den; "
                          "kør evalreport fra projektets mappe.")


def load_project(start: Path | None = None) -> Project:
    root = find_root(start)
    path = root / "_quarto.yml"
    try:
        quarto = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise EvalReportError(f"{path}:{(mark.line + 1) if mark else 1}: ugyldig YAML: "
                              f"{getattr(exc, 'problem', exc)}") from None
    settings = _merge(DEFAULTS, quarto.get("evalreport") or {})
    _check_settings(path, settings)
    return Project(root, quarto, settings)


def _check_settings(path: Path, settings: dict) -> None:
    """Settings that protect published numbers cannot be weakened by a typo."""
    m = (settings.get("disclosure") or {}).get("min-count")
    if isinstance(m, bool) or not isinstance(m, int) or m < 3:
        raise EvalReportError(f"{path}: evalreport: disclosure: min-count er {m!r}; den skal være et heltal "
                              "på mindst 3 (Danmarks Statistiks regel: ingen tal for færre end 3 personer)")
    execute = settings.get("execute") or {}
    for key in ("timeout", "max-output-mb"):
        value = execute.get(key)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            raise EvalReportError(f"{path}: evalreport: execute: {key} er {value!r}; brug et positivt tal")


def project_config(start: Path | None = None) -> dict:
    """The ``evalreport:`` settings, for use inside report cells."""
    try:
        return load_project(start).settings
    except EvalReportError:
        return copy.deepcopy(DEFAULTS)


def disclosure_min_count(start: Path | None = None) -> int:
    return int(project_config(start)["disclosure"]["min-count"])
