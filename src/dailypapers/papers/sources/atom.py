"""The arXiv API's Atom feed (current and legacy flavours)."""

from dataclasses import dataclass, field

from ..arxiv_ids import InvalidArxivId, parse_arxiv_id
from ..records import (
    PaperRecord,
    RecordError,
    Rejected,
    build_record,
    internal_error,
    parse_timestamp,
)
from .xml import MalformedInput, children_by_name, first_text, localname, parse_xml

ATOM = "{http://www.w3.org/2005/Atom}"


@dataclass
class AtomPage:
    total_results: int
    start_index: int
    items: list[PaperRecord | Rejected] = field(default_factory=list)
    # Error entries arXiv returns with HTTP 400, e.g. "incorrect id format for abc".
    errors: list[str] = field(default_factory=list)


def parse_atom(data: bytes, where: str = "Atom feed") -> AtomPage:
    root = parse_xml(data, where)
    if root.tag != f"{ATOM}feed":
        raise MalformedInput(f"{where}: not an Atom feed (root element <{localname(root)}>)")
    head = children_by_name(root)
    page = AtomPage(
        total_results=_int(first_text(head, "totalResults")),
        start_index=_int(first_text(head, "startIndex")),
    )
    for number, entry in enumerate(head.get("entry", []), start=1):
        found = children_by_name(entry)
        entry_id = first_text(found, "id").strip()
        if "/api/errors" in entry_id:
            page.errors.append(_clean(first_text(found, "summary")) or entry_id)
            continue
        try:
            page.items.append(_record(found, entry_id))
        except (InvalidArxivId, RecordError) as error:
            page.items.append(Rejected(f"{where}, entry {number}", str(error)))
        except Exception as error:  # noqa: BLE001 - any input must end as a rejection
            page.items.append(internal_error(f"{where}, entry {number}", error))
    return page


def _record(found, entry_id: str) -> PaperRecord:
    parsed = parse_arxiv_id(entry_id)
    return build_record(
        arxiv_id=parsed.id,
        version=parsed.version,
        title=first_text(found, "title"),
        abstract=first_text(found, "summary"),
        authors=[first_text(children_by_name(a), "name") for a in found.get("author", [])],
        categories=[c.get("term", "") for c in found.get("category", [])],
        primary_category=next((p.get("term") for p in found.get("primary_category", [])), None),
        published=parse_timestamp(first_text(found, "published")),
        updated=parse_timestamp(first_text(found, "updated")),
        comment=first_text(found, "comment"),
        journal_ref=first_text(found, "journal_ref"),
        doi=first_text(found, "doi"),
    )


def _clean(text: str) -> str:
    return " ".join(text.split())


def _int(text: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        return 0
