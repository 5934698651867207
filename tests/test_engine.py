"""The collector engine end to end: the real google-api-python-client against the
simulator on loopback, a SimulatedClock, and a real TinyStore in ``tmp_path``.

Each world is a YouTube-only config written to disk and loaded, a plan saved in the
store, and a ``Collector`` built from them, driven like ``streamer demo`` drives it:
a cycle, then the clock jumps to ``engine.next_due``.
"""

from __future__ import annotations

import itertools
import logging
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from helpers.counting import CountingStore
from helpers.retries import instant_retries

from collectors import engine as engine_module
from collectors.engine import CycleReport
from collectors.simulator import FaultKind, FaultRule, Scenario, SimStream, Simulator
from streamer import retry, rollup
from streamer.app.daemon import Collector
from streamer.clock import SimulatedClock
from streamer.config import Config, load_config
from streamer.models import (
    Broadcast,
    BroadcastStatus,
    Gap,
    Snapshot,
    StreamStatus,
    Target,
    to_iso,
)
from streamer.tinystore import TinyStore

# 22:00 in Los Angeles (PDT): the YouTube quota day turns at 07:00 UTC, two hours in.
T0 = datetime(2026, 3, 14, 5, 0, tzinfo=UTC)
PACIFIC_MIDNIGHT = datetime(2026, 3, 14, 7, 0, tzinfo=UTC)
CHANNEL = "UCengineTestChannel00001"
KEY_ENV = "STREAMER_TEST_YOUTUBE_KEY"
KEY = "AIzaFAKE-engine-test-key-01"
VIDEOS = "/youtube/v3/videos"
LIVE_INTERVAL = 60
CONFIG = """\
data_dir = "data"
timezone = "Asia/Almaty"

[[programmes]]
slug = "adal-komek"
name = "Adal Komek"
channels = [{{ platform = "youtube", id = "{channel}", label = "Adal Komek YouTube" }}]

[platforms.youtube]
api_key_env = "{key_env}"
api_endpoint = "{endpoint}"
rss_endpoint = "{endpoint}"

[collector]
request_timeout = 0.25
"""


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


def write_config(folder: Path, endpoint: str) -> Config:
    """A YouTube-only streamer.toml pointing at the simulator, loaded back."""
    path = folder / "streamer.toml"
    text = CONFIG.format(channel=CHANNEL, key_env=KEY_ENV, endpoint=endpoint)
    path.write_text(text, encoding="utf-8")
    return load_config(path)


def aired(video_id: str, start: datetime, length: timedelta, **facts: Any) -> SimStream:
    """A stream scheduled at ``start`` that goes live then (plus ``late``) for ``length``."""
    late = facts.pop("late", timedelta(0))
    facts.setdefault("scheduled_start", start)
    return SimStream(
        channel=CHANNEL,
        video_id=video_id,
        title=f"Эфир {video_id}",
        actual_start=start + late,
        actual_end=start + late + length,
        peak_viewers=facts.pop("peak_viewers", 250),
        final_views=facts.pop("final_views", 900),
        **facts,
    )


def planned(id: str, start: datetime, duration_min: int) -> Broadcast:
    return Broadcast(
        id, "adal-komek", f"План {id}", start, duration_min, (Target("youtube", CHANNEL),)
    )


@dataclass
class Cycle:
    """One collector cycle as the tests saw it."""

    report: CycleReport
    commits: int
    broadcasts: dict[str, BroadcastStatus] = field(default_factory=dict)
    streams: dict[str, StreamStatus] = field(default_factory=dict)


@dataclass
class World:
    """The simulator, a config pointing at it, the store, and a collector on one clock."""

    clock: SimulatedClock
    sim: Simulator
    config: Config
    store: CountingStore
    collector: Collector
    stack: ExitStack
    cycles: list[Cycle] = field(default_factory=list)
    watch: bool = False  # read statuses back from the store after every cycle

    def cycle(self) -> CycleReport:
        """One cycle at the clock's now, recorded."""
        before = self.store.commits
        report = self.collector.collect_once()
        seen = Cycle(report, self.store.commits - before)
        if self.watch:
            seen.broadcasts = {b.id: b.status for b in self.store.broadcasts().values()}
            everything = self.store.streams(include_archive=True).values()
            seen.streams = {s.external_id: s.status for s in everything}
        self.cycles.append(seen)
        return report

    def play(self, until: datetime) -> None:
        """Cycles at the times the engine asks for, until ``until`` (excluded)."""
        while self.clock.now() < until:
            self.cycle()
            due = self.collector.engine.next_due(self.clock.now())
            self.clock.set(min(until, max(due, self.clock.now() + timedelta(seconds=1))))

    def restart(self) -> None:
        """Drop the collector and build a new one on the same data folder (same clock)."""
        self.collector.close()
        self.store = CountingStore(TinyStore(self.config.data_dir))
        self.collector = Collector(self.config, self.clock, {KEY_ENV: KEY}, self.store)  # type: ignore[arg-type]

    def snapshots(self) -> list[Snapshot]:
        found: list[Snapshot] = self.store.snapshots(
            T0 - timedelta(days=2), T0 + timedelta(days=30)
        )
        return found

    def history(self, kind: str, name: str) -> list[Any]:
        """The distinct statuses ``name`` went through, in order."""
        seen: list[Any] = []
        for cycle in self.cycles:
            status = getattr(cycle, kind).get(name)
            if status is not None and (not seen or seen[-1] is not status):
                seen.append(status)
        return seen

    def when(self, broadcast_id: str, status: BroadcastStatus) -> datetime:
        """The time of the first cycle after which ``broadcast_id`` had ``status``."""
        return next(c.report.at for c in self.cycles if c.broadcasts.get(broadcast_id) is status)


@contextmanager
def world(
    tmp: Path,
    streams: Sequence[SimStream],
    plan: Sequence[Broadcast] = (),
    *,
    start: datetime = T0,
    **sim_options: Any,
) -> Iterator[World]:
    """A served simulator, the config and plan on disk, and a collector, all at ``start``."""
    clock = SimulatedClock(start)
    sim = Simulator(Scenario(streams=streams, seed=3), clock, **sim_options)
    with ExitStack() as stack:
        stack.enter_context(instant_retries())  # retries happen, their waits do not
        endpoint = stack.enter_context(sim.serve())
        config = write_config(tmp, endpoint)
        inner = TinyStore(config.data_dir)
        if plan:
            inner.change_plan(lambda current: list(plan))
        store = CountingStore(inner)
        collector = Collector(config, clock, {KEY_ENV: KEY}, store)  # type: ignore[arg-type]
        made = World(clock, sim, config, store, collector, stack)
        stack.callback(lambda: made.collector.close())
        yield made


# -- one planned evening, played once for the tests that read it --------------------
#
# aired:     planned T0+30 min for 30 min, live 2 min late for 30 min, likes hidden
# unplanned: nobody planned it, live T0+80 to T0+95 (50 min from the nearest
#            planned starts: outside the 45-minute window)
# noshow:    planned T0+130 for 20 min, never goes live: missed at end + grace, T0+180
# deleted:   planned T0+150 for 20 min, deleted at T0+40: missing, then missed at T0+200
EVENING = [
    aired("airedVid001", T0 + minutes(30), minutes(30), late=minutes(2), likes_hidden=True),
    aired("unplanned01", T0 + minutes(80), minutes(15), scheduled_start=None, peak_viewers=80),
    SimStream(
        channel=CHANNEL, video_id="noshowVid01", title="No show", scheduled_start=T0 + minutes(130)
    ),
    SimStream(
        channel=CHANNEL,
        video_id="deletedVid1",
        title="Deleted",
        scheduled_start=T0 + minutes(150),
        deleted_at=T0 + minutes(40),
    ),
]
EVENING_PLAN = [
    planned("b-aired", T0 + minutes(30), 30),
    planned("b-noshow", T0 + minutes(130), 20),
    planned("b-deleted", T0 + minutes(150), 20),
]
EVENING_END = T0 + minutes(205)


@pytest.fixture(scope="module")
def evening(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """The evening above, collected from T0 to T0+3h25 with statuses watched."""
    with world(tmp_path_factory.mktemp("evening"), EVENING, EVENING_PLAN) as played:
        played.watch = True
        played.play(EVENING_END)
        yield played


def test_discovery_finds_every_stream_on_the_channel(evening: World) -> None:
    """The feed and one uploads walk find all four streams, each adopted once, no search."""
    everything = evening.store.streams(include_archive=True)
    assert {s.external_id for s in everything.values()} == {s.video_id for s in EVENING}
    assert sum(c.report.discovered for c in evening.cycles) == 4
    assert evening.sim.stats.requests["/feeds/videos.xml"] > 1
    assert evening.sim.stats.requests["/youtube/v3/search"] == 0


def test_streams_move_upcoming_live_ended(evening: World) -> None:
    """A planned stream is seen upcoming, then live, then ended; its times are the true ones."""
    assert evening.history("streams", "airedVid001") == [
        StreamStatus.UPCOMING,
        StreamStatus.LIVE,
        StreamStatus.ENDED,
    ]
    stored = evening.store.streams()["youtube:airedVid001"]
    truth = evening.sim.ground_truth()["airedVid001"]
    assert (stored.actual_start, stored.actual_end) == (truth.actual_start, truth.actual_end)


def test_broadcast_status_moves_planned_live_held(evening: World) -> None:
    """The broadcast follows its stream: planned, live while it airs, held once it ended."""
    assert evening.history("broadcasts", "b-aired") == [
        BroadcastStatus.PLANNED,
        BroadcastStatus.LIVE,
        BroadcastStatus.HELD,
    ]
    went_live = evening.when("b-aired", BroadcastStatus.LIVE)
    assert T0 + minutes(32) <= went_live <= T0 + minutes(33)


def test_a_no_show_becomes_missed_after_end_plus_grace(evening: World) -> None:
    """Still upcoming at end + grace (T0+3h): missed then, and not a minute before."""
    assert evening.history("broadcasts", "b-noshow") == [
        BroadcastStatus.PLANNED,
        BroadcastStatus.MISSED,
    ]
    assert evening.when("b-noshow", BroadcastStatus.MISSED) == T0 + minutes(180)
    assert evening.store.streams()["youtube:noshowVid01"].status is StreamStatus.UPCOMING


def test_the_deleted_stream_is_missing_and_kept_in_history(evening: World) -> None:
    """Deleted before airing: polled as missing, out of the working set, in the archive."""
    assert "youtube:deletedVid1" not in evening.store.streams()
    kept = evening.store.streams(include_archive=True)["youtube:deletedVid1"]
    assert (kept.status, kept.done, kept.broadcast_id) == (StreamStatus.MISSING, True, "b-deleted")
    assert kept.last_polled_at is not None
    assert T0 + minutes(40) <= kept.last_polled_at <= T0 + minutes(50)
    later = [s for s in evening.snapshots() if s.stream == kept.key and s.ts >= T0 + minutes(40)]
    assert later == []
    assert evening.store.broadcasts()["b-deleted"].status is BroadcastStatus.MISSED


def test_the_unplanned_stream_is_kept_with_no_broadcast(evening: World) -> None:
    """A stream matching no planned start is collected all the same, broadcast_id None."""
    unplanned = evening.store.streams()["youtube:unplanned01"]
    assert unplanned.broadcast_id is None
    assert evening.history("streams", "unplanned01") == [StreamStatus.LIVE, StreamStatus.ENDED]
    assert sum(s.stream == unplanned.key for s in evening.snapshots()) > 12


def test_each_cycle_is_saved_in_at_most_one_commit(evening: World) -> None:
    """No cycle commits twice; every cycle that polled or discovered commits exactly once."""
    assert max(c.commits for c in evening.cycles) == 1
    working = [c for c in evening.cycles if c.report.polled or c.report.discovered]
    assert len(working) > 80
    assert {c.commits for c in working} == {1}


def test_hidden_counts_are_none_not_zero(evening: World) -> None:
    """likes_hidden gives likes None on every snapshot; viewers are None once ended."""
    mine = [s for s in evening.snapshots() if s.stream == "youtube:airedVid001"]
    assert mine and all(s.likes is None for s in mine)
    assert all(s.views is not None for s in mine)
    live = [s for s in mine if s.status is StreamStatus.LIVE]
    ended = [s for s in mine if s.status is StreamStatus.ENDED]
    assert live and all(s.concurrent_viewers is not None for s in live)
    assert ended and all(s.concurrent_viewers is None for s in ended)
    others = [s for s in evening.snapshots() if s.stream == "youtube:unplanned01"]
    assert all(s.likes is not None for s in others)


def test_stored_snapshots_equal_the_polls_made(evening: World) -> None:
    """One snapshot per answered poll, unique per (stream, ts); the missing poll has none."""
    stored = evening.snapshots()
    polled = sum(c.report.polled for c in evening.cycles)
    written = sum(c.report.snapshots for c in evening.cycles)
    assert len(stored) == written == polled - 1  # the poll that found deletedVid1 gone
    assert len({(s.stream, s.ts) for s in stored}) == len(stored)


def test_rollups_equal_a_rebuild_from_stored_snapshots(evening: World) -> None:
    """Each stream's incrementally folded rollup equals rollup.rebuild over its history."""
    rollups = evening.store.rollups(include_archive=True)
    snapshots = evening.snapshots()
    streams = [k for k in rollups if not k.startswith("broadcast:")]
    assert len(streams) == 4
    for key in streams:
        mine = [s for s in snapshots if s.stream == key]
        assert rollups[key] == rollup.rebuild(key, LIVE_INTERVAL, mine), key


def test_the_quota_ledger_holds_every_unit_spent(evening: World) -> None:
    """Units charged by the simulator all reach the store's ledger, under the key's name."""
    days = {to_iso(c.report.at)[:10] for c in evening.cycles} | {"2026-03-13"}
    ledger: Counter[str] = Counter()
    for day in days:
        ledger.update(evening.store.quota_used(day))
    assert dict(ledger) == {KEY_ENV: evening.sim.stats.quota_units[KEY]}


def test_the_evening_takes_no_idle_cycles(evening: World) -> None:
    """Cycles come when polls, discoveries or missed-checks are due: none wasted on nothing."""
    idle = [c for c in evening.cycles if c.commits == 0 and c.report.calls == 0]
    discovery_only = evening.config.collector.discovery_interval // 60  # one a 5 minutes
    assert len(idle) <= (EVENING_END - T0) // minutes(discovery_only) + 1


# -- the life after airing --------------------------------------------------------


def test_a_held_broadcast_stays_held_after_its_stream_is_archived(tmp_path: Path) -> None:
    """Aired, then deleted (done, archived): the broadcast stays held past end + grace."""
    gone = aired("heldThenDel", T0 + minutes(5), minutes(10), deleted_at=T0 + minutes(20))
    with world(tmp_path, [gone], [planned("b-held", T0 + minutes(5), 10)]) as w:
        w.play(T0 + minutes(50))  # missing at the +10 min final poll (T0+25); grace ends T0+45
        assert w.store.streams() == {}
        archived = w.store.streams(include_archive=True)["youtube:heldThenDel"]
        assert (archived.status, archived.done) == (StreamStatus.MISSING, True)
        assert w.store.broadcasts()["b-held"].status is BroadcastStatus.HELD


def test_an_idle_engine_waits_for_the_next_discovery(tmp_path: Path) -> None:
    """Nothing to poll and no plan pending: the next cycle is the next discovery, not now."""
    gone = aired("heldThenDel", T0 + minutes(5), minutes(10), deleted_at=T0 + minutes(20))
    with world(tmp_path, [gone]) as w:
        w.play(T0 + minutes(30))  # done and archived at T0+25
        now = w.clock.now()
        w.cycle()
        assert w.store.streams() == {}
        assert w.collector.engine.next_due(now) == now + timedelta(seconds=300)
        assert len(w.cycles) < 40


def test_a_failed_discovery_is_tried_again_at_the_next_interval(tmp_path: Path) -> None:
    """Everything answers 503: one gap-free error per try, and the next try 5 minutes on."""
    with world(tmp_path, [aired("liveVid0001", T0 + minutes(30), minutes(30))]) as w:
        w.sim.faults.add(FaultRule(kind="http503"))
        report = w.cycle()
        assert report.errors == Counter({"youtube:transient": 1})
        assert w.collector.engine.next_due(T0) == T0 + timedelta(seconds=300)


def test_units_spent_by_a_failed_discovery_reach_the_ledger(tmp_path: Path) -> None:
    """A discovery that fails after spending quota still records the units it spent."""
    with world(tmp_path, [aired("liveVid0001", T0 + minutes(30), minutes(30))]) as w:
        w.sim.faults.add(FaultRule(kind="http500", path_prefix=VIDEOS))
        report = w.cycle()
        assert report.errors == Counter({"youtube:transient": 1})
        assert report.quota_units > 0
        assert w.store.quota_used("2026-03-13") == {KEY_ENV: report.quota_units}


def test_seen_ids_keep_the_newest_when_trimmed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The remembered ids are trimmed oldest first, so recent streams are never re-adopted."""
    monkeypatch.setattr(engine_module, "SEEN_LIMIT", 2)
    streams = [
        aired(f"seenVid000{n}", T0 + minutes(60), minutes(30), published_at=T0 + minutes(n * 10))
        for n in range(4)
    ]
    with world(tmp_path, streams) as w:
        w.play(T0 + minutes(40))
        assert w.store.get_meta("seen:youtube") == ["seenVid0002", "seenVid0003"]
        assert sum(c.report.discovered for c in w.cycles) == 4


# -- batching ---------------------------------------------------------------------


def test_120_live_streams_take_three_videos_calls_a_poll(tmp_path: Path) -> None:
    """videos.list asks for at most 50 ids: 120 live streams cost 3 calls and 3 units a poll."""
    many = [aired(f"batch{n:06d}", T0 - minutes(10), minutes(60)) for n in range(120)]
    with world(tmp_path, many) as w:
        first = w.cycle()
        w.clock.advance(timedelta(seconds=LIVE_INTERVAL))
        second = w.cycle()
    assert (first.discovered, first.polled, second.polled) == (120, 120, 120)
    assert (second.calls, second.quota_units, second.snapshots) == (3, 3, 120)
    ids_per_call = w.sim.stats.video_ids_per_call
    assert max(ids_per_call) <= 50
    assert ids_per_call[-3:] == [50, 50, 20]


def test_a_platform_failing_every_try_costs_one_batch_not_every_batch(tmp_path: Path) -> None:
    """videos.list answers 503 to every try: the first batch spends its retries, the
    other two are not sent; all 120 due polls are gaps "transient", and the next cycle
    tries again (and polls all 120 once the platform is back)."""
    many = [aired(f"batch{n:06d}", T0 - minutes(10), minutes(60)) for n in range(120)]
    with world(tmp_path, many) as w:
        w.cycle()
        w.sim.faults.add(FaultRule(kind="http503", path_prefix=VIDEOS))
        w.clock.advance(timedelta(seconds=LIVE_INTERVAL))
        sent = w.sim.stats.total_requests
        failing = w.cycle()
        assert w.sim.stats.total_requests - sent == retry.DEFAULT.attempts  # one batch
        gaps = w.store.gaps(T0, T0 + timedelta(days=1))
        assert (failing.snapshots, len(gaps), {g.reason for g in gaps}) == (0, 120, {"transient"})
        w.sim.faults.clear()
        w.clock.advance(timedelta(seconds=LIVE_INTERVAL))
        assert w.cycle().snapshots == 120


def test_a_key_refused_mid_poll_stops_the_platform_with_auth_gaps(tmp_path: Path) -> None:
    """keyInvalid on the first batch: that batch and the rest are "auth" gaps, then no calls."""
    many = [aired(f"batch{n:06d}", T0 - minutes(10), minutes(60)) for n in range(120)]
    with world(tmp_path, many) as w:
        w.cycle()
        w.sim.faults.add(FaultRule(kind="key_invalid", path_prefix=VIDEOS))
        w.clock.advance(timedelta(seconds=LIVE_INTERVAL))
        refused = w.cycle()
        sent = w.sim.stats.total_requests
        w.clock.advance(timedelta(seconds=LIVE_INTERVAL))
        stopped = w.cycle()
        assert w.sim.stats.total_requests == sent
        assert w.collector.engine.next_due(w.clock.now()) == w.clock.now() + minutes(1)
    assert (refused.calls, dict(refused.errors)) == (1, {"youtube:auth": 120})
    assert (stopped.calls, dict(stopped.errors)) == (0, {"youtube:auth": 120})


# -- quota ------------------------------------------------------------------------


def test_quota_exhaustion_pauses_until_pacific_midnight(tmp_path: Path) -> None:
    """Out of quota: due polls become "quota" gaps, no request is sent, polling resumes at reset."""
    live = aired("quotaVid001", T0 + minutes(5), minutes(180))
    with world(tmp_path, [live], quota_limit=20) as w:
        w.play(T0 + minutes(60))
        assert w.store.get_meta("paused_until:youtube") == to_iso(PACIFIC_MIDNIGHT)
        sent = w.sim.stats.total_requests
        w.play(PACIFIC_MIDNIGHT)
        assert w.sim.stats.total_requests == sent  # nothing spent while paused
        w.play(PACIFIC_MIDNIGHT + minutes(10))
        gaps = w.store.gaps(T0, T0 + timedelta(days=1))
        snapshots = w.snapshots()
        stored_rollup = w.store.rollups()["youtube:quotaVid001"]
    assert gaps and {g.reason for g in gaps} == {"quota"}
    assert stored_rollup.gaps == {"quota": len(gaps)}
    assert stored_rollup == rollup.rebuild("youtube:quotaVid001", LIVE_INTERVAL, snapshots, gaps)
    first_gap = min(g.ts for g in gaps)
    assert all(first_gap <= g.ts < PACIFIC_MIDNIGHT for g in gaps)
    # Every minute of the pause is a gap; none is a snapshot; the pause costs no busy loop.
    assert len(gaps) >= (PACIFIC_MIDNIGHT - first_gap) // minutes(1) - 1
    assert not [s for s in snapshots if first_gap <= s.ts < PACIFIC_MIDNIGHT]
    assert len(w.cycles) < 250
    resumed = [s for s in snapshots if s.ts >= PACIFIC_MIDNIGHT]
    assert len(resumed) >= 9 and all(s.status is StreamStatus.LIVE for s in resumed)


def test_a_restarted_engine_honours_the_stored_quota_pause(tmp_path: Path) -> None:
    """The pause is in the store: a new collector skips polls (as gaps) until the reset."""
    live = aired("quotaVid001", T0 + minutes(5), minutes(180))
    with world(tmp_path, [live], quota_limit=20) as w:
        w.play(T0 + minutes(60))
        w.restart()
        sent = w.sim.stats.total_requests
        w.clock.advance(minutes(1))
        report = w.cycle()
        assert w.sim.stats.total_requests == sent
        assert report.errors == Counter({"youtube:quota": 1})
        assert [g.reason for g in w.store.gaps(w.clock.now(), T0 + timedelta(days=1))] == ["quota"]
        w.clock.set(PACIFIC_MIDNIGHT)
        assert w.cycle().snapshots == 1


# -- faults -----------------------------------------------------------------------

REASONS = {
    "http500": "transient",
    "http503": "transient",
    "http429": "rate_limit",
    "timeout": "timeout",
    "malformed": "bad_payload",
}


@pytest.fixture
def live_world(tmp_path: Path) -> Iterator[World]:
    """One live stream, discovered and polled once at T0, the clock a minute on."""
    with world(tmp_path, [aired("faultVid001", T0 - minutes(5), minutes(60))]) as w:
        assert w.cycle().snapshots == 1
        w.clock.advance(timedelta(seconds=LIVE_INTERVAL))
        yield w


@pytest.mark.parametrize("kind", list(REASONS))
def test_a_single_fault_is_retried_to_success(live_world: World, kind: FaultKind) -> None:
    """One injected fault on videos.list: retried within the cycle, the snapshot is saved."""
    live_world.sim.faults.add(FaultRule(kind=kind, path_prefix=VIDEOS, times=1, delay=1.0))
    report = live_world.cycle()
    assert (report.snapshots, report.calls, dict(report.errors)) == (1, 2, {})
    assert live_world.sim.stats.faults[kind] == 1
    assert len(live_world.snapshots()) == 2


@pytest.mark.parametrize(("kind", "reason"), list(REASONS.items()))
def test_a_lasting_fault_becomes_a_gap_with_its_reason(
    live_world: World, kind: FaultKind, reason: str
) -> None:
    """A fault on every try: the due poll is a gap with the fault's reason; the cycle completes."""
    live_world.sim.faults.add(FaultRule(kind=kind, path_prefix=VIDEOS, delay=1.0))
    report = live_world.cycle()
    assert (report.snapshots, dict(report.errors)) == (0, {f"youtube:{reason}": 1})
    assert live_world.cycles[-1].commits == 1
    [gap] = live_world.store.gaps(T0, T0 + timedelta(days=1))
    assert (gap.stream, gap.ts, gap.reason) == (
        "youtube:faultVid001",
        live_world.clock.now(),
        reason,
    )
    assert live_world.store.rollups()["youtube:faultVid001"].gaps == {reason: 1}
    live_world.sim.faults.clear()
    live_world.clock.advance(timedelta(seconds=LIVE_INTERVAL))
    assert live_world.cycle().snapshots == 1  # the next poll is on time


def test_a_cycle_the_store_refused_leaves_store_gaps_counted_as_a_rebuild_counts_them(
    live_world: World,
) -> None:
    """Another process holds main's lock past the timeout: the cycle's write fails
    (``StoreBusy``) and its poll is lost. The next cycle that commits writes a gap with
    reason ``store`` at the lost poll's time, counts it in the stream's rollup, and
    ``rollup --rebuild`` finds the rollups as stored; the stream is polled again."""
    from filelock import FileLock

    from streamer.rebuild import rebuild_all
    from streamer.store import StoreBusy

    tiny = live_world.store.inner
    tiny.lock_timeout = 0.05
    key = "youtube:faultVid001"
    refused_at = live_world.clock.now()
    with FileLock(tiny._lock_path("streamer.json")), pytest.raises(StoreBusy):
        live_world.cycle()
    assert live_world.store.gaps(T0, T0 + timedelta(days=1)) == []  # nothing written yet
    live_world.clock.advance(timedelta(seconds=LIVE_INTERVAL))
    assert live_world.cycle().snapshots == 1  # polled again, on the next tick
    [gap] = live_world.store.gaps(T0, T0 + timedelta(days=1))
    assert (gap.stream, to_iso(gap.ts), gap.reason) == (key, to_iso(refused_at), "store")
    assert live_world.store.rollups()[key].gaps == {"store": 1}
    assert [s.ts for s in live_world.snapshots()] == [T0, live_world.clock.now()]
    assert rebuild_all(live_world.store, LIVE_INTERVAL).differing == []
    live_world.clock.advance(timedelta(seconds=LIVE_INTERVAL))
    live_world.cycle()  # written once: the next commit adds nothing
    assert len(live_world.store.gaps(T0, T0 + timedelta(days=1))) == 1
    assert live_world.store.rollups()[key].gaps == {"store": 1}


def test_the_gaps_of_refused_cycles_outlive_the_process(live_world: World) -> None:
    """``collect --once`` from cron, or a daemon stopped during an outage: the process
    ends with its refused cycles' gaps unwritten. The next process adopts them from the
    data folder's ``unsaved/``, writes and counts each once, and removes the file."""
    from filelock import FileLock

    from streamer.rebuild import rebuild_all
    from streamer.store import StoreBusy

    key = "youtube:faultVid001"
    refused = []
    for _ in range(2):  # two refused cycles, each by a process of its own
        tiny = live_world.store.inner
        tiny.lock_timeout = 0.05
        refused.append(live_world.clock.now())
        with FileLock(tiny._lock_path("streamer.json")), pytest.raises(StoreBusy):
            live_world.cycle()
        kept = list((live_world.config.data_dir / "unsaved").glob("*.jsonl"))
        assert len(kept) == len(refused)  # one per process that kept gaps
        live_world.restart()  # the process ends; a new one starts on the same folder
        live_world.clock.advance(timedelta(seconds=LIVE_INTERVAL))
    assert live_world.store.gaps(T0, T0 + timedelta(days=1)) == []  # nothing written yet
    assert live_world.cycle().snapshots == 1
    gaps = live_world.store.gaps(T0, T0 + timedelta(days=1))
    assert sorted((g.stream, to_iso(g.ts), g.reason) for g in gaps) == [
        (key, to_iso(at), "store") for at in refused
    ]
    assert live_world.store.rollups()[key].gaps == {"store": 2}
    assert rebuild_all(live_world.store, LIVE_INTERVAL).differing == []
    assert list((live_world.config.data_dir / "unsaved").glob("*")) == []
    live_world.restart()  # nothing left to adopt: the next commit adds no gap
    live_world.clock.advance(timedelta(seconds=LIVE_INTERVAL))
    live_world.cycle()
    assert len(live_world.store.gaps(T0, T0 + timedelta(days=1))) == 2
    assert live_world.store.rollups()[key].gaps == {"store": 2}


def test_unsaved_gaps_files_are_adopted_whole_and_removed_once_written(tmp_path: Path) -> None:
    """Two processes may adopt one file (several collectors of a database on one
    machine): each removes what it adopted once written, the other finds it gone. A
    line cut by a crash is skipped; the gaps before it are kept, appended one by one."""
    from collectors.unsaved import UnsavedGaps

    folder = tmp_path / "unsaved"
    gaps = [Gap("youtube:v1", T0, "store"), Gap("youtube:v2", T0 + minutes(1), "store")]
    first = UnsavedGaps(folder)
    first.keep(gaps[:1])
    first.keep(gaps[1:])  # appended, not rewritten
    with first.mine.open("ab") as cut:
        cut.write(b'{"stream": "youtube:v3", "ts": "2026-')
    second = UnsavedGaps(folder)
    assert second.load() == gaps
    assert second.adopted == [first.mine]
    first.written()
    second.written()  # already gone: no error
    assert list(folder.iterdir()) == []
    assert UnsavedGaps(folder).load() == []


def test_unsaved_gaps_that_cannot_be_kept_stay_in_memory(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The folder cannot be made (a file stands in its place, as a full disk refuses):
    a warning says the gaps live only in memory; nothing raises."""
    from collectors.unsaved import UnsavedGaps

    (tmp_path / "unsaved").write_text("not a folder")
    kept = UnsavedGaps(tmp_path / "unsaved")
    with caplog.at_level(logging.WARNING, "streamer.engine"):
        kept.keep([Gap("youtube:v1", T0, "store")])
    assert "cannot keep 1 gaps" in caplog.text
    assert "lost if this process ends" in caplog.text
    assert kept.load() == []


# -- restart ----------------------------------------------------------------------


def test_a_restart_mid_broadcast_continues_without_duplicates(tmp_path: Path) -> None:
    """A new collector on the same folder polls on from where the old one stopped."""
    live = aired("restartVid1", T0 + minutes(5), minutes(30))
    with world(tmp_path, [live], [planned("b-restart", T0 + minutes(5), 30)]) as w:
        w.play(T0 + minutes(20))
        w.cycle()
        before = len(w.snapshots())
        w.restart()
        again = w.cycle()  # at the instant of the last cycle: nothing is due again
        assert (again.discovered, again.polled, len(w.snapshots())) == (0, 0, before)
        w.play(T0 + minutes(50))
        snapshots = w.snapshots()
        stored_rollup = w.store.rollups(include_archive=True)["youtube:restartVid1"]
        stream = w.store.streams()["youtube:restartVid1"]
    assert len({(s.stream, s.ts) for s in snapshots}) == len(snapshots)
    live_ts = [s.ts for s in snapshots if s.status is StreamStatus.LIVE]
    steps = {b - a for a, b in itertools.pairwise(live_ts)}
    assert steps == {timedelta(seconds=LIVE_INTERVAL)}  # no hole, no double, across the restart
    assert live_ts[0] <= T0 + minutes(6) and live_ts[-1] >= T0 + minutes(34)
    assert stream.broadcast_id == "b-restart" and stream.status is StreamStatus.ENDED
    assert stored_rollup.live_samples == len(live_ts)
    assert stored_rollup == rollup.rebuild(stream.key, LIVE_INTERVAL, snapshots)
    assert w.store.broadcasts()["b-restart"].status is BroadcastStatus.HELD
