"""Abstracts with LaTeX math rendered server-side to MathML, so pages need no JavaScript."""

import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from latex2mathml.converter import convert

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
_TAG = re.compile(r"<\s*/?\s*([A-Za-z][\w:-]*)([^>]*)>")
_ATTRIBUTE = re.compile(r"([\w:-]+)\s*=")
_MATHML_TAGS = frozenset(
    [
        "math",
        "mrow",
        "mi",
        "mn",
        "mo",
        "ms",
        "mtext",
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
        "semantics",
        "annotation",
        "mmultiscripts",
        "mprescripts",
        "none",
        "merror",
    ]
)
_MATHML_ATTRIBUTES = frozenset(
    [
        "xmlns",
        "display",
        "mathvariant",
        "stretchy",
        "fence",
        "separator",
        "lspace",
        "rspace",
        "accent",
        "accentunder",
        "linethickness",
        "columnalign",
        "rowalign",
        "rowspacing",
        "columnspacing",
        "columnlines",
        "rowlines",
        "frame",
        "width",
        "height",
        "depth",
        "notation",
        "minsize",
        "maxsize",
        "movablelimits",
        "symmetric",
        "largeop",
        "form",
        "displaystyle",
        "scriptlevel",
        "encoding",
        "mathsize",
    ]
)
MAX_FORMULA = 2000


def render_math_text(text: str) -> SafeString:
    """Escape text and turn its LaTeX math into MathML; a formula that fails stays as text."""
    out, position = [], 0
    for match in _MATH.finditer(text):
        out.append(escape(text[position : match.start()]))
        latex = match["display"] or match["display2"] or match["inline"] or match["inline2"]
        display = bool(match["display"] or match["display2"])
        out.append(_formula(latex, display) or escape(match.group(0)))
        position = match.end()
    out.append(escape(text[position:]))
    return mark_safe("".join(out))


def _formula(latex: str, display: bool) -> str | None:
    if len(latex) > MAX_FORMULA:
        return None
    try:
        mathml = convert(latex, display="block" if display else "inline")
    except Exception:  # latex2mathml raises many error types on malformed input
        return None
    return mathml if _only_mathml(mathml) else None


def _only_mathml(markup: str) -> bool:
    """Defence in depth: emit converter output only if every tag and attribute is MathML."""
    for tag in _TAG.finditer(markup):
        if tag[1].lower() not in _MATHML_TAGS:
            return False
        if any(a.lower() not in _MATHML_ATTRIBUTES for a in _ATTRIBUTE.findall(tag[2])):
            return False
    return True
