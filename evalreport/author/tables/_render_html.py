"""The HTML renderer: great-tables builds the table from the model.

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
"""
from __future__ import annotations

import html as _html
import os
import re
from pathlib import Path

import pandas as pd


TABLES_CSS_PATH = Path(__file__).resolve().parents[3] / "templates" / "css" / "tables.css"


_GT_STYLE_RE = re.compile(r"<style>.*?</style>\s*", re.S)


def tables_css() -> str:
    """Contents of templates/css/tables.css."""
    return TABLES_CSS_PATH.read_text(encoding="utf-8")


_HYPHENATED = re.compile(r"\S*\w-\w\S*")


def _label_html(text: str) -> str:
    """Escaped label; words with an inner hyphen ("P-værdi", "0-10") are kept
    on one line, so a narrow column does not print "P-" / "værdi"."""
    return _HYPHENATED.sub(lambda m: f'<span class="er-nobr">{m.group(0)}</span>', _html.escape(text))


def html_id(self) -> str:
    return f"{self.id}-gt"


def to_gt(self):
    """The great-tables object (styling comes from tables.css)."""
    from great_tables import GT, html

    from ._gt_speed import use_fast_cell_access
    use_fast_cell_access()

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
