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
from helpers.pg import pg_schema

from collectors.simulator import Simulator
from collectors.simulator.many import channel_id, many_live
from streamer.clock import ScaledClock
from streamer.models import from_iso
from streamer.pgstore import PgStore

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
    processes: list[subprocess.Popen[str]] = field(default_factory=list)

    def start(self, config: Path) -> subprocess.Popen[str]:
        argv = [sys.executable, str(COLLECTOR), str(config), T0.isoformat(), str(self.wall),
                str(SPEED), self.until.isoformat()]  # fmt: skip
        env = {**os.environ, **ENVIRON}
        process = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True, env=env)
        self.processes.append(process)
        return process

    def wall_of(self, moment: datetime) -> float:
        """The Unix time at which the shared clock shows ``moment``."""
        return self.wall + (moment - T0).total_seconds() / SPEED


def acks(out: str) -> list[dict[str, Any]]:
    """The complete JSON lines of a collector's output."""
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


@contextmanager
def world(tmp_path: Path, url: str, ticks: int, extra: str = "") -> Iterator[tuple[Run, Path]]:
    """The simulator on the shared clock and a config on it; a ``Run`` to start collectors."""
    wall = time.time() + 8  # T0 then: the processes have started by that time
    sim = Simulator(many_live(T0, CHANNELS), ScaledClock(T0, wall, SPEED))
    with ExitStack() as stack:
        endpoint = stack.enter_context(sim.serve())
        config = tmp_path / "streamer.toml"
        config.write_text(config_text(endpoint, url, extra), encoding="utf-8")
        run = Run(tmp_path, url, wall, T0 + ticks * TICK)
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
