"""One collector cycle's working state and report, and the plan-side folds over them.

``CycleState`` is what the engine changes while applying a cycle (on its own thread
only) and commits at the end; ``CycleReport`` is what it tells the log line, the
metrics and the demo. The functions below are the cycle's last steps before the
commit, kept apart from the engine because they need no platform: the simulcast
sums, the broadcasts' statuses, and who each live stream belongs to.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from collectors.health import ChannelFailure
from streamer import rollup
from streamer.models import (
    Broadcast,
    BroadcastStatus,
    Gap,
    Snapshot,
    Stream,
    StreamStatus,
    to_iso,
)
from streamer.simulcast import broadcast_key, combine_samples


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
    rollups: dict[str, dict[str, Any]]
    report: CycleReport
    snapshots: list[Snapshot] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)
    changed_streams: set[str] = field(default_factory=set)
    changed_rollups: set[str] = field(default_factory=set)
    changed_plan: set[str] = field(default_factory=set)
    quota: Counter[tuple[str, str]] = field(default_factory=Counter)
    meta: dict[str, Any] = field(default_factory=dict)
    # The rollups as read at the start of the cycle (folds replace, never mutate).
    prior_rollups: dict[str, dict[str, Any]] = field(default_factory=dict)


def combine_simulcasts(cycle: CycleState, interval: int) -> None:
    """Fold each simulcast broadcast's combined samples into its own rollup.

    ``streamer.simulcast.combine_samples`` makes one point per sample time: the
    sum of the platforms' concurrent viewers, each platform's last reading
    standing in for at most one live interval, a platform that reports no
    viewers (Instagram) adding nothing rather than 0. Each stream's last reading
    from before this cycle comes from its rollup, so the result is exactly what
    ``streamer rollup --rebuild`` computes from the whole history.
    """
    fresh: dict[str, list[Snapshot]] = {}
    for snap in cycle.snapshots:
        fresh.setdefault(snap.stream, []).append(snap)
    members: dict[str, list[str]] = {}
    for stream in cycle.streams.values():
        if stream.broadcast_id:
            members.setdefault(stream.broadcast_id, []).append(stream.key)
    for broadcast_id, keys in members.items():
        if not any(k in fresh for k in keys):
            continue
        series = {
            k: [*rollup.last_snapshot(cycle.prior_rollups.get(k)), *fresh.get(k, [])] for k in keys
        }
        key = broadcast_key(broadcast_id)
        samples = combine_samples(series, interval, key)
        base = cycle.rollups.get(key) or rollup.empty(key, interval)
        cycle.rollups[key] = rollup.fold(base, samples)
        cycle.changed_rollups.add(key)


def update_plan(cycle: CycleState, grace: timedelta) -> list[tuple[str, BroadcastStatus]]:
    """Move each broadcast's status on; returns (id, new status) of those changed."""
    streams_of: dict[str, list[Stream]] = {}
    for stream in cycle.streams.values():
        if stream.broadcast_id:
            streams_of.setdefault(stream.broadcast_id, []).append(stream)
    changed = []
    for broadcast in list(cycle.plan.values()):
        if broadcast.start > cycle.now and broadcast.id not in streams_of:
            continue  # still to come, nothing found for it: it stays as it is
        status = broadcast_status(broadcast, streams_of.get(broadcast.id, []), cycle.now, grace)
        if status is not broadcast.status:
            cycle.plan[broadcast.id] = replace(broadcast, status=status)
            cycle.changed_plan.add(broadcast.id)
            changed.append((broadcast.id, status))
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
