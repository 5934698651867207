"""What the simulated platforms will show: streams with their times and audiences.

A ``Scenario`` is data only (streams, a seed, channel titles), so it can be saved
to JSON, loaded by ``streamer simulate --scenario FILE`` and replayed: everything
the simulator answers is computed from it and the clock.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from collectors.simulator.scenario_lines import line_of
from streamer.clock import as_utc
from streamer.errors import UserError
from streamer.models import StreamStatus, from_iso, to_iso

PRIVACY = ("public", "unlisted", "private")
FORMAT_VERSION = 1
_REQUIRED = ("channel", "video_id", "title")
_TIME_FIELDS = ("scheduled_start", "actual_start", "actual_end", "deleted_at", "published_at")


@dataclass(frozen=True, slots=True, kw_only=True)
class SimStream:
    """One simulated live video on one channel.

    ``actual_start=None`` is a no-show (it stays upcoming). From ``deleted_at`` the
    video is gone: absent from ``videos.list``, feeds and playlists, as a deleted or
    privated broadcast is. ``published_at`` is when it appears in the channel's
    feed and uploads; by default a day before ``scheduled_start``, or at
    ``actual_start`` for a stream nobody announced.
    """

    channel: str
    video_id: str
    title: str
    scheduled_start: datetime | None = None
    actual_start: datetime | None = None
    actual_end: datetime | None = None
    peak_viewers: int = 0
    final_views: int = 0
    likes_hidden: bool = False
    viewers_hidden: bool = False
    deleted_at: datetime | None = None
    published_at: datetime | None = None
    privacy: str = "public"
    platform: str = "youtube"

    def __post_init__(self) -> None:
        for name in _TIME_FIELDS:
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, as_utc(value))
        if self.published_at is None:
            object.__setattr__(self, "published_at", self._default_published_at())
        self._validate()

    def _default_published_at(self) -> datetime:
        if self.scheduled_start is not None:
            return self.scheduled_start - timedelta(days=1)
        if self.actual_start is not None:
            return self.actual_start
        raise ValueError(f"{self.video_id}: needs scheduled_start or actual_start")

    def _validate(self) -> None:
        for name in ("peak_viewers", "final_views"):
            if type(getattr(self, name)) is not int:  # bool is an int too; refuse it
                raise ValueError(f"{self.video_id}: {name} must be a whole number")
        for name in ("likes_hidden", "viewers_hidden"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"{self.video_id}: {name} must be true or false")
        if self.platform == "youtube" and len(self.video_id) != 11:
            raise ValueError(f"{self.video_id!r}: a YouTube video id has 11 characters")
        if self.platform == "youtube" and not self.channel.startswith("UC"):
            raise ValueError(f"{self.channel!r}: a YouTube channel id starts with 'UC'")
        if (self.actual_start is None) != (self.actual_end is None):
            raise ValueError(f"{self.video_id}: give both actual_start and actual_end, or neither")
        if self.actual_start and self.actual_end and self.actual_end <= self.actual_start:
            raise ValueError(f"{self.video_id}: actual_end must be after actual_start")
        if self.peak_viewers < 0 or self.final_views < 0:
            raise ValueError(f"{self.video_id}: audience figures cannot be negative")
        if self.privacy not in PRIVACY:
            raise ValueError(f"{self.video_id}: privacy must be one of {', '.join(PRIVACY)}")

    @property
    def visible_from(self) -> datetime:
        """When the video comes into existence for the platform's readers."""
        assert self.published_at is not None  # set in __post_init__
        return self.published_at

    def exists_at(self, now: datetime) -> bool:
        """Published and not yet deleted at ``now``."""
        return self.visible_from <= now and (self.deleted_at is None or now < self.deleted_at)

    def readable_at(self, now: datetime) -> bool:
        """Returned by a lookup by id (public or unlisted) at ``now``."""
        return self.exists_at(now) and self.privacy != "private"

    def listed_at(self, now: datetime) -> bool:
        """Listed in the channel's feed, uploads and search at ``now`` (public only)."""
        return self.exists_at(now) and self.privacy == "public"

    def state_at(self, now: datetime) -> StreamStatus:
        """Upcoming, live or ended at ``now`` (deletion aside)."""
        if self.actual_start is None or now < self.actual_start:
            return StreamStatus.UPCOMING
        if self.actual_end is None or now < self.actual_end:
            return StreamStatus.LIVE
        return StreamStatus.ENDED

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON types; times as UTC ISO 8601."""
        data: dict[str, Any] = {}
        for item in fields(self):
            value = getattr(self, item.name)
            data[item.name] = to_iso(value) if isinstance(value, datetime) else value
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SimStream:
        """Inverse of ``to_dict``; unknown keys are refused so typos surface."""
        known = {item.name for item in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown field(s): {', '.join(unknown)}")
        values = dict(data)
        for name in _TIME_FIELDS:
            if values.get(name) is not None:
                try:
                    values[name] = from_iso(values[name])
                except (TypeError, ValueError):
                    raise ValueError(f"{name} must be an ISO 8601 time with a zone") from None
        if absent := [name for name in _REQUIRED if name not in values]:
            raise ValueError(f"{absent[0]} is missing")
        return cls(**values)


@dataclass(frozen=True, slots=True)
class Scenario:
    """The streams the simulator plays, a seed for its noise, and channel titles.

    ``content_lag`` makes ``snippet.liveBroadcastContent`` trail the real state, as
    recorded on YouTube (``"upcoming"`` while ``actualStartTime`` is already set).
    """

    streams: Sequence[SimStream] = ()
    seed: int = 0
    channel_titles: Mapping[str, str] = field(default_factory=dict)
    content_lag: timedelta = timedelta(0)

    def __post_init__(self) -> None:
        object.__setattr__(self, "streams", tuple(self.streams))
        seen: set[str] = set()
        for stream in self.streams:
            if stream.video_id in seen:
                raise ValueError(f"video id {stream.video_id} appears twice")
            seen.add(stream.video_id)

    def channels(self, platform: str = "youtube") -> tuple[str, ...]:
        """Channel ids on ``platform``, in first-seen order."""
        found = [s.channel for s in self.streams if s.platform == platform]
        if platform == "youtube":
            found += [c for c in self.channel_titles if c.startswith("UC")]
        return tuple(dict.fromkeys(found))

    @classmethod
    def week(cls, start_monday_local: date, tz: str = "Asia/Almaty", **options: Any) -> Scenario:
        """The demo week; see ``collectors.simulator.scenarios.demo_week``."""
        from collectors.simulator.scenarios import demo_week  # the builder imports us

        return demo_week(start_monday_local, tz, **options)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON types, with a format version."""
        return {
            "version": FORMAT_VERSION,
            "seed": self.seed,
            "content_lag_s": self.content_lag.total_seconds(),
            "channel_titles": dict(self.channel_titles),
            "streams": [stream.to_dict() for stream in self.streams],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Scenario:
        """Inverse of ``to_dict``; a ``ValueError`` names the stream at fault."""
        if data.get("version", FORMAT_VERSION) != FORMAT_VERSION:
            raise ValueError(f"unsupported scenario version {data['version']!r}")
        streams = []
        for index, item in enumerate(data.get("streams", [])):
            try:
                streams.append(SimStream.from_dict(item))
            except (TypeError, ValueError, AttributeError) as exc:
                raise StreamProblem(index, _key_in(str(exc)), str(exc)) from exc
        return cls(
            streams=streams,
            seed=int(data.get("seed", 0)),
            channel_titles=dict(data.get("channel_titles", {})),
            content_lag=timedelta(seconds=float(data.get("content_lag_s", 0))),
        )

    def to_file(self, path: str | Path) -> None:
        """Write the scenario as indented UTF-8 JSON."""
        text = json.dumps(self.to_dict(), ensure_ascii=False, indent=2)
        Path(path).write_text(text + "\n", encoding="utf-8")

    @classmethod
    def from_file(cls, path: str | Path) -> Scenario:
        """Load a scenario file; any problem is a one-line ``UserError`` naming the file."""
        try:
            text = Path(path).read_text(encoding="utf-8")
            data = json.loads(text)
        except OSError as exc:
            raise UserError(f"cannot read scenario {path}: {exc.strerror}") from exc
        except json.JSONDecodeError as exc:
            raise UserError(
                f"scenario {path}: line {exc.lineno}: not valid JSON ({exc.msg})"
            ) from exc
        if not isinstance(data, dict):
            raise UserError(f"scenario {path}: expected a JSON object at the top")
        try:
            return cls.from_dict(data)
        except StreamProblem as exc:
            line = line_of(text, exc.index, exc.key)
            where = f"line {line}: " if line else ""
            key = f".{exc.key}" if exc.key else ""
            message = f"scenario {path}: {where}streams[{exc.index}]{key}: {exc.reason}"
            raise UserError(message) from exc
        except (TypeError, ValueError) as exc:
            raise UserError(f"scenario {path}: {exc}") from exc


class StreamProblem(ValueError):
    """Stream ``index`` of a scenario is wrong; ``key`` names the field when known."""

    def __init__(self, index: int, key: str | None, reason: str) -> None:
        super().__init__(f"streams[{index}]: {reason}")
        self.index, self.key, self.reason = index, key, reason


_FIELD_NAMES = re.compile(r"\b(" + "|".join(item.name for item in fields(SimStream)) + r")\b")


def _key_in(reason: str) -> str | None:
    """The first field a ``SimStream`` error names (an unknown key is named after ':')."""
    if reason.startswith("unknown field(s): "):
        return reason.split(": ", 1)[1].split(", ")[0]
    found = _FIELD_NAMES.search(reason)
    return found.group(1) if found else None
