"""Whole-page caching for anonymous visitors.

Views opt in with @cached_for_anonymous. Keys carry a site-wide generation number, which
every vote, submission and comment bumps, so a write invalidates every cached page at once,
across processes and hosts, with no cache-wide delete. The counter lives in the database of
the app that does those writes (feed.generation), which registers how to read it here.
"""

import hashlib
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse


def _no_generation() -> int:
    return 0


_generation = _no_generation


def use_generation(read) -> None:
    """Key cached pages by read(), a number that changes whenever any page may change."""
    global _generation
    _generation = read


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
        # With the cache off (PAGE_CACHE_SECONDS 0) there is nothing to look up or keep: no
        # generation to read, which on PostgreSQL is a round trip per page.
        if (
            settings.PAGE_CACHE_SECONDS <= 0
            or request.method not in ("GET", "HEAD")
            or _has_state(request)
        ):
            return self.get_response(request)
        request.get_host()  # a Host outside ALLOWED_HOSTS gets its 400 before any cache hit
        path = hashlib.blake2b(request.get_full_path().encode(), digest_size=16).hexdigest()
        key = f"page:{_generation()}:{path}"
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
