"""Days, ISO weeks and months: the periods lists cover and digests are sent for."""

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from ..core.errors import DomainError
from ..core.urls import route_template

# Periods end by the last day of 9998: Python's dates stop at 9999-12-31, and the ISO week or
# the month of a later day could end past it (an OverflowError, not a page that is not there).
LAST_DAY = date(9998, 12, 31)


class PeriodOutOfRange(DomainError, ValueError):
    """A well-formed period that ends past LAST_DAY."""

    code = "out_of_range"


@dataclass(frozen=True)
class Period:
    kind: str  # "date", "week" or "month"
    start: date
    end: date  # inclusive

    @property
    def slug(self) -> str:
        """YYYY-MM-DD, YYYY-Www (ISO week) or YYYY-MM."""
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
        # The route's template, reversed once per process: a list page links five periods.
        return route_template(f"papers_{self.kind}").format(self.slug)


def _checked(kind: str, start: date, days: int) -> Period:
    if start.toordinal() + days - 1 > LAST_DAY.toordinal():
        raise PeriodOutOfRange(f"periods end by {LAST_DAY.isoformat()}")
    return Period(kind, start, start + timedelta(days=days - 1))


def day_period(day: date) -> Period:
    return _checked("date", day, 1)


def week_period(day: date) -> Period:
    """The ISO week (Monday to Sunday) containing day."""
    return _checked("week", day - timedelta(days=day.weekday()), 7)


def month_period(day: date) -> Period:
    return _checked("month", day.replace(day=1), calendar.monthrange(day.year, day.month)[1])


PERIOD_OF = {"date": day_period, "week": week_period, "month": month_period}


def parse_period(kind: str, slug: str) -> Period:
    """Parse YYYY-MM-DD, YYYY-Www or YYYY-MM; ValueError on anything else, PeriodOutOfRange
    (a ValueError) when the period, or the day, week or month of its first day, which its page
    links to, ends past LAST_DAY."""
    if kind == "date":
        period = day_period(date.fromisoformat(slug))
    elif kind == "week":
        year, week = slug.split("-W")
        period = week_period(date.fromisocalendar(int(year), int(week), 1))
    else:
        year, month = slug.split("-")
        period = month_period(date(int(year), int(month), 1))
    for period_of in PERIOD_OF.values():
        period_of(period.start)
    return period
