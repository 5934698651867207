"""What every YouTube Data API route shares: credentials, quota, parts, paging.

Order of checks, as on the real API: credentials first (no key → 403, a bad key
→ 400 ``keyInvalid``), then the quota (every request costs its units "even an
invalid one", docs/platforms.md §1.2), then the parameters.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

import orjson

from collectors.simulator.fields import apply_fields, parse_fields
from collectors.simulator.google_errors import (
    ApiError,
    GoogleFaults,
    bad_parameter,
    key_invalid,
    key_missing,
    login_required,
    quota_exceeded,
)
from collectors.simulator.routing import Request, Response, json_response
from collectors.simulator.world import World

API = "/youtube/v3"
MAX_RESULTS = 50
STYLE = GoogleFaults()
OAUTH_BUCKET = "oauth"
"""The ``sim.stats.quota_units`` key OAuth calls are charged to (tokens are never stored)."""

T = TypeVar("T")


def authorize(world: World, request: Request, cost: int) -> None:
    """Accept an API key or OAuth token and charge ``cost`` units, or raise."""
    if request.bearer_token is not None:
        charge(world, OAUTH_BUCKET, cost)
        return
    key = request.param("key")
    if not key:
        raise key_missing()
    world.stats.count_key(key)
    if key in world.invalid_keys:
        raise key_invalid()
    charge(world, key, cost)


def require_oauth(world: World, request: Request, cost: int) -> None:
    """Accept only an OAuth token (an API key alone won't do) and charge ``cost``."""
    if request.bearer_token is None:
        raise login_required()
    charge(world, OAUTH_BUCKET, cost)


def charge(world: World, bucket: str, cost: int) -> None:
    """Charge today's quota of ``bucket``, or raise ``quotaExceeded``."""
    if not world.quota.try_charge(bucket, cost, world.now()):
        raise quota_exceeded()
    world.stats.charge(bucket, cost)


def read_parts(request: Request, real: frozenset[str]) -> frozenset[str]:
    """The ``part`` values; an unknown part is a 400 ``unknownPart`` as on YouTube."""
    parts = request.values("part")
    if not parts:
        raise ApiError(400, "required", "Required parameter: part", location="part")
    for part in parts:
        if part not in real:
            raise ApiError(400, "unknownPart", part, domain="youtube.part", location="part")
    return frozenset(parts)


def max_results(request: Request, default: int = 5) -> int:
    """``maxResults`` within [0, 50] (the client does not check the maximum)."""
    text = request.param("maxResults")
    if text is None:
        return default
    if not text.isdigit() or int(text) > MAX_RESULTS:
        message = f"Invalid value '{text}'. Values must be within the range: [0, {MAX_RESULTS}]"
        raise bad_parameter("invalidParameter", message, "maxResults")
    return int(text)


def page_of(
    items: Sequence[T], request: Request, default: int = 5
) -> tuple[list[T], dict[str, Any]]:
    """This page of ``items`` and its ``nextPageToken``/``prevPageToken``/``pageInfo``."""
    size = max_results(request, default)
    offset = _read_token(request.param("pageToken"))
    meta: dict[str, Any] = {}
    if size and offset + size < len(items):
        meta["nextPageToken"] = _token(offset + size)
    if offset > 0:
        meta["prevPageToken"] = _token(max(0, offset - size))
    meta["pageInfo"] = {"totalResults": len(items), "resultsPerPage": size}
    return list(items[offset : offset + size]), meta


def listing(
    kind: str, items: list[dict[str, Any]], request: Request, meta: Mapping[str, Any]
) -> Response:
    """A ``…ListResponse`` with ``fields`` applied and ``prettyPrint`` honoured."""
    payload: dict[str, Any] = {"kind": kind, "etag": etag_of(items), **meta, "items": items}
    return render(payload, request)


def render(payload: dict[str, Any], request: Request) -> Response:
    """``payload`` as JSON after the ``fields`` filter."""
    selector = request.param("fields")
    if selector:
        try:
            payload = apply_fields(payload, parse_fields(selector))
        except ValueError as exc:
            raise bad_parameter(
                "invalidParameter", f"Invalid field selection: {exc}", "fields"
            ) from exc
    return json_response(payload, pretty=request.param("prettyPrint") != "false")


def etag_of(payload: Any) -> str:
    """A stable, opaque etag for ``payload`` (same content, same etag)."""
    text = orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)
    digest = hashlib.blake2b(text, digest_size=20).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def _token(offset: int) -> str:
    # Opaque to clients, like YouTube's; it only encodes a position in the list.
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode().rstrip("=")


def _read_token(token: str | None) -> int:
    if not token:
        return 0
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        label, _, number = text.partition(":")
        if label == "offset" and number.isdigit():
            return int(number)
    except (binascii.Error, UnicodeDecodeError):
        pass
    raise bad_parameter(
        "invalidPageToken", "The request specifies an invalid page token.", "pageToken"
    )
