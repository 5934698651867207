"""Combined (simulcast) audience of one broadcast carried on several platforms.

A broadcast that goes out on YouTube, Facebook and Instagram at once has one
audience, split across platforms. Its concurrent viewers at a moment are the sum of
each platform's reading at that moment. Platforms are polled in the same collector
cycle, so their readings share the cycle's times; when a platform misses a cycle,
its last reading stands in for at most one poll interval (an audience does not
vanish because one request timed out), and after that it drops out of the sum.

The engine keeps the combined figures as an ordinary rollup under the key
``broadcast:<id>`` in the rollups mapping, folded from the samples that
``combine_samples`` produces; ``streamer rollup --rebuild`` recomputes it with
``rebuild_combined`` and must agree. Views are not combined here: summing
"latest views" per point would mean nothing, so reports sum the platforms' own
rollups instead.

This module imports only ``streamer`` core so collectors may use it.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from streamer.models import Snapshot, StreamStatus
from streamer.rollup import rebuild

PREFIX = "broadcast:"


def broadcast_key(broadcast_id: str) -> str:
    """The rollup key of a broadcast's combined figures: ``broadcast:<id>``."""
    return PREFIX + broadcast_id


def is_broadcast_key(key: str) -> bool:
    """Whether a rollup key names combined broadcast figures (not one stream)."""
    return key.startswith(PREFIX)


def combine_samples(
    per_platform_snapshots: Mapping[str, Sequence[Snapshot]],
    interval_s: int,
    key: str = PREFIX,
) -> list[Snapshot]:
    """One combined snapshot per distinct sample time across the platforms.

    ``per_platform_snapshots`` maps each of the broadcast's streams (by any name,
    usually the stream key) to its snapshots. At each time ``t`` a stream counts
    with its latest snapshot at or before ``t`` if that is at most ``interval_s``
    old. The combined point is live if any counting stream is live, and its
    concurrent viewers are the sum over live streams that report them; when none
    does (Instagram alone), the figure is ``None``, never 0.

    A point depends only on snapshots in ``[t - interval_s, t]``. To fold
    incrementally, pass each stream's snapshots from ``interval_s`` before the
    combined rollup's ``last_sample_at``: ``rollup.fold`` skips points it has.
    """
    series = [sorted(snaps, key=lambda s: s.ts) for snaps in per_platform_snapshots.values()]
    times = sorted({snap.ts for snaps in series for snap in snaps})
    return [_combined_at(key, t, _fresh(series, t, interval_s)) for t in times]


def rebuild_combined(
    broadcast_id: str,
    interval_s: int,
    per_platform_snapshots: Mapping[str, Iterable[Snapshot]],
) -> dict[str, Any]:
    """The combined rollup of a broadcast recomputed from its streams' history."""
    key = broadcast_key(broadcast_id)
    listed = {name: list(snaps) for name, snaps in per_platform_snapshots.items()}
    return rebuild(key, interval_s, combine_samples(listed, interval_s, key))


def _fresh(series: list[list[Snapshot]], t: datetime, interval_s: int) -> list[Snapshot]:
    """Each stream's latest snapshot at or before ``t``, if not older than one interval."""
    fresh = []
    for snaps in series:
        index = bisect_right(snaps, t, key=lambda s: s.ts)
        if index and (t - snaps[index - 1].ts).total_seconds() <= interval_s:
            fresh.append(snaps[index - 1])
    return fresh


def _combined_at(key: str, t: datetime, fresh: list[Snapshot]) -> Snapshot:
    live = [snap for snap in fresh if snap.status is StreamStatus.LIVE]
    known = [snap.concurrent_viewers for snap in live if snap.concurrent_viewers is not None]
    if live:
        status = StreamStatus.LIVE
    else:
        # Nothing live: the newest reading says whether it has yet to start or is over.
        status = max(fresh, key=lambda s: s.ts).status if fresh else StreamStatus.ENDED
    return Snapshot(
        stream=key,
        ts=t,
        status=status,
        concurrent_viewers=sum(known) if known else None,
    )
