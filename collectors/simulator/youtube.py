"""YouTube Data API v3 read routes: videos, channels, playlistItems, search.

The cheap polling path (docs/platforms.md §1.2) is ``channels.list`` once for the
uploads playlist, then ``playlistItems.list`` and batched ``videos.list`` at one
unit each; ``search.list`` exists at 100 units for completeness.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from functools import partial
from typing import Any

from collectors.simulator.google_errors import ApiError, bad_parameter, not_found
from collectors.simulator.routing import Request, Response, Route
from collectors.simulator.scenario import SimStream
from collectors.simulator.world import World
from collectors.simulator.youtube_common import (
    API,
    STYLE,
    authorize,
    listing,
    page_of,
    read_parts,
    render,
)
from collectors.simulator.youtube_resources import (
    VIDEO_PARTS,
    playlist_item,
    search_result,
    video_resource,
)
from streamer.models import StreamStatus

MAX_IDS = 50
SEARCH_COST = 100
_CHANNEL_PARTS = frozenset(
    {
        "id",
        "snippet",
        "contentDetails",
        "statistics",
        "status",
        "brandingSettings",
        "topicDetails",
        "localizations",
        "contentOwnerDetails",
        "auditDetails",
    }
)
_PLAYLIST_ITEM_PARTS = frozenset({"id", "snippet", "contentDetails", "status"})
_EVENT_STATES = {
    "upcoming": StreamStatus.UPCOMING,
    "live": StreamStatus.LIVE,
    "completed": StreamStatus.ENDED,
}


def routes(world: World) -> list[Route]:
    """The read routes, bound to ``world``."""
    handlers = {
        "videos": list_videos,
        "channels": list_channels,
        "playlistItems": list_playlist_items,
        "search": search,
    }
    return [
        Route("GET", f"{API}/{name}", partial(handler, world), STYLE)
        for name, handler in handlers.items()
    ]


def list_videos(world: World, request: Request) -> Response:
    """``videos.list`` by ``id``: deleted, private and unknown ids are simply absent."""
    authorize(world, request, cost=1)
    parts = read_parts(request, VIDEO_PARTS)
    if "id" not in request.query:
        if request.param("chart") or request.param("myRating"):
            return listing("youtube#videoListResponse", [], request, _info(0))
        raise ApiError(
            400,
            "missingRequiredParameter",
            "No filter selected. Expected one of: myRating, chart, id",
            domain="youtube.parameter",
        )
    ids = list(dict.fromkeys(request.values("id")))
    if len(ids) > MAX_IDS:
        message = f"The request specifies {len(ids)} ids; at most {MAX_IDS} are allowed."
        raise bad_parameter("invalidParameter", message, "id")
    world.stats.record_video_ids(len(ids))
    now = world.now()
    found = (world.stream(video_id) for video_id in ids)
    items = [video_resource(world, s, now, parts) for s in found if s and s.readable_at(now)]
    return listing("youtube#videoListResponse", items, request, _info(len(items)))


def list_channels(world: World, request: Request) -> Response:
    """``channels.list`` by ``id``: ``relatedPlaylists.uploads`` is ``UU`` + id[2:]."""
    authorize(world, request, cost=1)
    parts = read_parts(request, _CHANNEL_PARTS)
    ids = [c for c in dict.fromkeys(request.values("id")) if world.has_channel(c)]
    items = [_channel(world, channel, parts) for channel in ids]
    if not items:
        # YouTube leaves "items" out entirely when no channel matched.
        return render({"kind": "youtube#channelListResponse", "etag": "", **_info(0, 5)}, request)
    return listing("youtube#channelListResponse", items, request, _info(len(items), 5))


def list_playlist_items(world: World, request: Request) -> Response:
    """``playlistItems.list`` of an uploads playlist: visible uploads, newest first."""
    authorize(world, request, cost=1)
    read_parts(request, _PLAYLIST_ITEM_PARTS)
    playlist_id = request.param("playlistId")
    if not playlist_id:
        raise ApiError(
            400, "playlistIdRequired", "No filter selected.", domain="youtube.playlistItem"
        )
    channel = "UC" + playlist_id[2:]
    if not (playlist_id.startswith("UU") and world.has_channel(channel)):
        raise not_found(
            "playlistNotFound",
            "The playlist identified with the request's playlistId parameter cannot be found.",
            domain="youtube.playlistItem",
        )
    now = world.now()
    uploads = _newest_first(
        s for s in world.channel_streams("youtube", channel) if s.listed_at(now)
    )
    page, meta = page_of(uploads, request)
    position = {s.video_id: index for index, s in enumerate(uploads)}
    items = [playlist_item(world, s, playlist_id, position[s.video_id]) for s in page]
    return listing("youtube#playlistItemListResponse", items, request, meta)


def search(world: World, request: Request) -> Response:
    """``search.list`` for a channel's videos, by ``eventType`` (100 units)."""
    authorize(world, request, cost=SEARCH_COST)
    read_parts(request, frozenset({"snippet", "id"}))
    event = request.param("eventType")
    types = request.values("type")
    if event and types != ["video"]:
        raise ApiError(
            400,
            "invalidSearchFilter",
            "The request contains an invalid combination of search filters and/or "
            "restrictions. Note that you must set the type parameter to video if you "
            "set a value for the eventType parameter.",
            domain="youtube.search",
        )
    now = world.now()
    found = _newest_first(s for s in world.streams() if _searchable(s, request, event, now))
    if types and "video" not in types:
        found = []
    page, meta = page_of(found, request)
    items = [search_result(world, s, now) for s in page]
    return listing("youtube#searchListResponse", items, request, {"regionCode": "KZ", **meta})


def _searchable(stream: SimStream, request: Request, event: str | None, now: datetime) -> bool:
    channel = request.param("channelId")
    if not stream.listed_at(now) or (channel and stream.channel != channel):
        return False
    return event in (None, "none") or _EVENT_STATES.get(event) is stream.state_at(now)


def _channel(world: World, channel: str, parts: frozenset[str]) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if "snippet" in parts:
        title = world.channel_title(channel)
        body["snippet"] = {
            "title": title,
            "description": "",
            "localized": {"title": title, "description": ""},
        }
    if "contentDetails" in parts:
        body["contentDetails"] = {"relatedPlaylists": {"likes": "", "uploads": "UU" + channel[2:]}}
    return {"kind": "youtube#channel", "id": channel, **body}


def _newest_first(streams: Iterable[SimStream]) -> list[SimStream]:
    return sorted(streams, key=lambda s: (s.visible_from, s.video_id), reverse=True)


def _info(total: int, per_page: int | None = None) -> dict[str, dict[str, int]]:
    shown = total if per_page is None else per_page
    return {"pageInfo": {"totalResults": total, "resultsPerPage": shown}}
