"""Concurrency: processes writing to one data folder at once lose nothing."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import orjson

from streamer.tinystore import TinyStore

WRITER = Path(__file__).parent / "helpers" / "store_writer.py"


def run_together(data_dir: Path, mode: str, count: int, prefixes: tuple[str, ...]) -> None:
    """Start one writer per prefix, release them at the same moment, wait for all."""
    writers = [
        subprocess.Popen(
            [sys.executable, str(WRITER), str(data_dir), mode, prefix, str(count)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for prefix in prefixes
    ]
    for writer in writers:
        assert writer.stdout is not None
        assert writer.stdout.readline() == "ready\n"
    (data_dir / "go").touch()
    for writer in writers:
        out, err = writer.communicate(timeout=120)
        assert (writer.returncode, out) == (0, "done\n"), err


def test_two_processes_adding_broadcasts_lose_none(data_dir: Path) -> None:
    """Two processes each adding 200 broadcasts via change_plan at once leave all 400."""
    run_together(data_dir, "plan", 200, ("p", "q"))
    expected = {f"{prefix}-{n}" for prefix in "pq" for n in range(200)}
    assert set(TinyStore(data_dir).broadcasts()) == expected
    assert len(orjson.loads((data_dir / "streamer.json").read_bytes())["broadcasts"]) == 400


def test_two_processes_committing_cycles_lose_nothing(data_dir: Path) -> None:
    """Two processes committing 50 cycles each at once keep every snapshot, update and unit."""
    run_together(data_dir, "cycles", 50, ("p", "q"))
    store = TinyStore(data_dir)
    far = (datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))
    for prefix in "pq":
        key = f"youtube:{prefix}"
        assert len(store.snapshots(*far, streams=[key])) == 500
        assert store.streams()[key].final_polls == 49
    assert store.quota_used("2024-05-01") == {"p": 50, "q": 50}
