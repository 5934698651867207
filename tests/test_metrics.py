"""Audience metrics on hand-made snapshot sequences, with answers worked out by hand."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reports.metrics import (
    Entry,
    Figures,
    aggregate,
    combined_figures,
    sequential_figures,
    stream_figures,
)
from streamer.models import Snapshot, Stream, StreamStatus
from streamer.rollup import empty, fold, rebuild
from streamer.simulcast import (
    broadcast_key,
    combine_samples,
    is_broadcast_key,
    rebuild_combined,
)

T0 = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)  # 11:00 in Almaty
LIVE, ENDED = StreamStatus.LIVE, StreamStatus.ENDED


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def series(
    key: str, points: list[tuple[float, int | None]], views: int | None = None
) -> list[Snapshot]:
    """Live snapshots of ``key`` at (minute, viewers) points; the last one carries views."""
    snaps = [Snapshot(key, at(m), LIVE, v) for m, v in points]
    if views is not None:
        snaps[-1] = Snapshot(key, snaps[-1].ts, LIVE, snaps[-1].concurrent_viewers, views)
    return snaps


def stream(platform: str, start: float, end: float | None, broadcast: str | None = "B1") -> Stream:
    return Stream(
        platform,
        f"{platform}-1",
        "chan",
        broadcast_id=broadcast,
        status=ENDED if end is not None else LIVE,
        actual_start=at(start),
        actual_end=None if end is None else at(end),
    )


def figures_of(
    platform: str,
    points: list[tuple[float, int | None]],
    start: float,
    end: float,
    views: int | None = None,
) -> Figures:
    item = stream(platform, start, end)
    return stream_figures(item, rebuild(item.key, 60, series(item.key, points, views)))


# -- per stream ------------------------------------------------------------------------


def test_regular_samples_give_trapezoid_viewer_minutes_peak_average_and_coverage() -> None:
    """10,20,30,40,50 a minute apart: 120 viewer-minutes over 4 covered minutes of 5 live."""
    f = figures_of("youtube", [(0, 10), (1, 20), (2, 30), (3, 40), (4, 50)], 0, 5, views=900)
    assert f.viewer_minutes == pytest.approx(120.0)
    assert f.covered_minutes == pytest.approx(4.0)
    assert f.avg_concurrent == pytest.approx(30.0)
    assert f.live_minutes == pytest.approx(5.0)
    assert f.coverage_pct == pytest.approx(80.0)
    assert (f.peak_concurrent, f.peak_at) == (50, at(4))
    assert f.views == 900
    assert f.duration_min == pytest.approx(5.0)


def test_a_gap_wider_than_three_intervals_is_not_filled_and_lowers_coverage() -> None:
    """0-2 min at 10, a 4-minute hole, 6-7 min at 20: only 3 minutes count (40 vm)."""
    f = figures_of("youtube", [(0, 10), (1, 10), (2, 10), (6, 20), (7, 20)], 0, 7)
    assert f.viewer_minutes == pytest.approx(40.0)
    assert f.covered_minutes == pytest.approx(3.0)
    assert f.avg_concurrent == pytest.approx(40 / 3)
    assert f.coverage_pct == pytest.approx(300 / 7)
    assert f.low_coverage


def test_a_gap_of_exactly_three_intervals_is_still_joined() -> None:
    """Samples 3 minutes apart (10 then 20) make one trapezoid of 45 viewer-minutes."""
    f = figures_of("youtube", [(0, 10), (3, 20)], 0, 3)
    assert f.viewer_minutes == pytest.approx(45.0)
    assert f.coverage_pct == pytest.approx(100.0)


def test_a_missing_count_breaks_the_curve_instead_of_counting_zero() -> None:
    """10, hidden, 30: no trapezoid spans the hidden reading, so 0 vm but peak 30."""
    f = figures_of("youtube", [(0, 10), (1, None), (2, 30)], 0, 2)
    assert f.peak_concurrent == 30
    assert f.viewer_minutes == 0.0
    assert f.avg_concurrent is None
    assert f.coverage_pct == 0.0


def test_a_platform_without_viewer_counts_gives_none_never_zero() -> None:
    """Instagram: sampled live but never a count or views, so every figure is n/a."""
    f = figures_of("instagram", [(0, None), (1, None), (2, None)], 0, 3)
    assert (f.views, f.peak_concurrent, f.viewer_minutes) == (None, None, None)
    assert f.avg_concurrent is None and f.coverage_pct is None
    assert f.unreported == {("concurrent_viewers", "instagram"), ("views", "instagram")}


def test_a_stream_never_sampled_has_no_figures_and_no_unreported_notes() -> None:
    """No rollup at all (a no-show) is unknown, not a platform limitation."""
    f = stream_figures(Stream("youtube", "x", "c"), None)
    assert f == Figures()


def test_a_no_show_polled_only_while_upcoming_is_not_a_platform_without_views() -> None:
    """Upcoming samples without views (a no-show) are no footnote that the platform lacks them."""
    item = Stream("facebook", "fb-1", "page", broadcast_id="B1")
    upcoming = [Snapshot(item.key, at(m), StreamStatus.UPCOMING) for m in (0, 10, 20)]
    f = stream_figures(item, rebuild(item.key, 60, upcoming))
    assert f.views is None
    assert f.unreported == frozenset()


def test_a_live_stream_counts_live_minutes_up_to_its_last_sample() -> None:
    """While still on air, live minutes run from the actual start to the last sample."""
    item = stream("youtube", 0, None)
    f = stream_figures(item, rebuild(item.key, 60, series(item.key, [(1, 5), (2, 5)])))
    assert f.live_minutes == pytest.approx(2.0)
    assert f.coverage_pct == pytest.approx(50.0)


def test_start_delay_of_a_late_start_in_minutes() -> None:
    """Planned 11:00, on air 11:07:30: a start delay of 7.5 minutes."""
    late = Entry(
        "B1",
        "antikor-live",
        "t",
        "held",
        ("youtube",),
        Figures(actual_start=at(7.5), actual_end=at(67.5)),
        planned_start=T0,
    )
    assert late.start_delay_min == pytest.approx(7.5)
    assert late.figures.duration_min == pytest.approx(60.0)


# -- simulcast -------------------------------------------------------------------------

YT = series("youtube:y", [(0, 100), (1, 110), (2, 120), (3, 130)], views=1000)
FB = series("facebook:f", [(0, 50), (1, 60), (3, 80)], views=500)  # missed minute 2
IG = series("instagram:i", [(0, None), (1, None), (2, None), (3, None)])


def test_combined_samples_sum_platforms_and_carry_a_missed_poll_one_interval() -> None:
    """At minute 2 Facebook's minute-1 reading (60) stands in: 150, 170, 180, 210."""
    combined = combine_samples({"y": YT, "f": FB, "i": IG}, 60, broadcast_key("B1"))
    assert [s.concurrent_viewers for s in combined] == [150, 170, 180, 210]
    assert [s.ts for s in combined] == [at(0), at(1), at(2), at(3)]
    assert all(s.stream == "broadcast:B1" and s.status is LIVE for s in combined)
    assert all(s.views is None for s in combined)


def test_a_reading_is_carried_for_at_most_one_interval() -> None:
    """Two minutes without Facebook: at minute 3 only YouTube's 130 counts."""
    fb = series("facebook:f", [(0, 50), (1, 60)])
    combined = combine_samples({"y": YT, "f": fb}, 60)
    assert [s.concurrent_viewers for s in combined] == [150, 170, 180, 130]


def test_instagram_alone_combines_to_none_not_zero() -> None:
    """A broadcast carried only where viewers are not reported has an unknown sum."""
    combined = combine_samples({"i": IG}, 60)
    assert {s.concurrent_viewers for s in combined} == {None}


def test_an_ended_platform_drops_out_and_the_point_is_live_while_any_is() -> None:
    """YouTube ended at minute 1 while Facebook goes on: minute 1 sums Facebook only."""
    yt = [Snapshot("y", at(0), LIVE, 100), Snapshot("y", at(1), ENDED, None, 900)]
    fb = series("f", [(0, 50), (1, 60)])
    combined = combine_samples({"y": yt, "f": fb}, 60)
    assert [(s.status, s.concurrent_viewers) for s in combined] == [(LIVE, 150), (LIVE, 60)]
    alone = combine_samples({"y": yt}, 60)
    assert alone[-1].status is ENDED


def test_simulcast_figures_sum_views_over_reporting_platforms_and_use_the_combined_rollup() -> None:
    """Views 1000 + 500 (Instagram n/a); peak 210; vm 160 + 175 + 195 = 530."""
    members = [
        figures_of(
            "youtube", [(m, v) for m, v in [(0, 100), (1, 110), (2, 120), (3, 130)]], 0, 4, 1000
        ),
        figures_of("facebook", [(0, 50), (1, 60), (3, 80)], 0, 4, 500),
        figures_of("instagram", [(0, None), (3, None)], 0, 4),
    ]
    combined = rebuild_combined("B1", 60, {"y": YT, "f": FB, "i": IG})
    f = combined_figures(members, combined)
    assert f.views == 1500
    assert (f.peak_concurrent, f.peak_at) == (210, at(3))
    assert f.viewer_minutes == pytest.approx(530.0)
    assert f.avg_concurrent == pytest.approx(530 / 3)
    assert f.coverage_pct == pytest.approx(75.0)
    assert ("views", "instagram") in f.unreported
    assert not f.no_combined


def test_without_a_combined_rollup_one_reporting_platform_is_the_sum() -> None:
    """YouTube + Instagram: YouTube's own figures are the broadcast's."""
    yt = figures_of("youtube", [(0, 10), (1, 20)], 0, 1, 300)
    ig = figures_of("instagram", [(0, None), (1, None)], 0, 1)
    f = combined_figures([yt, ig], None)
    assert (f.views, f.peak_concurrent) == (300, 20)
    assert f.viewer_minutes == pytest.approx(15.0)


def test_without_a_combined_rollup_several_reporting_platforms_stay_unknown() -> None:
    """Summing peaks would overstate the peak: the figures stay n/a, with a flag."""
    yt = figures_of("youtube", [(0, 10), (1, 20)], 0, 1, 300)
    fb = figures_of("facebook", [(0, 5), (1, 5)], 0, 1, 100)
    f = combined_figures([yt, fb], None)
    assert f.views == 400
    assert f.peak_concurrent is None and f.viewer_minutes is None
    assert f.no_combined


def test_sequential_streams_on_one_platform_add_up() -> None:
    """A restarted stream: viewer-minutes and minutes add, the peak is the larger."""
    first = figures_of("youtube", [(0, 10), (1, 10)], 0, 1, 100)
    second = figures_of("youtube", [(5, 30), (6, 30)], 5, 6, 50)
    f = sequential_figures([first, second])
    assert (f.views, f.peak_concurrent) == (150, 30)
    assert f.viewer_minutes == pytest.approx(40.0)
    assert (f.actual_start, f.actual_end) == (at(0), at(6))


def test_broadcast_keys_are_recognisable() -> None:
    """Combined rollups live under broadcast:<id>, apart from stream keys."""
    assert broadcast_key("AL-1") == "broadcast:AL-1"
    assert is_broadcast_key("broadcast:AL-1") and not is_broadcast_key("youtube:abc")


# -- groups ----------------------------------------------------------------------------


def entry(status: str, figures: Figures, delay: float | None = None) -> Entry:
    planned = None if status == "unplanned" else T0
    if delay is not None:
        figures = replace(figures, actual_start=T0 + timedelta(minutes=delay))
    return Entry("x", "p", "t", status, ("youtube",), figures, planned_start=planned)


def test_aggregate_counts_statuses_and_sums_known_figures_only() -> None:
    """Planned counts every plan entry; held counts live too; n/a views add nothing."""
    a = Figures(
        views=100, peak_concurrent=40, viewer_minutes=600.0, covered_minutes=30.0, live_minutes=40.0
    )
    b = Figures(
        views=None,
        peak_concurrent=70,
        viewer_minutes=300.0,
        covered_minutes=10.0,
        live_minutes=10.0,
    )
    totals = aggregate(
        [
            entry("held", a, delay=10),
            entry("live", b, delay=2),
            entry("missed", Figures()),
            entry("cancelled", Figures()),
            entry("planned", Figures()),
            entry("unplanned", Figures(views=25)),
        ]
    )
    assert (totals.broadcasts_planned, totals.broadcasts_held) == (5, 2)
    assert (totals.broadcasts_missed, totals.broadcasts_cancelled) == (1, 1)
    assert totals.unplanned_streams == 1
    assert totals.live_broadcasts == 3
    assert totals.views == 125
    assert totals.peak_concurrent == 70
    assert totals.viewer_minutes == pytest.approx(900.0)
    assert totals.avg_concurrent == pytest.approx(900 / 40)
    assert totals.coverage_pct == pytest.approx(80.0)
    assert totals.avg_start_delay_min == pytest.approx(6.0)


def test_aggregate_of_nothing_is_zero_counts_and_unknown_figures() -> None:
    """An empty group has 0 broadcasts but no views figure (n/a), not 0 views."""
    totals = aggregate([])
    assert totals.broadcasts_planned == 0
    assert (totals.views, totals.peak_concurrent, totals.avg_concurrent) == (None, None, None)
    assert totals.coverage_pct is None and totals.avg_start_delay_min is None


# -- incremental equals rebuild ----------------------------------------------------------

viewers = st.one_of(st.none(), st.integers(0, 5000))
statuses = st.sampled_from([StreamStatus.UPCOMING, LIVE, LIVE, LIVE, ENDED])
steps = st.lists(
    st.tuples(st.integers(1, 400), statuses, viewers, viewers), min_size=1, max_size=40
)


def to_snapshots(
    key: str, drawn: list[tuple[int, StreamStatus, int | None, int | None]]
) -> list[Snapshot]:
    snaps, ts = [], T0
    for gap, status, concurrent, views in drawn:
        ts += timedelta(seconds=gap)
        snaps.append(Snapshot(key, ts, status, concurrent, views))
    return snaps


@settings(max_examples=150, deadline=None)
@given(drawn=steps, cuts=st.lists(st.integers(0, 40), max_size=6), replay=st.booleans())
def test_folding_in_chunks_equals_rebuilding(
    drawn: list[tuple[int, StreamStatus, int | None, int | None]], cuts: list[int], replay: bool
) -> None:
    """Rollups folded cycle by cycle (even with a replayed cycle) equal a rebuild."""
    snaps = to_snapshots("youtube:v", drawn)
    bounds = sorted({0, len(snaps), *(c for c in cuts if c < len(snaps))})
    rolled = empty("youtube:v", 60)
    for low, high in pairwise(bounds):
        rolled = fold(rolled, snaps[low:high])
        if replay:
            rolled = fold(rolled, snaps[low:high])  # a cycle replayed after a crash
    assert rolled == rebuild("youtube:v", 60, snaps)


cycle_rows = st.lists(
    st.tuples(
        st.integers(20, 200),
        st.lists(st.tuples(st.booleans(), statuses, viewers), min_size=3, max_size=3),
    ),
    min_size=1,
    max_size=30,
)


@settings(max_examples=150, deadline=None)
@given(cycles=cycle_rows)
def test_combined_rollup_folded_per_cycle_equals_rebuild_combined(
    cycles: list[tuple[int, list[tuple[bool, StreamStatus, int | None]]]],
) -> None:
    """The engine's path (combine a window each cycle, fold) agrees with a rebuild."""
    keys = ("youtube:y", "facebook:f", "instagram:i")
    history: dict[str, list[Snapshot]] = {k: [] for k in keys}
    rolled, ts = empty(broadcast_key("B"), 60), T0
    for gap, polls in cycles:
        ts += timedelta(seconds=gap)
        for key, (polled, status, concurrent) in zip(keys, polls, strict=True):
            if polled:  # a platform may miss a cycle (timeout, quota)
                history[key].append(Snapshot(key, ts, status, concurrent))
        last = rolled.last_sample_at
        since = T0 if last is None else last - timedelta(seconds=60)
        window = {k: [s for s in snaps if s.ts >= since] for k, snaps in history.items()}
        rolled = fold(rolled, combine_samples(window, 60, broadcast_key("B")))
    assert rolled == rebuild_combined("B", 60, history)
