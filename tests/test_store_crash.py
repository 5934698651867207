"""Crash safety: a writer killed with SIGKILL at random moments corrupts nothing and loses
no write it had acknowledged."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest

from streamer.models import to_iso
from streamer.tinystore import TinyStore

WRITER = Path(__file__).parent / "helpers" / "store_writer.py"
KILLS = 24
QUOTA_DAY = "2024-05-01"  # the day store_writer.py charges its quota units to


def kill_writer_mid_run(
    data_dir: Path, prefix: str, delay: float, mode: str = "crash"
) -> list[dict[str, Any]]:
    """Start a crash writer, SIGKILL it ``delay`` s after its first ack; return its acks."""
    writer = subprocess.Popen(
        [sys.executable, str(WRITER), str(data_dir), mode, prefix],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert writer.stdout is not None
    first = writer.stdout.readline()
    time.sleep(delay)
    writer.send_signal(signal.SIGKILL)
    rest, _ = writer.communicate(timeout=30)
    assert writer.returncode == -signal.SIGKILL
    # Only whole lines count: a line cut by the kill was never fully acknowledged.
    lines = (first + rest).splitlines(keepends=True)
    return [json.loads(line) for line in lines if line.endswith("\n")]


def assert_every_json_file_parses(data_dir: Path) -> None:
    """Every data file under the folder is complete JSON; every month tail whole lines."""
    files = list(data_dir.rglob("*.json"))
    assert data_dir / "streamer.json" in files
    for path in files:
        orjson.loads(path.read_bytes())
    for path in data_dir.rglob("*.tail.jsonl"):
        raw = path.read_bytes()
        # Empty: killed between creating the tail and writing its first line (it holds
        # no record; test_store_tail's empty-tail test).
        assert raw == b"" or raw.endswith(b"\n"), path
        for line in raw.splitlines():
            orjson.loads(line)


def assert_acknowledged_writes_present(
    store: TinyStore, acks: list[dict[str, Any]], kills: int
) -> None:
    """Every acknowledged plan change and cycle is in the store."""
    plan = store.broadcasts()
    working, every = store.streams(), store.streams(include_archive=True)
    far = (datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))
    saved = {(s.stream, to_iso(s.ts)) for s in store.snapshots(*far)}
    cycles = [ack for ack in acks if ack["kind"] == "cycle"]
    assert {ack["id"] for ack in acks if ack["kind"] == "plan"} <= set(plan)
    for ack in cycles:
        assert {(ack["stream"], ts) for ts in ack["snapshots"]} <= saved
        assert ack["stream"] in every
        assert all(every[key].done and key not in working for key in ack["finished"])
    # Each killed run may have saved one cycle it never got to acknowledge.
    assert len(cycles) <= store.quota_used(QUOTA_DAY)["crash"] <= len(cycles) + kills


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["crash", "crash-nofsync", "crash-fold"])
def test_sigkill_at_random_moments_keeps_files_whole_and_acks_saved(
    data_dir: Path, mode: str
) -> None:
    """After each of 24 SIGKILLs, all JSON files load and every acknowledged write is there
    (with ``fsync = false`` too: a killed process loses nothing the kernel was given; and
    with month tails folded every few moves, so kills land inside folds)."""
    rng = random.Random(20240501)
    acks: list[dict[str, Any]] = []
    for run in range(KILLS):
        acks += kill_writer_mid_run(data_dir, f"r{run}", rng.uniform(0.0, 0.2), mode)
        assert_every_json_file_parses(data_dir)
        store = TinyStore(data_dir)  # also removes the killed writer's temp files
        assert list(data_dir.rglob("*.tmp")) == []
        assert_acknowledged_writes_present(store, acks, kills=run + 1)
    # The writer must really have been writing when killed, or this test proves nothing.
    assert sum(ack["kind"] == "cycle" for ack in acks) >= 2 * KILLS
    # Moves went to the tails, and in crash-fold mode were folded into the archives.
    archives = [orjson.loads(p.read_bytes()) for p in data_dir.glob("archive/????-??.json")]
    folded = sum(len(archive.get("streams", {})) for archive in archives)
    assert folded > 2 * len(archives) if mode == "crash-fold" else folded == len(archives)
