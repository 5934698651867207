"""Daemon memory as history grows: peak RSS of the real collector after 1 and 30 days.

Each measurement is a fresh child process running the real ``collectors.engine.Engine``
on a ``TinyStore`` for ``CYCLES`` one-minute cycles, against a fake in-process
platform (no network) that reports the 500 live streams of the working set every
cycle. The store was filled beforehand by ``bench.generate`` with 1 or 30 days of
history — collecting 30 days cycle by cycle would take hours, and what grows (or
not) with history is what the daemon reads and keeps, not how the files came to be.
Peak RSS is the child's ``VmHWM``, after its imports and its cycles.

Two variants. "first cycle regroups": the generated working set is not what the
matcher would assign (700 ended streams on seven broadcasts, 500 live streams with no
unplanned broadcast), so the first cycle moves ~1,200 streams and rebuilds the combined
figures of ~1,700 broadcasts from the last week's partitions and the archive — a
daemon's first cycle after a producer re-plans a week. "settled": one cycle at 22:59
(no poll due) in another process settles the working set first, so the measured
process is a daemon restarted on a folder it wrote itself: its steady state.
"""

from __future__ import annotations

import json
import random
import resource
import subprocess
import sys
import tempfile
from collections.abc import Collection, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bench import generate
from bench.rows import row as _row
from bench.rows import show

CYCLES = 20  # the partition grows 500 a cycle; peak RSS is reached early
DAYS = (1, 30)


class FakeYouTube:
    """A ``collectors.base.Platform`` with nothing behind it: every stream is live."""

    name = "youtube"
    max_batch = 50

    def __init__(self) -> None:
        self.rng = random.Random(generate.SEED)

    def discover(self, channels: Sequence[Any], now: datetime, known: Collection[str] = ()) -> Any:
        """Nothing new: the working set is already known."""
        from collectors.base import Discovery

        return Discovery()

    def poll(self, streams: Sequence[Any], now: datetime) -> Any:
        """A live snapshot of each stream, with a plausible audience."""
        from collectors.base import PollResult
        from streamer.models import Snapshot, StreamStatus

        result = PollResult()
        for stream in streams:
            viewers = 50 + int(self.rng.random() * 500)
            result.snapshots.append(
                Snapshot(stream.key, now, StreamStatus.LIVE, viewers, 9 * viewers)
            )
            result.updates.append(replace(stream, status=StreamStatus.LIVE))
        result.usage.charge("YOUTUBE_API_KEY", 1)
        return result


def child(data_dir: Path, today: str, settle: bool) -> dict[str, Any]:
    """In the child: run ``CYCLES`` cycles from 23:00 on ``today`` (with ``settle``, one
    cycle at 22:59 instead); peak RSS in MB."""
    from collectors.engine import Engine
    from streamer.config import CollectorSettings
    from streamer.store import open_store

    store = open_store(data_dir, long_lived=True)  # as ``streamer run`` opens it
    engine = Engine(store, {"youtube": FakeYouTube()}, generate.programmes(), CollectorSettings(),
                    parallel=False)  # fmt: skip
    start = datetime.fromisoformat(f"{today}T23:00:00+00:00")
    snapshots = 0
    for minute in [-1] if settle else range(CYCLES):
        snapshots += engine.collect_once(start + timedelta(minutes=minute)).snapshots
    return {"peak_mb": peak_rss_mb(), "snapshots": snapshots}


def peak_rss_mb() -> float:
    """This process's peak resident memory, in MB.

    ``VmHWM`` belongs to the address space ``exec`` created, so it is this program's
    own peak; ``ru_maxrss`` is carried over from the parent at fork, which made every
    child report the benchmark runner's 1.3 GB.
    """
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # not Linux: kB anyway


def measure(days: int, settled: bool, tmp: Path) -> dict[str, Any]:
    """Build ``days`` of history (settled first if asked), then run the collector on it
    in a fresh process."""
    folder = tmp / f"days-{days}-{int(settled)}"
    history = generate.write_history(folder, days)
    argv = [sys.executable, "-m", "bench.memory", str(folder), history.today.isoformat()]
    for step in ["1", "0"] if settled else ["0"]:
        done = subprocess.run([*argv, step], capture_output=True, text=True, check=True,
                              timeout=600)  # fmt: skip
    result: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return result


def run() -> list[dict[str, Any]]:
    """The memory rows: peak RSS after 1 and 30 days, in the cycle that first regroups the
    history's broadcasts and in a settled daemon's."""
    rows = []
    with tempfile.TemporaryDirectory(prefix="streamer-bench-") as tmp:
        for settled in (False, True):
            peak = {days: measure(days, settled, Path(tmp))["peak_mb"] for days in DAYS}
            label = "settled working set" if settled else "first cycle regroups"
            ratio = peak[DAYS[-1]] / peak[DAYS[0]]
            rows += [
                _row(f"daemon peak RSS, {d} days of history ({label})", peak[d], "MB", "printed",
                     True) for d in DAYS
            ]  # fmt: skip
            rows.append(_row(f"daemon peak RSS 30 days / 1 day ({label})", ratio, "x", "<= 1.1",
                             ratio <= 1.1))  # fmt: skip
    return rows


if __name__ == "__main__":
    if len(sys.argv) == 4:
        print(json.dumps(child(Path(sys.argv[1]), sys.argv[2], sys.argv[3] == "1")))
    else:
        show(run())
