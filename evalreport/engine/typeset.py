"""Typographic corrections of the report body, for the HTML and the PDF alike.

* :func:`join_split_ordered_lists` (Pandoc AST): Pandoc reads "I. Tekst" with one
  space as a paragraph, not a list item (a capital letter and a period need two
  spaces, so that "B. Russell" stays a name), while "II. Tekst" does start an
  upper-roman list. A list written I.–V. therefore came out as a paragraph "I.",
  a list II–IV renumbered from 1 and a paragraph "V.". A paragraph that starts
  with the marker just before an adjacent ordered list's first number (or just
  after its last) in the same style is made an item of that list.
* :func:`typeset_body` (HTML): column headers of tables do not break inside a
  parenthesis or between a number and its unit ("Effekt (95 % KI)" breaks only
  before the parenthesis); each table's and figure's scrolling container is a
  named, keyboard-reachable region (``role="region"``, ``tabindex="0"``, labelled by
  the caption), as a container that scrolls must be for keyboard users.
"""
from __future__ import annotations

import re

_ROMAN = [(1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
          (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]
NBSP = "\u00a0"


def roman(n: int) -> str:
    out = ""
    for value, letters in _ROMAN:
        while n >= value:
            out += letters
            n -= value
    return out


def list_marker(style: str, n: int) -> str | None:
    """The marker text of item ``n`` in a Pandoc list style, without the delimiter."""
    if n < 1:
        return None
    if style == "UpperRoman":
        return roman(n)
    if style == "LowerRoman":
        return roman(n).lower()
    if style in ("UpperAlpha", "LowerAlpha") and n <= 26:
        letter = chr(ord("A") + n - 1)
        return letter if style == "UpperAlpha" else letter.lower()
    if style in ("Decimal", "DefaultStyle", "Example"):
        return str(n)
    return None


_DELIMS = {"Period": ("", "."), "OneParen": ("", ")"), "TwoParens": ("(", ")"),
           "DefaultDelim": ("", ".")}


def _strip_marker(para: dict, style: str, delim: str, n: int) -> list | None:
    """The paragraph's inlines without a leading marker for item ``n``, or None."""
    marker = list_marker(style, n)
    if marker is None or para.get("t") != "Para":
        return None
    before, after = _DELIMS.get(delim, ("", "."))
    inlines = para["c"]
    if len(inlines) < 3 or inlines[0].get("t") != "Str" or inlines[1].get("t") != "Space":
        return None
    if inlines[0]["c"] != f"{before}{marker}{after}":
        return None
    return inlines[2:]


def join_split_ordered_lists(blocks: list) -> list:
    """Merge paragraphs that Pandoc split off an ordered list back into it (recursively)."""
    out: list = []
    for block in blocks:
        if isinstance(block, dict) and isinstance(block.get("c"), list) and block.get("t") in (
                "Div", "BlockQuote"):
            if block["t"] == "Div":
                block["c"][1] = join_split_ordered_lists(block["c"][1])
            else:
                block["c"] = join_split_ordered_lists(block["c"])
        if isinstance(block, dict) and block.get("t") == "OrderedList":
            (start, style, delim), items = block["c"][0], block["c"][1]
            style, delim = style["t"], delim["t"]
            if out:
                rest = _strip_marker(out[-1], style, delim, start - 1)
                if rest is not None:
                    out.pop()
                    items.insert(0, [{"t": "Para", "c": rest}])
                    start -= 1
            block["c"][0][0] = start
            out.append(block)
            continue
        if isinstance(block, dict) and out and out[-1].get("t") == "OrderedList":
            (start, style, delim), items = out[-1]["c"][0], out[-1]["c"][1]
            rest = _strip_marker(block, style["t"], delim["t"], start + len(items))
            if rest is not None:
                items.append([{"t": "Para", "c": rest}])
                continue
        out.append(block)
    return out


_THEAD = re.compile(r"<thead\b.*?</thead>", re.S)
_TEXT = re.compile(r">([^<>]+)<")
_PAREN = re.compile(r"\([^()]*\)")
_UNIT = re.compile(r"(\d) (%|pct\.|kr\.|år|uger|timer|mio\.|mia\.)")


def _nobreak_header_text(text: str) -> str:
    text = _PAREN.sub(lambda m: m.group(0).replace(" ", NBSP), text)
    return _UNIT.sub(lambda m: f"{m.group(1)}{NBSP}{m.group(2)}", text)


_TABLE_OPEN = re.compile(r'<div id="([^"]+)" class="er-table">\s*<div class="er-caption">'
                         r'(.*?)<div class="er-gt\b', re.S)


def _label_table_region(m: re.Match) -> str:
    ident = m.group(1)
    return (f'<div id="{ident}" class="er-table">\n<div class="er-caption" id="{ident}-caption">'
            f'{m.group(2)}<div role="region" tabindex="0" aria-labelledby="{ident}-caption" class="er-gt')


_FIGURE_OPEN = re.compile(r'<div id="(fig-[^"]+)" class="er-figure">(.*?)<div class="er-caption">', re.S)


def _label_figure(m: re.Match) -> str:
    ident = m.group(1)
    return (f'<div id="{ident}" class="er-figure" role="figure" tabindex="0" '
            f'aria-labelledby="{ident}-caption">{m.group(2)}<div class="er-caption" id="{ident}-caption">')


def typeset_body(html: str) -> str:
    """Unbreakable units in table headers; table and figure containers (which
    scroll on a phone) as labelled, keyboard-reachable regions."""
    html = _THEAD.sub(lambda t: _TEXT.sub(lambda m: ">" + _nobreak_header_text(m.group(1)) + "<",
                                          t.group(0)), html)
    html = _FIGURE_OPEN.sub(_label_figure, html)
    return _TABLE_OPEN.sub(_label_table_region, html)
