"""Fixed-window rate limits kept in the database (RateCounter).

Keys are built from what users type (usernames, addresses), so a key that would not fit the
column is stored as a prefix plus its SHA-256. A counter is useless once its window has
passed; expired rows are deleted in bulk on every PRUNE_EVERY-th hit in each process, and
the table is held under settings.RATE_COUNTER_MAX_ROWS (the rows nearest expiry go first),
so keys made up by clients can never grow it without bound.
"""

import hashlib
import itertools
import time
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F

from .models import RateCounter

PRUNE_EVERY = 100
_hits_in_this_process = itertools.count(1)
KEY_LENGTH = RateCounter._meta.get_field("key").max_length


@dataclass
class Limit:
    allowed: bool
    retry_after: int

    @property
    def retry_minutes(self) -> int:
        """retry_after in whole minutes, at least one: what refusals tell people."""
        return max(1, self.retry_after // 60)


def caseless(text: str) -> str:
    """Unicode's NFKC_Casefold: one key for every way of typing the same name or address."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())


def stored_key(key: str) -> str:
    if len(key) <= KEY_LENGTH:
        return key
    return f"{key[: KEY_LENGTH - 65]}#{hashlib.sha256(key.encode()).hexdigest()}"


def count_hit(key: str, limit: int, period: int, now: float | None = None) -> Limit:
    """Record one hit on key; allowed while the window's hits stay within limit."""
    now = time.time() if now is None else now
    key = stored_key(key)
    window = int(now // period)
    expires = (window + 1) * period
    with transaction.atomic():
        if not RateCounter.objects.filter(key=key, window=window).update(hits=F("hits") + 1):
            try:
                with transaction.atomic():
                    RateCounter.objects.create(key=key, window=window, hits=1, expires=expires)
            except IntegrityError:
                RateCounter.objects.filter(key=key, window=window).update(hits=F("hits") + 1)
        hits = RateCounter.objects.get(key=key, window=window).hits
    if next(_hits_in_this_process) % PRUNE_EVERY == 0:
        prune(now)
    retry_after = int(expires - now) + 1
    return Limit(allowed=hits <= limit, retry_after=retry_after)


def first_refusal(keys, limit: int, period: int) -> Limit | None:
    """Count one hit on each key (a user, then their client address…) until one is over its
    limit; that key's Limit, or None when every key is within it."""
    for key in keys:
        found = count_hit(key, limit, period)
        if not found.allowed:
            return found
    return None


def is_limited(key: str, limit: int, period: int, now: float | None = None) -> Limit:
    """Whether key is over its limit now, without counting a hit."""
    now = time.time() if now is None else now
    window = int(now // period)
    row = RateCounter.objects.filter(key=stored_key(key), window=window)
    hits = row.values_list("hits", flat=True).first() or 0
    return Limit(allowed=hits < limit, retry_after=int((window + 1) * period - now) + 1)


def prune(now: float | None = None) -> int:
    """Delete expired counters, then the soonest-expiring ones above the row cap."""
    now = time.time() if now is None else now
    deleted, _ = RateCounter.objects.filter(expires__lte=now).delete()
    excess = RateCounter.objects.count() - settings.RATE_COUNTER_MAX_ROWS
    if excess > 0:
        doomed = RateCounter.objects.order_by("expires").values_list("pk", flat=True)[:excess]
        deleted += RateCounter.objects.filter(pk__in=doomed).delete()[0]
    return deleted
