"""Durations: the platform's own end, else the last live sample; none without either."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from reports.metrics import combined_figures, stream_figures
from streamer import rollup
from streamer.models import Snapshot, Stream, StreamStatus
from streamer.rollups import Rollup

START = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
LAST_LIVE = START + timedelta(minutes=60)  # the last poll that saw it live
FOUND_OVER = START + timedelta(minutes=70)  # the first poll that saw it over


def _live(platform: str) -> Stream:
    return Stream(
        platform, "v1", "ch", status=StreamStatus.LIVE, actual_start=START, last_polled_at=LAST_LIVE
    )


def _rollup(key: str, minutes: list[int], viewers: int | None = 100) -> Rollup:
    snaps = [
        Snapshot(key, START + timedelta(minutes=m), StreamStatus.LIVE, viewers) for m in minutes
    ]
    snaps.append(Snapshot(key, FOUND_OVER, StreamStatus.ENDED))
    return rollup.rebuild(key, 600, snaps)


def test_facebook_duration_runs_to_the_last_live_sample_even_when_stored_later() -> None:
    """A stream stored with a late end (older collectors) still lasts to its last live sample,
    so its coverage is not diluted by minutes after the end."""
    stream = replace(_live("facebook"), status=StreamStatus.ENDED, actual_end=FOUND_OVER)
    figures = stream_figures(stream, _rollup(stream.key, [0, 10, 20, 30, 40, 50, 60]))
    assert figures.duration_min == 60
    assert figures.coverage_pct == 100


def test_instagram_duration_uses_live_samples_without_a_viewer_count() -> None:
    """Instagram gives no viewers; its live samples still end it."""
    stream = replace(_live("instagram"), status=StreamStatus.ENDED, actual_end=FOUND_OVER)
    figures = stream_figures(stream, _rollup(stream.key, [0, 30, 55], viewers=None))
    assert figures.duration_min == 55
    assert figures.coverage_pct is None


def test_a_stream_without_a_live_sample_has_no_duration_or_coverage() -> None:
    """Found after its end on Facebook: duration and coverage n/a, not hours to the discovery."""
    stream = Stream(
        "facebook", "v1", "ch", status=StreamStatus.ENDED, actual_start=START, actual_end=FOUND_OVER
    )
    over = rollup.rebuild(stream.key, 600, [Snapshot(stream.key, FOUND_OVER, StreamStatus.ENDED)])
    figures = stream_figures(stream, over)
    assert figures.duration_min is None
    assert figures.coverage_pct is None
    assert stream_figures(stream, None).duration_min is None


def test_youtube_keeps_its_own_end_without_a_live_sample() -> None:
    """YouTube's actualEndTime is the platform's own end: it counts with no live sample."""
    stream = Stream(
        "youtube", "v1", "ch", status=StreamStatus.ENDED, actual_start=START, actual_end=LAST_LIVE
    )
    over = rollup.rebuild(stream.key, 600, [Snapshot(stream.key, FOUND_OVER, StreamStatus.ENDED)])
    assert stream_figures(stream, over).duration_min == 60


def test_a_simulcast_lasts_from_its_earliest_start_to_its_latest_end() -> None:
    """YouTube's own end beside Facebook's last live sample: the later one ends the broadcast."""
    youtube = Stream(
        "youtube", "v1", "ch", status=StreamStatus.ENDED,
        actual_start=START + timedelta(minutes=2), actual_end=START + timedelta(minutes=64),
    )  # fmt: skip
    fb = replace(_live("facebook"), status=StreamStatus.ENDED, actual_end=FOUND_OVER)
    members = [
        stream_figures(youtube, _rollup(youtube.key, [2, 12, 62])),
        stream_figures(fb, _rollup(fb.key, [0, 10, 20, 30, 40, 50, 60])),
    ]
    assert combined_figures(members, None).duration_min == 64
