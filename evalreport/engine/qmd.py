"""Reading Quarto ``.qmd`` documents: front matter, executable cells, inline code.

Written by hand because the maintained readers cannot be used here: jupytext's
``.qmd`` support shells out to ``quarto convert``, and the Quarto CLI cannot be
installed on this project's machines (anchors.md §6.1). The subset read is what
Quarto documents for Python: YAML front matter between ``---`` lines, fenced
cells opened by ```` ```{python} ```` with ``#|`` option lines at their top, and
inline expressions written `` `{python} expr` ``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..errors import QmdSyntaxError

# Options a cell may carry. Anything else is an error so typos do not pass silently.
CELL_OPTIONS = {
    "label", "tbl-cap", "fig-cap", "fig-alt", "fig-cap-location", "echo", "output", "include", "eval",
    "warning", "error", "tags", "tbl-colwidths", "fig-width", "fig-height", "code-fold",
    "message",
}
EXECUTABLE_LANGUAGES = {"python"}

_OPEN_CELL = re.compile(r"^(?P<indent>\s{0,3})(?P<fence>`{3,})\s*\{(?P<lang>[A-Za-z0-9_+-]+)(?P<attrs>[^}]*)\}\s*$")
_OPEN_PLAIN = re.compile(r"^\s{0,3}(?P<fence>`{3,}|~{3,})")
_INLINE = re.compile(r"`\{python\}\s+(?P<expr>[^`]+?)`")


@dataclass
class Markdown:
    text: str
    line: int  # 1-based line of the first line of text in the .qmd

    def segments(self) -> list[tuple[bool, str]]:
        """The text split into (is_code_block, text) pieces; inline code runs only outside code."""
        out: list[tuple[bool, str]] = []
        lines = self.text.split("\n")
        buf: list[str] = []
        i = 0
        while i < len(lines):
            m = _OPEN_PLAIN.match(lines[i])
            end = _find_closing_fence(lines, i + 1, m.group("fence")) if m else None
            if m and end is not None:
                if buf:
                    out.append((False, "\n".join(buf)))
                    buf = []
                out.append((True, "\n".join(lines[i:end + 1])))
                i = end + 1
                continue
            buf.append(lines[i])
            i += 1
        if buf:
            out.append((False, "\n".join(buf)))
        return out

    @property
    def inline_expressions(self) -> list[str]:
        return [m.group("expr").strip() for code, text in self.segments() if not code
                for m in _INLINE.finditer(text)]

    def fill_inline(self, values: list[str]) -> str:
        it = iter(values)
        return "\n".join(text if code else _INLINE.sub(lambda m: next(it), text)
                         for code, text in self.segments())


@dataclass
class CodeCell:
    source: str                     # code without the #| option lines
    options: dict
    line: int                       # 1-based line of the opening fence
    number: int                     # 1-based count among the document's code cells
    language: str = "python"
    code_line: int = 0              # 1-based line of the first code line after the options

    @property
    def label(self) -> str | None:
        return self.options.get("label")

    @property
    def tags(self) -> list[str]:
        tags = self.options.get("tags", [])
        return [tags] if isinstance(tags, str) else list(tags)

    @property
    def is_parameters(self) -> bool:
        return "parameters" in self.tags


@dataclass
class QmdDocument:
    path: Path
    front_matter: dict
    blocks: list = field(default_factory=list)  # Markdown and CodeCell in order

    @property
    def cells(self) -> list[CodeCell]:
        return [b for b in self.blocks if isinstance(b, CodeCell)]

    def parameter_defaults(self) -> dict:
        """Names and literal values assigned in the parameters cell (``seed = 2020``)."""
        return {k: v for k, v in declared_parameters(self).items() if v is not ...}

    def option(self, cell: CodeCell, name: str, default=None):
        """A cell option, falling back to the document's ``execute:`` defaults."""
        if name in cell.options:
            return cell.options[name]
        execute = self.front_matter.get("execute") or {}
        return execute.get(name, default)


def read_qmd(path) -> QmdDocument:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise QmdSyntaxError(path, 0, "filen findes ikke") from None
    except UnicodeDecodeError as exc:
        line = text_line_of_offset(path.read_bytes(), exc.start)
        raise QmdSyntaxError(path, line, "filen er ikke gyldig UTF-8") from None
    return parse_qmd(text, path)


def text_line_of_offset(data: bytes, offset: int) -> int:
    return data[:offset].count(b"\n") + 1


def parse_qmd(text: str, path="<string>") -> QmdDocument:
    lines = text.replace("\r\n", "\n").split("\n")
    front, start = _parse_front_matter(lines, path)
    doc = QmdDocument(Path(path), front)
    md_lines: list[str] = []
    md_start = start + 1
    i = start
    number = 0

    def flush_markdown(next_line: int):
        nonlocal md_lines, md_start
        if md_lines and any(s.strip() for s in md_lines):
            doc.blocks.append(Markdown("\n".join(md_lines), md_start))
        md_lines = []
        md_start = next_line

    while i < len(lines):
        line = lines[i]
        cell = _OPEN_CELL.match(line)
        if cell:
            flush_markdown(i + 1)
            fence, lang = cell.group("fence"), cell.group("lang").lower()
            end = _find_closing_fence(lines, i + 1, fence)
            if end is None:
                raise QmdSyntaxError(path, i + 1, f"kodecellen ```{{{lang}}} lukkes aldrig (mangler {fence})")
            if lang not in EXECUTABLE_LANGUAGES:
                raise QmdSyntaxError(
                    path, i + 1,
                    f"kodeceller i '{lang}' kan ikke køres; evalreport kører kun ```{{python}}-celler")
            number += 1
            body = lines[i + 1:end]
            options, code = _parse_cell_options(body, path, i + 2)
            options.update(_parse_fence_attrs(cell.group("attrs"), path, i + 1))
            code_line = i + 2 + (len(body) - len(code))
            doc.blocks.append(CodeCell("\n".join(code), options, i + 1, number, lang, code_line))
            i = end + 1
            md_start = i + 1
            continue
        plain = _OPEN_PLAIN.match(line)
        if plain:
            # An ordinary (non-executed) fenced block: copy it through untouched, so
            # that a ```{python} inside it is shown rather than run.
            end = _find_closing_fence(lines, i + 1, plain.group("fence"))
            if end is None:
                raise QmdSyntaxError(path, i + 1, "kodeblokken lukkes aldrig")
            md_lines.extend(lines[i:end + 1])
            i = end + 1
            continue
        md_lines.append(line)
        i += 1
    flush_markdown(len(lines) + 1)
    _check_inline(doc, path)
    _check_labels(doc, path)
    return doc


def _parse_front_matter(lines: list[str], path) -> tuple[dict, int]:
    if not lines or lines[0].strip() != "---":
        return {}, 0
    for j in range(1, len(lines)):
        if lines[j].strip() in ("---", "..."):
            try:
                data = yaml.safe_load("\n".join(lines[1:j])) or {}
            except yaml.YAMLError as exc:
                mark = getattr(exc, "problem_mark", None)
                line = (mark.line + 2) if mark else 1
                problem = getattr(exc, "problem", None) or str(exc)
                raise QmdSyntaxError(path, line, f"ugyldig YAML i forsiden (front matter): {problem}") from None
            if not isinstance(data, dict):
                raise QmdSyntaxError(path, 2, "forsiden (front matter) skal være en YAML-mapping (nøgle: værdi)")
            return data, j + 1
    raise QmdSyntaxError(path, 1, "forsiden (front matter) startes med '---' men afsluttes aldrig")


def _find_closing_fence(lines: list[str], start: int, fence: str) -> int | None:
    char = fence[0]
    pattern = re.compile(r"^\s{0,3}" + re.escape(char) + "{" + str(len(fence)) + r",}\s*$")
    for j in range(start, len(lines)):
        if pattern.match(lines[j]):
            return j
    return None


def _load_yaml(text: str):
    """``yaml.safe_load`` through libyaml when PyYAML has it (ten times faster: a build with
    nothing to do parses every cell's options); an error is raised by the pure-Python
    loader, whose messages and marks are the ones users see elsewhere."""
    try:
        return yaml.load(text, Loader=_FAST_LOADER)
    except yaml.YAMLError:
        return yaml.safe_load(text)


_FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _parse_cell_options(body: list[str], path, first_line: int) -> tuple[dict, list[str]]:
    option_lines = []
    k = 0
    while k < len(body) and body[k].lstrip().startswith("#|"):
        option_lines.append(body[k].lstrip()[2:])
        k += 1
    options: dict = {}
    if option_lines:
        try:
            options = _load_yaml("\n".join(option_lines)) or {}
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = first_line + (mark.line if mark else 0)
            raise QmdSyntaxError(path, line, f"ugyldig celle-option (#|): {getattr(exc, 'problem', exc)}") from None
        if not isinstance(options, dict):
            raise QmdSyntaxError(path, first_line, "celle-options (#|) skal have formen 'navn: værdi'")
    for offset, raw in enumerate(option_lines):
        name = raw.split(":", 1)[0].strip()
        if name and name not in CELL_OPTIONS:
            raise QmdSyntaxError(path, first_line + offset, f"ukendt celle-option '#| {name}'")
    return options, body[k:]


def _parse_fence_attrs(attrs: str, path, line: int) -> dict:
    """Options written in the fence itself: ```{python echo=false label="x"}."""
    attrs = attrs.strip().lstrip(",").strip()
    if not attrs:
        return {}
    out = {}
    for m in re.finditer(r'([\w-]+)\s*=\s*("[^"]*"|\'[^\']*\'|[^\s,]+)', attrs):
        key, raw = m.group(1), m.group(2).strip("'\"")
        if key not in CELL_OPTIONS:
            raise QmdSyntaxError(path, line, f"ukendt celle-option '{key}'")
        val = {"true": True, "false": False, "TRUE": True, "FALSE": False}.get(raw, raw)
        out[key] = val
    return out


def _check_inline(doc: QmdDocument, path) -> None:
    for block in doc.blocks:
        if not isinstance(block, Markdown):
            continue
        offset_base = 0
        for code, text in block.segments():
            if code:
                offset_base += text.count("\n") + 1
                continue
            for offset, line in enumerate(text.split("\n"), start=offset_base):
                _check_inline_line(path, block.line + offset, line)
            offset_base += text.count("\n") + 1


def _check_inline_line(path, line_no: int, line: str) -> None:
    # An inline opener whose closing backtick is missing would otherwise print
    # the code verbatim in the report.
    if "`{python}" in _INLINE.sub("", line):
        raise QmdSyntaxError(path, line_no, "inline-kode `{python} ...` mangler sin afsluttende backtick")


def _check_labels(doc: QmdDocument, path) -> None:
    seen: dict[str, int] = {}
    for cell in doc.cells:
        label = cell.label
        if label is None:
            continue
        if not isinstance(label, str) or not re.fullmatch(r"[A-Za-z0-9_:.-]+", label):
            raise QmdSyntaxError(path, cell.line, f"ugyldig label {label!r}")
        if label in seen:
            raise QmdSyntaxError(path, cell.line, f"label '{label}' er allerede brugt i linje {seen[label]}")
        seen[label] = cell.line
        if label.startswith("tbl-") and "tbl-cap" not in cell.options:
            raise QmdSyntaxError(path, cell.line, f"tabellen '{label}' mangler '#| tbl-cap'")


def declared_parameters(doc: QmdDocument) -> dict[str, object]:
    """name -> default of the report's parameters (plain assignments in its parameters cell);
    a default that is not a literal is ``...`` (any value is accepted)."""
    import ast

    out: dict[str, object] = {}
    for cell in doc.cells:
        if not cell.is_parameters:
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue
        for node in tree.body:
            targets = node.targets if isinstance(node, ast.Assign) else (
                [node.target] if isinstance(node, ast.AnnAssign) and node.value is not None else [])
            for target in targets:
                if isinstance(target, ast.Name):
                    try:
                        out[target.id] = ast.literal_eval(node.value)
                    except ValueError:
                        out[target.id] = ...
    return out
