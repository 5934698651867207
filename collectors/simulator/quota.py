"""Daily API quota per key, reset at midnight Pacific Time as YouTube's is."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, time, timedelta

from streamer.timezones import zone

PACIFIC = zone("America/Los_Angeles")
DEFAULT_DAILY_QUOTA = 10_000
"""YouTube's default daily quota per project, for ``Simulator(quota_limit=...)``."""


def quota_day(now: datetime) -> date:
    """The quota day ``now`` falls in: the calendar date in Los Angeles."""
    return now.astimezone(PACIFIC).date()


def next_reset(now: datetime) -> datetime:
    """The next midnight Pacific after ``now``, in UTC."""
    midnight = datetime.combine(quota_day(now) + timedelta(days=1), time(0), tzinfo=PACIFIC)
    return midnight.astimezone(UTC)


class QuotaLedger:
    """Units used today per key; ``limit=None`` never refuses."""

    def __init__(self, limit: int | None = None) -> None:
        self.limit = limit
        self._used: dict[str, tuple[date, int]] = {}
        self._lock = threading.Lock()

    def try_charge(self, key: str, cost: int, now: datetime) -> bool:
        """Charge ``cost`` to ``key`` unless that would pass the limit; True if charged."""
        day = quota_day(now)
        with self._lock:
            used = self._today(key, day)
            if self.limit is not None and used + cost > self.limit:
                return False
            self._used[key] = (day, used + cost)
            return True

    def used(self, key: str, now: datetime) -> int:
        """Units ``key`` has used on ``now``'s quota day."""
        with self._lock:
            return self._today(key, quota_day(now))

    def _today(self, key: str, day: date) -> int:
        # A stored figure from an earlier day is yesterday's quota: it has reset.
        stored_day, used = self._used.get(key, (day, 0))
        return used if stored_day == day else 0
