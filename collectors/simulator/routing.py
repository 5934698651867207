"""The seam between the HTTP server and the platforms: requests, responses, routes.

A platform is one module with a ``routes(world) -> list[Route]`` function. Each
route pairs a handler (a plain function from ``Request`` to ``Response``, testable
without sockets) with the platform's ``FaultStyle``, which renders injected
faults in that platform's own error format.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import orjson

from collectors.simulator.faults import FaultRule

JSON_TYPE = "application/json; charset=UTF-8"


@dataclass(frozen=True, slots=True)
class Request:
    """One HTTP request as a handler sees it: query values and lower-cased headers."""

    method: str
    path: str
    query: Mapping[str, list[str]] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""

    def param(self, name: str) -> str | None:
        """The first value of query parameter ``name``, or ``None``."""
        values = self.query.get(name)
        return values[0] if values else None

    def values(self, name: str) -> list[str]:
        """Every value of ``name``, comma lists split: ``id=a,b&id=c`` → a, b, c."""
        items = (part.strip() for value in self.query.get(name, []) for part in value.split(","))
        return [item for item in items if item]

    @property
    def bearer_token(self) -> str | None:
        """The OAuth token of an ``Authorization: Bearer`` header."""
        scheme, _, token = self.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer":
            return None
        return token.strip() or None


@dataclass(frozen=True, slots=True)
class Response:
    """What a handler answers; the server adds Content-Length."""

    status: int
    body: bytes
    content_type: str = JSON_TYPE
    headers: Mapping[str, str] = field(default_factory=dict)


def json_response(payload: Any, status: int = 200, *, pretty: bool = True) -> Response:
    """A JSON response (UTF-8); Google APIs pretty-print unless ``prettyPrint=false``."""
    # orjson: the standard library's indenting encoder is pure Python, and a
    # 50-video page is encoded on every poll of every benchmark.
    return Response(status, orjson.dumps(payload, option=orjson.OPT_INDENT_2 if pretty else 0))


class HttpProblem(Exception):
    """Raised by a handler to answer with an error ``response`` (a platform's envelope)."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status)
        self.response = response


class FaultStyle(Protocol):
    """How one platform answers an injected error fault (its envelope, its headers)."""

    def fault_response(self, rule: FaultRule) -> Response:
        """The response for ``rule``; kinds the server handles never reach here."""
        ...


Handler = Callable[[Request], Response]


@dataclass(frozen=True, slots=True)
class Route:
    """``method path`` answered by ``handler``; faults rendered in ``style``."""

    method: str
    path: str
    handler: Handler
    style: FaultStyle


PREFIX = "/*"
"""A route path ending so answers every path under it that no exact route answers (a
platform's own "no such object" error, where a plain 404 would not be what it sends).
A path ending in a bare ``*`` (``/bot*``) answers every path that starts with the rest:
the Telegram Bot API puts the token in the path's first segment."""


class Router:
    """Exact-path lookup over every platform's routes, then the prefix routes."""

    def __init__(self, routes: Iterable[Route]) -> None:
        self._routes: dict[tuple[str, str], Route] = {}
        self._prefixes: list[tuple[str, str, Route]] = []
        for route in routes:
            key = (route.method, route.path)
            if key in self._routes:
                raise ValueError(f"two routes for {route.method} {route.path}")
            self._routes[key] = route
            if route.path.endswith(PREFIX):
                self._prefixes.append((route.method, route.path[: -len(PREFIX)] + "/", route))
            elif route.path.endswith("*"):
                self._prefixes.append((route.method, route.path[:-1], route))

    def match(self, method: str, path: str) -> Route | None:
        """The route for ``method path`` (a trailing slash ignored), if any."""
        exact = self._routes.get((method, path.rstrip("/") or "/"))
        if exact is not None or not self._prefixes:
            return exact
        under = (r for m, start, r in self._prefixes if m == method and path.startswith(start))
        return next(under, None)

    @property
    def paths(self) -> list[str]:
        """``METHOD /path`` of every route, for help text and tests."""
        return [f"{method} {path}" for method, path in self._routes]
