"""What goes into one subscriber's digest for one period."""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count

from ..feed import periods
from ..feed.models import DailyEntry
from ..feed.periods import Period
from ..papers.models import Paper
from ..recommend.foryou import DigestPicks, why_text
from ..search.index import IndexMissing
from ..search.query import compile_query
from ..search.service import ranked_ids
from .models import Frequency

TRENDING_LIMIT = 10
PER_TOPIC = 5


@dataclass(frozen=True)
class Edition:
    """The digests of one frequency for one period (a day, or an ISO week)."""

    frequency: str
    period: Period

    @property
    def start(self) -> date:
        return self.period.start

    @property
    def end(self) -> date:
        return self.period.end

    @property
    def key(self) -> str:
        """What Delivery rows record: "daily:2026-11-26" or "weekly:2026-W47"."""
        return f"{self.frequency}:{self.period.slug}"

    @property
    def label(self) -> str:
        if self.frequency == Frequency.DAILY:
            return f"{self.start:%A %-d %B %Y}"
        return f"the week of {self.start:%-d %B %Y}"


def period_for(frequency: str, day: date) -> Edition:
    """Daily: that day. Weekly: the ISO week (Monday to Sunday) containing it."""
    if frequency == Frequency.DAILY:
        return Edition(Frequency.DAILY, periods.day_period(day))
    return Edition(Frequency.WEEKLY, periods.week_period(day))


def edition_from_key(key: str) -> Edition:
    """The Edition an Edition.key names ("daily:2026-11-26", "weekly:2026-W47")."""
    frequency, _, slug = key.partition(":")
    if frequency == Frequency.DAILY:
        return period_for(frequency, date.fromisoformat(slug))
    year, week = slug.split("-W")
    return period_for(Frequency.WEEKLY, date.fromisocalendar(int(year), int(week), 1))


@dataclass
class Item:
    paper: Paper
    reason: str
    upvotes: int = 0
    for_you: bool = False  # in the "papers for you" section


@dataclass
class Digest:
    items: list[Item] = field(default_factory=list)


class Composer:
    """Builds digests for one period. Each distinct topic or category is searched once per
    run, however many subscribers share it."""

    def __init__(self, period: Edition):
        self.period = period
        self._topic_hits: dict[str, list[str]] = {}
        self._category_hits: dict[str, list[str]] = {}
        self._trending: list[tuple[str, int]] | None = None
        # Papers and their vote counts, fetched once per run: subscribers share most of them.
        self._papers: dict[str, tuple[Paper, int]] = {}
        # One recommender window for the edition's days, ranked per subscriber (batch path).
        self._picks = DigestPicks(period.start, period.end)

    def trending(self) -> list[tuple[str, int]]:
        if self._trending is None:
            entries = (
                DailyEntry.objects.listed()
                .filter(day__range=(self.period.start, self.period.end))
                .order_by("-upvotes", "submitted_at")
                .values_list("paper_id", "upvotes")
            )
            self._trending = list(entries[: TRENDING_LIMIT * 3])
        return self._trending

    def topic(self, text: str) -> list[str]:
        if text not in self._topic_hits:
            self._topic_hits[text] = self._search(text, "")
        return self._topic_hits[text]

    def category(self, name: str) -> list[str]:
        if name not in self._category_hits:
            self._category_hits[name] = self._search("", name)
        return self._category_hits[name]

    def _search(self, text: str, category: str) -> list[str]:
        query = compile_query(
            text,
            category=category,
            published_from=self.period.start,
            published_until=self.period.end,
            sort="relevance" if text else "newest",
            include_updated=True,
        )
        try:
            return ranked_ids(query, limit=PER_TOPIC * 4)
        except IndexMissing:
            return []

    def prepare(self, subscribers, already_sent: dict[int, set[str]] | None = None) -> None:
        """Rank the "papers for you" of a batch of subscribers together, before composing
        their digests one by one (recommend's batch path), without the papers already mailed
        to them (already_sent: the ledger's, by subscriber pk)."""
        wanted = [s for s in subscribers if s.for_you and s.user_id is not None]
        already_sent = already_sent or {}
        self._picks.prepare(
            [(s.user_id, s.for_you) for s in wanted],
            {s.user_id: already_sent.get(s.pk, set()) for s in wanted},
        )

    def for_you(self, subscriber, already_sent: set[str]) -> dict[str, Item]:
        """Top `subscriber.for_you` papers of the edition for the subscriber's account, never
        one already mailed to them (the ledger)."""
        if not subscriber.for_you or subscriber.user_id is None:
            return {}
        found, signals = self._picks.for_user(subscriber.user, subscriber.for_you, already_sent)
        return {
            r.arxiv_id: Item(None, why_text(r, signals) or "for you", for_you=True) for r in found
        }

    def compose(self, subscriber, already_sent: set[str]) -> Digest:
        chosen: dict[str, Item] = self.for_you(subscriber, already_sent)
        if subscriber.trending:
            trending = 0
            for paper_id, upvotes in self.trending():
                if trending == TRENDING_LIMIT:
                    break
                if paper_id not in already_sent and paper_id not in chosen:
                    chosen[paper_id] = Item(None, "trending", upvotes)
                    trending += 1
        for label, hits in [
            *((f"matches your topic “{t}”", self.topic(t)) for t in subscriber.topics),
            *((f"new in {c}", self.category(c)) for c in subscriber.categories),
        ]:
            added = 0
            for paper_id in hits:
                if added == PER_TOPIC:
                    break
                if paper_id in already_sent or paper_id in chosen:
                    continue
                chosen[paper_id] = Item(None, label)
                added += 1
        self._load([paper_id for paper_id in chosen if paper_id not in self._papers])
        items = []
        for paper_id, item in chosen.items():
            if paper_id in self._papers:
                item.paper, item.upvotes = self._papers[paper_id]
                items.append(item)
        return Digest(items)

    def _load(self, paper_ids: list[str]) -> None:
        if not paper_ids:
            return
        papers = Paper.objects.filter(arxiv_id__in=paper_ids).annotate(n=Count("votes"))
        for paper in papers:
            self._papers[paper.arxiv_id] = (paper, paper.n)
