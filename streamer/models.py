"""The core model: programmes, channels, planned broadcasts, streams, snapshots.

Every datetime is timezone-aware UTC; conversion to the configured zone happens at
the edges (CLI input, reports, exports). Records are frozen dataclasses: a change is
``dataclasses.replace(item, ...)`` and the store saves the new value. Each record
round-trips through ``to_dict``/``from_dict`` with plain JSON types only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from operator import itemgetter
from typing import Any

from streamer.fastbuild import builder

LANGUAGES: tuple[str, ...] = ("kk", "ru", "en")


class BroadcastStatus(StrEnum):
    """Where a planned broadcast stands. Collectors set live/held; a finaliser, missed."""

    PLANNED = "planned"
    LIVE = "live"
    HELD = "held"
    CANCELLED = "cancelled"
    MISSED = "missed"


class StreamStatus(StrEnum):
    """What a platform shows for one stream."""

    UPCOMING = "upcoming"
    LIVE = "live"
    ENDED = "ended"
    MISSING = "missing"  # deleted or made private: kept in history, no longer polled


# The texts of UTC times written lately. A collector cycle writes every working
# stream and rollup whole, some 6,000 times for 500 live streams, most of them the same
# as the cycle before (starts, first samples, peaks): formatting each again was a
# third of a cycle's write. Bounded: emptied when full (about 1.5 MB).
_ISO_TEXTS: dict[datetime, str] = {}
_ISO_TEXTS_MAX = 8192


def to_iso(moment: datetime) -> str:
    """UTC ISO 8601 with a ``Z``, to the second: the one format the store keeps."""
    if moment.tzinfo is not UTC:  # not kept: equal times of another zone can differ (fold)
        if moment.tzinfo is None:
            raise ValueError(f"naive datetime {moment.isoformat()} has no time zone")
        return _iso_text(moment.astimezone(UTC))
    text = _ISO_TEXTS.get(moment)
    if text is None:
        if len(_ISO_TEXTS) >= _ISO_TEXTS_MAX:
            _ISO_TEXTS.clear()
        text = _ISO_TEXTS[moment] = _iso_text(moment)
    return text


def _iso_text(moment: datetime) -> str:
    """A UTC time's text: ``2025-01-01T05:00:00Z``."""
    return moment.isoformat(timespec="seconds").removesuffix("+00:00") + "Z"


def from_iso(text: str) -> datetime:
    """Parse what ``to_iso`` (or an RFC 3339 API field) wrote, as UTC."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is UTC:  # what ``to_iso`` writes: nothing to convert
        return moment
    if moment.tzinfo is None:
        raise ValueError(f"time {text!r} has no time zone")
    return moment.astimezone(UTC)


# Statuses by stored value: a dict lookup is several times cheaper than calling the
# enum, which matters when a report reads the whole plan and every stream.
_BROADCAST_STATUSES = {s.value: s for s in BroadcastStatus}
_STREAM_STATUSES = {s.value: s for s in StreamStatus}


def _broadcast_status(value: str) -> BroadcastStatus:
    found = _BROADCAST_STATUSES.get(value) if isinstance(value, str) else None
    return BroadcastStatus(value) if found is None else found


def _stream_status(value: str) -> StreamStatus:
    found = _STREAM_STATUSES.get(value) if isinstance(value, str) else None
    return StreamStatus(value) if found is None else found


def _opt_iso(moment: datetime | None) -> str | None:
    return None if moment is None else to_iso(moment)


def _opt_time(text: str | None) -> datetime | None:
    return None if text is None else from_iso(text)


@dataclass(frozen=True, slots=True)
class Channel:
    """One account of a programme on one platform.

    ``id`` is the YouTube channel id, the Facebook Page id, the Instagram user id or
    the Twitch login.
    """

    platform: str
    id: str
    label: str = ""

    @property
    def key(self) -> str:
        return f"{self.platform}:{self.id}"


@dataclass(frozen=True, slots=True)
class Programme:
    """A live programme (Antikor.Live, Adal Komek) and the channels it streams on."""

    slug: str
    name: str
    channels: tuple[Channel, ...] = ()
    names: Mapping[str, str] = field(default_factory=dict)

    def display_name(self, language: str) -> str:
        """The name in ``language`` where one is configured, else the default name."""
        return self.names.get(language, self.name)


@dataclass(frozen=True, slots=True)
class Target:
    """Where a planned broadcast goes out: a platform channel, maybe a known video id."""

    platform: str
    channel: str
    external_id: str | None = None

    @property
    def channel_key(self) -> str:
        return f"{self.platform}:{self.channel}"

    def __str__(self) -> str:
        base = f"{self.platform}:{self.channel}"
        return base if self.external_id is None else f"{base}:{self.external_id}"


@dataclass(frozen=True, slots=True)
class Broadcast:
    """A planned live broadcast of a programme."""

    id: str
    programme: str
    title: str
    start: datetime
    duration_min: int
    targets: tuple[Target, ...]
    topic: str = ""
    speakers: tuple[str, ...] = ()
    district: str = ""
    status: BroadcastStatus = BroadcastStatus.PLANNED
    series_id: str | None = None
    # Bumped by every change of time or status: the calendar export's SEQUENCE.
    revision: int = 0

    @property
    def end(self) -> datetime:
        return self.start + timedelta(minutes=self.duration_min)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "programme": self.programme,
            "title": self.title,
            "start": to_iso(self.start),
            "duration_min": self.duration_min,
            "targets": [
                {"platform": t.platform, "channel": t.channel, "external_id": t.external_id}
                for t in self.targets
            ],
            "topic": self.topic,
            "speakers": list(self.speakers),
            "district": self.district,
            "status": self.status.value,
            "series_id": self.series_id,
            "revision": self.revision,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Broadcast:
        try:
            values = _BROADCAST_FIELDS(data)
        except KeyError:  # an older document: the fields it lacks take their defaults
            values = _BROADCAST_FIELDS({**_BROADCAST_DEFAULTS, **data})
        return _stored_broadcast(values, _build_broadcast if cls is Broadcast else cls)


@dataclass(frozen=True, slots=True)
class Stream:
    """What a platform shows: one live video on one channel.

    ``broadcast_id`` is the planned broadcast it was matched to, or ``None`` for a
    stream nobody planned; ``unplanned_id`` is then the unplanned broadcast it is
    part of once it went live (``u-…``, see ``streamer.unplanned``). ``next_poll_at``
    is durable so that a restarted collector resumes where it stopped.
    ``final_polls`` counts the polls made after the end (for the views that keep
    arriving); ``done`` marks a stream with nothing left to poll, which the store
    may move out of the working set into the archive.
    """

    platform: str
    external_id: str
    channel: str
    broadcast_id: str | None = None
    title: str = ""
    status: StreamStatus = StreamStatus.UPCOMING
    scheduled_start: datetime | None = None
    actual_start: datetime | None = None
    actual_end: datetime | None = None
    discovered_at: datetime | None = None
    next_poll_at: datetime | None = None
    last_polled_at: datetime | None = None
    final_polls: int = 0
    done: bool = False
    unplanned_id: str | None = None

    @property
    def key(self) -> str:
        return stream_key(self.platform, self.external_id)

    @property
    def channel_key(self) -> str:
        return f"{self.platform}:{self.channel}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "platform": self.platform,
            "external_id": self.external_id,
            "channel": self.channel,
            "broadcast_id": self.broadcast_id,
            "title": self.title,
            "status": self.status.value,
            "scheduled_start": _opt_iso(self.scheduled_start),
            "actual_start": _opt_iso(self.actual_start),
            "actual_end": _opt_iso(self.actual_end),
            "discovered_at": _opt_iso(self.discovered_at),
            "next_poll_at": _opt_iso(self.next_poll_at),
            "last_polled_at": _opt_iso(self.last_polled_at),
            "final_polls": self.final_polls,
            "done": self.done,
            "unplanned_id": self.unplanned_id,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Stream:
        try:
            values = _STREAM_FIELDS(data)
        except KeyError:  # an older document: the fields it lacks take their defaults
            values = _STREAM_FIELDS({**_STREAM_DEFAULTS, **data})
        return _stored_stream(values, _build_stream if cls is Stream else cls)


# The fields of a stored broadcast document in ``Broadcast.to_dict``'s order.
_BROADCAST_DOC = (
    "id", "programme", "title", "start", "duration_min", "targets", "topic", "speakers",
    "district", "status", "series_id", "revision",
)  # fmt: skip
_BROADCAST_FIELDS = itemgetter(*_BROADCAST_DOC)
# What the fields an older document lacks mean (``revision``: plans saved before it was kept).
_BROADCAST_DEFAULTS: dict[str, Any] = {
    "topic": "", "speakers": (), "district": "", "status": "planned", "series_id": None,
    "revision": 0,
}  # fmt: skip


def _stored_broadcast(values: tuple[Any, ...], build: Callable[..., Broadcast]) -> Broadcast:
    """A broadcast from a document's values in ``_BROADCAST_DOC``'s order (taken out in
    one call, whatever the key order: PostgreSQL's ``jsonb`` keeps its own), built by
    ``build`` — ``builder``'s for ``Broadcast``: a half-year report decodes 10,000."""
    (id_, programme, title, start, duration_min, targets, topic, speakers, district,
     status, series_id, revision) = values  # fmt: skip
    return build(
        id_,
        programme,
        title,
        from_iso(start),
        int(duration_min),
        _targets(targets),
        topic,
        tuple(speakers),
        district,
        _broadcast_status(status),
        series_id,
        int(revision),
    )


def _targets(docs: list[dict[str, Any]]) -> tuple[Target, ...]:
    return tuple([_build_target(t["platform"], t["channel"], t.get("external_id")) for t in docs])


# The fields of a stored stream document in ``Stream.to_dict``'s order.
_STREAM_DOC = (
    "key", "platform", "external_id", "channel", "broadcast_id", "title", "status",
    "scheduled_start", "actual_start", "actual_end", "discovered_at", "next_poll_at",
    "last_polled_at", "final_polls", "done", "unplanned_id",
)  # fmt: skip
_STREAM_FIELDS = itemgetter(*_STREAM_DOC)
# What the fields an older (or hand-written) document lacks mean.
_STREAM_DEFAULTS: dict[str, Any] = {
    "key": None, "broadcast_id": None, "title": "", "status": "upcoming",
    "scheduled_start": None, "actual_start": None, "actual_end": None, "discovered_at": None,
    "next_poll_at": None, "last_polled_at": None, "final_polls": 0, "done": False,
    "unplanned_id": None,
}  # fmt: skip


def _stored_stream(values: tuple[Any, ...], build: Callable[..., Stream]) -> Stream:
    """A stream from a document's values in ``_STREAM_DOC``'s order (taken out in one
    call, whatever the key order), built by ``build`` — ``builder``'s for ``Stream``: a
    half-year report decodes 12,000."""
    (_, platform, external_id, channel, broadcast_id, title, status, scheduled_start,
     actual_start, actual_end, discovered_at, next_poll_at, last_polled_at, final_polls,
     done, unplanned_id) = values  # fmt: skip
    return build(
        platform,
        external_id,
        channel,
        broadcast_id,
        title,
        _stream_status(status),
        _opt_time(scheduled_start),
        _opt_time(actual_start),
        _opt_time(actual_end),
        _opt_time(discovered_at),
        _opt_time(next_poll_at),
        _opt_time(last_polled_at),
        int(final_polls),
        bool(done),
        unplanned_id,
    )


_build_stream = builder(Stream)
_build_broadcast = builder(Broadcast)
_build_target = builder(Target)


def stream_key(platform: str, external_id: str) -> str:
    """The store's key for a stream: ``platform:external_id``."""
    return f"{platform}:{external_id}"


@dataclass(frozen=True, slots=True)
class Snapshot:
    """One poll's reading of one stream.

    A figure the platform does not give (Instagram's viewers, hidden likes, YouTube's
    concurrent viewers after the end) is ``None``, never 0: a 0 would be a claim
    that nobody watched.
    """

    stream: str
    ts: datetime
    status: StreamStatus
    concurrent_viewers: int | None = None
    views: int | None = None
    likes: int | None = None
    comments: int | None = None

    @property
    def platform(self) -> str:
        return self.stream.split(":", 1)[0]

    def to_dict(self) -> dict[str, Any]:
        return {
            "stream": self.stream,
            "ts": to_iso(self.ts),
            "status": self.status.value,
            "concurrent_viewers": self.concurrent_viewers,
            "views": self.views,
            "likes": self.likes,
            "comments": self.comments,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Snapshot:
        return cls(
            stream=data["stream"],
            ts=from_iso(data["ts"]),
            status=_stream_status(data["status"]),
            concurrent_viewers=data.get("concurrent_viewers"),
            views=data.get("views"),
            likes=data.get("likes"),
            comments=data.get("comments"),
        )


@dataclass(frozen=True, slots=True)
class Gap:
    """A poll that was due and did not happen, and why (``quota``, ``timeout``, ...)."""

    stream: str
    ts: datetime
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"stream": self.stream, "ts": to_iso(self.ts), "reason": self.reason}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Gap:
        return cls(stream=data["stream"], ts=from_iso(data["ts"]), reason=data["reason"])
