"""The normalised shape every source is turned into before it reaches storage."""

import hashlib
import json
import logging
import re
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, timedelta
from email.utils import parsedate_to_datetime

from .arxiv_ids import parse_arxiv_id
from .cleaning import single_line

# Caps on what one record may hold, generous for real arXiv data. In 5,200 real records (the
# shared recent_papers.jsonl and the snapshot head in tests/fixtures) the longest title has 223
# characters, abstract 1,981 (arXiv's form allows 1,920), comment 387, journal-ref 179, DOI 55,
# author name 67, and the longest author list 1,833 names; arXiv's largest lists have about
# 5,100 (ATLAS+CMS). Anything beyond these is not a paper but an attack or a broken file.
MAX_TITLE = 1_000
MAX_ABSTRACT = 10_000
MAX_COMMENT = 2_000
MAX_JOURNAL_REF = 1_000
MAX_AUTHORS = 10_000
MAX_AUTHOR_NAME = 300
MAX_CATEGORIES = 50
# Categories are short codes (cs.LG), but third-party JSON carries MSC and ACM classes there.
MAX_CATEGORY = 200
# The rest are the widths of the columns that hold them (papers.models.Paper).
MAX_PRIMARY_CATEGORY = 32
MAX_DOI = 512
MAX_LICENSE = 256
# arXiv ids carry versions v1 to v9999 (arxiv_ids._VERSION); the column is a small integer.
MAX_VERSION = 9_999
# arXiv opened in August 1991; the margin admits back-dated records. A paper from the future is
# a broken clock or a forged record (and dates near year 9999 overflow period arithmetic).
EARLIEST_DATE = datetime(1986, 1, 1, tzinfo=UTC)
FUTURE_MARGIN = timedelta(days=2)

logger = logging.getLogger(__name__)
_WITHDRAWN = re.compile(r"\b(?:has been|was|is) withdrawn\b|^\s*withdrawn\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class PaperRecord:
    arxiv_id: str
    version: int | None
    title: str
    abstract: str
    authors: tuple[str, ...]
    categories: tuple[str, ...]
    primary_category: str
    published: datetime | None
    updated: datetime | None
    comment: str = ""
    journal_ref: str = ""
    doi: str = ""
    license: str = ""
    withdrawn: bool = False

    def content_hash(self) -> str:
        """A digest of everything stored, so an unchanged re-import writes nothing. The
        fields are read directly: `asdict` deep-copies each value, which was 30% of the CPU of
        writing a paper (1M synthetic papers, bench/recommend_scale.py); the JSON is the same."""
        stored = {field.name: getattr(self, field.name) for field in fields(self)}
        blob = json.dumps(stored, default=str, sort_keys=True, ensure_ascii=False)
        return hashlib.blake2b(blob.encode(), digest_size=16).hexdigest()


def content_hash_of(paper) -> str:
    """The content hash of a stored paper (papers.models.Paper) as its fields now read: what
    importing the same fields computes, every source's dates being in UTC (parse_timestamp),
    as the databases hand them back."""
    return PaperRecord(
        **{f.name: getattr(paper, f.name) for f in fields(PaperRecord)}
    ).content_hash()


@dataclass(frozen=True, slots=True)
class Rejected:
    """A record that could not be read: where it was and why."""

    where: str
    reason: str

    def __str__(self) -> str:
        return f"{self.where}: {self.reason}"


class RecordError(ValueError):
    """A record is present but unusable; the message is the reason."""


INTERNAL_ERROR = "unreadable record (internal error"


def internal_error(where: str, error: Exception) -> Rejected:
    """The last line of defence of every reader: an exception the validation did not foresee
    still only rejects its record (and is logged with its traceback, to be fixed). The fuzz
    tests (tests/test_import_robustness.py) assert that no input ever gets here."""
    logger.error("reading %s failed unexpectedly", where, exc_info=error)
    return Rejected(where, f"{INTERNAL_ERROR} {type(error).__name__}; see the log)")


def clean_text(text: str | None, field: str = "text") -> str:
    """Collapse arXiv's hard wraps and indentation into single spaces and drop the characters
    no output can hold (cleaning.py). Anything but text or nothing is a RecordError."""
    if text is None:
        return ""
    if not isinstance(text, str):
        raise RecordError(f"{field} is not text ({type(text).__name__})")
    return single_line(text)


def parse_timestamp(text: str | None) -> datetime | None:
    """Parse the date formats arXiv uses (ISO 8601, RFC 2822, plain dates) into UTC."""
    text = clean_text(text, "date")
    if not text:
        return None
    try:
        if "," in text or text.endswith("GMT"):
            parsed = parsedate_to_datetime(text)
        elif len(text) == 10:
            parsed = datetime.combine(date.fromisoformat(text), datetime.min.time())
        else:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return parsed.astimezone(UTC)
    except (TypeError, ValueError, OverflowError) as error:
        raise RecordError(f"unreadable date {_shown(text)}") from error


def split_categories(text: str | None) -> tuple[str, ...]:
    return tuple(dict.fromkeys(clean_text(text, "categories").split()))


def split_author_string(text: str | None) -> tuple[str, ...]:
    """Split arXiv's free-text author list ("A, B and C") into names."""
    text = clean_text(text, "authors")
    if not text:
        return ()
    parts = re.split(r",\s*(?:and\s+)?|\s+and\s+", text)
    return tuple(name.strip() for name in parts if name.strip())


def looks_withdrawn(comment: str, abstract: str) -> bool:
    return bool(_WITHDRAWN.search(comment) or _WITHDRAWN.search(abstract[:200]))


def build_record(
    *,
    arxiv_id: str,
    version: int | None,
    title: str | None,
    abstract: str | None,
    authors: tuple[str, ...] | list[str],
    categories: tuple[str, ...] | list[str],
    primary_category: str | None,
    published: datetime | None,
    updated: datetime | None,
    comment: str | None = "",
    journal_ref: str | None = "",
    doi: str | None = "",
    license: str | None = "",
    withdrawn: bool | None = None,
) -> PaperRecord:
    """Normalise and validate the fields every source provides.

    The boundary between outside data and the database: every value is checked for type,
    length and range here, so a RecordError names the problem and nothing invalid is stored.
    """
    if not isinstance(arxiv_id, str) or str(parse_arxiv_id(arxiv_id)) != arxiv_id:
        raise RecordError(f"{_shown(str(arxiv_id))} is not an arXiv id without a version")
    title = _capped(clean_text(title, "title"), "title", MAX_TITLE)
    if not title:
        raise RecordError("no title")
    abstract = _capped(clean_text(abstract, "abstract"), "abstract", MAX_ABSTRACT)
    comment = _capped(clean_text(comment, "comment"), "comment", MAX_COMMENT)
    authors = _names(authors, "authors", MAX_AUTHORS, MAX_AUTHOR_NAME)
    categories = _names(categories, "categories", MAX_CATEGORIES, MAX_CATEGORY)
    primary = clean_text(primary_category, "primary category") or (
        categories[0] if categories else ""
    )
    _capped(primary, "primary category", MAX_PRIMARY_CATEGORY)
    if primary and primary not in categories:
        categories = (primary, *categories)
    if version is not None and (
        not isinstance(version, int) or isinstance(version, bool) or not 1 <= version <= MAX_VERSION
    ):
        raise RecordError(f"version {_shown(str(version))} is out of range (1 to {MAX_VERSION})")
    if published is None:
        published = updated
    if published is None:
        raise RecordError("no publication date")
    _check_date(published, "publication date")
    if updated is not None:
        _check_date(updated, "update date")
    updated = max(updated or published, published)
    if withdrawn is not None and not isinstance(withdrawn, bool):
        raise RecordError("withdrawn is not true or false")
    return PaperRecord(
        arxiv_id=arxiv_id,
        version=version,
        title=title,
        abstract=abstract,
        authors=authors,
        categories=categories,
        primary_category=primary,
        published=published,
        updated=updated,
        comment=comment,
        journal_ref=_capped(clean_text(journal_ref, "journal-ref"), "journal-ref", MAX_JOURNAL_REF),
        doi=_capped(clean_text(doi, "DOI"), "DOI", MAX_DOI),
        license=_capped(clean_text(license, "license"), "license", MAX_LICENSE),
        withdrawn=looks_withdrawn(comment, abstract) if withdrawn is None else withdrawn,
    )


def _capped(text: str, field: str, limit: int) -> str:
    if len(text) > limit:
        raise RecordError(f"{field} is too long ({len(text):,} characters; at most {limit:,})")
    return text


def _names(values, field: str, most: int, longest: int) -> tuple[str, ...]:
    """A list of short texts (authors, categories): cleaned, deduplicated where asked, capped."""
    if not isinstance(values, list | tuple):
        raise RecordError(f"{field} is not a list ({type(values).__name__})")
    if len(values) > most:
        raise RecordError(f"too many {field} ({len(values):,}; at most {most:,})")
    names = [clean_text(value, field) for value in values]
    for name in names:
        _capped(name, f"a name in {field}", longest)
    names = [name for name in names if name]
    return tuple(dict.fromkeys(names)) if field == "categories" else tuple(names)


def _check_date(value, field: str) -> None:
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise RecordError(f"{field} is not a date and time with a time zone")
    latest = datetime.now(UTC) + FUTURE_MARGIN
    if not EARLIEST_DATE <= value <= latest:
        raise RecordError(
            f"{field} {value:%Y-%m-%d} is out of range ({EARLIEST_DATE:%Y-%m-%d} to today)"
        )


def _shown(text: str, limit: int = 80) -> str:
    """Outside text quoted in a reason, cut short so a reason stays one readable line."""
    return repr(text if len(text) <= limit else text[: limit - 3] + "...")
