"""The one shape of an error answered as JSON, and the base of errors that know their answer.

Every JSON error, from the API's handlers to the rate limiter in front of it, reads
{"error": {"status": 404, "code": "not_found", "message": "…"}} (docs/api.md).
"""

from django.http import JsonResponse


class DomainError(Exception):
    """A refusal whose message is shown to people as is. Subclasses say how HTTP answers it:
    the status, and a stable code that clients can branch on."""

    status = 400
    code = "refused"


def json_error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse(
        {"error": {"status": status, "code": code, "message": message}}, status=status
    )


def json_error_for(error: DomainError) -> JsonResponse:
    return json_error(error.status, error.code, str(error))
