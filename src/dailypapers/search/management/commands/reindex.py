from django.core.management.base import BaseCommand, CommandError

from ....papers.models import Paper
from ....papers.progress import Progress
from ...index import IndexMissing
from ...indexer import incremental as sync_incremental
from ...indexer import rebuild


class Command(BaseCommand):
    help = (
        "Rebuild the search index from the database into a new folder and swap it in "
        "atomically; --incremental only adds what was imported since the index's watermark."
    )

    def add_arguments(self, parser):
        parser.add_argument("--incremental", action="store_true")

    def handle(self, *args, incremental: bool, **options):
        total = Paper.objects.count()
        progress = Progress("reindex", total, unit="papers")
        try:
            if incremental:
                done = sync_incremental(lambda n: progress.update(n, n))
                progress.close()
                self.stdout.write(f"indexed {done} papers imported since the last sync")
                return
            folder = rebuild(lambda n: progress.update(n, n))
        except IndexMissing as error:
            raise CommandError(f"{error} (without --incremental)") from error
        finally:
            progress.close()
        self.stdout.write(f"indexed {folder.count} papers into {folder.path.name}")
