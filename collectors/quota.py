"""A projection of daily YouTube quota use from the plan and the poll policy.

An upper bound: it assumes every poll of a stream is its own ``videos.list`` call
(1 unit). In practice streams due at the same moment share a call (up to 50 ids),
so real use is lower. Discovery reads the free channel feed; ``channels.list``
and ``playlistItems.list`` (1 unit each) are needed only for new channels and
when the feed may have missed items.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from collectors.policy import FINAL_POLLS, lead
from streamer.config import Config
from streamer.models import Broadcast, BroadcastStatus

ANNOUNCED_AHEAD = timedelta(hours=24)  # how long before its start a stream usually appears


@dataclass(frozen=True, slots=True)
class Projection:
    """Units a day, with the arithmetic behind the figure."""

    units_per_day: int
    explain: str


def polls_per_broadcast(config: Config, duration_min: int) -> int:
    """Polls one YouTube stream of ``duration_min`` minutes costs over its life."""
    settings = config.collector
    slow = (ANNOUNCED_AHEAD - lead(settings)).total_seconds() / settings.upcoming_interval
    near = settings.near_lead + settings.grace / 2  # late starts: half the grace
    live = duration_min * 60 / settings.live_interval
    return math.ceil(slow + near + live + len(FINAL_POLLS))


PROJECTION_SPAN = timedelta(days=7)  # how far ahead of now the projection looks


def projection(config: Config, plan: Iterable[Broadcast], now: datetime) -> Projection:
    """Projected units a day over the next 7 days of the plan (``PROJECTION_SPAN``)."""
    week = [
        b
        for b in plan
        if now <= b.start < now + PROJECTION_SPAN
        and b.status is not BroadcastStatus.CANCELLED
        and any(t.platform == "youtube" for t in b.targets)
    ]
    per_day = len(week) / 7
    duration = max((b.duration_min for b in week), default=60)
    polls = polls_per_broadcast(config, duration)
    channels = sum(
        1 for p in config.programmes.values() for c in p.channels if c.platform == "youtube"
    )
    units = math.ceil(per_day * polls) + channels
    explain = (
        f"{per_day:.1f} YouTube broadcasts/day planned over the next 7 days × up to "
        f"{polls} polls each, + {channels} channel look-ups; an upper bound, batching "
        "up to 50 streams per call lowers it"
    )
    return Projection(units, explain)
