from ....feed.enrichment import EnrichmentCommand
from ....papers.progress import Progress
from ...drawing import draw_thumbnails, due


class Command(EnrichmentCommand):
    help = (
        "Draw first-page thumbnails of listed papers from their PDFs (fetched politely from "
        "DAILYPAPERS_ARXIV_PDF_URL). Papers already drawn, or skipped and not yet due for a "
        "retry, are left alone; safe to kill and re-run."
    )

    def handle(self, *args, since, ids, **options):
        papers = due(self.paper_ids(since, ids))
        progress = Progress("thumbnails", len(papers), unit="papers")
        try:
            outcomes = draw_thumbnails(papers, progress=lambda done: progress.update(done, done))
        finally:
            progress.close()
        self.stdout.write(
            f"thumbnails: {outcomes['drawn']} drawn, {outcomes['found']} found complete, "
            f"{outcomes['skipped']} skipped"
        )
