"""The prose of two versions compared, paragraph by paragraph and word by word.

The text of the rendered HTML is split into paragraphs (headings, ``p``, list items, reference
entries; not tables, the contents, the cover's metadata or ``#build-stamp``) and the two lists
are aligned with :mod:`difflib`; changed, added and removed paragraphs are reported with the
section they stand in and a word-level diff.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from html.parser import HTMLParser

from ._numbers import equal_within
from ._render_json import prose_change_json


_BLOCKS = {"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "dt", "dd", "figcaption", "caption",
           "blockquote", "pre"}
_SKIP_TAGS = {"style", "script", "svg", "table", "head", "template", "math", "nav"}
_SKIP_CLASSES = {"report-meta", "build-stamp", "colophon", "synthetic-banner"}
_VOID = {"br", "img", "meta", "hr", "input", "link", "col", "wbr", "source", "area", "base"}


class _Paragraphs(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out: list[tuple[str, str]] = []
        self.buf: list[str] = []
        self.section = ""
        self.heading = False
        self.skip_tag: str | None = None
        self.skip_depth = 0

    def flush(self):
        text = " ".join("".join(self.buf).split())
        self.buf = []
        if text:
            if self.heading:
                self.section = text
            self.out.append((self.section, text))

    def handle_starttag(self, tag, attrs):
        if self.skip_tag is not None:
            if tag == self.skip_tag:
                self.skip_depth += 1
            return
        a = dict(attrs)
        classes = set((a.get("class") or "").split())
        if tag in _SKIP_TAGS or a.get("id") == "build-stamp" or classes & _SKIP_CLASSES:
            if tag not in _VOID:
                self.skip_tag, self.skip_depth = tag, 1
            return
        if tag in _BLOCKS or (tag == "div" and "csl-entry" in classes):
            self.flush()
            self.heading = tag in ("h1", "h2", "h3", "h4", "h5", "h6")
        elif tag == "br":
            self.buf.append(" ")

    def handle_endtag(self, tag):
        if self.skip_tag is not None:
            if tag == self.skip_tag:
                self.skip_depth -= 1
                if self.skip_depth == 0:
                    self.skip_tag = None
            return
        if tag in _BLOCKS or tag == "div":
            self.flush()
            self.heading = False

    def handle_data(self, data):
        if self.skip_tag is None:
            self.buf.append(data)

    def close(self):
        super().close()
        self.flush()


def paragraphs(html: str) -> list[tuple[str, str]]:
    """(section heading, paragraph text) for the prose of a rendered report."""
    parser = _Paragraphs()
    body = re.search(r"<body[^>]*>(.*)</body>", html, re.S)
    parser.feed(body.group(1) if body else html)
    parser.close()
    return parser.out


@dataclass
class ProseChange:
    kind: str                 # changed | added | removed
    section: str
    old: str
    new: str

    def words(self) -> list[tuple[str, str]]:
        """Word-level diff: [(op, text)] with op equal | delete | insert."""
        a, b = self.old.split(), self.new.split()
        out = []
        for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
            if op == "equal":
                out.append(("equal", " ".join(a[i1:i2])))
            else:
                if i2 > i1:
                    out.append(("delete", " ".join(a[i1:i2])))
                if j2 > j1:
                    out.append(("insert", " ".join(b[j1:j2])))
        return out

    to_json = prose_change_json


def compare_prose(old: list[tuple[str, str]], new: list[tuple[str, str]],
                  tolerance: float = 0.0) -> list[ProseChange]:
    a, b = [t for _, t in old], [t for _, t in new]
    out: list[ProseChange] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            continue
        n = min(i2 - i1, j2 - j1)
        for k in range(n):
            if not equal_within(a[i1 + k], b[j1 + k], tolerance):
                out.append(ProseChange("changed", new[j1 + k][0], a[i1 + k], b[j1 + k]))
        for k in range(i1 + n, i2):
            out.append(ProseChange("removed", old[k][0], a[k], ""))
        for k in range(j1 + n, j2):
            out.append(ProseChange("added", new[k][0], "", b[k]))
    return out
