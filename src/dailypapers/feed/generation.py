"""The site-wide generation number: part of every page-cache key (core.page_cache), so one
UPDATE invalidates cached pages in every process on every host."""

from django.db import connection
from django.db.models import F

from .models import SiteGeneration

_GENERATION_SQL = f"SELECT value FROM {SiteGeneration._meta.db_table} WHERE id = 1"
_GENERATION_QUERY = _GENERATION_SQL.encode()


def generation() -> int:
    """The current number, read on every anonymous page view: a cache hit's only query.

    So it skips Django's cursor, whose wrapping cost more than the query, and reads through
    the driver's connection: SQLite's, or on PostgreSQL libpq's under psycopg, which cut the
    round trip's CPU, client and server, by two thirds (bench/page_cpu.py --cached,
    docs/performance.md). Not a statement prepared by name: psycopg deallocates every prepared
    statement on a rollback. Still one read of the committed row, so another process's vote
    shows at once.
    """
    connection.ensure_connection()
    with connection.wrap_database_errors:
        if connection.vendor != "postgresql":
            row = connection.connection.execute(_GENERATION_SQL).fetchone()
            return row[0] if row else 0
        found = _read_postgres(connection.connection)
    if found is None:  # libpq reported an error: Django's cursor runs it again and raises it
        with connection.cursor() as cursor:
            cursor.execute(_GENERATION_SQL)
            row = cursor.fetchone()
        return row[0] if row else 0
    return found


def _read_postgres(driver_connection) -> int | None:
    """The number, or None when libpq reports an error."""
    from psycopg.pq import ExecStatus

    result = driver_connection.pgconn.exec_(_GENERATION_QUERY)
    if result.status != ExecStatus.TUPLES_OK:
        return None
    return int(result.get_value(0, 0)) if result.ntuples else 0


def on_links_changed(sender, arxiv_ids, **kwargs) -> None:
    """Cached pages show papers' links (cards, paper pages, feeds): a published link shows."""
    bump_generation()


def bump_generation() -> None:
    if not SiteGeneration.objects.filter(pk=1).update(value=F("value") + 1):
        SiteGeneration.objects.get_or_create(pk=1, defaults={"value": 1})
