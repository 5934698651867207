"""A simulcast's combined figures when collectors sharing a store poll its streams in
one tick: whichever order they fold and commit in, the figures are exact (what one
collector alone, and ``rollup --rebuild``, make of the same readings)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import partial
from types import SimpleNamespace

import pytest

from collectors.cycle import CycleReport, CycleState, PlatformReport, combine_simulcasts
from collectors.engine import Engine
from collectors.health import ChannelFailure
from collectors.shared import _add, _remember_outage
from streamer import rollup
from streamer.models import Snapshot, Stream, StreamStatus
from streamer.simulcast import broadcast_key, rebuild_combined
from streamer.store import CycleWrite, DayStore

INTERVAL = 60
T0 = datetime(2026, 3, 3, 11, 0, tzinfo=UTC)
KEY = broadcast_key("b1")
STREAMS = [
    Stream("youtube", "v1", "ch1", broadcast_id="b1", status=StreamStatus.LIVE, discovered_at=T0),
    Stream("facebook", "v2", "ch2", broadcast_id="b1", status=StreamStatus.LIVE, discovered_at=T0),
]


def _reading(stream: Stream, minute: int, viewers: int) -> Snapshot:
    return Snapshot(stream.key, T0 + timedelta(minutes=minute), StreamStatus.LIVE, viewers)


def _fold_and_commit(store: DayStore, readings: Sequence[Snapshot], now: datetime) -> None:
    """One collector's fold of its own readings, as the engine does after ``settle``:
    from the working set as committed so far, then committed in one write."""
    cycle = CycleState(
        now=now,
        plan={},
        streams=store.streams(),
        rollups=store.rollups(),
        report=CycleReport(at=now),
    )
    cycle.prior_rollups = dict(cycle.rollups)
    for snap in readings:
        base = cycle.rollups.get(snap.stream) or rollup.empty(snap.stream, INTERVAL)
        cycle.rollups[snap.stream] = rollup.fold(base, [snap])
        cycle.snapshots.append(snap)
    combine_simulcasts(cycle, INTERVAL, store)
    store.commit_cycle(CycleWrite(snapshots=list(readings), rollups=dict(cycle.rollups)))


@pytest.mark.parametrize("first", [0, 1])
def test_a_broadcast_split_between_two_collectors_in_one_tick_combines_exactly(
    store: DayStore, first: int
) -> None:
    """Two collectors each poll one of a simulcast's streams at the same minute and fold
    one after the other: the combined rollup counts both readings at that minute, equal
    to the rebuild from the stored snapshots (the second folder does not skip the
    point the first folded with the other stream's older reading)."""
    youtube, facebook = STREAMS
    store.commit_cycle(CycleWrite(streams=STREAMS))
    _fold_and_commit(store, [_reading(youtube, 0, 100), _reading(facebook, 0, 50)], T0)
    for minute in (1, 2):
        now = T0 + timedelta(minutes=minute)
        shares = [[_reading(youtube, minute, 100 + minute)], [_reading(facebook, minute, 80)]]
        for share in (shares[first], shares[1 - first]):
            _fold_and_commit(store, share, now)
    stored = store.snapshots(T0, T0 + timedelta(minutes=3))
    series = {s.key: [snap for snap in stored if snap.stream == s.key] for s in STREAMS}
    channels = {s.key: s.channel_key for s in STREAMS}
    combined = store.rollups()[KEY]
    assert combined == rebuild_combined("b1", INTERVAL, series, channels)
    assert combined.samples == 3
    assert combined.peak_concurrent == 102 + 80  # both readings of minute 2, summed


def test_a_two_round_tick_reports_both_rounds() -> None:
    """The report of a tick that ran two rounds counts both rounds' platforms, key units,
    platforms read and channel errors, and keeps the failing channels after the last."""

    def failure(channel: str) -> ChannelFailure:
        return ChannelFailure("youtube", channel, "not_found", "gone", T0, 1, T0)

    first = CycleReport(
        at=T0,
        polled=2,
        ok_platforms={"youtube"},
        platforms={"youtube": PlatformReport(seconds=1.0, calls=2, snapshots=2)},
        units_by_key=Counter({"YT_KEY_A": 3}),
        channel_errors=Counter({("youtube", "c1", "not_found"): 1}),
        failing=[failure("c1")],
    )
    second = CycleReport(
        at=T0,
        polled=1,
        ok_platforms={"twitch"},
        platforms={
            "youtube": PlatformReport(seconds=0.5, calls=1, snapshots=1),
            "twitch": PlatformReport(seconds=0.25, calls=1, snapshots=0),
        },
        units_by_key=Counter({"YT_KEY_A": 1, "YT_KEY_B": 2}),
        channel_errors=Counter({("youtube", "c1", "not_found"): 1, ("twitch", "t", "x"): 1}),
        failing=[failure("c2")],
    )
    total = _add(_add(None, first), second)
    assert total.polled == 3
    assert total.ok_platforms == {"youtube", "twitch"}
    assert total.platforms == {
        "youtube": PlatformReport(seconds=1.5, calls=3, snapshots=3),
        "twitch": PlatformReport(seconds=0.25, calls=1, snapshots=0),
    }
    assert total.units_by_key == Counter({"YT_KEY_A": 4, "YT_KEY_B": 2})
    assert total.channel_errors == Counter(
        {("youtube", "c1", "not_found"): 2, ("twitch", "t", "x"): 1}
    )
    assert [f.channel for f in total.failing] == ["c2"]


def test_a_store_outage_remembers_each_due_poll_once() -> None:
    """Every tick of an outage adds the polls due at it as ``store`` gaps at the tick's
    grid point; a tick seen twice (a retried round) adds none twice, and the gaps
    already remembered keep their order."""
    due = [replace(s, next_poll_at=T0) for s in STREAMS]
    engine = SimpleNamespace(known={s.key: s for s in due}, unsaved={}, _unsaved_files=None)
    engine.remember = partial(Engine.remember, engine)  # the engine's own, on this state
    sharing = SimpleNamespace(tick=60)
    for minute in (0, 0, 1):
        _remember_outage(engine, sharing, T0 + timedelta(minutes=minute))  # type: ignore[arg-type]
    keys = [s.key for s in due]
    assert [(g.stream, g.ts, g.reason) for g in engine.unsaved] == [
        (key, T0 + timedelta(minutes=minute), "store") for minute in (0, 1) for key in keys
    ]
