from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ....feed.recent import listed_since
from ....papers.arxiv_ids import InvalidArxivId, parse_arxiv_id
from ....papers.progress import Progress
from ...writing import due, summarize


class Command(BaseCommand):
    help = (
        "Write a one-sentence LLM summary of each listed paper, asking the OpenAI-compatible "
        "server at DAILYPAPERS_LLM_URL (model DAILYPAPERS_LLM_MODEL) within the daily "
        "budget. Papers already summarized, or skipped and not yet due for a retry, are left "
        "alone; safe to kill and re-run."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--since", type=int, default=2, metavar="DAYS", help="lists of the last DAYS days"
        )
        parser.add_argument("--ids", nargs="+", metavar="ID", help="these papers instead")

    def handle(self, *args, since, ids, **options):
        if not (settings.LLM_URL and settings.LLM_MODEL):
            raise CommandError(
                "set DAILYPAPERS_LLM_URL and DAILYPAPERS_LLM_MODEL (and DAILYPAPERS_LLM_KEY if "
                "the server wants one) to write summaries"
            )
        try:
            paper_ids = [parse_arxiv_id(text).id for text in ids] if ids else listed_since(since)
        except InvalidArxivId as error:
            raise CommandError(str(error)) from None
        papers = due(paper_ids)
        progress = Progress("summaries", len(papers), unit="papers")
        try:
            outcomes, stop = summarize(papers, progress=lambda done: progress.update(done, done))
        finally:
            progress.close()
        self.stdout.write(
            f"summaries: {outcomes['summarized']} written, {outcomes['skipped']} skipped, "
            f"{outcomes['left']} left for the next run" + (f" ({stop})" if stop else "")
        )
