"""Recommendations as the CLI (and later the site, the API and digests) ask for them: windows
named day / week / month / all, texts read from the papers table, papers returned in order."""

import functools
import re
from collections import Counter
from datetime import date, timedelta

from django.db.models import Max

from ..papers.models import Paper
from ..search import index
from ..search.schema import paper_analyzer
from .engine import Recommendation, Window, recommend

WINDOWS = {"day": 1, "week": 7, "month": 30, "all": None}
DEFAULT_WINDOW = "week"
MAX_LIMIT = 200


def window_named(name: str) -> Window:
    """The last N days of publication, ending on the newest paper's day (not today: a site
    that has not harvested yet still has a "day")."""
    if name not in WINDOWS:
        raise ValueError(f"unknown window {name!r}: use one of {', '.join(WINDOWS)}")
    days = WINDOWS[name]
    if days is None:
        return Window()
    newest = Paper.objects.aggregate(newest=Max("published"))["newest"]
    if newest is None:
        return Window()
    end = newest.date()
    return Window(start=end - timedelta(days=days - 1), end=end)


def paper_texts(arxiv_ids: list[str]) -> dict[str, tuple[str, str, date]]:
    rows = Paper.objects.filter(arxiv_id__in=arxiv_ids).values_list(
        "arxiv_id", "title", "abstract", "published"
    )
    return {row[0]: (row[1], row[2], row[3].date()) for row in rows.iterator(2000)}


def recommendations(
    positive: list[str],
    negative: list[str] = (),
    window: str = DEFAULT_WINDOW,
    limit: int = 20,
    exclude: set[str] = frozenset(),
) -> list[Recommendation]:
    """Raises index.IndexMissing without a search index, ValueError for an unknown window."""
    folder = index.open_index.get()
    found = recommend(
        folder,
        positive,
        negative,
        window=window_named(window),
        limit=max(1, min(limit, MAX_LIMIT)),
        exclude=exclude,
        texts=paper_texts,
    )
    return readable(found)


_WORD = re.compile(r"[^\W_]{2,}")
_ANALYZER = paper_analyzer()


@functools.lru_cache(maxsize=100_000)
def _stem(word: str) -> str:
    stems = _ANALYZER.analyze(word)
    return stems[0] if stems else ""


def readable(found: list[Recommendation], spell=None) -> list[Recommendation]:
    """The engine's terms are index stems ("properti"); show each as the word the
    recommended paper uses most for it ("property"). spell: spellings, or a cache of it."""
    spelled = (spell or spellings)([r.arxiv_id for r in found])
    for r in found:
        words = spelled.get(r.arxiv_id, {})
        r.terms = [words.get(term, term) for term in r.terms]
    return found


def spellings(arxiv_ids: list[str]) -> dict[str, dict[str, str]]:
    """For each paper, its stems -> the word its title and abstract use most for each."""
    spelled = {}
    for arxiv_id, (title, abstract, _) in paper_texts(arxiv_ids).items():
        words = Counter(w.lower() for w in _WORD.findall(f"{title} {abstract}"))
        spelled[arxiv_id] = {}
        for word, _ in words.most_common():
            spelled[arxiv_id].setdefault(_stem(word), word)
    return spelled


def as_json(found: list[Recommendation]) -> dict:
    """The CLI's and the API's shape: {"ids": [...], "why": {id: {"because", "terms"}}}."""
    return {
        "ids": [r.arxiv_id for r in found],
        "why": {r.arxiv_id: {"because": r.because, "terms": r.terms} for r in found},
    }
