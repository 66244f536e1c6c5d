from django.core.management.base import BaseCommand

from ....feed.seed import seed_daily_lists
from ....papers.first_run import first_run
from ....search.index import IndexMissing, open_index
from ....search.indexer import GraphBusy, extend_graph, rebuild


class Command(BaseCommand):
    help = (
        "Migrate, fetch recent papers (or load the bundled sample when offline), "
        "seed the first daily lists of a fresh install, and build the search index (and its HNSW "
        "graph) if missing."
    )

    def handle(self, *args, **options):
        run = first_run(self.stdout.write)
        if seeded := seed_daily_lists(sample_votes=run.sample):
            self.stdout.write(f"Put {seeded} recent papers on the last few days' lists.")
            if run.sample:
                self.stdout.write(
                    "Their votes are sample data, from inactive sample-reader accounts."
                )
        try:
            open_index.get()
        except IndexMissing:
            folder = rebuild()
            self.stdout.write(f"Built the search index ({folder.count} papers).")
            # The new index's graph, at once: seconds for a first install. An index that
            # exists is left to `reindex --incremental`, so that `make run` never waits
            # ~11 minutes for a 1M graph before serving.
            try:
                if added := extend_graph():
                    self.stdout.write(f"Added {added} papers to the search index's HNSW graph.")
            except GraphBusy:
                pass
