"""The one module that writes PaperLink rows.

Extracted links are written in the same transaction as the papers they come from (the
`papers_written` signal is sent inside it), so a crash never leaves a paper with stale links.
`reextract()` recomputes them for every stored paper: `reindex` runs it, which is how links
catch up after the extractor improves.
"""

from collections.abc import Callable, Iterable

from django.db import transaction

from ..papers.batches import each_chunk
from .extract import extract_links
from .models import PaperLink

# SQLite allows 32766 parameters per statement; this stays well under it on every database.
_CHUNK = 900


def replace_extracted(papers: Iterable[tuple[str, str, str]]) -> int:
    """Replace the extracted links of (arxiv_id, abstract, comment) triples; links people
    added are left alone. Returns how many links were written."""
    papers = list(papers)
    rows = [
        PaperLink(paper_id=arxiv_id, kind=link.kind.value, url=link.url, position=position)
        for arxiv_id, abstract, comment in papers
        for position, link in enumerate(extract_links(abstract, comment))
    ]
    with transaction.atomic():
        ids = [arxiv_id for arxiv_id, _, _ in papers]
        for start in range(0, len(ids), _CHUNK):
            PaperLink.objects.filter(
                paper_id__in=ids[start : start + _CHUNK], source=PaperLink.Source.EXTRACTED
            ).delete()
        PaperLink.objects.bulk_create(rows, batch_size=500)
    return len(rows)


def on_papers_written(sender, records, **kwargs) -> None:
    replace_extracted((r.arxiv_id, r.abstract, r.comment) for r in records)


def reextract(progress: Callable[[int], None] | None = None, chunk: int = 2000) -> int:
    """Recompute the extracted links of every paper, one transaction per chunk (resumable:
    a killed run leaves every chunk either done or untouched). Returns papers processed."""
    return each_chunk(("arxiv_id", "abstract", "comment"), replace_extracted, progress, chunk)
