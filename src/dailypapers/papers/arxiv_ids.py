"""arXiv identifiers: the one place that knows what an id looks like.

New style: YYMM.NNNN (2007-2014) or YYMM.NNNNN (2015 on), e.g. 2401.01234v2.
Old style: archive[.SUBJECT]/YYMMNNN, e.g. hep-th/9901001 or math.GT/0309136.
"""

import re
from dataclasses import dataclass

from ..core.errors import DomainError

_NEW = r"(?P<new>(?P<yy>\d{2})(?P<mm>\d{2})\.(?P<num>\d{4,5}))"
_OLD = r"(?P<old>[a-z]+(?:-[a-z]+)*(?:\.[A-Za-z]{2}(?:-[a-z]+)?)?/\d{2}(?:0[1-9]|1[0-2])\d{3})"
_VERSION = r"(?:v(?P<version>[1-9]\d{0,3}))?"
_BARE = re.compile(rf"^(?:{_NEW}|{_OLD}){_VERSION}$")
# What may stand before a bare id: "arXiv:", an abs/pdf/html URL, an OAI identifier.
_PREFIX = re.compile(
    r"^(?:arxiv:|oai:arxiv\.org:|(?:https?://)?(?:www\.|export\.)?arxiv\.org/(?:abs|pdf|html)/)",
    re.IGNORECASE,
)

EXPECTED = (
    "expected an arXiv id such as 2401.01234 (optionally with a version, 2401.01234v2), "
    "an old-style id such as hep-th/9901001, or an arxiv.org/abs/ or /pdf/ URL"
)


class InvalidArxivId(DomainError, ValueError):
    """Raised for text that is not an arXiv id; the message says what was expected."""

    code = "bad_id"

    def __init__(self, text: str):
        shown = text if len(text) <= 80 else text[:77] + "..."
        super().__init__(f"{shown!r} is not an arXiv id: {EXPECTED}")
        self.text = text


@dataclass(frozen=True, slots=True)
class ArxivId:
    id: str
    version: int | None = None

    def __str__(self) -> str:
        return f"{self.id}v{self.version}" if self.version else self.id


def parse_arxiv_id(text: str) -> ArxivId:
    """Parse an id or URL into (id without version, version or None)."""
    candidate = _PREFIX.sub("", text.strip(), count=1)
    candidate = re.sub(r"(?:\.pdf)?/?(?:[?#].*)?$", "", candidate)
    match = _BARE.match(candidate)
    if not match:
        raise InvalidArxivId(text)
    if match["new"]:
        month = int(match["mm"])
        # Five-digit numbers started in 1501; four-digit ones ended in 1412.
        five_digits = len(match["num"]) == 5
        if not 1 <= month <= 12 or five_digits != ((match["yy"], match["mm"]) >= ("15", "01")):
            raise InvalidArxivId(text)
    version = int(match["version"]) if match["version"] else None
    return ArxivId(match["new"] or match["old"], version)


def is_arxiv_id(text: str) -> bool:
    try:
        parse_arxiv_id(text)
    except InvalidArxivId:
        return False
    return True
