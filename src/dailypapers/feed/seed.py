"""A fresh install's first lists, so the site is never empty: the newest papers, put on the
last few days' lists by a system curator account named after the site."""

from datetime import timedelta

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from ..accounts.roles import make_curator
from ..papers.models import Paper
from .generation import bump_generation
from .hotness import hotness
from .models import DailyEntry

SYSTEM_CURATOR = "dailypapers"


@transaction.atomic
def seed_daily_lists(days: int = 5, per_day: int = 12) -> int:
    """Only when no list has any entry; returns how many entries were created."""
    if DailyEntry.objects.exists():
        return 0
    curator, created = User.objects.get_or_create(username=SYSTEM_CURATOR)
    if created:
        curator.set_unusable_password()
        curator.save()
        make_curator(curator)
    papers = list(Paper.objects.filter(withdrawn=False).order_by("-published")[: days * per_day])
    now = timezone.now()
    entries = []
    for index, paper in enumerate(papers):
        submitted_at = now - timedelta(days=index // per_day, minutes=index % per_day)
        entries.append(
            DailyEntry(
                paper=paper,
                day=submitted_at.date(),
                submitted_by=curator,
                submitted_at=submitted_at,
                hotness=hotness(0, submitted_at),
            )
        )
    DailyEntry.objects.bulk_create(entries)
    bump_generation()
    return len(entries)
