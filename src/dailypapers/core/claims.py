"""Claiming work rows so any number of sender processes, on any number of hosts, share a batch
and each row is handled by exactly one of them.

A claim marks rows with the claimer's token ("host:pid:random") in one transaction:
- on PostgreSQL the rows are picked with SELECT … FOR UPDATE SKIP LOCKED, so concurrent
  claimers take different rows without waiting for each other;
- on SQLite the transaction starts IMMEDIATE (settings.SQLITE_OPTIONS), i.e. it holds the
  database's one write lock from the SELECT to the UPDATE, so claimers queue and never overlap.

A claimer that dies leaves its rows claimed. `stale_tokens` tells which tokens belong to dead
claimers: on this host a token whose process is gone is dead at once (a re-run right after a
crash picks the rows up); a token of another host is dead when its claim is older than
CLAIM_LEASE. The caller decides what a dead claim means (a digest is sent again; a chat post
is not, since it may have gone out).

Used by digests (email digests, channel posts); notifications may claim its rows the same way.
"""

import os
import secrets
import socket
from datetime import timedelta

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

# Longer than any one send can take (SMTP and HTTP timeouts are 30 s), so a live claimer on
# another host is never taken for dead.
CLAIM_LEASE = timedelta(minutes=10)
_HOST = socket.gethostname()


def new_token() -> str:
    """A claimer's identity: this host and process, plus randomness against pid reuse."""
    return f"{_HOST}:{os.getpid()}:{secrets.token_hex(4)}"


def claim(queryset: QuerySet, token: str, *, limit: int, **mark) -> list[int]:
    """Claim up to `limit` rows of `queryset` (in its order) for `token`: set `claimed_by`,
    `claimed_at` and the `mark` fields on them, and return their primary keys."""
    with transaction.atomic():
        locked = queryset.select_for_update(skip_locked=True)
        pks = list(locked.values_list("pk", flat=True)[:limit])
        if pks:
            queryset.model.objects.filter(pk__in=pks).update(
                claimed_by=token, claimed_at=timezone.now(), **mark
            )
    return pks


def _alive(token: str, claimed_at, now) -> bool:
    host, _, rest = token.partition(":")
    pid = rest.partition(":")[0]
    if host == _HOST and pid.isdigit():
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    return claimed_at is not None and now - claimed_at < CLAIM_LEASE


def stale_tokens(claimed: QuerySet) -> list[str]:
    """Tokens of the claimers of `claimed` rows that are no longer running."""
    now = timezone.now()
    rows = claimed.exclude(claimed_by="").values_list("claimed_by", "claimed_at").order_by()
    latest: dict[str, object] = {}
    for token, claimed_at in rows.distinct():
        if token not in latest or (claimed_at and claimed_at > latest[token]):
            latest[token] = claimed_at
    return [token for token, at in latest.items() if not _alive(token, at, now)]
