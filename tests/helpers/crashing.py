"""Kill a collector process with SIGKILL at random moments and check what survived.

Shared by ``tests/test_reliability_crash.py`` (a few kills) and the soak (50 kills).
"""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
from helpers.reliability import MONDAY, plan

from streamer.models import from_iso
from streamer.tinystore import TinyStore

COLLECTOR = Path(__file__).parent / "crash_collector.py"
FAR = (datetime(2000, 1, 1).astimezone(), datetime(2100, 1, 1).astimezone())


@dataclass
class CrashLog:
    """Every acknowledged cycle across all the killed runs."""

    acks: list[dict[str, Any]] = field(default_factory=list)
    kills: int = 0
    killed_mid_run: int = 0  # kills that hit a process that had not finished

    @property
    def last_at(self) -> datetime | None:
        return from_iso(self.acks[-1]["at"]) if self.acks else None


def start_collector(folder: Path, start: datetime, until: datetime, pace: float = 0.0) -> Any:
    """The collector process of ``crash_collector.py``, its stdout a pipe."""
    command = [sys.executable, str(COLLECTOR), str(folder), start.isoformat(), until.isoformat()]
    return subprocess.Popen([*command, str(pace)], stdout=subprocess.PIPE, text=True)


def prepare(folder: Path, weeks: int = 1) -> None:
    """A data folder with the plan in it, as a producer would have left it."""
    TinyStore(folder / "data").change_plan(lambda _current: plan(MONDAY, weeks))


def kill_once(folder: Path, log: CrashLog, start: datetime, until: datetime, delay: float) -> None:
    """Run a collector from ``start``, SIGKILL it ``delay`` s after its first ack."""
    process = start_collector(folder, start, until)
    assert process.stdout is not None
    first = process.stdout.readline()
    time.sleep(delay)
    process.send_signal(signal.SIGKILL)
    rest, _ = process.communicate(timeout=60)
    log.kills += 1
    log.killed_mid_run += process.returncode == -signal.SIGKILL
    # A line cut by the kill was never acknowledged.
    for line in (first + rest).splitlines(keepends=True):
        if line.endswith("\n") and line.startswith("{"):
            log.acks.append(json.loads(line))


def run_to_end(folder: Path, log: CrashLog, start: datetime, until: datetime) -> None:
    """A last collector run, not killed, to ``until``."""
    process = start_collector(folder, start, until)
    out, _ = process.communicate(timeout=600)
    assert process.returncode == 0, out[-2000:]
    log.acks += [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def resume_time(log: CrashLog, begin: datetime, rng: random.Random) -> datetime:
    """Where the restarted process's clock starts: after the last ack, plus some downtime."""
    last = log.last_at or begin
    return last + timedelta(seconds=rng.uniform(1, 180))


def check_folder(folder: Path, log: CrashLog) -> None:
    """Every file loads; no snapshot twice; every acknowledged snapshot and stream kept."""
    data = folder / "data"
    for path in data.rglob("*.json"):
        orjson.loads(path.read_bytes())
    store = TinyStore(data)  # also clears a killed writer's temp files
    assert not list(data.rglob("*.tmp"))
    snapshots = store.snapshots(*FAR)
    keys = [(s.stream, s.ts) for s in snapshots]
    assert len(keys) == len(set(keys)), "a snapshot was saved twice"
    gaps = [(g.stream, g.ts, g.reason) for g in store.gaps(*FAR)]
    assert len(gaps) == len(set(gaps)), "a gap was saved twice"
    saved = {(stream, ts) for stream, ts in keys}
    streams = store.streams(include_archive=True)
    for ack in log.acks:
        assert {(k, from_iso(ts)) for k, ts in ack["snapshots"]} <= saved, ack["at"]
        assert set(ack["streams"]) <= set(streams), ack["at"]
    assert set(store.broadcasts()) == {b.id for b in plan(MONDAY, 1)}


def crash_run(
    folder: Path, kills: int, begin: datetime, until: datetime, seed: int, max_delay: float = 0.3
) -> CrashLog:
    """``kills`` killed runs (checked after each), then one run to ``until``."""
    rng, log = random.Random(seed), CrashLog()
    prepare(folder)
    while log.kills < kills:
        start = resume_time(log, begin, rng)
        if start >= until - timedelta(minutes=10):
            break
        kill_once(folder, log, start, until, rng.uniform(0.0, max_delay))
        check_folder(folder, log)
    run_to_end(folder, log, resume_time(log, begin, rng), until)
    check_folder(folder, log)
    return log
