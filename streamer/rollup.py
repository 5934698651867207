"""Per-stream rollups, folded one snapshot at a time.

Reports read rollups, never raw history, so a half-year summary costs the same
whatever the number of snapshots behind it. The collector folds each cycle's new
snapshots into the stream's rollup (``fold``); ``rebuild`` folds a stream's whole
snapshot history from scratch and must give the same rollup — that equality is
what makes the incremental path trustworthy.

Definitions (documented in the README):

- ``views``/``likes``/``comments``: the latest known value (``None`` until one is known).
- ``peak_concurrent``: the largest concurrent-viewer sample, with ``peak_at``.
- ``viewer_minutes``: the trapezoidal integral of concurrent viewers over
  consecutive live samples no further apart than ``MAX_GAP_INTERVALS`` live
  intervals; a wider gap is not filled (it lowers coverage instead).
- ``covered_minutes``: the minutes those trapezoids span.
- ``live_until``: the time of the last live sample, with a viewer count or without
  (Instagram); the end of a stream on a platform that gives none.
- ``live_minutes`` (derived from the stream's actual start/end) and
  ``coverage_pct = covered_minutes / live_minutes`` are computed by reports.

Exactness: a sample's time counts to the whole second, as the store keeps it
(``to_iso``), so a fold sees the same times as a rebuild from stored snapshots
however many sub-second digits the clock gave. The sums are kept as integers —
``covered_seconds`` and ``viewer_seconds_x2`` (twice the viewer-seconds, so every
trapezoid is whole) — and the two minute figures are derived from them, so the
order and the cycles in which samples are folded cannot change a digit. A fold
takes its batch in time order, whatever order the samples arrived in. Rollups
written before these fields existed are read as they are and carried on from
their minute figures (``streamer.rollups``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime, timedelta

from streamer.models import Gap, Snapshot, StreamStatus
from streamer.rollups import ADDED, Rollup, empty

__all__ = [
    "ADDED",
    "MAX_GAP_INTERVALS",
    "Rollup",
    "empty",
    "fold",
    "fold_gaps",
    "last_snapshot",
    "rebuild",
    "to_second",
]

MAX_GAP_INTERVALS = 3
_SECOND = timedelta(seconds=1)


def fold(rollup: Rollup, snapshots: Iterable[Snapshot]) -> Rollup:
    """``rollup`` with ``snapshots`` (of its stream, in any order) folded in.

    Times count to the whole second (what the store keeps) and the batch is folded
    in time order. A snapshot not newer than the last one folded is skipped, so
    replaying a cycle after a crash cannot count it twice. An old rollup comes out
    with the fields it lacked (``ADDED``), as the store will keep it.
    """
    acc = _Acc(rollup)
    newest = rollup.last_sample_at
    for snap in sorted(map(to_second, snapshots), key=_ts):
        if newest is not None and snap.ts <= newest:
            continue
        acc.fold_one(snap)
        newest = snap.ts
    return acc.result(rollup)


def to_second(snap: Snapshot) -> Snapshot:
    """``snap`` with its time cut to the whole second, as the store keeps it."""
    return snap if snap.ts.microsecond == 0 else replace(snap, ts=snap.ts.replace(microsecond=0))


def fold_gaps(rollup: Rollup, gaps: Iterable[Gap]) -> Rollup:
    """``rollup`` with gap counts by reason added."""
    counts = dict(rollup.gaps)
    for gap in gaps:
        counts[gap.reason] = counts.get(gap.reason, 0) + 1
    return replace(rollup, gaps=counts)


def last_snapshot(rollup: Rollup | None) -> list[Snapshot]:
    """The last snapshot folded into ``rollup`` (as a one-item list), if known."""
    if rollup is None or rollup.last_sample_at is None or rollup.last_status is None:
        return []
    return [
        Snapshot(
            stream=rollup.stream,
            ts=rollup.last_sample_at,
            status=StreamStatus(rollup.last_status),
            concurrent_viewers=rollup.last_viewers,
        )
    ]


def rebuild(
    stream: str, live_interval_s: int, snapshots: Iterable[Snapshot], gaps: Iterable[Gap] = ()
) -> Rollup:
    """The rollup recomputed from a stream's whole history (``fold`` puts it in order)."""
    return fold_gaps(fold(empty(stream, live_interval_s), snapshots), gaps)


def _ts(snap: Snapshot) -> datetime:
    return snap.ts


class _Acc:
    """The figures a fold changes, mutable while one batch is folded in."""

    __slots__ = (
        "changed",
        "comments",
        "covered_seconds",
        "first_live_at",
        "last_live_at",
        "last_live_viewers",
        "last_sample_at",
        "last_status",
        "last_viewers",
        "likes",
        "live_samples",
        "live_until",
        "max_gap_s",
        "peak_at",
        "peak_concurrent",
        "samples",
        "viewer_seconds_x2",
        "views",
    )

    def __init__(self, r: Rollup) -> None:
        self.samples = r.samples
        self.live_samples = r.live_samples
        self.peak_concurrent = r.peak_concurrent
        self.peak_at = r.peak_at
        self.viewer_seconds_x2 = r.viewer_seconds_x2
        self.covered_seconds = r.covered_seconds
        self.first_live_at = r.first_live_at
        self.last_live_at = r.last_live_at
        self.live_until = r.live_until
        self.last_live_viewers = r.last_live_viewers
        self.last_sample_at = r.last_sample_at
        self.last_status = r.last_status
        self.last_viewers = r.last_viewers
        self.views = r.views
        self.likes = r.likes
        self.comments = r.comments
        self.max_gap_s = MAX_GAP_INTERVALS * r.live_interval_s
        self.changed = False  # whether a trapezoid was added (the minute figures move)

    def fold_one(self, snap: Snapshot) -> None:
        """Count one snapshot newer than any folded so far."""
        self.samples += 1
        self.last_sample_at = snap.ts
        # The last reading itself, so a simulcast's combined figure can be carried on
        # from it in the next cycle without reading the snapshot back.
        self.last_status = snap.status.value
        self.last_viewers = snap.concurrent_viewers
        if snap.views is not None:
            self.views = snap.views
        if snap.likes is not None:
            self.likes = snap.likes
        if snap.comments is not None:
            self.comments = snap.comments
        if snap.status is StreamStatus.LIVE:
            self.fold_live(snap)

    def fold_live(self, snap: Snapshot) -> None:
        """Count a live sample: the peak, and the trapezoid from the previous one."""
        self.live_samples += 1
        self.live_until = snap.ts
        if self.first_live_at is None:
            self.first_live_at = snap.ts
        viewers = snap.concurrent_viewers
        if viewers is None:
            # Hidden or not reported (Instagram): no point on the curve, and the next
            # known point must not be joined across this one.
            self.last_live_at = None
            self.last_live_viewers = None
            return
        if self.peak_concurrent is None or viewers > self.peak_concurrent:
            self.peak_concurrent = viewers
            self.peak_at = snap.ts
        self.integrate(snap.ts, viewers)
        self.last_live_at = snap.ts
        self.last_live_viewers = viewers

    def integrate(self, ts: datetime, viewers: int) -> None:
        """Add the trapezoid from the previous live sample, unless the gap is too wide.

        Whole seconds and whole viewers: the sums stay integers, exact in any order.
        """
        if self.last_live_at is None or self.last_live_viewers is None:
            return
        seconds = (ts - self.last_live_at) // _SECOND
        if seconds <= 0 or seconds > self.max_gap_s:
            return
        self.viewer_seconds_x2 += (self.last_live_viewers + viewers) * seconds
        self.covered_seconds += seconds
        self.changed = True

    def result(self, r: Rollup) -> Rollup:
        """``r`` with the folded figures; an old rollup gains the fields it lacked."""
        order = r.order
        if r.absent and order is not None:
            order = order + tuple(name for name in ADDED if name in r.absent)
        return Rollup(
            r.stream,
            r.live_interval_s,
            self.samples,
            self.live_samples,
            r.gaps,
            self.peak_concurrent,
            self.peak_at,
            self.viewer_seconds_x2 / 120 if self.changed else r.viewer_minutes,
            self.covered_seconds / 60 if self.changed else r.covered_minutes,
            self.viewer_seconds_x2,
            self.covered_seconds,
            self.first_live_at,
            self.last_live_at,
            self.live_until,
            self.last_live_viewers,
            self.last_sample_at,
            self.last_status,
            self.last_viewers,
            self.views,
            self.likes,
            self.comments,
            frozenset(),
            order,
        )
