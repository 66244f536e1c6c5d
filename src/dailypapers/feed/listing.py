"""Which entries a day, week, month or trending page lists, in a constant number of queries."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, Max, Min, Q
from django.utils import timezone

from .models import DailyEntry, Vote
from .periods import PERIOD_OF, Period

# Trending looks back over one window: ?window= on the site, the API and the CLI (whose older
# ?period= / --period still work).
TRENDING_WINDOWS = {"day": 1, "week": 7, "month": 30}
DEFAULT_WINDOW = "week"


def trending_window(asked: str | None) -> str:
    """The window asked for, or the default for anything else."""
    return asked if asked in TRENDING_WINDOWS else DEFAULT_WINDOW


def newest_day() -> date | None:
    return DailyEntry.objects.listed().aggregate(day=Max("day"))["day"]


PAGE_SIZE = 50
LIST_ORDER = ("-pinned", "-upvotes", "submitted_at", "paper_id")


def entry_ids_in(period: Period):
    """Ids only, in list order: sorting narrow entry rows, then joining one page of papers,
    is several times faster than sorting the joined rows."""
    entries = DailyEntry.objects.listed().filter(day__range=(period.start, period.end))
    return entries.order_by(*LIST_ORDER).values_list("pk", flat=True)


@dataclass(slots=True)
class Card:
    """What a list shows of an entry; plain values, since model instances cost more to build."""

    paper_id: str
    title: str
    abstract: str
    authors: list[str]
    categories: list[str]
    upvotes: int
    comment_count: int
    pinned: bool
    submitter: str | None


CARD_COLUMNS = {
    "paper_id": "paper_id",
    "title": "paper__title",
    "abstract": "paper__abstract",
    "authors": "paper__authors",
    "categories": "paper__categories",
    "upvotes": "upvotes",
    "comment_count": "comment_count",
    "pinned": "pinned",
    "submitter": "submitted_by__username",
}


def cards_for(entry_ids, order=LIST_ORDER) -> list[Card]:
    rows = DailyEntry.objects.filter(pk__in=entry_ids).order_by(*order)
    return [Card(*row) for row in rows.values_list(*CARD_COLUMNS.values())]


def neighbours(period: Period) -> tuple[Period | None, Period | None]:
    """The nearest earlier and later periods that have entries: empty days are skipped."""
    around = DailyEntry.objects.listed().aggregate(
        before=Max("day", filter=Q(day__lt=period.start)),
        after=Min("day", filter=Q(day__gt=period.end)),
    )
    to_period = PERIOD_OF[period.kind]
    return (
        to_period(around["before"]) if around["before"] else None,
        to_period(around["after"]) if around["after"] else None,
    )


TRENDING_ORDER = ("-hotness", "paper_id")


def trending_entry_ids(window: str, limit: int = 50) -> list[int]:
    """The hottest entries submitted in the window, hottest first."""
    since = timezone.now() - timedelta(days=TRENDING_WINDOWS[window])
    hottest = DailyEntry.objects.listed().filter(submitted_at__gte=since).order_by(*TRENDING_ORDER)
    return list(hottest.values_list("pk", flat=True)[:limit])


def trending(window: str, limit: int = 50) -> list[Card]:
    return cards_for(trending_entry_ids(window, limit), TRENDING_ORDER)


def vote_counts(paper_ids: list[str]) -> dict[str, int]:
    """Upvotes per paper, counted from the votes table (papers without votes are absent)."""
    rows = Vote.objects.filter(paper_id__in=paper_ids).values("paper_id").annotate(n=Count("id"))
    return {row["paper_id"]: row["n"] for row in rows}


def voted_paper_ids(user, paper_ids: list[str]) -> set[str]:
    if not user.is_authenticated or not paper_ids:
        return set()
    votes = Vote.objects.filter(user=user, paper_id__in=paper_ids)
    return set(votes.values_list("paper_id", flat=True))
