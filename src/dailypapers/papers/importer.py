"""Importing records in batches: one transaction per batch, rejects reported, never half a paper."""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice

from .records import PaperRecord, Rejected
from .sources.files import InputFile
from .sources.xml import MalformedInput
from .store import UpsertCounts, upsert_papers

BATCH_SIZE = 2000


class StrictImportAborted(RuntimeError):
    """--strict met a malformed record; the batch holding it was not written."""


@dataclass
class ImportSummary:
    counts: UpsertCounts = field(default_factory=UpsertCounts)
    rejected: list[Rejected] = field(default_factory=list)
    # Whole inputs that could not be read (malformed XML, unknown format); nothing of them written.
    failed: list[str] = field(default_factory=list)

    def line(self) -> str:
        c = self.counts
        return (
            f"imported {c.new} new, {c.updated} updated, {c.unchanged} unchanged, "
            f"{len(self.rejected)} rejected"
        )


def import_items(
    items: Iterable[PaperRecord | Rejected],
    summary: ImportSummary,
    *,
    strict: bool = False,
    batch_size: int = BATCH_SIZE,
    after_batch=None,
) -> None:
    """Write items batch by batch; each batch is one transaction."""
    for batch in _batches(items, batch_size):
        records = [item for item in batch if isinstance(item, PaperRecord)]
        rejects = [item for item in batch if isinstance(item, Rejected)]
        if strict and rejects:
            raise StrictImportAborted(f"malformed record, import aborted: {rejects[0]}")
        summary.rejected.extend(rejects)
        summary.counts.add(upsert_papers(records))
        if after_batch:
            after_batch()


def import_files(paths, *, strict=False, batch_size=BATCH_SIZE, progress_factory=None):
    """Import every file in turn; returns the ImportSummary across all of them.

    An unreadable file is recorded in summary.failed and the others still import,
    unless strict, where it aborts the import.
    """
    summary = ImportSummary()
    for path in paths:
        try:
            _import_file(path, summary, strict, batch_size, progress_factory)
        except MalformedInput as error:
            if strict:
                raise
            summary.failed.append(str(error))
    return summary


def _import_file(path, summary, strict, batch_size, progress_factory) -> None:
    with InputFile(path) as source:
        progress = progress_factory(str(path), source.size) if progress_factory else None

        def report():
            if progress:
                progress.update(source.position(), _total(summary))

        items, failures = source.items(), []
        if not strict:
            items = _until_unreadable(items, failures)
        try:
            import_items(items, summary, strict=strict, batch_size=batch_size, after_batch=report)
        finally:
            if progress:
                progress.close()
        if failures:
            raise failures[0]


def _until_unreadable(items, failures: list) -> Iterator:
    """The records read before a file turns unreadable (a truncated gzip) are still imported;
    the failure is raised once they are written."""
    try:
        yield from items
    except MalformedInput as error:
        failures.append(error)


def _total(summary: ImportSummary) -> int:
    c = summary.counts
    return c.new + c.updated + c.unchanged + len(summary.rejected)


def _batches(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch
