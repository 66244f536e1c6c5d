"""Where to go after a form: the one reader of `next` parameters."""

from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request, fallback: str) -> str:
    """The request's `next` (POST, then query string) if it stays on this site, else fallback.

    Other hosts, `javascript:` and other schemes, and `//host` or `/\\host` tricks all
    fall back."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback
