"""A collector process for the crash and multi-process tests: simulator and engine on
one ``SimulatedClock``, in this process, over a data folder that outlives it.

    python crash_collector.py FOLDER START UNTIL [PACE]

Serves the four-platform demo weeks of ``reliability.py`` from START (ISO 8601), writes
``FOLDER/streamer.toml`` pointing at it, and runs collector cycles, jumping the clock to
the next due time, until UNTIL. After each cycle has been saved it prints one JSON line:
``{"at": ..., "snapshots": [[stream, ts], ...], "streams": [...]}``; a line is printed only
once ``collect_once`` returned, so every acknowledged cycle is on disk. PACE (seconds,
default 0) is real time slept between cycles, to stretch a run for concurrent readers.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from helpers.reliability import MONDAY, SECRETS, scenario, write_config
from helpers.retries import instant_retries

from collectors.simulator import Simulator
from streamer.app.daemon import Collector
from streamer.clock import SimulatedClock
from streamer.models import to_iso
from streamer.tinystore import TinyStore


def main(folder: Path, start: datetime, until: datetime, pace: float) -> None:
    clock = SimulatedClock(start)
    sim = Simulator(scenario(MONDAY, weeks=1), clock)
    with instant_retries(), sim.serve() as endpoint:
        config = write_config(folder, endpoint)
        store = TinyStore(config.data_dir)
        with Collector(config, clock, dict(SECRETS), store) as collector:
            while (now := clock.now()) < until:
                collector.collect_once()
                print(json.dumps(ack(store, now)), flush=True)
                due = collector.engine.next_due(now)
                clock.set(min(until, max(due, now + timedelta(seconds=1))))
                if pace:
                    time.sleep(pace)
    print("done", flush=True)


def ack(store: TinyStore, now: datetime) -> dict[str, object]:
    """What the cycle at ``now`` saved: its snapshots and the streams known after it."""
    moment = (now, now + timedelta(microseconds=1))
    return {
        "at": to_iso(now),
        "snapshots": [[s.stream, to_iso(s.ts)] for s in store.snapshots(*moment)],
        "streams": sorted(store.streams(include_archive=True)),
    }


if __name__ == "__main__":
    args = sys.argv[1:]
    pace = float(args[3]) if len(args) > 3 else 0.0
    main(Path(args[0]), datetime.fromisoformat(args[1]), datetime.fromisoformat(args[2]), pace)
