"""Search as the site, the API and the CLI use it."""

import functools
import math
import re
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape
from typing import NamedTuple

import tantivy
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import is_aware

from ..core import sql
from ..feed.listing import vote_counts
from ..papers.models import Paper
from ..papers.text import SEARCH_EXCERPT_CHARS, excerpt
from . import index, ranking
from .query import SearchQuery
from .schema import paper_analyzer

PER_PAGE = 20
MAX_RESULTS = 200
UPVOTE_POOL = 200
# Highlighting cuts and stems words as the index does, so it marks what matched.
_ANALYZER = paper_analyzer()


@dataclass
class Result:
    paper: Paper
    upvotes: int
    snippet: SafeString
    title: SafeString


@dataclass
class SearchResults:
    query: SearchQuery
    results: list[Result] = field(default_factory=list)
    total: int = 0
    page: int = 1

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / PER_PAGE))

    @property
    def start(self) -> int:
        return (self.page - 1) * PER_PAGE + 1


def ranked_ids(query: SearchQuery, limit: int = MAX_RESULTS, mode: str = "hybrid") -> list[str]:
    """arXiv ids, best first."""
    folder = index.open_index.get()
    filters = ranking.filter_query(query)
    if query.sort == "newest":
        text_query = ranking.keyword_query(query) or tantivy.Query.all_query()
        ordinals = folder.newest(ranking.with_filter(text_query, filters), limit)
    elif query.is_empty:
        if filters is None:
            return []
        ordinals = folder.newest(filters, limit)
    else:
        hits = ranking.rank(folder, query, mode, limit)
        ordinals = [hit.ordinal for hit in hits]
    ids = folder.arxiv_ids(ordinals)
    if query.sort == "upvotes":
        votes = vote_counts(ids[:UPVOTE_POOL])
        ids = sorted(ids[:UPVOTE_POOL], key=lambda i: -votes.get(i, 0))
    return ids


def search(query: SearchQuery, page: int = 1) -> SearchResults:
    ids = ranked_ids(query)
    page = max(1, min(page, max(1, math.ceil(len(ids) / PER_PAGE))))
    shown = ids[(page - 1) * PER_PAGE : page * PER_PAGE]
    papers = Paper.objects.in_bulk(shown)
    votes = vote_counts(shown)
    stems = _stems(" ".join([*query.terms, *(w for p in query.phrases for w in p)]))
    results = [
        Result(
            paper=papers[i],
            upvotes=votes.get(i, 0),
            snippet=highlight(_excerpt(papers[i].abstract, stems), stems),
            title=highlight(papers[i].title, stems),
        )
        for i in shown
        if i in papers
    ]
    return SearchResults(query=query, results=results, total=len(ids), page=page)


# Similar ids remembered per process while the index stays the same (a reload reads a new
# meta.json, a rebuild opens a new folder): the ordinal lookup and the HNSW search were about
# a seventh of an uncached paper page's CPU. A paper's first view still pays them.
_SIMILAR_MEMO_SIZE = 10_000
_similar_memo: dict = {"meta": None, "ids": {}}
_similar_memo_lock = threading.Lock()


def _similar_ids(arxiv_id: str, limit: int) -> list[str]:
    try:
        folder = index.open_index.get()
    except index.IndexMissing:
        return []
    memo = _similar_memo
    if memo["meta"] is folder.meta and (found := memo["ids"].get((arxiv_id, limit))):
        return found
    ordinal = folder.ordinals_of([arxiv_id]).get(arxiv_id)
    if ordinal is None:
        return []
    ids = [folder.arxiv_id(hit.ordinal) for hit in ranking.similar(folder, ordinal, limit)]
    with _similar_memo_lock:
        if memo["meta"] is not folder.meta or len(memo["ids"]) >= _SIMILAR_MEMO_SIZE:
            memo["meta"], memo["ids"] = folder.meta, {}
        memo["ids"][(arxiv_id, limit)] = ids
    return ids


def similar_papers(arxiv_id: str, limit: int = 6) -> list[Paper]:
    ids = _similar_ids(arxiv_id, limit)
    papers = Paper.objects.in_bulk(ids)
    return [papers[i] for i in ids if i in papers]


class ShownPaper(NamedTuple):
    """What the paper page shows of a similar paper."""

    arxiv_id: str
    title: str
    published: datetime | None
    primary_category: str


# Fetching only these columns with fixed SQL took the lookup from 1 ms (in_bulk of six whole
# papers, abstracts and all) to about 0.2 ms, and plain rows instead of raw()'s model
# instances to a third of that (docs/performance.md).
_SHOWN_SQL = (
    f"SELECT arxiv_id, title, published, primary_category FROM {Paper._meta.db_table} "
    "WHERE arxiv_id IN ({})"
)


def similar_for_page(arxiv_id: str, limit: int = 6) -> list[ShownPaper]:
    """similar_papers, with only what the paper page shows."""
    ids = _similar_ids(arxiv_id, limit)
    papers = {
        row[0]: ShownPaper(row[0], row[1], _aware(row[2]), row[3])
        for row in sql.rows_for(_SHOWN_SQL, ids)
    }
    return [papers[i] for i in ids if i in papers]


def _aware(moment: datetime | None) -> datetime | None:
    """SQLite's driver hands back stored datetimes as naive UTC (Django's model fields make
    them aware; plain rows do not go through them)."""
    return moment if moment is None or is_aware(moment) else moment.replace(tzinfo=UTC)


def _stems(text: str) -> set[str]:
    return set(_ANALYZER.analyze(text)) if text else set()


@functools.lru_cache(maxsize=100_000)
def _word_stems(word: str) -> frozenset[str]:
    return frozenset(_ANALYZER.analyze(word))


@functools.lru_cache(maxsize=1024)
def _candidates(stems: frozenset[str]) -> re.Pattern:
    """Words that could stem to one of stems: the stemmer only rewrites a word's ending, so
    they start with the stem's first letters. The regex skips every other word in C."""
    prefixes = "|".join(sorted({re.escape(stem[:3]) for stem in stems}))
    return re.compile(rf"\b(?:{prefixes})\w*", re.IGNORECASE)


def _matches(text: str, stems: set[str]):
    """Words of text whose stem is one of stems."""
    if not stems:
        return
    for match in _candidates(frozenset(stems)).finditer(text):
        if not stems.isdisjoint(_word_stems(match.group(0))):
            yield match


def highlight(text: str, stems: set[str]) -> SafeString:
    """Escape text and wrap words whose stem matches the query in <mark>."""
    out, position = [], 0
    for match in _matches(text, stems):
        out.append(escape(text[position : match.start()]))
        out.append(f"<mark>{escape(match.group(0))}</mark>")
        position = match.end()
    out.append(escape(text[position:]))
    return mark_safe("".join(out))


def _excerpt(text: str, stems: set[str]) -> str:
    """The search excerpt around the first matching word."""
    if len(text) <= SEARCH_EXCERPT_CHARS:
        return text
    first = next(_matches(text, stems), None)
    return excerpt(text, SEARCH_EXCERPT_CHARS, near=first.start() if first else 0)
