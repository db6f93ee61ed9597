"""TeX math to inline SVG, so formulas print in the PDF as well as on screen.

Written by hand because WeasyPrint renders neither MathML nor MathJax, and the
HTML must stay free of JavaScript to print. matplotlib's mathtext (already a
dependency for figures) draws the usual subset: sub- and superscripts, \\hat,
\\bar, \\frac, Greek letters. The TeX source is kept as the SVG's title/label.

Drawing is slow (pyparsing; 40 formulas take seconds), so a build points
:func:`use_disk_cache` at a folder of the build cache and each formula is drawn
once per TeX source, size, matplotlib version and version of this file.
"""
from __future__ import annotations

import hashlib
import html
import io
import os
import re
import tempfile
from functools import lru_cache
from pathlib import Path

_SVG_HEADER = re.compile(r"^.*?(<svg\b)", re.S)
_disk: Path | None = None


def use_disk_cache(folder: Path | None) -> None:
    """Remember drawn formulas in ``folder`` (None: only in memory)."""
    global _disk
    _disk = Path(folder) if folder is not None else None


@lru_cache(maxsize=1)
def _version_key() -> str:
    from importlib.metadata import version
    return hashlib.sha256((version("matplotlib") + Path(__file__).read_text(encoding="utf-8"))
                          .encode("utf-8")).hexdigest()


@lru_cache(maxsize=512)
def tex_to_svg(tex: str, display: bool = False, size: float = 12.0) -> str:
    if _disk is None:
        return _draw(tex, display, size)
    key = hashlib.sha256(repr((tex, display, size, _version_key())).encode("utf-8")).hexdigest()
    path = _disk / key[:2] / f"{key}.svg"
    try:                          # first line: the SHA-256 of the rest (a damaged file is redrawn)
        check, _, svg = path.read_text(encoding="utf-8").partition("\n")
        if hashlib.sha256(svg.encode("utf-8")).hexdigest() == check:
            return svg
    except (OSError, UnicodeDecodeError):
        pass
    svg = _draw(tex, display, size)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".svg-")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(hashlib.sha256(svg.encode("utf-8")).hexdigest() + "\n" + svg)
        os.replace(tmp, path)
    except OSError:
        pass
    return svg


def _draw(tex: str, display: bool, size: float) -> str:
    import matplotlib
    matplotlib.use("Agg", force=False)
    from matplotlib.font_manager import FontProperties
    from matplotlib.mathtext import math_to_image

    matplotlib.rcParams["svg.hashsalt"] = "evalreport-math"
    matplotlib.rcParams["mathtext.fontset"] = "stix"
    buf = io.BytesIO()
    source = tex.strip().replace("\n", " ")
    if display:
        # Display formulas keep full-size fractions, as TeX's display style does.
        source = re.sub(r"\\frac(?=\s*\{)", r"\\dfrac", source)
    try:
        math_to_image(f"${source}$", buf, prop=FontProperties(size=size * (1.15 if display else 1.0)),
                      format="svg")
    except ValueError as exc:
        raise ValueError(f"formlen kan ikke tegnes: ${tex}$ ({exc})") from None
    svg = buf.getvalue().decode("utf-8")
    svg = _SVG_HEADER.sub(r"\1", svg, count=1)
    # Drop the creation metadata block; it carries no date with hashsalt set but
    # does carry matplotlib's version, which would change the HTML on upgrades.
    svg = re.sub(r"<metadata>.*?</metadata>", "", svg, flags=re.S)
    # math_to_image paints a white background; the formula should sit on the page.
    svg = svg.replace('style="fill: #ffffff"', 'style="fill: none"', 1)
    label = html.escape(tex.strip(), quote=True)
    svg = svg.replace("<svg ", f'<svg role="img" aria-label="{label}" class="math-svg" ', 1)
    # <title> is what WeasyPrint's PDF/UA tagging reads as the formula's alternate text.
    svg = re.sub(r"(<svg\b[^>]*>)", lambda m: f"{m.group(1)}<title>{label}</title>", svg, count=1)
    return svg
