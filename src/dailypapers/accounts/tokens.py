"""Personal API tokens: created once, stored hashed, revocable."""

import hashlib
import secrets

from django.utils import timezone

from ..papers.cleaning import single_line
from .models import ApiToken

PREFIX = "dp_"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(user, name: str = "") -> tuple[ApiToken, str]:
    """Returns the row and the token itself, which is never stored and cannot be shown again."""
    token = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken.objects.create(
        user=user, name=single_line(name or "")[:100], prefix=token[:10], digest=_digest(token)
    )
    return row, token


def user_for_token(token: str):
    row = (
        ApiToken.objects.select_related("user")
        .filter(digest=_digest(token), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if row is None:
        return None
    ApiToken.objects.filter(pk=row.pk).update(last_used_at=timezone.now())
    return row.user


def live_token_id(token: str) -> int | None:
    """The row id of a token that would authenticate, without marking it used."""
    return (
        ApiToken.objects.filter(digest=_digest(token), revoked_at__isnull=True)
        .values_list("pk", flat=True)
        .first()
    )


def revoke(user, token_id: int) -> bool:
    return bool(
        ApiToken.objects.filter(pk=token_id, user=user, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
    )
