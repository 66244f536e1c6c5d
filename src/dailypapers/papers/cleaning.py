"""Normalising untrusted plain text: the one owner of which characters may be stored.

Text from outside (arXiv records, forms, API bodies) may carry characters that no output format
can hold: C0 and C1 control characters are not allowed in XML 1.0 (one NUL in a title made every
feed listing it answer 500), PostgreSQL refuses NUL in text, and a lone surrogate (a JSON
"\\ud800" escape) cannot be encoded as UTF-8 at all. Everything that stores text from outside
passes it through here first; the feed writers use it again as a second line of defence.

Tab and newline are kept (comments have paragraphs); CR and CRLF become newlines.
"""

import re

# C0 controls except tab (\x09) and newline (\x0a), DEL, C1 controls, lone surrogates, and the
# two noncharacters XML 1.0 excludes. Everything else in Unicode is left alone.
_UNSTORABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_LINE_ENDINGS = re.compile(r"\r\n?")
_WHITESPACE = re.compile(r"\s+")


def strip_unstorable(text: str) -> str:
    """Text with line endings made \\n and every character that cannot be stored removed."""
    return _UNSTORABLE.sub("", _LINE_ENDINGS.sub("\n", text))


def is_storable(text: str) -> bool:
    """False for text holding a character no database or feed can take (a NUL, say): such text
    cannot name anything stored, so a lookup by it is a 404, not a database error."""
    return not _UNSTORABLE.search(text)


def single_line(text: str) -> str:
    """Storable text with every run of whitespace (newlines included) collapsed to one space."""
    # CR needs no translating here: it is whitespace and collapses with the rest.
    return _WHITESPACE.sub(" ", _UNSTORABLE.sub("", text)).strip()


def multi_line(text: str) -> str:
    """Storable text that keeps its line breaks (comments, notes), trimmed at both ends."""
    return strip_unstorable(text).strip()
