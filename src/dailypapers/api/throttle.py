"""Rate limits for /api/: per client address, and per token when a live one is sent.

A token nobody holds gets no counter of its own (it will be refused anyway): keying on the
raw header would let every made-up token add a row to the counter table.
"""

from django.conf import settings

from ..accounts.clients import client_key
from ..accounts.ratelimit import count_hit
from ..accounts.tokens import live_token_id
from ..core.errors import json_error
from ..core.urls import api_prefix, fixed_path

WINDOW = 60


class ApiRateLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(api_prefix()) or request.path == fixed_path(
            "api:openapi-json"
        ):
            return self.get_response(request)
        verdict = count_hit(f"api:ip:{client_key(request)}", settings.API_RATE_PER_IP, WINDOW)
        if verdict.allowed and (token_id := _live_token_id(request)):
            verdict = count_hit(f"api:token:{token_id}", settings.API_RATE_PER_TOKEN, WINDOW)
        if verdict.allowed:
            return self.get_response(request)
        response = json_error(
            429, "rate_limited", f"too many requests; retry in {verdict.retry_after} s"
        )
        response["Retry-After"] = str(verdict.retry_after)
        return response


def _live_token_id(request) -> int | None:
    authorization = request.headers.get("Authorization", "")
    if not authorization.lower().startswith("bearer "):
        return None
    return live_token_id(authorization[7:].strip())
