"""The static site: ``index.html``, each report's ``latest`` page and version diffs.

Layout of a site folder (``_site/`` or a publish destination)::

    index.html                                 every report, its versions and their files
    reports/<slug>/<version>/                  one version folder per build (immutable)
    reports/<slug>/latest/index.html           redirect page to the newest version
    reports/<slug>/diff/<old>_<new>.html       what changed from one version to the next
    reports/<slug>/diff/<old>_<new>.json       ... the same for tools

All links are relative, so the site works from ``file://`` and from any web
server under any sub-path. The website title and navigation of ``_quarto.yml``
(``website: title:``, ``navbar: left/right:``) carry over; a navigation entry
pointing at a report's ``index.qmd`` links to its ``latest`` page, other
``.qmd``/``.md`` entries to the ``.html`` beside them, and local entries whose
target is not in the site are left out (so the site has no dead links).
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from urllib.parse import quote

import jinja2

from ..engine.fonts import html_font_face_css
from ..engine.render import danish_date, template_environment
from .atomic import write_text

SPECIAL_FOLDERS = {"latest", "diff"}
WORKING = "arbejdskopi"


def version_key(version: str):
    parts = re.split(r"[.+-]", version)
    return [(0, int(p)) if p.isdigit() else (1, p) for p in parts]


def report_versions(report_dir: Path) -> list[dict]:
    """The manifests of a report's version folders (named as their version), newest first."""
    out = []
    for folder in report_dir.iterdir() if report_dir.is_dir() else []:
        manifest = folder / "manifest.json"
        if folder.name.startswith(".") or folder.name in SPECIAL_FOLDERS or not manifest.exists():
            continue
        data = json.loads(manifest.read_text(encoding="utf-8"))
        if str(data.get("version")) != folder.name:     # a copied or renamed folder is no version
            continue
        data["folder"] = folder.name
        out.append(data)
    return sorted(out, key=lambda d: version_key(d["version"]), reverse=True)


def write_latest(report_dir: Path) -> None:
    versions = report_versions(report_dir)
    if not versions:
        return
    newest = versions[0]
    target = newest["html"] or newest["pdf"]
    href = f"../{quote(newest['folder'])}/{quote(target)}"
    latest = report_dir / "latest"
    latest.mkdir(exist_ok=True)
    title = jinja2.utils.markupsafe.escape(newest["title"])
    page = (f'<!DOCTYPE html>\n<html lang="da"><head><meta charset="utf-8">'
            f'<meta http-equiv="refresh" content="0; url={href}">'
            f'<title>{title} – seneste version</title></head>'
            f'<body><p>Seneste version: <a href="{href}">'
            f'{newest["version"]}</a></p></body></html>\n')
    write_text(latest / "index.html", page)


def diff_stem(old: str, new: str) -> str:
    """File name (without suffix) of the diff page between two versions."""
    return f"{old}_{new}"


def navigation(project, site_dir: Path, root: str) -> list[dict]:
    """The ``_quarto.yml`` navbar as [{href, text}] with hrefs relative to a page ``root``
    ("" for the index, "../../../" for a diff page)."""
    website = project.quarto.get("website") or {}
    navbar = website.get("navbar") or {}
    if not isinstance(navbar, dict):
        return []
    items: list = []
    for side in ("left", "right"):
        for item in navbar.get(side) or []:
            if isinstance(item, dict) and isinstance(item.get("menu"), list):
                items.extend(item["menu"])
            else:
                items.append(item)
    out = []
    for item in items:
        if isinstance(item, str):
            href, text = item, Path(item).stem
        elif isinstance(item, dict):
            href = item.get("href") or item.get("file") or ""
            text = item.get("text") or item.get("title") or item.get("icon") or Path(href).stem
        else:
            continue
        href = str(href)
        if not href:
            continue
        if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:|^//|^#", href):
            out.append({"href": href, "text": str(text)})
            continue
        path, _, frag = href.lstrip("/").partition("#")
        m = re.match(r"^(?:\./)?reports/([^/]+)/index\.qmd$", path)
        if m:
            path = f"reports/{m.group(1)}/latest/index.html"
        elif path.endswith((".qmd", ".md", ".ipynb")):
            path = path.rsplit(".", 1)[0] + ".html"
        target = site_dir / path
        if path not in ("", "index.html") and not (target.is_file() or (target.is_dir() and (target / "index.html").is_file())):
            continue
        out.append({"href": root + quote(path) + (f"#{frag}" if frag else ""), "text": str(text)})
    return out


def site_title(project) -> str:
    website = project.quarto.get("website") or {}
    return website.get("title") or project.settings["site-title"]


def _version_href(slug: str, side) -> str | None:
    """Link from a diff page (reports/<slug>/diff/) to a side's HTML, if it is a site version."""
    if not getattr(side, "site_version", False):
        return None
    name = (side.manifest or {}).get("html") or (side.manifest or {}).get("pdf")
    # a variant lives one folder deeper: reports/<slug>/<version>/<variant>/
    folder = f"{side.folder.parent.name}/{side.folder.name}" if (side.manifest or {}).get("variant") \
        else side.folder.name
    return f"../{quote(folder)}/{quote(name)}" if name else None


def write_diff_page(project, site_dir: Path, slug: str, result, stem: str) -> Path:
    """Write ``reports/<slug>/diff/<stem>.html`` and ``.json`` for a diff result."""
    from . import diff as D

    folder = site_dir / "reports" / slug / "diff"
    root = "../../../"
    D.write_json(result, folder / f"{stem}.json")
    return D.write_html(result, folder / f"{stem}.html", root=root,
                        nav=navigation(project, site_dir, root), site_title=site_title(project),
                        version_href=lambda s: _version_href(slug, s))


def write_version_diffs(project, site_dir: Path, slug: str) -> dict[str, str]:
    """Diff pages between consecutive versions, and between the same variant in both; returns
    version folder (``<version>/<variant>`` for a variant) -> href from the index.

    A page is rewritten only when missing or made from other manifests than the
    two versions have now (versions are immutable, so a page stays valid).
    """
    from . import diff as D

    report_dir = site_dir / "reports" / slug
    versions = report_versions(report_dir)
    links: dict[str, str] = {}
    for newer, older in zip(versions, versions[1:]):
        stem = diff_stem(older["folder"], newer["folder"])
        try:
            if not _diff_is_current(report_dir, stem, older["folder"], newer["folder"]):
                result = D.compare(D.side(report_dir / older["folder"], site_version=True),
                                   D.side(report_dir / newer["folder"], site_version=True),
                                   report=slug)
                write_diff_page(project, site_dir, slug, result, stem)
        except Exception as exc:  # a damaged old version must not stop the site
            print(f"[{slug}] ADVARSEL: kunne ikke lave diff {older['folder']} -> {newer['folder']}: "
                  f"{type(exc).__name__}: {exc}", file=sys.stderr)
            continue
        links[newer["folder"]] = f"reports/{quote(slug)}/diff/{quote(stem)}.html"
        # the same variant in both versions (evalreport.matrix): its own page, <old>_<new>_<variant>
        from .variants import variant_folders

        for sub in variant_folders(report_dir / newer["folder"]):
            old_sub = f"{older['folder']}/{sub.name}"
            if not (report_dir / old_sub / "manifest.json").is_file():
                continue
            vstem, new_sub = f"{stem}_{sub.name}", f"{newer['folder']}/{sub.name}"
            try:
                if not _diff_is_current(report_dir, vstem, old_sub, new_sub):
                    result = D.compare(D.side(report_dir / old_sub, site_version=True),
                                       D.side(report_dir / new_sub, site_version=True), report=slug)
                    write_diff_page(project, site_dir, slug, result, vstem)
            except Exception as exc:  # as above
                print(f"[{slug}] ADVARSEL: kunne ikke lave diff {old_sub} -> {new_sub}: "
                      f"{type(exc).__name__}: {exc}", file=sys.stderr)
                continue
            links[new_sub] = f"reports/{quote(slug)}/diff/{quote(vstem)}.html"
    return links


def _diff_is_current(report_dir: Path, stem: str, old_folder: str, new_folder: str) -> bool:
    """The diff page exists and was made from exactly these two manifests."""
    from .manifest import sha256_file

    page, data = report_dir / "diff" / f"{stem}.html", report_dir / "diff" / f"{stem}.json"
    if not (page.exists() and data.exists()):
        return False
    try:
        meta = json.loads(data.read_text(encoding="utf-8"))
        return (meta["old"].get("manifest_sha256") == sha256_file(report_dir / old_folder / "manifest.json")
                and meta["new"].get("manifest_sha256") == sha256_file(report_dir / new_folder / "manifest.json"))
    except (ValueError, KeyError, OSError, AttributeError):
        return False


def _tables_of(version_dir: Path) -> list[dict]:
    from .diff import table_ids

    out = []
    tables = version_dir / "tables"
    for tid in table_ids(tables):
        meta = {}
        if (tables / f"{tid}.json").exists():
            try:
                meta = json.loads((tables / f"{tid}.json").read_text(encoding="utf-8"))
            except ValueError:
                meta = {}
        files = {kind: f"{tid}{suffix}" for kind, suffix in
                 (("display", ".display.csv"), ("raw", ".raw.csv"), ("json", ".json"))
                 if (tables / f"{tid}{suffix}").exists()}
        out.append({"id": tid, "number": meta.get("number") or "", "caption": meta.get("caption") or "",
                    "files": files})
    return out


_DESCRIPTION = re.compile(r'<meta name="description" content="([^"]*)"')


def _evaluation(version_dir: Path, manifest: dict) -> str:
    """What the report evaluates: its page's description (front matter ``description:``),
    else its subtitle."""
    page = version_dir / (manifest.get("html") or "index.html")
    try:
        with open(page, encoding="utf-8") as fh:
            m = _DESCRIPTION.search(fh.read(20000))
    except OSError:
        m = None
    import html as _html

    return _html.unescape(m.group(1)) if m and m.group(1) else (manifest.get("subtitle") or "")


def _variants_of(version_dir: Path, base: str, diffs: dict, previous: str | None) -> list[dict]:
    """The published variants of a version (evalreport.matrix) with their links from the index
    (``diffs``: write_version_diffs' links, ``previous``: the version before)."""
    from .variants import list_variants

    return [{"name": m["folder"], "label": m.get("variant_label") or m["folder"], "title": m.get("title"),
             "html": f"{base}{quote(m['folder'])}/{quote(m['html'])}" if m.get("html") else None,
             "pdf": f"{base}{quote(m['folder'])}/{quote(m['pdf'])}" if m.get("pdf") else None,
             "pdf_pages": m.get("pdf_pages"), "previous": previous,
             "diff_href": diffs.get(f"{version_dir.name}/{m['folder']}")} for m in list_variants(version_dir)]


def write_site(project, site_dir: Path | None = None) -> Path:
    """Write ``latest/``, the version diffs and ``index.html`` of a site folder.

    Lists every report with versions in the folder (also reports no longer in
    the project: a published version is never dropped).
    """
    out = Path(site_dir) if site_dir is not None else project.output_dir
    slugs = set(project.report_slugs())
    if (out / "reports").is_dir():
        slugs |= {p.name for p in (out / "reports").iterdir() if p.is_dir() and not p.name.startswith(".")}
    reports = []
    for slug in sorted(slugs):
        report_dir = out / "reports" / slug
        versions = report_versions(report_dir)
        if not versions:
            continue
        write_latest(report_dir)
        diffs = write_version_diffs(project, out, slug)
        rows = []
        for i, v in enumerate(versions):
            base = f"reports/{quote(slug)}/{quote(v['folder'])}/"
            rows.append({
                **v,
                "base": base,
                "built_date": danish_date(str(v.get("built", ""))[:10]),
                "date_display": danish_date(v.get("date")) if v.get("date") else "",
                "tables_list": _tables_of(report_dir / v["folder"]),
                "diff_href": diffs.get(v["folder"]),
                "previous": versions[i + 1]["version"] if i + 1 < len(versions) else None,
                "variants": _variants_of(report_dir / v["folder"], base, diffs,
                                         versions[i + 1]["version"] if i + 1 < len(versions) else None),
            })
        reports.append({"slug": slug, "title": versions[0]["title"],
                        "subtitle": versions[0].get("subtitle", ""), "versions": rows,
                        "evaluation": _evaluation(report_dir / versions[0]["folder"], versions[0]),
                        "latest": f"reports/{quote(slug)}/latest/index.html"})
    env = template_environment("site", autoescape=True)
    env.filters["danish_date"] = danish_date
    env.filters["q"] = lambda s: quote(str(s))
    html = env.get_template("site_index.html.j2").render(
        title=site_title(project), subtitle=project.settings.get("site-title", ""), reports=reports,
        navbar=navigation(project, out, ""), fonts=jinja2.utils.markupsafe.Markup(html_font_face_css()))
    out.mkdir(parents=True, exist_ok=True)
    return write_text(out / "index.html", html)


def write_site_index(project) -> Path:
    """The project's own site (``_site``): latest pages, version diffs and index."""
    return write_site(project, project.output_dir)
