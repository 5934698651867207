"""The adapters' HTTP client keeps no cookies: a server cannot plant one, none is sent."""

from __future__ import annotations

import httpx
import pytest

from collectors.http import api_client


def test_a_set_cookie_is_neither_kept_nor_sent_back() -> None:
    """A response's Set-Cookie leaves the jar empty and the next request has no Cookie."""
    seen: list[str | None] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("cookie"))
        return httpx.Response(200, headers={"set-cookie": "session=abc; Path=/"}, json={})

    with api_client(5.0, transport=httpx.MockTransport(answer)) as client:
        client.get("http://graph.test/v19.0/me")
        client.get("http://graph.test/v19.0/me")
        assert not client.cookies
    assert seen == [None, None]


def test_cookies_cannot_be_set_on_it() -> None:
    """Setting cookies is refused loudly rather than ignored."""
    with api_client(5.0) as client, pytest.raises(TypeError, match="no cookies"):
        client.cookies = {"session": "abc"}  # type: ignore[assignment]


def test_a_plain_httpx_client_would_have_kept_it() -> None:
    """The control: httpx's default client stores and resends the cookie."""
    seen: list[str | None] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("cookie"))
        return httpx.Response(200, headers={"set-cookie": "session=abc; Path=/"}, json={})

    with httpx.Client(transport=httpx.MockTransport(answer)) as client:
        client.get("http://graph.test/v19.0/me")
        client.get("http://graph.test/v19.0/me")
    assert seen == [None, "session=abc"]
