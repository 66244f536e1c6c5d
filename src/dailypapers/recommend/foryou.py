""" "For you" for a signed-in user (issue 13): the glue between the library's signals and the
engine, shared by `recommend --user`, /for-you, GET /api/recommendations and the digests.

What a user likes comes only from `library.signals.signals_for(user)`; every saved and every
dismissed paper is excluded, whatever the tag, so neither ever appears. The "why" line names the
nearest library papers by their titles (`Signals.saved_titles`) and adds the strongest terms.
"""

from dataclasses import dataclass, field
from datetime import date
from html import escape

from django.db.models import Count

from ..core.urls import route_template
from ..feed.listing import Card, vote_counts
from ..feed.models import Comment, DailyEntry
from ..library.models import Dismissal, SavedPaper
from ..library.signals import Signals, signals_for, signals_for_many, titles_of
from ..papers.models import Paper
from ..search import index
from ..search.folder import IndexMissing
from .engine import Ranker, Recommendation, Window, ranker_for
from .service import DEFAULT_WINDOW, MAX_LIMIT, paper_texts, readable, recommendations, spellings

# The site's windows; the CLI also accepts "all".
PAGE_WINDOWS = ("day", "week", "month")
DEFAULT_LIMIT = 20
DIGEST_LIMIT = 5


@dataclass
class ForYou:
    window: str
    tag: str | None
    signals: Signals
    found: list[Recommendation] = field(default_factory=list)
    index_missing: bool = False

    @property
    def has_library(self) -> bool:
        return bool(self.signals.positive)


def excluded_for(user) -> set[str]:
    """Every paper the user saved (under any tag) or dismissed."""
    return excluded_for_many([user.pk])[user.pk]


def excluded_for_many(user_ids: list[int]) -> dict[int, set[str]]:
    excluded = {user_id: set() for user_id in user_ids}
    for model in (SavedPaper, Dismissal):
        rows = model.objects.filter(user_id__in=list(excluded)).values_list("user_id", "paper_id")
        for user_id, paper_id in rows:
            excluded[user_id].add(paper_id)
    return excluded


def for_user(
    user, tag: str | None = None, window: str = DEFAULT_WINDOW, limit: int = DEFAULT_LIMIT
) -> ForYou:
    """Raises ValueError for an unknown window; a missing index gives no papers, flagged."""
    signals = signals_for(user, tag=tag or None)
    result = ForYou(window=window, tag=tag or None, signals=signals)
    if not signals.positive:
        return result
    try:
        result.found = recommendations(
            signals.positive,
            signals.negative,
            window=window,
            limit=max(1, min(limit, MAX_LIMIT)),
            exclude=excluded_for(user),
        )
    except IndexMissing:
        result.index_missing = True
    return result


def because_titles(found: Recommendation, signals: Signals) -> list[tuple[str, str]]:
    """(arXiv id, title) of the library papers a recommendation is near."""
    return [(i, signals.saved_titles.get(i, i)) for i in found.because]


def why_text(found: Recommendation, signals: Signals) -> str:
    """Plain text (emails, the CLI): "because you saved A and B; terms: x, y, z"."""
    titles = [f"“{title}”" for _, title in because_titles(found, signals)]
    parts = []
    if titles:
        parts.append(f"because you saved {' and '.join(titles)}")
    if found.terms:
        parts.append(f"terms: {', '.join(found.terms)}")
    return "; ".join(parts)


def why_html(found: Recommendation, signals: Signals) -> str:
    """The same line as HTML: titles linked to their paper pages, every text escaped."""
    paper = route_template("paper")
    links = [
        f'<a href="{escape(paper.format(i))}">{escape(title)}</a>'
        for i, title in because_titles(found, signals)
    ]
    parts = []
    if links:
        parts.append(f"because you saved {' and '.join(links)}")
    if found.terms:
        terms = " ".join(f'<span class="term">{escape(t)}</span>' for t in found.terms)
        parts.append(f'<span class="terms">{terms}</span>')
    return f'<p class="why">{" · ".join(parts)}</p>' if parts else ""


class DigestPicks:
    """ "Papers for you" for every subscriber of one digest run: one Ranker over the
    edition's days (the engine's batch path, for_many_users). `prepare` ranks a batch of
    subscribers together (their signals in a few queries, their rankings in a few matrix
    products, the papers already mailed to them excluded like saved ones, so that only the
    papers shown are ranked and explained); `for_user` hands out a prepared ranking, or
    ranks one user alone."""

    def __init__(self, start: date, end: date):
        self.window = Window(start=start, end=end)
        self._ranker: Ranker | None = None
        self._missing = False
        self._prepared: dict[int, tuple[list[Recommendation], Signals, int, set[str]]] = {}
        self._spelled: dict[str, dict[str, str]] = {}  # the window's papers, read once a run

    def ranker(self) -> Ranker | None:
        if self._ranker is None and not self._missing:
            try:
                folder = index.open_index.get()
            except IndexMissing:
                self._missing = True
                return None
            self._ranker = ranker_for(folder, self.window, paper_texts).for_many_users()
        return self._ranker

    def prepare(
        self, wanted: list[tuple[int, int]], already_sent: dict[int, set[str]] | None = None
    ) -> None:
        """Rank (user id, limit) pairs together, ahead of their for_user calls, never one of
        the papers already_sent (by user id) names; what an earlier batch left unused is
        dropped."""
        self._prepared.clear()
        if not wanted or (ranker := self.ranker()) is None:
            return
        already_sent = already_sent or {}
        signals = signals_for_many([user_id for user_id, _ in wanted])
        excluded = excluded_for_many(list(signals))
        found = ranker.rank_many(
            [
                (
                    signals[user_id].positive,
                    signals[user_id].negative,
                    limit,
                    excluded[user_id] | already_sent.get(user_id, set()),
                )
                for user_id, limit in wanted
            ]
        )
        titles = titles_of({i for picks in found for r in picks for i in r.because})
        for (user_id, limit), picks in zip(wanted, found, strict=True):
            liked = signals[user_id]
            liked.saved_titles = {i: titles[i] for r in picks for i in r.because if i in titles}
            self._prepared[user_id] = (picks, liked, limit, already_sent.get(user_id, set()))

    def for_user(
        self, user, limit: int = DIGEST_LIMIT, already_sent: set[str] = frozenset()
    ) -> tuple[list[Recommendation], Signals]:
        if (prepared := self._prepared.pop(user.pk, None)) is not None:
            picks, signals, asked, excluded = prepared
            kept = [r for r in picks if r.arxiv_id not in already_sent]
            # Fewer than asked: the window had no more, so what is left is all there is.
            if excluded <= already_sent and (len(kept) >= limit or len(picks) < asked):
                return readable(kept[:limit], self._spell), signals
        signals = signals_for(user)
        if not signals.positive or (ranker := self.ranker()) is None:
            return [], signals
        found = ranker.rank(
            signals.positive,
            signals.negative,
            limit=limit,
            exclude={*excluded_for(user), *already_sent},
        )
        return readable(found, self._spell), signals

    def _spell(self, arxiv_ids: list[str]) -> dict[str, dict[str, str]]:
        missing = [i for i in arxiv_ids if i not in self._spelled]
        if missing:
            self._spelled.update(spellings(missing))
        return self._spelled


def cards_of(arxiv_ids: list[str]) -> list[Card]:
    """Day-list cards for recommended papers, in the given order. A paper need not be on a
    list: its upvotes and comments are counted, its submitter taken from a list entry if any."""
    papers = Paper.objects.in_bulk(arxiv_ids)
    votes = vote_counts(arxiv_ids)
    comments = dict(
        Comment.objects.visible()
        .filter(paper_id__in=arxiv_ids)
        .values("paper_id")
        .annotate(n=Count("id"))
        .values_list("paper_id", "n")
    )
    submitters = dict(
        DailyEntry.objects.listed()
        .filter(paper_id__in=arxiv_ids, submitted_by__isnull=False)
        .values_list("paper_id", "submitted_by__username")
    )
    return [
        Card(
            paper_id=i,
            title=papers[i].title,
            abstract=papers[i].abstract,
            authors=papers[i].authors,
            categories=papers[i].categories,
            upvotes=votes.get(i, 0),
            comment_count=comments.get(i, 0),
            pinned=False,
            submitter=submitters.get(i),
            content_hash=papers[i].content_hash,
        )
        for i in arxiv_ids
        if i in papers
    ]
