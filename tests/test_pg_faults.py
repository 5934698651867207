"""Faults with collector processes sharing one PostgreSQL database (issue #17): a
collector killed mid-cycle, the database restarted under running collectors, and a
collector with another config. Real processes (tests/helpers/pg_collector.py) on one
fast clock against the simulator's many-live-streams world."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from helpers.configs import ENVIRON, simulator_config
from helpers.pg import pg_schema, pgcluster, private_cluster

from collectors.simulator import Simulator
from collectors.simulator.many import channel_id, many_live
from streamer.clock import ScaledClock, SystemClock
from streamer.models import from_iso
from streamer.pgschema import connect, migrate
from streamer.pgstore import PgStore
from streamer.rebuild import rebuild_all

ROOT = Path(__file__).resolve().parent.parent
COLLECTOR = ROOT / "tests" / "helpers" / "pg_collector.py"
T0 = datetime(2026, 3, 3, 6, 0, tzinfo=UTC)
SPEED = 20.0  # a 60 s live interval is 3 s of wall time
TICK = timedelta(seconds=60)
CHANNELS = 9
FAR = (datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))


def config_text(endpoint: str, url: str, extra: str = "") -> str:
    """Nine programmes of one YouTube channel each, on the simulator, in the database."""
    programmes = [(f"p{n}", f"P{n}", [("youtube", channel_id(n))]) for n in range(CHANNELS)]
    text = simulator_config(endpoint, programmes=programmes, timezone="UTC")
    return text + f'\n[store]\nurl = "{url}"\n\n[collector]\nrequest_timeout = 2\n{extra}'


@dataclass
class Run:
    """Collector processes on one clock, and what each acknowledged."""

    folder: Path
    url: str
    wall: float
    until: datetime
    start_at: datetime = T0
    speed: float = SPEED
    processes: list[subprocess.Popen[str]] = field(default_factory=list)

    def start(self, config: Path) -> subprocess.Popen[str]:
        argv = [sys.executable, str(COLLECTOR), str(config), self.start_at.isoformat(),
                str(self.wall), str(self.speed), self.until.isoformat()]  # fmt: skip
        env = {**os.environ, **ENVIRON}
        process = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True, env=env)
        self.processes.append(process)
        return process

    def wall_of(self, moment: datetime) -> float:
        """The Unix time at which the shared clock shows ``moment``."""
        return self.wall + (moment - self.start_at).total_seconds() / self.speed


def acks(out: str) -> list[dict[str, Any]]:
    """The complete JSON lines of a collector's output."""
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


@contextmanager
def world(
    tmp_path: Path, url: str, ticks: int, start: datetime = T0, speed: float = SPEED
) -> Iterator[tuple[Run, Path]]:
    """The simulator on the shared clock and a config on it; a ``Run`` to start collectors."""
    wall = time.time() + 8  # ``start`` then: the processes have started by that time
    sim = Simulator(many_live(start, CHANNELS), ScaledClock(start, wall, speed))
    with ExitStack() as stack:
        endpoint = stack.enter_context(sim.serve())
        config = tmp_path / "streamer.toml"
        config.write_text(config_text(endpoint, url), encoding="utf-8")
        run = Run(tmp_path, url, wall, start + ticks * TICK, start, speed)
        try:
            yield run, config
        finally:
            for process in run.processes:
                if process.poll() is None:
                    process.kill()
                    process.communicate()


def buckets(store: PgStore) -> Counter[tuple[str, datetime]]:
    """Snapshots per stream per live interval."""
    return Counter((s.stream, T0 + (s.ts - T0) // TICK * TICK) for s in store.snapshots(*FAR))


@pytest.fixture
def url(pg_url: str) -> Iterator[str]:
    """A fresh migrated schema on the test server."""
    with pg_schema(pg_url) as scoped:
        yield scoped


def test_a_killed_collectors_streams_are_polled_by_the_others_within_one_interval(
    tmp_path: Path, url: str
) -> None:
    """Three collectors; one is SIGKILLed at a tick, mid-cycle. Its streams are polled by
    the other two at the next tick; no stream is polled twice in an interval, and every
    acknowledged poll is stored."""
    kill_tick = 4
    with world(tmp_path, url, ticks=10) as (run, config):
        victim, *others = [run.start(config) for _ in range(3)]
        kill_at = run.wall_of(T0 + kill_tick * TICK) + 0.05  # its cycle has begun
        time.sleep(max(0.0, kill_at - time.time()))
        victim.send_signal(signal.SIGKILL)
        killed_out, _ = victim.communicate(timeout=30)
        outs = [p.communicate(timeout=90)[0] for p in others]
    assert all(p.returncode == 0 for p in others) and victim.returncode == -signal.SIGKILL
    store = PgStore(url)
    try:
        counts = buckets(store)
    finally:
        store.close()
    streams = {key for key, _ in counts}
    assert len(streams) == CHANNELS
    assert max(counts.values()) == 1  # none polled twice in one interval
    first = min(at for _, at in counts)
    ticks = [first + n * TICK for n in range((T0 + 10 * TICK - first) // TICK)]
    missing = sorted((at, key) for key in streams for at in ticks if not counts[key, at])
    victim_had = {key for line in acks(killed_out) for key in line.get("polled", [])}
    after = [at for at in ticks if at > T0 + kill_tick * TICK]
    # The killed cycle's polls at most; from the next tick on, every stream every interval.
    assert {at for at, _ in missing} <= {T0 + kill_tick * TICK}
    assert all(counts[key, at] == 1 for key in streams for at in after)
    assert victim_had  # it had its share before the kill, taken over since
    for line in [*acks(killed_out), *(a for out in outs for a in acks(out))]:
        for key in line.get("polled", []):
            at = T0 + (from_iso(line["at"]) - T0) // TICK * TICK
            assert counts[key, at] == 1, (key, at)  # acknowledged: stored
    print(
        f"kill -9 of 1 of 3: {len(streams)} streams x {len(ticks)} intervals, "
        f"{sum(counts.values())} snapshots, {len(missing)} polls lost with the killed cycle, "
        f"0 doubled; the victim's {len(victim_had)} streams polled by the others from the next tick"
    )


def test_collectors_ride_out_a_database_restart_and_record_it_as_store_gaps(
    tmp_path: Path,
) -> None:
    """Two collectors; the database stops for two intervals and comes back. They keep
    running, reconnect by themselves, record the missed polls as gaps with reason
    ``store``, and lose nothing they acknowledged; none polled twice."""
    down_tick, up_tick = 4, 6
    with private_cluster() as (folder, url), connect(url, autocommit=True) as conn:
        migrate(conn)
        conn.close()
        with world(tmp_path, url, ticks=11) as (run, config):
            collectors = [run.start(config) for _ in range(2)]
            time.sleep(max(0.0, run.wall_of(T0 + down_tick * TICK) - 0.3 - time.time()))
            pgcluster.stop(folder)
            time.sleep(max(0.0, run.wall_of(T0 + up_tick * TICK) + 0.5 - time.time()))
            pgcluster.start(folder)
            back = time.time()  # a loaded machine can take a tick to start the server
            outs = [p.communicate(timeout=90)[0] for p in collectors]
        assert all(p.returncode == 0 for p in collectors), outs
        store = PgStore(url)
        try:
            counts = buckets(store)
            gaps = [g for g in store.gaps(*FAR) if g.reason == "store"]
            rollups = store.rollups(include_archive=True)
            rebuilt = rebuild_all(store, 60)
        finally:
            store.close()
    failed = [a for out in outs for a in acks(out) if "failed" in a]
    assert failed  # they saw the outage
    assert max(counts.values()) == 1
    streams = {key for key, _ in counts}
    first = min(at for _, at in counts)
    ticks = [first + n * TICK for n in range((T0 + 11 * TICK - first) // TICK)]
    gap_at = {(g.stream, g.ts) for g in gaps}
    unexplained = [
        (k, at) for k in streams for at in ticks if not counts[k, at] and (k, at) not in gap_at
    ]
    assert unexplained == []  # every interval: a snapshot, or the outage's gap
    # Each gap counted once in its stream's rollup, though both collectors remembered
    # it: the figures say what `rollup --rebuild` says from the stored gaps.
    per_stream = Counter(g.stream for g in gaps)
    assert {k: r.gaps.get("store", 0) for k, r in rollups.items() if k in streams} == {
        k: per_stream[k] for k in streams
    }
    assert rebuilt.differing == []
    outage = {at for _, at in gap_at}
    # Down from down_tick until the server was back: the tick running then, and the one
    # after it (the pool's next connection attempt), may fail too; none other.
    running = max(n for n in range(11) if run.wall_of(T0 + n * TICK) <= back)
    last = max(up_tick, running + 1)
    assert outage and outage <= {T0 + n * TICK for n in range(down_tick, last + 1)}
    after = [at for at in ticks if at > T0 + (last + 1) * TICK]
    assert all(counts[k, at] == 1 for k in streams for at in after)  # back to every interval
    for line in (a for out in outs for a in acks(out)):
        for key in line.get("polled", []):
            assert counts[key, T0 + (from_iso(line["at"]) - T0) // TICK * TICK] == 1
    print(
        f"database down {down_tick}-{up_tick}: {len(failed)} failed cycles, {len(gaps)} store gaps "
        f"at {len(outage)} ticks, {sum(counts.values())} snapshots, 0 doubled, 0 acknowledged lost"
    )


def test_a_collector_with_another_config_refuses_to_share_the_database(
    tmp_path: Path, url: str
) -> None:
    """While a collector runs, `streamer collect --once` with other intervals on the same
    database is refused in one line, exit 2; with the same config it runs. (On the real
    clock: the command's, against which the running collector's heartbeat counts.)"""
    now = SystemClock().now()
    with world(tmp_path, url, ticks=3, start=now - timedelta(seconds=8), speed=1.0) as (
        run,
        config,
    ):
        running = run.start(config)
        assert running.stdout is not None and running.stdout.readline().strip() == "ready"
        env = {**os.environ, **ENVIRON}
        command = [sys.executable, "-c", "from streamer.app.cli import main; main()", "--config"]
        same = subprocess.run(
            [*command, str(config), "collect", "--once"],
            env=env, capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        other = tmp_path / "other.toml"
        other.write_text(config.read_text(encoding="utf-8") + "live_interval = 30\n", "utf-8")
        refused = subprocess.run(
            [*command, str(other), "collect", "--once"],
            env=env, capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        running.kill()
        running.communicate(timeout=60)
    assert same.returncode == 0, same.stderr
    assert refused.returncode == 2 and refused.stdout == ""
    assert refused.stderr.startswith("streamer: error: this config collects other programmes")
    assert len(refused.stderr.splitlines()) == 1
