"""Danish generated prose from jinja2 phrase templates.

Phrases are macros in ``templates/phrases/<lang>.j2`` (default ``da.j2``).
``phrase("effekt", est=-1.1, lo=-2.5, hi=0.3, p=0.13, unit="procentpoint")``
returns an ``IPython.display.Markdown`` (a cell displaying it gives a
``text/markdown`` output; inline `` `{python} ...` `` expressions use its
``_repr_markdown_``); :func:`phrase_text` returns the plain string.

A name ``"fil.makro"`` picks macro ``makro`` in ``templates/phrases/fil.j2``.
Extra template folders: ``EVALREPORT_PHRASES_PATH`` (os.pathsep-separated),
searched before the built-in folder, so a report can override a phrase.

The environment uses ``StrictUndefined``: a value the template needs but did
not get is an error, and macros reject unknown keyword arguments. The formatters
of :mod:`evalreport.author.formatting` are filters::

    num, pct, pp, ci, ki, est_ci, mean_sd, p, p_eq, kr, approx, stars,
    num_word, fraction_word, cap, unit (``{{ 3 | unit("time") }}`` -> "3 timer")

and ``significant`` is a test: ``{% if p is significant(0.05) %}`` (p < level).
Globals: ``sign_of(x, decimals)`` (-1/0/1 of the printed value), ``retning(x,
decimals, op, ned, nul="")`` (pick a word by the printed sign),
``artikel(noun)`` ("en"/"et"), ``units`` and the significance words of
:mod:`evalreport.author.words`: ``p_text(p, niveau, floor=…)`` ("p = 0,046" near
the level), ``significance(p, niveau, weak=…)`` and ``significance_clause(p,
niveau, lead="som", weak=…)``. The templates use these, so a sentence from a
phrase and a sentence written in Python word significance the same way.

Output whitespace is normalised: runs of spaces/newlines inside a paragraph
become one space, spaces before , . ; : ) are dropped; blank lines separate
paragraphs and are kept.
"""
from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

from . import formatting as F
from . import words as W

__all__ = ["phrase", "phrase_text", "environment", "PHRASES_DIR", "UNITS", "unit_word"]

PHRASES_DIR = Path(__file__).resolve().parents[2] / "templates" / "phrases"

#: One vocabulary: the unit words, articles and significance come from :mod:`.words`.
UNITS = W.UNITS
NEUTER_NOUNS = W.NEUTER_NOUNS
unit_word = W.unit_word


def _unit_filter(value: Any, unit: str, decimals: int = 0, *, sign: bool = False,
                 absolute: bool = False) -> str:
    """``{{ x | unit("timer", 0) }}`` -> "148 timer"; ``absolute=True`` drops the sign."""
    if unit == "kr.":
        v = abs(F.to_decimal(value)) if absolute else value
        return F.fmt_kr(v, decimals)
    return W.with_unit(value, unit, decimals, sign=sign, absolute=absolute)


def _retning(x: Any, decimals: int = 0, op: str = "stigning", ned: str = "fald",
             nul: str = "") -> str:
    return W.direction(x, op, ned, nul, decimals=decimals)


def _abs(x: Any):
    d = F.to_decimal(x)
    if d is None:
        raise ValueError("abs of a missing value")
    return abs(d)


def _search_path() -> list[str]:
    extra = [p for p in os.environ.get("EVALREPORT_PHRASES_PATH", "").split(os.pathsep) if p]
    return extra + [str(PHRASES_DIR)]


@lru_cache(maxsize=8)
def _environment(search_path: tuple[str, ...]) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(list(search_path), encoding="utf-8"),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters.update({
        "num": F.fmt_num,
        "pct": F.fmt_pct,
        "pp": F.fmt_pp,
        "ci": F.fmt_ci,
        "ki": F.fmt_ki,
        "est_ci": F.fmt_est_ci,
        "mean_sd": F.fmt_mean_sd,
        "p": F.fmt_p,
        "p_eq": F.fmt_p_eq,
        "kr": F.fmt_kr,
        "approx": F.fmt_approx,
        "stars": F.stars,
        "num_word": F.num_word,
        "fraction_word": F.fraction_word,
        "cap": F.cap,
        "unit": _unit_filter,
        "absval": _abs,
        "round_to": F.round_to,
    })
    env.tests["significant"] = W.is_significant
    env.tests["missing"] = F.is_missing
    env.globals.update({
        "sign_of": F.sign_of,
        "retning": _retning,
        "unit_word": unit_word,
        "artikel": W.article,
        "p_text": W.p_text,
        "significance": W.significance,
        "significance_clause": W.significance_clause,
        "units": UNITS,
    })
    return env


def environment() -> jinja2.Environment:
    """The phrase environment (cached per template search path)."""
    return _environment(tuple(_search_path()))


def _macro(name: str, lang: str):
    file, _, macro = name.rpartition(".")
    file = file or lang
    env = environment()
    try:
        module = env.get_template(f"{file}.j2").module
    except jinja2.TemplateNotFound:
        raise LookupError(f"no phrase file {file}.j2 in {_search_path()}") from None
    fn = getattr(module, macro, None)
    if not isinstance(fn, jinja2.runtime.Macro):
        available = sorted(k for k, v in vars(module).items() if isinstance(v, jinja2.runtime.Macro))
        raise LookupError(f"no phrase {macro!r} in {file}.j2 (has {available})")
    return fn


_SPACE_BEFORE_PUNCT = re.compile(r"\s+([,.;:)])")
_SPACE_AFTER_OPEN = re.compile(r"\(\s+")


def normalize(text: str) -> str:
    paragraphs = re.split(r"\n[ \t]*\n", str(text).strip())
    out = []
    for para in paragraphs:
        para = re.sub(r"\s+", " ", para).strip()
        para = _SPACE_BEFORE_PUNCT.sub(r"\1", para)
        para = _SPACE_AFTER_OPEN.sub("(", para)
        if para:
            out.append(para)
    return "\n\n".join(out)


def phrase_text(name: str, /, *, lang: str = "da", **ctx: Any) -> str:
    """Render phrase ``name`` with keyword arguments ``ctx`` to a string."""
    return normalize(_macro(name, lang)(**ctx))


def phrase(name: str, /, *, lang: str = "da", **ctx: Any):
    """Like :func:`phrase_text`, as ``IPython.display.Markdown`` (text/markdown)."""
    from IPython.display import Markdown

    return Markdown(phrase_text(name, lang=lang, **ctx))
