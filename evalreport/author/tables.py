"""Report tables: great-tables HTML for the page, CSV/JSON for reviewers.

A :class:`ReportTable` is what an analyst leaves as the last expression of a
``#| label: tbl-…`` cell. In Jupyter it displays itself (``_repr_html_``), so
the engine gets a ``text/html`` output; when ``EVALREPORT_TABLES_DIR`` is set
(the build sets it in the kernel) every displayed table is also exported there.

Structure
    ``columns``  list of :class:`Column` (internal ``key``, printed ``label``,
                 optional ``spanner`` for the two-level header). Leaf labels
                 may repeat; keys may not.
    ``rows``     list of :class:`Row` with ``kind``:
                 ``"data"``   an ordinary row;
                 ``"panel"``  bold heading spanning the whole table width
                              (e.g. "Skoleoplysninger, 0. - 9. klasse");
                 ``"subhead"`` bold label in the stub with empty cells (e.g.
                              "Timers beskæftigelse aug 2019 - feb 2023");
                 and ``indent`` (0-5) for sub-rows. Indentation is real CSS
                 padding; labels are stored *without* the "…" that the old
                 Word tables used as an indent marker.
    ``display``  DataFrame (index = row keys, columns = column keys) of the
                 cell strings exactly as printed ("" in panel/subhead rows).
    ``raw``      DataFrame with the same index; its columns are the column
                 keys, or ``"<key>.<part>"`` when one printed cell comes from
                 several numbers (``itt.estimate``, ``itt.ci_low``, ...).

Footnotes, given as texts on rows, columns or spanners, get letters a), b), …
in reading order (spanners, column labels left to right, then rows top to
bottom); the same text on several targets shares one letter. Below the table
come, in this order: the lettered footnotes, the significance legend (when
``star_levels`` is set), "Anm.:" notes and the "Kilde:" line.

There is no caption in the table: the engine prints ``#| tbl-cap`` as
"Tabel n: …". ``caption`` is kept for the JSON export only.

HTML: built with great-tables (``GT(..., id=...)``, ``tab_spanner``,
``tab_stub_indent``, row groups for panels, ``tab_source_note``). The GT
element id is ``"<id>-gt"`` because the engine already puts ``id="<id>"`` on
the enclosing ``.er-table`` div. Footnote letters are rendered by us, not by
``tab_footnote``: in great-tables 1.1.0 ``tab_footnote`` + ``opt_footnote_marks
("letters")`` works, but prints the marks as italic "a" (not "a)") and always
puts the source notes *above* the footnotes. great-tables' own ``<style>``
block is removed: its reset rules are not scoped to the table (``tbody, tr,
td, th {border-style: none}`` hits every table on the page) and its
``overflow-x: hidden`` cells clip in print. Styling is
``templates/css/tables.css``; it is inlined in the fragment when not in a build
(``EVALREPORT_TABLES_DIR`` unset) so a table also looks right on its own.

Export (:meth:`ReportTable.export`): ``<id>.display.csv`` (the printed grid:
stub text with footnote marks, one header row "Spanner: Label", cell strings),
``<id>.raw.csv`` (same rows in the same order; first column ``row`` = row key,
then raw columns; floats as ``repr`` with "." decimals), ``<id>.json``
(metadata). UTF-8, "\\n" line ends, no BOM.
"""
from __future__ import annotations

import csv
import html as _html
import io
import json
import math
import os
import re
import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from . import formatting as F

__all__ = [
    "Column", "Row", "ReportTable", "EffectRow", "Panel", "Subhead",
    "effect_table", "count_table", "tables_css", "TABLES_CSS_PATH", "DEFAULT_EFFECT_LABELS",
]

TABLES_CSS_PATH = Path(__file__).resolve().parents[2] / "templates" / "css" / "tables.css"
ROW_KINDS = ("data", "panel", "subhead")
_ID_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")
_KEY_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_GT_STYLE_RE = re.compile(r"<style>.*?</style>\s*", re.S)


def tables_css() -> str:
    """Contents of templates/css/tables.css."""
    return TABLES_CSS_PATH.read_text(encoding="utf-8")


# --------------------------------------------------------------------------- model

def _as_notes(x: str | Sequence[str] | None) -> list[str]:
    if x is None:
        return []
    if isinstance(x, str):
        return [x]
    return [str(n) for n in x]


@dataclass
class Column:
    key: str
    label: str
    spanner: str | None = None
    align: str = "right"                       # "left" | "center" | "right"
    footnote: str | Sequence[str] | None = None


@dataclass
class Row:
    key: str
    label: str
    kind: str = "data"                         # "data" | "panel" | "subhead"
    indent: int = 0                            # 0-5
    footnote: str | Sequence[str] | None = None


@dataclass
class ReportTable:
    id: str
    columns: list[Column]
    rows: list[Row]
    display: pd.DataFrame
    raw: pd.DataFrame
    stubhead: str = ""
    notes: list[str] = field(default_factory=list)
    source: str | None = None
    caption: str | None = None
    spanner_footnotes: dict[str, str | Sequence[str]] = field(default_factory=dict)
    star_levels: tuple[tuple[float, str], ...] | None = None   # set -> legend under the table
    stub_width: str | None = None              # e.g. "40%": width of the row-label column
    wrap_cells: bool = False                   # let body cells wrap at spaces (very wide tables)

    def __post_init__(self) -> None:
        self.notes = _as_notes(self.notes)
        self._validate()

    # ---------------------------------------------------------------- checks
    def _validate(self) -> None:
        if not isinstance(self.id, str) or not _ID_RE.match(self.id):
            raise ValueError(f"table id must be a label like 'tbl-effekter', got {self.id!r}")
        keys = [c.key for c in self.columns]
        if len(set(keys)) != len(keys):
            raise ValueError(f"{self.id}: duplicate column keys {keys}")
        for c in self.columns:
            if not _KEY_RE.match(c.key) or c.key in ("row",):
                raise ValueError(f"{self.id}: column key {c.key!r} must be an identifier (and not 'row')")
            if c.align not in ("left", "center", "right"):
                raise ValueError(f"{self.id}: align of {c.key!r} must be left/center/right")
        rkeys = [r.key for r in self.rows]
        if len(set(rkeys)) != len(rkeys):
            dup = sorted({k for k in rkeys if rkeys.count(k) > 1})
            raise ValueError(f"{self.id}: duplicate row keys {dup}")
        for r in self.rows:
            if r.kind not in ROW_KINDS:
                raise ValueError(f"{self.id}: row {r.key!r} has kind {r.kind!r}, not one of {ROW_KINDS}")
            if not (0 <= int(r.indent) <= 5):
                raise ValueError(f"{self.id}: indent of row {r.key!r} must be 0-5")
            if r.kind == "panel" and r.indent:
                raise ValueError(f"{self.id}: a panel row cannot be indented ({r.key!r})")
        if list(self.display.index) != rkeys or list(self.display.columns) != keys:
            raise ValueError(f"{self.id}: display frame must have index = row keys and columns = column keys")
        if list(self.raw.index) != rkeys:
            raise ValueError(f"{self.id}: raw frame must have the same rows as the display frame")
        for rc in self.raw.columns:
            if str(rc).split(".", 1)[0] not in keys:
                raise ValueError(f"{self.id}: raw column {rc!r} is not a display column key or '<key>.<part>'")
        for r in self.rows:
            vals = self.display.loc[r.key]
            for v in vals:
                if not isinstance(v, str):
                    raise TypeError(f"{self.id}: display cell in row {r.key!r} is {type(v).__name__}, not str")
            if r.kind != "data" and any(v != "" for v in vals):
                raise ValueError(f"{self.id}: {r.kind} row {r.key!r} must have empty cells")
        # Spanners must cover adjacent columns (great-tables would move columns otherwise).
        seen: list[str] = []
        prev = None
        for c in self.columns:
            if c.spanner is not None and c.spanner != prev:
                if c.spanner in seen:
                    raise ValueError(f"{self.id}: columns under spanner {c.spanner!r} are not adjacent")
                seen.append(c.spanner)
            prev = c.spanner
        for s in self.spanner_footnotes:
            if s not in seen:
                raise ValueError(f"{self.id}: footnote on unknown spanner {s!r}")

    # ------------------------------------------------------------ structure
    def spanners(self) -> list[tuple[str, list[str]]]:
        out: list[tuple[str, list[str]]] = []
        for c in self.columns:
            if c.spanner is None:
                continue
            if out and out[-1][0] == c.spanner:
                out[-1][1].append(c.key)
            else:
                out.append((c.spanner, [c.key]))
        return out

    def footnotes(self) -> list[tuple[str, str]]:
        """[(letter, text)] in reading order."""
        texts: list[str] = []

        def add(fn):
            for t in _as_notes(fn):
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

    def _marks(self, fn) -> str:
        """Mark text for a footnote target: "a)" or "a,c)" ("" if none)."""
        if not fn:
            return ""
        letters = {t: m for m, t in self.footnotes()}
        return ",".join(letters[t] for t in _as_notes(fn)) + ")"

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

    # -------------------------------------------------------------- display
    def header_text(self, col: Column) -> str:
        label = col.label + self._marks(col.footnote)
        if col.spanner is None:
            return label
        return f"{col.spanner}{self._marks(self.spanner_footnotes.get(col.spanner))}: {label}"

    def stub_text(self, row: Row) -> str:
        return row.label + self._marks(row.footnote)

    def display_grid(self) -> list[list[str]]:
        """The printed table as rows of strings (header row first) = display.csv."""
        grid = [[self.stubhead] + [self.header_text(c) for c in self.columns]]
        for r in self.rows:
            grid.append([self.stub_text(r)] + [self.display.at[r.key, c.key] for c in self.columns])
        return grid

    @property
    def html_id(self) -> str:
        return f"{self.id}-gt"

    def to_gt(self):
        """The great-tables object (styling comes from tables.css)."""
        from great_tables import GT, html

        esc = _label_html

        def fn_html(fn) -> str:
            m = self._marks(fn)
            return f'<sup class="er-fn">{m}</sup>' if m else ""

        keys = [c.key for c in self.columns]
        has_panels = any(r.kind == "panel" for r in self.rows)
        stub_col, group_col = "__stub__", "__panel__"
        records, indents, group_labels = [], {}, {"": ""}
        group = ""
        for r in self.rows:
            if r.kind == "panel":
                group = f"panel-{len(group_labels)}"
                group_labels[group] = (f'<span class="er-panel">{esc(r.label)}</span>'
                                       + fn_html(r.footnote))
                continue
            label = esc(r.label)
            if r.kind == "subhead":
                label = f'<span class="er-subhead">{label}</span>'
            rec = {stub_col: label + fn_html(r.footnote)}
            if has_panels:
                rec[group_col] = group
            for k in keys:
                rec[k] = _html.escape(self.display.at[r.key, k])
            if r.indent:
                indents.setdefault(int(r.indent), []).append(len(records))
            records.append(rec)
        if not records:
            raise ValueError(f"{self.id}: a table needs at least one non-panel row")
        cols = [stub_col] + ([group_col] if has_panels else []) + keys
        data = pd.DataFrame.from_records(records, columns=cols)

        gt = GT(data, rowname_col=stub_col, groupname_col=group_col if has_panels else None,
                id=self.html_id, auto_align=False)
        # Cells are escaped above; an identity formatter marks them as safe HTML.
        gt = gt.fmt(lambda s: s, columns=[stub_col] + keys)
        if has_panels:
            gt = gt.fmt(lambda g: group_labels[g], columns=group_col)
        gt = gt.cols_label(cases={c.key: html(esc(c.label) + fn_html(c.footnote)) for c in self.columns})
        for i, (label, ckeys) in enumerate(self.spanners()):
            gt = gt.tab_spanner(html(esc(label) + fn_html(self.spanner_footnotes.get(label))),
                                columns=ckeys, id=f"{self.html_id}-sp{i + 1}")
        for align in ("left", "center", "right"):
            ck = [c.key for c in self.columns if c.align == align]
            if ck:
                gt = gt.cols_align(align, columns=ck)
        for level, idx in sorted(indents.items()):
            gt = gt.tab_stub_indent(rows=idx, indent=level)
        if self.stubhead:
            gt = gt.tab_stubhead(html(esc(self.stubhead)))
        for kind, text in self.note_lines():
            gt = gt.tab_source_note(html(f'<span class="er-{kind}">{_html.escape(text)}</span>'))
        gt = gt.tab_options(container_overflow_x="visible", container_overflow_y="visible",
                            container_padding_x="0px", container_padding_y="0px",
                            table_width="100%", quarto_disable_processing=True)
        if self.stub_width:
            gt = gt.cols_width(cases={stub_col: self.stub_width})
        return gt

    def as_html(self, *, inline_css: bool | None = None) -> str:
        """HTML fragment ``<div class="er-gt">…</div>`` without blank lines.

        ``inline_css`` (default: only outside a build) embeds tables.css."""
        raw_html = self.to_gt().as_raw_html()
        body, n = _GT_STYLE_RE.subn("", raw_html, count=1)
        if n != 1:
            raise RuntimeError("unexpected great-tables HTML: no <style> block")
        if inline_css is None:
            inline_css = not os.environ.get("EVALREPORT_TABLES_DIR")
        style = f"<style>\n{tables_css().strip()}\n</style>\n" if inline_css else ""
        cls = "er-gt er-wrap" if self.wrap_cells else "er-gt"
        out = f'<div class="{cls}" data-table-id="{self.id}">\n{style}{body.strip()}\n</div>'
        return "\n".join(line.rstrip() for line in out.splitlines() if line.strip())

    def _repr_html_(self) -> str:
        out_dir = os.environ.get("EVALREPORT_TABLES_DIR")
        if out_dir:
            self.export(out_dir)
        return self.as_html()

    def __repr__(self) -> str:
        return (f"<ReportTable {self.id}: {len(self.rows)} rækker x {len(self.columns)} kolonner>")

    # --------------------------------------------------------------- export
    def to_dict(self) -> dict:
        fn = self.footnotes()
        return {
            "id": self.id,
            "caption": self.caption,
            "stubhead": self.stubhead,
            "spanners": [
                {"label": label, "columns": ckeys,
                 "footnotes": _letters(self._marks(self.spanner_footnotes.get(label)))}
                for label, ckeys in self.spanners()
            ],
            "columns": [
                {"key": c.key, "label": c.label, "spanner": c.spanner, "align": c.align,
                 "header": self.header_text(c), "footnotes": _letters(self._marks(c.footnote))}
                for c in self.columns
            ],
            "rows": [
                {"key": r.key, "label": r.label, "kind": r.kind, "indent": int(r.indent),
                 "footnotes": _letters(self._marks(r.footnote))}
                for r in self.rows
            ],
            "raw_columns": [str(c) for c in self.raw.columns],
            "footnotes": [{"mark": m, "text": t} for m, t in fn],
            "significance": F.star_legend(self.star_levels) if self.star_levels else None,
            "notes": list(self.notes),
            "source": self.source,
            "lines_below_table": [t for _, t in self.note_lines()],
        }

    def display_csv(self) -> str:
        return _csv_text(self.display_grid())

    def raw_csv(self) -> str:
        grid = [["row"] + [str(c) for c in self.raw.columns]]
        columns = [self.raw[c].tolist() for c in self.raw.columns]   # keeps each column's dtype
        for i, key in enumerate(self.raw.index):
            grid.append([key] + [_raw_cell(col[i]) for col in columns])
        return _csv_text(grid)

    def export(self, directory: str | os.PathLike) -> dict[str, Path]:
        """Write ``<id>.display.csv``, ``<id>.raw.csv`` and ``<id>.json``."""
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        files = {
            "display": (d / f"{self.id}.display.csv", self.display_csv()),
            "raw": (d / f"{self.id}.raw.csv", self.raw_csv()),
            "json": (d / f"{self.id}.json",
                     json.dumps(self.to_dict(), ensure_ascii=False, indent=2) + "\n"),
        }
        for path, text in files.values():
            tmp = path.with_name(path.name + ".tmp")
            with open(tmp, "w", encoding="utf-8", newline="") as fh:
                fh.write(text)
            os.replace(tmp, path)
        return {k: p for k, (p, _) in files.items()}

    # --------------------------------------------------------- constructors
    @classmethod
    def from_frames(
        cls,
        display: pd.DataFrame | None,
        raw: pd.DataFrame | None = None,
        *,
        id: str,
        decimals: int | Mapping[str, int] = 0,
        labels: Mapping[str, str] | None = None,
        spanners: Mapping[str, Sequence[str]] | None = None,
        align: Mapping[str, str] | None = None,
        row_kinds: Mapping[Any, str] | None = None,
        indent: Mapping[Any, int] | None = None,
        row_footnotes: Mapping[Any, str | Sequence[str]] | None = None,
        column_footnotes: Mapping[str, str | Sequence[str]] | None = None,
        spanner_footnotes: Mapping[str, str | Sequence[str]] | None = None,
        stubhead: str = "",
        notes: str | Sequence[str] | None = None,
        source: str | None = None,
        caption: str | None = None,
        star_levels: Sequence[tuple[float, str]] | None = None,
        stub_width: str | None = None,
    ) -> "ReportTable":
        """Generic table from frames whose index holds the row labels.

        ``display`` holds the printed strings; if it is None it is made from
        ``raw`` with :func:`fmt_num` and ``decimals`` (int or per column; text
        cells pass through). Column names of ``display`` are the keys if they
        are identifiers, otherwise the printed labels (keys are then derived:
        ``c1``, ``c2``, …); ``labels`` maps key -> printed label. ``raw``
        columns must be the keys or ``"<key>.<part>"``; if ``raw`` is None the
        numbers of ``display``'s source are unknown and raw = display.
        ``row_kinds``/``indent``/``row_footnotes`` are keyed by row label;
        rows of kind panel/subhead must have empty (or missing) cells.
        """
        if display is None:
            if raw is None:
                raise ValueError("from_frames() needs display or raw")
            display = pd.DataFrame(
                {c: [_auto_fmt(v, decimals if isinstance(decimals, int) else decimals.get(c, 0))
                     for v in raw[c].tolist()] for c in raw.columns},
                index=raw.index)
        names = [str(c) for c in display.columns]
        if all(_KEY_RE.match(n) and n != "row" for n in names) and len(set(names)) == len(names):
            keys = names
            lab = {k: k for k in keys}
        else:
            keys = [f"c{i + 1}" for i in range(len(names))]
            lab = dict(zip(keys, names))
        lab.update(labels or {})
        span_of: dict[str, str] = {}
        for sp, ckeys in (spanners or {}).items():
            for k in ckeys:
                k = k if k in keys else keys[names.index(k)]
                span_of[k] = sp
        align = dict(align or {})
        columns = [Column(k, lab[k], span_of.get(k), align.get(k, "right"),
                          (column_footnotes or {}).get(k) or (column_footnotes or {}).get(lab[k]))
                   for k in keys]
        labels_list = [str(x) for x in display.index]
        rkeys = _unique_keys(labels_list)
        rows = [Row(k, lbl, (row_kinds or {}).get(lbl, "data"), int((indent or {}).get(lbl, 0)),
                    (row_footnotes or {}).get(lbl))
                for k, lbl in zip(rkeys, labels_list)]
        disp = pd.DataFrame(
            [["" if F.is_missing(v) else str(v) for v in display.iloc[i].tolist()]
             for i in range(len(display))],
            index=rkeys, columns=keys, dtype=object)
        if raw is None:
            raw_df = disp.copy()
        else:
            if len(raw) != len(display):
                raise ValueError(f"{id}: raw and display have different numbers of rows")
            if [str(x) for x in raw.index] != labels_list:
                raise ValueError(f"{id}: raw and display must have identical row labels")
            rename = {}
            for c in raw.columns:
                c = str(c)
                head, dot, part = c.partition(".")
                if c in names and c not in keys:
                    rename[c] = keys[names.index(c)]
                elif head in names and head not in keys:
                    rename[c] = keys[names.index(head)] + dot + part
            raw_df = raw.rename(columns=rename).copy()
            raw_df.index = rkeys
        return cls(id=id, columns=columns, rows=rows, display=disp, raw=raw_df, stubhead=stubhead,
                   notes=_as_notes(notes), source=source, caption=caption,
                   spanner_footnotes=dict(spanner_footnotes or {}),
                   star_levels=F._check_levels(star_levels) if star_levels else None,
                   stub_width=stub_width)


# --------------------------------------------------------------------------- helpers

_HYPHENATED = re.compile(r"\S*\w-\w\S*")


def _label_html(text: str) -> str:
    """Escaped label; words with an inner hyphen ("P-værdi", "0-10") are kept
    on one line, so a narrow column does not print "P-" / "værdi"."""
    return _HYPHENATED.sub(lambda m: f'<span class="er-nobr">{m.group(0)}</span>', _html.escape(text))


def _letters(mark: str) -> list[str]:
    return mark[:-1].split(",") if mark else []


def _unique_keys(labels: Iterable[str]) -> list[str]:
    out, seen = [], {}
    for lbl in labels:
        n = seen.get(lbl, 0) + 1
        seen[lbl] = n
        out.append(lbl if n == 1 else f"{lbl} ({n})")
    return out


def _auto_fmt(v: Any, decimals: int) -> str:
    if F.is_missing(v):
        return F.get_options().missing
    if isinstance(v, str):
        return v
    if hasattr(v, "low") and hasattr(v, "high"):
        return F.fmt_count(v)
    return F.fmt_num(v, decimals)


def _raw_cell(v: Any) -> str:
    if F.is_missing(v):
        return ""
    if isinstance(v, bool) or type(v).__name__ == "bool_":
        return "true" if v else "false"
    if isinstance(v, int) or (hasattr(v, "dtype") and type(v).__name__.startswith(("int", "uint"))):
        return str(int(v))
    if isinstance(v, str):
        return v
    try:
        f = float(v)
    except (TypeError, ValueError):
        return str(v)
    if math.isinf(f):
        return "inf" if f > 0 else "-inf"
    return repr(f)


def _csv_text(grid: list[list[str]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    w.writerows(grid)
    return buf.getvalue()


# --------------------------------------------------------------------------- effect tables

DEFAULT_EFFECT_LABELS = {
    "means": "Gennemsnit (Stdafv)",
    "treated": "Tilbud",
    "control": "Kontrol",
    "itt": "Effekten af tilbud",
    "part": "Effekten af deltagelse",
    "effect": "Effekt (95 % KI)",
    "p": "P-værdi",
}


@dataclass
class EffectRow:
    """One outcome row of an effect table.

    ``decimals`` apply to means, SDs and effects; ``scale=100`` prints shares
    as percentages (the raw export keeps the unscaled numbers). ``footnote``
    may use ``{n_treated}``/``{n_control}``/any numeric column of the effects
    frame, formatted Danish: "{n_treated} tilbudsbørn og {n_control} kontrolbørn".
    ``panel`` starts a spanning panel heading when it changes.
    """
    outcome: str
    label: str | None = None
    decimals: int = 1
    panel: str | None = None
    footnote: str | None = None
    indent: int = 0
    scale: float | None = None
    key: str | None = None


@dataclass
class Panel:
    label: str
    footnote: str | None = None


@dataclass
class Subhead:
    label: str
    footnote: str | None = None
    indent: int = 0


_EFFECT_RAW = {
    "treated": [("mean", "mean_treated"), ("sd", "sd_treated"), ("n", "n_treated")],
    "control": [("mean", "mean_control"), ("sd", "sd_control"), ("n", "n_control")],
    "itt": [("estimate", "estimate"), ("se", "se"), ("ci_low", "ci_low"), ("ci_high", "ci_high"),
            ("std_effect", "std_effect")],
    "p": [("", "p_value")],
    "part": [("estimate", "part_estimate"), ("ci_low", "part_ci_low"), ("ci_high", "part_ci_high")],
}


def _coerce_row(spec: Any):
    if isinstance(spec, (EffectRow, Panel, Subhead)):
        return spec
    if isinstance(spec, Mapping):
        kind = spec.get("kind")
        d = {k: v for k, v in spec.items() if k != "kind"}
        if kind == "panel":
            return Panel(**d)
        if kind == "subhead":
            return Subhead(**d)
        return EffectRow(**d)
    if isinstance(spec, str):
        return EffectRow(spec)
    if isinstance(spec, tuple):
        return EffectRow(*spec)
    raise TypeError(f"row spec must be EffectRow/Panel/Subhead/dict/tuple/str, got {type(spec).__name__}")


def effect_table(
    effects: pd.DataFrame,
    rows: Sequence[EffectRow | Panel | Subhead | Mapping | tuple | str] | None = None,
    *,
    id: str,
    participation: bool = True,
    means: bool = True,
    p_decimals: int = 2,
    p_floor: float | None = None,
    stars: bool | Sequence[tuple[float, str]] = False,
    labels: Mapping[str, str] | None = None,
    stubhead: str = "",
    notes: str | Sequence[str] | None = None,
    source: str | None = None,
    caption: str | None = None,
    stub_width: str | None = None,
) -> ReportTable:
    """The OtO Tabel 2/3 layout from a tidy effects frame.

    Columns: Gennemsnit (Stdafv) [Tilbud | Kontrol] · Effekten af tilbud
    [Effekt (95 % KI) | P-værdi] · Effekten af deltagelse [Effekt (95 % KI)].
    ``effects`` has one row per outcome (column ``outcome`` or the index) with
    the columns of ``analysis.rct.effects_frame``. ``rows`` (default: every
    outcome in order) lists :class:`EffectRow`, :class:`Panel` and
    :class:`Subhead` items, or dicts/tuples for EffectRow. ``stars=True``
    (or a list of (threshold, marker)) appends markers to the offer effect
    and prints the legend.
    """
    lab = {**DEFAULT_EFFECT_LABELS, **(labels or {})}
    eff = effects.set_index("outcome", drop=False) if "outcome" in effects.columns else effects
    if eff.index.has_duplicates:
        raise ValueError(f"{id}: duplicate outcomes in the effects frame")
    specs = [_coerce_row(s) for s in (rows if rows is not None else list(eff.index))]
    star_levels = None
    if stars:
        star_levels = F._check_levels(F.DEFAULT_STAR_LEVELS if stars is True else stars)

    groups = (["treated", "control"] if means else []) + ["itt", "p"] + (["part"] if participation else [])
    needed = {src for g in groups for _, src in _EFFECT_RAW[g] if src not in ("std_effect", "se", "n_treated", "n_control")}
    missing_cols = sorted(needed - set(eff.columns))
    if missing_cols:
        raise KeyError(f"{id}: effects frame lacks columns {missing_cols}")

    columns = []
    if means:
        columns += [Column("treated", lab["treated"], lab["means"]),
                    Column("control", lab["control"], lab["means"])]
    columns += [Column("itt", lab["effect"], lab["itt"]), Column("p", lab["p"], lab["itt"])]
    if participation:
        columns.append(Column("part", lab["effect"], lab["part"]))
    raw_cols = [g if part == "" else f"{g}.{part}" for g in groups for part, src in _EFFECT_RAW[g]
                if src in eff.columns]

    out_rows: list[Row] = []
    disp_rows: list[list[str]] = []
    raw_rows: list[list[Any]] = []
    used: set[str] = set()
    current_panel: str | None = None

    def add(row: Row, cells: list[str], raws: list[Any]) -> None:
        k, n = row.key, 1
        while row.key in used:
            n += 1
            row.key = f"{k} ({n})"
        used.add(row.key)
        out_rows.append(row)
        disp_rows.append(cells)
        raw_rows.append(raws)

    empty_disp = [""] * len(columns)
    empty_raw = [None] * len(raw_cols)
    for spec in specs:
        if isinstance(spec, Panel):
            current_panel = spec.label
            add(Row(f"panel: {spec.label}", spec.label, "panel", 0, spec.footnote), empty_disp, empty_raw)
            continue
        if isinstance(spec, Subhead):
            add(Row(f"subhead: {spec.label}", spec.label, "subhead", spec.indent, spec.footnote),
                empty_disp, empty_raw)
            continue
        if spec.panel is not None and spec.panel != current_panel:
            current_panel = spec.panel
            add(Row(f"panel: {spec.panel}", spec.panel, "panel"), empty_disp, empty_raw)
        if spec.outcome not in eff.index:
            raise KeyError(f"{id}: outcome {spec.outcome!r} not in the effects frame "
                           f"(has {list(eff.index)})")
        r = eff.loc[spec.outcome]
        get = lambda c: r[c] if c in r.index else None  # noqa: E731
        dec, sc = spec.decimals, spec.scale
        mark = F.stars(get("p_value"), star_levels) if star_levels else ""
        cells = []
        if means:
            cells += [F.fmt_mean_sd(get("mean_treated"), get("sd_treated"), dec, scale=sc),
                      F.fmt_mean_sd(get("mean_control"), get("sd_control"), dec, scale=sc)]
        cells += [F.fmt_est_ci(get("estimate"), get("ci_low"), get("ci_high"), dec, scale=sc, mark=mark),
                  F.fmt_p(get("p_value"), p_decimals, floor=p_floor)]
        if participation:
            cells.append(F.fmt_est_ci(get("part_estimate"), get("part_ci_low"), get("part_ci_high"),
                                      dec, scale=sc))
        raws = [get(src) for g in groups for _, src in _EFFECT_RAW[g] if src in eff.columns]
        footnote = spec.footnote
        if footnote and "{" in footnote:
            # Only numeric fields can be named in a footnote; tidy result frames
            # also carry strings and tuples (e.g. the covariates dropped).
            values = {c: F.fmt_num(r[c], 0 if c.startswith("n_") else dec)
                      for c in r.index if isinstance(r[c], (int, float, np.integer, np.floating))
                      and not isinstance(r[c], bool) and not F.is_missing(r[c])}
            footnote = footnote.format_map(values)
        add(Row(spec.key or str(spec.outcome), spec.label or str(spec.outcome), "data",
                spec.indent, footnote), cells, raws)

    keys = [r.key for r in out_rows]
    display = pd.DataFrame(disp_rows, index=keys, columns=[c.key for c in columns], dtype=object)
    raw = pd.DataFrame(raw_rows, index=keys, columns=raw_cols, dtype=object)
    return ReportTable(id=id, columns=columns, rows=out_rows, display=display, raw=raw,
                       stubhead=stubhead, notes=_as_notes(notes), source=source, caption=caption,
                       star_levels=star_levels, stub_width=stub_width)


# --------------------------------------------------------------------------- count tables

def _is_count(v: Any) -> bool:
    return hasattr(v, "low") and hasattr(v, "high")


def count_table(
    counts: pd.DataFrame,
    *,
    id: str,
    min_count: int = 3,
    spanners: Mapping[str, Sequence[str]] | None = None,
    row_kinds: Mapping[Any, str] | None = None,
    indent: Mapping[Any, int] | None = None,
    row_footnotes: Mapping[Any, str | Sequence[str]] | None = None,
    column_footnotes: Mapping[str, str | Sequence[str]] | None = None,
    stubhead: str = "",
    notes: str | Sequence[str] | None = None,
    source: str | None = None,
    caption: str | None = None,
    stub_width: str | None = None,
) -> ReportTable:
    """Disclosure-controlled counts. Cells are ``analysis.disclosure.Count``
    (``low``, ``high``, ``suppressed``) or plain numbers/None. Printed as
    "<3" (suppressed, with ``min_count=3``), "23-29" (interval) or "14"; the
    raw export has ``<key>.low``, ``<key>.high`` and ``<key>.suppressed``.
    Index = row labels, columns = printed column labels (``spanners`` maps a
    spanner label to column labels)."""
    names = [str(c) for c in counts.columns]
    keys = [f"c{i + 1}" for i in range(len(names))]
    display = pd.DataFrame(
        {n: [F.fmt_count(v, min_count=min_count) for v in counts[c].tolist()]
         for n, c in zip(names, counts.columns)},
        index=counts.index)
    display.columns = names
    raw_data: dict[str, list[Any]] = {}
    for k, c in zip(keys, counts.columns):
        vals = counts[c].tolist()
        lows, highs, supp = [], [], []
        for v in vals:
            if F.is_missing(v):
                lows.append(None); highs.append(None); supp.append(None)
            elif _is_count(v):
                lows.append(v.low); highs.append(v.high); supp.append(bool(getattr(v, "suppressed", False)))
            else:
                lows.append(v); highs.append(v); supp.append(False)
        raw_data[f"{k}.low"], raw_data[f"{k}.high"], raw_data[f"{k}.suppressed"] = lows, highs, supp
    raw = pd.DataFrame(raw_data, index=counts.index, dtype=object)
    t = ReportTable.from_frames(
        display, None, id=id, spanners=spanners, row_kinds=row_kinds, indent=indent,
        row_footnotes=row_footnotes, column_footnotes=column_footnotes, stubhead=stubhead,
        notes=notes, source=source, caption=caption, stub_width=stub_width)
    # from_frames derived the same keys (labels are not identifiers in general);
    # re-key the raw frame to the table's column keys.
    key_of = dict(zip(keys, [c.key for c in t.columns]))
    raw.columns = [key_of[c.split(".", 1)[0]] + "." + c.split(".", 1)[1] for c in raw.columns]
    raw.index = [r.key for r in t.rows]
    t.raw = raw
    t._validate()
    return t
