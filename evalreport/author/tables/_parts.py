"""The pieces of a table: a column, a row, and the rules for keys and row kinds."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence


ROW_KINDS = ("data", "panel", "subhead")


ID_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")


KEY_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def as_notes(x: str | Sequence[str] | None) -> list[str]:
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

