"""Data never becomes markup: escaping inline values, sanitising what cells print.

Three kinds of text reach the page from a report's code, and each is made safe
at the one place it enters the markdown (:mod:`evalreport.engine.markdown`):

* An inline `` `{python} expr` `` value that is a plain string is **escaped**
  (:func:`escape_markdown`): every markdown-active character is backslash-escaped
  and line breaks become spaces, so the value is printed as text, whatever it
  holds (``<img onerror=…>``, ``[x](javascript:…)``, ``@cite``, ``$math$``).
* Markdown a report means to emit — values with ``_repr_markdown_`` (phrases),
  ``text/markdown`` and ``text/html`` outputs, ``output: asis`` text — is kept
  as markup but marked as **untrusted**: it is framed by two comments carrying
  a per-process random nonce (:func:`mark_block`, :func:`mark_inline`), which the
  report's code cannot know and so cannot fake. After Pandoc has parsed the
  document, :func:`sanitise_ast` walks the AST and, between the marks, cleans
  raw HTML with nh3 (the maintained binding of the Rust sanitiser ammonia) and
  an allowlist of tags and attributes, drops link and image targets with other
  schemes than http(s), mailto and relative ones (``javascript:``), and drops
  attributes that are not on the allowlist (``onclick``, ``style``, ``srcdoc``).
  Content that closes the frame early (an unclosed comment, a stray ``:::``)
  only widens the sanitised region; it cannot leave it.

Why a pass over the AST and not nh3 on the finished page: the trusted parts of
the page (inline SVG math, figures, the template) are not on any allowlist a
sanitiser should have, and Pandoc moves footnotes out of the region they were
written in; in the AST they are still inside it.
"""
from __future__ import annotations

import re
import secrets

import nh3

#: Random per process: the marks around untrusted output (a cell's code cannot see it).
NONCE = secrets.token_hex(12)
_START, _END = f"<!--er-untrusted:{NONCE}-->", f"<!--/er-untrusted:{NONCE}-->"

# ASCII punctuation that can start or close markdown syntax, and quotes and dashes (data are
# printed as they are, not made typographic); ',', ';', '?', '%', '/' and '=' cannot.
_ACTIVE = re.compile(r"""([\\`*_{}\[\]<>()#+\-.!|~^$@&:'"])""")


def escape_markdown(text: str) -> str:
    """A plain string as literal markdown text (one line)."""
    text = re.sub(r"\s*[\r\n]+\s*", " ", str(text)).replace("\x00", "")
    return _ACTIVE.sub(r"\\\1", text)


def mark_block(markdown: str) -> str:
    """Frame block-level untrusted markdown (a cell's outputs) for :func:`sanitise_ast`."""
    if not markdown.strip():
        return markdown
    return f"```{{=html}}\n{_START}\n```\n\n{markdown}\n\n```{{=html}}\n{_END}\n```"


def mark_inline(markdown: str) -> str:
    """Frame an inline untrusted markdown value (a phrase used in the prose)."""
    return f"{_START}{markdown}{_END}"


# --- the allowlist --------------------------------------------------------------------------

TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "col", "colgroup", "dd", "del",
    "details", "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
    "i", "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "small", "span", "strong", "sub",
    "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
}
ATTRIBUTES = {
    "*": {"class", "id", "title", "lang", "dir", "role", "headers", "scope", "colspan", "rowspan",
          "align", "width", "height", "style"},
    "a": {"href", "target"},
    "img": {"src", "alt"},
    "ol": {"start", "type"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
}
URL_SCHEMES = {"http", "https", "mailto"}
STYLE_PROPERTIES = {
    "text-align", "vertical-align", "width", "min-width", "max-width", "height", "white-space",
    "font-weight", "font-style", "font-size", "font-variant-numeric", "color", "background-color",
    "padding", "padding-left", "padding-right", "padding-top", "padding-bottom", "margin",
    "margin-left", "margin-right", "text-indent", "border", "border-top", "border-bottom",
    "border-left", "border-right", "border-collapse", "overflow-x", "overflow-y", "display",
    "table-layout",
}
_SAFE_KEYS = {"title", "lang", "dir", "role", "width", "height", "alt", "scope", "headers", "colspan",
              "rowspan", "start", "type"}
_URL_SCHEME = re.compile(r"^\s*([a-zA-Z][a-zA-Z0-9+.\-]*):")


def clean_html(html: str) -> str:
    """Raw HTML through nh3 with the allowlist above (scripts, event handlers, ``javascript:`` go)."""
    return nh3.clean(html, tags=TAGS, attributes=ATTRIBUTES, url_schemes=URL_SCHEMES,
                     generic_attribute_prefixes={"data-", "aria-"}, link_rel=None,
                     strip_comments=True, filter_style_properties=STYLE_PROPERTIES)


def safe_url(url: str) -> str:
    """``url`` if it is relative or uses an allowed scheme, else ``#``."""
    cleaned = re.sub(r"[\x00-\x20]", "", url)            # "java\tscript:" is javascript: to a browser
    m = _URL_SCHEME.match(cleaned)
    if m and m.group(1).lower() not in URL_SCHEMES:
        return "#"
    return url


#: Inline elements whose separate opening and closing tags are kept (Pandoc splits ``<b>x</b>``
#: in the prose into three nodes; each is cleaned on its own).
INLINE_TAGS = {"a", "abbr", "b", "cite", "code", "del", "em", "i", "ins", "kbd", "mark", "q", "s",
               "small", "span", "strong", "sub", "sup", "u"}
_OPEN = re.compile(r"^<([a-zA-Z][a-zA-Z0-9]*)\b[^<>]*>$")
_CLOSE = re.compile(r"^</([a-zA-Z][a-zA-Z0-9]*)\s*>$")


def _clean_inline_tag(text: str) -> str:
    """One raw inline HTML fragment: a lone opening or closing tag of an inline element is
    kept (the opening one with its attributes cleaned); anything else goes through nh3."""
    text = text.strip()
    m = _CLOSE.match(text)
    if m:
        return f"</{m.group(1).lower()}>" if m.group(1).lower() in INLINE_TAGS else ""
    m = _OPEN.match(text)
    if m and m.group(1).lower() in INLINE_TAGS:
        tag = m.group(1).lower()
        cleaned = clean_html(text)
        return cleaned[:-len(f"</{tag}>")] if cleaned.endswith(f"</{tag}>") else cleaned
    return clean_html(text)


def _clean_attr(attr: list) -> list:
    ident, classes, pairs = attr
    return [ident, classes, [[k, v] for k, v in pairs
                             if k.startswith(("data-", "aria-")) and not k.startswith("data-on")
                             or k in _SAFE_KEYS]]


# Position of the Attr in the "c" of the node types that carry one.
_ATTR_AT = {"Div": 0, "Span": 0, "CodeBlock": 0, "Code": 0, "Link": 0, "Image": 0, "Table": 0,
            "Figure": 0, "Header": 1, "TableHead": 0, "TableBody": 0, "TableFoot": 0, "Row": 0,
            "Cell": 0}


def _clean_node(node: dict) -> dict:
    t = node.get("t")
    c = node.get("c")
    if t in ("RawBlock", "RawInline"):
        fmt, text = c
        if fmt.lower() not in ("html", "html5", "html4"):
            return {"t": t, "c": [fmt, ""]}
        return {"t": t, "c": ["html", clean_html(text) if t == "RawBlock" else _clean_inline_tag(text)]}
    if t in _ATTR_AT and isinstance(c, list) and len(c) > _ATTR_AT[t]:
        c[_ATTR_AT[t]] = _clean_attr(c[_ATTR_AT[t]])
    if t in ("Link", "Image"):
        url, title = c[2]
        c[2] = [safe_url(url), title]
    return node


def sanitise_ast(ast: dict) -> dict:
    """Clean everything between the untrusted marks of a Pandoc JSON AST (in place; returned)."""
    state = {"depth": 0}

    def is_mark(node, text) -> bool:
        return (isinstance(node, dict) and node.get("t") in ("RawBlock", "RawInline")
                and isinstance(node.get("c"), list) and node["c"][1].strip() == text)

    def walk(node):
        if isinstance(node, list):
            out = []
            for item in node:
                if is_mark(item, _START):
                    state["depth"] += 1
                    continue
                if is_mark(item, _END):
                    state["depth"] = max(0, state["depth"] - 1)
                    continue
                out.append(walk(item))
            return out
        if isinstance(node, dict):
            if state["depth"] > 0 and "t" in node:
                node = _clean_node(node)
            if "c" in node:
                node["c"] = walk(node["c"])
            return node
        return node

    ast["blocks"] = walk(ast["blocks"])
    return ast
