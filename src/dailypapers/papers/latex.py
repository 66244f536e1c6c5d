"""Titles and abstracts with LaTeX math rendered server-side to MathML, so pages need no
JavaScript; the one sanitizing path from outside LaTeX to HTML.

Only MathML ever comes out. latex2mathml builds an element tree, then serialises it and
unescapes the whole string, so the text of `\\text{…}` comes out as raw markup (issue 11: a
stored XSS). We never use that string. We take the converter's element tree and rebuild it
from an allowlist: MathML elements only, attributes whose names AND values are checked, token
elements (mi, mo, mtext, …) reduced to their text, every text node and attribute value escaped
on the way out. A formula the converter rejects, or whose tree holds anything outside the
allowlist, is shown as its escaped LaTeX source instead.
"""

import html
import re
from collections.abc import Callable
from functools import lru_cache
from xml.etree.ElementTree import Element

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from latex2mathml.converter import convert_to_element

# Display $$…$$ and \[…\], inline \(…\) and $…$. For $…$, Pandoc's rule keeps prices plain text:
# the opening $ is followed by a non-space, the closing one follows a non-space and is not
# followed by a digit.
_MATH = re.compile(
    r"\$\$(?P<display>.+?)\$\$"
    r"|\\\[(?P<display2>.+?)\\\]"
    r"|\\\((?P<inline>.+?)\\\)"
    r"|(?<![\\$\w])\$(?P<inline2>[^\s$](?:[^$]*?[^\s\\$])?)\$(?!\d)",
    re.DOTALL,
)
MAX_FORMULA = 2000
MATHML_NAMESPACE = "http://www.w3.org/1998/Math/MathML"

# Token elements hold text only. They are also the HTML parser's "MathML text integration
# points": an element nested in one would be parsed as HTML, so we emit only their text.
TOKEN_ELEMENTS = frozenset(["mi", "mn", "mo", "ms", "mtext"])
# Presentation MathML that latex2mathml emits. Not annotation-xml (an HTML integration point),
# not maction, mglyph or malignmark (special cases of the HTML parser), no semantics.
MATHML_ELEMENTS = TOKEN_ELEMENTS | frozenset(
    [
        "math",
        "mrow",
        "mspace",
        "msup",
        "msub",
        "msubsup",
        "mfrac",
        "msqrt",
        "mroot",
        "mover",
        "munder",
        "munderover",
        "mtable",
        "mtr",
        "mtd",
        "mlabeledtr",
        "mstyle",
        "mpadded",
        "mphantom",
        "menclose",
        "mmultiscripts",
        "mprescripts",
        "none",
        "merror",
    ]
)


def _one_of(*values: str) -> Callable[[str], bool]:
    allowed = frozenset(values)
    return allowed.__contains__


def _matching(pattern: str) -> Callable[[str], bool]:
    compiled = re.compile(pattern)
    return lambda value: compiled.fullmatch(value) is not None


_BOOLEAN = _one_of("true", "false")
# 0.167em, -.325em, +.21ex, 0, 100%, -0.5width (mpadded), thin, veryverythickmathspace
_LENGTH = _matching(
    r"[+-]?(?:\d{1,6}(?:\.\d{0,6})?|\.\d{1,6})(?:[a-z]{2}|%|width|height|depth)?|[a-z]{1,40}"
)
# Space-separated lengths or keywords: columnalign="left center", rowspacing="0.5em 0.2em".
_LIST = _matching(r"[a-z0-9.%+-]{1,40}(?: [a-z0-9.%+-]{1,40}){0,200}")
# Every attribute that may come out, with the check its value must pass; others are dropped.
MATHML_ATTRIBUTES: dict[str, Callable[[str], bool]] = {
    "xmlns": _one_of(MATHML_NAMESPACE),
    "display": _one_of("block", "inline"),
    "mathvariant": _one_of(
        "normal",
        "bold",
        "italic",
        "bold-italic",
        "double-struck",
        "bold-fraktur",
        "script",
        "bold-script",
        "fraktur",
        "sans-serif",
        "bold-sans-serif",
        "sans-serif-italic",
        "sans-serif-bold-italic",
        "monospace",
        "initial",
        "tailed",
        "looped",
        "stretched",
    ),
    "form": _one_of("prefix", "infix", "postfix"),
    "mathcolor": _matching(r"#[0-9a-fA-F]{3,8}|[a-zA-Z]{1,30}"),
    "mathbackground": _matching(r"#[0-9a-fA-F]{3,8}|[a-zA-Z]{1,30}"),
    "scriptlevel": _matching(r"[+-]?\d{1,2}"),
    **dict.fromkeys(
        [
            "stretchy",
            "fence",
            "separator",
            "accent",
            "accentunder",
            "movablelimits",
            "symmetric",
            "largeop",
            "displaystyle",
        ],
        _BOOLEAN,
    ),
    **dict.fromkeys(
        [
            "width",
            "height",
            "depth",
            "voffset",
            "lspace",
            "rspace",
            "minsize",
            "maxsize",
            "linethickness",
            "mathsize",
        ],
        _LENGTH,
    ),
    **dict.fromkeys(
        [
            "columnalign",
            "rowalign",
            "columnlines",
            "rowlines",
            "rowspacing",
            "columnspacing",
            "notation",
            "frame",
            "linebreak",
        ],
        _LIST,
    ),
}


class NotMathML(ValueError):
    """The converter produced something outside the allowlist."""


def math_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every formula render_math_text would convert: what an excerpt never
    cuts in half (papers/text.py)."""
    return [match.span() for match in _MATH.finditer(text)]


def render_math_text(text: str) -> SafeString:
    """Escape text and turn its LaTeX math into MathML; a formula that fails stays as text."""
    out, position = [], 0
    for match in _MATH.finditer(text):
        out.append(escape(text[position : match.start()]))
        latex = match["display"] or match["display2"] or match["inline"] or match["inline2"]
        display = bool(match["display"] or match["display2"])
        out.append(mathml(latex, display) or escape(match.group(0)))
        position = match.end()
    out.append(escape(text[position:]))
    return mark_safe("".join(out))


# Remembered per process, keyed by the formula itself: converting a paper page's title and
# abstract was a tenth of the page, the same formulas on every view (docs/performance.md).
@lru_cache(maxsize=8192)
def mathml(latex: str, display: bool) -> str | None:
    """One formula (without its delimiters) as allowlisted MathML; None when it fails."""
    if len(latex) > MAX_FORMULA:
        return None
    try:
        tree = convert_to_element(latex, display="block" if display else "inline")
    except Exception:  # latex2mathml raises many error types on malformed input
        return None
    out: list[str] = []
    try:
        _rebuild(tree, out)
    except NotMathML:
        return None
    return "".join(out)


def _rebuild(element: Element, out: list[str]) -> None:
    """Append element as allowlisted MathML; text is unescaped once (the converter writes
    symbols as character references, "&#x003B1;") and escaped again."""
    tag = element.tag
    if not isinstance(tag, str) or tag not in MATHML_ELEMENTS:
        raise NotMathML(repr(tag))
    out.append(f"<{tag}")
    for name, value in element.attrib.items():
        check = MATHML_ATTRIBUTES.get(name)
        if check is not None and isinstance(value, str) and check(value):
            out.append(f' {name}="{escape(value)}"')
    out.append(">")
    if tag in TOKEN_ELEMENTS:
        out.append(_text("".join(element.itertext())))
    else:
        out.append(_text(element.text))
        for child in element:
            _rebuild(child, out)
            out.append(_text(child.tail))
    out.append(f"</{tag}>")


def _text(text: str | None) -> str:
    return escape(html.unescape(text)) if text else ""
