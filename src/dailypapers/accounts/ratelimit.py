"""Fixed-window rate limits kept in the database (RateCounter)."""

import time
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F

from .models import RateCounter


@dataclass
class Limit:
    allowed: bool
    retry_after: int


def count_hit(key: str, limit: int, period: int, now: float | None = None) -> Limit:
    """Record one hit on key; allowed while the window's hits stay within limit."""
    now = time.time() if now is None else now
    window = int(now // period)
    with transaction.atomic():
        if not RateCounter.objects.filter(key=key, window=window).update(hits=F("hits") + 1):
            try:
                with transaction.atomic():
                    RateCounter.objects.create(key=key, window=window, hits=1)
            except IntegrityError:
                RateCounter.objects.filter(key=key, window=window).update(hits=F("hits") + 1)
        hits = RateCounter.objects.get(key=key, window=window).hits
        RateCounter.objects.filter(key=key, window__lt=window - 1).delete()
    retry_after = int((window + 1) * period - now) + 1
    return Limit(allowed=hits <= limit, retry_after=retry_after)


def is_limited(key: str, limit: int, period: int, now: float | None = None) -> Limit:
    """Whether key is over its limit now, without counting a hit."""
    now = time.time() if now is None else now
    window = int(now // period)
    row = RateCounter.objects.filter(key=key, window=window).values_list("hits", flat=True)
    hits = row.first() or 0
    return Limit(allowed=hits < limit, retry_after=int((window + 1) * period - now) + 1)
