"""The producer's plan: add, move and cancel broadcasts.

Every function here is pure over the current plan (``Mapping[str, Broadcast]`` by
id) and returns the broadcasts to save, which is the shape ``Store.change_plan``
runs under its lock::

    store.change_plan(lambda plan: add(plan, request, programmes, tz, new_id))

A mistake in the request raises ``UserError`` with one line, and then nothing is
saved.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from zoneinfo import ZoneInfo

from schedules.conflicts import check_conflicts
from schedules.fields import (
    check_duration,
    check_title,
    clean_speakers,
    parse_target,
    programme_of,
    resolve_targets,
)
from schedules.ids import SERIES_PREFIX, IdAllocator, IdFactory, default_id_factory
from schedules.localtime import local_start_of, local_to_utc, parse_local_start
from schedules.recurrence import expand
from streamer.errors import UserError
from streamer.models import Broadcast, BroadcastStatus, Programme, Target
from streamer.store import Store, ending_after, series_ids

__all__ = [
    "PlanRequest",
    "add",
    "cancel",
    "default_id_factory",
    "get",
    "move",
    "parse_local_start",
    "parse_target",
    "revised",
    "stored",
]


@dataclass(frozen=True, slots=True)
class PlanRequest:
    """What a producer asks for: one broadcast, or a series when ``repeat`` is set.

    ``start`` is local wall-clock time in the configured zone, as a naive datetime
    or the string ``YYYY-MM-DD HH:MM``. ``targets`` are ``PLATFORM:CHANNEL[:VIDEO_ID]``
    strings or ``Target``s; none means every channel of the programme. ``repeat`` is
    an RRULE with COUNT or UNTIL, e.g. ``FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;COUNT=20``.
    """

    programme: str
    title: str
    start: datetime | str
    duration_min: int
    targets: Sequence[str | Target] = ()
    topic: str = ""
    speakers: Sequence[str] = ()
    district: str = ""
    repeat: str | None = None
    allow_overlap: bool = False


def add(
    current: Mapping[str, Broadcast],
    request: PlanRequest,
    programmes: Mapping[str, Programme],
    tz: ZoneInfo,
    new_id: IdFactory,
) -> list[Broadcast]:
    """The broadcasts ``request`` plans: one, or one per occurrence of a series.

    Refuses an unknown programme, a bad field or rule, and (unless
    ``allow_overlap``) a double booking of a channel or a speaker.
    """
    programme = programme_of(programmes, request.programme)
    title = check_title(request.title)
    starts = _starts(request, tz)
    template = Broadcast(
        id="",
        programme=programme.slug,
        title=title,
        start=starts[0],
        duration_min=check_duration(request.duration_min),
        targets=resolve_targets(request.targets, programme),
        topic=request.topic.strip(),
        speakers=clean_speakers(request.speakers),
        district=request.district.strip(),
        series_id=_new_series_id(current, new_id) if _rule(request) else None,
    )
    ids = IdAllocator(new_id, current)
    broadcasts = [replace(template, id=ids(), start=start) for start in starts]
    if not request.allow_overlap:
        check_conflicts(broadcasts, current, tz)
    return broadcasts


def _starts(request: PlanRequest, tz: ZoneInfo) -> list[datetime]:
    """The UTC start of each broadcast the request makes."""
    local_start = local_start_of(request.start, tz)
    rule = _rule(request)
    return expand(rule, local_start, tz) if rule else [local_to_utc(local_start, tz)]


def _rule(request: PlanRequest) -> str:
    """The repeat rule, with a blank one (an empty CLI option) meaning no repeat."""
    return (request.repeat or "").strip()


def _new_series_id(current: Mapping[str, Broadcast], new_id: IdFactory) -> str:
    return IdAllocator(new_id, series_ids(current), prefix=SERIES_PREFIX)()


def get(current: Mapping[str, Broadcast], broadcast_id: str) -> Broadcast:
    """The broadcast with ``broadcast_id``, or a ``UserError`` saying it is not planned."""
    return _planned(current.get(broadcast_id.strip()), broadcast_id)


def stored(store: Store, broadcast_id: str) -> Broadcast:
    """``get`` from ``store`` without reading the whole plan (``Store.broadcast``)."""
    return _planned(store.broadcast(broadcast_id.strip()), broadcast_id)


def _planned(broadcast: Broadcast | None, broadcast_id: str) -> Broadcast:
    if broadcast is None:
        raise UserError(
            f"no broadcast with id {broadcast_id!r} in the plan; list the plan to see the ids"
        )
    return broadcast


def move(
    current: Mapping[str, Broadcast],
    broadcast_id: str,
    new_local_start: datetime | str,
    tz: ZoneInfo,
    allow_overlap: bool = False,
) -> list[Broadcast]:
    """The broadcast moved to ``new_local_start`` (local time); it keeps its series.

    Only a planned broadcast moves: one that is live, held, missed or cancelled is
    history, and a moved copy of it would misreport what happened.
    """
    broadcast = _must_be_planned(get(current, broadcast_id), "moved")
    local_start = local_start_of(new_local_start, tz, field="new start")
    moved = revised(broadcast, replace(broadcast, start=local_to_utc(local_start, tz)))
    if not allow_overlap:
        check_conflicts([moved], current, tz)
    return [moved]


def cancel(
    current: Mapping[str, Broadcast], broadcast_id: str, series: bool = False
) -> list[Broadcast]:
    """The broadcast cancelled; with ``series``, it and every later planned one of its series.

    A series cancel skips what already happened or was already cancelled (held, live,
    missed, cancelled), so it can be run from any occurrence. A broadcast outside any
    series is a series of one.
    """
    broadcast = get(current, broadcast_id)
    if not series or broadcast.series_id is None:
        return [_cancelled(_must_be_planned(broadcast, "cancelled"))]
    later = sorted(
        (
            item
            for item in ending_after(current, broadcast.start)
            if item.series_id == broadcast.series_id
            and item.start >= broadcast.start
            and item.status is BroadcastStatus.PLANNED
        ),
        key=lambda item: (item.start, item.id),
    )
    if not later:
        raise UserError(
            f"series {broadcast.series_id} has no planned broadcast from {broadcast.id} on; "
            "nothing to cancel"
        )
    return [_cancelled(item) for item in later]


def revised(old: Broadcast, new: Broadcast) -> Broadcast:
    """``new`` with the revision after ``old``'s when its time or status differ, else old's.

    The revision is the calendar export's SEQUENCE (RFC 5545 3.8.7.4): a calendar app
    applies an update only when it grows, so every move, resize or status change must
    raise it, and nothing may lower it.
    """
    significant = (new.start, new.duration_min, new.status) != (
        old.start,
        old.duration_min,
        old.status,
    )
    return replace(new, revision=old.revision + 1 if significant else old.revision)


def _cancelled(broadcast: Broadcast) -> Broadcast:
    return revised(broadcast, replace(broadcast, status=BroadcastStatus.CANCELLED))


def _must_be_planned(broadcast: Broadcast, done: str) -> Broadcast:
    if broadcast.status is not BroadcastStatus.PLANNED:
        raise UserError(
            f"broadcast {broadcast.id} is {broadcast.status.value}; "
            f"only a planned broadcast can be {done}"
        )
    return broadcast
