"""django-csp's middleware, with the site's one policy built once per process.

django-csp builds the Content-Security-Policy header for every response (a dataclass asdict
and a copy of the settings, for the policy and again for the report-only one): a third of
the CPU of a page-cache hit (bench/page_cpu.py --cached, docs/performance.md). Every page here
sends the same policy, from settings, so it is built once, and built again only when the
settings change. A response or request that asks for its own policy (django-csp's decorators,
a nonce), a report-only policy or excluded URL prefixes in settings take django-csp's own path.
"""

from functools import cache
from http import HTTPStatus

from csp.constants import HEADER
from csp.middleware import CheckableLazyObject
from csp.middleware import CSPMiddleware as DjangoCSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

# What django-csp's decorators set on a response to change its policy.
_PER_RESPONSE = tuple(
    f"_csp_{part}{suffix}" for part in ("config", "update", "replace") for suffix in ("", "_ro")
)


@cache
def _site_policy() -> str | None:
    """The header every response gets, or None when the settings need django-csp's path."""
    policy = getattr(settings, "CONTENT_SECURITY_POLICY", None) or {}
    if getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None) or policy.get(
        "EXCLUDE_URL_PREFIXES"
    ):
        return None
    return build_policy()


@receiver(setting_changed)
def _forget_policy(*, setting, **kwargs):
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        _site_policy.cache_clear()


class CSPMiddleware(DjangoCSPMiddleware):
    def process_response(self, request, response):
        policy = _site_policy()
        if (
            policy is None
            or getattr(request, "_csp_nonce", None) is not None
            or any(getattr(response, name, None) is not None for name in _PER_RESPONSE)
        ):
            return super().process_response(request, response)
        if settings.DEBUG and response.status_code in (
            HTTPStatus.INTERNAL_SERVER_ERROR,
            HTTPStatus.NOT_FOUND,
        ):
            return response  # Django's debug pages, as django-csp leaves them
        if policy and HEADER not in response and not getattr(response, "_csp_exempt", False):
            response[HEADER] = policy
        # As django-csp does: a nonce asked for after the header is written is an error.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response
