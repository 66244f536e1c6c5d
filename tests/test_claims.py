"""core/claims.py: claimed rows are not claimed again, and dead claimers are recognised."""

from datetime import timedelta

import pytest
from django.utils import timezone

from dailypapers.core import claims
from dailypapers.digests.models import Delivery, Subscriber

pytestmark = pytest.mark.django_db


def test_claims_split_the_rows_and_dead_claimers_are_found():
    Delivery.objects.bulk_create(
        Delivery(subscriber=Subscriber.objects.create(email=f"r{i}@example.org"), period="p")
        for i in range(5)
    )
    free = Delivery.objects.filter(claimed_by="").order_by("pk")
    mine, theirs = claims.new_token(), claims.new_token()
    first = claims.claim(free, mine, limit=3, state=Delivery.State.SENDING)
    second = claims.claim(free, theirs, limit=3)
    assert len(first) == 3 and len(second) == 2 and not set(first) & set(second)
    assert claims.claim(free, mine, limit=3) == []
    assert set(Delivery.objects.filter(pk__in=first).values_list("state", flat=True)) == {"sending"}

    claimed = Delivery.objects.exclude(claimed_by="")
    assert claims.stale_tokens(claimed) == []  # both are this living process
    host = claims.new_token().split(":")[0]
    dead_here = f"{host}:999999999:00"  # no such process
    Delivery.objects.filter(pk=first[0]).update(claimed_by=dead_here)
    old = timezone.now() - claims.CLAIM_LEASE - timedelta(seconds=1)
    Delivery.objects.filter(pk=first[1]).update(claimed_by="elsewhere:1:00", claimed_at=old)
    Delivery.objects.filter(pk=first[2]).update(claimed_by="busy:1:00", claimed_at=timezone.now())
    assert sorted(claims.stale_tokens(claimed)) == sorted([dead_here, "elsewhere:1:00"])
