"""The normalised shape every source is turned into before it reaches storage."""

import hashlib
import json
import re
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime

_WHITESPACE = re.compile(r"\s+")
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
        """A digest of everything stored, so an unchanged re-import writes nothing."""
        fields = asdict(self)
        blob = json.dumps(fields, default=str, sort_keys=True, ensure_ascii=False)
        return hashlib.blake2b(blob.encode(), digest_size=16).hexdigest()


@dataclass(frozen=True, slots=True)
class Rejected:
    """A record that could not be read: where it was and why."""

    where: str
    reason: str

    def __str__(self) -> str:
        return f"{self.where}: {self.reason}"


class RecordError(ValueError):
    """A record is present but unusable; the message is the reason."""


def clean_text(text: str | None) -> str:
    """Collapse arXiv's hard wraps and indentation into single spaces."""
    return _WHITESPACE.sub(" ", text or "").strip()


def parse_timestamp(text: str | None) -> datetime | None:
    """Parse the date formats arXiv uses (ISO 8601, RFC 2822, plain dates) into UTC."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        if "," in text or text.endswith("GMT"):
            parsed = parsedate_to_datetime(text)
        elif len(text) == 10:
            parsed = datetime.combine(date.fromisoformat(text), datetime.min.time())
        else:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (TypeError, ValueError) as error:
        raise RecordError(f"unreadable date {text!r}") from error
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def split_categories(text: str | None) -> tuple[str, ...]:
    return tuple(dict.fromkeys((text or "").split()))


def split_author_string(text: str | None) -> tuple[str, ...]:
    """Split arXiv's free-text author list ("A, B and C") into names."""
    text = clean_text(text)
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
    """Normalise and validate the fields every source provides."""
    title = clean_text(title)
    if not title:
        raise RecordError("no title")
    abstract = clean_text(abstract)
    comment = clean_text(comment)
    categories = tuple(dict.fromkeys(c.strip() for c in categories if c.strip()))
    primary = (primary_category or (categories[0] if categories else "")).strip()
    if primary and primary not in categories:
        categories = (primary, *categories)
    if published is None:
        published = updated
    if published is None:
        raise RecordError("no publication date")
    updated = max(updated or published, published)
    return PaperRecord(
        arxiv_id=arxiv_id,
        version=version,
        title=title,
        abstract=abstract,
        authors=tuple(clean_text(a) for a in authors if clean_text(a)),
        categories=categories,
        primary_category=primary,
        published=published,
        updated=updated,
        comment=comment,
        journal_ref=clean_text(journal_ref),
        doi=clean_text(doi),
        license=clean_text(license),
        withdrawn=looks_withdrawn(comment, abstract) if withdrawn is None else withdrawn,
    )
