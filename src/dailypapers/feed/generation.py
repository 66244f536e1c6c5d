"""The site-wide generation number: part of every page-cache key (core.page_cache), so one
UPDATE invalidates cached pages in every process on every host."""

from django.db import connection
from django.db.models import F

from .models import SiteGeneration

_GENERATION_SQL = f"SELECT value FROM {SiteGeneration._meta.db_table} WHERE id = 1"


def generation() -> int:
    # Every anonymous page view asks, so it skips the ORM: building the QuerySet cost four
    # times the query itself (pyinstrument, docs/performance.md).
    with connection.cursor() as cursor:
        cursor.execute(_GENERATION_SQL)
        row = cursor.fetchone()
    return row[0] if row else 0


def bump_generation() -> None:
    if not SiteGeneration.objects.filter(pk=1).update(value=F("value") + 1):
        SiteGeneration.objects.get_or_create(pk=1, defaults={"value": 1})
