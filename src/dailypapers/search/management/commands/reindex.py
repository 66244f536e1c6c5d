from django.core.management.base import BaseCommand, CommandError

from ....links.store import reextract
from ....papers.models import Paper
from ....papers.progress import Phases, Progress
from ....people.store import rebuild as rebuild_authors
from ...index import IndexMissing
from ...indexer import incremental as sync_incremental
from ...indexer import rebuild


class Command(BaseCommand):
    help = (
        "Rebuild the search index from the database into a new folder and swap it in "
        "atomically, after recomputing every paper's extracted links and author identities; "
        "--incremental only adds what was imported since the index's watermark (links and "
        "authors are resolved on import)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--incremental", action="store_true")

    def handle(self, *args, incremental: bool, **options):
        total = Paper.objects.count()
        phases = Phases()
        if not incremental:
            links = Progress("links", total, unit="papers")
            try:
                with phases("links"):
                    reextract(lambda n: links.update(n, n))
            finally:
                links.close()
            authors = Progress("authors", total, unit="papers")
            try:
                with phases("authors"):
                    rebuild_authors(lambda n: authors.update(n, n))
            finally:
                authors.close()
        progress = Progress("reindex", total, unit="papers")
        try:
            if incremental:
                done = sync_incremental(lambda n: progress.update(n, n))
                progress.close()
                self.stdout.write(f"indexed {done} papers imported since the last sync")
                return
            folder = rebuild(lambda n: progress.update(n, n), phases)
        except IndexMissing as error:
            raise CommandError(f"{error} (without --incremental)") from error
        finally:
            progress.close()
        self.stdout.write(f"indexed {folder.count} papers into {folder.path.name}")
        if options["verbosity"] >= 1:
            for line in phases.lines(total):
                self.stdout.write(line)
