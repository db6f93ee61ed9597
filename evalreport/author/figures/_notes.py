"""Notes and the source line under a figure, as under a table ("Anm.: …", "Kilde: …")."""
from __future__ import annotations

from typing import Sequence


class FigureNotes:
    """Markdown for the lines under a figure; a Jupyter cell displays it as markdown.

    Put it after the figure in the same cell, so it stays inside the figure's float (with
    ``fig-cap-location: top`` the caption is above the figure and the notes below it)::

        dot_whisker(...); plt.show()
        figure_notes("Punktet er …", source=kilde)
    """

    def __init__(self, notes: str | Sequence[str] | None = None, source: str | None = None) -> None:
        notes = [notes] if isinstance(notes, str) else list(notes or [])
        self.lines: list[str] = []
        for i, n in enumerate(n.strip() for n in notes if n and n.strip()):
            self.lines.append(n if (i or n.startswith("Anm.")) else "Anm.: " + n)
        if source and source.strip():
            s = source.strip()
            self.lines.append(s if s.startswith("Kilde") else "Kilde: " + s)

    def markdown(self) -> str:
        if not self.lines:
            return ""
        return "::: {.er-figure-notes}\n" + "\n\n".join(self.lines) + "\n:::\n"

    def _repr_markdown_(self) -> str:
        return self.markdown()

    def __str__(self) -> str:
        return self.markdown()


def figure_notes(notes: str | Sequence[str] | None = None, *, source: str | None = None) -> FigureNotes:
    """"Anm.: …" (the first note; further notes as their own lines) and "Kilde: …" under a figure."""
    return FigureNotes(notes, source)
