"""TeX math to inline SVG, so formulas print in the PDF as well as on screen.

Written by hand because WeasyPrint renders neither MathML nor MathJax, and the
HTML must stay free of JavaScript to print. matplotlib's mathtext (already a
dependency for figures) draws the usual subset: sub- and superscripts, \\hat,
\\bar, \\frac, Greek letters. The TeX source is kept as the SVG's title/label.
"""
from __future__ import annotations

import html
import io
import re
from functools import lru_cache

_SVG_HEADER = re.compile(r"^.*?(<svg\b)", re.S)


@lru_cache(maxsize=512)
def tex_to_svg(tex: str, display: bool = False, size: float = 12.0) -> str:
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
    return svg
