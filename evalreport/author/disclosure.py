"""Disclosure control for a report's tables: hide what Danmarks Statistik's rules forbid.

``protect(table, persons=…)`` applies the rule set of :mod:`analysis.disclosure` to a
:class:`~evalreport.author.tables.ReportTable`: every cell whose statistic comes from
fewer than ``min-count`` persons (``_quarto.yml``, never below 3), and every
complementary cell that would give such a cell away through a total group
(``parts={"Tilbud": ["Accept", "Nej-tak"]}``), is printed as ``..`` and removed from
the raw export too (the ``<key>`` and ``<key>.<part>`` raw values of that row)::

    protect(balance, persons=n_per_group, parts={"Tilbud": ["Accept", "Nej-tak"]},
            kinds={"Kvinder, pct.": "share", "Antal borgere": "count"})

During a build the function also leaves a private record of what it hid (table,
row, column, rule, the value that was hidden) in ``<tables>/.disclosure/``. The
build's gate (:mod:`evalreport.outputs.disclosure`) checks every exported table and
the text against these records before anything is published, and then deletes them.
"""
from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Mapping

import pandas as pd

from analysis.disclosure import protect_cells

HIDDEN = ".."
NOTE = "..: diskretioneret (færre end {m} personer bag tallet, eller tallet ville afsløre et andet)."


def min_count(given: int | None = None) -> int:
    """``given`` as an integer, or the project's ``disclosure: min-count`` when it is None."""
    if given is not None:
        return int(given)
    from ..config import disclosure_min_count
    return disclosure_min_count()


def _resolve(keys_labels: list[tuple[str, str]], name) -> str | None:
    for key, label in keys_labels:
        if name == key or name == label:
            return key
    return None


def _grid(table, spec, what: str) -> pd.DataFrame:
    """``spec`` (a number, {column: n}, {row: n}, or a frame by keys or labels) as a frame of
    the table's shape (index = row keys, columns = column keys)."""
    rows = [(r.key, r.label) for r in table.rows]
    cols = [(c.key, c.label) for c in table.columns]
    out = pd.DataFrame(None, index=[k for k, _ in rows], columns=[k for k, _ in cols], dtype=object)
    if spec is None:
        return out
    if isinstance(spec, pd.DataFrame):
        for r in spec.index:
            rk = _resolve(rows, r)
            for c in spec.columns:
                ck = _resolve(cols, c)
                if rk is None or ck is None:
                    raise KeyError(f"{table.id}: {what} for '{r}', '{c}' matches no row/column of the table")
                out.at[rk, ck] = spec.at[r, c]
        return out
    if isinstance(spec, (int, float, str)):
        return out.map(lambda _: spec)
    for name, value in dict(spec).items():
        ck, rk = _resolve(cols, name), _resolve(rows, name)
        if ck is not None:
            out[ck] = [value] * len(out)
        elif rk is not None:
            out.loc[rk] = value
        else:
            raise KeyError(f"{table.id}: {what} for '{name}' matches no row or column of the table")
    return out


def protect(table, persons, *, parts: Mapping[str, list] | None = None, kinds=None, values=None,
            min_count_: int | None = None, suppress_zero: bool = False):
    """Hide the cells of ``table`` that the disclosure rules forbid; returns the table.

    ``persons``: persons behind each cell — a number for all, ``{column: n}`` or
    ``{row: n}`` (labels or keys), or a frame; cells without a number (panels,
    model statistics) are not touched. ``kinds``: ``count``, ``share`` or a statistic
    (default), in the same forms. ``values``: the shares, for the share rule.
    ``parts``: total columns and their part columns (by label or key).
    """
    m = int(min_count_ or min_count())
    data_rows = {r.key for r in table.rows if r.kind == "data"}
    n = _grid(table, persons, "persons").astype(float)
    n.loc[[k for k in n.index if k not in data_rows]] = math.nan
    kind_grid = _grid(table, kinds, "kinds").fillna("statistic")
    value_grid = _grid(table, values, "values")
    cols = [(c.key, c.label) for c in table.columns]
    key_parts = {(_resolve(cols, t) or t): [(_resolve(cols, p) or p) for p in ps] for t, ps in (parts or {}).items()}
    rules = protect_cells(n, min_count=m, kinds=kind_grid, values=value_grid.astype(float),
                          parts=key_parts, suppress_zero=suppress_zero)
    records = []
    labels = {r.key: r.label for r in table.rows}
    col_labels = dict(cols)
    for rk in rules.index:
        for ck in rules.columns:
            rule = rules.at[rk, ck]
            persons_here = n.at[rk, ck]
            if pd.isna(persons_here) and rule is None:
                continue
            raw_cols = [c for c in table.raw.columns if str(c) == ck or str(c).startswith(f"{ck}.")]
            record = {"row": rk, "column": ck, "row_label": labels[rk], "column_label": col_labels[ck],
                      "persons": None if pd.isna(persons_here) else float(persons_here),
                      "kind": str(kind_grid.at[rk, ck]), "rule": rule}
            if rule is not None:
                record["hidden_display"] = table.display.at[rk, ck]
                record["hidden_raw"] = [_plain(table.raw.at[rk, c]) for c in raw_cols]
                table.display.at[rk, ck] = HIDDEN
                for c in raw_cols:
                    table.raw[c] = table.raw[c].astype(object)
                    table.raw.at[rk, c] = None
            records.append(record)
    if any(r["rule"] for r in records):
        note = NOTE.format(m=m)
        if note not in table.notes:
            table.notes = list(table.notes) + [note]
    _write_record(table.id, m, records)
    return table


def _plain(value):
    if value is None:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    if hasattr(value, "item"):
        value = value.item()
    return value if isinstance(value, (int, float, str, bool)) else str(value)


def _write_record(table_id: str, m: int, cells: list[dict]) -> None:
    """The private record for the build's gate (never published; the gate deletes it)."""
    out_dir = os.environ.get("EVALREPORT_TABLES_DIR")
    if not out_dir:
        return
    folder = Path(out_dir) / ".disclosure"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{table_id}.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps({"id": table_id, "min_count": m, "cells": cells}, ensure_ascii=False,
                              indent=1, default=str), encoding="utf-8")
    tmp.replace(path)
