"""Facebook Page live videos through the Graph API (docs/platforms.md §3).

One edge serves both discovery and polling: ``/{page-id}/live_videos`` lists a Page's
broadcasts, newest first, 25 a page. Discovery walks it down to a known id or the
``lookback`` horizon. A poll walks it per Page only until every asked id is found,
which for the recent streams a collector polls is the first page: **one request per
Page per poll**, however many of its streams are due. That is as cheap as a batched
``?ids=a,b`` lookup for one Page and needs no second code path for deleted videos,
which are simply absent from the listing (reported ``missing``).

Views come from ``/{video-id}/video_insights?metric=total_video_views``, asked for
ended broadcasts only (+1 request per ended video, on the engine's final polls), when
the token may read insights. A refusal there never fails the poll: views stay
``None`` and insights are not asked again for ``insights_retry``. While live, views
are ``None`` (not asked, to keep a live poll at one request per Page); ``live_views``
is the concurrent count then.

Statuses: ``LIVE`` → live; ``SCHEDULED_UNPUBLISHED``, ``SCHEDULED_LIVE``,
``UNPUBLISHED`` → upcoming; ``LIVE_STOPPED``, ``PROCESSING``, ``VOD`` → ended;
``SCHEDULED_EXPIRED`` and ``SCHEDULED_CANCELED`` → **missing**: the broadcast will
not happen, as for a deleted YouTube broadcast, so polling stops and the plan's
finaliser marks the broadcast missed. Graph gives no end time: ``actual_end`` is the
first poll that saw the broadcast ended (within a minute of the real end for a
broadcast watched live; the discovery time for one first seen after its end).
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import httpx

from collectors.base import (
    AuthFailed,
    BadPayload,
    Discovery,
    PlatformError,
    PollResult,
    Usage,
    by_channel,
    charged,
    each_channel,
)
from collectors.graph import GraphClient, count, graph_time
from streamer.clock import Clock
from streamer.models import Channel, Snapshot, Stream, StreamStatus
from streamer.retry import DEFAULT, Policy

log = logging.getLogger(__name__)

PLATFORM = "facebook"
PAGE_SIZE = 25  # Graph's default page of an edge
FIELDS = (
    "id,status,title,creation_time,live_views,broadcast_start_time,planned_start_time,video{id}"
)
VIEWS_METRIC = "total_video_views"
STATES = {
    "LIVE": StreamStatus.LIVE,
    "SCHEDULED_UNPUBLISHED": StreamStatus.UPCOMING,
    "SCHEDULED_LIVE": StreamStatus.UPCOMING,
    "UNPUBLISHED": StreamStatus.UPCOMING,
    "LIVE_STOPPED": StreamStatus.ENDED,
    "PROCESSING": StreamStatus.ENDED,
    "VOD": StreamStatus.ENDED,
    "SCHEDULED_EXPIRED": StreamStatus.MISSING,
    "SCHEDULED_CANCELED": StreamStatus.MISSING,
}
"""Graph ``status`` → the stream's state (see the module docstring for why missing)."""

_STARTED = (StreamStatus.LIVE, StreamStatus.ENDED)


def read_facts(stream: Stream, item: Mapping[str, Any], now: datetime) -> Stream:
    """``stream`` with the facts of one ``live_videos`` item; a malformed item is BadPayload."""
    try:
        return _read_facts(stream, item, now)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        message = f"live_videos item {stream.external_id}: {type(exc).__name__}"
        raise BadPayload(PLATFORM, message) from None


def _read_facts(stream: Stream, item: Mapping[str, Any], now: datetime) -> Stream:
    status = STATES.get(item["status"])
    if status is None:  # a status newer than this code: keep what we knew
        log.warning("facebook: unknown status %.32r on %s", item["status"], stream.external_id)
        status = stream.status
    started = graph_time(item.get("broadcast_start_time")) if status in _STARTED else None
    end = stream.actual_end or now if status is StreamStatus.ENDED else None
    title = item.get("title")  # left out when empty
    return replace(
        stream,
        title=str(title) if title else stream.title,
        status=status,
        scheduled_start=graph_time(item.get("planned_start_time")) or stream.scheduled_start,
        actual_start=started or stream.actual_start,
        actual_end=end,
    )


def snapshot_of(
    stream: Stream, item: Mapping[str, Any], now: datetime, views: int | None
) -> Snapshot:
    """A snapshot of refreshed ``stream``: ``live_views`` only while live (0 on a VOD)."""
    try:
        live = count(item.get("live_views")) if stream.status is StreamStatus.LIVE else None
        views = views if views is not None else count(item.get("total_views"))
    except (TypeError, ValueError) as exc:
        message = f"live_videos item {stream.external_id}: {type(exc).__name__}"
        raise BadPayload(PLATFORM, message) from None
    return Snapshot(stream.key, now, stream.status, live, views)


def insight_value(body: Mapping[str, Any], metric: str) -> int | None:
    """The latest value of ``metric`` in a ``video_insights`` answer; an empty set is None."""
    for entry in body.get("data") or []:
        if entry.get("name") == metric and (values := entry.get("values")):
            return count(values[-1].get("value"))
    return None


class FacebookAdapter:
    """The ``Platform`` for Facebook Pages. Not thread-safe: one collector thread drives it."""

    name = PLATFORM
    max_batch = PAGE_SIZE

    def __init__(
        self,
        http: httpx.Client,
        access_token: tuple[str, str],
        *,
        api_endpoint: str = "https://graph.facebook.com",
        graph_version: str = "v19.0",
        clock: Clock | None = None,
        policy: Policy = DEFAULT,
        lookback: timedelta = timedelta(days=30),
        insights_retry: timedelta = timedelta(hours=6),
    ) -> None:
        """``access_token``: (environment variable name, Page token); ``http`` is the caller's."""
        self._graph = GraphClient(
            PLATFORM,
            http,
            access_token,
            api_endpoint=api_endpoint,
            graph_version=graph_version,
            clock=clock,
            policy=policy,
        )
        self._lookback, self._insights_retry = lookback, insights_retry
        self._insights_refused_until: datetime | None = None

    @property
    def cooldown_until(self) -> datetime | None:
        """Until when every call is refused locally to slow down (``None``: not cooling down)."""
        return self._graph.cooldown_until

    def cooldown_of(self, channel_id: str) -> datetime | None:
        """Until when calls about one channel are refused locally: the token's cooldown
        or the channel's own (Graph's per-object Business Use Case limit)."""
        return self._graph.cooldown_of(channel_id)

    def discover(
        self, channels: Sequence[Channel], now: datetime, known: Collection[str] = ()
    ) -> Discovery:
        """Broadcasts on the Pages in ``channels`` not among ``known`` (cancelled ones left out)."""
        found, skip = Discovery(), set(known)

        def read(channel: Channel) -> None:
            streams = []  # all of a Page's or none: a failed walk adds nothing
            for item in self._recent(channel.id, skip, now, found.usage):
                stream = Stream(PLATFORM, item["id"], channel.id, discovered_at=now)
                stream = read_facts(stream, item, now)
                if stream.status is not StreamStatus.MISSING:
                    streams.append(stream)
            found.streams.extend(streams)

        with charged(found.usage):  # a Page Graph refuses is its own gap, not every Page's
            each_channel(found, (c for c in channels if c.platform == PLATFORM), read)
        return found

    def cooldowns(self) -> dict[str, Any]:
        """The token's and the Pages' cooldowns still running (``collectors.base.Cools``)."""
        return self._graph.cooldowns()

    def restore_cooldowns(self, stored: Any) -> None:
        """Take back stored ``cooldowns()``."""
        self._graph.restore_cooldowns(stored)

    def poll(self, streams: Sequence[Stream], now: datetime) -> PollResult:
        """A snapshot per stream; absent, cancelled and expired ones come back ``missing``.

        A Page Graph throttles on its own (its Business Use Case limit) is a failure of
        its streams only (``PollResult.failures``); the batch's other Pages are read.
        """
        result = PollResult()

        def read(page: str, wanted: list[Stream], into: PollResult) -> None:
            items = self._find(page, {s.external_id for s in wanted}, into.usage, now)
            for stream in wanted:
                self._read_into(into, stream, items.get(stream.external_id), now)

        with charged(result.usage):
            by_channel(result, streams, read)
        return result

    def _read_into(
        self, result: PollResult, stream: Stream, item: dict[str, Any] | None, now: datetime
    ) -> None:
        updated = replace(stream, status=StreamStatus.MISSING)
        if item is not None:
            updated = read_facts(stream, item, now)
        result.updates.append(updated)
        if updated.status is StreamStatus.MISSING:
            result.missing.add(stream.external_id)
            return
        ended = updated.status is StreamStatus.ENDED
        views = self._views(item or {}, now, result.usage) if ended else None
        result.snapshots.append(snapshot_of(updated, item or {}, now, views))

    def _recent(
        self, page: str, skip: set[str], now: datetime, usage: Usage
    ) -> list[dict[str, Any]]:
        """Items of ``page`` newer than a known id and the lookback horizon, newest first."""
        fresh: list[dict[str, Any]] = []
        since = now - self._lookback
        listing = self._graph.pages(f"{page}/live_videos", {"fields": FIELDS}, usage, at=now)
        for items in listing:
            for item in items:
                if item["id"] in skip or _created_before(item, since):
                    return fresh
                fresh.append(item)
        return fresh

    def _find(
        self, page: str, wanted: set[str], usage: Usage, now: datetime
    ) -> dict[str, dict[str, Any]]:
        """The items of ``wanted`` ids, reading pages only until all are found."""
        found: dict[str, dict[str, Any]] = {}
        listing = self._graph.pages(f"{page}/live_videos", {"fields": FIELDS}, usage, at=now)
        for items in listing:
            found |= {item["id"]: item for item in items if item["id"] in wanted}
            if len(found) == len(wanted):
                break
        return found

    def _views(self, item: Mapping[str, Any], now: datetime, usage: Usage) -> int | None:
        """Total views of an ended broadcast's video, or ``None`` when they cannot be read."""
        video = item.get("video")
        video_id = video.get("id") if isinstance(video, dict) else None
        refused = self._insights_refused_until
        if not isinstance(video_id, str) or (refused is not None and now < refused):
            return None
        try:
            body = self._graph.get(f"{video_id}/video_insights", {"metric": VIEWS_METRIC}, usage)
            return insight_value(body, VIEWS_METRIC)
        except AuthFailed:
            raise  # the token itself is bad: every call will fail
        except PlatformError as exc:
            if exc.reason == "permission":
                self._insights_refused_until = now + self._insights_retry
            log.warning("facebook: views of video %s unavailable (%s)", video_id, exc.reason)
        except (TypeError, ValueError, AttributeError, IndexError) as exc:
            log.warning("facebook: insights of %s malformed (%s)", video_id, type(exc).__name__)
        return None


def _created_before(item: Mapping[str, Any], since: datetime) -> bool:
    try:
        created = graph_time(item.get("creation_time"))
    except (TypeError, ValueError):
        return False
    return created is not None and created < since
