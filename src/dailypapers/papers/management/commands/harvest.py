from datetime import date

from django.core.management.base import BaseCommand, CommandError

from ...arxiv_client import ArxivUnavailable, OaiClient
from ...harvest import HarvestError, harvest
from ...sources.xml import MalformedInput


class Command(BaseCommand):
    help = "Harvest papers over OAI-PMH (ListRecords). Resumes a harvest that was interrupted."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="from_date", type=date.fromisoformat, metavar="DATE")
        parser.add_argument("--until", type=date.fromisoformat, metavar="DATE")
        parser.add_argument("--set", dest="set_spec", default="", help="e.g. cs or physics:hep-th")
        parser.add_argument("--prefix", choices=["arXiv", "arXivRaw"], default="arXiv")
        parser.add_argument("--max-pages", type=int, default=None)
        parser.add_argument(
            "--restart", action="store_true", help="drop a saved resumption token and start over"
        )

    def handle(self, *args, **options):
        def on_page(number, page, summary):
            size = f" of {page.complete_list_size:,}" if page.complete_list_size else ""
            self.stderr.write(f"page {number}: {len(page.items)} records{size}; {summary.line()}")

        try:
            result = harvest(
                OaiClient(),
                metadata_prefix=options["prefix"],
                set_spec=options["set_spec"],
                from_date=options["from_date"],
                until=options["until"],
                max_pages=options["max_pages"],
                restart=options["restart"],
                on_page=on_page,
            )
        except (HarvestError, ArxivUnavailable, MalformedInput) as error:
            raise CommandError(f"{error}; the next run resumes where this one stopped") from error
        state = "complete" if result.complete else "paused (run again to continue)"
        self.stdout.write(f"harvest {state} after {result.pages} pages: {result.summary.line()}")
