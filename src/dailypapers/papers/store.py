"""The one module that writes papers. Every source funnels through upsert_papers()."""

from collections.abc import Iterable
from dataclasses import dataclass, replace

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Max, Min, Q
from django.utils import timezone

from .models import Paper
from .records import PaperRecord
from .signals import papers_changed, papers_written

STORED_FIELDS = [
    "version",
    "title",
    "abstract",
    "authors",
    "categories",
    "primary_category",
    "published",
    "updated",
    "comment",
    "journal_ref",
    "doi",
    "license",
    "withdrawn",
    "content_hash",
    "imported_at",
]
# SQLite allows 32766 parameters per statement; this stays well under it on every database.
_LOOKUP_CHUNK = 900


@dataclass
class UpsertCounts:
    new: int = 0
    updated: int = 0
    unchanged: int = 0

    def add(self, other: "UpsertCounts") -> None:
        self.new += other.new
        self.updated += other.updated
        self.unchanged += other.unchanged


def compare_freshness(record: PaperRecord, version: int | None, updated) -> int:
    """-1 if record is an older version than (version, updated), 0 if the same, 1 if newer.

    Version numbers decide when both are known; otherwise the day of the latest version does,
    because sources give that date with different precision.
    """
    if record.version and version:
        return (record.version > version) - (record.version < version)
    mine, theirs = record.updated.date(), updated.date()
    return (mine > theirs) - (mine < theirs)


def latest_per_paper(records: Iterable[PaperRecord]) -> dict[str, PaperRecord]:
    """Keep the newest record of each paper; among equals the last one read wins."""
    latest: dict[str, PaperRecord] = {}
    for record in records:
        seen = latest.get(record.arxiv_id)
        if seen is None or compare_freshness(record, seen.version, seen.updated) >= 0:
            latest[record.arxiv_id] = record
    return latest


def upsert_papers(records: Iterable[PaperRecord]) -> UpsertCounts:
    """Insert new papers and replace older versions, in one transaction.

    Idempotent: re-running with the same records writes nothing. An older version never
    replaces a newer one. Retried once if a concurrent writer inserted the same paper first.
    """
    records = list(records)
    latest = latest_per_paper(records)
    for attempt in range(3):
        try:
            with transaction.atomic():
                counts = _write(latest)
            # Superseded copies of a paper within the batch count as unchanged input.
            counts.unchanged += len(records) - len(latest)
            return counts
        except IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _write(latest: dict[str, PaperRecord]) -> UpsertCounts:
    counts = UpsertCounts()
    existing = _existing_rows(list(latest))
    now = timezone.now()
    inserts: list[Paper] = []
    updates: list[Paper] = []
    written: list[PaperRecord] = []
    for arxiv_id, record in latest.items():
        row = existing.get(arxiv_id)
        if row is None:
            inserts.append(_to_model(record, now))
            written.append(record)
            counts.new += 1
            continue
        version, updated, stored_hash = row
        order = compare_freshness(record, version, updated)
        if order < 0:
            counts.unchanged += 1
            continue
        if order == 0 and record.version is None:
            record = replace(record, version=version)
        paper = _to_model(record, now)
        if paper.content_hash == stored_hash:
            counts.unchanged += 1
        else:
            updates.append(paper)
            written.append(record)
            counts.updated += 1
    if inserts:
        inserts.sort(key=lambda paper: paper.arxiv_id)
        Paper.objects.bulk_create(inserts, batch_size=500)
    if updates:
        _update_rows(updates)
    if written:
        papers_written.send(sender=Paper, records=written)
    changed = [paper.arxiv_id for paper in inserts + updates]
    if changed:
        transaction.on_commit(lambda: papers_changed.send(sender=Paper, arxiv_ids=changed))
    return counts


def _existing_rows(ids: list[str]) -> dict:
    """The stored version of each paper, locked until commit (PostgreSQL; SQLite's write lock
    already covers the whole transaction): a concurrent import of a newer version waits for
    this one, then compares against what it wrote, instead of overwriting it unseen.
    Locked in id order, as inserts are made, so two imports never wait on each other."""
    rows = {}
    ids = sorted(ids)
    for start in range(0, len(ids), _LOOKUP_CHUNK):
        chunk = ids[start : start + _LOOKUP_CHUNK]
        stored = Paper.objects.filter(arxiv_id__in=chunk).order_by("arxiv_id")
        for arxiv_id, *rest in stored.select_for_update().values_list(
            "arxiv_id", "version", "updated", "content_hash"
        ):
            rows[arxiv_id] = rest
    return rows


def _to_model(record: PaperRecord, now) -> Paper:
    return Paper(
        arxiv_id=record.arxiv_id,
        version=record.version,
        title=record.title,
        abstract=record.abstract,
        authors=list(record.authors),
        categories=list(record.categories),
        primary_category=record.primary_category,
        published=record.published,
        updated=record.updated,
        comment=record.comment,
        journal_ref=record.journal_ref,
        doi=record.doi,
        license=record.license,
        withdrawn=record.withdrawn,
        content_hash=record.content_hash(),
        imported_at=now,
    )


def _update_rows(papers: list[Paper]) -> None:
    """One executemany UPDATE; bulk_update's CASE expressions are slow for wide rows."""
    fields = [Paper._meta.get_field(name) for name in STORED_FIELDS]
    table = connection.ops.quote_name(Paper._meta.db_table)
    assignments = ", ".join(f"{connection.ops.quote_name(f.column)} = %s" for f in fields)
    sql = f"UPDATE {table} SET {assignments} WHERE {connection.ops.quote_name('arxiv_id')} = %s"
    rows = [
        [f.get_db_prep_save(getattr(paper, f.attname), connection) for f in fields]
        + [paper.arxiv_id]
        for paper in papers
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def paper_stats() -> dict:
    totals = Paper.objects.aggregate(
        papers=Count("arxiv_id"),
        withdrawn=Count("arxiv_id", filter=Q(withdrawn=True)),
        oldest=Min("published"),
        newest=Max("published"),
    )
    return {
        "papers": totals["papers"],
        "withdrawn": totals["withdrawn"],
        "primary_categories": Paper.objects.values("primary_category").distinct().count(),
        "oldest_published": _iso(totals["oldest"]),
        "newest_published": _iso(totals["newest"]),
    }


def _iso(value) -> str | None:
    return value.isoformat() if value else None
