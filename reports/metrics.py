"""Audience metrics: pure functions over rollups (never raw snapshots).

Definitions (documented in docs/reports.md, "Metric definitions"):

- per stream: ``views`` is the latest known total; ``peak_concurrent`` the largest
  concurrent sample (and when); ``viewer_minutes`` the trapezoidal integral of
  concurrent viewers over consecutive live samples no further apart than three live
  intervals (see ``streamer.rollup``); ``avg_concurrent = viewer_minutes /
  covered_minutes``; ``coverage_pct = covered_minutes / live_minutes``, where live
  minutes run from the actual start to the actual end; ``start_delay_min = actual
  start − planned start``; ``duration_min = actual end − actual start``.
- the actual end is the platform's own where it gives one (YouTube's
  ``actualEndTime``, Twitch's archive length), else the last live sample (the
  rollup's ``live_until``: Facebook and Instagram, and any stream still live); a
  stream without a live sample and without an end of the platform's own has no
  duration and no coverage (``None``), rather than one that runs to whenever a poll
  happened to find it over.
- per broadcast (simulcast): views summed over the platforms that report them;
  concurrent figures from the combined rollup ``broadcast:<id>``; it lasts from the
  earliest start of its streams to the latest end.
- a figure no platform reported is ``None`` ("n/a"), never 0.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from streamer.fastbuild import builder
from streamer.models import Stream
from streamer.rollups import Rollup

# Platforms whose API says when a stream ended (YouTube's actualEndTime; Twitch's archive
# length). Facebook and Instagram store the first poll that found the stream over, which
# anchors its final polls (views keep growing for a week); reports end it at
# ``live_until``, the last live sample.
OWN_END = frozenset({"youtube", "twitch"})
LOW_COVERAGE_PCT = 80.0  # below this, viewer figures miss a noticeable part of the broadcast
HELD = ("held", "live")  # a broadcast on air now has been held, as far as counts go

N = TypeVar("N", int, float)
_NOTHING_UNREPORTED: frozenset[tuple[str, str]] = frozenset()


@dataclass(frozen=True, slots=True)
class Figures:
    """Audience figures of one stream, or of one broadcast over its platforms.

    ``unreported`` holds ``(figure, platform)`` pairs a platform did not give
    (Instagram: concurrent viewers and views); those platforms are left out of
    the sums. ``no_combined`` marks a simulcast whose combined rollup is missing.
    """

    actual_start: datetime | None = None
    actual_end: datetime | None = None
    views: int | None = None
    peak_concurrent: int | None = None
    peak_at: datetime | None = None
    viewer_minutes: float | None = None
    covered_minutes: float = 0.0
    live_minutes: float | None = None
    unreported: frozenset[tuple[str, str]] = frozenset()
    no_combined: bool = False

    @property
    def avg_concurrent(self) -> float | None:
        """Time-weighted average: viewer-minutes over the minutes they cover."""
        return _average(self.viewer_minutes, self.covered_minutes)

    @property
    def coverage_pct(self) -> float | None:
        """Share of the live minutes that concurrent samples cover, in percent."""
        if self.viewer_minutes is None or not self.live_minutes:
            return None
        return min(100.0, 100.0 * self.covered_minutes / self.live_minutes)

    @property
    def duration_min(self) -> float | None:
        """Actual end − actual start, in minutes."""
        return _minutes(self.actual_start, self.actual_end)

    @property
    def low_coverage(self) -> bool:
        """Whether the viewer figures miss a noticeable part of the broadcast."""
        pct = self.coverage_pct
        return pct is not None and pct < LOW_COVERAGE_PCT


# Every report builds a Figures per stream and per broadcast: see ``streamer.fastbuild``.
_build_figures = builder(Figures)


def stream_figures(stream: Stream, rollup: Rollup | None) -> Figures:
    """The figures of one stream from its rollup (``None``: never sampled)."""
    if rollup is None:  # never sampled: no live sample, nothing unreported
        start = stream.actual_start
        end = stream.actual_end if start and stream.platform in OWN_END else None
        return Figures(start, end, live_minutes=_minutes(start, end))
    r = rollup
    start = stream.actual_start or r.first_live_at
    end = _end(stream, r) if start else None
    views = r.views
    peak = r.peak_concurrent
    reported = peak is not None
    # Figures this stream was sampled for but never gave.
    no_viewers = bool(r.live_samples) and not reported
    # A stream that never went live (a no-show, polled only while upcoming) had no views
    # to give: that is not a platform failing to report them.
    no_views = bool(r.samples) and views is None and start is not None
    return _build_figures(
        start,
        end,
        views,
        peak,
        r.peak_at,
        float(r.viewer_minutes) if reported else None,
        float(r.covered_minutes) if reported else 0.0,
        _minutes(start, end),
        _unreported(stream.platform, no_viewers, no_views)
        if no_viewers or no_views
        else _NOTHING_UNREPORTED,
        False,
    )


def _end(stream: Stream, r: Rollup) -> datetime | None:
    """The platform's own end, else the last live sample; ``None`` with neither."""
    if stream.actual_end is not None and stream.platform in OWN_END:
        return stream.actual_end
    if "live_until" not in r.absent:
        return r.live_until
    # A rollup stored before ``live_until``: what it knows (``rollup --rebuild`` adds it).
    return stream.actual_end or r.last_live_at or r.last_sample_at


def combined_figures(members: Sequence[Figures], combined: Rollup | None) -> Figures:
    """A simulcast's figures: its platforms' figures summed, concurrent ones combined.

    Views are summed over the platforms that report them. Concurrent figures come
    from the combined rollup (viewers summed at aligned times); without one they
    are exact only when at most one platform reports viewers.
    """
    if len(members) == 1 and (combined is None or combined.peak_concurrent is None):
        # One stream and no combined figures to prefer: its own figures are the sum
        # (most broadcasts are this). Equal to the general path below for figures from
        # ``stream_figures``: an end only with a start, live minutes from the two.
        return members[0]
    # One pass, one Figures: a report builds this for every broadcast of its period.
    start = end = None
    views: list[int] = []
    reporting: list[Figures] = []
    unreported = _NOTHING_UNREPORTED
    for m in members:
        if m.actual_start is not None:
            if start is None or m.actual_start < start:
                start = m.actual_start
            if m.actual_end is not None and (end is None or m.actual_end > end):
                end = m.actual_end
        if m.views is not None:
            views.append(m.views)
        if m.unreported:
            unreported = unreported | m.unreported
        if m.peak_concurrent is not None:
            reporting.append(m)
    peak, peak_at, viewer_minutes, covered, no_combined = _concurrent(reporting, combined)
    return _build_figures(
        start,
        end,
        sum(views) if views else None,
        peak,
        peak_at,
        viewer_minutes,
        covered,
        _minutes(start, end),
        unreported,
        no_combined,
    )


def sequential_figures(parts: Sequence[Figures]) -> Figures:
    """One platform's figures when a broadcast went out as several streams in turn.

    Streams on one channel do not overlap (a restart ends the first), so
    viewer-minutes and minutes add up and the peak is the larger one.
    """
    if len(parts) == 1:
        return parts[0]
    peak = max(
        (p for p in parts if p.peak_concurrent is not None),
        key=lambda p: p.peak_concurrent or 0,
        default=None,
    )
    started = [p for p in parts if p.actual_start]
    return Figures(
        actual_start=min((p.actual_start for p in started if p.actual_start), default=None),
        actual_end=max((p.actual_end for p in started if p.actual_end), default=None),
        views=_sum(p.views for p in parts),
        peak_concurrent=None if peak is None else peak.peak_concurrent,
        peak_at=None if peak is None else peak.peak_at,
        viewer_minutes=_sum(p.viewer_minutes for p in parts),
        covered_minutes=sum(p.covered_minutes for p in parts),
        live_minutes=_sum(p.live_minutes for p in parts if p.peak_concurrent is not None),
        unreported=frozenset().union(*(p.unreported for p in parts)),
    )


def start_delay_min(planned: datetime | None, actual: datetime | None) -> float | None:
    """Actual start − planned start in minutes (negative: early); ``None`` if unknown."""
    return _minutes(planned, actual)


@dataclass(frozen=True, slots=True)
class Entry:
    """One unit a report counts: a planned broadcast (on all its platforms, or on the
    one the report is about) or an unplanned broadcast (``status == "unplanned"``).

    ``id`` is the broadcast id: a planned one, or an unplanned one (``u-…``, see
    ``streamer.unplanned``); a stream stored before unplanned broadcasts existed
    has its stream key ``platform:external_id``. ``streams`` counts the unplanned
    streams an unplanned entry stands for.
    """

    id: str
    programme: str
    title: str
    status: str
    platforms: tuple[str, ...]
    figures: Figures
    district: str = ""
    planned_start: datetime | None = None
    planned_duration_min: int | None = None
    streams: int = 1

    @property
    def when(self) -> datetime | None:
        """The time that places the entry in a period: planned, else actual start."""
        return self.planned_start or self.figures.actual_start

    @property
    def start_delay_min(self) -> float | None:
        """Actual − planned start in minutes; ``None`` when unplanned or not started."""
        return start_delay_min(self.planned_start, self.figures.actual_start)


@dataclass(frozen=True, slots=True)
class Totals:
    """What a group of entries adds up to (see ``aggregate``)."""

    broadcasts_planned: int = 0
    broadcasts_held: int = 0
    broadcasts_missed: int = 0
    broadcasts_cancelled: int = 0
    unplanned_streams: int = 0
    unplanned_broadcasts: int = 0
    views: int | None = None
    peak_concurrent: int | None = None
    viewer_minutes: float | None = None
    covered_minutes: float = 0.0
    live_minutes: float = 0.0
    avg_start_delay_min: float | None = None
    delays: tuple[float, ...] = field(default=(), repr=False)

    @property
    def live_broadcasts(self) -> int:
        """Times the programme went on air: broadcasts held plus unplanned broadcasts
        (an unplanned simulcast once, however many platforms carried it)."""
        return self.broadcasts_held + self.unplanned_broadcasts

    @property
    def avg_concurrent(self) -> float | None:
        """Viewer-minutes over covered minutes, across all entries (time-weighted)."""
        return _average(self.viewer_minutes, self.covered_minutes)

    @property
    def coverage_pct(self) -> float | None:
        """Covered minutes over live minutes, across entries that report viewers."""
        if self.viewer_minutes is None or self.live_minutes <= 0:
            return None
        return min(100.0, 100.0 * self.covered_minutes / self.live_minutes)


def aggregate(entries: Iterable[Entry]) -> Totals:
    """Counts by status and summed figures of ``entries``.

    Planned counts every plan entry whatever its status; held counts held and live
    ones. Views and viewer-minutes add up; the peak is the largest entry's peak;
    coverage and the average use only entries that report concurrent viewers;
    the average start delay is over held entries whose start is known.
    """
    listed = list(entries)
    statuses = [e.status for e in listed]
    reporting = [e.figures for e in listed if e.figures.viewer_minutes is not None]
    delays = tuple(d for e in listed if e.status in HELD and (d := e.start_delay_min) is not None)
    return Totals(
        broadcasts_planned=sum(s != "unplanned" for s in statuses),
        broadcasts_held=sum(s in HELD for s in statuses),
        broadcasts_missed=statuses.count("missed"),
        broadcasts_cancelled=statuses.count("cancelled"),
        unplanned_streams=sum(e.streams for e in listed if e.status == "unplanned"),
        unplanned_broadcasts=statuses.count("unplanned"),
        views=_sum(e.figures.views for e in listed),
        peak_concurrent=max((f.peak_concurrent or 0 for f in reporting), default=None),
        viewer_minutes=_sum(f.viewer_minutes for f in reporting),
        covered_minutes=sum(f.covered_minutes for f in reporting),
        live_minutes=sum(f.live_minutes or 0.0 for f in reporting),
        avg_start_delay_min=sum(delays) / len(delays) if delays else None,
        delays=delays,
    )


def _concurrent(
    reporting: list[Figures], combined: Rollup | None
) -> tuple[int | None, datetime | None, float | None, float, bool]:
    """A simulcast's peak, peak time, viewer-minutes, covered minutes and ``no_combined``."""
    if combined is not None and combined.peak_concurrent is not None:
        return (
            combined.peak_concurrent,
            combined.peak_at,
            float(combined.viewer_minutes),
            float(combined.covered_minutes),
            False,
        )
    if len(reporting) == 1:
        # One platform gives viewers (the others none, e.g. Instagram): its figures
        # are the sum, since the rest add nothing known.
        only = reporting[0]
        return only.peak_concurrent, only.peak_at, only.viewer_minutes, only.covered_minutes, False
    # Several platforms give viewers but nobody combined them: the sum of peaks would
    # overstate the peak, so the figures stay unknown and a footnote says why.
    return None, None, None, 0.0, len(reporting) > 1


def _unreported(platform: str, no_viewers: bool, no_views: bool) -> frozenset[tuple[str, str]]:
    missing = set()
    if no_viewers:
        missing.add(("concurrent_viewers", platform))
    if no_views:
        missing.add(("views", platform))
    return frozenset(missing)


def _average(viewer_minutes: float | None, covered_minutes: float) -> float | None:
    """Average concurrent viewers: viewer-minutes over the minutes they cover."""
    if viewer_minutes is None or covered_minutes <= 0:
        return None
    return viewer_minutes / covered_minutes


def _sum(values: Iterable[N | None]) -> N | None:
    """The sum of the known values, or ``None`` when none is known (n/a, not 0)."""
    known = [v for v in values if v is not None]
    return sum(known) if known else None


def _minutes(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return (end - start).total_seconds() / 60
