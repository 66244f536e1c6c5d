"""JSON inputs: the arXiv metadata snapshot (JSON Lines) and JSON arrays of API-shaped records."""

import json
from collections.abc import Iterable, Iterator

from ..arxiv_ids import InvalidArxivId, parse_arxiv_id
from ..records import (
    PaperRecord,
    RecordError,
    Rejected,
    build_record,
    parse_timestamp,
    split_author_string,
    split_categories,
)


def read_snapshot_lines(lines: Iterable[str], where: str) -> Iterator[PaperRecord | Rejected]:
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            yield snapshot_record(json.loads(line))
        except json.JSONDecodeError as error:
            yield Rejected(f"{where}, line {number}", f"malformed JSON: {error.msg}")
        except (InvalidArxivId, RecordError, TypeError, KeyError, AttributeError) as error:
            yield Rejected(f"{where}, line {number}", _reason(error))


def read_json_array(items: list, where: str) -> Iterator[PaperRecord | Rejected]:
    for number, item in enumerate(items, start=1):
        try:
            yield api_json_record(item)
        except (InvalidArxivId, RecordError, TypeError, KeyError, AttributeError) as error:
            yield Rejected(f"{where}, item {number}", _reason(error))


def snapshot_record(row: dict) -> PaperRecord:
    """One line of the Kaggle arxiv-metadata-oai-snapshot dump."""
    if not isinstance(row, dict):
        raise RecordError("expected a JSON object")
    versions = sorted(row.get("versions") or [], key=lambda v: _version_number(v.get("version")))
    parsed_authors = row.get("authors_parsed")
    authors = (
        [" ".join(p for p in (a[1], a[0], *a[2:]) if p).strip() for a in parsed_authors]
        if parsed_authors
        else split_author_string(row.get("authors"))
    )
    published = parse_timestamp(versions[0].get("created")) if versions else None
    return build_record(
        arxiv_id=parse_arxiv_id(str(row["id"])).id,
        version=_version_number(versions[-1].get("version")) if versions else None,
        title=row.get("title"),
        abstract=row.get("abstract"),
        authors=authors,
        categories=split_categories(row.get("categories")),
        primary_category=None,
        published=published or parse_timestamp(row.get("update_date")),
        updated=parse_timestamp(versions[-1].get("created")) if versions else None,
        comment=row.get("comments"),
        journal_ref=row.get("journal-ref"),
        doi=row.get("doi"),
        license=row.get("license"),
    )


def api_json_record(item: dict) -> PaperRecord:
    """An API result saved as JSON by a third-party script: link/id, title, summary, ..."""
    if not isinstance(item, dict):
        raise RecordError("expected a JSON object")
    link = item.get("id") or item.get("link") or item.get("url") or item.get("entry_id") or ""
    try:
        parsed = parse_arxiv_id(str(link))
    except InvalidArxivId as error:
        raise RecordError(f"no arXiv id (link {str(link)[:80]!r})") from error
    authors = [
        a.get("name", "") if isinstance(a, dict) else str(a) for a in item.get("authors") or []
    ]
    categories = item.get("categories") or []
    if isinstance(categories, str):
        categories = split_categories(categories)
    return build_record(
        arxiv_id=parsed.id,
        version=parsed.version,
        title=item.get("title"),
        abstract=item.get("summary") or item.get("abstract"),
        authors=authors,
        categories=categories,
        primary_category=item.get("primary_category"),
        published=parse_timestamp(item.get("published")),
        updated=parse_timestamp(item.get("updated")),
        comment=item.get("comment"),
        journal_ref=item.get("journal_ref"),
        doi=item.get("doi"),
    )


def _version_number(text) -> int:
    digits = str(text or "").lstrip("v")
    if not digits.isdigit():
        raise RecordError(f"unreadable version {text!r}")
    return int(digits)


def _reason(error: Exception) -> str:
    if isinstance(error, KeyError):
        return f"missing field {error.args[0]!r}"
    return str(error)
