"""The diff as text for the terminal, optionally coloured, and as one-line warnings."""
from __future__ import annotations

import json
from typing import TYPE_CHECKING

from ._labels import cell_delta, raw_delta, side_text
from ._table_data import META_FIELDS

if TYPE_CHECKING:
    from ._result import DiffResult


_COLOURS = {"red": "31", "green": "32", "yellow": "33", "cyan": "36", "bold": "1", "dim": "2"}


def _painter(colour: bool):
    def paint(text: str, *styles: str) -> str:
        if not colour or not styles:
            return text
        return "".join(f"\x1b[{_COLOURS[s]}m" for s in styles) + text + "\x1b[0m"
    return paint


def _elide(words: list[tuple[str, str]], context: int = 8) -> list[tuple[str, str]]:
    """Shorten long unchanged stretches of a word diff to their ends."""
    out = []
    for i, (op, text) in enumerate(words):
        if op == "equal":
            parts = text.split()
            first, last = i == 0, i == len(words) - 1
            if len(parts) > 2 * context:
                if first:
                    text = "… " + " ".join(parts[-context:])
                elif last:
                    text = " ".join(parts[:context]) + " …"
                else:
                    text = " ".join(parts[:context]) + " … " + " ".join(parts[-context:])
            elif first and len(parts) > context:
                text = "… " + " ".join(parts[-context:])
            elif last and len(parts) > context:
                text = " ".join(parts[:context]) + " …"
        out.append((op, text))
    return out


def format_text(result: DiffResult, *, colour: bool = False, max_cells: int = 200) -> str:
    p = _painter(colour)
    s = result.summary()
    lines = [p(f"evalreport diff {result.report}: {side_text(result.old)} → {side_text(result.new)}", "bold")]
    if result.tolerance:
        lines.append(f"tolerance: {result.tolerance:g}")
    lines.append(f"Tabeller: {s['tables_changed']} ændret, {s['tables_added']} nye, "
                 f"{s['tables_removed']} fjernet, {s['tables_unchanged']} uændret; "
                 f"{s['cells_changed']} celler ændret, {s['raw_values_changed']} rå værdier ændret")
    for t in result.tables:
        if t.status == "unchanged":
            continue
        lines.append("")
        if t.status == "added":
            lines.append(p(f"+ {t.id}  {t.title}  (ny tabel)", "green", "bold"))
            continue
        if t.status == "removed":
            lines.append(p(f"- {t.id}  {t.title}  (fjernet)", "red", "bold"))
            continue
        lines.append(p(f"~ {t.id}  {t.title}", "yellow", "bold"))
        for fld, old, new in t.meta:
            name = dict(META_FIELDS)[fld]
            lines.append(f"    {name}: {p(json.dumps(old, ensure_ascii=False), 'red')} -> "
                         f"{p(json.dumps(new, ensure_ascii=False), 'green')}")
        for name in t.columns_added:
            lines.append(p(f"  + kolonne {name}", "green"))
        for name in t.columns_removed:
            lines.append(p(f"  - kolonne {name}", "red"))
        for name in t.rows_added:
            lines.append(p(f"  + række {name}", "green"))
        for name in t.rows_removed:
            lines.append(p(f"  - række {name}", "red"))
        if t.rows_reordered:
            lines.append("    rækkernes rækkefølge er ændret")
        if t.columns_reordered:
            lines.append("    kolonnernes rækkefølge er ændret")
        for c in t.cells[:max_cells]:
            delta = cell_delta(c)
            lines.append(f"  -> {c.row} | {c.column}: {p(c.old or '∅', 'red')} -> {p(c.new or '∅', 'green')}"
                         + (f"  {p(delta, 'cyan')}" if delta else ""))
        if len(t.cells) > max_cells:
            lines.append(f"     … og {len(t.cells) - max_cells} celler mere")
        hidden = t.raw_only
        if t.raw:
            lines.append(f"    rå værdier: {len(t.raw)} ændret"
                         + (f", heraf {len(hidden)} uden synlig ændring i tabellen:" if hidden else ""))
        for c in hidden[:max_cells]:
            delta = raw_delta(c.delta)
            lines.append(f"     {c.row} | {c.column}: {p(c.old or '∅', 'red')} -> {p(c.new or '∅', 'green')}"
                         + (f"  {p(delta, 'cyan')}" if delta else ""))
    lines.append("")
    if not result.prose_compared:
        lines.append("Tekst: ikke sammenlignet (en af udgaverne har ingen HTML)")
    else:
        lines.append(f"Tekst: {s['paragraphs_changed']} afsnit ændret, {s['paragraphs_added']} nye, "
                     f"{s['paragraphs_removed']} fjernet")
        section = None
        for ch in result.prose:
            if ch.section != section:
                section = ch.section
                lines.append(p(f"  § {section or '(før første overskrift)'}", "bold"))
            if ch.kind == "added":
                lines.append(p(f"  + {ch.new}", "green"))
            elif ch.kind == "removed":
                lines.append(p(f"  - {ch.old}", "red"))
            else:
                parts = []
                for op, text in _elide(ch.words()):
                    if op == "equal":
                        parts.append(text)
                    elif op == "delete":
                        parts.append(p(text, "red") if colour else f"[-{text}-]")
                    else:
                        parts.append(p(text, "green") if colour else f"{{+{text}+}}")
                lines.append("  ~ " + " ".join(parts))
    lines.append("")
    lines.append(p("Ingen forskelle." if result.equal else "Der er forskelle.", "bold"))
    return "\n".join(lines) + "\n"


def change_lines(result: DiffResult, max_cells: int = 20) -> list[str]:
    """Short one-line descriptions of the table changes (for warnings and errors)."""
    out = []
    for t in result.tables:
        if t.status == "added":
            out.append(f"{t.id}: ny tabel")
        elif t.status == "removed":
            out.append(f"{t.id}: tabellen er fjernet")
        elif t.status == "changed":
            for fld, old, new in t.meta:
                out.append(f"{t.id}: {dict(META_FIELDS)[fld]} {json.dumps(old, ensure_ascii=False)} -> "
                           f"{json.dumps(new, ensure_ascii=False)}")
            for kind, names in (("ny række", t.rows_added), ("fjernet række", t.rows_removed),
                                ("ny kolonne", t.columns_added), ("fjernet kolonne", t.columns_removed)):
                for n in names:
                    out.append(f"{t.id}: {kind} '{n}'")
            for c in t.cells[:max_cells]:
                out.append(f"{t.id}: {c.row} | {c.column}: {c.old} -> {c.new}")
            if len(t.cells) > max_cells:
                out.append(f"{t.id}: … og {len(t.cells) - max_cells} celler mere")
            hidden = t.raw_only
            if hidden:
                out.append(f"{t.id}: {len(hidden)} rå værdier ændret uden synlig ændring")
    return out
