"""Twitch routes: the app-token endpoint and Helix streams, videos, users (docs/platforms.md §5).

``POST /oauth2/token`` (client credentials) issues app tokens valid about 60 days of
simulated time; a client id or secret in the simulator's ``invalid_keys`` is refused
(400 ``invalid client`` / 403 ``invalid client secret``). Helix wants ``Client-Id``
and ``Authorization: Bearer`` with a token issued to that client, else 401.

A scenario stream with ``platform="twitch"`` is a broadcast on the login in its
``channel``; its ``video_id`` is the Helix stream id. ``/helix/streams`` lists it only
while live, with ``viewer_count`` from the audience curve (offline channels are
absent). From its start it has an archive in ``/helix/videos`` whose ``view_count``
follows the curve's views and whose ``duration`` grows to the broadcast's length.

Rate limit: a bucket of 800 points per client per simulated minute; every response
carries ``Ratelimit-Limit``, ``Ratelimit-Remaining`` and ``Ratelimit-Reset`` (epoch
seconds), and a call past the limit gets 429.
"""

from __future__ import annotations

import hashlib
import threading
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any
from urllib.parse import parse_qs

import orjson

from collectors.simulator.curves import unit
from collectors.simulator.faults import FaultRule
from collectors.simulator.routing import HttpProblem, Request, Response, Route, json_response
from collectors.simulator.scenario import SimStream
from collectors.simulator.world import World
from streamer.models import StreamStatus, to_iso

PLATFORM = "twitch"
TOKEN_SECONDS = 5_184_000  # about 60 days
BUCKET = 800  # points a minute, one per request
MAX_ITEMS = 100
_REASONS = {
    400: "Bad Request",
    401: "Unauthorized",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}
_GAME = ("509658", "Just Chatting")


def helix_error(status: int, message: str, headers: dict[str, str] | None = None) -> HttpProblem:
    """A Helix error: ``{"error", "status", "message"}``."""
    body = {"error": _REASONS.get(status, "Error"), "status": status, "message": message}
    return HttpProblem(Response(status, orjson.dumps(body), headers=headers or {}))


def auth_error(status: int, message: str) -> HttpProblem:
    """An id.twitch.tv error: ``{"status", "message"}``."""
    body = {"status": status, "message": message}
    return HttpProblem(Response(status, orjson.dumps(body)))


@dataclass(frozen=True, slots=True)
class _Issued:
    client_id: str
    expires_at: datetime


class Helix:
    """Issued tokens and rate buckets, shared by the Twitch routes."""

    def __init__(self, world: World) -> None:
        self.world = world
        self._tokens: dict[str, _Issued] = {}
        self._used: Counter[tuple[str, datetime]] = Counter()
        self._lock = threading.Lock()

    def issue_token(self, request: Request) -> Response:
        """``POST /oauth2/token`` with client credentials, in the form body or the query."""
        form = {k: v[0] for k, v in parse_qs(request.body.decode("utf-8", "replace")).items()}
        form |= {k: v[0] for k, v in request.query.items() if v and k not in form}
        if form.get("grant_type") != "client_credentials":
            raise auth_error(400, "unsupported grant type")
        client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        if not client_id or client_id in self.world.invalid_keys:
            raise auth_error(400, "invalid client")
        if not secret or secret in self.world.invalid_keys:
            raise auth_error(403, "invalid client secret")
        with self._lock:
            token = _token_text(self.world.seed, len(self._tokens))
            expires = self.world.now() + timedelta(seconds=TOKEN_SECONDS)
            self._tokens[token] = _Issued(client_id, expires)
        payload = {"access_token": token, "expires_in": TOKEN_SECONDS, "token_type": "bearer"}
        return json_response(payload, pretty=False)

    def authorize(self, request: Request) -> dict[str, str]:
        """Check the client and token, take a point; the rate-limit headers to send."""
        client = request.headers.get("client-id", "")
        token = request.bearer_token
        if not client:
            raise helix_error(401, "Client-Id header required")
        if token is None:
            raise helix_error(401, "OAuth token is missing")
        with self._lock:
            issued = self._tokens.get(token)
            if issued is None or issued.expires_at <= self.world.now():
                raise helix_error(401, "Invalid OAuth token")
            if issued.client_id != client:
                raise helix_error(401, "Client ID and OAuth token do not match")
            minute = self.world.now().replace(second=0, microsecond=0)
            self._used[(client, minute)] += 1
            used = self._used[(client, minute)]
        headers = rate_headers(max(0, BUCKET - used), minute + timedelta(minutes=1))
        if used > BUCKET:
            raise helix_error(429, "Too Many Requests", headers)
        return headers


def rate_headers(remaining: int, reset: datetime) -> dict[str, str]:
    """``Ratelimit-*`` headers; the reset is in epoch seconds."""
    return {
        "Ratelimit-Limit": str(BUCKET),
        "Ratelimit-Remaining": str(remaining),
        "Ratelimit-Reset": str(int(reset.timestamp())),
    }


class HelixFaults:
    """``FaultStyle`` for Helix: errors in Helix's envelope, 429 with its headers."""

    def __init__(self, world: World) -> None:
        self._world = world

    def fault_response(self, rule: FaultRule) -> Response:
        """The Helix error for an error fault kind (Twitch has no daily quota: 429)."""
        match rule.kind:
            case "quota" | "http429":
                reset = self._world.now() + timedelta(seconds=rule.retry_after)
                problem = helix_error(429, "Too Many Requests", rate_headers(0, reset))
            case "key_invalid":
                problem = helix_error(401, "Invalid OAuth token")
            case "http500":
                problem = helix_error(500, "Internal Server Error")
            case _:
                problem = helix_error(503, "Service Unavailable")
        return problem.response


class TokenFaults:
    """``FaultStyle`` for the token endpoint (id.twitch.tv's ``{"status","message"}``)."""

    def fault_response(self, rule: FaultRule) -> Response:
        """The token endpoint's error for an error fault kind."""
        match rule.kind:
            case "key_invalid":
                problem = auth_error(403, "invalid client secret")
            case "quota" | "http429":
                problem = auth_error(429, "Too Many Requests")
            case "http500":
                problem = auth_error(500, "Internal Server Error")
            case _:
                problem = auth_error(503, "Service Unavailable")
        return problem.response


def routes(world: World) -> list[Route]:
    """The token endpoint and the Helix reads, bound to ``world``."""
    helix, style = Helix(world), HelixFaults(world)
    reads = {"streams": get_streams, "videos": get_videos, "users": get_users}
    made = [Route("POST", "/oauth2/token", helix.issue_token, TokenFaults())]
    made += [
        Route("GET", f"/helix/{name}", partial(handler, helix), style)
        for name, handler in reads.items()
    ]
    return made


def get_streams(helix: Helix, request: Request) -> Response:
    """Live streams of the ``user_login``/``user_id`` asked (all live ones if neither)."""
    headers = helix.authorize(request)
    logins, ids = _repeated(request, "user_login"), _repeated(request, "user_id")
    now = helix.world.now()
    live = [s for s in helix.world.streams(PLATFORM) if _on_air(s, now)]
    if logins or ids:
        live = [s for s in live if s.channel.lower() in logins or user_id(s.channel) in ids]
    live.sort(key=lambda s: (-(helix.world.reading(s, now).viewers or 0), s.video_id))
    return _listing([_stream_item(helix.world, s, now) for s in live], request, headers)


def get_videos(helix: Helix, request: Request) -> Response:
    """Archives by ``id`` or of one ``user_id``, newest first; ``type`` filters."""
    headers = helix.authorize(request)
    ids, users = _repeated(request, "id"), _repeated(request, "user_id")
    if not ids and len(users) != 1:
        raise helix_error(400, "Exactly one of id, user_id or game_id must be specified", headers)
    kind = request.param("type") or "all"
    if kind not in ("all", "archive", "highlight", "upload"):
        raise helix_error(400, 'The parameter "type" was malformed', headers)
    now = helix.world.now()
    held = [s for s in helix.world.streams(PLATFORM) if _recorded(s, now)]
    chosen = [s for s in held if archive_id(s.video_id) in ids or user_id(s.channel) in users]
    chosen.sort(key=lambda s: (s.actual_start, s.video_id), reverse=True)
    items = [_video_item(helix.world, s, now) for s in chosen] if kind in ("all", "archive") else []
    return _listing(items, request, headers)


def get_users(helix: Helix, request: Request) -> Response:
    """Users by ``login`` or ``id`` among the scenario's Twitch channels."""
    headers = helix.authorize(request)
    logins, ids = _repeated(request, "login"), _repeated(request, "id")
    known = dict.fromkeys(s.channel.lower() for s in helix.world.streams(PLATFORM))
    found = [c for c in known if c in logins or user_id(c) in ids]
    return _listing([_user_item(helix.world, login) for login in found], request, headers)


def _stream_item(world: World, stream: SimStream, now: datetime) -> dict[str, Any]:
    login = stream.channel.lower()
    tagged = unit(world.seed, stream.video_id, "tags") >= 0.3  # some streams have tags: null
    return {
        "id": stream.video_id,
        "user_id": user_id(login),
        "user_login": login,
        "user_name": world.channel_title(stream.channel),
        "game_id": _GAME[0],
        "game_name": _GAME[1],
        "type": "live",
        "title": stream.title,
        "tags": ["Қазақша", "Talk"] if tagged else None,
        "viewer_count": world.reading(stream, now).viewers or 0,
        "started_at": to_iso(stream.actual_start) if stream.actual_start else "",
        "language": "kk",
        "thumbnail_url": "https://static-cdn.jtvnw.net/previews-ttv/"
        f"live_user_{login}-{{width}}x{{height}}.jpg",
        "tag_ids": [],
        "is_mature": False,
    }


def _video_item(world: World, stream: SimStream, now: datetime) -> dict[str, Any]:
    assert stream.actual_start is not None and stream.actual_end is not None  # _recorded
    login, video = stream.channel.lower(), archive_id(stream.video_id)
    length = int((min(now, stream.actual_end) - stream.actual_start).total_seconds())
    return {
        "id": video,
        "stream_id": stream.video_id,
        "user_id": user_id(login),
        "user_login": login,
        "user_name": world.channel_title(stream.channel),
        "title": stream.title,
        "description": "",
        "created_at": to_iso(stream.actual_start),
        "published_at": to_iso(stream.actual_start),
        "url": f"https://www.twitch.tv/videos/{video}",
        "thumbnail_url": "",
        "viewable": "public",
        "view_count": world.reading(stream, now).views,
        "language": "kk",
        "type": "archive",
        "duration": helix_duration(length),
        "muted_segments": None,
    }


def _user_item(world: World, login: str) -> dict[str, Any]:
    return {
        "id": user_id(login),
        "login": login,
        "display_name": world.channel_title(login),
        "type": "",
        "broadcaster_type": "",
        "description": "",
        "profile_image_url": "",
        "offline_image_url": "",
        "view_count": 0,
        "created_at": "2016-12-14T20:32:28Z",
    }


def _listing(items: list[dict[str, Any]], request: Request, headers: dict[str, str]) -> Response:
    """``{"data", "pagination"}`` with ``first``/``after`` applied."""
    first_text = request.param("first") or "20"
    if not first_text.isdigit() or not 1 <= int(first_text) <= MAX_ITEMS:
        raise helix_error(400, 'The parameter "first" was malformed', headers)
    offset = int(after) if (after := request.param("after") or "0").isdigit() else 0
    first = int(first_text)
    page: dict[str, Any] = {"data": items[offset : offset + first], "pagination": {}}
    if offset + first < len(items):
        page["pagination"] = {"cursor": str(offset + first)}
    response = json_response(page, pretty=False)
    return Response(200, response.body, headers=headers)


def _repeated(request: Request, name: str) -> list[str]:
    """Every value of a repeated parameter (Helix does not split commas); at most 100."""
    values = [v.strip().lower() for v in request.query.get(name, []) if v.strip()]
    if len(values) > MAX_ITEMS:
        raise helix_error(400, f'The parameter "{name}" may be given at most {MAX_ITEMS} times')
    return values


def _on_air(stream: SimStream, now: datetime) -> bool:
    return stream.readable_at(now) and stream.state_at(now) is StreamStatus.LIVE


def _recorded(stream: SimStream, now: datetime) -> bool:
    started = stream.actual_start is not None and stream.actual_start <= now
    return started and stream.actual_end is not None and stream.readable_at(now)


def helix_duration(seconds: int) -> str:
    """A Helix duration: ``1h2m3s``, ``3m21s``, ``45s``."""
    hours, rest = divmod(max(0, seconds), 3600)
    minutes, secs = divmod(rest, 60)
    text = (f"{hours}h" if hours else "") + (f"{minutes}m" if hours or minutes else "")
    return f"{text}{secs}s"


def user_id(login: str) -> str:
    """A stable numeric Helix user id for ``login``."""
    return _number(f"user|{login.lower()}", 9)


def archive_id(stream_id: str) -> str:
    """The id of the archive video recording stream ``stream_id``."""
    return _number(f"archive|{stream_id}", 10)


def _number(label: str, digits: int) -> str:
    digest = hashlib.blake2b(label.encode(), digest_size=8).digest()
    return str(10 ** (digits - 1) + int.from_bytes(digest, "big") % (9 * 10 ** (digits - 1)))


def _token_text(seed: int, count: int) -> str:
    """An opaque 30-character app token, deterministic for the seed and issue order."""
    return hashlib.blake2b(f"{seed}|token|{count}".encode(), digest_size=15).hexdigest()
