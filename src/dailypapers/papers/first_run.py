"""What `make run` does before serving: migrate, then make sure the site has papers."""

import logging
from datetime import timedelta
from itertools import islice
from typing import NamedTuple

from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from .arxiv_client import ArxivApi, ArxivApiError, ArxivUnavailable, PoliteSession
from .importer import ImportSummary, import_files, import_items
from .models import Paper

log = logging.getLogger("dailypapers.first_run")
RECENT_DAYS = 7
RECENT_LIMIT = 300


class FirstRun(NamedTuple):
    summary: ImportSummary | None  # None: arXiv was unreachable, papers were already there
    sample: bool  # the papers came from the bundled offline sample


def first_run(say) -> FirstRun:
    call_command("migrate", interactive=False, verbosity=0)
    since = (timezone.now() - timedelta(days=RECENT_DAYS)).date()
    # Fail fast when offline: one try, short timeout.
    api = ArxivApi(PoliteSession(max_retries=0, timeout=10))
    summary = ImportSummary()
    try:
        import_items(
            islice(api.newest(settings.FIRST_RUN_CATEGORIES, since), RECENT_LIMIT), summary
        )
    except (ArxivUnavailable, ArxivApiError) as error:
        say(f"{error}.")
        if Paper.objects.exists():
            say("Serving the papers already in the database.")
            return FirstRun(None, sample=False)
        say("Loading the bundled sample of recent arXiv papers (dailypapers/papers/sample).")
        summary = import_files(settings.SAMPLE_PATHS)
        say(summary.line())
        return FirstRun(summary, sample=True)
    say(summary.line())
    return FirstRun(summary, sample=False)
