"""The site-wide generation number: part of every page-cache key (core.page_cache), so one
UPDATE invalidates cached pages in every process on every host."""

from django.db.models import F

from .models import SiteGeneration


def generation() -> int:
    value = SiteGeneration.objects.filter(pk=1).values_list("value", flat=True).first()
    return value or 0


def bump_generation() -> None:
    if not SiteGeneration.objects.filter(pk=1).update(value=F("value") + 1):
        SiteGeneration.objects.get_or_create(pk=1, defaults={"value": 1})
