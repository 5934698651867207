"""YouTube liveBroadcasts.list and .insert: OAuth only, the caller's own channel.

A Bearer token stands for the simulator's owner channel (``oauth_channel``, else
the scenario's first channel); any token is accepted and none is stored. An
inserted broadcast becomes an upcoming ``SimStream`` on that channel, which
``Simulator.go_live`` can later play.
"""

from __future__ import annotations

import json
import threading
from datetime import datetime
from typing import Any

from collectors.simulator.google_errors import ApiError
from collectors.simulator.routing import Request, Response, Route
from collectors.simulator.scenario import PRIVACY, SimStream
from collectors.simulator.world import World
from collectors.simulator.youtube_common import (
    API,
    STYLE,
    etag_of,
    listing,
    page_of,
    read_parts,
    render,
    require_oauth,
)
from collectors.simulator.youtube_resources import live_chat_id, thumbnails
from streamer.models import StreamStatus, from_iso, to_iso

LIST_COST = 1
INSERT_COST = 50
MAX_TITLE = 100
_PARTS = frozenset(
    {"id", "snippet", "contentDetails", "status", "statistics", "monetizationDetails"}
)
_INSERT_PARTS = frozenset({"id", "snippet", "contentDetails", "status"})
_BROADCAST_STATUS = {
    "active": {StreamStatus.LIVE},
    "upcoming": {StreamStatus.UPCOMING},
    "completed": {StreamStatus.ENDED},
    "all": set(StreamStatus),
}
_RECORDING = {
    StreamStatus.UPCOMING: "notRecording",
    StreamStatus.LIVE: "recording",
    StreamStatus.ENDED: "recorded",
}
_DOMAIN = "youtube.liveBroadcast"
_DEFAULT_DETAILS: dict[str, Any] = {
    "monitorStream": {"enableMonitorStream": True, "broadcastStreamDelayMs": 0},
    "enableEmbed": True,
    "enableDvr": True,
    "recordFromStart": True,
    "enableClosedCaptions": False,
    "closedCaptionsType": "closedCaptionsDisabled",
    "enableLowLatency": False,
    "latencyPreference": "normal",
    "projection": "rectangular",
    "enableAutoStart": False,
    "enableAutoStop": False,
}


def routes(world: World) -> list[Route]:
    """liveBroadcasts list (GET) and insert (POST), bound to ``world``."""
    broadcasts = LiveBroadcasts(world)
    path = f"{API}/liveBroadcasts"
    return [
        Route("GET", path, broadcasts.list_broadcasts, STYLE),
        Route("POST", path, broadcasts.insert_broadcast, STYLE),
    ]


class LiveBroadcasts:
    """The owner's broadcasts, plus the settings of those inserted through the API."""

    def __init__(self, world: World) -> None:
        self._world = world
        self._details: dict[str, dict[str, Any]] = {}  # contentDetails given at insert
        self._lock = threading.Lock()

    def list_broadcasts(self, request: Request) -> Response:
        """``liveBroadcasts.list`` by ``id``, ``mine`` and/or ``broadcastStatus``."""
        require_oauth(self._world, request, LIST_COST)
        parts = read_parts(request, _PARTS)
        ids = request.values("id")
        status = request.param("broadcastStatus")
        if not ids and request.param("mine") != "true" and not status:
            message = "No filter selected. Expected one of: mine, broadcastStatus, id"
            raise ApiError(400, "missingRequiredParameter", message, domain="youtube.parameter")
        now = self._world.now()
        states = _BROADCAST_STATUS.get(status or "all", set(StreamStatus))
        found = [
            s
            for s in self._owned(now)
            if (not ids or s.video_id in ids) and s.state_at(now) in states
        ]
        page, meta = page_of(found, request)
        items = [self._resource(stream, now, parts) for stream in page]
        return listing("youtube#liveBroadcastListResponse", items, request, meta)

    def insert_broadcast(self, request: Request) -> Response:
        """``liveBroadcasts.insert``: validates title, start time and privacy (50 units)."""
        require_oauth(self._world, request, INSERT_COST)
        parts = read_parts(request, _INSERT_PARTS)
        body = _json_body(request)
        now = self._world.now()
        stream = SimStream(
            channel=self._world.owner_channel,
            video_id=self._world.new_video_id(),
            title=_title(body),
            scheduled_start=_scheduled_start(body, now),
            published_at=now,
            privacy=_privacy(body),
        )
        details = body.get("contentDetails")
        with self._lock:
            self._details[stream.video_id] = _DEFAULT_DETAILS | (
                details if isinstance(details, dict) else {}
            )
        self._world.put(stream)
        return render(self._resource(stream, now, parts), request)

    def _owned(self, now: datetime) -> list[SimStream]:
        owner = self._world.owner_channel
        mine = [s for s in self._world.channel_streams("youtube", owner) if s.exists_at(now)]
        return sorted(
            mine, key=lambda s: (s.scheduled_start or s.visible_from, s.video_id), reverse=True
        )

    def _resource(self, stream: SimStream, now: datetime, parts: frozenset[str]) -> dict[str, Any]:
        body: dict[str, Any] = {}
        if "snippet" in parts:
            body["snippet"] = _snippet(self._world, stream, now)
        if "status" in parts:
            body["status"] = self._status(stream, now)
        if "contentDetails" in parts:
            with self._lock:
                body["contentDetails"] = self._details.get(stream.video_id, _DEFAULT_DETAILS)
        if "statistics" in parts:
            body["statistics"] = _statistics(self._world, stream, now)
        return {
            "kind": "youtube#liveBroadcast",
            "etag": etag_of(body),
            "id": stream.video_id,
            **body,
        }

    def _status(self, stream: SimStream, now: datetime) -> dict[str, Any]:
        state = stream.state_at(now)
        with self._lock:
            inserted = stream.video_id in self._details
        # An API-created broadcast has no bound stream yet: "created", not "ready".
        upcoming = "created" if inserted else "ready"
        cycle = {
            StreamStatus.UPCOMING: upcoming,
            StreamStatus.LIVE: "live",
            StreamStatus.ENDED: "complete",
        }
        return {
            "lifeCycleStatus": cycle[state],
            "privacyStatus": stream.privacy,
            "recordingStatus": _RECORDING[state],
            "madeForKids": False,
            "selfDeclaredMadeForKids": False,
        }


def _snippet(world: World, stream: SimStream, now: datetime) -> dict[str, Any]:
    snippet: dict[str, Any] = {
        "publishedAt": to_iso(stream.visible_from),
        "channelId": stream.channel,
        "title": stream.title,
        "description": "",
        "thumbnails": thumbnails(stream.video_id),
    }
    if stream.scheduled_start is not None:
        snippet["scheduledStartTime"] = to_iso(stream.scheduled_start)
    if stream.actual_start is not None and stream.actual_start <= now:
        snippet["actualStartTime"] = to_iso(stream.actual_start)
    if stream.actual_end is not None and stream.actual_end <= now:
        snippet["actualEndTime"] = to_iso(stream.actual_end)
    return snippet | {"isDefaultBroadcast": False, "liveChatId": live_chat_id(stream.video_id)}


def _statistics(world: World, stream: SimStream, now: datetime) -> dict[str, str]:
    viewers = world.reading(stream, now).viewers
    if viewers and not stream.viewers_hidden:
        return {"concurrentViewers": str(viewers)}
    return {}


def _json_body(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise ApiError(400, "parseError", "Parse Error")
    return body


def _section(body: dict[str, Any], name: str) -> dict[str, Any]:
    section = body.get(name)
    return section if isinstance(section, dict) else {}


def _title(body: dict[str, Any]) -> str:
    title = _section(body, "snippet").get("title")
    if not isinstance(title, str) or not title.strip():
        raise ApiError(
            400, "titleRequired", "The liveBroadcast resource must specify a title.", domain=_DOMAIN
        )
    if len(title) > MAX_TITLE:
        raise ApiError(400, "invalidTitle", "The liveBroadcast title is too long.", domain=_DOMAIN)
    return title


def _scheduled_start(body: dict[str, Any], now: datetime) -> datetime:
    text = _section(body, "snippet").get("scheduledStartTime")
    if text is None:
        message = "The liveBroadcast resource must specify a scheduled start time."
        raise ApiError(400, "scheduledStartTimeRequired", message, domain=_DOMAIN)
    try:
        start = from_iso(str(text))
    except ValueError:
        start = None
    if start is None or start < now:
        message = "The scheduled start time must be a valid RFC 3339 time in the future."
        raise ApiError(400, "invalidScheduledStartTime", message, domain=_DOMAIN)
    return start


def _privacy(body: dict[str, Any]) -> str:
    privacy = _section(body, "status").get("privacyStatus")
    if privacy is None:
        message = "The liveBroadcast resource must specify a privacy status."
        raise ApiError(400, "privacyStatusRequired", message, domain=_DOMAIN)
    if privacy not in PRIVACY:
        raise ApiError(
            400, "invalidPrivacyStatus", "The privacy status is invalid.", domain=_DOMAIN
        )
    return str(privacy)
