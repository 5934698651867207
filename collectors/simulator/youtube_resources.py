"""YouTube resources (video, playlistItem, searchResult) rendered from a stream.

Field names and types follow the bundled discovery document (docs/platforms.md §1.1):
counters are strings, times RFC 3339 with ``Z``, and a field the platform would
not send is absent rather than null or zero.
"""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any

from collectors.simulator.scenario import SimStream
from collectors.simulator.world import World
from collectors.simulator.youtube_common import etag_of
from streamer.models import StreamStatus, to_iso

VIDEO_PARTS = frozenset(
    {
        "id",
        "snippet",
        "contentDetails",
        "fileDetails",
        "liveStreamingDetails",
        "localizations",
        "paidProductPlacementDetails",
        "player",
        "processingDetails",
        "recordingDetails",
        "statistics",
        "status",
        "suggestions",
        "topicDetails",
    }
)
"""Every part the real API accepts; the ones not modelled are simply left out."""

_CATEGORY_NEWS_AND_POLITICS = "25"
_CONTENT = {
    StreamStatus.UPCOMING: "upcoming",
    StreamStatus.LIVE: "live",
    StreamStatus.ENDED: "none",
}


def video_resource(
    world: World, stream: SimStream, now: datetime, parts: frozenset[str]
) -> dict[str, Any]:
    """A ``youtube#video`` with the requested parts, as seen at ``now``."""
    builders = {
        "snippet": _snippet,
        "liveStreamingDetails": _live_details,
        "statistics": _statistics,
        "status": _status,
        "contentDetails": _content_details,
    }
    body = {name: build(world, stream, now) for name, build in builders.items() if name in parts}
    return {"kind": "youtube#video", "etag": etag_of(body), "id": stream.video_id, **body}


def broadcast_content(world: World, stream: SimStream, now: datetime) -> str:
    """``snippet.liveBroadcastContent``: lags ``content_lag`` behind, back to ``none`` after."""
    return _CONTENT[stream.state_at(now - world.content_lag)]


def thumbnails(video_id: str) -> dict[str, dict[str, Any]]:
    """The usual default/medium/high thumbnail set."""
    sizes = {
        "default": ("default", 120, 90),
        "medium": ("mqdefault", 320, 180),
        "high": ("hqdefault", 480, 360),
    }
    return {
        name: {"url": f"https://i.ytimg.com/vi/{video_id}/{file}.jpg", "width": w, "height": h}
        for name, (file, w, h) in sizes.items()
    }


def live_chat_id(video_id: str) -> str:
    """A chat id shaped like YouTube's (base64 of a small protobuf holding the video id)."""
    raw = b"\n\r\n\x0b" + video_id.encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def published_at(stream: SimStream) -> str:
    """``snippet.publishedAt``."""
    return to_iso(stream.visible_from)


def _snippet(world: World, stream: SimStream, now: datetime) -> dict[str, Any]:
    return {
        "publishedAt": published_at(stream),
        "channelId": stream.channel,
        "title": stream.title,
        "description": "",
        "thumbnails": thumbnails(stream.video_id),
        "channelTitle": world.channel_title(stream.channel),
        "categoryId": _CATEGORY_NEWS_AND_POLITICS,
        "liveBroadcastContent": broadcast_content(world, stream, now),
        "localized": {"title": stream.title, "description": ""},
    }


def _live_details(world: World, stream: SimStream, now: datetime) -> dict[str, Any]:
    details: dict[str, Any] = {}
    if stream.actual_start is not None and stream.actual_start <= now:
        details["actualStartTime"] = to_iso(stream.actual_start)
    if stream.actual_end is not None and stream.actual_end <= now:
        details["actualEndTime"] = to_iso(stream.actual_end)
    if stream.scheduled_start is not None:
        details["scheduledStartTime"] = to_iso(stream.scheduled_start)
    if stream.state_at(now) is StreamStatus.LIVE:
        viewers = world.reading(stream, now).viewers
        # Only while live with viewers, and never when the owner hides the count.
        if viewers and not stream.viewers_hidden:
            details["concurrentViewers"] = str(viewers)
        details["activeLiveChatId"] = live_chat_id(stream.video_id)
    return details


def _statistics(world: World, stream: SimStream, now: datetime) -> dict[str, str]:
    reading = world.reading(stream, now)
    stats = {"viewCount": str(reading.views)}
    if not stream.likes_hidden:
        stats["likeCount"] = str(reading.likes)
    stats |= {"favoriteCount": "0", "commentCount": str(reading.comments)}
    return stats


def _status(world: World, stream: SimStream, now: datetime) -> dict[str, Any]:
    ended = stream.state_at(now) is StreamStatus.ENDED
    return {
        "uploadStatus": "processed" if ended else "uploaded",
        "privacyStatus": stream.privacy,
        "license": "youtube",
        "embeddable": True,
        "publicStatsViewable": True,
        "madeForKids": False,
    }


def _content_details(world: World, stream: SimStream, now: datetime) -> dict[str, Any]:
    duration = "P0D"  # what YouTube reports for an upcoming or live video
    if stream.state_at(now) is StreamStatus.ENDED and stream.actual_start and stream.actual_end:
        duration = iso_duration(int((stream.actual_end - stream.actual_start).total_seconds()))
    return {"duration": duration, "dimension": "2d", "definition": "hd", "caption": "false"}


def iso_duration(seconds: int) -> str:
    """ISO 8601 duration as YouTube writes it: ``PT1H2M3S``."""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    text = "PT" + (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")
    return text + (f"{secs}S" if secs or text == "PT" else "")


def playlist_item(
    world: World, stream: SimStream, playlist_id: str, position: int
) -> dict[str, Any]:
    """A ``youtube#playlistItem`` for an uploads playlist."""
    snippet = {
        "publishedAt": published_at(stream),
        "channelId": stream.channel,
        "title": stream.title,
        "description": "",
        "thumbnails": thumbnails(stream.video_id),
        "channelTitle": world.channel_title(stream.channel),
        "playlistId": playlist_id,
        "position": position,
        "resourceId": {"kind": "youtube#video", "videoId": stream.video_id},
        "videoOwnerChannelTitle": world.channel_title(stream.channel),
        "videoOwnerChannelId": stream.channel,
    }
    details = {"videoId": stream.video_id, "videoPublishedAt": published_at(stream)}
    item_id = base64.urlsafe_b64encode(f"{playlist_id}.{stream.video_id}".encode()).decode()
    body = {"snippet": snippet, "contentDetails": details}
    return {
        "kind": "youtube#playlistItem",
        "etag": etag_of(body),
        "id": item_id.rstrip("="),
        **body,
    }


def search_result(world: World, stream: SimStream, now: datetime) -> dict[str, Any]:
    """A ``youtube#searchResult`` for a video."""
    snippet = {
        "publishedAt": published_at(stream),
        "channelId": stream.channel,
        "title": stream.title,
        "description": "",
        "thumbnails": thumbnails(stream.video_id),
        "channelTitle": world.channel_title(stream.channel),
        "liveBroadcastContent": broadcast_content(world, stream, now),
        "publishTime": published_at(stream),
    }
    body = {"id": {"kind": "youtube#video", "videoId": stream.video_id}, "snippet": snippet}
    return {"kind": "youtube#searchResult", "etag": etag_of(body), **body}
