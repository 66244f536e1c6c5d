"""JSON inputs: the arXiv metadata snapshot (JSON Lines) and JSON arrays of API-shaped records.

Every value is read with its type checked: a record whose fields are not what the format says
is Rejected with the reason, never an exception out of the reader.
"""

import json
import re
from collections.abc import Iterator
from typing import BinaryIO

from ..arxiv_ids import InvalidArxivId, parse_arxiv_id
from ..records import (
    MAX_VERSION,
    PaperRecord,
    RecordError,
    Rejected,
    build_record,
    internal_error,
    parse_timestamp,
    split_author_string,
    split_categories,
)

# The longest line in 5,200 real snapshot records is 0.3 MB (1,833 authors); a longer line is
# read no further than this and rejected, so one runaway line cannot exhaust memory.
MAX_LINE_BYTES = 8 * 1024 * 1024
_VERSION = re.compile(r"v?([0-9]+)")


def read_snapshot_lines(stream: BinaryIO, where: str) -> Iterator[PaperRecord | Rejected]:
    number = 0
    while line := stream.readline(MAX_LINE_BYTES):
        number += 1
        here = f"{where}, line {number}"
        if len(line) == MAX_LINE_BYTES and not line.endswith(b"\n"):
            while (rest := stream.readline(MAX_LINE_BYTES)) and not rest.endswith(b"\n"):
                pass
            yield Rejected(here, f"line longer than {MAX_LINE_BYTES:,} bytes")
            continue
        if not line.strip():
            continue
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError as error:
            yield Rejected(here, f"not UTF-8 text (byte {error.start + 1} of the line)")
            continue
        yield _record_or_rejection(snapshot_record, text, here, parse=True)


def read_json_array(items: list, where: str) -> Iterator[PaperRecord | Rejected]:
    for number, item in enumerate(items, start=1):
        yield _record_or_rejection(api_json_record, item, f"{where}, item {number}")


def _record_or_rejection(build, value, where: str, parse: bool = False):
    try:
        return build(json.loads(value) if parse else value)
    except json.JSONDecodeError as error:
        return Rejected(where, f"malformed JSON: {error.msg}")
    except RecursionError:
        return Rejected(where, "malformed JSON: nested too deeply")
    except (InvalidArxivId, RecordError) as error:
        return Rejected(where, str(error))
    except Exception as error:  # noqa: BLE001 - any input must end as a rejection
        return internal_error(where, error)


def snapshot_record(row) -> PaperRecord:
    """One line of the Kaggle arxiv-metadata-oai-snapshot dump."""
    if not isinstance(row, dict):
        raise RecordError("expected a JSON object")
    versions = sorted(_versions(row.get("versions")), key=lambda version: version[0])
    parsed_authors = row.get("authors_parsed")
    authors = (
        _parsed_authors(parsed_authors)
        if parsed_authors
        else split_author_string(row.get("authors"))
    )
    published = versions[0][1] if versions else None
    if "id" not in row:
        raise RecordError("missing field 'id'")
    if not isinstance(row["id"], str):
        raise RecordError("id is not text")
    return build_record(
        arxiv_id=parse_arxiv_id(row["id"]).id,
        version=versions[-1][0] if versions else None,
        title=row.get("title"),
        abstract=row.get("abstract"),
        authors=authors,
        categories=split_categories(row.get("categories")),
        primary_category=None,
        published=published or parse_timestamp(row.get("update_date")),
        updated=versions[-1][1] if versions else None,
        comment=row.get("comments"),
        journal_ref=row.get("journal-ref"),
        doi=row.get("doi"),
        license=row.get("license"),
    )


def api_json_record(item) -> PaperRecord:
    """An API result saved as JSON by a third-party script: link/id, title, summary, ..."""
    if not isinstance(item, dict):
        raise RecordError("expected a JSON object")
    link = item.get("id") or item.get("link") or item.get("url") or item.get("entry_id") or ""
    try:
        parsed = parse_arxiv_id(link if isinstance(link, str) else "")
    except InvalidArxivId as error:
        raise RecordError(f"no arXiv id (link {str(link)[:80]!r})") from error
    authors = item.get("authors") or []
    if not isinstance(authors, list):
        raise RecordError("authors is not a list")
    authors = [a.get("name", "") if isinstance(a, dict) else a for a in authors]
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


def _versions(value) -> list[tuple[int, object]]:
    """The snapshot's [{"version": "v1", "created": "Mon, 2 Apr 2007 ..."}, ...] as (n, date)."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise RecordError("versions is not a list")
    versions = []
    for entry in value:
        if not isinstance(entry, dict):
            raise RecordError("versions holds something other than objects")
        number = version_number(entry.get("version"))
        versions.append((number, parse_timestamp(entry.get("created"))))
    return versions


def version_number(text) -> int:
    """ "v3" or "3" as 3; anything else, or a number beyond arXiv's, is a RecordError."""
    match = _VERSION.fullmatch(text) if isinstance(text, str) else None
    if not match:
        raise RecordError(f"unreadable version {str(text)[:40]!r}")
    digits = match[1].lstrip("0")
    if not digits or len(digits) > len(str(MAX_VERSION)) or int(digits) > MAX_VERSION:
        raise RecordError(f"version {text[:40]!r} is out of range (v1 to v{MAX_VERSION})")
    return int(digits)


def _parsed_authors(value) -> list[str]:
    """authors_parsed: [[last, first, suffix, ...], ...]; a lone [last] is a one-word name."""
    if not isinstance(value, list):
        raise RecordError("authors_parsed is not a list of [last, first, suffix] lists")
    names = []
    for parts in value:
        if not isinstance(parts, list) or not all(isinstance(p, str) for p in parts):
            raise RecordError("authors_parsed holds something other than lists of names")
        last, first, rest = (parts[0] if parts else ""), parts[1:2], parts[2:]
        names.append(" ".join(p for p in (*first, last, *rest) if p).strip())
    return names
