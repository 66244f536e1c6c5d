"""Whole-page caching for anonymous visitors.

Views opt in with @cached_for_anonymous. Keys carry SiteGeneration.value, which every vote,
submission and comment bumps, so a write invalidates every cached page at once, across
processes and hosts, with no cache-wide delete.
"""

import hashlib
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.db.models import F
from django.http import HttpResponse

from ..feed.models import SiteGeneration


def generation() -> int:
    value = SiteGeneration.objects.filter(pk=1).values_list("value", flat=True).first()
    return value or 0


def bump_generation() -> None:
    if not SiteGeneration.objects.filter(pk=1).update(value=F("value") + 1):
        SiteGeneration.objects.get_or_create(pk=1, defaults={"value": 1})


def _has_state(request) -> bool:
    """A session or pending messages make the page personal."""
    return settings.SESSION_COOKIE_NAME in request.COOKIES or "messages" in request.COOKIES


def cached_for_anonymous(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response.cacheable_for_anonymous = True
        return response

    return wrapper


class AnonymousPageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in ("GET", "HEAD") or _has_state(request):
            return self.get_response(request)
        request.get_host()  # a Host outside ALLOWED_HOSTS gets its 400 before any cache hit
        path = hashlib.blake2b(request.get_full_path().encode(), digest_size=16).hexdigest()
        key = f"page:{generation()}:{path}"
        if (hit := cache.get(key)) is not None:
            content, content_type = hit
            response = HttpResponse(content, content_type=content_type)
            response["X-Page-Cache"] = "hit"
            return response
        response = self.get_response(request)
        if (
            getattr(response, "cacheable_for_anonymous", False)
            and response.status_code == 200
            and not response.cookies
        ):
            cache.set(
                key, (response.content, response["Content-Type"]), settings.PAGE_CACHE_SECONDS
            )
        return response
