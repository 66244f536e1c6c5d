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
from ..library.signals import Signals, signals_for
from ..papers.models import Paper
from ..search import index
from ..search.folder import IndexMissing
from .engine import Ranker, Recommendation, Window, ranker_for
from .service import DEFAULT_WINDOW, MAX_LIMIT, paper_texts, readable, recommendations

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
    saved = SavedPaper.objects.filter(user=user).values_list("paper_id", flat=True)
    dismissed = Dismissal.objects.filter(user=user).values_list("paper_id", flat=True)
    return {*saved, *dismissed}


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
    edition's days, ranked per user through the engine's batch path (for_many_users)."""

    def __init__(self, start: date, end: date):
        self.window = Window(start=start, end=end)
        self._ranker: Ranker | None = None
        self._missing = False

    def ranker(self) -> Ranker | None:
        if self._ranker is None and not self._missing:
            try:
                folder = index.open_index.get()
            except IndexMissing:
                self._missing = True
                return None
            self._ranker = ranker_for(folder, self.window, paper_texts).for_many_users()
        return self._ranker

    def for_user(
        self, user, limit: int = DIGEST_LIMIT, already_sent: set[str] = frozenset()
    ) -> tuple[list[Recommendation], Signals]:
        signals = signals_for(user)
        if not signals.positive or (ranker := self.ranker()) is None:
            return [], signals
        found = ranker.rank(
            signals.positive,
            signals.negative,
            limit=limit,
            exclude={*excluded_for(user), *already_sent},
        )
        return readable(found), signals


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
