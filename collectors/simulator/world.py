"""The simulated platforms' shared state: streams, clock, quota, stats.

Route handlers read it from many server threads; tests and the OAuth routes
change it (a new broadcast, a stream going live). Streams are frozen, so a change
replaces one under the lock and readers always see a consistent stream.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from collectors.simulator.curves import AudienceCurve
from collectors.simulator.quota import QuotaLedger
from collectors.simulator.scenario import Scenario, SimStream
from collectors.simulator.scenarios import video_id
from collectors.simulator.stats import SimStats
from streamer.clock import Clock, as_utc

_FALLBACK_OWNER = "UCsimulatorOwnerChannel0"  # OAuth caller's channel when none is known


class Source(Protocol):
    """Streams that arrive as the clock advances (``rolling.RollingWorld``)."""

    keep: timedelta  # how long after it ended a stream stays

    def due(self, now: datetime) -> list[SimStream]:
        """Streams announced by ``now`` and not handed out before."""
        ...

    def next_due(self) -> datetime:
        """When ``due`` next has something."""
        ...


_PRUNE_EVERY = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class Reading:
    """A stream's audience figures at one moment (before any hiding)."""

    viewers: int | None
    views: int
    likes: int
    comments: int


class World:
    """Everything the routes answer from. One per ``Simulator``."""

    def __init__(
        self,
        scenario: Scenario,
        clock: Clock,
        *,
        stats: SimStats,
        quota: QuotaLedger,
        invalid_keys: Iterable[str] = (),
        oauth_channel: str | None = None,
    ) -> None:
        self.seed = scenario.seed
        self.content_lag = scenario.content_lag
        self.channel_titles = dict(scenario.channel_titles)
        self.clock = clock
        self.stats = stats
        self.quota = quota
        self.invalid_keys = frozenset(invalid_keys)
        channels = scenario.channels()
        self.owner_channel = oauth_channel or (channels[0] if channels else _FALLBACK_OWNER)
        self._known_channels = set(channels) | {self.owner_channel}
        self._streams: dict[str, SimStream] = {}
        # The same streams by (platform, channel): a listing reads one channel's streams,
        # not the half-year's thousand (most of a listing's time, before this index).
        self._by_channel: dict[tuple[str, str], dict[str, SimStream]] = {}
        self._lock = threading.Lock()
        self._source: Source | None = None
        self._next_roll = self._next_prune = datetime.max.replace(tzinfo=UTC)
        for stream in scenario.streams:
            self._keep(stream)

    def roll_from(self, source: Source) -> None:
        """Take new streams from ``source`` as the clock advances, and drop each one
        ``source.keep`` after it is over, so a long run holds a bounded world."""
        with self._lock:
            self._source = source
            self._next_roll = source.next_due()
            self._next_prune = self.now()

    def _roll(self) -> None:
        """Bring the streams up to the clock (the lock held); cheap when nothing is due."""
        if self._source is None:
            return
        now = self.now()
        if now >= self._next_roll:
            for stream in self._source.due(now):
                self._keep(stream)
                self._known_channels.add(stream.channel)
            self._next_roll = self._source.next_due()
        if now >= self._next_prune:
            self._prune(now - self._source.keep)
            self._next_prune = now + _PRUNE_EVERY

    def _prune(self, before: datetime) -> None:
        for stream in [s for s in self._streams.values() if _over_at(s) < before]:
            del self._streams[stream.video_id]
            del self._by_channel[(stream.platform, stream.channel)][stream.video_id]

    def now(self) -> datetime:
        """The simulated time: the only time any answer depends on."""
        return as_utc(self.clock.now())

    def streams(self, platform: str | None = "youtube") -> list[SimStream]:
        """Every stream on ``platform`` (``None``: on any), deleted ones included."""
        with self._lock:
            self._roll()
            return [s for s in self._streams.values() if platform in (None, s.platform)]

    def channel_streams(self, platform: str, channel: str) -> list[SimStream]:
        """Every stream on ``platform``'s ``channel``, deleted ones included."""
        with self._lock:
            self._roll()
            return list(self._by_channel.get((platform, channel), {}).values())

    def stream(self, video_id: str) -> SimStream | None:
        """The stream with ``video_id``, if the scenario has one."""
        with self._lock:
            self._roll()
            return self._streams.get(video_id)

    def has_channel(self, channel: str) -> bool:
        """Whether ``channel`` exists on the simulated platforms."""
        with self._lock:
            return channel in self._known_channels

    def channel_title(self, channel: str) -> str:
        """The channel's display title (its id when the scenario names none)."""
        return self.channel_titles.get(channel, channel)

    def put(self, stream: SimStream) -> None:
        """Add ``stream``, or replace the one with its video id."""
        with self._lock:
            self._keep(stream)
            self._known_channels.add(stream.channel)

    def _keep(self, stream: SimStream) -> None:
        old = self._streams.get(stream.video_id)
        if old is not None:
            del self._by_channel[(old.platform, old.channel)][old.video_id]
        self._streams[stream.video_id] = stream
        self._by_channel.setdefault((stream.platform, stream.channel), {})[stream.video_id] = stream

    def new_video_id(self) -> str:
        """A fresh 11-character id, deterministic for the seed and call order."""
        with self._lock:
            count = len(self._streams)
            while (candidate := video_id(self.seed, f"new-{count}")) in self._streams:
                count += 1
            return candidate

    def curve(self, stream: SimStream) -> AudienceCurve | None:
        """The stream's audience curve; ``None`` until it is held."""
        if stream.actual_start is None or stream.actual_end is None:
            return None
        return AudienceCurve(
            self.seed,
            stream.video_id,
            stream.actual_start,
            stream.actual_end,
            stream.peak_viewers,
            stream.final_views,
        )

    def viewers(self, stream: SimStream, now: datetime) -> int | None:
        """``reading(stream, now).viewers`` without working out the other figures."""
        if stream.actual_start is None or not stream.actual_start <= now:
            return None
        curve = self.curve(stream)
        return None if curve is None else curve.viewers_at(now)

    def reading(self, stream: SimStream, now: datetime) -> Reading:
        """Viewers (``None`` unless live), views, likes and comments at ``now``."""
        curve = self.curve(stream)
        if curve is None:
            return Reading(None, 0, 0, 0)
        views = curve.views_at(now)
        return Reading(
            curve.viewers_at(now), views, curve.likes_for(views), curve.comments_for(views)
        )


def _over_at(stream: SimStream) -> datetime:
    """When nothing more happens to ``stream``: its end, deletion or no-show start."""
    return stream.actual_end or stream.deleted_at or stream.scheduled_start or stream.visible_from
