"""Reading YouTube's answers: the channel feed (Atom) and ``videos.list`` items.

Pure functions over payloads shaped like the real API's (docs/platforms.md §1.1, §1.5):
the feed is parsed with defusedxml (entity expansion refused), the stream's state
comes from ``liveStreamingDetails``, and counts arrive as strings; a count the
platform does not give is ``None``, never 0.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import defusedxml.ElementTree as SafeXml
from defusedxml import DefusedXmlException

from collectors.base import BadPayload
from streamer.models import Snapshot, Stream, StreamStatus, from_iso

PLATFORM = "youtube"
ATOM = {"atom": "http://www.w3.org/2005/Atom", "yt": "http://www.youtube.com/xml/schemas/2015"}


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One entry of a channel's RSS (Atom) feed."""

    video_id: str
    title: str
    published: datetime | None


def parse_feed(content: bytes) -> list[FeedEntry]:
    """A channel feed's entries; entity tricks or malformed XML raise ``BadPayload``."""
    try:
        root = SafeXml.fromstring(content)
        entries = [_feed_entry(e) for e in root.iterfind("atom:entry", ATOM)]
    except (DefusedXmlException, SafeXml.ParseError, ValueError) as exc:
        raise BadPayload(PLATFORM, f"RSS feed rejected ({type(exc).__name__})") from None
    if root.tag != f"{{{ATOM['atom']}}}feed":
        raise BadPayload(PLATFORM, "RSS feed is not an Atom <feed>")
    return entries


def _feed_entry(entry: Any) -> FeedEntry:
    video_id = entry.findtext("yt:videoId", "", ATOM)
    if not video_id:
        raise ValueError("entry without yt:videoId")
    published = entry.findtext("atom:published", "", ATOM)
    moment = from_iso(published) if published else None
    return FeedEntry(video_id, entry.findtext("atom:title", "", ATOM), moment)


def stream_state(live: Mapping[str, Any]) -> StreamStatus | None:
    """The state ``liveStreamingDetails`` shows, from which of its times are present."""
    if "actualEndTime" in live:
        return StreamStatus.ENDED
    if "actualStartTime" in live:
        return StreamStatus.LIVE
    if "scheduledStartTime" in live:
        return StreamStatus.UPCOMING
    return None


def read_video(stream: Stream, item: Mapping[str, Any], now: datetime) -> tuple[Stream, Snapshot]:
    """One ``videos.list`` item as ``stream`` with refreshed facts, and a snapshot at ``now``.

    Counters arrive as strings; an absent one (hidden likes, viewers once ended) is
    ``None``, never 0. An item not shaped as documented raises ``BadPayload``.
    """
    try:
        return _read_video(stream, item, now)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        message = f"videos.list item {stream.external_id}: {type(exc).__name__}"
        raise BadPayload(PLATFORM, message) from None


def _read_video(stream: Stream, item: Mapping[str, Any], now: datetime) -> tuple[Stream, Snapshot]:
    live, stats = item.get("liveStreamingDetails") or {}, item.get("statistics") or {}
    status = stream_state(live) or stream.status
    updated = replace(
        stream,
        title=str(item.get("snippet", {}).get("title", stream.title)),
        status=status,
        scheduled_start=_time(live, "scheduledStartTime") or stream.scheduled_start,
        actual_start=_time(live, "actualStartTime") or stream.actual_start,
        actual_end=_time(live, "actualEndTime") or stream.actual_end,
    )
    viewers = _count(live, "concurrentViewers") if status is StreamStatus.LIVE else None
    counts = [_count(stats, name) for name in ("viewCount", "likeCount", "commentCount")]
    return updated, Snapshot(stream.key, now, status, viewers, *counts)


def _count(source: Mapping[str, Any], name: str) -> int | None:
    """A uint64 counter, sent as a string of digits; anything else is a ValueError.

    Stricter than ``int()``, which would take ``-5``, ``" 7"``, ``"1_000"`` or a float.
    """
    value = source.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise TypeError(f"{name} is not a count")
    text = str(value)
    if not (text.isascii() and text.isdigit() and len(text) <= 20):
        raise ValueError(f"{name} is not a count")
    return int(text)


def _time(source: Mapping[str, Any], name: str) -> datetime | None:
    return None if source.get(name) is None else from_iso(source[name])
