"""Instagram live broadcasts through the Graph API (docs/platforms.md §4).

``/{ig-user-id}/live_media`` returns only the media being broadcast at the moment of
the request, so the whole lifecycle is presence: a broadcast listed is live; a known
live broadcast no longer listed has ended, and its ``actual_end`` is the first poll
that missed it (within a poll interval of the real end). There is nothing upcoming.

What Instagram does not give: concurrent viewers and views (no documented metric).
Snapshots hold ``None`` for both, never 0 and never an estimate; comments are
``comments_count`` while live. Requests: one per Instagram account with a live
stream due, for any number of its streams; streams already seen ended cost none
(nothing more can be learned about them). Errors are Graph's, handled in
``collectors.graph`` as for Facebook.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

import httpx

from collectors.base import (
    BadPayload,
    Discovery,
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

PLATFORM = "instagram"
FIELDS = "id,media_type,media_product_type,owner,username,comments_count,timestamp"
MAX_BATCH = 25  # streams per poll call: one request per account, whatever the count


def read_live(stream: Stream, item: Mapping[str, Any], now: datetime) -> tuple[Stream, Snapshot]:
    """A listed (so live) media as refreshed ``stream`` and its snapshot at ``now``."""
    try:
        started = graph_time(item.get("timestamp"))
        comments = count(item.get("comments_count"))
    except (TypeError, ValueError) as exc:
        message = f"live_media item {stream.external_id}: {type(exc).__name__}"
        raise BadPayload(PLATFORM, message) from None
    live = replace(
        stream,
        status=StreamStatus.LIVE,
        actual_start=stream.actual_start or started,
        actual_end=None,
    )
    # Viewers and views: Instagram has no metric for them. None, never 0.
    return live, Snapshot(stream.key, now, StreamStatus.LIVE, None, None, None, comments)


def ended(stream: Stream, now: datetime) -> tuple[Stream, Snapshot]:
    """A live stream no longer listed: ended at the first poll that missed it."""
    gone = replace(stream, status=StreamStatus.ENDED, actual_end=now)
    return gone, Snapshot(stream.key, now, StreamStatus.ENDED)


class InstagramAdapter:
    """The ``Platform`` for Instagram accounts. Not thread-safe: one collector thread."""

    name = PLATFORM
    max_batch = MAX_BATCH

    def __init__(
        self,
        http: httpx.Client,
        access_token: tuple[str, str],
        *,
        api_endpoint: str = "https://graph.facebook.com",
        graph_version: str = "v19.0",
        clock: Clock | None = None,
        policy: Policy = DEFAULT,
    ) -> None:
        """``access_token``: (environment variable name, user token); ``http`` is the caller's."""
        self._graph = GraphClient(
            PLATFORM,
            http,
            access_token,
            api_endpoint=api_endpoint,
            graph_version=graph_version,
            clock=clock,
            policy=policy,
        )

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
        """Broadcasts live now on the accounts in ``channels``, not among ``known``."""
        found, skip = Discovery(), set(known)

        def read(channel: Channel) -> None:
            streams = []  # all of an account's or none: a failed read adds nothing
            for item in self._live_now(channel.id, found.usage, now).values():
                if item["id"] not in skip:
                    stream = Stream(PLATFORM, item["id"], channel.id, discovered_at=now)
                    streams.append(read_live(stream, item, now)[0])
            found.streams.extend(streams)

        with charged(found.usage):  # an account Graph refuses is its own gap, not everyone's
            each_channel(found, (c for c in channels if c.platform == PLATFORM), read)
        return found

    def cooldowns(self) -> dict[str, Any]:
        """The token's and the accounts' cooldowns still running (``collectors.base.Cools``)."""
        return self._graph.cooldowns()

    def restore_cooldowns(self, stored: Any) -> None:
        """Take back stored ``cooldowns()``."""
        self._graph.restore_cooldowns(stored)

    def poll(self, streams: Sequence[Stream], now: datetime) -> PollResult:
        """Listed → live with comments; a live one no longer listed → ended; else unchanged.

        An account Graph throttles on its own is a failure of its streams only
        (``PollResult.failures``); the batch's other accounts are read.
        """
        result = PollResult()

        def read(account: str, wanted: list[Stream], into: PollResult) -> None:
            asked = any(_worth_asking(s) for s in wanted)
            listed = self._live_now(account, into.usage, now) if asked else None
            for stream in wanted:
                self._read_into(into, stream, listed, now)

        with charged(result.usage):
            by_channel(result, streams, read)
        return result

    def _read_into(
        self,
        result: PollResult,
        stream: Stream,
        listed: Mapping[str, Any] | None,
        now: datetime,
    ) -> None:
        if listed is None:  # not asked: already ended, nothing to learn
            result.updates.append(stream)
            return
        if (item := listed.get(stream.external_id)) is not None:
            updated, snapshot = read_live(stream, item, now)
        elif stream.status is StreamStatus.LIVE:
            updated, snapshot = ended(stream, now)
        else:
            result.updates.append(stream)
            return
        result.updates.append(updated)
        result.snapshots.append(snapshot)

    def _live_now(self, account: str, usage: Usage, now: datetime) -> dict[str, dict[str, Any]]:
        """The media ``account`` is broadcasting now, by id."""
        pages = self._graph.pages(f"{account}/live_media", {"fields": FIELDS}, usage, at=now)
        return {item["id"]: item for items in pages for item in items}


def _worth_asking(stream: Stream) -> bool:
    return stream.status is not StreamStatus.ENDED
