"""The disclosure gate: nothing leaves the build that Danmarks Statistik's rules forbid.

Runs in :func:`evalreport.build.stage_report` after the cells have run and before
anything is written to the version folder. It reads every exported table
(``<id>.display.csv``, ``<id>.raw.csv``) and the private records that
:func:`evalreport.author.disclosure.protect` and ``count_table`` leave in
``tables/.disclosure/``, and stops the build with a :class:`DisclosureError` that
names the report, table, row, column and rule when

* a cell whose statistic comes from fewer than ``min-count`` persons (the
  project's, from ``_quarto.yml``, never below 3) — or a complementary cell — is
  printed, or its value is still in the raw CSV;
* a count table's raw export shows a count between 1 and ``min-count − 1``;
* any table prints a cell as hidden (``<3``, ``..``) while its raw CSV still holds
  the value (checked for every table, with or without a record);
* the text (inline values and printed cell output) quotes a number its table
  hides;
* the page's text gives a count of 1 to ``min-count − 1`` persons in digits
  ("2 deltagere"; :func:`small_counts_in_text`), or a computed value gives one in words
  ("to deltagere" where "to" is ``num_word(n)``; :func:`small_count_words`).

The private records are deleted afterwards; they are never published.
"""
from __future__ import annotations

import csv
import json
import re
import shutil
from pathlib import Path

from analysis.disclosure import primary_rule

from ..errors import DisclosureError

_NUMBER = re.compile(r"(?<![\d,.])-?\d{1,3}(?:\.\d{3})*(?:,\d+)?(?![\d,])|(?<![\d,.])-?\d+(?:,\d+)?(?![\d,])")


def _read_grid(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def _numbers(text: str) -> set[str]:
    return {m.group(0).lstrip("-") for m in _NUMBER.finditer(text or "")}


def _telling(token: str, m: int) -> bool:
    """A printed number specific enough to recognise in the text: with decimals, or a whole
    number of at least two digits (small counts such as '2' are everywhere in prose)."""
    return "," in token or len(token.replace(".", "")) >= 2


#: Nouns for persons (and the households and firms the rule also protects), singular and plural: a
#: count from 1 to min-count - 1 written in digits before one of them is a small count in the text.
_UNITS = ("personer", "person", "deltagere", "deltager", "borgere", "borger", "kvinder", "kvinde", "mænd",
          "mand", "unge", "børn", "barn", "familier", "familie", "husstande", "husstand", "flygtninge",
          "flygtning", "indvandrere", "indvandrer", "ledige", "respondenter", "respondent",
          "kontrolpersoner", "kontrolperson", "elever", "elev", "modtagere", "modtager", "virksomheder",
          "virksomhed", "medarbejdere", "medarbejder")
_COUNT_OF_UNITS = re.compile(r"(?<![\d,.\w−-])(\d+)\s+(?:af\s+(?:de\s+)?)?(" + "|".join(_UNITS) + r")\b",
                             re.IGNORECASE)
_ORDINAL_WORDS = {"uge", "nr", "tabel", "figur", "kapitel", "bilag", "side", "trin", "metode", "kvartal",
                  "måned", "år", "runde", "boks", "afsnit", "model", "spørgsmål"}
_TABLE_HTML = re.compile(r"<table\b.*?</table>", re.S | re.I)
_TAG = re.compile(r"<[^>]+>")


def small_counts_in_text(html: str, min_count: int) -> list[str]:
    """Phrases of a page's text (tables left out: the gate reads those from their files) that
    give a count of 1 to ``min_count`` − 1 persons in digits, such as "2 deltagere" or "1 af de
    ledige". Numbers written as words ("to deltagere") are not caught: "en"/"et" are articles
    and "to"/"tre" mostly count other things ("mellem to besvarelser")."""
    import html as html_lib

    text = html_lib.unescape(_TAG.sub(" ", _TABLE_HTML.sub(" ", html or "")))
    text = re.sub(r"\s+", " ", text.replace("\u00a0", " "))
    out = []
    for m in _COUNT_OF_UNITS.finditer(text):
        before = text[max(0, m.start() - 12):m.start()].split()
        if before and before[-1].lower().rstrip(".") in _ORDINAL_WORDS:
            continue                                  # "uge 2 deltagere …": a label, not a count
        if 1 <= int(m.group(1)) < min_count:
            out.append(text[max(0, m.start() - 30):m.end()].strip())
    return out


#: Frames of a computed value in the texts :func:`small_count_words` reads (``evalreport.build``
#: puts every inline value between them; a cell's printed output is framed as a whole).
COMPUTED = ("\x02", "\x03")

#: Danish number words from 2 (``num_word``'s). One is left out: in generated sentences "en
#: borger", "én deltager" are an article or a generic person ("omkostningen ved én deltager"), which
#: no rule on the words can tell from a count of one; a count of one in digits is caught.
_NUMBER_WORDS = {2: "to", 3: "tre", 4: "fire", 5: "fem", 6: "seks", 7: "syv", 8: "otte", 9: "ni", 10: "ti",
                 11: "elleve", 12: "tolv"}


def small_count_words(texts: list[str], min_count: int) -> list[str]:
    """Phrases that give a *computed* count of 2 to ``min_count`` − 1 persons in words: "to
    deltagere", "to af de ledige", where the number word is part of a computed value (framed by
    :data:`COMPUTED`; e.g. ``num_word(n)`` followed by "deltagere" in the text, or a generated
    sentence). Prose the analyst wrote is not read here: its "to deltagere" is a fact of the design
    or an interview, not a count from the data. One in words is not caught (:data:`_NUMBER_WORDS`)."""
    words = [_NUMBER_WORDS[i] for i in range(2, min(min_count, 13))]
    if not words:
        return []
    pattern = re.compile(r"(?<![\w-])(" + "|".join(words) + r")\s+(?:af\s+(?:de\s+)?)?(" + "|".join(_UNITS)
                         + r")\b", re.IGNORECASE)
    out = []
    for text in texts:
        clean, computed, inside = [], [], False
        for ch in text or "":
            if ch in COMPUTED:
                inside = ch == COMPUTED[0]
                continue
            clean.append(ch)
            computed.append(inside)
        clean = "".join(clean)
        for m in pattern.finditer(clean):
            if computed[m.start(1)]:
                out.append(re.sub(r"\s+", " ", clean[max(0, m.start() - 30):m.end()]).strip())
    return out


def check_disclosure(report: str, tables_dir: Path, texts: list[str], min_count: int,
                     page_html: str | None = None, computed: list[str] | None = None) -> list[str]:
    """Check the exported tables, ``texts`` and the page's text (``page_html``, when given: a
    count of fewer than ``min_count`` persons in digits, :func:`small_counts_in_text`) and the
    computed values in their text (``computed``, when given: such a count in words,
    :func:`small_count_words`); raise DisclosureError listing every violation.

    Returns the ids of the tables that were checked against a record.
    """
    tables_dir = Path(tables_dir)
    private = tables_dir / ".disclosure"
    problems: list[str] = [f"{report}: teksten nævner et antal under {min_count}: '…{phrase}'"
                           for phrase in small_counts_in_text(page_html, min_count)] if page_html else []
    problems += [f"{report}: en beregnet værdi i teksten nævner et antal under {min_count} med ord: '…{phrase}'"
                 for phrase in small_count_words(computed or [], min_count)]
    checked: list[str] = []
    text_numbers = set().union(*(_numbers(t) for t in texts)) if texts else set()
    covered: set[tuple[str, str, str]] = set()        # cells a record describes (not plain counts)
    try:
        for record_path in sorted(private.glob("*.json")) if private.is_dir() else []:
            record = json.loads(record_path.read_text(encoding="utf-8"))
            tid = record["id"]
            covered |= {(tid, c["row"], c["column"]) for c in record["cells"] if c.get("kind") != "count"}
            display_path, meta_path = tables_dir / f"{tid}.display.csv", tables_dir / f"{tid}.json"
            if not display_path.exists() or not meta_path.exists():
                continue                              # never displayed, so never published
            checked.append(tid)
            problems += _check_table(report, tables_dir, record, min_count, text_numbers)
        for raw_path in sorted(tables_dir.glob("*.raw.csv")):
            tid = raw_path.name[:-len(".raw.csv")]
            problems += _check_counts(report, tid, raw_path, tables_dir / f"{tid}.json", min_count, covered)
            problems += _check_hidden_raw(report, tid, tables_dir, min_count)
    finally:
        shutil.rmtree(private, ignore_errors=True)
    if problems:
        listing = "\n  ".join(dict.fromkeys(problems))
        raise DisclosureError(f"Rapporten '{report}' overholder ikke diskretionsreglerne (min. {min_count} "
                              f"personer bag hvert tal; evalreport: disclosure: min-count i _quarto.yml). "
                              f"Intet er udgivet:\n  {listing}")
    return checked


def _check_table(report, tables_dir: Path, record: dict, m: int, text_numbers: set[str]) -> list[str]:
    tid = record["id"]
    meta = json.loads((tables_dir / f"{tid}.json").read_text(encoding="utf-8"))
    grid = _read_grid(tables_dir / f"{tid}.display.csv")
    raw = _read_grid(tables_dir / f"{tid}.raw.csv") if (tables_dir / f"{tid}.raw.csv").exists() else []
    row_pos = {r["key"]: i + 1 for i, r in enumerate(meta["rows"])}
    col_pos = {c["key"]: j + 1 for j, c in enumerate(meta["columns"])}
    raw_rows = {r[0]: dict(zip(raw[0], r)) for r in raw[1:]} if raw else {}
    out = []
    for cell in record["cells"]:
        rule = cell.get("rule") or primary_rule(cell.get("persons"), min_count=m, kind=cell.get("kind", ""))
        if rule is None:
            continue
        where = f"{report}: tabel {tid}, række '{cell['row_label']}', kolonne '{cell['column_label']}'"
        i, j = row_pos.get(cell["row"]), col_pos.get(cell["column"])
        shown = grid[i][j] if i is not None and j is not None and i < len(grid) and j < len(grid[i]) else ""
        if shown not in ("..", f"<{m}", ""):
            out.append(f"{where}: '{shown}' er trykt, men reglen er: {rule}")
        raw_row = raw_rows.get(cell["row"], {})
        for name, value in raw_row.items():
            if name == cell["column"] or name.startswith(cell["column"] + "."):
                if name.endswith((".suppressed", ".low", ".high")) and str(raw_row.get(cell["column"] + ".suppressed")).lower() == "true":
                    continue
                if value not in ("", "None", "nan"):
                    out.append(f"{where}: rå værdi {name} = {value} står i raw.csv, men reglen er: {rule}")
        hidden = cell.get("hidden_display") or ""
        leaked = sorted(t for t in _numbers(hidden) if _telling(t, m) and t in text_numbers)
        if leaked:
            out.append(f"{where}: teksten nævner {', '.join(leaked)}, som tabellen skjuler ({rule})")
    return out


def _check_counts(report, tid: str, raw_path: Path, meta_path: Path, m: int,
                  covered: set = frozenset()) -> list[str]:
    """A count table's raw export (``<key>.low/.high/.suppressed``) must not show a small count."""
    grid = _read_grid(raw_path)
    if not grid or not any(h.endswith(".suppressed") for h in grid[0]):
        return []
    meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.exists() else {}
    labels = {r["key"]: r["label"] for r in meta.get("rows", [])}
    col_labels = {c["key"]: c["label"] for c in meta.get("columns", [])}
    out = []
    for row in grid[1:]:
        values = dict(zip(grid[0], row))
        for name in grid[0]:
            if not name.endswith(".suppressed") or str(values.get(name)).lower() != "false":
                continue
            key = name[:-len(".suppressed")]
            if (tid, row[0], key) in covered:
                continue                              # a statistic (e.g. mean weeks), checked by its record
            low, high = values.get(f"{key}.low"), values.get(f"{key}.high")
            try:
                lo, hi = float(low), float(high)
            except (TypeError, ValueError):
                continue
            if lo == hi and 0 < lo < m:
                out.append(f"{report}: tabel {tid}, række '{labels.get(row[0], row[0])}', kolonne "
                           f"'{col_labels.get(key, key)}': antallet {lo:g} er under {m} og er ikke skjult")
    return out


def _check_hidden_raw(report, tid: str, tables_dir: Path, m: int) -> list[str]:
    """A cell printed as hidden must have no value in the raw CSV (its ``<key>`` and
    ``<key>.<part>`` columns), except the bounds of a suppressed count (``.low/.high``
    next to ``.suppressed = true``)."""
    display_path, raw_path = tables_dir / f"{tid}.display.csv", tables_dir / f"{tid}.raw.csv"
    meta_path = tables_dir / f"{tid}.json"
    if not (display_path.exists() and raw_path.exists() and meta_path.exists()):
        return []
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    grid, raw = _read_grid(display_path), _read_grid(raw_path)
    if len(grid) != len(raw) or not raw:
        return []
    out = []
    head = raw[0]
    for i, (shown_row, raw_row) in enumerate(zip(grid[1:], raw[1:])):
        values = dict(zip(head, raw_row))
        for j, col in enumerate(meta.get("columns", []), start=1):
            if j >= len(shown_row) or shown_row[j] not in ("..", f"<{m}"):
                continue
            key = col["key"]
            bounded = str(values.get(f"{key}.suppressed")).lower() == "true"
            for name, value in values.items():
                if name != key and not name.startswith(key + "."):
                    continue
                if bounded and name.endswith((".low", ".high", ".suppressed")):
                    continue
                if value not in ("", "None", "nan"):
                    label = meta["rows"][i]["label"] if i < len(meta.get("rows", [])) else raw_row[0]
                    out.append(f"{report}: tabel {tid}, række '{label}', kolonne '{col['label']}': cellen er "
                               f"skjult ({shown_row[j]}), men raw.csv har {name} = {value}")
    return out
