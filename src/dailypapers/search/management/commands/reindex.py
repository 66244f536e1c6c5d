import time

from django.core.management.base import BaseCommand, CommandError

from ....links.store import reextract
from ....papers.models import Paper
from ....papers.progress import Phases, Progress, cpu_seconds
from ...folder import HNSW_STEP
from ...index import IndexMissing
from ...indexer import GraphBusy, extend_graph, graph_pending_count, rebuild
from ...indexer import incremental as sync_incremental


class Command(BaseCommand):
    help = (
        "Rebuild the search index from the database into a new folder and swap it in "
        "atomically, after recomputing every paper's extracted links; semantic search scans "
        "the new index exactly until its HNSW graph is built. --incremental adds what was "
        "imported since the index's watermark (links are extracted on import), then extends "
        "the HNSW graph over every paper it does not cover yet (resumable; run it from a "
        "timer). Author identities are `dailypapers authors`'s."
    )

    def add_arguments(self, parser):
        parser.add_argument("--incremental", action="store_true")
        parser.add_argument(
            "--graph-step",
            type=int,
            default=HNSW_STEP,
            help="with --incremental: papers added to the HNSW graph per saved step",
        )

    def handle(self, *args, incremental: bool, graph_step: int, **options):
        total = Paper.objects.count()
        phases = Phases()
        if incremental:
            self._catch_up(total, graph_step)
            return
        started, cpu = time.perf_counter(), cpu_seconds()
        links = Progress("links", total, unit="papers")
        try:
            with phases("links"):
                reextract(lambda n: links.update(n, n))
        finally:
            links.close()
        progress = Progress("reindex", total, unit="papers")
        try:
            folder = rebuild(lambda n: progress.update(n, n), phases)
        finally:
            progress.close()
        self.stdout.write(
            f"indexed {folder.count} papers into {folder.path.name}; "
            f"{folder.graph_pending} wait for the HNSW graph (`dailypapers reindex "
            "--incremental` builds it; search scans them exactly until then)"
        )
        if options["verbosity"] >= 1:
            wall = time.perf_counter() - started
            self.stdout.write(
                f"reindex: {total:,} papers in {wall:.1f} s wall = {total / max(wall, 1e-9):,.0f} "
                f"papers/s, {cpu_seconds() - cpu:.1f} s CPU"
            )
            for line in phases.lines(total):
                self.stdout.write(line)

    def _catch_up(self, total: int, graph_step: int) -> None:
        progress = Progress("reindex", total, unit="papers")
        try:
            done = sync_incremental(lambda n: progress.update(n, n))
        except IndexMissing as error:
            raise CommandError(f"{error} (without --incremental)") from error
        finally:
            progress.close()
        self.stdout.write(f"indexed {done} papers imported since the last sync")
        graph = Progress("HNSW graph", graph_pending_count(), unit="papers")
        try:
            added = extend_graph(lambda n: graph.update(n, n), graph_step)
        except GraphBusy as error:
            self.stdout.write(f"{error}: left to it")
            return
        finally:
            graph.close()
        self.stdout.write(
            f"added {added} papers to the HNSW graph; {graph_pending_count()} pending"
        )
