"""OAI-PMH ListRecords/GetRecord pages in the arXiv and arXivRaw metadata formats."""

import re
from dataclasses import dataclass, field
from datetime import datetime

from ..arxiv_ids import InvalidArxivId, parse_arxiv_id
from ..cleaning import single_line
from ..records import (
    PaperRecord,
    RecordError,
    Rejected,
    build_record,
    internal_error,
    parse_timestamp,
    split_author_string,
    split_categories,
)
from .snapshot import version_number
from .xml import MalformedInput, children_by_name, first_text, localname, parse_xml

OAI = "{http://www.openarchives.org/OAI/2.0/}"


@dataclass
class OaiPage:
    response_date: datetime | None
    items: list[PaperRecord | Rejected] = field(default_factory=list)
    resumption_token: str = ""
    complete_list_size: int | None = None
    error_code: str = ""
    error_message: str = ""


def parse_oai(data: bytes, where: str = "OAI-PMH page") -> OaiPage:
    root = parse_xml(data, where)
    if localname(root) != "OAI-PMH":
        raise MalformedInput(f"{where}: not an OAI-PMH response (root <{localname(root)}>)")
    top = children_by_name(root)
    page = OaiPage(response_date=_timestamp_or_none(first_text(top, "responseDate")))
    if errors := top.get("error"):
        page.error_code = errors[0].get("code", "unknown")
        page.error_message = single_line(errors[0].text or "")
        return page
    body = (top.get("ListRecords") or top.get("GetRecord") or [None])[0]
    if body is None:
        return page
    listing = children_by_name(body)
    for number, record in enumerate(listing.get("record", []), start=1):
        page.items.append(_record_or_rejection(record, f"{where}, record {number}"))
    if tokens := listing.get("resumptionToken"):
        page.resumption_token = single_line(tokens[0].text or "")
        size = tokens[0].get("completeListSize")
        page.complete_list_size = int(size) if size and re.fullmatch("[0-9]{1,12}", size) else None
    return page


def _record_or_rejection(record, where: str) -> PaperRecord | Rejected:
    parts = children_by_name(record)
    header = (parts.get("header") or [None])[0]
    if header is not None and header.get("status") == "deleted":
        return Rejected(where, "deleted by arXiv")
    wrappers = parts.get("metadata") or []
    metadata = [m for m in wrappers[0] if isinstance(m.tag, str)] if wrappers else []
    if not metadata:
        return Rejected(where, "no metadata")
    fmt = localname(metadata[0])
    try:
        if fmt == "arXiv":
            return _from_arxiv_format(children_by_name(metadata[0]))
        if fmt == "arXivRaw":
            return _from_arxiv_raw(children_by_name(metadata[0]))
    except (InvalidArxivId, RecordError) as error:
        return Rejected(where, str(error))
    except Exception as error:  # noqa: BLE001 - any input must end as a rejection
        return internal_error(where, error)
    return Rejected(where, f"metadata format {fmt!r} is not supported; use arXiv or arXivRaw")


def _from_arxiv_format(found) -> PaperRecord:
    authors = []
    author_lists = found.get("authors") or []
    for author in author_lists[0] if author_lists else []:
        names = children_by_name(author)
        name = " ".join(
            part
            for part in (
                first_text(names, "forenames").strip(),
                first_text(names, "keyname").strip(),
                first_text(names, "suffix").strip(),
            )
            if part
        )
        authors.append(name)
    updated = first_text(found, "updated")
    return build_record(
        arxiv_id=parse_arxiv_id(first_text(found, "id")).id,
        # This format has no version list; a paper never updated is at v1.
        version=None if updated.strip() else 1,
        title=first_text(found, "title"),
        abstract=first_text(found, "abstract"),
        authors=authors,
        categories=split_categories(first_text(found, "categories")),
        primary_category=None,
        published=parse_timestamp(first_text(found, "created")),
        updated=parse_timestamp(updated),
        comment=first_text(found, "comments"),
        journal_ref=first_text(found, "journal-ref"),
        doi=first_text(found, "doi"),
        license=first_text(found, "license"),
    )


def _from_arxiv_raw(found) -> PaperRecord:
    versions = []
    for element in found.get("version", []):
        details = children_by_name(element)
        versions.append(
            (
                version_number(element.get("version", "")),
                parse_timestamp(first_text(details, "date")),
                first_text(details, "size").strip(),
            )
        )
    versions.sort(key=lambda v: v[0])
    latest = versions[-1] if versions else (None, None, "")
    return build_record(
        arxiv_id=parse_arxiv_id(first_text(found, "id")).id,
        version=latest[0] or None,
        title=first_text(found, "title"),
        abstract=first_text(found, "abstract"),
        authors=split_author_string(first_text(found, "authors")),
        categories=split_categories(first_text(found, "categories")),
        primary_category=None,
        published=versions[0][1] if versions else None,
        updated=latest[1],
        comment=first_text(found, "comments"),
        journal_ref=first_text(found, "journal-ref"),
        doi=first_text(found, "doi"),
        license=first_text(found, "license"),
        # arXiv replaces a withdrawn paper's files with an empty version.
        withdrawn=True if latest[2] == "0kb" else None,
    )


def _timestamp_or_none(text: str) -> datetime | None:
    try:
        return parse_timestamp(text)
    except RecordError:
        return None
