"""Wall time from ``streamer simulate`` start to the first live sample stored by
``streamer run`` (the README's "Try the collector live", timed).

    .venv/bin/python bench/first_live_sample.py [WORK_DIR]

Starts the simulator on a free port, runs ``streamer init --simulator``, starts
``streamer run``, and polls the data folder (read-only) until a live snapshot with
concurrent viewers is stored; prints the seconds, then one ``watch --once`` frame.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

from streamer.clock import SystemClock, monotonic

BIN = Path(sys.executable).parent / "streamer"


def main() -> int:
    work = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="live-"))
    began = monotonic()
    sim = subprocess.Popen(
        [BIN, "simulate", "--port", "0"], stdout=subprocess.PIPE, text=True, bufsize=1
    )
    assert sim.stdout is not None
    url = ""
    while not url:
        found = re.search(r"http://127\.0\.0\.1:\d+", sim.stdout.readline())
        url = found.group(0) if found else ""
    subprocess.run([BIN, "init", "--simulator", url, str(work)], check=True, capture_output=True)
    from streamer.app.simworld import ENVIRON

    env = {**os.environ, **ENVIRON}
    config = work / "streamer.toml"
    run = subprocess.Popen(
        [BIN, "--config", config, "run", "--log-level", "WARNING"], env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    from streamer.config import load_config
    from streamer.models import StreamStatus
    from streamer.store import config_store

    store = config_store(load_config(config))
    try:
        while True:
            now = SystemClock().now()
            live = [
                s for s in store.snapshots(now - timedelta(hours=1), now + timedelta(minutes=1))
                if s.status is StreamStatus.LIVE and s.concurrent_viewers
            ]  # fmt: skip
            if live:
                break
            SystemClock().sleep(0.5)
        print(f"first live sample {monotonic() - began:.1f} s after 'streamer simulate'")
        SystemClock().sleep(65)  # a couple of live polls, so the trend has points
        frame = subprocess.run(
            [BIN, "--config", config, "watch", "--once"], env={**env, "COLUMNS": "80"},
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        print(frame.stdout)
    finally:
        for process in (run, sim):
            process.send_signal(signal.SIGINT)
            process.wait(timeout=60)
    return 0


if __name__ == "__main__":
    sys.exit(main())
