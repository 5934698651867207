"""Incremental rollups equal a rebuild exactly on real-clock data (sub-second, any order)."""

from __future__ import annotations

import json
import random
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from helpers.retries import instant_retries
from hypothesis import given
from hypothesis import strategies as st

from collectors.cycle import CycleReport, CycleState, combine_simulcasts
from collectors.simulator import Simulator
from streamer import rollup
from streamer.app.cli import run
from streamer.app.daemon import Collector
from streamer.app.demo import DEMO_ENVIRON, demo_scenario, plan_week, write_config
from streamer.clock import SimulatedClock
from streamer.models import Snapshot, Stream, StreamStatus
from streamer.rebuild import same
from streamer.rollups import Rollup
from streamer.simulcast import broadcast_key, rebuild_combined

MONDAY = date(2026, 11, 23)
ALMATY = ZoneInfo("Asia/Almaty")


def _jittered_play(collector: Collector, clock: SimulatedClock, finish: datetime) -> None:
    """Cycles as a daemon on the real clock runs them: each a fraction of a second late."""
    jitter = random.Random(13)
    while clock.now() < finish:
        collector.collect_once()
        due = collector.engine.next_due(clock.now())
        late = timedelta(microseconds=jitter.randrange(1_000, 999_000))
        clock.set(min(finish, max(due, clock.now() + timedelta(seconds=1)) + late))


@pytest.fixture(scope="module")
def real_clock_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Monday 10:30 to 13:30 of the demo week, four platforms, cycles jittered."""
    folder = tmp_path_factory.mktemp("jittered")
    start = datetime.combine(MONDAY, time(10, 30), tzinfo=ALMATY) + timedelta(microseconds=417_000)
    clock = SimulatedClock(start)
    scenario = demo_scenario(MONDAY)
    simulator = Simulator(scenario, clock)
    with instant_retries(), simulator.serve() as endpoint:
        config = write_config(folder, endpoint)
        plan_week(config, MONDAY)
        finish = datetime.combine(MONDAY, time(13, 30), tzinfo=ALMATY)
        with Collector(config, clock, DEMO_ENVIRON) as collector:
            _jittered_play(collector, clock, finish)
    return folder / "streamer.toml"


def test_rebuild_check_passes_on_sub_second_cycle_times(
    real_clock_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`rollup --rebuild --check` exits 0 after cycles at jittered sub-second times."""
    code = run(["--config", str(real_clock_folder), "rollup", "--rebuild", "--check"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "0 differed" in out


T0 = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
INTERVAL = 60
PLATFORMS = ("youtube", "facebook", "instagram", "twitch")


def _stored(value: Rollup) -> Rollup:
    """A rollup as it comes back from the store (JSON)."""
    return Rollup.from_doc(json.loads(json.dumps(value.to_doc())))


def _reading(platform: str, status: StreamStatus, viewers: int | None) -> int | None:
    if status is not StreamStatus.LIVE or platform == "instagram":
        return None  # no count after the end, none ever from Instagram
    return viewers


# One poll per cycle: (seconds since the cycle before, sub-second jitter per platform,
# which platforms answered, status, viewers). Steps up to 200 s make gaps wider than
# three intervals too.
cycle_strategy = st.tuples(
    st.integers(1, 200),
    st.lists(st.integers(0, 999_999), min_size=4, max_size=4),
    st.lists(st.booleans(), min_size=4, max_size=4),
    st.sampled_from([StreamStatus.LIVE, StreamStatus.LIVE, StreamStatus.ENDED]),
    st.lists(st.one_of(st.none(), st.integers(0, 5000)), min_size=4, max_size=4),
)


def _history(cycles: list[Any]) -> list[list[Snapshot]]:
    """Each cycle's snapshots, times jittered below the second."""
    out, at = [], T0
    for step, jitter, answered, status, viewers in cycles:
        at += timedelta(seconds=step)
        batch = [
            Snapshot(
                f"{platform}:v{i}",
                at + timedelta(microseconds=jitter[i]),
                status,
                _reading(platform, status, viewers[i]),
                views=viewers[i],
            )
            for i, platform in enumerate(PLATFORMS)
            if answered[i]
        ]
        out.append(batch)
    return out


@given(cycles=st.lists(cycle_strategy, min_size=1, max_size=40), data=st.data())
def test_a_stream_folded_in_any_cycles_and_order_equals_its_rebuild(
    cycles: list[Any], data: st.DataObject
) -> None:
    """Folding a stream's samples in arbitrary cycle splits, each batch in arbitrary
    order, gives exactly the rollup rebuilt from the stored snapshots."""
    samples = [snap for batch in _history(cycles) for snap in batch if snap.stream == "youtube:v0"]
    cuts = sorted(data.draw(st.sets(st.integers(0, len(samples)))))
    state = rollup.empty("youtube:v0", INTERVAL)
    for start, end in zip([0, *cuts], [*cuts, len(samples)], strict=True):
        batch = data.draw(st.permutations(samples[start:end]))
        state = _stored(rollup.fold(state, batch))
    stored = [Snapshot.from_dict(s.to_dict()) for s in data.draw(st.permutations(samples))]
    rebuilt = rollup.rebuild("youtube:v0", INTERVAL, stored)
    assert state == _stored(rebuilt)
    assert same(rebuilt, state)
    assert isinstance(state.covered_seconds, int)


@given(cycles=st.lists(cycle_strategy, min_size=1, max_size=40), data=st.data())
def test_a_simulcast_combined_cycle_by_cycle_equals_its_rebuild(
    cycles: list[Any], data: st.DataObject
) -> None:
    """The collector's combined rollup, folded cycle by cycle from jittered readings
    arriving in any order, equals ``rebuild_combined`` over the stored snapshots."""
    streams = {
        f"{p}:v{i}": Stream(p, f"v{i}", f"ch{i}", broadcast_id="b1", status=StreamStatus.LIVE)
        for i, p in enumerate(PLATFORMS)
    }
    key = broadcast_key("b1")
    rollups: dict[str, Rollup] = {}
    everything: list[Snapshot] = []
    for batch in _history(cycles):
        arrived = data.draw(st.permutations(batch))
        cycle = CycleState(
            now=max((s.ts for s in batch), default=T0),
            plan={},
            streams=dict(streams),
            rollups=dict(rollups),
            report=CycleReport(at=T0),
        )
        cycle.prior_rollups = dict(cycle.rollups)
        for snap in arrived:  # as the engine folds each stream's poll
            base = cycle.rollups.get(snap.stream) or rollup.empty(snap.stream, INTERVAL)
            cycle.rollups[snap.stream] = rollup.fold(base, [snap])
            cycle.snapshots.append(snap)
        combine_simulcasts(cycle, INTERVAL)
        rollups = {k: _stored(v) for k, v in cycle.rollups.items()}
        everything.extend(arrived)
    stored = [Snapshot.from_dict(s.to_dict()) for s in everything]
    series = {k: [s for s in stored if s.stream == k] for k in streams}
    channels = {k: s.channel_key for k, s in streams.items()}
    rebuilt = _stored(rebuild_combined("b1", INTERVAL, series, channels))
    assert rollups.get(key, _stored(rollup.empty(key, INTERVAL))) == rebuilt


def test_a_rollup_stored_before_the_exact_sums_still_folds_and_checks() -> None:
    """An old rollup (float minutes only) is carried on, and `--check` compares it as before."""
    live = [
        Snapshot("youtube:v0", T0 + timedelta(seconds=60 * i), StreamStatus.LIVE, 10 * i)
        for i in range(4)
    ]
    rebuilt = rollup.rebuild("youtube:v0", INTERVAL, live[:3])
    doc = {k: v for k, v in rebuilt.to_doc().items() if k not in rollup.ADDED}
    doc["covered_minutes"] += 1e-9  # floats added in another order
    legacy = Rollup.from_doc(doc)
    assert same(rebuilt, legacy)
    assert not same(rebuilt, Rollup.from_doc({**doc, "covered_minutes": 2.5}))
    carried = rollup.fold(legacy, live[3:])
    assert carried == rollup.rebuild("youtube:v0", INTERVAL, live)
