"""The daemon's rhythm: the real APScheduler, set up as ``streamer run`` sets it up,
polling live streams on the simulator every ``live_interval`` whatever second it
started at (issue #12: started at hh:mm:50 it polled every two minutes).

The scheduler's own job store, trigger, coalescing and misfire checks run on a
simulated clock (``helpers.stepped``); the cycles are the real engine's.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from helpers.configs import ENVIRON, simulator_config
from helpers.simulated import Simulated, simulated_collector
from helpers.stepped import SteppedScheduler, on_clock

from collectors.simulator import SimStream
from streamer.app.daemon import schedule_jobs

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # on the minute
CHANNEL = "UCdaemonRhythm0000000001"
PROGRAMME = ("antikor-live", "Antikor.Live", (("youtube", CHANNEL),))
LIVE = [
    SimStream(
        channel=CHANNEL, video_id=f"rhythmVid0{n}", title=f"Antikor.Live {n}",
        scheduled_start=T0 - timedelta(hours=1), actual_start=T0 - timedelta(minutes=50 + n),
        actual_end=T0 + timedelta(hours=3), peak_viewers=200 + n, final_views=900,
    )
    for n in range(3)
]  # fmt: skip


@contextmanager
def daemon_on(
    tmp: Path, start: datetime, live: int = 60
) -> Iterator[tuple[Simulated, SteppedScheduler]]:
    """A collector on the simulator, its jobs on a stepped scheduler started at ``start``."""

    def config(url: str) -> str:
        return simulator_config(
            url, programmes=[PROGRAMME], extra=f"[collector]\nlive_interval = {live}\n"
        )

    with (
        simulated_collector(
            tmp, start=start, streams=LIVE, seed=3, config=config, environ=ENVIRON
        ) as built,
        on_clock(built.clock),
    ):
        scheduler = SteppedScheduler(timezone=built.collector.config.tz)
        schedule_jobs(scheduler, built.collector.config, built.collector, built.clock)
        scheduler.start()
        try:
            yield built, scheduler
        finally:
            scheduler.shutdown()


def polls(built: Simulated, start: datetime, end: datetime) -> Counter[str]:
    """Live snapshots written per stream in [start, end)."""
    return Counter(s.stream for s in built.store.snapshots(start, end))


def cycle_times(built: Simulated) -> list[datetime]:
    """Records when each cycle starts (the engine's now), from here on."""
    times: list[datetime] = []
    collect = built.collector.collect_once

    def recorded() -> object:
        times.append(built.clock.now())
        return collect()

    built.collector.collect_once = recorded  # type: ignore[method-assign]
    return times


@pytest.mark.parametrize("offset", [0, 10, 30, 50])
def test_live_streams_are_polled_every_minute_whatever_second_it_starts(
    tmp_path: Path, offset: int
) -> None:
    """Started :00/:10/:30/:50 into a minute: a cycle at once, then every tick on whole
    minutes, and each live stream polled 10 times in each 10 minutes."""
    start = T0 + timedelta(seconds=offset)
    with daemon_on(tmp_path, start) as (built, scheduler):
        cycles = cycle_times(built)
        scheduler.play(built.clock, T0 + timedelta(minutes=22))
        assert cycles[0] == start
        assert cycles[1:] == [T0 + timedelta(minutes=m) for m in range(1, 22)]
        for window in (1, 2):
            begin = T0 + timedelta(minutes=2 + 10 * (window - 1))
            counted = polls(built, begin, begin + timedelta(minutes=10))
            assert counted == {f"youtube:rhythmVid0{n}": 10 for n in range(3)}, (offset, window)


@pytest.mark.parametrize("stall", [70, 310])
def test_a_stalled_tick_is_one_late_cycle_then_back_on_the_grid(tmp_path: Path, stall: int) -> None:
    """A cycle (or the machine) stalled past one or five ticks: the missed ticks are
    coalesced into one cycle at once, which takes the due polls; then whole minutes."""
    with daemon_on(tmp_path, T0 + timedelta(seconds=50)) as (built, scheduler):
        cycles = cycle_times(built)
        collect = built.collector.collect_once

        def stalling() -> object:
            report = collect()
            if cycles[-1] == T0 + timedelta(minutes=3):
                built.clock.advance(timedelta(seconds=stall))
            return report

        built.collector.collect_once = stalling  # type: ignore[method-assign]
        scheduler.play(built.clock, T0 + timedelta(minutes=12))
        back = T0 + timedelta(minutes=3, seconds=stall)
        after = [T0 + timedelta(minutes=m) for m in range(back.minute - T0.minute + 1, 12)]
        assert cycles[3:] == [T0 + timedelta(minutes=3), back, *after]
        late = polls(built, back, back + timedelta(seconds=1))
        assert late == {f"youtube:rhythmVid0{n}": 1 for n in range(3)}
        assert polls(built, back + timedelta(seconds=1), T0 + timedelta(minutes=12)) == {
            f"youtube:rhythmVid0{n}": len(after) for n in range(3)
        }
