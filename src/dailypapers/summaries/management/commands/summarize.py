from django.conf import settings
from django.core.management.base import CommandError

from ....feed.enrichment import EnrichmentCommand
from ....papers.progress import Progress
from ...writing import due, summarize


class Command(EnrichmentCommand):
    help = (
        "Write a one-sentence LLM summary of each listed paper, asking the OpenAI-compatible "
        "server at DAILYPAPERS_LLM_URL (model DAILYPAPERS_LLM_MODEL) within the daily "
        "budget. Papers already summarized, or skipped and not yet due for a retry, are left "
        "alone; safe to kill and re-run."
    )

    def handle(self, *args, since, ids, **options):
        if not (settings.LLM_URL and settings.LLM_MODEL):
            raise CommandError(
                "set DAILYPAPERS_LLM_URL and DAILYPAPERS_LLM_MODEL (and DAILYPAPERS_LLM_KEY if "
                "the server wants one) to write summaries"
            )
        papers = due(self.paper_ids(since, ids))
        progress = Progress("summaries", len(papers), unit="papers")
        try:
            outcomes, stop = summarize(papers, progress=lambda done: progress.update(done, done))
        finally:
            progress.close()
        self.stdout.write(
            f"summaries: {outcomes['summarized']} written, {outcomes['skipped']} skipped, "
            f"{outcomes['left']} left for the next run" + (f" ({stop})" if stop else "")
        )
