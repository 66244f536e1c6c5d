"""Rate limits for /api/: per token (when one is sent) and per client address."""

import hashlib

from django.conf import settings

from ..accounts.ratelimit import count_hit
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
        keys = [(f"api:ip:{request.META.get('REMOTE_ADDR', '')}", settings.API_RATE_PER_IP)]
        authorization = request.headers.get("Authorization", "")
        if authorization.lower().startswith("bearer "):
            digest = hashlib.sha256(authorization[7:].strip().encode()).hexdigest()[:32]
            keys.append((f"api:token:{digest}", settings.API_RATE_PER_TOKEN))
        for key, limit in keys:
            verdict = count_hit(key, limit, WINDOW)
            if not verdict.allowed:
                response = json_error(
                    429, "rate_limited", f"too many requests; retry in {verdict.retry_after} s"
                )
                response["Retry-After"] = str(verdict.retry_after)
                return response
        return self.get_response(request)
