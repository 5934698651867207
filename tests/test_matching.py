"""Matching streams to planned broadcasts: by video id, else by channel and start time;
``assign`` settles a whole channel (leads, reconnects, overlapping second streams)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from collectors.cycle import CycleReport, CycleState, combine_simulcasts, rematch, update_plan
from collectors.matching import RECONNECT_GAP, assign, match
from streamer.models import Broadcast, BroadcastStatus, Snapshot, Stream, StreamStatus, Target
from streamer.simulcast import combine_samples
from streamer.store import CycleWrite
from streamer.tinystore import TinyStore

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


def test_a_target_naming_another_video_takes_nothing_by_channel() -> None:
    """A first guess too: a target that names a video does not take other videos by time."""
    named = broadcast("named", T, Target("youtube", CHANNEL, "otherVideo1"))
    assert match(stream(), plan(named), [], WINDOW) is None


# -- assign: a whole channel at once ---------------------------------------------------


def aired(external_id: str, start: int, end: int | None, **facts: object) -> Stream:
    """A stream live from T+``start`` minutes to T+``end`` (``None``: still live)."""
    return Stream(
        "youtube",
        external_id,
        facts.pop("channel", CHANNEL),  # type: ignore[arg-type]
        status=StreamStatus.LIVE if end is None else StreamStatus.ENDED,
        scheduled_start=None,
        actual_start=T + timedelta(minutes=start),
        actual_end=None if end is None else T + timedelta(minutes=end),
        **facts,  # type: ignore[arg-type]
    )


def owners(found: dict[str, str | None]) -> dict[str, str | None]:
    return {key.split(":", 1)[1]: value for key, value in found.items()}


def test_a_named_video_takes_only_itself_even_with_a_closer_stream_on_its_channel() -> None:
    """The named video is the broadcast; a concurrent rehearsal starting on time is not."""
    named = broadcast("b", T, Target("youtube", CHANNEL, "theLive0001"))
    streams = [aired("theLive0001", 5, 65), aired("rehearsal01", 0, 10)]
    assert owners(assign(plan(named), streams, WINDOW)) == {
        "theLive0001": "b",
        "rehearsal01": None,
    }


def test_the_closest_stream_leads_and_an_overlapping_one_is_unplanned() -> None:
    """Channel-only: the closest start takes the broadcast, the overlapping one nothing."""
    streams = [aired("mainLive001", 1, 61), aired("rehearsal01", 6, 20)]
    found = owners(assign(plan(broadcast("b", T)), streams, WINDOW))
    assert found == {"mainLive001": "b", "rehearsal01": None}


def test_the_order_streams_come_in_does_not_matter() -> None:
    """The same streams in any order give the same broadcasts."""
    streams = [
        aired("mainLive001", 1, 61),
        aired("rehearsal01", 6, 20),
        aired("next0000001", 62, 90),
    ]
    items = plan(broadcast("b", T), broadcast("c", T + timedelta(minutes=40)))
    assert assign(items, streams, WINDOW) == assign(items, streams[::-1], WINDOW)


def test_a_stream_that_went_live_leads_before_one_that_never_did() -> None:
    """An announced stream that never went live yields to the one that went out."""
    unused = stream("unusedEvent", scheduled=T)
    found = owners(assign(plan(broadcast("b", T)), [unused, aired("realLive001", 8, 68)], WINDOW))
    assert found == {"unusedEvent": None, "realLive001": "b"}


def test_a_deleted_lead_gives_way_to_the_stream_still_there() -> None:
    """The closest stream was deleted (a rehearsal): the overlapping one that stayed leads."""
    deleted = replace(aired("rehearsal01", 1, None), status=StreamStatus.MISSING,
                      last_polled_at=T + timedelta(minutes=9))  # fmt: skip
    found = owners(assign(plan(broadcast("b", T)), [deleted, aired("mainLive001", 4, 64)], WINDOW))
    assert found == {"rehearsal01": None, "mainLive001": "b"}


def test_a_reconnect_joins_and_a_later_stream_does_not() -> None:
    """A new video within RECONNECT_GAP of the last one's end joins it, even outside the
    window; one further away is unplanned."""
    gap = int(RECONNECT_GAP.total_seconds() // 60)
    streams = [
        aired("firstPart01", 0, 50),
        aired("secondPart1", 51, 80),
        aired("laterOne001", 81 + gap, 95 + gap),
    ]
    found = owners(assign(plan(broadcast("b", T)), streams, WINDOW))
    assert found == {"firstPart01": "b", "secondPart1": "b", "laterOne001": None}


def test_a_short_piece_just_before_the_lead_joins_it() -> None:
    """The encoder dropped a minute into an early start: both pieces are the broadcast."""
    streams = [aired("earlyPiece1", -12, -1), aired("mainLive001", 0, 60)]
    found = owners(assign(plan(broadcast("b", T)), streams, WINDOW))
    assert found == {"earlyPiece1": "b", "mainLive001": "b"}


def test_overlap_is_decided_again_when_the_first_end_becomes_known() -> None:
    """A second stream seen while the first is recorded live is unplanned; once the first
    turns out to have ended before it started it joins, and if after, it stays out."""
    second = aired("secondPart1", 30, None)
    items = plan(broadcast("b", T))
    still_live = [aired("firstPart01", 0, None), second]
    assert owners(assign(items, still_live, WINDOW))["secondPart1"] is None
    ended_before = [aired("firstPart01", 0, 29), second]
    assert owners(assign(items, ended_before, WINDOW))["secondPart1"] == "b"
    ended_after = [aired("firstPart01", 0, 31), second]
    assert owners(assign(items, ended_after, WINDOW))["secondPart1"] is None


def test_assign_leaves_cancelled_broadcasts_and_other_channels_alone() -> None:
    """A cancelled broadcast takes nothing; a stream on an untargeted channel is unplanned."""
    cancelled = broadcast("gone", T, status=BroadcastStatus.CANCELLED)
    streams = [aired("onTime00001", 0, 60), aired("elsewhere01", 0, 60, channel=OTHER)]
    assert set(assign(plan(cancelled), streams, WINDOW).values()) == {None}


# -- the combined sum: one channel counts once --------------------------------------------


def reading(
    key: str, minute: int, viewers: int, status: StreamStatus = StreamStatus.LIVE
) -> Snapshot:
    return Snapshot(key, T + timedelta(minutes=minute), status, viewers)


def test_streams_of_one_channel_are_not_summed_at_the_switch() -> None:
    """At the switch the new video's reading stands for the channel, not both; another
    channel's reading is still added."""
    first = [reading("yt:a", 0, 100), reading("yt:a", 1, 120)]
    second = [reading("yt:b", 2, 90), reading("yt:b", 3, 95)]
    facebook = [reading("fb:c", m, 10) for m in range(4)]
    series = {"yt:a": first, "yt:b": second, "fb:c": facebook}
    channels = {"yt:a": "youtube:X", "yt:b": "youtube:X", "fb:c": "facebook:Y"}
    combined = combine_samples(series, 60, "broadcast:b", channels)
    assert [s.concurrent_viewers for s in combined] == [110, 130, 100, 105]
    # Without the channels each stream counts alone: the first's last reading is added.
    assert combine_samples(series, 60, "broadcast:b")[2].concurrent_viewers == 220


def test_a_broadcast_whose_stream_moves_away_is_no_longer_held(store: TinyStore) -> None:
    """Naming another video on the target takes the stream out: the broadcast's combined
    figures are emptied and, past its end, it is missed rather than held."""
    live = replace(aired("wrongLive01", 0, 60), broadcast_id="b")
    renamed = broadcast(
        "b", T, Target("youtube", CHANNEL, "rightLive01"), status=BroadcastStatus.HELD
    )
    now = T + timedelta(hours=3)
    cycle = CycleState(now, plan(renamed), {live.key: live}, {}, CycleReport(at=now))
    rematch(cycle, WINDOW)
    assert cycle.streams[live.key].broadcast_id is None and cycle.regrouped == {"b"}
    combine_simulcasts(cycle, 60, store)
    assert cycle.rollups["broadcast:b"].peak_concurrent is None
    assert update_plan(cycle, timedelta(minutes=30)) == [("b", BroadcastStatus.MISSED)]


def test_regrouped_broadcasts_are_rebuilt_from_one_read_a_day(tiny_store: TinyStore) -> None:
    """Two broadcasts regrouped at once are rebuilt from their streams' snapshots on both
    sides of UTC midnight, with each day's partition read once, not once per broadcast."""
    first = Stream("youtube", "dayRead0001", CHANNEL, "b1", actual_start=T)
    second = Stream("youtube", "dayRead0002", OTHER, "b2", actual_start=T)
    minutes = [T + timedelta(hours=12, minutes=m) for m in range(0, 120, 20)]  # 23:00..00:40
    stored = [Snapshot(s.key, at, StreamStatus.LIVE, 100 + n) for s in (first, second)
              for n, at in enumerate(minutes)]  # fmt: skip
    tiny_store.commit_cycle(CycleWrite(snapshots=stored))
    reads: list[tuple[datetime, datetime]] = []
    read = tiny_store.snapshots

    def counted(
        start: datetime, end: datetime, streams: Iterable[str] | None = None
    ) -> list[Snapshot]:
        reads.append((start, end))
        return read(start, end, streams)

    tiny_store.snapshots = counted  # type: ignore[method-assign]
    now = T + timedelta(days=1)
    streams = {s.key: s for s in (first, second)}
    cycle = CycleState(now, {}, streams, {}, CycleReport(at=now), regrouped={"b1", "b2"})
    combine_simulcasts(cycle, 60, tiny_store)
    combined = [cycle.rollups[f"broadcast:{b}"] for b in ("b1", "b2")]
    assert [(r.peak_concurrent, r.samples) for r in combined] == [(105, 6), (105, 6)]
    days = [start.date() for start, _ in reads]
    assert len(days) == len(set(days)) and T.date() + timedelta(days=1) in days


def test_a_regrouped_broadcast_counts_its_archived_streams(tiny_store: TinyStore) -> None:
    """Rebuilding a regrouped broadcast reads its done streams from the month archive
    (and only theirs): an earlier part that finished counts with the live one."""
    earlier = Stream("youtube", "partOne0001", CHANNEL, "b", actual_start=T, done=True)
    other = Stream("youtube", "otherOne001", OTHER, "x", actual_start=T, done=True)
    later = Stream("youtube", "partTwo0001", CHANNEL, "b", actual_start=T + timedelta(hours=1))
    readings = [Snapshot(earlier.key, T + timedelta(minutes=m), StreamStatus.LIVE, 50)
                for m in range(3)] + [
        Snapshot(later.key, T + timedelta(hours=1, minutes=m), StreamStatus.LIVE, 70)
        for m in range(2)]  # fmt: skip
    tiny_store.commit_cycle(CycleWrite(snapshots=readings, streams=[earlier, other]))
    assert tiny_store.streams() == {}  # both in the archive
    now = T + timedelta(hours=2)
    cycle = CycleState(now, {}, {later.key: later}, {}, CycleReport(at=now), regrouped={"b"})
    combine_simulcasts(cycle, 60, tiny_store)
    combined = cycle.rollups["broadcast:b"]
    assert (combined.samples, combined.peak_concurrent) == (5, 70)
