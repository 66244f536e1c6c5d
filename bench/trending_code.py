"""Trending by code activity: how long the stars-gained ranking takes, against upvote trending.

    python bench/trending_code.py --home /tmp/bench-trending [--papers 50000] [--code 0.3]

Builds a synthetic site in HOME (SQLite, or DATABASE_URL; reused when HOME already holds
it): PAPERS listed papers over the past 60 days, a share CODE of them with a GitHub
repository, and one star count per repository per day for the past 31 days, with the gains
stored (what a month of daily `refresh-github` runs leaves). Then times
`trending_entry_ids(window, 50, by)` for each window: by upvotes (the baseline: an indexed
ORDER BY on the stored hotness) and by code (the stored gains read best first through their
index), and prints each as milliseconds and as a ratio to the baseline in the same run.
"""

import argparse
import os
import random
import statistics
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path


def timed(function, repeat: int = 9) -> float:
    """Median milliseconds of `repeat` calls."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def build(papers: int, code_share: float) -> None:
    from django.db import transaction
    from django.utils import timezone

    from dailypapers.feed.hotness import hotness
    from dailypapers.feed.models import DailyEntry
    from dailypapers.links.github import star_gains
    from dailypapers.links.models import PaperRepository, Repository, StarCount
    from dailypapers.papers.models import Paper

    rng = random.Random(14)
    now = timezone.now()
    today = now.date()
    with transaction.atomic():
        Paper.objects.bulk_create(
            (
                Paper(
                    arxiv_id=f"2411.{n:05d}",
                    title=f"Paper {n}",
                    abstract="",
                    authors=["A. Author"],
                    categories=["cs.LG"],
                    published=now - timedelta(days=n % 60),
                    updated=now - timedelta(days=n % 60),
                    content_hash=f"{n:032x}",
                )
                for n in range(papers)
            ),
            batch_size=5000,
        )
        entries = []
        for n in range(papers):
            submitted = now - timedelta(days=n % 60, minutes=n % 1440)
            upvotes = int(rng.paretovariate(1.2))
            entries.append(
                DailyEntry(
                    paper_id=f"2411.{n:05d}",
                    day=submitted.date(),
                    submitted_at=submitted,
                    upvotes=upvotes,
                    hotness=hotness(upvotes, submitted),
                )
            )
        DailyEntry.objects.bulk_create(entries, batch_size=5000)
        with_code = [n for n in range(papers) if rng.random() < code_share]
        Repository.objects.bulk_create(
            (
                Repository(
                    key=f"o/r{n}",
                    full_name=f"o/r{n}",
                    state="ok",
                    created_at=datetime(2020, 1, 1, tzinfo=UTC),
                )
                for n in with_code
            ),
            batch_size=5000,
        )
        ids = dict(Repository.objects.values_list("key", "id"))
        PaperRepository.objects.bulk_create(
            (
                PaperRepository(paper_id=f"2411.{n:05d}", repository_id=ids[f"o/r{n}"])
                for n in with_code
            ),
            batch_size=5000,
        )
        counts = []
        for n in with_code:
            stars = int(rng.paretovariate(1.0) * 10)
            for ago in range(30, -1, -1):
                stars += int(rng.expovariate(1 / 3)) if rng.random() < 0.3 else 0
                counts.append(
                    StarCount(
                        repository_id=ids[f"o/r{n}"], date=today - timedelta(days=ago), stars=stars
                    )
                )
            if len(counts) > 50_000:
                StarCount.objects.bulk_create(counts, batch_size=5000)
                counts = []
        StarCount.objects.bulk_create(counts, batch_size=5000)
        repositories = list(Repository.objects.all())
        for repository in repositories:  # what refresh-github stores with today's count
            for days, gained in star_gains(repository, today).items():
                setattr(repository, Repository.GAIN_FIELDS[days], gained)
        Repository.objects.bulk_update(
            repositories, list(Repository.GAIN_FIELDS.values()), batch_size=2000
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--papers", type=int, default=50_000)
    parser.add_argument("--code", type=float, default=0.3, help="share of papers with a repository")
    args = parser.parse_args()
    args.home.mkdir(parents=True, exist_ok=True)
    os.environ["DAILYPAPERS_HOME"] = str(args.home)
    os.environ["DJANGO_SETTINGS_MODULE"] = "dailypapers.settings"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from dailypapers.feed.listing import trending_entry_ids
    from dailypapers.papers.models import Paper

    call_command("migrate", verbosity=0)
    from dailypapers.links.models import Repository, StarCount

    started = time.perf_counter()
    if not Paper.objects.exists():
        build(args.papers, args.code)
    elif not Paper.objects.filter(pk="2411.00000", title="Paper 0").exists():
        raise SystemExit(f"{args.home} holds other papers: give an empty --home")
    print(
        f"{connection.vendor}: {Paper.objects.count():,} listed papers, "
        f"{Repository.objects.count():,} repositories, {StarCount.objects.count():,} daily "
        f"star counts (built or reused in {time.perf_counter() - started:.0f} s)"
    )
    for window in ("day", "week", "month"):
        baseline = timed(lambda w=window: trending_entry_ids(w, 50, "upvotes"))
        code = timed(lambda w=window: trending_entry_ids(w, 50, "code"))
        print(
            f"{window:>5}: by upvotes {baseline:8.1f} ms (baseline), by code {code:8.1f} ms "
            f"= {code / baseline:6.1f} x"
        )


if __name__ == "__main__":
    main()
