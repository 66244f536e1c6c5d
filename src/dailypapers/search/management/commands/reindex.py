import time
from concurrent.futures import ThreadPoolExecutor

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, connections

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
        "atomically, after recomputing every paper's extracted links, and author identities "
        "alongside; --incremental only adds what was imported since the index's watermark "
        "(links and authors are resolved on import)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--incremental", action="store_true")

    def handle(self, *args, incremental: bool, **options):
        total = Paper.objects.count()
        phases = Phases()
        if incremental:
            progress = Progress("reindex", total, unit="papers")
            try:
                done = sync_incremental(lambda n: progress.update(n, n))
            except IndexMissing as error:
                raise CommandError(f"{error} (without --incremental)") from error
            finally:
                progress.close()
            self.stdout.write(f"indexed {done} papers imported since the last sync")
            return
        started, cpu = time.perf_counter(), time.process_time()
        links = Progress("links", total, unit="papers")
        try:
            with phases("links"):
                reextract(lambda n: links.update(n, n))
        finally:
            links.close()
        # The index reads the links but not the identities, so the authors are rebuilt on a
        # thread of their own while the index is built: their Python and the embedding's
        # tokenizer share the two cores (docs/search.md). Each keeps its own atomic steps.
        # Inside a transaction (a caller's, or a test's) another connection would not see its
        # writes, so there the two run one after the other.
        alongside = not connection.in_atomic_block
        with ThreadPoolExecutor(max_workers=1) as pool:
            if alongside:
                authors = pool.submit(self._authors_on_a_thread, total, phases)
            else:
                self._authors(total, phases, "authors", time.process_time)
            progress = Progress("reindex", total, unit="papers")
            try:
                folder = rebuild(lambda n: progress.update(n, n), phases)
            finally:
                progress.close()
            if alongside:
                authors.result()
        self.stdout.write(f"indexed {folder.count} papers into {folder.path.name}")
        if options["verbosity"] >= 1:
            wall = time.perf_counter() - started
            self.stdout.write(
                f"reindex: {total:,} papers in {wall:.1f} s wall = {total / max(wall, 1e-9):,.0f} "
                f"papers/s, {time.process_time() - cpu:.1f} s CPU"
            )
            for line in phases.lines(total):
                self.stdout.write(line)

    def _authors(self, total: int, phases: Phases, name: str, clock) -> None:
        progress = Progress("authors", total, unit="papers")
        try:
            with phases(name, clock=clock):
                rebuild_authors(lambda n: progress.update(n, n))
        finally:
            progress.close()

    def _authors_on_a_thread(self, total: int, phases: Phases) -> None:
        try:
            # This thread's CPU only: the index's steps, timed meanwhile, count it too.
            name = "authors (own thread; the index's CPU below includes it)"
            self._authors(total, phases, name, time.thread_time)
        finally:
            connections.close_all()
