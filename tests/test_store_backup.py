"""The backup procedure of docs/operations.md ("Backing up a data folder"): while a
process holds main's lock (``flock(2)`` on ``locks/streamer.json.lock``, as the
``flock`` command does), no collector cycle or plan edit changes a file, so a copy
taken then is one state of the store; the copy reads back as the folder did."""

from __future__ import annotations

import fcntl
import hashlib
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest

from bench import generate
from bench.store_scale import cycle
from streamer.rebuild import rebuild_all
from streamer.store import StoreBusy
from streamer.tinystore import TinyStore


@contextmanager
def main_lock(data: Path) -> Iterator[None]:
    """Hold main's lock as ``flock DATA/locks/streamer.json.lock CMD`` does."""
    with (data / "locks" / "streamer.json.lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def fingerprint(data: Path) -> dict[str, str]:
    """Every data file (locks left out) by path, with a digest of its bytes."""
    return {
        str(path.relative_to(data)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(data.rglob("*"))
        if path.is_file() and "locks" not in path.relative_to(data).parts
    }


def test_writers_wait_while_main_is_locked_and_the_copy_reads_back(tmp_path: Path) -> None:
    data = tmp_path / "data"
    history = generate.write_history(data, 2)
    store = TinyStore(data, lock_timeout=0.05)
    store.commit_cycle(cycle(history, 0))  # a day tail, as a running collector leaves one
    assert any(p.name.endswith(".tail.jsonl") for p in (data / "snapshots").iterdir())
    before = fingerprint(data)
    backup = tmp_path / "backup"
    with main_lock(data):
        with pytest.raises(StoreBusy):
            store.commit_cycle(cycle(history, 1))  # a collector's cycle: refused, not half-done
        with pytest.raises(StoreBusy):
            store.change_plan(lambda plan: [])  # a producer's edit
        shutil.copytree(data, backup, ignore=shutil.ignore_patterns("locks"))
    assert fingerprint(data) == before == fingerprint(backup)
    store.commit_cycle(cycle(history, 1))  # the lock released: the collector writes again
    assert fingerprint(data) != before
    copy = TinyStore(backup)
    start = generate.day_start(history.today) - timedelta(days=3)
    end = generate.day_start(history.today) + timedelta(days=1)
    assert len(copy.snapshots(start, end)) == len(TinyStore(data).snapshots(start, end)) - 500
    assert copy.rollups(include_archive=True).keys() <= store.rollups(include_archive=True).keys()
    assert rebuild_all(copy, 60).snapshots == history.snapshots + 500
