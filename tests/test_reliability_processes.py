"""Promise 3: processes share the store safely.

A collector process writes cycles while a plan editor and a report reader run in
processes of their own: no plan change is lost, no read is torn, no report fails. And a
plan edit made by another process while a cycle is in flight survives that cycle's save.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time as clock
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from helpers.crashing import prepare, start_collector
from helpers.reliability import MONDAY, TZ, world

from streamer.models import BroadcastStatus
from streamer.tinystore import TinyStore

CLIENTS = Path(__file__).parent / "helpers" / "store_clients.py"
TUESDAY = MONDAY + timedelta(days=1)
EDITS = 40


def client(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(CLIENTS), *args], stdout=subprocess.PIPE, text=True
    )


@pytest.mark.slow
def test_collector_editor_and_reports_run_together(tmp_path: Path) -> None:
    """While the collector writes: every edit is kept, every report parses and exits 0."""
    prepare(tmp_path)
    begin = datetime.combine(TUESDAY, time(10, 50), tzinfo=TZ)
    until = datetime.combine(TUESDAY, time(12, 20), tzinfo=TZ)
    collector = start_collector(tmp_path, begin, until, pace=0.01)
    assert collector.stdout is not None
    collector.stdout.readline()  # first cycle saved: streamer.toml exists
    reader, editor = client("report", str(tmp_path)), client("edit", str(tmp_path), str(EDITS))
    edits, _ = editor.communicate(timeout=120)
    collected, _ = collector.communicate(timeout=120)
    (tmp_path / "stop").touch()
    reads, _ = reader.communicate(timeout=120)
    assert editor.returncode == collector.returncode == reader.returncode == 0
    assert collected.rstrip().endswith("done")
    runs = [json.loads(line) for line in reads.splitlines()]
    assert len(runs) >= 4
    assert [r for r in runs if r["status"] != 0] == []
    seen = [r["snapshots"] for r in runs]
    assert seen == sorted(seen)  # a reader never sees history shrink
    plan = TinyStore(tmp_path / "data").broadcasts()
    added = {json.loads(line)["id"] for line in edits.splitlines()}
    assert len(added) == EDITS and added <= set(plan)
    assert plan["a001xxxx"].status is BroadcastStatus.HELD  # and the collector's too


def test_plan_edit_during_a_cycle_survives_the_cycles_save(tmp_path: Path) -> None:
    """A producer moves a broadcast (another process) while the cycle that sees it go live
    is polling: the move is kept, and so is the new status."""
    begin = datetime.combine(TUESDAY, time(10, 58), tzinfo=TZ)
    moved_to = "2026-03-03 11:03"
    with world(tmp_path, start=begin) as w:
        youtube = w.collector.engine.platforms["youtube"]
        poll = youtube.poll
        done: list[Any] = []

        def poll_and_edit(streams: Any, now: datetime) -> Any:
            result = poll(streams, now)
            if not done and any(s.status.value == "live" for s in result.updates):
                command = [sys.executable, "-c", "from streamer.app.cli import main; main()",
                           "--config", str(w.config.path), "plan", "move", "a001xxxx",
                           "--start", moved_to, "--allow-overlap"]  # fmt: skip
                done.append(subprocess.run(command, capture_output=True, text=True, check=True))
            return result

        youtube.poll = poll_and_edit
        deadline = clock.monotonic() + 30
        while not done and clock.monotonic() < deadline:
            w.play(w.clock.now() + timedelta(minutes=1))
        assert done, "the stream never went live"
        saved = w.store.broadcast("a001xxxx")
    assert saved is not None
    assert saved.status is BroadcastStatus.LIVE
    assert saved.start.astimezone(TZ).strftime("%Y-%m-%d %H:%M") == moved_to
