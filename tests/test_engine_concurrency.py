"""Platforms polled concurrently within a cycle: a slow or failing one costs its own time.

Two kinds of world: four real adapters against the simulator on loopback (short
client timeouts, instant retries), and in-process fake platforms whose calls meet at
a barrier, which only threads running at the same time can pass.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from helpers.configs import ENVIRON, simulator_config
from helpers.counting import CountingStore
from helpers.simulated import simulated_collector

from collectors.base import Discovery, PollResult, Transient
from collectors.engine import Engine
from collectors.simulator import FaultRule, SimStream, Simulator
from streamer.app.daemon import Collector
from streamer.clock import SimulatedClock, monotonic
from streamer.config import CollectorSettings
from streamer.models import (
    Broadcast,
    Channel,
    Programme,
    Snapshot,
    Stream,
    StreamStatus,
    Target,
)
from streamer.tinystore import TinyStore

T0 = datetime(2026, 3, 16, 9, 0, tzinfo=UTC)
YT, FB, IG, TW = "UCconcurrencyTest0000001", "100000000000001", "17841400000000001", "antikorlive"
PROGRAMME = (
    "antikor-live",
    "Antikor.Live",
    (("youtube", YT), ("facebook", FB), ("instagram", IG), ("twitch", TW)),
)
CHANNELS = (("youtube", YT), ("facebook", FB), ("instagram", IG), ("twitch", TW))
TIMEOUT = 0.2  # seconds: a timing-out request costs this, times 4 attempts
VIDEOS = "/youtube/v3/videos"
HELIX_STREAMS = "/helix/streams"
FB_PAGE = f"/v19.0/{FB}/"  # the adapter's default Graph version


def live(platform: str, channel: str, video_id: str, viewers: int) -> SimStream:
    """A stream live from 10 minutes before T0 for two hours."""
    return SimStream(
        platform=platform,
        channel=channel,
        video_id=video_id,
        title=f"Antikor.Live on {platform}",
        scheduled_start=T0 - timedelta(minutes=10),
        actual_start=T0 - timedelta(minutes=10),
        actual_end=T0 + timedelta(hours=2),
        peak_viewers=viewers,
        final_views=viewers * 3,
    )


SIMULCAST = [
    live("youtube", YT, "concVid0001", 400),
    live("facebook", FB, "1000000000000011", 160),
    live("instagram", IG, "17900000000000011", 100),
    live("twitch", TW, "40000000011", 80),
]
PLAN = [
    Broadcast(
        "b-sim",
        "antikor-live",
        "Antikor.Live",
        T0 - timedelta(minutes=10),
        120,
        (
            Target("youtube", YT),
            Target("facebook", FB),
            Target("instagram", IG),
            Target("twitch", TW),
        ),
    )
]


@dataclass
class World:
    """The simulator, a four-platform collector on it, and the store it writes."""

    clock: SimulatedClock
    sim: Simulator
    store: CountingStore
    collector: Collector

    def snapshots_by_platform(self) -> Counter[str]:
        stored = self.store.snapshots(T0 - timedelta(hours=1), T0 + timedelta(days=1))
        return Counter(s.stream.split(":")[0] for s in stored)

    def gaps(self) -> list[tuple[str, str]]:
        found = self.store.gaps(T0 - timedelta(hours=1), T0 + timedelta(days=1))
        return sorted((g.stream, g.reason) for g in found)


@contextmanager
def world(tmp: Path, *, parallel: bool = True) -> Iterator[World]:
    """The simulcast above on four platforms, planned, collected from T0."""

    def config(url: str) -> str:
        return simulator_config(
            url, programmes=[PROGRAMME], extra=f"[collector]\nrequest_timeout = {TIMEOUT}\n"
        )

    with simulated_collector(
        tmp, start=T0, streams=SIMULCAST, seed=11, config=config, environ=ENVIRON,
        plan=PLAN, wrap=CountingStore,
    ) as built:  # fmt: skip
        built.collector.engine.parallel = parallel
        assert isinstance(built.store, CountingStore)
        yield World(built.clock, built.sim, built.store, built.collector)


def test_two_slow_platforms_cost_the_cycle_the_slowest_not_the_sum(tmp_path: Path) -> None:
    """YouTube and Twitch time out on every try: the cycle lasts about one of them, not both."""
    with world(tmp_path) as w:
        assert w.collector.collect_once().snapshots == 4
        w.sim.faults.add(FaultRule(kind="timeout", path_prefix=VIDEOS, delay=1.0))
        w.sim.faults.add(FaultRule(kind="timeout", path_prefix=HELIX_STREAMS, delay=1.0))
        w.clock.advance(timedelta(minutes=1))
        began = monotonic()
        report = w.collector.collect_once()
        wall = monotonic() - began
        shares = report.platforms
        assert shares["youtube"].seconds >= 3 * TIMEOUT and shares["twitch"].seconds >= 3 * TIMEOUT
        assert sum(share.seconds for share in shares.values()) > 1.5 * wall
        assert dict(report.errors) == {"youtube:timeout": 1, "twitch:timeout": 1}
        assert w.store.commits == 2
        assert w.snapshots_by_platform() == {
            "youtube": 1,
            "facebook": 2,
            "instagram": 2,
            "twitch": 1,
        }
        assert w.gaps() == [("twitch:40000000011", "timeout"), ("youtube:concVid0001", "timeout")]


def test_a_platform_down_for_a_whole_cycle_leaves_the_others_written(tmp_path: Path) -> None:
    """Facebook answers 503 to everything: its discovery fails once, the other three are saved."""
    with world(tmp_path) as w:
        w.sim.faults.add(FaultRule(kind="http503", path_prefix=FB_PAGE))
        report = w.collector.collect_once()
        assert dict(report.errors) == {"facebook:transient": 1}
        assert report.ok_platforms == {"youtube", "instagram", "twitch"}
        assert w.store.commits == 1
        assert w.snapshots_by_platform() == {"youtube": 1, "instagram": 1, "twitch": 1}
        stored = w.store.streams()
        assert {s.broadcast_id for s in stored.values()} == {"b-sim"}
        assert "facebook:1000000000000011" not in stored


def test_concurrent_cycles_save_what_sequential_ones_save(tmp_path: Path) -> None:
    """Ten cycles in parallel and ten one platform at a time store the very same data."""
    saved = []
    for parallel in (True, False):
        folder = tmp_path / ("parallel" if parallel else "sequential")
        folder.mkdir()
        with world(folder, parallel=parallel) as w:
            for _ in range(10):
                w.collector.collect_once()
                w.clock.advance(timedelta(minutes=1))
            saved.append(
                (
                    w.store.snapshots(T0, T0 + timedelta(days=1)),
                    w.store.streams(),
                    w.store.rollups(),
                    w.store.broadcasts(),
                )
            )
    assert len(saved[0][0]) == 40
    assert saved[0] == saved[1]


# -- fake platforms: what runs on which thread ---------------------------------------


@dataclass
class Meeting:
    """A platform whose discovery waits for the others at ``barrier`` (on another thread)."""

    name: str
    barrier: threading.Barrier
    max_batch: int = 10
    threads: set[int] = field(default_factory=set)
    broken: bool = False
    failing: bool = False  # every poll times out

    def discover(
        self, channels: Sequence[Channel], now: datetime, known: Collection[str] = ()
    ) -> Discovery:
        self.threads.add(threading.get_ident())
        self.barrier.wait()
        if self.broken:
            raise KeyError("an adapter bug, not a PlatformError")
        stream = Stream(self.name, f"{self.name}-1", channels[0].id, status=StreamStatus.LIVE)
        return Discovery(streams=[stream])

    def poll(self, streams: Sequence[Stream], now: datetime) -> PollResult:
        self.threads.add(threading.get_ident())
        if self.failing:
            raise Transient(self.name, "read timed out", reason="timeout")
        snaps = [Snapshot(s.key, now, StreamStatus.LIVE, 7, None, None, None) for s in streams]
        return PollResult(snapshots=snaps, updates=list(streams))


def meeting_engine(
    store: TinyStore, broken: str | None = None, failing: str | None = None
) -> tuple[Engine, list[Meeting]]:
    """An engine on four fake platforms that can only get past discovery together."""
    barrier = threading.Barrier(4, timeout=5)
    names = ("youtube", "facebook", "instagram", "twitch")
    fakes = [Meeting(n, barrier, broken=n == broken, failing=n == failing) for n in names]
    channels = tuple(Channel(name, f"{name}-channel") for name in names)
    programmes = {"p": Programme("p", "P", channels)}
    engine = Engine(store, {f.name: f for f in fakes}, programmes, CollectorSettings())
    return engine, fakes


def test_each_platform_runs_in_its_own_worker_thread(store: TinyStore) -> None:
    """Four discoveries meet at a barrier (so they ran at once), each off the engine's thread."""
    engine, fakes = meeting_engine(store)
    report = engine.collect_once(T0)
    assert report.ok_platforms == {"youtube", "facebook", "instagram", "twitch"}
    assert list(report.platforms) == ["youtube", "facebook", "instagram", "twitch"]
    threads = [fake.threads for fake in fakes]
    assert all(len(used) == 1 for used in threads)  # discovery and poll on one thread
    assert len(set.union(*threads)) == 4
    assert threading.get_ident() not in set.union(*threads)
    assert report.snapshots == 4


def test_an_adapter_bug_is_a_gap_free_error_not_a_lost_cycle(
    store: TinyStore, caplog: pytest.LogCaptureFixture
) -> None:
    """A KeyError from one adapter: that platform's error is "error"; the others are saved."""
    engine, _ = meeting_engine(store, broken="instagram")
    report = engine.collect_once(T0)
    assert dict(report.errors) == {"instagram:error": 1}
    assert report.snapshots == 3
    assert "instagram: discovery failed unexpectedly: KeyError" in caplog.text
    assert "an adapter bug" not in caplog.text  # the message could carry a key: never logged


def test_a_stream_found_this_cycle_keeps_its_broadcast_when_its_first_poll_fails(
    store: TinyStore,
) -> None:
    """Found and matched (by its video id on the plan), then its poll times out: a gap, matched."""
    target = Target("twitch", "twitch-channel", "twitch-1")
    store.change_plan(lambda plan: [Broadcast("b-tw", "p", "P", T0, 60, (target,))])
    engine, _ = meeting_engine(store, failing="twitch")
    report = engine.collect_once(T0)
    assert report.errors == Counter({"twitch:timeout": 1})
    assert store.streams()["twitch:twitch-1"].broadcast_id == "b-tw"
    assert [(g.stream, g.reason) for g in store.gaps(T0, T0 + timedelta(1))] == [
        ("twitch:twitch-1", "timeout")
    ]
