"""Double bookings: one channel or one speaker in two broadcasts at the same time.

A platform channel carries one live broadcast at a time, and a speaker can be in one
studio at a time. New or changed broadcasts are checked against the rest of the plan
and against each other (a series that overlaps itself). Cancelled ones take no room.

The check indexes the plan by resource (channel key or speaker) and looks up each
changed broadcast in a sorted timeline by bisection, so adding a series to a plan of
thousands costs O(n log n) for the index plus a small window per occurrence, never a
comparison of every pair.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

from schedules.localtime import format_local, utc_to_local
from streamer.errors import UserError
from streamer.models import Broadcast, BroadcastStatus
from streamer.store import ending_after


@dataclass(frozen=True, slots=True)
class Conflict:
    """``broadcast`` (a changed one) overlaps ``other`` on ``resource``."""

    broadcast: Broadcast
    other: Broadcast
    resource: str  # as shown to people: "channel youtube:UC…" or "speaker 'Name'"


class ConflictError(UserError):
    """A ``UserError`` that keeps the ``Conflict``, so CSV import can add a line number."""

    def __init__(self, conflict: Conflict, tz: ZoneInfo) -> None:
        super().__init__(describe(conflict, tz))
        self.conflict = conflict


def describe(conflict: Conflict, tz: ZoneInfo) -> str:
    """One line naming both broadcasts (id, title, local time), the resource and the fix."""
    first, second = conflict.broadcast, conflict.other
    return (
        f"{first.id} {first.title!r} ({span(first, tz)}) overlaps {second.id} "
        f"{second.title!r} ({span(second, tz)}) on {conflict.resource}; "
        "pick another time or allow the overlap"
    )


def span(broadcast: Broadcast, tz: ZoneInfo) -> str:
    """``2024-05-06 11:00–12:00`` in ``tz`` (the end date is shown only if it differs)."""
    start, end = utc_to_local(broadcast.start, tz), utc_to_local(broadcast.end, tz)
    end_text = end.strftime("%H:%M" if end.date() == start.date() else "%Y-%m-%d %H:%M")
    return f"{format_local(broadcast.start, tz)}–{end_text}"


def check_conflicts(
    changes: Sequence[Broadcast], current: Mapping[str, Broadcast], tz: ZoneInfo
) -> None:
    """Raise ``ConflictError`` for the first double booking that ``changes`` would make.

    ``changes`` replace the broadcasts with the same id in ``current``.
    """
    conflict = find_conflict(changes, current)
    if conflict is not None:
        raise ConflictError(conflict, tz)


def find_conflict(
    changes: Sequence[Broadcast], current: Mapping[str, Broadcast]
) -> Conflict | None:
    """The first double booking involving one of ``changes``, or ``None``."""
    active = [item for item in changes if _takes_room(item)]
    if not active:  # nothing that takes room: nothing to check (nor any plan to read)
        return None
    wanted = {key for item in active for key in _resources(item)}
    timelines = _index(_effective_plan(changes, current), wanted)
    for item in active:
        for key, label in _resources(item).items():
            other = next(timelines[key].overlapping(item), None)
            if other is not None:
                return Conflict(item, other, label)
    return None


def _takes_room(broadcast: Broadcast) -> bool:
    return broadcast.status is not BroadcastStatus.CANCELLED


def speaker_key(name: str) -> str:
    """The same person however the name is spaced or cased."""
    return " ".join(name.split()).casefold()


def _resources(broadcast: Broadcast) -> dict[str, str]:
    """What ``broadcast`` occupies: index key → how to name it in a message."""
    resources = {f"channel:{t.channel_key}": f"channel {t.channel_key}" for t in broadcast.targets}
    for name in broadcast.speakers:
        resources[f"speaker:{speaker_key(name)}"] = f"speaker {name!r}"
    return resources


def _effective_plan(
    changes: Sequence[Broadcast], current: Mapping[str, Broadcast]
) -> Iterator[Broadcast]:
    """The plan as it would be after ``changes`` (at least one), without copying it."""
    changed = {item.id for item in changes}
    # Only what ends after the earliest change and starts before the latest end can
    # overlap one: neither an archived history nor the rest of the month ahead need be
    # decoded for an edit of tomorrow.
    earliest = min(item.start for item in changes)
    others = ending_after(current, earliest, max(item.end for item in changes))
    yield from (item for item in others if item.id not in changed)
    yield from changes


def _index(plan: Iterator[Broadcast], wanted: set[str]) -> dict[str, _Timeline]:
    """One timeline per wanted resource, holding the plan's broadcasts that use it."""
    groups: dict[str, list[Broadcast]] = defaultdict(list)
    for item in plan:
        if _takes_room(item):
            for key in _resources(item).keys() & wanted:
                groups[key].append(item)
    return {key: _Timeline(groups[key]) for key in wanted}


class _Timeline:
    """Broadcasts on one resource, sorted by start, for window look-ups."""

    def __init__(self, items: list[Broadcast]) -> None:
        self.items = sorted(items, key=lambda item: (item.start, item.id))
        self.starts = [item.start for item in self.items]
        self.longest = max((item.end - item.start for item in items), default=timedelta())

    def overlapping(self, broadcast: Broadcast) -> Iterator[Broadcast]:
        """Other broadcasts here that share some time with ``broadcast``, by start."""
        # Whatever overlaps must start before our end and, being at most
        # ``longest`` long, after our start minus ``longest``.
        low = bisect_right(self.starts, broadcast.start - self.longest)
        high = bisect_left(self.starts, broadcast.end)
        for other in self.items[low:high]:
            if other.id != broadcast.id and other.end > broadcast.start:
                yield other
