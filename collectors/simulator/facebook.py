"""Facebook Graph API routes: a Page's ``live_videos`` and a video's ``video_insights``.

Also the Graph basics ``simulator.instagram`` shares: versions, the error envelope
``{"error":{"message","type","code","error_subcode","fbtrace_id"}}``, the token check
(``Authorization: Bearer``/``OAuth`` or ``access_token=``; a token in the simulator's
``invalid_keys`` gets code 190), ``X-App-Usage`` and ``X-Business-Use-Case-Usage``
headers, field lists and cursor paging (docs/platforms.md §3).

Business Use Case (BUC) limits are metered per business object (the Page, the
Instagram account): each response names its object in ``X-Business-Use-Case-Usage``
once that object's day is above 0 %, and the ``throttled`` fault answers Graph's BUC
error (80001 for a Page, 80002 for an Instagram account) with that header at 100 % and
the rule's ``estimated_time_to_regain_access`` [src: developers.facebook.com/docs/
graph-api/overview/rate-limiting].

The router matches exact paths, so routes are made at start for every Page and video
of the scenario's ``facebook`` streams, under each Graph version from v19.0 to v26.0;
any other id under a version gets Graph's own answer for an unknown object (HTTP 400,
code 100, subcode 33, ``GraphMethodException``), Instagram accounts included. Times
are written ``+0000``, a missing title is left out, and ``live_views`` is 0 once a
broadcast is over, as recorded.

Statuses: ``SCHEDULED_LIVE`` before the start (``UNPUBLISHED`` for a broadcast nobody
announced), ``SCHEDULED_EXPIRED`` an hour after a planned start that did not happen,
``LIVE``, then ``LIVE_STOPPED`` (2 min), ``PROCESSING`` (to 10 min) and ``VOD``. A
scheduled broadcast deleted before it aired stays listed as ``SCHEDULED_CANCELED``;
one deleted after it aired is gone. Private broadcasts are dropped after a page is cut,
as Graph filters by visibility, so a page can be empty and still have ``next``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import itertools
import threading
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache, partial
from typing import Any
from urllib.parse import urlencode

import orjson

from collectors.simulator.faults import FaultRule
from collectors.simulator.routing import (
    PREFIX,
    HttpProblem,
    Request,
    Response,
    Route,
    json_response,
)
from collectors.simulator.scenario import SimStream
from collectors.simulator.world import World
from streamer.models import StreamStatus

PLATFORM = "facebook"
GRAPH_VERSIONS = tuple(f"v{n}.0" for n in range(19, 27))
HOURLY_CALLS = 2000
"""Calls per token per clock hour that make 100 % in ``X-App-Usage`` (a simulator figure:
the real budget depends on the app's users). A collector polling each minute stays far
below; the ``http429`` and ``quota`` faults show a blocked app."""
DAILY_OBJECT_CALLS = 4800
"""Calls per business object per clock day that make 100 % in ``X-Business-Use-Case-Usage``
(Graph's Pages and Instagram budgets are 4800 × engaged users or impressions a day; the
``throttled`` fault shows a blocked object)."""
PAGE_THROTTLE, INSTAGRAM_THROTTLE = 80001, 80002
_BUC_TYPES = {PAGE_THROTTLE: "pages", INSTAGRAM_THROTTLE: "instagram"}
_BUC_MESSAGES = {
    PAGE_THROTTLE: "(#80001) There have been too many calls to this Page account. "
    "Wait a bit and try again.",
    INSTAGRAM_THROTTLE: "(#80002) There have been too many calls to this Instagram account. "
    "Wait a bit and try again.",
}
BUC_SUBCODE = 2446079  # the subcode recorded with BUC throttling (OWOX/owox-data-marts#1530)
DEFAULT_LIMIT, MAX_LIMIT = 25, 100
EXPIRES_AFTER = timedelta(hours=1)
_STOPPED, _PROCESSING = timedelta(minutes=2), timedelta(minutes=10)
_LIVE_VIDEO_FIELDS = frozenset(
    {"id", "status", "title", "description", "creation_time", "live_views"}
    | {"broadcast_start_time", "planned_start_time", "video", "permalink_url"}
)
_METRICS = {
    "total_video_views": ("Total Video Views", 1.0),
    "total_video_views_unique": ("Total Video Views Unique", 0.8),
}
_TRACE = itertools.count()

Fields = dict[str, "Fields | None"]


class GraphError(HttpProblem):
    """A Graph API error response."""

    def __init__(
        self,
        status: int,
        code: int,
        message: str,
        *,
        kind: str = "OAuthException",
        subcode: int | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        error: dict[str, Any] = {"message": message, "type": kind, "code": code}
        if subcode is not None:
            error["error_subcode"] = subcode
        error["fbtrace_id"] = _trace_id()
        body = orjson.dumps({"error": error})
        super().__init__(Response(status, body, headers=dict(headers or {})))


def usage_header(percent: int) -> str:
    """An ``X-App-Usage``/``X-Page-Usage`` value at ``percent`` calls."""
    cpu = percent // 3
    return orjson.dumps({"call_count": percent, "total_cputime": cpu, "total_time": cpu}).decode()


def buc_header(object_id: str, kind: str, percent: int, regain_minutes: int = 0) -> dict[str, str]:
    """An ``X-Business-Use-Case-Usage`` header for one business object at ``percent``."""
    usage = {
        "type": kind,
        "call_count": percent,
        "total_cputime": percent // 4,
        "total_time": percent // 3,
        "estimated_time_to_regain_access": regain_minutes,
    }
    return {"X-Business-Use-Case-Usage": orjson.dumps({object_id: [usage]}).decode()}


@dataclass(frozen=True, slots=True)
class GraphFaults:
    """``FaultStyle`` for Graph: injected errors in Graph's envelope and codes.

    ``object_id`` is the business object a route is metered on (its Page or Instagram
    account) and ``throttle_code`` its BUC throttling code, for the ``throttled`` fault.
    """

    object_id: str = ""
    throttle_code: int = PAGE_THROTTLE

    def fault_response(self, rule: FaultRule) -> Response:
        """The Graph error for an error fault kind."""
        match rule.kind:
            case "throttled":
                error = self.throttled(rule.regain_minutes)
            case "quota":
                page = {"X-Page-Usage": usage_header(100)}
                error = GraphError(400, 32, "(#32) Page request limit reached", headers=page)
            case "http429":
                app = {"X-App-Usage": usage_header(100)}
                message = "(#4) Application request limit reached"
                error = GraphError(400, 4, message, headers=app)
            case "key_invalid":
                error = expired_token()
            case "http500":
                error = GraphError(500, 1, "An unknown error occurred", subcode=99)
            case _:
                message = "An unexpected error has occurred. Please retry your request later."
                error = GraphError(503, 2, message)
        return error.response

    def throttled(self, regain_minutes: int) -> GraphError:
        """Graph's BUC throttling error for this route's object, with its usage header."""
        kind, code = _BUC_TYPES[self.throttle_code], self.throttle_code
        usage = buc_header(self.object_id, kind, 100, regain_minutes)
        message = _BUC_MESSAGES[code]
        return GraphError(400, code, message, subcode=BUC_SUBCODE, headers=usage)


STYLE = GraphFaults()


def expired_token() -> GraphError:
    """Code 190/463: the token has expired (a Page token's usual failure)."""
    message = "Error validating access token: Session has expired."
    return GraphError(400, 190, message, subcode=463)


class GraphApp:
    """What every Graph route shares: the token check and per-token usage counting."""

    def __init__(self, world: World, buc_type: str = "pages") -> None:
        self.world = world
        self.buc_type = buc_type  # the BUC ``type`` of this app's objects
        self._calls: Counter[tuple[str, datetime]] = Counter()
        self._object_calls: Counter[tuple[str, datetime]] = Counter()
        self._lock = threading.Lock()

    def authorize(self, request: Request) -> str:
        """The request's token, counted; a missing or refused one raises ``GraphError``."""
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        token = value.strip() if scheme.lower() in ("bearer", "oauth") else None
        token = token or request.param("access_token")
        if not token:
            message = "An access token is required to request this resource."
            raise GraphError(400, 104, message)
        if token in self.world.invalid_keys:
            raise expired_token()
        with self._lock:
            self._calls[(token, self._hour())] += 1
        return token

    def respond(self, payload: Any, token: str, business_object: str | None = None) -> Response:
        """Compact JSON, with ``X-App-Usage`` once the token's hour is above 0 %, and
        ``X-Business-Use-Case-Usage`` once ``business_object``'s day is."""
        with self._lock:
            percent = self._calls[(token, self._hour())] * 100 // HOURLY_CALLS
            if business_object is not None:
                self._object_calls[(business_object, self._day())] += 1
                spent = self._object_calls[(business_object, self._day())]
        headers = {"X-App-Usage": usage_header(min(100, percent))} if percent else {}
        if business_object is not None and (share := spent * 100 // DAILY_OBJECT_CALLS):
            headers |= buc_header(business_object, self.buc_type, min(100, share))
        response = json_response(payload, pretty=False)
        return Response(200, response.body, headers=headers)

    def _hour(self) -> datetime:
        return self.world.now().replace(minute=0, second=0, microsecond=0)

    def _day(self) -> datetime:
        return self.world.now().replace(hour=0, minute=0, second=0, microsecond=0)


def routes(world: World) -> list[Route]:
    """``live_videos`` of each Page and ``video_insights`` of each video, per version."""
    app, streams = GraphApp(world), world.streams(PLATFORM)
    pages = dict.fromkeys(s.channel for s in streams)
    made = []
    styles = {page: GraphFaults(page, PAGE_THROTTLE) for page in pages}
    for version in GRAPH_VERSIONS:
        for page in pages:
            handler = partial(live_videos, app, page)
            made.append(Route("GET", f"/{version}/{page}/live_videos", handler, styles[page]))
        for stream in streams:  # a video's insights are metered on its Page
            path = f"/{version}/{fb_video_id(stream.video_id)}/video_insights"
            handler = partial(video_insights, app, stream.video_id)
            made.append(Route("GET", path, handler, styles[stream.channel]))
        # Any other id under the version: Graph's "does not exist" (400, code 100/33).
        made.append(Route("GET", f"/{version}{PREFIX}", partial(unknown_object, app), STYLE))
    return made


def unknown_object(app: GraphApp, request: Request) -> Response:
    """An id Graph does not know (or will not show this token): 400, code 100, subcode 33,
    ``GraphMethodException``, as Graph answers; the token is checked first."""
    parts = request.path.strip("/").split("/")
    if len(parts) == 3 and parts[2] == "video_insights":
        # A video that arrived after the routes were made (the rolling world's).
        for stream in app.world.streams(PLATFORM):
            if fb_video_id(stream.video_id) == parts[1]:
                return video_insights(app, stream.video_id, request)
    app.authorize(request)
    raise not_found(request.path.split("/")[2] if request.path.count("/") >= 2 else "")


def not_found(object_id: str) -> GraphError:
    """Graph's answer for an object that does not exist or cannot be read."""
    message = (
        f"Unsupported get request. Object with ID '{object_id}' does not exist, "
        "cannot be loaded due to missing permissions, or does not support this operation. "
        "Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api"
    )
    return GraphError(400, 100, message, kind="GraphMethodException", subcode=33)


def live_videos(app: GraphApp, page: str, request: Request) -> Response:
    """A Page's live videos, newest first, with cursor paging."""
    token = app.authorize(request)
    fields = read_fields(request, _LIVE_VIDEO_FIELDS, "LiveVideo", default="id,status")
    now = app.world.now()
    listed = app.world.channel_streams(PLATFORM, page)
    shown = sorted(
        (s for s in listed if fb_status(s, now) is not None),
        key=lambda s: (s.visible_from, s.video_id),
        reverse=True,
    )
    cut, paging = page_of(shown, request)
    data = [live_video(app.world, s, now, fields) for s in cut if s.privacy != "private"]
    return app.respond({"data": data, **paging}, token, page)


def video_insights(app: GraphApp, live_id: str, request: Request) -> Response:
    """``total_video_views`` (and its unique variant) of one broadcast's video."""
    token = app.authorize(request)
    stream, now = app.world.stream(live_id), app.world.now()
    if stream is None or fb_status(stream, now) in (None, "SCHEDULED_CANCELED"):
        raise not_found(fb_video_id(live_id))
    metrics = request.values("metric") or list(_METRICS)
    if unknown := [m for m in metrics if m not in _METRICS]:
        raise GraphError(
            400, 100, f"(#100) The value must be a valid insights metric: {unknown[0]}"
        )
    views = app.world.reading(stream, now).views
    data = [_insight(live_id, m, views) for m in metrics]
    return app.respond({"data": data}, token, stream.channel)


def _insight(live_id: str, metric: str, views: int) -> dict[str, Any]:
    title, share = _METRICS[metric]
    video = fb_video_id(live_id)
    return {
        "name": metric,
        "period": "lifetime",
        "values": [{"value": int(views * share)}],
        "title": title,
        "description": f"Lifetime: {title}",
        "id": f"{video}/video_insights/{metric}/lifetime",
    }


def fb_status(stream: SimStream, now: datetime) -> str | None:
    """The broadcast's Graph ``status`` at ``now``; ``None`` when it is not listed."""
    if now < stream.visible_from:
        return None
    if stream.deleted_at is not None and stream.deleted_at <= now:
        aired = stream.actual_start is not None and stream.actual_start < stream.deleted_at
        return None if aired else "SCHEDULED_CANCELED"
    state = stream.state_at(now)
    if state is StreamStatus.LIVE:
        return "LIVE"
    if state is StreamStatus.ENDED and stream.actual_end is not None:
        since = now - stream.actual_end
        return (
            "LIVE_STOPPED" if since < _STOPPED else "PROCESSING" if since < _PROCESSING else "VOD"
        )
    if stream.scheduled_start is None:
        return "UNPUBLISHED"
    expired = now >= stream.scheduled_start + EXPIRES_AFTER
    return "SCHEDULED_EXPIRED" if expired else "SCHEDULED_LIVE"


def live_video(world: World, stream: SimStream, now: datetime, fields: Fields) -> dict[str, Any]:
    """A LiveVideo with the asked ``fields``; absent values are left out, not null."""
    started = stream.actual_start is not None and stream.actual_start <= now
    video = fb_video_id(stream.video_id)
    values: dict[str, Callable[[], Any]] = {
        "id": lambda: stream.video_id,
        "status": lambda: fb_status(stream, now),
        "title": lambda: stream.title or None,
        "creation_time": lambda: graph_time(stream.visible_from),
        "live_views": lambda: world.viewers(stream, now) or 0,
        "broadcast_start_time": lambda: graph_time(stream.actual_start) if started else None,
        "planned_start_time": lambda: graph_time(stream.scheduled_start),
        "video": lambda: {"id": video},
        "permalink_url": lambda: f"/{stream.channel}/videos/{video}/",
        "description": lambda: None,
    }
    found = {name: values[name]() for name in fields}
    return {name: value for name, value in found.items() if value is not None}


@lru_cache(maxsize=4096)  # a listing writes the same few hundred times again and again
def graph_time(moment: datetime | None) -> str | None:
    """A time as Graph writes it: ``2021-04-23T14:57:11+0000``."""
    return None if moment is None else moment.strftime("%Y-%m-%dT%H:%M:%S+0000")


def fb_video_id(live_id: str) -> str:
    """The id of a broadcast's video (``LiveVideo.video.id``): another number than its own."""
    digest = hashlib.blake2b(f"video|{live_id}".encode(), digest_size=8).digest()
    return str(10**15 + int.from_bytes(digest, "big") % (9 * 10**15))


def read_fields(request: Request, known: frozenset[str], node: str, *, default: str) -> Fields:
    """The ``fields`` parameter (``a,b,c{d}``); an unknown name is Graph's error 100."""
    fields = parse_fields(request.param("fields") or default)
    for name in fields:
        if name not in known:
            message = f"(#100) Tried accessing nonexisting field ({name}) on node type ({node})"
            raise GraphError(400, 100, message)
    return fields


def parse_fields(text: str) -> Fields:
    """``id,video{id,length}`` → ``{"id": None, "video": {"id": None, "length": None}}``."""
    fields, _ = _parse(text.replace(" ", ""), 0)
    return fields


def _parse(text: str, position: int) -> tuple[Fields, int]:
    fields: Fields = {}
    name = ""
    while position < len(text):
        char, position = text[position], position + 1
        if char == "{":
            fields[name], position = _parse(text, position)
            name = ""
        elif char in ",}":
            if name:
                fields[name] = None
            name = ""
            if char == "}":
                return fields, position
        else:
            name += char
    if name:
        fields[name] = None
    return fields, position


def page_of(items: Sequence[SimStream], request: Request) -> tuple[list[SimStream], dict[str, Any]]:
    """This page of ``items`` (``limit``, ``after``) and its ``paging`` object."""
    limit = _limit(request)
    offset = _offset(request.param("after"))
    cut = list(items[offset : offset + limit])
    if not cut and offset == 0:
        return cut, {}
    paging: dict[str, Any] = {
        "cursors": {"before": _cursor(offset), "after": _cursor(offset + limit)}
    }
    if offset + limit < len(items):
        paging["next"] = _link(request, after=_cursor(offset + limit))
    if offset > 0:
        paging["previous"] = _link(request, before=_cursor(offset))
    return cut, {"paging": paging}


def _limit(request: Request) -> int:
    text = request.param("limit")
    if text is None:
        return DEFAULT_LIMIT
    if not text.isdigit() or not 0 < int(text) <= MAX_LIMIT:
        raise GraphError(400, 100, f"(#100) The parameter limit must be within 1-{MAX_LIMIT}")
    return int(text)


def _cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode().rstrip("=")


def _offset(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        label, _, number = (
            base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode().partition(":")
        )
    except (binascii.Error, UnicodeDecodeError):
        label, number = "", ""
    if label != "offset" or not number.isdigit():
        raise GraphError(400, 100, "(#100) Invalid cursor")
    return int(number)


def _link(request: Request, **cursor: str) -> str:
    """An absolute ``next``/``previous`` URL: the same query, another cursor."""
    query = {k: v[0] for k, v in request.query.items() if k not in ("after", "before") and v}
    host = request.headers.get("host", "graph.facebook.com")
    return f"http://{host}{request.path}?{urlencode({**query, **cursor})}"


def _trace_id() -> str:
    digest = hashlib.blake2b(f"trace|{next(_TRACE)}".encode(), digest_size=9).digest()
    return "A" + base64.urlsafe_b64encode(digest).decode().rstrip("=")
