"""The report fonts: Source Serif Pro (text) and Source Sans Pro (headings, tables'
captions, running heads), from the PyPI packages ``font-source-serif-pro`` and
``font-source-sans-pro``, for the PDF and the HTML alike.

* PDF: ``@font-face`` rules pointing at the package files (machine paths, so
  they are given to WeasyPrint as a separate stylesheet and never written into
  the published HTML); WeasyPrint subsets and embeds them.
* HTML: the same faces subset to the characters a Danish report prints (Latin,
  Latin-1, Latin Extended-A, punctuation, the typographic minus and a few
  mathematical signs) as WOFF2, embedded as ``data:`` URLs so the page stays one
  self-contained file (about 25 kB a face). Subsetting takes a second or two a
  face, so the results are kept in ``$XDG_CACHE_HOME/evalreport/fonts``
  (default ``~/.cache``), keyed by the font file's SHA-256 and the character
  set; they are the same bytes on every build.
"""
from __future__ import annotations

import base64
import functools
import hashlib
import io
import os
from importlib import resources
from pathlib import Path

PACKAGES = (("font_source_serif_pro", "Source Serif Pro", "SourceSerifPro"),
            ("font_source_sans_pro", "Source Sans Pro", "SourceSansPro"))
FACES = (("normal", 400, "Regular"), ("italic", 400, "It"), ("normal", 700, "Bold"),
         ("italic", 700, "BoldIt"), ("normal", 600, "Semibold"), ("italic", 600, "SemiboldIt"))
# Faces the HTML uses (the PDF gets all of FACES).
HTML_FACES = {"Source Serif Pro": ("Regular", "It", "Bold", "BoldIt", "Semibold"),
              "Source Sans Pro": ("Regular", "It", "Semibold", "Bold")}
UNICODES = sorted(set(range(0x20, 0x7F)) | set(range(0xA0, 0x180)) | set(range(0x2000, 0x2070))
                  | {0x20AC, 0x2190, 0x2192, 0x2212, 0x2264, 0x2265, 0x2248, 0x2260, 0x221E, 0x2022})
FEATURES = ["kern", "liga", "calt", "ccmp", "locl", "mark", "mkmk", "tnum", "lnum", "pnum", "onum",
            "frac", "sups", "case"]


def font_files() -> list[tuple[str, str, int, str, Path]]:
    """(family, style, weight, face name, file) for every face that is installed."""
    out = []
    for package, family, prefix in PACKAGES:
        try:
            folder = Path(str(resources.files(package))) / "files"
        except ModuleNotFoundError:
            continue
        for style, weight, suffix in FACES:
            for ext in (".ttf", ".otf"):
                f = folder / f"{prefix}-{suffix}{ext}"
                if f.exists():
                    out.append((family, style, weight, suffix, f))
                    break
    return out


def pdf_font_face_css() -> str:
    """@font-face rules with the package files' paths (for WeasyPrint only)."""
    return "\n".join(
        f'@font-face {{ font-family: "{family}"; font-style: {style}; font-weight: {weight}; '
        f'src: url("{path.as_uri()}"); }}'
        for family, style, weight, _, path in font_files())


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "evalreport" / "fonts"


def _subset_woff2(path: Path) -> bytes:
    data = path.read_bytes()
    key = hashlib.sha256(data + repr((UNICODES, FEATURES)).encode()).hexdigest()[:24]
    cached = _cache_dir() / f"{path.stem}-{key}.woff2"
    if cached.exists():
        return cached.read_bytes()
    from fontTools import subset                  # (a tenth of a second of imports: only when needed)
    from fontTools.ttLib import TTFont

    options = subset.Options()
    options.flavor = "woff2"
    options.layout_features = FEATURES
    options.name_IDs = ["*"]
    options.notdef_outline = True
    font = TTFont(io.BytesIO(data))
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=UNICODES)
    subsetter.subset(font)
    out = io.BytesIO()
    font.flavor = "woff2"
    font.save(out)
    woff2 = out.getvalue()
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(woff2)
        tmp.replace(cached)
    except OSError:
        pass
    return woff2


@functools.lru_cache(maxsize=1)
def html_font_face_css() -> str:
    """@font-face rules with the subset faces as data: URLs (for the HTML pages)."""
    rules = []
    for family, style, weight, face, path in font_files():
        if face not in HTML_FACES.get(family, ()):
            continue
        data = base64.b64encode(_subset_woff2(path)).decode("ascii")
        rules.append(f'@font-face {{ font-family: "{family}"; font-style: {style}; '
                     f'font-weight: {weight}; font-display: swap; '
                     f'src: url(data:font/woff2;base64,{data}) format("woff2"); }}')
    return "\n".join(rules)
