"""A collector process on a shared PostgreSQL store, for the multi-collector fault tests
and benchmarks: the real ``Collector`` on a ``ScaledClock`` that every process shares.

    python pg_collector.py CONFIG START WALL SPEED UNTIL

Runs a cycle at every tick of the poll grid (simulated time: START at the Unix time
WALL, SPEED times faster than the wall clock) until UNTIL, as the daemon's grid trigger
does. Prints ``ready`` once joined, then after each cycle that returned (its commit
acknowledged) one JSON line: ``{"at": ..., "polled": [stream keys polled live],
"seconds": ...}``; a cycle that failed (the database unreachable) prints
``{"at": ..., "failed": "..."}`` and the next tick tries again, as ``streamer run``.
The credentials are ``helpers.configs.ENVIRON``'s.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from helpers.configs import ENVIRON
from helpers.retries import instant_retries

from collectors.policy import on_grid
from streamer.app.daemon import Collector, collect_tick
from streamer.clock import ScaledClock
from streamer.config import load_config
from streamer.models import to_iso


def main(config_path: Path, start: datetime, wall: float, speed: float, until: datetime) -> None:
    clock = ScaledClock(start, wall, speed)
    config = load_config(config_path)
    tick = collect_tick(config)
    with instant_retries(), Collector(config, clock, dict(ENVIRON)) as collector:
        print("ready", flush=True)
        while (at := on_grid(clock.now(), tick)) < until:
            clock.sleep((at - clock.now()).total_seconds())
            began = time.monotonic()
            try:
                report = collector.collect_once()
            except Exception as exc:  # as the daemon's _safe_cycle: logged, tried again
                print(json.dumps({"at": to_iso(at), "failed": type(exc).__name__}), flush=True)
                clock.sleep(1.0)  # past this grid point
                continue
            seconds = round(time.monotonic() - began, 3)
            line = {"at": to_iso(at), "polled": sorted(report.live_viewers),
                    "seconds": seconds, "units": report.quota_units}  # fmt: skip
            print(json.dumps(line), flush=True)
            clock.sleep(max(0.0, (at - clock.now()).total_seconds()) + 1.0)
    print("done", flush=True)


if __name__ == "__main__":
    path, start, wall, speed, until = sys.argv[1:6]
    main(Path(path), datetime.fromisoformat(start), float(wall), float(speed),
         datetime.fromisoformat(until))  # fmt: skip
