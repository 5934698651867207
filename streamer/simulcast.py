"""Combined (simulcast) audience of one broadcast carried on several platforms.

A broadcast that goes out on YouTube, Facebook and Instagram at once has one
audience, split across platforms. Its concurrent viewers at a moment are the sum of
each platform's reading at that moment. Platforms are polled in the same collector
cycle, so their readings share the cycle's times; when a platform misses a cycle,
its last reading stands in for at most one poll interval (an audience does not
vanish because one request timed out), and after that it drops out of the sum.

Several streams of one broadcast on one channel follow one another (an encoder
reconnect makes YouTube open a new video; ``collectors.matching`` never puts two
overlapping streams of one channel in one broadcast). They are one audience, not
two: at each moment the channel counts once, with its newest live reading, so
the last reading of the stream that just ended is not added to the first one of
the stream that replaced it.

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
from datetime import datetime, timedelta

from streamer.models import Snapshot, Stream, StreamStatus
from streamer.rollup import rebuild, to_second
from streamer.rollups import Rollup

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
    channels: Mapping[str, str] | None = None,
) -> list[Snapshot]:
    """One combined snapshot per distinct sample time across the platforms.

    ``per_platform_snapshots`` maps each of the broadcast's streams (by any name,
    usually the stream key) to its snapshots; times count to the whole second, as
    stored. At each time ``t`` a stream counts with its latest snapshot at or before
    ``t`` if that is at most ``interval_s`` old. ``channels`` (stream name to channel
    key) puts streams of one channel together: such a group counts once, with its newest
    reading (a live one first). The combined point is live if any counting stream is
    live, and its concurrent viewers are the sum over live streams that report them;
    when none does (Instagram alone), the figure is ``None``, never 0.

    A point depends only on snapshots in ``[t - interval_s, t]``. To fold
    incrementally, pass each stream's snapshots from ``interval_s`` before the
    combined rollup's ``last_sample_at``: ``rollup.fold`` skips points it has.
    """
    named = channels or {}
    groups: dict[str, list[list[Snapshot]]] = {}
    for name, snaps in per_platform_snapshots.items():
        # Whole seconds, as stored: the points a cycle folds are the ones a rebuild makes.
        whole = sorted(map(to_second, snaps), key=_ts)
        groups.setdefault(named.get(name, "\0" + name), []).append(whole)
    series = list(groups.values())
    times = sorted({snap.ts for group in series for snaps in group for snap in snaps})
    return [_combined_at(key, t, _fresh(series, t, interval_s)) for t in times]


def rebuild_combined(
    broadcast_id: str,
    interval_s: int,
    per_platform_snapshots: Mapping[str, Iterable[Snapshot]],
    channels: Mapping[str, str] | None = None,
) -> Rollup:
    """The combined rollup of a broadcast recomputed from its streams' history."""
    key = broadcast_key(broadcast_id)
    listed = {name: list(snaps) for name, snaps in per_platform_snapshots.items()}
    return rebuild(key, interval_s, combine_samples(listed, interval_s, key, channels))


def on_air(stream: Stream) -> tuple[datetime, datetime | None] | None:
    """When ``stream`` was on air: (start, end), end ``None`` while it still is.

    ``None`` for a stream that never went live. One that is over without an end
    time (deleted while live) ends at its last poll, the latest it can have ended.
    """
    start = stream.actual_start
    if start is None:
        return None
    end = stream.actual_end
    if end is None and stream.status in (StreamStatus.ENDED, StreamStatus.MISSING):
        end = max(start, stream.last_polled_at or start)
    return start, end


def overlap(first: Stream, second: Stream) -> bool:
    """Whether two streams were on air at the same time (one ending as the other
    starts does not count)."""
    a, b = on_air(first), on_air(second)
    if a is None or b is None:
        return False
    return (b[1] is None or a[0] < b[1]) and (a[1] is None or b[0] < a[1])


def gap(first: Stream, second: Stream) -> timedelta | None:
    """The time between two streams that do not overlap (``None``: they overlap, or
    one never went live, or the earlier one has not ended yet)."""
    a, b = on_air(first), on_air(second)
    if a is None or b is None or overlap(first, second):
        return None
    earlier, later = (a, b) if a[0] <= b[0] else (b, a)
    return None if earlier[1] is None else later[0] - earlier[1]


def _ts(snap: Snapshot) -> datetime:
    return snap.ts


def _fresh(series: list[list[list[Snapshot]]], t: datetime, interval_s: int) -> list[Snapshot]:
    """Per channel, the newest of its streams' latest snapshots at or before ``t`` that
    are not older than one interval (a live reading before one that is not)."""
    fresh = []
    for group in series:
        found = []
        for snaps in group:
            index = bisect_right(snaps, t, key=_ts)
            if index and (t - snaps[index - 1].ts).total_seconds() <= interval_s:
                found.append(snaps[index - 1])
        if len(found) > 1:
            found = [max(found, key=_newest)]
        fresh.extend(found)
    return fresh


def _newest(snap: Snapshot) -> tuple[bool, datetime, int]:
    """Which reading speaks for a channel: live first, then newest, then the larger."""
    return snap.status is StreamStatus.LIVE, snap.ts, snap.concurrent_viewers or -1


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
