"""Lettered footnotes and the lines below a table.

Footnotes, given as texts on rows, columns or spanners, get letters a), b), …
in reading order (spanners, column labels left to right, then rows top to
bottom); the same text on several targets shares one letter. Below the table
come, in this order: the lettered footnotes, the significance legend (when
``star_levels`` is set), "Anm.:" notes and the "Kilde:" line.
"""
from __future__ import annotations

import string

from .. import formatting as F
from ._parts import as_notes


def footnotes(self) -> list[tuple[str, str]]:
    """[(letter, text)] in reading order."""
    texts: list[str] = []

    def add(fn):
        for t in as_notes(fn):
            if t not in texts:
                texts.append(t)

    for label, _ in self.spanners():
        add(self.spanner_footnotes.get(label))
    for c in self.columns:
        add(c.footnote)
    for r in self.rows:
        add(r.footnote)
    if len(texts) > 26:
        raise ValueError(f"{self.id}: more than 26 footnotes")
    return [(string.ascii_lowercase[i], t) for i, t in enumerate(texts)]


def marks(self, fn) -> str:
    """Mark text for a footnote target: "a)" or "a,c)" ("" if none)."""
    if not fn:
        return ""
    letters = {t: m for m, t in self.footnotes()}
    return ",".join(letters[t] for t in as_notes(fn)) + ")"


def note_lines(self) -> list[tuple[str, str]]:
    """[(kind, text)] printed under the table: footnote, legend, note, source."""
    lines: list[tuple[str, str]] = [("footnote", f"{m}) {t}") for m, t in self.footnotes()]
    if self.star_levels:
        lines.append(("legend", "Signifikansniveauer: " + F.star_legend(self.star_levels) + "."))
    for i, n in enumerate(self.notes):
        n = n.strip()
        if i == 0 and not n.startswith("Anm."):
            n = "Anm.: " + n
        lines.append(("note", n))
    if self.source:
        s = self.source.strip()
        lines.append(("source", s if s.startswith("Kilde") else "Kilde: " + s))
    return lines


def letters(mark: str) -> list[str]:
    """"a,c)" -> ["a", "c"]."""
    return mark[:-1].split(",") if mark else []
