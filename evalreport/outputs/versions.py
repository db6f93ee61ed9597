"""Version folders: a published version is immutable, whole and readable.

* :func:`validate_version` accepts only a version written as text of the form
  ``1.0.0`` (``1.10`` read by YAML as the number 1.1, or a block scalar's
  trailing newline, are rejected rather than published as a look-alike folder).
* :func:`content_of` is what a reader sees of a version: the HTML without the
  build stamp, every table file and every figure. :func:`published_changes`
  compares it before a version is replaced and lists what would change
  (tables cell by cell, paragraphs of text, figures).
* :func:`publish_folder` puts a staged folder in place
  (:func:`evalreport.outputs.atomic.swap_into_place`), keeping the artefacts
  this build did not make (the PDF on ``--to html``, the HTML on ``--to pdf``)
  when the content is the same.
"""
from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

from ..errors import EvalReportError
from .atomic import make_readable, swap_into_place
from .manifest import read_manifest, sha256_file, tables_fingerprint, write_manifest

__all__ = ["VersionExistsError", "validate_version", "next_version", "content_of", "html_digest",
           "published_changes", "publish_folder", "swap_into_place"]

VERSION_RE = re.compile(r"[0-9]+(\.[0-9]+){0,3}([-+][0-9A-Za-z.-]+)?")
_STAMP = re.compile(r'<(\w+)[^>]*\bid="build-stamp"[^>]*>.*?</\1>', re.S)


class VersionExistsError(EvalReportError):
    """The version is published already and this build would change its content."""

    def __init__(self, slug: str, version: str, changes: list[str], folder: Path):
        self.slug, self.version, self.changes, self.folder = slug, version, changes, folder
        listing = "".join(f"\n  {c}" for c in changes[:30])
        more = f"\n  … og {len(changes) - 30} ændringer mere" if len(changes) > 30 else ""
        super().__init__(
            f"Version {version} af '{slug}' er allerede udgivet ({folder}), og denne bygning "
            f"ændrer dens indhold:{listing}{more}\n"
            f"En udgivet version ændres ikke. Hæv versionen i rapportens forside "
            f"(fx version: {next_version(version)}), eller byg med --force for at overskrive den.")


def validate_version(value, where) -> str:
    """The front matter's ``version`` as a folder name, or an EvalReportError saying why not."""
    if value is None:
        return "0.0.0"
    if not isinstance(value, str):
        raise EvalReportError(
            f"{where}: version: {value!r} er ikke skrevet som tekst (YAML læser fx 1.10 som tallet 1.1). "
            f"Skriv versionen i anførselstegn, fx version: \"{value}\", eller med tre led, fx 1.0.0")
    if not VERSION_RE.fullmatch(value):
        raise EvalReportError(f"{where}: ugyldig version {value!r} i forsiden (brug fx 1.0.0, uden "
                              "mellemrum og linjeskift)")
    return value


def next_version(version: str) -> str:
    """The next patch version: 1.0.0 -> 1.0.1 (a pre-release/build suffix is dropped)."""
    core = re.split(r"[-+]", version, maxsplit=1)[0].split(".")
    if core and core[-1].isdigit():
        core[-1] = str(int(core[-1]) + 1)
    return ".".join(core)


def html_digest(html: str) -> str:
    """SHA-256 of a page without its build stamp (the only build-dependent element)."""
    return hashlib.sha256(_STAMP.sub("", html).encode("utf-8")).hexdigest()


def content_of(folder: Path, html: str | None = None) -> dict:
    """What a reader sees: ``{"html": digest or None, "tables": {...}, "figures": {...}}``."""
    folder = Path(folder)
    if html is None and (folder / "index.html").is_file():
        html = (folder / "index.html").read_text(encoding="utf-8")
    figures = folder / "figures"
    return {"html": html_digest(html) if html is not None else None,
            "tables": tables_fingerprint(folder / "tables"),
            "figures": {f.name: sha256_file(f) for f in sorted(figures.iterdir()) if f.is_file()}
            if figures.is_dir() else {}}


def _recorded_content(folder: Path) -> dict | None:
    """The content of a version folder, from its files (a tampered file counts); the HTML
    digest of a version published without HTML comes from its manifest."""
    manifest = read_manifest(folder)
    if manifest is None:
        return None
    content = content_of(folder)
    if content["html"] is None:
        content["html"] = (manifest.get("content") or {}).get("html")
    return content


def published_changes(published: Path, candidate: Path) -> list[str]:
    """What replacing the published version folder by ``candidate`` changes (one line each;
    empty when it is not published or nothing a reader sees changes)."""
    old, new = _recorded_content(published), _recorded_content(candidate)
    if old is None or new is None:
        return []
    lines: list[str] = []
    from .diff import change_lines, compare, side
    result = compare(side(published), side(candidate), prose=old["html"] != new["html"])
    if old["tables"] != new["tables"]:
        lines += change_lines(result) or ["tabelfilerne er ændret"]
    if old["html"] and new["html"] and old["html"] != new["html"]:
        for p in result.prose[:20]:
            text = (p.new or p.old)[:100]
            lines.append(f"tekst ({p.section or 'indledning'}): {dict(changed='ændret afsnit', added='nyt afsnit', removed='fjernet afsnit')[p.kind]}: {text}")
        if len(result.prose) > 20:
            lines.append(f"tekst: … og {len(result.prose) - 20} afsnit mere")
        if not result.prose:
            lines.append("HTML-siden er ændret (ud over byggestemplet), uden ændret brødtekst")
    if old["figures"] != new["figures"]:
        for name in sorted(set(old["figures"]) | set(new["figures"])):
            if old["figures"].get(name) != new["figures"].get(name):
                what = ("ny figur" if name not in old["figures"] else "fjernet figur"
                        if name not in new["figures"] else "figur ændret")
                lines.append(f"figures/{name}: {what}")
    return lines


def publish_folder(stage: Path, target: Path, *, made: tuple[str, ...] = ("html", "pdf"),
                   same_content: bool = True, warn=None) -> Path:
    """Replace ``target`` by ``stage`` in one step, keeping what this build did not make.

    ``made`` says which formats were asked for. After ``--to html`` the published
    PDF of the version is kept when the content is the same; otherwise it would
    show the old content and is dropped (``warn`` says so). After ``--to pdf`` the
    published HTML is kept byte for byte when the content is the same, and
    replaced by this build's HTML (which the PDF was printed from) when not.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    old = read_manifest(target) if target.exists() else None
    manifest = read_manifest(stage) or {}
    old_pdf = old.get("pdf") if old else None
    if "pdf" not in made and old_pdf and (target / old_pdf).is_file():
        if same_content:
            shutil.copy2(target / old_pdf, stage / old_pdf)
            manifest.update(pdf=old_pdf, pdf_pages=old.get("pdf_pages"))
        elif warn is not None:
            warn(f"indholdet er ændret, så {old_pdf} fra den tidligere bygning af versionen fjernes; "
                 "byg med --to all for at få en ny PDF")
    if "html" not in made and (stage / "index.html").exists():
        if old and old.get("html") and (target / "index.html").is_file():
            if same_content:
                for name in ("index.html", "figures"):
                    src = target / name
                    if src.is_dir():
                        shutil.rmtree(stage / name, ignore_errors=True)
                        shutil.copytree(src, stage / name)
                    elif src.is_file():
                        shutil.copy2(src, stage / name)
            manifest["html"] = "index.html"
        else:
            (stage / "index.html").unlink()          # kept only to compare the content
    write_manifest(stage, manifest)
    if target.is_dir():                  # the version's variants (evalreport.matrix) stay published
        from .variants import carry_variants
        carry_variants(target, stage)
    make_readable(stage)
    swap_into_place(stage, target)
    return target
