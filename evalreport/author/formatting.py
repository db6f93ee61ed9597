"""Danish number formatting: one formatter for tables *and* prose.

Conventions (see shared spec oto.md §3.0):

* comma decimals and "." thousands: ``1.052``, ``−1.014``, ``8,1``;
* negatives with the typographic minus ``−`` (U+2212, :data:`MINUS`), as the
  developers' guide and Danish typesetting require, in tables, prose and figure
  ticks alike; :func:`normalize_minus` turns an ASCII hyphen-minus in front of a
  number in a foreign string into it. Raw exports (``raw.csv``) keep Python's
  ``-`` (they are data, not print), and ranges keep their hyphen ("23-29");
* no ``+`` unless ``sign=True``;
* rounding is *half away from zero on the decimal value*: the float is first
  turned into the shortest decimal that round-trips (``repr``), so ``0.125`` ->
  ``0,13`` and ``2.675`` -> ``2,68`` (Python's ``round`` gives 2.67);
* a value that rounds to zero prints without a sign: ``-0.04`` -> ``0,0``;
* missing values (None, NaN, pd.NA) print as ``options().missing`` (default
  ``""``; set ``"-"`` with :func:`set_options` or the :func:`options` context);
* p-values with 2 decimals, never ``<0,01``; ``floor=0.001`` (or the option
  ``p_floor``) prints ``<0,001`` below the floor;
* significance markers ``#``/``*``/``**``/``***`` for 10/5/1/0,1 pct. (``p < level``).

Prose helpers: :func:`fmt_pct` ("68 pct."), :func:`fmt_pp` ("1,1 procentpoint"),
:func:`fmt_ki` ("95 pct. KI (−2,5 til 0,3)"), :func:`fmt_kr` ("200.000 kr.",
"1,16 mio. kr."), :func:`round_to` / :func:`fmt_approx` ("knap 90"),
:func:`num_word` ("tre"), :func:`fraction_word` ("knap halvdelen").
"""
from __future__ import annotations

import math
import re
from contextlib import contextmanager
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any, Iterator, Sequence

__all__ = [
    "FormatOptions", "options", "set_options", "get_options",
    "is_missing", "to_decimal", "normalize_minus",
    "fmt_num", "fmt_int", "fmt_pct", "fmt_pp", "fmt_ci", "fmt_ki", "fmt_est_ci", "fmt_est_se",
    "fmt_mean_sd", "fmt_p", "fmt_p_eq", "stars", "star_legend", "fmt_kr", "round_to",
    "fmt_approx", "num_word", "fraction_word", "fmt_count", "sign_of", "cap",
    "DEFAULT_STAR_LEVELS",
]

MINUS = "\u2212"       # the typographic minus of printed numbers
UNICODE_MINUS = MINUS
ASCII_MINUS = "-"

#: (threshold, marker), most significant first; a p-value gets the marker of the
#: smallest threshold it is strictly below.
DEFAULT_STAR_LEVELS: tuple[tuple[float, str], ...] = (
    (0.001, "***"), (0.01, "**"), (0.05, "*"), (0.10, "#"),
)


@dataclass(frozen=True)
class FormatOptions:
    missing: str = ""                     # text for None/NaN
    p_floor: float | None = None          # e.g. 0.001 -> "<0,001" below it
    star_levels: tuple[tuple[float, str], ...] = DEFAULT_STAR_LEVELS


_OPTIONS = FormatOptions()


def get_options() -> FormatOptions:
    return _OPTIONS


def set_options(**changes: Any) -> FormatOptions:
    """Change the process-wide defaults (e.g. ``set_options(missing="-")``)."""
    global _OPTIONS
    if "star_levels" in changes:
        changes["star_levels"] = _check_levels(changes["star_levels"])
    _OPTIONS = replace(_OPTIONS, **changes)
    return _OPTIONS


@contextmanager
def options(**changes: Any) -> Iterator[FormatOptions]:
    """Temporarily change the defaults: ``with options(missing="-"): ...``."""
    global _OPTIONS
    old = _OPTIONS
    try:
        yield set_options(**changes)
    finally:
        _OPTIONS = old


# --------------------------------------------------------------------------- basics

def is_missing(x: Any) -> bool:
    """None, float NaN (also numpy), pandas NA/NaT."""
    if x is None:
        return True
    if type(x).__name__ in ("NAType", "NaTType"):
        return True
    try:
        return bool(x != x)          # NaN is the only value unequal to itself
    except (TypeError, ValueError):
        return False


def to_decimal(x: Any) -> Decimal | None:
    """Exact decimal of what the number *looks like*: ``Decimal(repr(float(x)))``.

    Returns None for missing values; raises for infinities and non-numbers.
    """
    if is_missing(x):
        return None
    if isinstance(x, Decimal):
        d = x
    elif isinstance(x, bool):
        raise TypeError("a bool is not a number to format")
    elif isinstance(x, int):
        d = Decimal(x)
    elif isinstance(x, Fraction):
        d = Decimal(x.numerator) / Decimal(x.denominator)
    elif isinstance(x, str):
        raise TypeError(f"expected a number, got the string {x!r}")
    else:
        # numpy scalars, floats and anything float()-able. Integral numpy types
        # stay exact through int().
        if type(x).__name__.startswith(("int", "uint")) and hasattr(x, "dtype"):
            d = Decimal(int(x))
        else:
            f = float(x)
            if math.isinf(f):
                raise ValueError(f"cannot format an infinite value ({x!r})")
            d = Decimal(repr(f))
    if not d.is_finite():
        raise ValueError(f"cannot format {x!r}")
    return d


def _scale(d: Decimal, scale: Any) -> Decimal:
    if scale is None or scale == 1:
        return d
    s = to_decimal(scale)
    if s is None:
        raise ValueError("scale cannot be missing")
    return d * s


def _quantize(d: Decimal, decimals: int) -> Decimal:
    q = d.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    if q.is_zero():
        q = abs(q)          # no "-0,0"
    return q


def _group(digits: str) -> str:
    out = []
    while len(digits) > 3:
        out.append(digits[-3:])
        digits = digits[:-3]
    out.append(digits)
    return ".".join(reversed(out))


def _render(q: Decimal, decimals: int, sign: bool, group: bool) -> str:
    text = f"{abs(q):f}"
    int_part, _, frac = text.partition(".")
    body = _group(int_part) if group else int_part
    if decimals > 0:
        body += "," + frac.ljust(decimals, "0")[:decimals]
    if q < 0:
        return MINUS + body
    if sign and q > 0:
        return "+" + body
    return body


def _missing(missing: str | None) -> str:
    return _OPTIONS.missing if missing is None else missing


_ASCII_NEGATIVE = re.compile(r"(?<![\w,.])-(?=\d)")


def normalize_minus(text: str) -> str:
    """The report's minus in a foreign string: an ASCII hyphen-minus directly in front of
    a number (and not after a digit or letter, so "23-29" and "P-værdi" stay) becomes
    U+2212: "-0,5" -> "−0,5"."""
    return _ASCII_NEGATIVE.sub(MINUS, text)


def cap(text: str) -> str:
    """Capitalise the first letter only ("effekten er ..." -> "Effekten er ...")."""
    return text[:1].upper() + text[1:] if text else text


# --------------------------------------------------------------------------- numbers

def fmt_num(x: Any, decimals: int = 0, *, sign: bool = False, scale: Any = None,
            group: bool = True, missing: str | None = None) -> str:
    """``fmt_num(1052) == "1.052"``, ``fmt_num(-1.05, 1) == "−1,1"``.

    ``decimals`` may be negative to round to tens/hundreds/thousands
    (``fmt_num(204321, -3) == "204.000"``). ``scale`` multiplies exactly first
    (``scale=100`` for shares shown as percentages). ``sign=True`` adds "+" to
    positive values (never to a value that rounds to zero).
    """
    d = to_decimal(x)
    if d is None:
        return _missing(missing)
    q = _quantize(_scale(d, scale), decimals)
    return _render(q, max(decimals, 0), sign, group)


def fmt_int(x: Any, *, sign: bool = False, missing: str | None = None) -> str:
    return fmt_num(x, 0, sign=sign, missing=missing)


def sign_of(x: Any, decimals: int = 0, *, scale: Any = None) -> int:
    """-1, 0 or 1 for the value *as printed* with ``decimals`` (so prose never
    says "a reduction of 0,0")."""
    d = to_decimal(x)
    if d is None:
        raise ValueError("sign_of() of a missing value")
    q = _quantize(_scale(d, scale), decimals)
    return (q > 0) - (q < 0)


def fmt_pct(x: Any, decimals: int = 0, *, from_share: bool = False, sign: bool = False,
            unit: str = "pct.", missing: str | None = None) -> str:
    """Prose percentage: ``fmt_pct(68) == "68 pct."``, ``fmt_pct(0.4697, 1,
    from_share=True) == "47,0 pct."``. ``unit="%"`` gives "68 %"; ``unit=""``
    just the number."""
    s = fmt_num(x, decimals, sign=sign, scale=100 if from_share else None, missing=missing)
    if is_missing(x) or not unit:
        return s
    return f"{s} {unit}"


def fmt_pp(x: Any, decimals: int = 1, *, from_share: bool = False, sign: bool = False,
           short: bool = False, missing: str | None = None) -> str:
    """Percentage points: "1,1 procentpoint" (``short=True``: "1,1 pct.-point")."""
    return fmt_pct(x, decimals, from_share=from_share, sign=sign,
                   unit="pct.-point" if short else "procentpoint", missing=missing)


def fmt_ci(lo: Any, hi: Any, decimals: int = 1, *, scale: Any = None,
           missing: str | None = None) -> str:
    """Interval "−2,5 til 0,3" (missing if either bound is missing)."""
    if is_missing(lo) or is_missing(hi):
        return _missing(missing)
    return f"{fmt_num(lo, decimals, scale=scale)} til {fmt_num(hi, decimals, scale=scale)}"


def fmt_ki(lo: Any, hi: Any, decimals: int = 1, *, level: int = 95, scale: Any = None,
           missing: str | None = None) -> str:
    """Prose interval: "95 pct. KI (−2,5 til 0,3)"."""
    if is_missing(lo) or is_missing(hi):
        return _missing(missing)
    return f"{level} pct. KI ({fmt_ci(lo, hi, decimals, scale=scale)})"


def fmt_est_ci(est: Any, lo: Any, hi: Any, decimals: int = 1, *, scale: Any = None,
               mark: str = "", missing: str | None = None) -> str:
    """Table cell "−1,1 (−2,5 til 0,3)"; ``mark`` (e.g. a star) follows the estimate."""
    if is_missing(est):
        return _missing(missing)
    s = fmt_num(est, decimals, scale=scale) + mark
    if is_missing(lo) or is_missing(hi):
        return s
    return f"{s} ({fmt_ci(lo, hi, decimals, scale=scale)})"


def fmt_est_se(est: Any, se: Any, decimals: int = 1, *, p: Any = None,
               levels: Sequence[tuple[float, str]] | None = None, scale: Any = None,
               missing: str | None = None) -> str:
    """Table cell "0,0529* (0,0243)": the estimate, its significance marker when ``p`` is
    given (``levels`` or the option ``star_levels``), the standard error in parentheses."""
    if is_missing(est):
        return _missing(missing)
    s = fmt_num(est, decimals, scale=scale) + (stars(p, levels) if p is not None else "")
    if is_missing(se):
        return s
    return f"{s} ({fmt_num(se, decimals, scale=scale)})"


def fmt_mean_sd(mean: Any, sd: Any, decimals: int = 1, *, sd_decimals: int | None = None,
                scale: Any = None, missing: str | None = None) -> str:
    """Table cell "8,1 (6,1)"; only the mean if the SD is missing."""
    if is_missing(mean):
        return _missing(missing)
    s = fmt_num(mean, decimals, scale=scale)
    if is_missing(sd):
        return s
    sdd = decimals if sd_decimals is None else sd_decimals
    return f"{s} ({fmt_num(sd, sdd, scale=scale)})"


# --------------------------------------------------------------------------- p-values

def _check_p(p: Any) -> Decimal | None:
    d = to_decimal(p)
    if d is not None and not (0 <= d <= 1):
        raise ValueError(f"p-value outside [0, 1]: {p!r}")
    return d


def _floor_digits(floor: Decimal) -> int:
    return max(0, -floor.normalize().as_tuple().exponent)


def fmt_p(p: Any, decimals: int = 2, *, floor: float | None = None,
          missing: str | None = None) -> str:
    """"0,13"; never "<0,01" unless asked: ``floor=0.001`` gives "<0,001"
    for p < 0.001 (default from ``options().p_floor``)."""
    d = _check_p(p)
    if d is None:
        return _missing(missing)
    floor = _OPTIONS.p_floor if floor is None else floor
    if floor is not None:
        fd = to_decimal(floor)
        if d < fd:
            return "<" + fmt_num(fd, max(decimals, _floor_digits(fd)))
    return fmt_num(d, decimals)


def fmt_p_eq(p: Any, decimals: int = 2, *, floor: float | None = None) -> str:
    """Prose: "p = 0,13" or "p < 0,001"."""
    s = fmt_p(p, decimals, floor=floor, missing="")
    if not s:
        raise ValueError("fmt_p_eq() of a missing p-value")
    return f"p < {s[1:]}" if s.startswith("<") else f"p = {s}"


def _check_levels(levels: Sequence[tuple[float, str]]) -> tuple[tuple[float, str], ...]:
    out = tuple(sorted(((float(t), str(m)) for t, m in levels), key=lambda tm: tm[0]))
    if not out:
        raise ValueError("star_levels must not be empty")
    return out


def stars(p: Any, levels: Sequence[tuple[float, str]] | None = None) -> str:
    """Marker for the smallest threshold that p is strictly below ("" if none)."""
    d = _check_p(p)
    if d is None:
        return ""
    for threshold, marker in _check_levels(levels or _OPTIONS.star_levels):
        if d < to_decimal(threshold):
            return marker
    return ""


def star_legend(levels: Sequence[tuple[float, str]] | None = None) -> str:
    """"# p < 0,10; * p < 0,05; ** p < 0,01; *** p < 0,001" (least significant first)."""
    lv = _check_levels(levels or _OPTIONS.star_levels)
    parts = []
    for threshold, marker in reversed(lv):
        t = to_decimal(threshold)
        parts.append(f"{marker} p < {fmt_num(t, max(2, _floor_digits(t)))}")
    return "; ".join(parts)


# --------------------------------------------------------------------------- money

def fmt_kr(x: Any, decimals: int | None = None, *, unit: str = "auto",
           missing: str | None = None) -> str:
    """Kroner: "200.000 kr.", "1,16 mio. kr.", "2,3 mia. kr.".

    ``unit``: "auto" (mio. from 1 million, mia. from 1 billion), "kr", "mio",
    "mia". With ``decimals=None`` kroner get 0 decimals and mio./mia. three
    significant digits (1,16 / 23,4 / 234).
    """
    d = to_decimal(x)
    if d is None:
        return _missing(missing)
    if unit == "auto":
        a = abs(d)
        unit = "mia" if a >= Decimal(10) ** 9 else "mio" if a >= Decimal(10) ** 6 else "kr"
    if unit == "kr":
        return f"{fmt_num(d, decimals or 0)} kr."
    if unit not in ("mio", "mia"):
        raise ValueError(f"unknown unit {unit!r}")
    v = d / (Decimal(10) ** (6 if unit == "mio" else 9))
    if decimals is None:
        a = abs(v)
        decimals = 2 if _quantize(a, 2) < 10 else 1 if _quantize(a, 1) < 100 else 0
    return f"{fmt_num(v, decimals)} {unit}. kr."


def round_to(x: Any, step: Any) -> int | float:
    """Round to the nearest multiple of ``step`` (half away from zero):
    ``round_to(204321, 10000) == 200000``, ``round_to(2.46, 0.5) == 2.5``."""
    d, s = to_decimal(x), to_decimal(step)
    if d is None or s is None or s <= 0:
        raise ValueError("round_to() needs a number and a positive step")
    q = (d / s).quantize(Decimal(1), rounding=ROUND_HALF_UP) * s
    if q == q.to_integral_value():
        return int(q)
    return float(q)


def fmt_approx(x: Any, step: Any, decimals: int = 0, *, qualifier: str | None = None,
               unit: str = "") -> str:
    """Approximate number for prose: "knap 90", "godt 200.000", "omkring 250".

    The value is rounded to ``step``. Within 10 pct. of a step from the rounded
    value it is "omkring", otherwise "knap" (value below) or "godt" (above); an
    exact hit has no qualifier. ``qualifier=`` forces a word ("" for none).
    """
    d = to_decimal(x)
    if d is None:
        raise ValueError("fmt_approx() of a missing value")
    r = to_decimal(round_to(d, step))
    if qualifier is None:
        diff = d - r
        if diff == 0:
            qualifier = ""
        elif abs(diff) <= to_decimal(step) / 10:
            qualifier = "omkring"
        else:
            qualifier = "knap" if diff < 0 else "godt"
            if r < 0:                      # "knap -90" would read backwards
                qualifier = "godt" if diff < 0 else "knap"
    s = fmt_num(r, decimals)
    s = f"{qualifier} {s}" if qualifier else s
    return f"{s} {unit}" if unit else s


# --------------------------------------------------------------------------- words

_NUM_WORDS = ["nul", "en", "to", "tre", "fire", "fem", "seks", "syv", "otte", "ni", "ti",
              "elleve", "tolv"]


def num_word(n: Any, *, neuter: bool = False, max_word: int = 12) -> str:
    """0-12 in words ("tre"; 1 is "en", or "et" with ``neuter=True``), larger
    or non-integral numbers as digits (``fmt_num``)."""
    d = to_decimal(n)
    if d is None:
        raise ValueError("num_word() of a missing value")
    if d == d.to_integral_value() and 0 <= d <= min(max_word, 12):
        i = int(d)
        return "et" if (i == 1 and neuter) else _NUM_WORDS[i]
    if d == d.to_integral_value():
        return fmt_num(d, 0)
    return fmt_num(d, 1)


# (value, words): the singular fraction words take "en"; "halvdelen" is definite.
_FRACTIONS: tuple[tuple[Fraction, str], ...] = (
    (Fraction(1, 10), "en tiendedel"),
    (Fraction(1, 6), "en sjettedel"),
    (Fraction(1, 5), "en femtedel"),
    (Fraction(1, 4), "en fjerdedel"),
    (Fraction(1, 3), "en tredjedel"),
    (Fraction(2, 5), "to femtedele"),
    (Fraction(1, 2), "halvdelen"),
    (Fraction(3, 5), "tre femtedele"),
    (Fraction(2, 3), "to tredjedele"),
    (Fraction(3, 4), "tre fjerdedele"),
    (Fraction(4, 5), "fire femtedele"),
    (Fraction(9, 10), "ni tiendedele"),
)


def fraction_word(share: Any, *, exact_tol: float = 0.005, about_tol: float = 0.015,
                  max_dist: float = 0.05, fallback: bool = True) -> str:
    """A share (0-1) in words with a qualifier decided from the value.

    Nearest simple fraction (ties: the smaller denominator); distance
    <= ``exact_tol``: bare ("en tredjedel"); <= ``about_tol``: "omkring ...";
    <= ``max_dist`` (and at most a quarter of the fraction, or of one minus
    it): "knap ..." below / "godt ..." above. Further away (so below 7,5 or
    above 92,5 pct.) the share is given as "12 pct." (``fallback``) or a
    ValueError. 0 and 1 give "ingen" and "alle".
    """
    d = to_decimal(share)
    if d is None:
        raise ValueError("fraction_word() of a missing value")
    if not (0 <= d <= 1):
        raise ValueError(f"a share must be between 0 and 1, got {share!r}")
    if d == 0:
        return "ingen"
    if d == 1:
        return "alle"
    x = Fraction(str(d))
    best = min(_FRACTIONS, key=lambda fw: (abs(x - fw[0]), fw[0].denominator))
    dist = x - best[0]
    words = best[1]
    if abs(dist) <= Fraction(str(exact_tol)):
        return words
    if abs(dist) <= Fraction(str(about_tol)):
        return f"omkring {words}"
    # "knap en tiendedel" must not stretch to 5 pct.: the window shrinks near 0 and 1
    window = min(Fraction(str(max_dist)), best[0] / 4, (1 - best[0]) / 4)
    if abs(dist) <= window:
        return f"{'knap' if dist < 0 else 'godt'} {words}"
    if fallback:
        return fmt_pct(d, 0, from_share=True)
    raise ValueError(f"no fraction word near {share!r}")


# --------------------------------------------------------------------------- counts

def fmt_count(cell: Any, *, min_count: int = 3, missing: str | None = None) -> str:
    """Disclosure-controlled count: "<3" if suppressed, "23-29" for an
    interval, the number otherwise. Accepts ``analysis.disclosure.Count``-like
    objects (attributes ``low``, ``high``, ``suppressed``) and plain numbers."""
    if is_missing(cell):
        return _missing(missing)
    if hasattr(cell, "low") and hasattr(cell, "high"):
        if getattr(cell, "complementary", False):
            return ".."                          # hidden so that a small count cannot be recovered
        if getattr(cell, "suppressed", False):
            return f"<{fmt_num(min_count)}"
        lo, hi = cell.low, cell.high
        if is_missing(lo) and is_missing(hi):
            return _missing(missing)
        if lo == hi or is_missing(hi):
            return fmt_num(lo)
        return f"{fmt_num(lo)}-{fmt_num(hi)}"
    return fmt_num(cell)
