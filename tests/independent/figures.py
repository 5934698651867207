"""Per-stream and combined (simulcast) figures from raw snapshots, in exact arithmetic.

The definitions of docs/reports.md, worked out with ``Fraction`` (snapshot times are whole
seconds, counts whole numbers), so rounding a figure to one decimal is never in
doubt. ``Rules`` switches between main's definitions before issue #13 (``legacy``)
and the issue's, which the tests assert.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction

from tests.independent.raw import Doc, when

MAX_GAP_INTERVALS = 3  # docs/reports.md: samples join when no more than 3 live intervals apart
PLATFORM_ENDS = ("youtube", "twitch")  # the platforms that give their own end time
ORDER = ("youtube", "facebook", "instagram", "twitch")


@dataclass(frozen=True)
class Rules:
    """Which definitions to apply: issue #13's (the default) or main's before it."""

    legacy: bool = False


@dataclass(frozen=True)
class Sample:
    """One snapshot, reduced to what the definitions use."""

    ts: datetime
    live: bool
    viewers: int | None


@dataclass(frozen=True)
class Curve:
    """Concurrent-viewer figures of one series of samples."""

    peak: int | None
    viewer_minutes: Fraction | None
    covered_minutes: Fraction


@dataclass(frozen=True)
class Figures:
    """One stream's, one platform's or one broadcast's figures (``None``: unknown)."""

    start: datetime | None
    end: datetime | None
    views: int | None
    peak: int | None
    viewer_minutes: Fraction | None
    covered_minutes: Fraction
    live_minutes: Fraction | None

    @property
    def duration_min(self) -> Fraction | None:
        """Actual end − actual start."""
        return minutes(self.start, self.end)

    @property
    def avg_concurrent(self) -> Fraction | None:
        """Viewer-minutes ÷ covered minutes."""
        if self.viewer_minutes is None or self.covered_minutes <= 0:
            return None
        return self.viewer_minutes / self.covered_minutes

    @property
    def coverage_pct(self) -> Fraction | None:
        """Covered minutes ÷ live minutes × 100, for figures that report viewers."""
        if self.viewer_minutes is None or not self.live_minutes:
            return None
        return 100 * self.covered_minutes / self.live_minutes


def minutes(start: datetime | None, end: datetime | None) -> Fraction | None:
    """``end − start`` in exact minutes."""
    if start is None or end is None:
        return None
    return Fraction(int((end - start).total_seconds()), 60)


def samples(snapshots: Iterable[Doc]) -> list[Sample]:
    """A stream's snapshots as samples, in time order."""
    found = [
        Sample(when(d["ts"]), d["status"] == "live", d.get("concurrent_viewers"))  # type: ignore[arg-type]
        for d in snapshots
    ]
    return sorted(found, key=lambda s: s.ts)


def latest(snapshots: Sequence[Doc], name: str) -> int | None:
    """The latest known value of ``views``, ``likes`` or ``comments``."""
    known = [d for d in snapshots if d.get(name) is not None]
    return max(known, key=lambda d: d["ts"])[name] if known else None


def curve(series: Sequence[Sample], interval_s: int) -> Curve:
    """Peak, viewer-minutes (trapezoids) and covered minutes over the live samples.

    Consecutive live samples with counts join when at most 3 intervals apart; a live
    sample without a count breaks the curve. No live count at all: unknown figures.
    """
    peak: int | None = None
    viewer_minutes = covered = Fraction(0)
    previous: Sample | None = None
    for sample in series:
        if not sample.live:
            continue
        if sample.viewers is None:
            previous = None
            continue
        peak = sample.viewers if peak is None else max(peak, sample.viewers)
        if previous is not None and previous.viewers is not None:
            seconds = int((sample.ts - previous.ts).total_seconds())
            if 0 < seconds <= MAX_GAP_INTERVALS * interval_s:
                span = Fraction(seconds, 60)
                viewer_minutes += Fraction(previous.viewers + sample.viewers, 2) * span
                covered += span
        previous = sample
    if peak is None:
        return Curve(None, None, Fraction(0))
    return Curve(peak, viewer_minutes, covered)


def on_air(
    stream: Doc, series: Sequence[Sample], rules: Rules
) -> tuple[datetime | None, datetime | None]:
    """A stream's start and end.

    Start: the platform's actual start, else the first live sample. End (issue #13):
    the platform's own end where it gives one (YouTube, Twitch), else the last live
    sample; no live sample, no end. Legacy: the stored end, else the last live
    sample, else the last sample.
    """
    live = [s.ts for s in series if s.live]
    start = when(stream.get("actual_start")) or (live[0] if live else None)
    stored = when(stream.get("actual_end"))
    if rules.legacy:
        last = live[-1] if live else (series[-1].ts if series else None)
        return start, stored or (last if start else None)
    if stored is not None and stream["platform"] in PLATFORM_ENDS:
        return start, stored
    return start, live[-1] if live else None


def stream_figures(stream: Doc, snapshots: Sequence[Doc], interval_s: int, rules: Rules) -> Figures:
    """One stream's figures from its snapshots."""
    series = samples(snapshots)
    start, end = on_air(stream, series, rules)
    c = curve(series, interval_s)
    return Figures(
        start, end, latest(snapshots, "views"), c.peak, c.viewer_minutes, c.covered_minutes,
        minutes(start, end),
    )  # fmt: skip


def combined_series(
    members: Sequence[tuple[str, Sequence[Sample]]], interval_s: int
) -> list[Sample]:
    """Concurrent viewers summed across platforms at every sample time of any member.

    ``members`` are (channel key, samples) per stream. At time ``t`` a stream counts
    with its latest sample at or before ``t`` when that is at most one interval old;
    streams of one channel count once, with the newest reading (a live one first).
    The point is live when any counted reading is; its viewers are the sum of the
    live readings' known counts (unknown when none is known).
    """
    times = sorted({s.ts for _, series in members for s in series})
    combined = []
    for t in times:
        per_channel: dict[str, Sample] = {}
        for channel, series in members:
            before = [s for s in series if s.ts <= t]
            if not before or (t - before[-1].ts).total_seconds() > interval_s:
                continue
            reading = before[-1]
            held = per_channel.get(channel)
            if held is None or _rank(reading) > _rank(held):
                per_channel[channel] = reading
        readings = list(per_channel.values())
        live = [r for r in readings if r.live]
        known = [r.viewers for r in live if r.viewers is not None]
        combined.append(Sample(t, bool(live), sum(known) if known else None))
    return combined


def _rank(sample: Sample) -> tuple[bool, datetime, int]:
    return sample.live, sample.ts, sample.viewers if sample.viewers is not None else -1


def broadcast_figures(
    streams: Sequence[Doc], snapshots: dict[str, list[Doc]], interval_s: int, rules: Rules
) -> Figures:
    """A broadcast over its streams: views summed, viewers combined at aligned times,
    on air from the earliest start to the latest end."""
    parts = [stream_figures(s, snapshots.get(s["key"], []), interval_s, rules) for s in streams]
    starts = [p.start for p in parts if p.start is not None]
    ends = [p.end for p in parts if p.start is not None and p.end is not None]
    start = min(starts) if starts else None
    end = max(ends) if ends else None
    views = [p.views for p in parts if p.views is not None]
    members = [
        (f"{s['platform']}:{s['channel']}", samples(snapshots.get(s["key"], []))) for s in streams
    ]
    c = curve(combined_series(members, interval_s), interval_s)
    return Figures(
        start, end, sum(views) if views else None, c.peak, c.viewer_minutes, c.covered_minutes,
        minutes(start, end),
    )  # fmt: skip


def platform_figures(
    streams: Sequence[Doc], snapshots: dict[str, list[Doc]], interval_s: int, rules: Rules
) -> Figures:
    """One platform's figures of a broadcast: its streams there follow one another, so
    minutes and viewer-minutes add up, the peak is the larger."""
    parts = [stream_figures(s, snapshots.get(s["key"], []), interval_s, rules) for s in streams]
    if len(parts) == 1:
        return parts[0]
    started = [p for p in parts if p.start is not None]
    reporting = [p for p in parts if p.viewer_minutes is not None]
    views = [p.views for p in parts if p.views is not None]
    ends = [p.end for p in started if p.end is not None]
    return Figures(
        min((p.start for p in started), default=None),  # type: ignore[arg-type]
        max(ends) if ends else None,
        sum(views) if views else None,
        max((p.peak for p in reporting), default=None),  # type: ignore[arg-type]
        sum((p.viewer_minutes for p in reporting), Fraction(0)) if reporting else None,  # type: ignore[misc]
        sum((p.covered_minutes for p in reporting), Fraction(0)),
        sum((p.live_minutes or Fraction(0) for p in reporting), Fraction(0)) if reporting else None,
    )


def half_up(value: Fraction | int | None, digits: int = 1) -> float | None:
    """``value`` rounded half away from zero to ``digits`` decimals (issue #13)."""
    if value is None:
        return None
    scale = 10**digits
    scaled = abs(Fraction(value)) * scale
    whole = int(scaled + Fraction(1, 2))
    return (whole if value >= 0 else -whole) / scale
