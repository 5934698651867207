"""Time, injected: the only module that reads the wall clock or sleeps.

Everything else takes a ``Clock`` (or a ``now`` argument), which is what lets a
simulated week run in seconds in the tests and in ``streamer demo``.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Source of the current time and of waiting."""

    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""
        ...

    def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` (a simulated clock just moves forward)."""
        ...


class SystemClock:
    """The machine's clock, for production."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)


class SimulatedClock:
    """A clock that only moves when told to; ``sleep`` advances it instantly.

    Thread-safe, because the simulator's HTTP server threads read it while the
    engine advances it.
    """

    def __init__(self, start: datetime) -> None:
        self._now = as_utc(start)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            self.advance(timedelta(seconds=seconds))

    def advance(self, delta: timedelta) -> datetime:
        """Move forward by ``delta`` and return the new time."""
        if delta < timedelta(0):
            raise ValueError("a simulated clock does not go backwards")
        with self._lock:
            self._now += delta
            return self._now

    def set(self, moment: datetime) -> None:
        """Jump to ``moment`` (never backwards)."""
        moment = as_utc(moment)
        with self._lock:
            if moment < self._now:
                raise ValueError("a simulated clock does not go backwards")
            self._now = moment


class ScaledClock:
    """Simulated time that runs ``speed`` times faster than the wall clock: ``start`` at
    the Unix time ``wall``. Processes given the same three numbers share one clock (the
    multi-collector tests and benchmarks run several collector processes on it)."""

    def __init__(self, start: datetime, wall: float, speed: float) -> None:
        self.start, self.wall, self.speed = as_utc(start), wall, speed

    def now(self) -> datetime:
        return self.start + timedelta(seconds=(time.time() - self.wall) * self.speed)

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds / self.speed)


def as_utc(moment: datetime) -> datetime:
    """``moment`` in UTC; a naive datetime is refused rather than guessed."""
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment.isoformat()} has no time zone")
    return moment.astimezone(UTC)


def monotonic() -> float:
    """Seconds from an arbitrary origin, for measuring durations."""
    return time.monotonic()
