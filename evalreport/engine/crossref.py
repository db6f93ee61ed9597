"""Quarto-style cross-references with Danish labels, on Pandoc's JSON AST.

Written by hand: Pandoc has no cross-reference support of its own, the
pandoc-crossref filter is a separate Haskell binary not shipped with
pypandoc-binary, and Quarto's Lua filters need the Quarto CLI. This pass numbers
sections, tables (divs ``#tbl-…``) and figures (``#fig-…``), writes the number
into each caption ("Tabel 2: …"), and turns ``@tbl-x``/``@fig-x``/``@sec-x``
citations into links reading "Tabel 2", "Figur 4.1", "afsnit 3".

Numbering styles (front matter ``evalreport: numbering:``):

* ``flat``          Tabel 1, Tabel 2, … (appendix: ``appendix-prefix`` "A" → Tabel A1)
* ``chapter``       Tabel 4.1 (chapter 4, first table)
* ``chapter-dash``  Tabel 4-1

Appendix sections are level-1 headings with class ``.appendix``. Their floats
may use their own label (``appendix-table-label: Bilagstabel``) and numbering
(``appendix-numbering: chapter`` → Bilagstabel 2.1 in the second appendix).

Further float kinds are declared as in Quarto (``crossref: custom:`` in the front
matter, ``kind: float``, ``key``, ``reference-prefix``), e.g. numbered boxes::

    crossref:
      custom:
        - {kind: float, key: box, reference-prefix: Boks}

    ::: {#box-indikatorer}
    …the box's content…

    BIP-indikatorerne
    :::

As in Quarto, the last paragraph of such a div is its caption; it is printed first
("Boks 1: BIP-indikatorerne") and the div gets the class ``er-box``. ``@box-indikatorer``
reads "Boks 1".

Appendices are numbered apart from the chapters: "Bilag 1", "Bilag 2", and
their sections carry a prefix (``appendix-section-prefix``, default "B"), so
section 1 of Bilag 1 is "B1.1" and never reads like section 1.1 of chapter 1.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import CrossRefError

KINDS = {"tbl": ("Tabel", "tabel"), "fig": ("Figur", "figur")}
SECTION_WORD = ("Afsnit", "afsnit")
APPENDIX_WORD = ("Bilag", "bilag")


@dataclass
class NumberingStyle:
    numbering: str = "flat"                 # flat | chapter | chapter-dash
    appendix_prefix: str = ""
    appendix_numbering: str | None = None   # defaults to numbering
    appendix_labels: dict = field(default_factory=dict)   # kind -> label
    number_sections: bool = True
    custom_kinds: dict = field(default_factory=dict)        # key -> (Label, label), Quarto crossref.custom
    appendix_section_prefix: str = "B"

    @property
    def kinds(self) -> dict:
        return {**KINDS, **self.custom_kinds}

    @classmethod
    def from_front_matter(cls, fm: dict) -> "NumberingStyle":
        opts = fm.get("evalreport") or {}
        style = cls(
            numbering=opts.get("numbering", "flat"),
            appendix_prefix=str(opts.get("appendix-prefix", "")),
            appendix_numbering=opts.get("appendix-numbering"),
            appendix_labels={k: v for k, v in {
                "tbl": opts.get("appendix-table-label"),
                "fig": opts.get("appendix-figure-label")}.items() if v},
            number_sections=bool(fm.get("number-sections", True)),
            custom_kinds=_custom_kinds(fm),
            appendix_section_prefix=str(opts.get("appendix-section-prefix", "B")),
        )
        for value in (style.numbering, style.appendix_numbering or style.numbering):
            if value not in ("flat", "chapter", "chapter-dash"):
                raise CrossRefError(
                    f"ukendt nummereringsstil '{value}' (brug flat, chapter eller chapter-dash)")
        return style

    def float_number(self, appendix: bool, chapter: int, k_in_chapter: int, k_total: int) -> str:
        mode = (self.appendix_numbering or self.numbering) if appendix else self.numbering
        prefix = self.appendix_prefix if appendix else ""
        if mode == "flat":
            return f"{prefix}{k_total}"
        sep = "." if mode == "chapter" else "-"
        return f"{prefix}{chapter}{sep}{k_in_chapter}"


def _custom_kinds(fm: dict) -> dict:
    """Float kinds from Quarto's ``crossref: custom:`` list (``kind: float``, ``key``, ``reference-prefix``)."""
    out = {}
    for entry in ((fm.get("crossref") or {}).get("custom") or []):
        if not isinstance(entry, dict) or entry.get("kind", "float") != "float":
            continue
        key, prefix = str(entry.get("key", "")), entry.get("reference-prefix")
        if not key.isalnum() or key in KINDS or key == "sec" or not prefix:
            raise CrossRefError(f"crossref.custom: ugyldig float-type {entry!r} (key: bogstaver, "
                                "ikke tbl/fig/sec; reference-prefix: påkrævet)")
        out[key] = (str(prefix), str(prefix).lower())
    return out


@dataclass
class Target:
    kind: str          # tbl, fig, sec
    number: str
    label: str         # "Tabel", "Bilagstabel", "Afsnit", "Bilag"
    title: str = ""


@dataclass
class TocEntry:
    level: int
    id: str
    number: str
    title: str
    appendix: bool


def text_of(inlines) -> str:
    out = []
    for el in inlines:
        t, c = el.get("t"), el.get("c")
        if t == "Str":
            out.append(c)
        elif t in ("Space", "SoftBreak", "LineBreak"):
            out.append(" ")
        elif t in ("Emph", "Strong", "SmallCaps", "Strikeout", "Underline", "Superscript", "Subscript"):
            out.append(text_of(c))
        elif t in ("Span", "Link"):
            out.append(text_of(c[1]))
        elif t == "Quoted":
            out.append("“" + text_of(c[1]) + "”")
        elif t == "Code":
            out.append(c[1])
        elif t == "Math":
            out.append(c[1])
    return "".join(out)


def _str_inlines(text: str) -> list:
    out: list = []
    for i, word in enumerate(text.split(" ")):
        if i:
            out.append({"t": "Space"})
        if word:
            out.append({"t": "Str", "c": word})
    return out


class CrossReferencer:
    def __init__(self, style: NumberingStyle):
        self.style = style
        self.targets: dict[str, Target] = {}
        self.toc: list[TocEntry] = []
        self.unresolved: list[str] = []

    # -- pass 1: number headings and floats ------------------------------------------------
    def number(self, blocks: list) -> None:
        chapter = appendix_no = 0
        in_appendix = False
        sub = [0] * 7
        k_chapter: dict[str, int] = {}
        k_total = {"main": {}, "appendix": {}}

        def walk(items: list):
            nonlocal chapter, appendix_no, in_appendix
            for block in items:
                t = block.get("t")
                if t == "Header":
                    level, attr, inlines = block["c"]
                    ident, classes, _ = attr
                    numbered = "unnumbered" not in classes and "unlisted" not in classes
                    if level == 1:
                        if "appendix" in classes:
                            in_appendix = True
                        if numbered:
                            if in_appendix:
                                appendix_no += 1
                            else:
                                chapter += 1
                            k_chapter.clear()
                        sub[:] = [0] * 7
                    number = ""
                    if numbered:
                        if level > 1:
                            sub[level] += 1
                            for deeper in range(level + 1, 7):
                                sub[deeper] = 0
                        top = f"{appendix_no}" if in_appendix else f"{chapter}"
                        if in_appendix and level > 1:
                            top = f"{self.style.appendix_section_prefix}{top}"
                        number = ".".join([top] + [str(sub[lv]) for lv in range(2, level + 1)])
                    title = text_of(inlines)
                    if ident:
                        word = APPENDIX_WORD[0] if (in_appendix and level == 1) else SECTION_WORD[0]
                        self.targets[ident] = Target("sec", number, word, title)
                    if numbered and self.style.number_sections:
                        shown = (f"{APPENDIX_WORD[0]} {number}:" if in_appendix and level == 1
                                 else number)
                        block["c"][2] = [{"t": "Span", "c": [["", ["header-section-number"], []],
                                                             _str_inlines(shown)]},
                                         {"t": "Space"}] + inlines
                    if level <= 2 and "unlisted" not in classes:
                        self.toc.append(TocEntry(level, ident, number if self.style.number_sections else "",
                                                 title, in_appendix))
                elif t == "Div":
                    attr, content = block["c"]
                    ident = attr[0]
                    kind = ident.split("-", 1)[0] if "-" in ident else ""
                    if kind in self.style.kinds:
                        part = "appendix" if in_appendix else "main"
                        k_total[part][kind] = k_total[part].get(kind, 0) + 1
                        k_chapter[kind] = k_chapter.get(kind, 0) + 1
                        ch = appendix_no if in_appendix else chapter
                        number = self.style.float_number(in_appendix, ch, k_chapter[kind],
                                                         k_total[part][kind])
                        label = (self.style.appendix_labels.get(kind) if in_appendix else None) \
                            or self.style.kinds[kind][0]
                        self.targets[ident] = Target(kind, number, label)
                        if kind not in KINDS:
                            self._caption_from_last_paragraph(block)
                        self._caption(content, f"{label} {number}:")
                    walk(content)
                elif t == "BlockQuote":
                    walk(block["c"])

        walk(blocks)

    @staticmethod
    def _caption(content: list, prefix: str) -> None:
        for block in content:
            if block.get("t") == "Div" and "er-caption" in block["c"][0][1]:
                inner = block["c"][1]
                if inner and inner[0].get("t") in ("Para", "Plain"):
                    inner[0]["c"] = [{"t": "Strong", "c": _str_inlines(prefix)}, {"t": "Space"}] + inner[0]["c"]
                else:
                    inner.insert(0, {"t": "Para", "c": [{"t": "Strong", "c": _str_inlines(prefix)}]})
                return

    @staticmethod
    def _caption_from_last_paragraph(div: dict) -> None:
        """Quarto's div floats: the last paragraph is the caption. Move it first as an .er-caption div."""
        attr, content = div["c"]
        if "er-box" not in attr[1]:
            attr[1].append("er-box")
        if any(b.get("t") == "Div" and "er-caption" in b["c"][0][1] for b in content):
            return
        if not content or content[-1].get("t") != "Para":
            raise CrossRefError(f"#{attr[0]}: sidste afsnit skal være billedteksten")
        caption = content.pop()
        content.insert(0, {"t": "Div", "c": [["", ["er-caption"], []], [caption]]})

    # -- pass 2: resolve references ----------------------------------------------------------
    def resolve(self, node):
        if isinstance(node, list):
            out = []
            for item in node:
                replaced = self._replace_cite(item) if isinstance(item, dict) else None
                if replaced is not None:
                    out.extend(replaced)
                else:
                    out.append(self.resolve(item))
            return out
        if isinstance(node, dict):
            if "c" in node:
                node["c"] = self.resolve(node["c"])
            return node
        return node

    def _replace_cite(self, el: dict):
        if el.get("t") != "Cite":
            return None
        citations = el["c"][0]
        ids = [c["citationId"] for c in citations]
        prefixes = set(self.style.kinds) | {"sec"}
        refs = [i for i in ids if i.split("-", 1)[0].lower() in prefixes]
        if not refs:
            return None
        if len(refs) != len(ids):
            raise CrossRefError(f"krydsreferencer og litteraturhenvisninger blandet i én henvisning: {ids}")
        out: list = []
        for n, cid in enumerate(refs):
            capital = cid[0].isupper()
            key = cid[0].lower() + cid[1:]
            target = self.targets.get(key)
            if n:
                out += ([{"t": "Space"}, {"t": "Str", "c": "og"}, {"t": "Space"}] if n == len(refs) - 1
                        else [{"t": "Str", "c": ","}, {"t": "Space"}])
            if target is None:
                self.unresolved.append(key)
                out.append({"t": "Strong", "c": [{"t": "Str", "c": f"?@{key}"}]})
                continue
            if target.kind == "sec":
                if target.number:
                    word = target.label if capital else target.label.lower()
                    text = f"{word} {target.number}"
                else:
                    text = target.title
            else:
                # Danish report style keeps "Tabel 2"/"Figur 3" capitalised mid-sentence.
                text = f"{target.label} {target.number}"
            out.append({"t": "Link", "c": [["", ["quarto-xref"], []], _str_inlines(text), [f"#{key}", ""]]})
        return out


def apply_crossrefs(ast: dict, style: NumberingStyle) -> CrossReferencer:
    xref = CrossReferencer(style)
    xref.number(ast["blocks"])
    ast["blocks"] = xref.resolve(ast["blocks"])
    return xref
