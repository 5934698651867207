"""Audience curves: how many watch a stream, minute by minute, and how views grow.

Every figure is a pure function of ``(seed, video id, minute)`` and the stream's
times, so the same request at the same simulated time gets the same answer and the
ground truth can be recomputed from the scenario alone.

The shape is rise (first 15 % of the broadcast), plateau (to 70 %), decay (to
about half the peak at the end), times a seeded noise factor just below 1. One
plateau minute is exactly ``peak_viewers``, so the true peak is the scenario's
figure. Views accumulate with viewer-minutes while live (reaching a seeded 55-70 %
of ``final_views`` at the end), then keep arriving for ``TAIL`` and stop at
exactly ``final_views``.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

TAIL = timedelta(days=7)
"""How long after the end views keep growing before they reach ``final_views``."""

_TAIL_SHAPE = 3.0  # higher: more of the after-the-end views arrive early


def unit(seed: int, video_id: str, label: str | int) -> float:
    """A deterministic number in [0, 1) for ``(seed, video_id, label)``.

    A hash, not ``random``: it needs no state, so any minute can be computed on
    its own by any server thread, in any order.
    """
    text = f"{seed}|{video_id}|{label}".encode()
    digest = hashlib.blake2b(text, digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


@lru_cache(maxsize=4096)
def minute_viewers(seed: int, video_id: str, minutes: int, peak: int) -> tuple[int, ...]:
    """Concurrent viewers for each minute of a broadcast ``minutes`` long."""
    rise = max(1, round(minutes * 0.15))
    decay_from = max(rise, round(minutes * 0.7))
    values = [
        math.floor(peak * _shape(m, minutes, rise, decay_from) * _noise(seed, video_id, m))
        for m in range(minutes)
    ]
    # Noise keeps every other minute strictly below the peak, so this one minute
    # is the maximum: ground truth and scenario agree on the peak.
    span = max(1, decay_from - rise)
    values[min(minutes - 1, rise + int(unit(seed, video_id, "peak") * span))] = peak
    return tuple(values)


@lru_cache(maxsize=4096)
def _prefix_sums(seed: int, video_id: str, minutes: int, peak: int) -> tuple[int, ...]:
    sums = [0]
    for value in minute_viewers(seed, video_id, minutes, peak):
        sums.append(sums[-1] + value)
    return tuple(sums)


def _shape(minute: int, minutes: int, rise: int, decay_from: int) -> float:
    if minute < rise:
        return 0.15 + 0.85 * (minute + 1) / rise
    if minute < decay_from:
        return 1.0
    return 1.0 - 0.45 * (minute - decay_from + 1) / max(1, minutes - decay_from)


def _noise(seed: int, video_id: str, minute: int) -> float:
    return 0.88 + 0.1 * unit(seed, video_id, minute)


@dataclass(frozen=True, slots=True)
class AudienceCurve:
    """The audience of one held broadcast, readable at any moment."""

    seed: int
    video_id: str
    start: datetime
    end: datetime
    peak: int
    final_views: int

    @property
    def minutes(self) -> int:
        """Broadcast length in whole minutes, a partial last minute counted."""
        return max(1, math.ceil(self._duration_min))

    def viewers_at(self, now: datetime) -> int | None:
        """Concurrent viewers at ``now``, or ``None`` when not live."""
        if not self.start <= now < self.end:
            return None
        return self._per_minute()[min(self._elapsed_min(now), self.minutes - 1)]

    def peak_until(self, now: datetime) -> int | None:
        """The highest concurrent count so far, or ``None`` before the start."""
        if now < self.start:
            return None
        covered = min(self.minutes, self._elapsed_min(now) + 1)
        return max(self._per_minute()[:covered])

    def viewer_minutes_until(self, now: datetime) -> float:
        """Viewer-minutes accumulated from the start up to ``now``."""
        elapsed = (min(now, self.end) - self.start).total_seconds() / 60
        if elapsed <= 0:
            return 0.0
        whole = min(int(elapsed), self.minutes - 1)
        sums = _prefix_sums(self.seed, self.video_id, self.minutes, self.peak)
        return sums[whole] + (elapsed - whole) * self._per_minute()[whole]

    def views_at(self, now: datetime) -> int:
        """Total views at ``now``: never decreasing, ``final_views`` after ``TAIL``."""
        if now <= self.start:
            return 0
        live_total = round(self.final_views * self._live_share())
        if now < self.end:
            return min(live_total, math.floor(live_total * self._live_fraction(now)))
        tau = (now - self.end) / TAIL
        if tau >= 1:
            return self.final_views
        growth = (1 - math.exp(-_TAIL_SHAPE * tau)) / (1 - math.exp(-_TAIL_SHAPE))
        return live_total + math.floor((self.final_views - live_total) * growth)

    def likes_at(self, now: datetime) -> int:
        """Likes at ``now``: a fixed share of views, so monotonic like views."""
        return self.likes_for(self.views_at(now))

    def comments_at(self, now: datetime) -> int:
        """Comments at ``now``: a fixed share of views."""
        return self.comments_for(self.views_at(now))

    def likes_for(self, views: int) -> int:
        """Likes that go with ``views``: a seeded 3-7 %."""
        return math.floor(views * (0.03 + 0.04 * unit(self.seed, self.video_id, "likes")))

    def comments_for(self, views: int) -> int:
        """Comments that go with ``views``: a seeded 0.4-1.2 %."""
        return math.floor(views * (0.004 + 0.008 * unit(self.seed, self.video_id, "comments")))

    @property
    def _duration_min(self) -> float:
        return (self.end - self.start).total_seconds() / 60

    def _elapsed_min(self, now: datetime) -> int:
        return int((now - self.start).total_seconds() // 60)

    def _per_minute(self) -> tuple[int, ...]:
        return minute_viewers(self.seed, self.video_id, self.minutes, self.peak)

    def _live_share(self) -> float:
        return 0.55 + 0.15 * unit(self.seed, self.video_id, "share")

    def _live_fraction(self, now: datetime) -> float:
        """How far through the live views we are: by viewer-minutes, else by time."""
        total = self.viewer_minutes_until(self.end)
        if total > 0:
            return self.viewer_minutes_until(now) / total
        return (now - self.start).total_seconds() / 60 / self._duration_min
