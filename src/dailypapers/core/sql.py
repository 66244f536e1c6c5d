"""Fixed SQL for the reads a list page makes once per list: each as a QuerySet cost more to
build than to run (an `__in` of 50 ids alone was 0.3 ms of compiling, docs/performance.md)."""

from collections.abc import Sequence

from django.db import connection


def rows(sql: str, params: Sequence = ()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def rows_for(sql: str, ids: Sequence) -> list[tuple]:
    """The rows of `sql`, whose one `IN ({})` gets a placeholder per id (none: no rows)."""
    if not ids:
        return []
    return rows(sql.format(", ".join(["%s"] * len(ids))), list(ids))
