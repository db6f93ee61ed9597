"""The static site: ``_site/index.html`` and each report's ``latest`` page.

All links are relative, so the site works from ``file://`` and from any web
server under any sub-path.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import jinja2

from .render import TEMPLATES, danish_date


def version_key(version: str):
    parts = re.split(r"[.+-]", version)
    return [(0, int(p)) if p.isdigit() else (1, p) for p in parts]


def report_versions(report_dir: Path) -> list[dict]:
    out = []
    for folder in report_dir.iterdir() if report_dir.is_dir() else []:
        manifest = folder / "manifest.json"
        if folder.name.startswith(".") or folder.name == "latest" or not manifest.exists():
            continue
        data = json.loads(manifest.read_text(encoding="utf-8"))
        data["folder"] = folder.name
        out.append(data)
    return sorted(out, key=lambda d: version_key(d["version"]), reverse=True)


def write_latest(report_dir: Path) -> None:
    versions = report_versions(report_dir)
    if not versions:
        return
    newest = versions[0]
    target = newest["html"] or newest["pdf"]
    latest = report_dir / "latest"
    latest.mkdir(exist_ok=True)
    page = (f'<!DOCTYPE html>\n<html lang="da"><head><meta charset="utf-8">'
            f'<meta http-equiv="refresh" content="0; url=../{newest["folder"]}/{target}">'
            f'<title>{newest["title"]} – seneste version</title></head>'
            f'<body><p>Seneste version: <a href="../{newest["folder"]}/{target}">'
            f'{newest["version"]}</a></p></body></html>\n')
    (latest / "index.html").write_text(page, encoding="utf-8")


def write_site_index(project) -> Path:
    out = project.output_dir
    reports = []
    for slug in project.report_slugs():
        versions = report_versions(out / "reports" / slug)
        if versions:
            reports.append({"slug": slug, "title": versions[0]["title"],
                            "subtitle": versions[0].get("subtitle", ""), "versions": versions})
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True)
    env.filters["danish_date"] = danish_date
    website = project.quarto.get("website") or {}
    html = env.get_template("site_index.html.j2").render(
        title=website.get("title") or project.settings["site-title"],
        subtitle=project.settings.get("site-title", ""), reports=reports,
        navbar=(website.get("navbar") or {}).get("left", []))
    path = out / "index.html"
    tmp = path.with_suffix(".html.tmp")
    tmp.write_text(html, encoding="utf-8")
    tmp.replace(path)
    return path
