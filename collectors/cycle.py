"""One collector cycle's working state and report, and the plan-side folds over them.

``CycleState`` is what the engine changes while applying a cycle (on its own thread
only) and commits at the end; ``CycleReport`` is what it tells the log line, the
metrics and the demo. The functions below are the cycle's last steps before the
commit, kept apart from the engine because they need no platform: who each stream
belongs to (``rematch``), the simulcast sums, the broadcasts' statuses, and who each
live stream belongs to.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, time, timedelta
from typing import Any

from collectors.health import ChannelFailure
from collectors.matching import assign
from streamer import rollup
from streamer.clock import as_utc
from streamer.models import (
    Broadcast,
    BroadcastStatus,
    Gap,
    Snapshot,
    Stream,
    StreamStatus,
    to_iso,
)
from streamer.rollups import Rollup
from streamer.simulcast import broadcast_key, combine_samples
from streamer.store import Store
from streamer.unplanned import assign as assign_unplanned
from streamer.unplanned import group_of

log = logging.getLogger("streamer.engine")
# The gap reason of a poll whose result the store could not take: unreachable (a shared
# database restarting), busy past the lock's timeout, or full. ``Engine.unsaved``.
STORE = "store"


@dataclass(frozen=True, slots=True)
class LiveStream:
    """Who a stream live at the end of a cycle belongs to (for the metrics' labels)."""

    programme: str
    platform: str
    broadcast: str | None  # None: unplanned


@dataclass(slots=True)
class PlatformReport:
    """One platform's share of a cycle."""

    seconds: float = 0.0  # its worker's wall time (0 when it had nothing to do)
    calls: int = 0
    snapshots: int = 0


@dataclass
class CycleReport:
    """What one cycle did, for the log line, the metrics and the demo's progress.

    ``live_viewers`` holds the streams polled live this cycle (``None``: not shown);
    ``live`` every stream live after the cycle, polled now or not. ``units_by_key``
    is keyed by the credential's environment variable name, never the secret.
    """

    at: datetime
    polled: int = 0
    snapshots: int = 0
    discovered: int = 0
    calls: int = 0
    quota_units: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    live_viewers: dict[str, int | None] = field(default_factory=dict)
    ok_platforms: set[str] = field(default_factory=set)
    seconds: float = 0.0
    platforms: dict[str, PlatformReport] = field(default_factory=dict)
    units_by_key: Counter[str] = field(default_factory=Counter)
    live: dict[str, LiveStream] = field(default_factory=dict)
    # Channels discovery could not read this cycle, (platform, channel id, reason) → 1;
    # and every channel failing after the cycle (``collectors.health.ChannelFailure``).
    channel_errors: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    failing: list[ChannelFailure] = field(default_factory=list)

    def line(self) -> str:
        """The one log line per cycle."""
        errors = ", ".join(f"{k}={v}" for k, v in sorted(self.errors.items())) or "none"
        return (
            f"cycle {to_iso(self.at)}: polled {self.polled} streams, wrote {self.snapshots} "
            f"snapshots, discovered {self.discovered}, {self.calls} calls, "
            f"{self.quota_units} quota units, errors: {errors}"
        )


@dataclass
class CycleState:
    """The working state of one cycle, committed at its end."""

    now: datetime
    plan: dict[str, Broadcast]
    streams: dict[str, Stream]
    rollups: dict[str, Rollup]
    report: CycleReport
    snapshots: list[Snapshot] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)
    changed_streams: set[str] = field(default_factory=set)
    changed_rollups: set[str] = field(default_factory=set)
    changed_plan: set[str] = field(default_factory=set)
    quota: Counter[tuple[str, str]] = field(default_factory=Counter)
    meta: dict[str, Any] = field(default_factory=dict)
    # The rollups as read at the start of the cycle (folds replace, never mutate).
    prior_rollups: dict[str, Rollup] = field(default_factory=dict)
    # Each stream's broadcast as read at the start of the cycle, and the broadcasts
    # whose streams changed since (their combined figures are worked out again).
    matched_at_start: dict[str, str | None] = field(default_factory=dict)
    unplanned_at_start: dict[str, str | None] = field(default_factory=dict)
    regrouped: set[str] = field(default_factory=set)
    orphaned: set[str] = field(default_factory=set)  # regrouped, now with no stream

    def __post_init__(self) -> None:
        self.matched_at_start = {k: s.broadcast_id for k, s in self.streams.items()}
        self.unplanned_at_start = {k: s.unplanned_id for k, s in self.streams.items()}


def rematch(cycle: CycleState, window: timedelta) -> None:
    """Settle every working stream's broadcast with what is known now.

    ``collectors.matching.assign`` over all the working streams: a second stream may
    turn out to overlap the first, or to follow it, only as their times become
    known, and a producer may have named a video on a target since. A stream that
    moved is saved; the broadcasts it left and joined are ``regrouped``. A stream
    found in this cycle moved nothing: all its snapshots are in this cycle's fold.
    """
    found = assign(cycle.plan, cycle.streams.values(), window)
    for key, broadcast_id in found.items():
        stream = cycle.streams[key]
        if stream.broadcast_id != broadcast_id:
            cycle.streams[key] = replace(stream, broadcast_id=broadcast_id)
            cycle.changed_streams.add(key)
        before = cycle.matched_at_start.get(key, broadcast_id)
        if before != broadcast_id:
            log.info("%s: %s -> %s", key, before or "unplanned", broadcast_id or "unplanned")
            cycle.regrouped.update(b for b in (before, broadcast_id) if b is not None)


def group_unplanned(cycle: CycleState, window: timedelta, programme_of: Mapping[str, str]) -> None:
    """Give every unplanned stream that went live its unplanned broadcast.

    ``streamer.unplanned.assign`` over the working streams, after ``rematch``. A
    stream whose group changed is saved; the groups it left and joined are
    ``regrouped`` (their combined figures are worked out again from history),
    except for a stream found in this cycle, whose snapshots are all in its fold.
    """
    found = assign_unplanned(cycle.streams.values(), window, programme_of)
    for key, unplanned_id in found.items():
        stream = cycle.streams[key]
        if stream.unplanned_id != unplanned_id:
            cycle.streams[key] = replace(stream, unplanned_id=unplanned_id)
            cycle.changed_streams.add(key)
        if key not in cycle.unplanned_at_start:
            continue
        before = cycle.unplanned_at_start[key]
        if before != unplanned_id:
            log.info("%s: unplanned broadcast %s -> %s", key, before, unplanned_id)
            cycle.regrouped.update(g for g in (before, unplanned_id) if g is not None)


def combine_simulcasts(cycle: CycleState, interval: int, store: Store | None = None) -> None:
    """Fold each simulcast broadcast's combined samples into its own rollup (planned
    broadcasts and unplanned ones alike).

    ``streamer.simulcast.combine_samples`` makes one point per sample time: the
    sum of the platforms' concurrent viewers, each platform's last reading
    standing in for at most one live interval, a platform that reports no
    viewers (Instagram) adding nothing rather than 0, and the streams of one
    channel counting once. Each stream's last reading from before this cycle
    comes from its rollup, so the result is exactly what ``streamer rollup
    --rebuild`` computes from the whole history. A ``regrouped`` broadcast is
    worked out again from its streams' stored history (read from ``store``), and so
    is one ``overtaken``: collectors sharing a store may poll one broadcast's streams
    in one tick, and the one folding second must not skip the points the first
    already folded without its readings.
    """
    fresh: dict[str, list[Snapshot]] = {}
    for snap in cycle.snapshots:
        fresh.setdefault(snap.stream, []).append(snap)
    members: dict[str, list[str]] = {}
    channels: dict[str, str] = {}
    for stream in cycle.streams.values():
        group = group_of(stream)  # a planned broadcast, or an unplanned one
        if group:
            members.setdefault(group, []).append(stream.key)
            channels[stream.key] = stream.channel_key
    redo = set(cycle.regrouped)
    if store is not None:
        redo |= overtaken(cycle, members, fresh)
        _recombine(cycle, interval, store, fresh, redo)
    for broadcast_id, keys in members.items():
        if broadcast_id in redo and store is not None:
            continue
        if not any(k in fresh for k in keys):
            continue
        series = {
            k: [*rollup.last_snapshot(cycle.prior_rollups.get(k)), *fresh.get(k, [])] for k in keys
        }
        key = broadcast_key(broadcast_id)
        samples = combine_samples(series, interval, key, channels)
        base = cycle.rollups.get(key) or rollup.empty(key, interval)
        cycle.rollups[key] = rollup.fold(base, samples)
        cycle.changed_rollups.add(key)


def overtaken(
    cycle: CycleState, members: Mapping[str, list[str]], fresh: Mapping[str, list[Snapshot]]
) -> set[str]:
    """The broadcasts whose combined rollup already has a point at or after one of this
    cycle's readings of their streams: another collector sharing the store folded that
    time first, without this one's readings (``rollup.fold`` would skip them)."""
    found = set()
    for broadcast_id, keys in members.items():
        combined = cycle.rollups.get(broadcast_key(broadcast_id))
        last = None if combined is None else combined.last_sample_at
        if last is not None and any(
            rollup.to_second(snap).ts <= last for k in keys for snap in fresh.get(k, ())
        ):
            found.add(broadcast_id)
    return found


def _recombine(
    cycle: CycleState,
    interval: int,
    store: Store,
    fresh: Mapping[str, list[Snapshot]],
    redo: set[str],
) -> None:
    """The combined rollups of the ``redo`` broadcasts, from their whole history.

    Their streams in the archive count too, as they do for ``rollup --rebuild`` (only
    theirs are read: a month archive holds thousands);
    a broadcast left with no stream gets an empty rollup (and is ``orphaned``).
    The history read runs an interval past ``now``: what other collectors sharing
    the store polled in this tick (and committed first) counts too.
    """
    if not redo:
        return
    everything = {**store.grouped_streams(redo), **cycle.streams}
    members: dict[str, list[Stream]] = {b: [] for b in redo}
    for stream in everything.values():
        group = group_of(stream)
        if group in members:
            members[group].append(stream)
    since = {
        b: min(_first_seen(s, cycle.now) for s in streams)
        for b, streams in members.items()
        if streams
    }
    every_key = [s.key for streams in members.values() for s in streams]
    until = cycle.now + timedelta(seconds=interval)
    stored = _history(store, min(since.values(), default=cycle.now), until, every_key)
    for broadcast_id, streams in members.items():
        key = broadcast_key(broadcast_id)
        cycle.changed_rollups.add(key)
        if not streams:
            cycle.rollups[key] = rollup.empty(key, interval)
            cycle.orphaned.add(broadcast_id)
            continue
        keys = [s.key for s in streams]
        series: dict[str, dict[datetime, Snapshot]] = {k: {} for k in keys}
        for snap in [*_of(stored, keys), *_of(fresh, keys)]:
            if snap.ts >= since[broadcast_id]:
                series[snap.stream][snap.ts] = snap
        listed = {k: list(snaps.values()) for k, snaps in series.items()}
        channels = {s.key: s.channel_key for s in streams}
        samples = combine_samples(listed, interval, key, channels)
        cycle.rollups[key] = rollup.rebuild(key, interval, samples)


def _history(
    store: Store, since: datetime, until: datetime, keys: Sequence[str]
) -> dict[str, list[Snapshot]]:
    """The stored snapshots of ``keys`` in ``[since, until)`` by stream, in time order.

    Read once for every regrouped broadcast (one read each made a start-up that
    regrouped 1,700 broadcasts parse a week of partitions 1,700 times), and a UTC day
    at a time: a store read holds all of its days' documents before keeping those of
    ``keys``, so a week at once was a week of documents in memory at the same time.
    """
    found: dict[str, list[Snapshot]] = {}
    start = as_utc(since)
    while start < until:
        end = min(until, datetime.combine(start.date() + timedelta(days=1), time(), UTC))
        for snap in store.snapshots(start, end, keys):
            found.setdefault(snap.stream, []).append(snap)
        start = end
    return found


def _first_seen(stream: Stream, now: datetime) -> datetime:
    """The earliest a snapshot of ``stream`` can have been taken."""
    known = [t for t in (stream.discovered_at, stream.scheduled_start, stream.actual_start) if t]
    return min(known, default=now) - timedelta(days=1)


def _of(fresh: Mapping[str, list[Snapshot]], keys: Sequence[str]) -> list[Snapshot]:
    return [snap for k in keys for snap in fresh.get(k, [])]


def update_plan(cycle: CycleState, grace: timedelta) -> list[tuple[str, BroadcastStatus]]:
    """Move each broadcast's status on; returns (id, new status) of those changed."""
    streams_of: dict[str, list[Stream]] = {}
    for stream in cycle.streams.values():
        if stream.broadcast_id:
            streams_of.setdefault(stream.broadcast_id, []).append(stream)
    changed = []
    for current in list(cycle.plan.values()):
        status = current.status
        if current.id in cycle.orphaned and status is not BroadcastStatus.CANCELLED:
            status = BroadcastStatus.PLANNED  # its streams were matched elsewhere
        # Still to come with nothing found for it: it stays as it is.
        if current.start <= cycle.now or current.id in streams_of:
            seen = streams_of.get(current.id, [])
            basis = current if status is current.status else replace(current, status=status)
            status = broadcast_status(basis, seen, cycle.now, grace)
        if status is not current.status:
            cycle.plan[current.id] = replace(current, status=status)
            cycle.changed_plan.add(current.id)
            changed.append((current.id, status))
    return changed


def live_streams(cycle: CycleState, programme_of: Mapping[str, str]) -> dict[str, LiveStream]:
    """The streams live after the cycle, with their programme and broadcast.

    The programme is the matched broadcast's, else the one whose channel the stream
    is on (``programme_of``: channel key to slug), so unplanned streams have one too.
    """
    live = {}
    for stream in cycle.streams.values():
        if stream.status is StreamStatus.LIVE and not stream.done:
            planned = cycle.plan.get(stream.broadcast_id or "")
            slug = planned.programme if planned else programme_of.get(stream.channel_key)
            live[stream.key] = LiveStream(slug or "unknown", stream.platform, stream.broadcast_id)
    return live


def broadcast_status(
    broadcast: Broadcast, streams: Sequence[Stream], now: datetime, grace: timedelta
) -> BroadcastStatus:
    """Where a broadcast stands given its matched streams (cancelled stays cancelled)."""
    if broadcast.status is BroadcastStatus.CANCELLED:
        return broadcast.status
    went_live = [s for s in streams if s.actual_start is not None]
    if any(s.status is StreamStatus.LIVE for s in went_live):
        return BroadcastStatus.LIVE
    if went_live:
        return BroadcastStatus.HELD
    # Only a planned broadcast can be missed: a held one whose streams have finished
    # and moved to the archive (out of ``streams``) stays held.
    if broadcast.status is BroadcastStatus.PLANNED and now >= broadcast.end + grace:
        return BroadcastStatus.MISSED
    return broadcast.status
