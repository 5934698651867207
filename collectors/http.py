"""The httpx client the platform adapters use (pooled, with a timeout, no cookie jar), and
how they read a JSON body.

The platform APIs authenticate every request with a token or key and set no cookie a
collector needs. httpx still runs every response through its cookie jar — a urllib
request object built per response — which profiling put at a fifth of a request's
client-side time in the half-year demo. A client whose jar keeps nothing skips it and
never sends a ``Cookie`` header a server might have tried to plant.
"""

from __future__ import annotations

from typing import Any

import httpx

from collectors.base import BadPayload

MAX_BODY = 16 * 1024 * 1024  # bytes; a real API page is a few kilobytes


class _NoCookies(httpx.Cookies):
    """A cookie jar that stores nothing and adds nothing to a request."""

    def extract_cookies(self, response: httpx.Response) -> None:
        return None

    def set_cookie_header(self, request: httpx.Request) -> None:
        return None


class ApiClient(httpx.Client):
    """``httpx.Client`` without cookies (see the module's docstring)."""

    _jar = _NoCookies()

    @property
    def cookies(self) -> httpx.Cookies:
        return self._jar

    @cookies.setter
    def cookies(self, value: object) -> None:
        raise TypeError("platform API clients keep no cookies")


def api_client(
    timeout: float, *, follow_redirects: bool = False, transport: httpx.BaseTransport | None = None
) -> ApiClient:
    """A pooled client for one platform's API (or the YouTube feed); ``transport`` for tests."""
    return ApiClient(timeout=timeout, follow_redirects=follow_redirects, transport=transport)


def json_object(response: httpx.Response, platform: str, what: str) -> dict[str, Any]:
    """The body as a JSON object; anything else (too big, too deep, not JSON) is BadPayload."""
    if len(response.content) > MAX_BODY:
        raise BadPayload(platform, f"{what} answered with a body over {MAX_BODY} bytes")
    try:
        body = response.json()
    except (ValueError, RecursionError):  # RecursionError: JSON nested thousands deep
        raise BadPayload(platform, f"{what} answered with a body that is not JSON") from None
    if not isinstance(body, dict):
        raise BadPayload(platform, f"{what} answered with JSON that is not an object")
    return body
