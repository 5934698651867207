"""Google API error envelopes, as YouTube Data API v3 returns them.

``{"error": {"code", "message", "errors": [{"message", "domain", "reason"}],
"status"}}`` (docs/platforms.md §1.4). ``googleapiclient`` turns these into
``HttpError`` with ``reason`` = ``error.message`` and ``error_details`` = ``errors``.
"""

from __future__ import annotations

from collections.abc import Mapping

from collectors.simulator.faults import FaultRule
from collectors.simulator.routing import HttpProblem, Response, json_response

_STATUS = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}


class ApiError(HttpProblem):
    """A Google API error response, raised by a handler."""

    def __init__(
        self,
        code: int,
        reason: str,
        message: str,
        *,
        domain: str = "global",
        location: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        detail: dict[str, str] = {"message": message, "domain": domain, "reason": reason}
        if location is not None:
            detail |= {"location": location, "locationType": "parameter"}
        error = {"code": code, "message": message, "errors": [detail], "status": _STATUS[code]}
        response = json_response({"error": error}, code)
        super().__init__(Response(code, response.body, headers=dict(headers or {})))
        self.reason = reason


def quota_exceeded() -> ApiError:
    """403 ``youtube.quota``/``quotaExceeded``: not transient, wait for midnight PT."""
    return ApiError(
        403,
        "quotaExceeded",
        "The request cannot be completed because you have exceeded your "
        '<a href="/youtube/v3/getting-started#quota">quota</a>.',
        domain="youtube.quota",
    )


def key_missing() -> ApiError:
    """403 for a call with neither an API key nor OAuth credentials."""
    return ApiError(403, "forbidden", "The request is missing a valid API key.")


def key_invalid() -> ApiError:
    """400 ``keyInvalid`` (the legacy form; see docs/platforms.md §1.4)."""
    return ApiError(
        400, "keyInvalid", "API key not valid. Please pass a valid API key.", domain="usageLimits"
    )


def login_required() -> ApiError:
    """401 for an OAuth-only method called without a Bearer token."""
    return ApiError(401, "required", "Login Required.", location="Authorization")


def bad_parameter(
    reason: str, message: str, name: str, *, domain: str = "youtube.parameter"
) -> ApiError:
    """400 for a bad query parameter ``name``."""
    return ApiError(400, reason, message, domain=domain, location=name)


def not_found(reason: str, message: str, *, domain: str) -> ApiError:
    """404, e.g. ``playlistNotFound``."""
    return ApiError(404, reason, message, domain=domain)


def _rate_limited(retry_after: int) -> ApiError:
    return ApiError(
        429,
        "rateLimitExceeded",
        "Resource has been exhausted (e.g. check quota).",
        headers={"Retry-After": str(retry_after)},
    )


def _backend(code: int) -> ApiError:
    message = (
        "Internal error encountered." if code == 500 else "The service is currently unavailable."
    )
    return ApiError(code, "backendError", message)


class GoogleFaults:
    """``FaultStyle`` for Google APIs: injected errors in the real envelope."""

    def fault_response(self, rule: FaultRule) -> Response:
        """The envelope for an error fault kind."""
        match rule.kind:
            case "quota":
                error = quota_exceeded()
            case "key_invalid":
                error = key_invalid()
            case "http429":
                error = _rate_limited(rule.retry_after)
            case "http500":
                error = _backend(500)
            case _:
                error = _backend(503)
        return error.response
