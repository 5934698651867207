"""Recomputing rollups from the stored snapshots (``streamer rollup --rebuild``).

Reports read rollups that the collector folds incrementally; this recomputes
every stream's rollup, and every broadcast's combined rollup (planned or
unplanned, ``streamer.unplanned``), from the
raw snapshots and gaps, and says where the two disagree. Agreement is the check
that the incremental path loses and double-counts nothing. It is exact, digit for
digit, whatever sub-second times the clock gave and in whatever order a cycle's
samples arrived (see ``streamer.rollup``), so the check can run from cron.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, time, timedelta

from streamer import rollup
from streamer.models import Gap, Snapshot, Stream
from streamer.prune import PRUNED_META
from streamer.rollups import Rollup
from streamer.simulcast import broadcast_key, rebuild_combined
from streamer.store import DayStore
from streamer.unplanned import group_of

EXACT = rollup.ADDED  # with these (integer sums among them), rollups compare exactly
# What a rollup stored before them is compared on.
_OLD_FIELDS = tuple(f.name for f in fields(Rollup) if f.compare and f.name not in EXACT)
TOLERANCE = 1e-6  # only for rollups stored before those sums (floats added in any order)


@dataclass
class Rebuilt:
    """The recomputed rollups and the keys whose stored rollup differed."""

    rollups: dict[str, Rollup] = field(default_factory=dict)
    differing: list[str] = field(default_factory=list)
    snapshots: int = 0


def rebuild_all(store: DayStore, live_interval_s: int) -> Rebuilt:
    """Every rollup recomputed from history, compared with the stored ones."""
    result = Rebuilt()
    days = store.partitions()
    if not days:
        return result
    start = datetime.combine(days[0], time(0), tzinfo=UTC)
    end = datetime.combine(days[-1] + timedelta(days=1), time(0), tzinfo=UTC)
    snaps: dict[str, list[Snapshot]] = defaultdict(list)
    for snap in store.snapshots(start, end):
        snaps[snap.stream].append(snap)
        result.snapshots += 1
    gaps: dict[str, list[Gap]] = defaultdict(list)
    for gap in store.gaps(start, end):
        gaps[gap.stream].append(gap)
    stored = store.rollups(include_archive=True)
    members: dict[str, list[str]] = defaultdict(list)
    channels: dict[str, str] = {}  # a broadcast's streams on one channel count once
    partial: set[str] = set()  # broadcasts with a stream whose history was pruned
    pruned_before = store.get_meta(PRUNED_META)
    for key, stream in store.streams(include_archive=True).items():
        if _pruned(stream, pruned_before):
            # Part of its history is gone: the stored rollup is the only full account.
            partial.add(group_of(stream) or "")
            continue
        kept = stored.get(key)
        interval = live_interval_s if kept is None else kept.live_interval_s
        result.rollups[key] = rollup.rebuild(key, interval, snaps[key], gaps[key])
        group = group_of(stream)  # a planned broadcast, or an unplanned one
        if group:
            members[group].append(key)
            channels[key] = stream.channel_key
    for broadcast_id, keys in members.items():
        if broadcast_id in partial:
            continue
        series = {k: snaps[k] for k in keys}
        result.rollups[broadcast_key(broadcast_id)] = rebuild_combined(
            broadcast_id, live_interval_s, series, channels
        )
    result.differing = sorted(k for k, v in result.rollups.items() if not same(v, stored.get(k)))
    return result


def _pruned(stream: Stream, pruned_before: str | None) -> bool:
    """Whether snapshots of ``stream`` may have been removed by ``streamer prune``."""
    if pruned_before is None:
        return False
    first = stream.discovered_at or stream.scheduled_start or stream.actual_start
    cutoff = datetime.combine(date.fromisoformat(pruned_before), time(0), tzinfo=UTC)
    return first is None or first < cutoff


def same(left: Rollup | None, right: Rollup | None) -> bool:
    """Rollups equal field by field: exactly, or, for one stored before the integer sums
    ``EXACT`` existed, on its own fields with floats within ``TOLERANCE``."""
    if left is None or right is None:
        return left is right
    if not left.absent and not right.absent:
        return left == right
    for name in _OLD_FIELDS:
        value, other = getattr(left, name), getattr(right, name)
        if isinstance(value, float) and isinstance(other, int | float):
            if not math.isclose(value, other, rel_tol=TOLERANCE, abs_tol=TOLERANCE):
                return False
        elif value != other:
            return False
    return True
