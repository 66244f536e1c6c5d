"""Where to go after a form: the one reader of `next` parameters."""

from django.http import HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request, fallback: str) -> str:
    """The request's `next` (POST, then query string) if it is a path on this site, else
    fallback (a path).

    Other hosts, `javascript:` and other schemes, and `//host` or `/\\host` tricks all
    fall back; so does anything not starting with "/" ("home", "0"), which redirect() would
    have taken for a view name."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def redirect_back(request, fallback: str) -> HttpResponseRedirect:
    """Redirect to the request's safe `next`, else to fallback (a path)."""
    return HttpResponseRedirect(safe_next(request, fallback))
