"""`dailypapers authors`: resolve every paper's author list to identities again."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from ....papers.models import Paper
from ....papers.progress import Progress
from ...store import rebuild


class Command(BaseCommand):
    help = (
        "Resolve every paper's author names to identities again, against the whole corpus, so "
        'that abbreviations ("Y. LeCun") left alone on import resolve once the corpus holds the '
        "evidence (docs/authors.md). Imports resolve their own papers; run this nightly. "
        "Resumable by construction: each chunk of papers commits on its own, so a killed run "
        "leaves every chunk done or untouched, and running it again finishes the job."
    )

    def handle(self, *args, **options):
        started = time.perf_counter()
        progress = Progress("authors", Paper.objects.count(), unit="papers")
        try:
            done = rebuild(lambda n: progress.update(n, n))
        except DatabaseError as error:
            first = next(iter(str(error).splitlines()), "")  # PostgreSQL adds context lines
            raise CommandError(
                f"rebuilding the author identities failed: {type(error).__name__}: {first}; "
                "the chunks already done are kept: run `dailypapers authors` again"
            ) from error
        finally:
            progress.close()
        wall = time.perf_counter() - started
        self.stdout.write(
            f"authors: {done:,} papers in {wall:.1f} s wall = {done / max(wall, 1e-9):,.0f} "
            "papers/s"
        )
