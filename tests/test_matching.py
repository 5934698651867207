"""Matching streams to planned broadcasts: by video id, else by channel and start time."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from collectors.matching import match
from streamer.models import Broadcast, BroadcastStatus, Stream, Target

T = datetime(2026, 3, 14, 11, 0, tzinfo=UTC)
WINDOW = timedelta(minutes=45)
CHANNEL = "UCmatchChannel0000000001"
OTHER = "UCmatchChannel0000000002"


def broadcast(id: str, start: datetime, *targets: Target, **facts: object) -> Broadcast:
    chosen = targets or (Target("youtube", CHANNEL),)
    return Broadcast(id, "adal-komek", f"Эфир {id}", start, 60, chosen, **facts)  # type: ignore[arg-type]


def stream(
    external_id: str = "matchVid001",
    channel: str = CHANNEL,
    scheduled: datetime | None = T,
    actual: datetime | None = None,
) -> Stream:
    return Stream("youtube", external_id, channel, scheduled_start=scheduled, actual_start=actual)


def plan(*items: Broadcast) -> dict[str, Broadcast]:
    return {item.id: item for item in items}


def test_an_explicit_video_id_wins_over_a_nearer_start() -> None:
    """A target naming the stream's video id claims it, even when another is closer in time."""
    near = broadcast("near", T)
    named = broadcast("named", T + timedelta(days=3), Target("youtube", OTHER, "matchVid001"))
    assert match(stream(), plan(near, named), [], WINDOW) == "named"


def test_an_explicit_video_id_wins_even_when_its_broadcast_is_taken() -> None:
    """The id says which broadcast it is; the channel's "already taken" rule is for guesses."""
    named = broadcast("named", T, Target("youtube", CHANNEL, "matchVid001"))
    assert match(stream(), plan(named), [("named", f"youtube:{CHANNEL}")], WINDOW) == "named"


def test_a_video_id_on_another_platform_does_not_match() -> None:
    """The same external id on Facebook is not this YouTube stream."""
    fb = broadcast("fb", T + timedelta(days=2), Target("facebook", "1000001", "matchVid001"))
    assert match(stream(), plan(fb), [], WINDOW) is None


def test_the_nearest_start_on_the_channel_wins() -> None:
    """Two broadcasts on the channel within the window: the closer start is chosen."""
    early, late = (
        broadcast("early", T - timedelta(minutes=30)),
        broadcast("late", T + timedelta(minutes=10)),
    )
    assert match(stream(), plan(early, late), [], WINDOW) == "late"


def test_the_actual_start_is_used_before_the_scheduled_one() -> None:
    """A stream that started has its actual start compared, not its scheduled one."""
    first, second = broadcast("first", T), broadcast("second", T + timedelta(minutes=40))
    started = stream(scheduled=T, actual=T + timedelta(minutes=38))
    assert match(started, plan(first, second), [], WINDOW) == "second"


def test_a_start_at_the_edge_of_the_window_matches() -> None:
    """Exactly match_window minutes away still matches."""
    assert match(stream(scheduled=T + WINDOW), plan(broadcast("b", T)), [], WINDOW) == "b"


def test_a_start_outside_the_window_is_unplanned() -> None:
    """Further than match_window from every planned start: None (unplanned)."""
    away = stream(scheduled=T + WINDOW + timedelta(seconds=1))
    assert match(away, plan(broadcast("b", T)), [], WINDOW) is None


def test_another_channel_is_not_matched_by_time() -> None:
    """A broadcast not targeting the stream's channel is never matched by time."""
    elsewhere = broadcast("b", T, Target("youtube", OTHER))
    assert match(stream(), plan(elsewhere), [], WINDOW) is None


def test_a_stream_without_any_start_is_unplanned() -> None:
    """No scheduled or actual start to compare: None."""
    assert match(stream(scheduled=None), plan(broadcast("b", T)), [], WINDOW) is None


def test_a_cancelled_broadcast_is_never_matched_by_time() -> None:
    """A cancelled broadcast at the same time does not claim the stream."""
    cancelled = broadcast("gone", T, status=BroadcastStatus.CANCELLED)
    assert match(stream(), plan(cancelled), [], WINDOW) is None


def test_a_cancelled_broadcast_is_never_matched_by_video_id() -> None:
    """Even a cancelled broadcast naming the video id does not claim it."""
    cancelled = broadcast(
        "gone", T, Target("youtube", CHANNEL, "matchVid001"), status=BroadcastStatus.CANCELLED
    )
    assert match(stream(), plan(cancelled), [], WINDOW) is None


def test_a_cancelled_broadcast_leaves_the_next_nearest() -> None:
    """The closest broadcast is cancelled: the next closest within the window is matched."""
    cancelled = broadcast("gone", T, status=BroadcastStatus.CANCELLED)
    kept = broadcast("kept", T + timedelta(minutes=20))
    assert match(stream(), plan(cancelled, kept), [], WINDOW) == "kept"


def test_a_broadcast_taken_on_the_channel_is_not_taken_twice() -> None:
    """Already matched to a stream on this channel: skipped for the next nearest, else None."""
    first, second = broadcast("first", T), broadcast("second", T + timedelta(minutes=30))
    taken = [("first", f"youtube:{CHANNEL}")]
    assert match(stream(), plan(first, second), taken, WINDOW) == "second"
    assert match(stream(), plan(first), taken, WINDOW) is None


def test_a_broadcast_taken_on_another_channel_is_still_free_here() -> None:
    """A simulcast: the broadcast matched on Facebook can still match on YouTube."""
    both = broadcast("both", T, Target("youtube", CHANNEL), Target("facebook", "1000001"))
    assert match(stream(), plan(both), [("both", "facebook:1000001")], WINDOW) == "both"


def test_matching_ignores_the_broadcasts_own_status_otherwise() -> None:
    """Held or missed broadcasts still match by time (a late stream may rescue a missed one)."""
    missed = replace(broadcast("b", T), status=BroadcastStatus.MISSED)
    assert match(stream(), plan(missed), [], WINDOW) == "b"
