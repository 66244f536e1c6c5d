import multiprocessing
import os
import sys
import threading
import time
from contextlib import contextmanager

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, connections

from ....links.store import reextract
from ....papers.models import Paper
from ....papers.progress import Phases, Progress
from ....people.store import rebuild as rebuild_authors
from ...folder import HNSW_STEP
from ...index import IndexMissing
from ...indexer import GraphBusy, extend_graph, graph_pending_count, rebuild
from ...indexer import incremental as sync_incremental

AUTHORS = "authors (own process, alongside the index)"


class Command(BaseCommand):
    help = (
        "Rebuild the search index from the database into a new folder and swap it in "
        "atomically, after recomputing every paper's extracted links, and author identities "
        "alongside; semantic search scans the new index exactly until its HNSW graph is built. "
        "--incremental adds what was imported since the index's watermark (links and authors "
        "are resolved on import), then extends the HNSW graph over every paper it does not "
        "cover yet (resumable; run it from a timer)."
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
        started, cpu = time.perf_counter(), _cpu_with_children()
        links = Progress("links", total, unit="papers")
        try:
            with phases("links"):
                reextract(lambda n: links.update(n, n))
        finally:
            links.close()
        with _authors_alongside(total, phases):
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
                f"papers/s, {_cpu_with_children() - cpu:.1f} s CPU"
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


@contextmanager
def _authors_alongside(total: int, phases: Phases):
    """Rebuild the author identities while the body runs (the index reads papers and links,
    never identities). In a process of its own: on a thread, its pure Python held the GIL
    against the index's, and usearch takes the GIL back for every vector it adds, so the
    graph got ~0.4 of a core (docs/search.md). The child has its own database connection and
    its own atomic chunks; it dies with this process (a killed `reindex` leaves no orphan
    writing), and its failure fails the command once the index is built. Inside a
    transaction (a caller's, or a test's) another connection would not see its writes, and
    an in-memory database is not shared: there the two run one after the other."""
    if connection.in_atomic_block or _in_memory():
        with phases("authors"):
            try:
                _rebuild_authors(total)
            except Exception as error:
                raise CommandError(f"rebuilding the author identities failed: {error}") from error
        yield
        return
    connections.close_all()  # neither process may share the other's connection
    sys.stdout.flush()  # nor print what the other had buffered
    sys.stderr.flush()
    fork = multiprocessing.get_context("fork")
    receiving, sending = fork.Pipe(duplex=False)
    child = fork.Process(target=_authors_child, args=(sending, total, os.getpid()))
    child.start()
    sending.close()
    try:
        yield
    except BaseException:
        child.terminate()  # its chunks are atomic: one cut short is rolled back
        child.join()
        raise
    try:
        outcome = receiving.recv()
    except EOFError:  # it died before it could say
        outcome = None
    child.join()
    receiving.close()
    if outcome is None or outcome[0] != "done":
        reason = outcome[1] if outcome else f"the process ended with code {child.exitcode}"
        raise CommandError(
            f"the search index was rebuilt, but rebuilding the author identities failed: "
            f"{reason}; run `dailypapers reindex` again"
        )
    _, wall, cpu = outcome
    phases.record(AUTHORS, wall, cpu)


def _authors_child(report, total: int, parent: int) -> None:
    # Watch the parent: a killed `reindex` must not leave this one writing.
    threading.Thread(target=_exit_without, args=(parent,), daemon=True).start()
    wall, cpu = time.perf_counter(), time.process_time()
    try:
        _rebuild_authors(total)
    except Exception as error:
        # One line for the command's message; the whole traceback follows on stderr.
        first = next(iter(str(error).splitlines()), "")
        report.send(("failed", f"{type(error).__name__}: {first}"))
        raise
    finally:
        connections.close_all()
    report.send(("done", time.perf_counter() - wall, time.process_time() - cpu))


def _exit_without(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(0.1)
    os._exit(1)


def _rebuild_authors(total: int) -> None:
    progress = Progress("authors", total, unit="papers")
    try:
        rebuild_authors(lambda n: progress.update(n, n))
    finally:
        progress.close()


def _in_memory() -> bool:
    return connection.vendor == "sqlite" and connection.is_in_memory_db()


def _cpu_with_children() -> float:
    """CPU seconds of this process and of its children that have ended."""
    times = os.times()
    return time.process_time() + times.children_user + times.children_system
