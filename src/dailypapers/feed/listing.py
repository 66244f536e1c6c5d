"""Which entries a day, week, month or trending page lists, in a constant number of queries."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, Max, Min, Q
from django.urls import reverse
from django.utils import timezone

from .models import DailyEntry, Vote

TRENDING_WINDOWS = {"day": 1, "week": 7, "month": 30}


@dataclass(frozen=True)
class Period:
    kind: str  # "date", "week" or "month"
    start: date
    end: date  # inclusive

    @property
    def slug(self) -> str:
        if self.kind == "date":
            return self.start.isoformat()
        if self.kind == "week":
            year, week, _ = self.start.isocalendar()
            return f"{year}-W{week:02d}"
        return f"{self.start:%Y-%m}"

    @property
    def title(self) -> str:
        if self.kind == "date":
            return f"{self.start:%A, %-d %B %Y}"
        if self.kind == "week":
            year = self.start.isocalendar()[0]
            return f"Week {self.slug[-2:]} of {year} ({self.start:%-d %b} – {self.end:%-d %b})"
        return f"{self.start:%B %Y}"

    @property
    def url(self) -> str:
        return reverse(f"papers_{self.kind}", args=[self.slug])


def day_period(day: date) -> Period:
    return Period("date", day, day)


def week_period(day: date) -> Period:
    start = day - timedelta(days=day.weekday())
    return Period("week", start, start + timedelta(days=6))


def month_period(day: date) -> Period:
    start = day.replace(day=1)
    following = (start + timedelta(days=32)).replace(day=1)
    return Period("month", start, following - timedelta(days=1))


PERIOD_OF = {"date": day_period, "week": week_period, "month": month_period}


def parse_period(kind: str, slug: str) -> Period:
    """Parse YYYY-MM-DD, YYYY-Www or YYYY-MM; ValueError on anything else."""
    if kind == "date":
        return day_period(date.fromisoformat(slug))
    if kind == "week":
        year, week = slug.split("-W")
        return week_period(date.fromisocalendar(int(year), int(week), 1))
    year, month = slug.split("-")
    return month_period(date(int(year), int(month), 1))


def visible_entries():
    return DailyEntry.objects.filter(hidden=False)


def newest_day() -> date | None:
    return visible_entries().aggregate(day=Max("day"))["day"]


PAGE_SIZE = 50
LIST_ORDER = ("-pinned", "-upvotes", "submitted_at", "paper_id")


def entry_ids_in(period: Period):
    """Ids only, in list order: sorting narrow entry rows, then joining one page of papers,
    is several times faster than sorting the joined rows."""
    entries = visible_entries().filter(day__range=(period.start, period.end))
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
    around = visible_entries().aggregate(
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
    hottest = visible_entries().filter(submitted_at__gte=since).order_by(*TRENDING_ORDER)
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
