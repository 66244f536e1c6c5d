"""A fresh install's first lists, so the site is never empty: recent papers from a spread of
categories, put on the last few days' lists by a system curator account named after the site.

When those papers are the bundled offline sample, the lists also get sample votes, so they read
like a real day. Hugging Face's community lists of 2026 (reference data, not shipped) held 12-34
papers a day, a leader with 30-160 votes and a long tail with a handful. The votes come from
inactive accounts named `sample-reader-NN` (no password, cannot log in), are the same on every
install (derived from the arXiv ids), and `recount` keeps them: they are real Vote rows.
"""

import hashlib
import math
from collections import Counter
from datetime import timedelta

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from ..accounts.roles import make_curator
from ..papers.models import Paper
from .generation import bump_generation
from .hotness import hotness
from .models import DailyEntry, Vote

SYSTEM_CURATOR = "dailypapers"
SAMPLE_READER = "sample-reader-{:02d}"
# Papers on each of the seeded days, newest day first: HF's lists held 12-34 a day in 2026.
PER_DAY = (18, 14, 22, 16, 20)
SAMPLE_READERS = 60  # the most votes a seeded paper can get
TOP_VOTES = (41, 33, 57, 26, 38)  # the leader of each seeded day


@transaction.atomic
def seed_daily_lists(per_day=PER_DAY, sample_votes: bool = False) -> int:
    """Only when no list has any entry; returns how many entries were created."""
    if DailyEntry.objects.exists():
        return 0
    curator = _system_user(SYSTEM_CURATOR)
    make_curator(curator)
    papers = _spread_over_categories(sum(per_day))
    readers = (
        [_system_user(SAMPLE_READER.format(n + 1)) for n in range(SAMPLE_READERS)]
        if sample_votes
        else []
    )
    now = timezone.now()
    entries, votes, start = [], [], 0
    for day_index, count in enumerate(per_day):
        day_papers = papers[start : start + count]
        start += count
        top = TOP_VOTES[day_index % len(TOP_VOTES)]
        for rank, paper in enumerate(_by_votes(day_papers, top) if sample_votes else day_papers):
            upvotes = _sample_votes(paper.pk, rank, top) if sample_votes else 0
            day = (now - timedelta(days=day_index)).date()
            submitted_at = now - timedelta(days=day_index, minutes=rank)
            entries.append(
                DailyEntry(
                    paper=paper,
                    day=day,
                    submitted_by=curator,
                    submitted_at=submitted_at,
                    upvotes=upvotes,
                    hotness=hotness(upvotes, submitted_at),
                )
            )
            votes += [Vote(user=reader, paper=paper) for reader in readers[:upvotes]]
    DailyEntry.objects.bulk_create(entries)
    Vote.objects.bulk_create(votes)
    bump_generation()
    return len(entries)


def _system_user(username: str) -> User:
    user, created = User.objects.get_or_create(username=username)
    if created:
        user.set_unusable_password()
        user.is_active = username == SYSTEM_CURATOR
        user.save()
    return user


def _spread_over_categories(count: int) -> list[Paper]:
    """The newest papers, interleaved by primary category so no one field fills a day: a
    category's n-th paper ranks at n / sqrt(its share of the newest papers), so busy fields
    (cs.CV, cs.CL, ...) get more places than quiet ones, but not all of them."""
    pool = list(Paper.objects.filter(withdrawn=False).order_by("-published")[: count * 4])
    categories = [paper.primary_category or (paper.categories or [""])[0] for paper in pool]
    share = Counter(categories)
    seen: Counter = Counter()
    ranked = []
    for position, (paper, category) in enumerate(zip(pool, categories, strict=True)):
        ranked.append((seen[category] / math.sqrt(share[category]), position, paper))
        seen[category] += 1
    return [paper for _, _, paper in sorted(ranked, key=lambda r: r[:2])[:count]]


def _jitter(arxiv_id: str) -> float:
    """0.6-1.4, the same for a paper on every install."""
    return 0.6 + hashlib.blake2b(arxiv_id.encode(), digest_size=2).digest()[0] / 255 * 0.8


def _sample_votes(arxiv_id: str, rank: int, top: int) -> int:
    """A long tail: the leader gets `top`, the tenth about a tenth of it, the last few 0-2."""
    votes = top / (rank + 1) ** 1.1 if rank else top
    return min(SAMPLE_READERS, int(votes * (_jitter(arxiv_id) if rank else 1)))


def _by_votes(papers: list[Paper], top: int) -> list[Paper]:
    """A deterministic order for the day: which paper leads depends only on the ids."""
    return sorted(papers, key=lambda p: hashlib.blake2b(p.pk.encode(), digest_size=4).digest())
