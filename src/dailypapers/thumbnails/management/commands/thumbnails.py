from django.core.management.base import BaseCommand, CommandError

from ....feed.recent import listed_since
from ....papers.arxiv_ids import InvalidArxivId, parse_arxiv_id
from ....papers.models import Paper
from ....papers.progress import Progress
from ...drawing import draw_thumbnails, due


class Command(BaseCommand):
    help = (
        "Draw first-page thumbnails of listed papers from their PDFs (fetched politely from "
        "DAILYPAPERS_ARXIV_PDF_URL). Papers already drawn, or skipped and not yet due for a "
        "retry, are left alone; safe to kill and re-run."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--since", type=int, default=2, metavar="DAYS", help="lists of the last DAYS days"
        )
        parser.add_argument("--ids", nargs="+", metavar="ID", help="these papers instead")

    def handle(self, *args, since, ids, **options):
        try:
            paper_ids = [parse_arxiv_id(text).id for text in ids] if ids else listed_since(since)
        except InvalidArxivId as error:
            raise CommandError(str(error)) from None
        known = set(Paper.objects.filter(arxiv_id__in=paper_ids).values_list("pk", flat=True))
        if unknown := [i for i in paper_ids if i not in known]:
            self.stderr.write(f"not in the database (import or fetch them first): {unknown}")
        papers = due(paper_ids)
        progress = Progress("thumbnails", len(papers), unit="papers")
        try:
            outcomes = draw_thumbnails(papers, progress=lambda done: progress.update(done, done))
        finally:
            progress.close()
        self.stdout.write(
            f"thumbnails: {outcomes['drawn']} drawn, {outcomes['found']} found complete, "
            f"{outcomes['skipped']} skipped"
        )
