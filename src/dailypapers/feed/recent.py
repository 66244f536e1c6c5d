"""The papers on recent lists: what the commands that enrich listed papers (thumbnails,
summaries) work through."""

from datetime import date, timedelta

from django.utils import timezone

from .models import DailyEntry


def listed_since(days: int) -> list[str]:
    """Ids of the papers on the lists of the last `days` days (today included)."""
    today = timezone.now().date()
    return listed_between(today - timedelta(days=max(days - 1, 0)), today)


def listed_between(first: date, last: date) -> list[str]:
    """Ids of the papers on the lists of these days (both included)."""
    entries = DailyEntry.objects.listed().filter(day__range=(first, last))
    return list(entries.values_list("paper_id", flat=True).distinct())
