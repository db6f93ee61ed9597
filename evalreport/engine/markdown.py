"""Turning a document and its executed outputs into one Pandoc markdown text.

Tables (cells labelled ``tbl-…``) and figures (``fig-…``) become fenced divs
carrying the label as id and the caption in an inner ``.er-caption`` div; the
cross-reference pass numbers them later. Markdown outputs (phrase templates) and
``output: asis`` text are spliced in as markdown; HTML outputs (great-tables)
as raw HTML blocks; images are written to files beside the HTML.

Data never becomes markup (:mod:`evalreport.engine.sanitise`): a plain-string
inline value is escaped; markdown values and every cell's outputs are framed
as untrusted, and :func:`evalreport.engine.sanitise.sanitise_ast` cleans them
after Pandoc has parsed the document.
"""
from __future__ import annotations

import base64
import hashlib
import struct
from pathlib import Path
from typing import TYPE_CHECKING

from .qmd import CodeCell, Markdown, QmdDocument
from .sanitise import escape_markdown, mark_block, mark_inline

if TYPE_CHECKING:       # the kernel machinery is not loaded to render a cached execution
    from .execute import ExecutionResult

_MIME_ORDER = ("text/markdown", "text/html", "image/svg+xml", "image/png", "text/latex", "text/plain")


def to_pandoc_markdown(doc: QmdDocument, result: ExecutionResult, figures_dir: Path) -> str:
    parts: list[str] = []
    for block in doc.blocks:
        if isinstance(block, Markdown):
            parts.append(_fill_inline(block, result.inline.get(id(block))))
        elif isinstance(block, CodeCell):
            parts.append(_cell_markdown(doc, block, result.outputs.get(block.number), figures_dir))
    return "\n\n".join(p for p in parts if p.strip()) + "\n"


def _fill_inline(block: Markdown, values: list | None) -> str:
    if not values:
        return block.text
    return block.fill_inline([inline_markdown(v) for v in values])


def inline_markdown(value) -> str:
    """An inline value as markdown: ``["md", text]`` (a value with ``_repr_markdown_``) is kept as
    markup, framed as untrusted; ``["text", text]`` (anything else, printed with ``str``) is escaped."""
    kind, text = value if isinstance(value, (list, tuple)) else ("text", value)
    return mark_inline(text) if kind == "md" else escape_markdown(text)


def _cell_markdown(doc: QmdDocument, cell: CodeCell, outputs, figures_dir: Path) -> str:
    if doc.option(cell, "include", True) is False or outputs is None:
        return ""
    pieces: list[str] = []
    if doc.option(cell, "echo", False) is True:
        pieces.append(f"```python\n{cell.source.strip()}\n```")
    output_opt = doc.option(cell, "output", True)
    if output_opt is not False:
        asis = output_opt == "asis"
        show_warnings = doc.option(cell, "warning", True) is not False
        for k, out in enumerate(outputs):
            pieces.append(_output_markdown(cell, out, k, asis, show_warnings, figures_dir))
    body = mark_block("\n\n".join(p for p in pieces if p and p.strip()))
    label = cell.label or ""
    if label.startswith("tbl-"):
        return _float_div(label, "er-table", cell.options.get("tbl-cap", ""), body, caption_first=True)
    if label.startswith("fig-"):
        top = _fig_cap_location(doc, cell) == "top"
        return _float_div(label, "er-figure", cell.options.get("fig-cap", ""), body, caption_first=top)
    return body


def _fig_cap_location(doc: QmdDocument, cell: CodeCell) -> str:
    """Quarto's ``fig-cap-location`` (``top`` or ``bottom``, the default): cell option, else front matter."""
    where = cell.options.get("fig-cap-location", doc.front_matter.get("fig-cap-location", "bottom"))
    return "top" if str(where).strip().lower() == "top" else "bottom"


def _float_div(label: str, cls: str, caption: str, body: str, caption_first: bool) -> str:
    cap = f"::: {{.er-caption}}\n{caption}\n:::"
    inner = f"{cap}\n\n{body}" if caption_first else f"{body}\n\n{cap}"
    return f":::: {{#{label} .{cls}}}\n{inner}\n::::"


def _output_markdown(cell: CodeCell, out, k: int, asis: bool, show_warnings: bool,
                     figures_dir: Path) -> str:
    kind = out.get("output_type")
    if kind == "stream":
        text = out.get("text", "")
        if out.get("name") == "stderr":
            if not show_warnings or not text.strip():
                return ""
            return "::: {.er-warning}\n```\n" + text.rstrip() + "\n```\n:::"
        if asis:
            return text
        return "```\n" + text.rstrip() + "\n```" if text.strip() else ""
    if kind not in ("execute_result", "display_data"):
        return ""
    data = out.get("data", {})
    for mime in _MIME_ORDER:
        if mime not in data:
            continue
        value = data[mime]
        if mime == "text/markdown":
            return value
        if mime == "text/html":
            return "```{=html}\n" + _strip_blank_lines(value) + "\n```"
        if mime in ("image/svg+xml", "image/png"):
            return _image(cell, value, mime, k, figures_dir)
        if mime == "text/latex":
            return value
        if mime == "text/plain":
            return value if asis else "```\n" + value + "\n```"
    return ""


def _strip_blank_lines(html: str) -> str:
    # A blank line would end a raw block in some readers; great-tables emits a few.
    return "\n".join(line for line in html.splitlines() if line.strip())


def _image(cell: CodeCell, value: str, mime: str, k: int, figures_dir: Path) -> str:
    figures_dir.mkdir(parents=True, exist_ok=True)
    ext = "svg" if mime == "image/svg+xml" else "png"
    raw = value.encode("utf-8") if ext == "svg" else base64.b64decode(value)
    stem = cell.label or f"celle-{cell.number}"
    name = f"{stem}-{k + 1}.{ext}"
    (figures_dir / name).write_bytes(raw)
    alt = str(cell.options.get("fig-alt", "") or cell.options.get("fig-cap", ""))
    alt = alt.replace("[", "(").replace("]", ")")
    digest = hashlib.sha256(raw).hexdigest()[:8]
    width = f" width={_png_width_inches(raw):.2f}in" if ext == "png" and _png_width_inches(raw) else ""
    # implicit_figures is off, so the bracket text becomes the img's alt attribute.
    return f'![{alt}]({figures_dir.name}/{name}){{data-sha="{digest}"{width}}}'


def _png_width_inches(raw: bytes) -> float | None:
    """The printed width of a PNG from its pHYs chunk (pixels per metre), so a 200-dpi figure
    prints as wide as it was drawn instead of at 96 pixels per inch. None without pHYs."""
    if raw[:8] != b"\x89PNG\r\n\x1a\n" or raw[12:16] != b"IHDR":
        return None
    width = struct.unpack(">I", raw[16:20])[0]
    i = raw.find(b"pHYs", 8, 4096)
    if i < 0:
        return None
    ppx, _, unit = struct.unpack(">IIB", raw[i + 4:i + 13])
    if unit != 1 or ppx == 0:
        return None
    return width / (ppx * 0.0254)
