"""When the engine next has something to do besides its routine discoveries.

Two questions over a cycle's state, as plain functions: when the next poll or
missed-check is due (``plan_due``), and when a platform should be discovered again
for a planned stream it has not shown yet (``awaited_due``). Both walk the working
plan every cycle, so each skips with one comparison what cannot come sooner than
what it has already found: most of a long plan is never looked at closely.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from collectors.cycle import CycleState
from collectors.policy import after, lead, on_grid
from streamer.config import CollectorSettings
from streamer.models import Broadcast, BroadcastStatus

AWAITING = frozenset({BroadcastStatus.PLANNED, BroadcastStatus.LIVE})  # may await a stream


def plan_due(cycle: CycleState, grace: timedelta) -> datetime | None:
    """The earliest next poll, or planned broadcast's missed-check, after ``cycle``."""
    times = [s.next_poll_at for s in cycle.streams.values() if s.next_poll_at and not s.done]
    soonest = min(times, default=None)
    for item in cycle.plan.values():
        # A broadcast starting after the soonest time found cannot end before it.
        if item.status is not BroadcastStatus.PLANNED or (soonest and item.start >= soonest):
            continue
        check = item.end + grace
        if check > cycle.now and (soonest is None or check < soonest):
            soonest = check
    return soonest


def awaited_due(
    cycle: CycleState,
    platform: str,
    last: datetime | None,
    routine: datetime,
    settings: CollectorSettings,
) -> datetime | None:
    """When ``platform`` should next be discovered for a planned stream not found yet.

    From ``near_lead`` (15 min) before a planned start to ``grace`` after it, a
    broadcast with a target on ``platform`` and no stream matched there yet has its
    channel discovered every ``near_interval``, whatever the routine interval: a
    platform that lists a live only while it is live (Instagram) is then found within
    that interval of going live, and a long routine interval (for unplanned streams)
    costs planned ones no live samples. ``last``: the platform's last discovery;
    ``routine``: its next routine one, before which alone an awaited discovery matters.
    """
    grace = timedelta(minutes=settings.grace)
    near = settings.near_interval
    earliest = cycle.now if last is None else after(last, near)
    ahead = lead(settings)
    horizon, gone = routine + ahead, cycle.now - grace
    found = _found(cycle)
    soonest: datetime | None = None
    for item in cycle.plan.values():
        if item.start >= horizon or item.start < gone or item.status not in AWAITING:
            continue
        opens = on_grid(item.start - ahead, near)
        if soonest is not None and opens >= soonest:
            continue  # cannot come sooner: no need to look at its targets
        if not _unfound(item, platform, found):
            continue
        due = max(opens, earliest)
        if due <= item.start + grace and (soonest is None or due < soonest):
            soonest = due
    return soonest


def awaited_channels(cycle: CycleState, platform: str, settings: CollectorSettings) -> set[str]:
    """The keys of ``platform``'s channels awaited at ``cycle.now``: a planned broadcast
    has a target there, no stream found for it yet, and its window (``near_lead`` before
    its start to ``grace`` after) is open. A plan-aware discovery asks only these."""
    ahead, grace = lead(settings), timedelta(minutes=settings.grace)
    found = _found(cycle)
    awaited: set[str] = set()
    for item in cycle.plan.values():
        if item.status in AWAITING and item.start - ahead <= cycle.now <= item.start + grace:
            awaited.update(_unfound(item, platform, found))
    return awaited


def _found(cycle: CycleState) -> set[tuple[str | None, str]]:
    """(broadcast, channel key) of every stream found, matched to a broadcast or not."""
    return {(s.broadcast_id, s.channel_key) for s in cycle.streams.values()}


def _unfound(item: Broadcast, platform: str, found: set[tuple[str | None, str]]) -> list[str]:
    """The channel keys of ``item``'s targets on ``platform`` with no stream found yet."""
    keys = (t.channel_key for t in item.targets if t.platform == platform)
    return [key for key in keys if (item.id, key) not in found]
