"""The short Danish labels both the terminal text and the HTML page print.

A side ("1.1.0 (bygget 3. marts 2026; commit 1a2b3c4d5e; seed=2)"), a printed cell's change
in Danish with the cell's decimals ("Δ +0,3", "Δ −1.052") and a raw value's exact change
("Δ +0.04", twelve significant digits).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from ...engine.render import danish_date
from ._numbers import fmt_delta_danish

if TYPE_CHECKING:
    from ._result import Side
    from ._table_diff import CellChange


def raw_delta(delta: float | None) -> str:
    return "" if delta is None else f"Δ {delta:+.12g}"


def cell_delta(c: CellChange) -> str:
    return "" if c.delta is None else "Δ " + fmt_delta_danish(c.delta, c.decimals)


def side_text(s: Side) -> str:
    m = s.manifest or {}
    bits = []
    if m.get("built"):
        bits.append(f"bygget {danish_date(str(m['built'])[:10])}")
    if m.get("commit"):
        bits.append(f"commit {m['commit'][:10]}" + ("*" if m.get("dirty") else ""))
    if m.get("params"):
        bits.append(", ".join(f"{k}={v}" for k, v in m["params"].items()))
    return f"{s.label}" + (f" ({'; '.join(bits)})" if bits else "")
