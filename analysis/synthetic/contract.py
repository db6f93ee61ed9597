"""Data contracts: what a data set's files must hold, declared once per data set.

A data set (``data/synthetic/<name>/``, or register data put in its place) is a
folder of CSV files. Its generator module declares ``CONTRACT`` next to its
``COLUMNS`` (the column documentation that also writes ``codebook.md``)::

    CONTRACT = contract_from_columns(
        "oto", COLUMNS,
        keys={"families": ["family_id"], "persons": ["person_id"]},        # every file: its unique key
        rules={"persons.age_2019": Rule(min=0, max=68),
               "persons.origin": Rule(values=("dansk", "efterkommer", "indvandrer")),
               "expenditure_flows.month": Rule(pattern=r"\\d{4}-\\d{2}"),
               "weekly_states.w*": Rule(values=(0, 10, 50))},            # fnmatch over column names
        references={"persons.family_id": "families.family_id"},
    )

From ``COLUMNS`` the contract takes each column's kind (``int``, ``float``,
``str``, ``bool01`` = 0/1, ``date`` = ``YYYY-MM-DD``) and whether it may be
missing (an empty field); ``keys`` gives each file's unique key (one or more
columns, never missing), ``rules`` ranges (inclusive), allowed values and
patterns (applied to the non-missing values), ``references`` values that must
exist in another file's column. :meth:`DataContract.codebook_lines` writes the
contract into ``codebook.md``, so the codebook and the check cannot disagree.

This module only declares; the check itself (pandera, with Danish errors naming
file, column, line and value) is :func:`evalreport.author.data.read_dataset`.
"""
from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from typing import Mapping, Sequence

KINDS = ("int", "float", "str", "bool01", "date")


@dataclass(frozen=True)
class Rule:
    """Constraints on a column's non-missing values."""
    min: float | None = None
    max: float | None = None
    values: tuple | None = None        # the allowed values (categories, codes)
    pattern: str | None = None         # a regular expression the whole text must match

    def describe(self) -> str:
        parts = []
        if self.values is not None:
            parts.append("one of " + ", ".join(str(v) for v in self.values))
        if self.min is not None and self.max is not None:
            parts.append(f"{self.min:g} to {self.max:g}")
        elif self.min is not None:
            parts.append(f"≥ {self.min:g}")
        elif self.max is not None:
            parts.append(f"≤ {self.max:g}")
        if self.pattern is not None:
            parts.append(f"matches `{self.pattern}`")
        return "; ".join(parts)


@dataclass(frozen=True)
class FileContract:
    stem: str                                  # the file is <stem>.csv
    kinds: Mapping[str, str]                   # column -> kind, in file order
    nullable: frozenset = frozenset()
    decimals: Mapping[str, int] = field(default_factory=dict)
    key: tuple = ()                            # columns that together are unique
    rules: Mapping[str, Rule] = field(default_factory=dict)
    references: Mapping[str, tuple] = field(default_factory=dict)   # column -> (stem, column)

    @property
    def filename(self) -> str:
        return f"{self.stem}.csv"


@dataclass(frozen=True)
class DataContract:
    name: str
    files: Mapping[str, FileContract]

    def codebook_lines(self, stem: str) -> list[str]:
        """The contract of one file as codebook text (after its column table)."""
        f = self.files[stem]
        lines = [f"Unique key: {', '.join(f'`{c}`' for c in f.key)}."]
        checks, groups = [], []
        for col, rule in f.rules.items():           # runs of columns under one rule are one entry
            if groups and groups[-1][1] is rule:
                groups[-1][0].append(col)
            else:
                groups.append(([col], rule))
        for cols, rule in groups:
            name = f"`{cols[0]}`" if len(cols) == 1 else (
                f"`{cols[0]}`, `{cols[1]}`" if len(cols) == 2 else f"`{cols[0]}` … `{cols[-1]}`")
            checks.append(f"{name} {rule.describe()}")
        checks += [f"`{col}` in `{s}.{c}`" for col, (s, c) in f.references.items()]
        if checks:
            lines.append("Checked on reading: " + "; ".join(checks) + ".")
        return lines + [""]


def _columns_matching(pattern: str, columns: Sequence[str]) -> list[str]:
    return [c for c in columns if fnmatch.fnmatchcase(c, pattern)]


def contract_from_columns(name: str, columns: Mapping[str, Sequence[tuple]], *,
                          keys: Mapping[str, Sequence[str]],
                          rules: Mapping[str, Rule] | None = None,
                          references: Mapping[str, str] | None = None) -> DataContract:
    """A data set's contract from its ``COLUMNS`` documentation plus keys, rules and references.

    ``columns`` maps a file stem to tuples ``(name, kind, decimals, nullable, …)``
    (the generators' ``COLUMNS``). ``rules`` and ``references`` are keyed
    ``"<stem>.<column>"``; a rule's column may be an fnmatch pattern
    (``"weekly_states.w*"``). Mistakes in the declaration raise ``ValueError``.
    """
    rules, references = dict(rules or {}), dict(references or {})
    files = {}
    for stem, cols in columns.items():
        kinds = {c[0]: c[1] for c in cols}
        bad = [f"{stem}.{c}: {k}" for c, k in kinds.items() if k not in KINDS]
        if bad:
            raise ValueError(f"unknown column kind(s) {bad}; use one of {KINDS}")
        if stem not in keys:
            raise ValueError(f"contract {name}: no unique key for '{stem}' (keys={{'{stem}': [...]}})")
        key = tuple(keys[stem])
        nullable = frozenset(c[0] for c in cols if c[3])
        if not key or any(k not in kinds or k in nullable for k in key):
            raise ValueError(f"contract {name}: key {key} of '{stem}' must be non-missing columns of it")
        files[stem] = FileContract(stem, kinds, nullable, {c[0]: c[2] for c in cols if c[2] is not None},
                                   key, {}, {})
    for target, table in (("rules", rules), ("references", references)):
        for spec in table:
            stem, _, col = spec.partition(".")
            if stem not in files or not _columns_matching(col, list(files[stem].kinds)):
                raise ValueError(f"contract {name}: {target} names '{spec}', which is no column")
    for stem, f in files.items():
        f_rules = {}
        for spec, rule in rules.items():
            s, _, pattern = spec.partition(".")
            if s == stem:
                for col in _columns_matching(pattern, list(f.kinds)):
                    if rule.pattern is not None:
                        re.compile(rule.pattern)
                    f_rules[col] = rule
        f_refs = {}
        for spec, other in references.items():
            s, _, col = spec.partition(".")
            if s == stem:
                o_stem, _, o_col = other.partition(".")
                if o_stem not in files or o_col not in files[o_stem].kinds:
                    raise ValueError(f"contract {name}: reference target '{other}' is no column")
                f_refs[col] = (o_stem, o_col)
        files[stem] = FileContract(stem, f.kinds, f.nullable, f.decimals, f.key, f_rules, f_refs)
    return DataContract(name, files)
