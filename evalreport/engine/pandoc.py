"""Pandoc 3 (from pypandoc-binary): markdown → AST → our passes → HTML body.

Two Pandoc runs: the first only parses (so the cross-reference pass sees
``@tbl-x`` as citations before citeproc would complain about them); the second
writes HTML with citeproc (the report's ``references.bib``, author–year, Danish
locale) and footnotes.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pypandoc

from ..errors import CrossRefError
from .crossref import CrossReferencer, NumberingStyle, TocEntry, apply_crossrefs
from .mathsvg import tex_to_svg
from .sanitise import sanitise_ast
from .typeset import join_split_ordered_lists

READER = "markdown-implicit_figures+raw_html+raw_attribute+fenced_divs+bracketed_spans+footnotes+inline_notes+citations+tex_math_dollars"


@dataclass
class HtmlBody:
    html: str
    toc: list[TocEntry]
    xref: CrossReferencer


def pandoc_version() -> str:
    return pypandoc.get_pandoc_version()


def markdown_to_ast(md: str) -> dict:
    return json.loads(pypandoc.convert_text(md, "json", format=READER))


def render_body(md: str, *, style: NumberingStyle, bibliography: Path | None = None,
                csl: Path | None = None, source: Path | None = None) -> HtmlBody:
    ast = sanitise_ast(markdown_to_ast(md))      # cell output and markdown values: allowlist only
    ast["blocks"] = join_split_ordered_lists(ast["blocks"])
    xref = apply_crossrefs(ast, style)
    if xref.unresolved:
        where = f" i {source}" if source else ""
        lines = _find_lines(source, xref.unresolved)
        raise CrossRefError(
            f"ukendte krydsreferencer{where}: "
            + ", ".join(f"@{r}" + (f" (linje {lines[r]})" if r in lines else "") for r in xref.unresolved)
            + ". Findes der en celle med '#| label: …' eller en overskrift med {#…}?")
    ast["blocks"] = _math_to_svg(ast["blocks"])
    args = ["--wrap=none", "--metadata=lang:da-DK", "--metadata=link-citations:true",
            "--metadata=reference-section-title:Litteratur", "--section-divs"]
    if bibliography is not None:
        args += ["--citeproc", f"--bibliography={bibliography}"]
        if csl is not None:
            args.append(f"--csl={csl}")
    html = pypandoc.convert_text(json.dumps(ast), "html5", format="json", extra_args=args)
    return HtmlBody(html, xref.toc, xref)


def _math_to_svg(node):
    if isinstance(node, list):
        return [_math_to_svg(x) for x in node]
    if isinstance(node, dict):
        if node.get("t") == "Math":
            kind, tex = node["c"]
            display = kind.get("t") == "DisplayMath"
            svg = tex_to_svg(tex, display)
            cls = "math display" if display else "math inline"
            tag = "span"
            return {"t": "RawInline", "c": ["html", f'<{tag} class="{cls}">{svg}</{tag}>']}
        if "c" in node:
            node["c"] = _math_to_svg(node["c"])
    return node


def _find_lines(source: Path | None, refs: list[str]) -> dict[str, int]:
    if source is None or not Path(source).exists():
        return {}
    found = {}
    for n, line in enumerate(Path(source).read_text(encoding="utf-8").splitlines(), start=1):
        for ref in refs:
            if ref not in found and f"@{ref}" in line:
                found[ref] = n
    return found
