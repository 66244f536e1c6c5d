"""Fixed SQL for the reads a list page makes once per list: each as a QuerySet cost more to
build than to run (an `__in` of 50 ids alone was 0.3 ms of compiling, docs/performance.md)."""

import weakref
from collections.abc import Sequence

from django.db import DEFAULT_DB_ALIAS, connection, connections, models
from django.db.backends.base.base import BaseDatabaseWrapper


def rows(sql: str, params: Sequence = ()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def rows_for(sql: str, ids: Sequence) -> list[tuple]:
    """The rows of `sql`, whose one `IN ({})` gets a placeholder per id (none: no rows)."""
    if not ids:
        return []
    return rows(sql.format(", ".join(["%s"] * len(ids))), list(ids))


def rows_together(selects: Sequence[str], ids: Sequence) -> list[list[tuple]]:
    """The rows of several reads of the same ids, in one statement (on PostgreSQL each
    statement is a round trip): each of `selects` is a SELECT whose one `IN ({})` takes the
    ids, all with the same number and types of columns (`CAST(NULL AS type)` where one has
    fewer), as UNION ALL needs; no ORDER BY. Rows come back per read, in no particular order.

    The ids are sent once, as a VALUES list the reads share: psycopg parses a statement's
    placeholders again on every run when it has more than 50, and three `IN` lists of 50
    ids cost the client more than the two round trips saved (docs/performance.md)."""
    found: list[list[tuple]] = [[] for _ in selects]
    if not ids:
        return found
    asked = ", ".join(["(%s)"] * len(ids))
    query = f"WITH asked_ids(asked_id) AS (VALUES {asked}) " + " UNION ALL ".join(
        f"SELECT {index} AS read, q.* FROM ({select.format('SELECT asked_id FROM asked_ids')}) q"
        for index, select in enumerate(selects)
    )
    for row in rows(query, list(ids)):
        found[row[0]].append(row[1:])
    return found


def columns(model: type[models.Model], alias: str) -> str:
    """The model's concrete columns in field order, qualified by the table's `alias`: the
    SELECT list whose values `instance` takes."""
    return ", ".join(f"{alias}.{field.column}" for field in model._meta.concrete_fields)


def instance(model: type[models.Model], values: Sequence):
    """A `model` built from one row of its concrete fields' columns, in field order, as the
    driver returned them, through the converters a QuerySet or raw() applies (SQLite hands
    back dates and datetimes as text, booleans as integers; JSON comes back as text): what
    raw() gives, without working out the columns and converters again for every statement
    (on the paper page raw() spent more of the worker's CPU on that than on its three
    statements' rows, docs/performance.md, "Eighth round")."""
    values = list(values)
    if len(values) != len(model._meta.concrete_fields):
        raise ValueError(f"{model.__name__} has {len(model._meta.concrete_fields)} columns")
    for index, column, converters in _converters(model):
        value = values[index]
        for convert in converters:
            value = convert(value, column, connection)
        values[index] = value
    return model.from_db(connection.alias, None, values)


# Per connection object (each thread has its own) and model: which columns have converters.
_converters_kept: "weakref.WeakKeyDictionary[BaseDatabaseWrapper, dict]" = (
    weakref.WeakKeyDictionary()
)


def _converters(model: type[models.Model]) -> tuple:
    wrapper = connections[DEFAULT_DB_ALIAS]
    by_model = _converters_kept.get(wrapper)
    if by_model is None:
        by_model = _converters_kept[wrapper] = {}
    if (found := by_model.get(model)) is None:
        found = []
        for index, field in enumerate(model._meta.concrete_fields):
            column = field.get_col(model._meta.db_table)
            converters = connection.ops.get_db_converters(column) + column.get_db_converters(
                connection
            )
            if converters:
                found.append((index, column, tuple(converters)))
        found = by_model[model] = tuple(found)
    return found
