"""Danish numbers read back from printed cells and prose.

A printed cell is compared as printed; its *numeric difference* is that of the first number
in it, read as Danish (``"1.052"`` = 1052, ``"-1,1 (-2,5 til 0,3)"`` = -1.1, ``"<3"`` = 3,
``"23-29"`` = 23). Two texts are equal within a tolerance when they are the same apart from
their numbers and every number is within it. Raw CSV values are read as Python floats.

Written by hand: number parsers (babel, locale) read one whole number, not every number
standing in a sentence or a cell such as "-1,1 (-2,5 til 0,3)".
"""
from __future__ import annotations

import re


# A Danish number: "." groups thousands, "," is the decimal mark. A minus is the typographic
# minus U+2212 that reports print, or the ASCII hyphen-minus of versions built before the
# switch (both are read, so old and new versions compare by value). It counts only when it
# does not follow a digit ("23-29" is a range, "−0,3" and "-0,3" negative numbers).
_NUMBER = re.compile(r"(?<![\d,.])([-\u2212]?)(\d{1,3}(?:\.\d{3})+(?!\d)|\d+)(?:,(\d+))?")


def danish_numbers(text: str) -> list[float]:
    """Every number in a printed Danish string, in order."""
    out = []
    for m in _NUMBER.finditer(text or ""):
        sign, whole, frac = m.groups()
        value = float(whole.replace(".", "") + ("." + frac if frac else ""))
        out.append(-value if sign else value)
    return out


def danish_number(text: str) -> float | None:
    """The first number of a printed cell ("-1,1 (-2,5 til 0,3)" -> -1.1), or None."""
    nums = danish_numbers(text)
    return nums[0] if nums else None


def _skeleton(text: str) -> str:
    return _NUMBER.sub("#", text or "")


def decimals_of(text: str) -> int:
    m = _NUMBER.search(text or "")
    return len(m.group(3)) if m and m.group(3) else 0


def equal_within(old: str, new: str, tolerance: float) -> bool:
    """Same text, or (tolerance > 0) the same text apart from numbers that differ by ≤ tolerance."""
    if old == new:
        return True
    if tolerance <= 0 or _skeleton(old) != _skeleton(new):
        return False
    a, b = danish_numbers(old), danish_numbers(new)
    return len(a) == len(b) and all(abs(x - y) <= tolerance + 1e-12 for x, y in zip(a, b))


def fmt_delta_danish(delta: float, decimals: int) -> str:
    text = f"{abs(delta):,.{decimals}f}".replace(",", "\0").replace(".", ",").replace("\0", ".")
    if float(f"{abs(delta):.{decimals}f}") == 0:
        return "0" if decimals == 0 else "0," + "0" * decimals
    return ("+" if delta > 0 else "\u2212") + text


def raw_number(text: str) -> float | None:
    if text in ("", None):
        return None
    if text in ("true", "false"):
        return None
    try:
        return float(text)
    except ValueError:
        return None
