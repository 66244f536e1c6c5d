from django.core.management.base import BaseCommand, CommandError

from ...arxiv_client import ArxivApiError, ArxivUnavailable
from ...arxiv_ids import InvalidArxivId
from ...fetch import fetch_papers


class Command(BaseCommand):
    help = "Fetch papers from the arXiv API by id or URL (abs/, pdf/, versioned, old-style)."

    def add_arguments(self, parser):
        parser.add_argument("ids", nargs="+", metavar="ID-or-URL")

    def handle(self, *args, **options):
        try:
            result = fetch_papers(options["ids"])
        except (InvalidArxivId, ArxivApiError, ArxivUnavailable) as error:
            raise CommandError(str(error)) from error
        for missing in result.missing:
            self.stderr.write(f"arXiv has no paper {missing}")
        self.stdout.write(result.summary.line())
        if result.missing:
            raise CommandError(f"{len(result.missing)} of the requested papers were not found")
