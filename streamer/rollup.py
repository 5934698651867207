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
their minute figures.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from streamer.models import Gap, Snapshot, StreamStatus, from_iso, to_iso

MAX_GAP_INTERVALS = 3
# Fields added after rollups were first stored: an older rollup lacks them.
ADDED = ("covered_seconds", "viewer_seconds_x2", "live_until")
_SECOND = timedelta(seconds=1)


def empty(stream: str, live_interval_s: int) -> dict[str, Any]:
    """A rollup with no samples yet."""
    return {
        "stream": stream,
        "live_interval_s": live_interval_s,
        "samples": 0,
        "live_samples": 0,
        "gaps": {},
        "peak_concurrent": None,
        "peak_at": None,
        "viewer_minutes": 0.0,
        "covered_minutes": 0.0,
        "viewer_seconds_x2": 0,
        "covered_seconds": 0,
        "first_live_at": None,
        "last_live_at": None,
        "live_until": None,
        "last_live_viewers": None,
        "last_sample_at": None,
        "last_status": None,
        "last_viewers": None,
        "views": None,
        "likes": None,
        "comments": None,
    }


def fold(rollup: Mapping[str, Any], snapshots: Iterable[Snapshot]) -> dict[str, Any]:
    """``rollup`` with ``snapshots`` (of its stream, in any order) folded in.

    Times count to the whole second (what the store keeps) and the batch is folded
    in time order. A snapshot not newer than the last one folded is skipped, so
    replaying a cycle after a crash cannot count it twice.
    """
    result = dict(rollup)
    if "covered_seconds" not in result:  # a rollup stored before the exact sums
        result["covered_seconds"] = round(float(result["covered_minutes"]) * 60)
        result["viewer_seconds_x2"] = round(float(result["viewer_minutes"]) * 120)
    if "live_until" not in result:  # likewise: the last live sample with viewers, if any
        result["live_until"] = result["last_live_at"]
    last = result["last_sample_at"]
    newest = None if last is None else from_iso(last)
    for snap in sorted(map(to_second, snapshots), key=_ts):
        if newest is not None and snap.ts <= newest:
            continue
        _fold_one(result, snap)
        newest = snap.ts
    return result


def to_second(snap: Snapshot) -> Snapshot:
    """``snap`` with its time cut to the whole second, as the store keeps it."""
    return snap if snap.ts.microsecond == 0 else replace(snap, ts=snap.ts.replace(microsecond=0))


def fold_gaps(rollup: Mapping[str, Any], gaps: Iterable[Gap]) -> dict[str, Any]:
    """``rollup`` with gap counts by reason added."""
    result = dict(rollup)
    counts = dict(result["gaps"])
    for gap in gaps:
        counts[gap.reason] = counts.get(gap.reason, 0) + 1
    result["gaps"] = counts
    return result


def last_snapshot(rollup: Mapping[str, Any] | None) -> list[Snapshot]:
    """The last snapshot folded into ``rollup`` (as a one-item list), if known."""
    if not rollup or rollup.get("last_sample_at") is None or rollup.get("last_status") is None:
        return []
    return [
        Snapshot(
            stream=rollup["stream"],
            ts=from_iso(rollup["last_sample_at"]),
            status=StreamStatus(rollup["last_status"]),
            concurrent_viewers=rollup.get("last_viewers"),
        )
    ]


def rebuild(
    stream: str, live_interval_s: int, snapshots: Iterable[Snapshot], gaps: Iterable[Gap] = ()
) -> dict[str, Any]:
    """The rollup recomputed from a stream's whole history (``fold`` puts it in order)."""
    return fold_gaps(fold(empty(stream, live_interval_s), snapshots), gaps)


def _ts(snap: Snapshot) -> datetime:
    return snap.ts


def _fold_one(result: dict[str, Any], snap: Snapshot) -> None:
    result["samples"] += 1
    result["last_sample_at"] = to_iso(snap.ts)
    # The last reading itself, so a simulcast's combined figure can be carried on
    # from it in the next cycle without reading the snapshot back.
    result["last_status"] = snap.status.value
    result["last_viewers"] = snap.concurrent_viewers
    for name in ("views", "likes", "comments"):
        value = getattr(snap, name)
        if value is not None:
            result[name] = value
    if snap.status is StreamStatus.LIVE:
        _fold_live(result, snap)


def _fold_live(result: dict[str, Any], snap: Snapshot) -> None:
    result["live_samples"] += 1
    result["live_until"] = to_iso(snap.ts)
    if result["first_live_at"] is None:
        result["first_live_at"] = to_iso(snap.ts)
    viewers = snap.concurrent_viewers
    if viewers is None:
        # Hidden or not reported (Instagram): no point on the curve, and the next
        # known point must not be joined across this one.
        result["last_live_at"] = None
        result["last_live_viewers"] = None
        return
    if result["peak_concurrent"] is None or viewers > result["peak_concurrent"]:
        result["peak_concurrent"] = viewers
        result["peak_at"] = to_iso(snap.ts)
    _integrate(result, snap.ts, viewers)
    result["last_live_at"] = to_iso(snap.ts)
    result["last_live_viewers"] = viewers


def _integrate(result: dict[str, Any], ts: datetime, viewers: int) -> None:
    """Add the trapezoid from the previous live sample, unless the gap is too wide.

    Whole seconds and whole viewers: the sums stay integers, exact in any order.
    """
    if result["last_live_at"] is None:
        return
    seconds = (ts - from_iso(result["last_live_at"])) // _SECOND
    if seconds <= 0 or seconds > MAX_GAP_INTERVALS * result["live_interval_s"]:
        return
    result["viewer_seconds_x2"] += (result["last_live_viewers"] + viewers) * seconds
    result["covered_seconds"] += seconds
    result["viewer_minutes"] = result["viewer_seconds_x2"] / 120
    result["covered_minutes"] = result["covered_seconds"] / 60
