"""Fetching named papers from the arXiv API into the database."""

from dataclasses import dataclass, field

from .arxiv_client import ArxivApi
from .arxiv_ids import ArxivId, parse_arxiv_id
from .importer import ImportSummary, import_items
from .records import PaperRecord


@dataclass
class FetchResult:
    summary: ImportSummary
    missing: list[str] = field(default_factory=list)


def fetch_papers(texts: list[str], api: ArxivApi | None = None) -> FetchResult:
    """Fetch ids or URLs. Every id is validated before any request (InvalidArxivId)."""
    ids: list[ArxivId] = list(dict.fromkeys(parse_arxiv_id(text) for text in texts))
    items = (api or ArxivApi()).by_ids(ids)
    summary = ImportSummary()
    import_items(items, summary)
    found = {item.arxiv_id for item in items if isinstance(item, PaperRecord)}
    return FetchResult(summary, missing=[str(i) for i in ids if i.id not in found])
