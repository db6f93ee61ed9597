"""Danish words for results: the small pieces every report's sentences are made of.

Every word is chosen from the number *as printed*: a value that prints as
``0,0`` is "stort set uændret", not "et fald på 0,0"; "1 time" but "1,0 timer"
is never printed with the wrong number of the noun; an effect size of 0,196 that
prints as ``0,20`` is called "moderat", like the printed number says.

Significance (``p < level``; p exactly at the level is *not* significant). Where a
p-value is expected, a result may be given instead: anything with a ``p_value``
attribute or key (``analysis.rct.EffectEstimate``, a row of a tidy results frame)::

    is_significant(0.03)                       True
    p_text(0.046)                              'p = 0,046'  (two decimals would print 0,05)
    significance(0.03)                         'statistisk signifikant på 5 pct.-niveau (p = 0,03)'
    significance(0.07)                         'kun statistisk signifikant på 10 pct.-niveau (p = 0,07)'
    significance(0.004, levels=STAR_LEVELS, p_value=False)
                                               'statistisk signifikant på 1 pct.-niveau'
    significance_clause(0.43, lead="hvilket")  'hvilket ikke er statistisk signifikant på 5 pct.-niveau (p = 0,43)'

Direction and size::

    direction(-0.04, "steg", "faldt", "var uændret", decimals=1)   'var uændret'
    change(-1.14, "procentpoint", decimals=1)                       'et fald på 1,1 procentpoint'
    difference(2.0, "karakterpoint", decimals=1)                    '2,0 karakterpoint højere'
    size_word(-0.196)                                              'moderat'
    with_unit(1, "timer")  '1 time';  with_unit(2, "time om året")  '2 timer om året'

Lists, intervals, relative effects::

    and_list(["a", "b", "c"])                  'a, b og c'
    interval(1.23, 3.4, 1)                     '1,2 til 3,4'
    spread([0.042, 0.053], scale=100, up="mere")   'mellem 4,2 og 5,3 procentpoint mere'
    relative(0.05, 0.14)                       '36 pct. mere end kontrolgruppen'
    runs([3, 4, 5, 9])                         'uge 3–5 og uge 9'
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any, Iterable, Mapping, Sequence

from . import formatting as F

__all__ = [
    "STAR_LEVELS", "is_significant", "p_decimals", "p_text", "level_text", "significance",
    "significance_clause", "direction", "change", "difference", "size_word", "unit_word",
    "with_unit", "count_noun", "and_list", "interval", "spread", "relative_share", "relative",
    "times", "runs", "UNITS", "NEUTER_NOUNS", "article", "field", "effect_words", "kr_step",
    "approx_kr",
]

#: The significance levels of the star legend, most significant first.
STAR_LEVELS: tuple[float, ...] = tuple(t for t, _ in F.DEFAULT_STAR_LEVELS)


# --------------------------------------------------------------------------- significance

def field(result: Any, *names: str) -> Any:
    """The first of ``names`` in a result: an attribute (dataclass) or a key (mapping, Series)."""
    for n in names:
        if hasattr(result, n) and not isinstance(result, Mapping):
            return getattr(result, n)
        try:
            return result[n]
        except (KeyError, IndexError, TypeError):
            continue
    raise KeyError(f"{type(result).__name__} has none of {names}")


def _p(p: Any) -> Decimal:
    if not isinstance(p, (int, float, Decimal)) and not F.is_missing(p) \
            and (hasattr(p, "p_value") or isinstance(p, Mapping) or hasattr(p, "index")):
        p = field(p, "p_value")
    d = F.to_decimal(p)
    if d is None:
        raise ValueError("a significance word needs a p-value, got a missing value")
    if not (0 <= d <= 1):
        raise ValueError(f"p-value outside [0, 1]: {p!r}")
    return d


def _printed(x: Any, decimals: int) -> Decimal:
    """The value as it is printed with ``decimals``, as a Decimal."""
    return Decimal(F.fmt_num(x, decimals, group=False).replace(",", ".").replace(F.MINUS, "-"))


def is_significant(p: Any, level: float = 0.05) -> bool:
    """``p < level`` (a p-value exactly at the level is not significant)."""
    return _p(p) < F.to_decimal(level)


def p_decimals(p: Any, level: float = 0.05, *, decimals: int = 2, max_decimals: int = 4) -> int:
    """The fewest decimals (at least ``decimals``) that keep "p = …" unambiguous at ``level``.

    Two decimals are enough unless the printed p equals the level ("p = 0,05" for p = 0,046 or
    0,053: significant or not?) or lands on the other side of it (p = 0,0496 is significant but
    would print as 0,05). Then decimals are added, up to ``max_decimals``. A p exactly at the level
    keeps two decimals.
    """
    d, lv = _p(p), F.to_decimal(level)
    for k in range(decimals, max_decimals + 1):
        printed = _printed(d, k)
        if d == lv or (printed != lv and (printed < lv) == (d < lv)):
            return k
    return max_decimals


def p_text(p: Any, level: float = 0.05, *, floor: float | None = None) -> str:
    """"p = 0,13"; near the level with more decimals ("p = 0,046"); below ``floor``
    "p < 0,01"."""
    d = _p(p)
    return F.fmt_p_eq(d, p_decimals(d, level), floor=floor)


def level_text(level: float) -> str:
    """"5 pct.-niveau", "0,1 pct.-niveau"."""
    d = F.to_decimal(level) * 100
    return f"{F.fmt_num(d, 0 if d == d.to_integral_value() else 1)} pct.-niveau"


def _significance_parts(p, level, weak, levels, p_value, floor) -> tuple[str, str]:
    """(adverb, rest) so that a clause can put the verb in between."""
    d = _p(p)
    tail = f" ({p_text(p, level, floor=floor)})" if p_value else ""
    if d < F.to_decimal(level):
        named = level
        if levels:
            named = min((lv for lv in levels if d < F.to_decimal(lv)), default=level)
        return "", f"statistisk signifikant på {level_text(named)}{tail}"
    if weak is not None and d < F.to_decimal(weak):
        return "kun", f"statistisk signifikant på {level_text(weak)}{tail}"
    return "ikke", f"statistisk signifikant på {level_text(level)}{tail}"


def significance(p: Any, level: float = 0.05, *, weak: float | None = 0.10,
                 levels: Sequence[float] | None = None, p_value: bool = True,
                 floor: float | None = None) -> str:
    """Significance as an adjective phrase:

    * ``p < level``: "statistisk signifikant på 5 pct.-niveau (p = 0,03)"; with ``levels``
      (e.g. :data:`STAR_LEVELS`) the smallest level p is below is named ("på 1 pct.-niveau");
    * ``level <= p < weak``: "kun statistisk signifikant på 10 pct.-niveau (p = 0,07)";
    * otherwise "ikke statistisk signifikant på 5 pct.-niveau (p = 0,43)".

    ``p_value=False`` leaves out the parenthesis; ``floor`` prints "p < 0,01" below it.
    """
    adverb, rest = _significance_parts(p, level, weak, levels, p_value, floor)
    return f"{adverb} {rest}" if adverb else rest


def significance_clause(p: Any, level: float = 0.05, *, lead: str = "som",
                        weak: float | None = 0.10, levels: Sequence[float] | None = None,
                        p_value: bool = True, floor: float | None = None) -> str:
    """The same as a relative clause with Danish word order: "som er statistisk signifikant …",
    "hvilket ikke er statistisk signifikant …", "som kun er statistisk signifikant …"."""
    adverb, rest = _significance_parts(p, level, weak, levels, p_value, floor)
    return " ".join(w for w in (lead, adverb, "er", rest) if w)


# --------------------------------------------------------------------------- direction and size

def direction(x: Any, up: str, down: str, zero: str = "", *, decimals: int = 0,
              scale: Any = None, step: Any = None) -> str:
    """``up``, ``down`` or ``zero`` by the sign of ``x`` as printed with ``decimals``
    (``decimals=-3`` for a sum rounded to thousands) or, with ``step``, as rounded to a
    multiple of ``step`` (the rounding of :func:`approx_kr`)."""
    if step is not None:
        r = F.round_to(x if scale is None else F.to_decimal(x) * F.to_decimal(scale), step)
        s = (r > 0) - (r < 0)
    else:
        s = F.sign_of(x, decimals, scale=scale)
    return up if s > 0 else down if s < 0 else zero


#: Direction nouns that take "et" ("et fald"); everything else takes "en".
NEUTER_NOUNS = {"fald", "løft", "tab", "spring", "dyk", "plus", "minus", "fravær", "merforbrug",
                "mindreforbrug"}


def article(noun: str) -> str:
    """"en" or "et" for a direction noun ("et fald", "en stigning")."""
    return "et" if noun.split(" ")[0] in NEUTER_NOUNS else "en"


def change(x: Any, unit: str = "", *, decimals: int = 0, scale: Any = None,
           up: str = "stigning", down: str = "fald", zero: str = "stort set uændret") -> str:
    """"en stigning på 1,1 procentpoint", "et fald på 3 timer", or "stort set uændret" when
    the printed value is zero. The number is printed without sign; the noun carries it."""
    s = F.sign_of(x, decimals, scale=scale)
    if s == 0:
        return zero
    noun = up if s > 0 else down
    return f"{article(noun)} {noun} på {with_unit(x, unit, decimals, scale=scale, absolute=True)}"


def difference(x: Any, unit: str = "", *, decimals: int = 0, scale: Any = None,
               up: str = "højere", down: str = "lavere",
               same: str = "stort set ikke anderledes") -> str:
    """"1,1 procentpoint lavere" / "148 timer højere" / ``same`` when the printed value is zero
    (reads as "X er … end i kontrolgruppen")."""
    s = F.sign_of(x, decimals, scale=scale)
    if s == 0:
        return same
    return f"{with_unit(x, unit, decimals, scale=scale, absolute=True)} {up if s > 0 else down}"


def effect_words(result: Any = None, *, estimate: Any = None, p: Any = None,
                 unit: str = "procentpoint", decimals: int = 1, scale: Any = None,
                 up: str = "stigning", down: str = "fald", zero: str = "praktisk talt nul",
                 level: float = 0.05, weak: float | None = 0.10,
                 levels: Sequence[float] | None = None, p_value: bool = True,
                 floor: float | None = None, lead: str = "som") -> str:
    """An effect and its significance: "en stigning på 5,3 procentpoint, som er statistisk
    signifikant på 5 pct.-niveau (p = 0,03)"; at a printed zero "praktisk talt nul (0,0
    procentpoint), som ikke er …". ``result`` supplies ``att``/``estimate`` and ``p_value``
    (or give ``estimate`` and ``p``)."""
    est = field(result, "att", "estimate") if estimate is None else estimate
    pv = result if p is None else p
    clause = significance_clause(pv, level, lead=lead, weak=weak, levels=levels, p_value=p_value,
                                 floor=floor)
    s = F.sign_of(est, decimals, scale=scale)
    if s == 0:
        return f"{zero} ({with_unit(0, unit, decimals)}), {clause}"
    return f"{change(est, unit, decimals=decimals, scale=scale, up=up, down=down)}, {clause}"


#: (upper bound, word) for the absolute standardised effect size, after rounding.
SIZE_WORDS: tuple[tuple[float, str], ...] = ((0.05, "meget lille"), (0.2, "lille"), (0.5, "moderat"))


def size_word(d: Any, *, decimals: int = 2) -> str:
    """A standardised effect size in words, judged on the printed value ``|d|`` with ``decimals``:
    below 0,05 "meget lille", below 0,20 "lille", below 0,50 "moderat", else "stor" (the usual
    rule of thumb after Cohen, with 0,05 added for effects that are practically nil)."""
    v = abs(_printed(d, decimals))
    for bound, word in SIZE_WORDS:
        if v < F.to_decimal(bound):
            return word
    return "stor"


# --------------------------------------------------------------------------- units and counts

#: unit -> (singular, plural). Units not listed are used as given.
UNITS: dict[str, tuple[str, str]] = {
    "procentpoint": ("procentpoint", "procentpoint"),
    "pct.-point": ("pct.-point", "pct.-point"),
    "pct.": ("pct.", "pct."),
    "time": ("time", "timer"),
    "timer": ("time", "timer"),
    "dag": ("dag", "dage"),
    "dage": ("dag", "dage"),
    "fraværsdag": ("fraværsdag", "fraværsdage"),
    "fraværsdage": ("fraværsdag", "fraværsdage"),
    "uge": ("uge", "uger"),
    "uger": ("uge", "uger"),
    "måned": ("måned", "måneder"),
    "måneder": ("måned", "måneder"),
    "år": ("år", "år"),
    "kr.": ("kr.", "kr."),
    "1.000 kr.": ("1.000 kr.", "1.000 kr."),
    "karakterpoint": ("karakterpoint", "karakterpoint"),
    "point": ("point", "point"),
    "underretning": ("underretning", "underretninger"),
    "underretninger": ("underretning", "underretninger"),
    "person": ("person", "personer"),
    "personer": ("person", "personer"),
    "familie": ("familie", "familier"),
    "familier": ("familie", "familier"),
    "deltager": ("deltager", "deltagere"),
    "deltagere": ("deltager", "deltagere"),
    "barn": ("barn", "børn"),
    "børn": ("barn", "børn"),
    "": ("", ""),
}


def unit_word(value: Any, unit: str, decimals: int = 0, *, scale: Any = None) -> str:
    """The unit in singular when the printed value is exactly 1 or -1 ("1 time"), else plural
    ("1,5 timer", "0 timer", "2 timer"). A unit of several words inflects its first word
    ("time om året" -> "timer om året")."""
    first, _, rest = unit.partition(" ")
    if unit in UNITS:
        first, rest = unit, ""
    sing, plur = UNITS.get(first, (first, first))
    printed = F.fmt_num(value, decimals, scale=scale).lstrip("-+\u2212")
    word = sing if printed == "1" else plur
    return " ".join(w for w in (word, rest) if w)


def with_unit(x: Any, unit: str, decimals: int = 0, *, scale: Any = None, sign: bool = False,
              absolute: bool = False) -> str:
    """"148 timer", "1 time", "2 timer om året"; ``absolute`` drops the sign (the words carry it)."""
    d = F.to_decimal(x)
    if d is None:
        raise ValueError("with_unit() of a missing value")
    if absolute:
        d = abs(d)
    word = unit_word(d, unit, decimals, scale=scale)
    s = F.fmt_num(d, decimals, scale=scale, sign=sign)
    return f"{s} {word}" if word else s


def count_noun(n: Any, unit: str, *, neuter: bool = False, words: bool = True) -> str:
    """"tre familier", "en person", "et barn" (``neuter``), "13 familier": numbers up to
    twelve in words (``words=False``: digits)."""
    d = F.to_decimal(n)
    if d is None:
        raise ValueError("count_noun() of a missing value")
    number = F.num_word(d, neuter=neuter) if words else F.fmt_num(d)
    return f"{number} {unit_word(d, unit)}"


# --------------------------------------------------------------------------- lists, intervals

def and_list(items: Iterable[Any], conj: str = "og") -> str:
    """"a, b og c" (empty items are left out; "" for none)."""
    parts = [str(i) for i in items if i is not None and str(i) != ""]
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + f" {conj} " + parts[-1]


def interval(lo: Any, hi: Any, decimals: int = 1, *, scale: Any = None, unit: str = "") -> str:
    """"1,2 til 3,4" (with ``unit``: "1,2 til 3,4 procentpoint")."""
    s = F.fmt_ci(lo, hi, decimals, scale=scale)
    return f"{s} {unit}" if unit and s else s


def spread(values: Iterable[Any], *, decimals: int = 1, scale: Any = None,
           unit: str = "procentpoint", up: str = "", down: str = "") -> str:
    """The range of several estimates in prose, judged on the printed values:

    * all positive: "mellem 4,2 og 5,3 procentpoint mere" (``up``), all negative likewise with
      ``down`` and the numbers without sign; one number when both ends print the same;
    * mixed or zero: "mellem −1,2 og +3,4 procentpoint".
    """
    v = [F.to_decimal(x) for x in values]
    if not v or any(x is None for x in v):
        raise ValueError("spread() needs numbers")
    lo, hi = min(v), max(v)
    signs = {F.sign_of(x, decimals, scale=scale) for x in v}
    word = up if signs == {1} else down if signs == {-1} else None
    tail = " ".join(w for w in (unit, word) if w)
    if word is not None:
        a, b = sorted((abs(lo), abs(hi)))
        fa, fb = F.fmt_num(a, decimals, scale=scale), F.fmt_num(b, decimals, scale=scale)
        body = fa if fa == fb else f"mellem {fa} og {fb}"
    else:
        fa = F.fmt_num(lo, decimals, scale=scale, sign=True)
        fb = F.fmt_num(hi, decimals, scale=scale, sign=True)
        body = fa if fa == fb else f"mellem {fa} og {fb}"
    return f"{body} {tail}" if tail else body


def relative_share(effect: Any, base: Any) -> float | None:
    """``effect / base`` (None when the base is not positive or missing)."""
    e, b = F.to_decimal(effect), F.to_decimal(base)
    if e is None or b is None or b <= 0:
        return None
    return float(e / b)


def relative(effect: Any, base: Any, *, decimals: int = 0, more: str = "mere",
             less: str = "mindre", than: str = "kontrolgruppen",
             same: str = "stort set det samme som") -> str:
    """A relative effect in prose: "36 pct. mere end kontrolgruppen", "12 pct. mindre end
    kontrolgruppen"; from three times the base "3,4 gange så meget som kontrolgruppen";
    "stort set det samme som kontrolgruppen" when the percentage prints as zero.
    A base that is not positive has no relative effect (ValueError)."""
    x = relative_share(effect, base)
    if x is None:
        raise ValueError(f"no relative effect against a base of {base!r}")
    if x >= 2:
        return f"{times(effect, base)} gange så meget som {than}"
    s = F.sign_of(x, decimals, scale=100)
    if s == 0:
        return f"{same} {than}"
    return f"{F.fmt_pct(abs(x), decimals, from_share=True)} {more if s > 0 else less} end {than}"


def kr_step(x: Any) -> int:
    """The rounding of an amount in prose: 10.000 kr. from 100.000 kr., else 1.000 kr."""
    return 10_000 if abs(F.to_decimal(x)) >= 100_000 else 1_000


def approx_kr(x: Any, step: Any = None) -> str:
    """An amount in prose, rounded and without sign (the words carry it): "omkring 200.000 kr.",
    "knap 90.000 kr." (step :func:`kr_step` unless given). Pair it with
    ``direction(x, …, step=…)`` for the direction word of the same rounded amount."""
    return F.fmt_approx(abs(F.to_decimal(x)), step or kr_step(x)) + " kr."


def times(effect: Any, base: Any, decimals: int = 1) -> str:
    """The treated level as a multiple of the base, ``(base + effect) / base``: "3,4"."""
    x = relative_share(effect, base)
    if x is None:
        raise ValueError(f"no multiple of a base of {base!r}")
    return F.fmt_num(1 + x, decimals)


def runs(values: Iterable[int], noun: str = "uge", dash: str = "\u2013") -> str:
    """Consecutive integers as runs: [3, 4, 5, 9] -> "uge 3–5 og uge 9" ("" for none)."""
    v = sorted({int(x) for x in values})
    parts: list[str] = []
    i = 0
    while i < len(v):
        j = i
        while j + 1 < len(v) and v[j + 1] == v[j] + 1:
            j += 1
        parts.append(f"{noun} {v[i]}" if i == j else f"{noun} {v[i]}{dash}{v[j]}")
        i = j + 1
    return and_list(parts)
