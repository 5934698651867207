"""YouTube's quota day: units reset at midnight Pacific time (docs/platforms.md §1.2).

Kept apart from ``collectors.youtube`` so that what only reads the ledger (``streamer
status``, ``streamer watch``, the engine's bookkeeping) does not load the Google client.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from streamer.timezones import zone

PACIFIC = zone("America/Los_Angeles")


def quota_day(now: datetime) -> str:
    """The quota day ``now`` falls in (``YYYY-MM-DD``): quota resets at midnight Pacific."""
    return now.astimezone(PACIFIC).date().isoformat()


def quota_reset(now: datetime) -> datetime:
    """The next midnight in America/Los_Angeles after ``now``, in UTC."""
    tomorrow = now.astimezone(PACIFIC).date() + timedelta(days=1)
    return datetime.combine(tomorrow, time(0), tzinfo=PACIFIC).astimezone(UTC)
