"""YouTube quota per snapshot over a simulated day, daemon mode against cron mode.

The demo week's Tuesday (Adal Komek at 11:00 and Antikor.Live at 15:00, Almaty), on
YouTube through the real google client and the simulator. Daemon mode: one
``Collector`` for the day, each cycle at the engine's ``next_due``. Cron mode:
``streamer collect --once`` every minute, a fresh ``Collector`` each time on the
same data folder. Both are held to the batches' limit: the sum over cycles of
``ceil(YouTube snapshots in the cycle / 50)`` units.

    python -m bench.cron_quota        # prints both modes' figures
"""

from __future__ import annotations

import math
import tempfile
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bench.rows import row as _row
from bench.rows import show
from collectors.simulator import Simulator, demo_week
from streamer.app.daemon import Collector
from streamer.app.demo import ADAL_YT, ANTIKOR_YT, plan_week
from streamer.clock import SimulatedClock
from streamer.config import load_config
from streamer.retry import set_instant

MONDAY = date(2026, 11, 23)
TZ = ZoneInfo("Asia/Almaty")
ENVIRON = {"BENCH_YT_KEY": "bench-youtube-key"}
CONFIG = """\
data_dir = "data"
timezone = "Asia/Almaty"
fsync = false

[[programmes]]
slug = "adal-komek"
name = "Adal Komek"
channels = [{{ platform = "youtube", id = "{adal}" }}]

[[programmes]]
slug = "antikor-live"
name = "Antikor.Live"
channels = [{{ platform = "youtube", id = "{antikor}" }}]

[platforms.youtube]
api_key_env = "BENCH_YT_KEY"
api_endpoint = "{url}"
rss_endpoint = "{url}"
"""


def _day(mode: str) -> dict[str, float]:
    """Play Tuesday in ``mode`` ("daemon" or "cron"); units, snapshots and the limit."""
    begin = datetime.combine(MONDAY + timedelta(days=1), time(0), tzinfo=TZ)
    finish = begin + timedelta(days=1)
    clock = SimulatedClock(begin)
    scenario = demo_week(MONDAY, "Asia/Almaty", adal_channel=ADAL_YT, antikor_channel=ANTIKOR_YT)
    sim = Simulator(scenario, clock)
    totals = {"units": 0.0, "snapshots": 0.0, "limit": 0.0, "cycles": 0.0}
    with tempfile.TemporaryDirectory(prefix="streamer-cron-") as tmp, sim.serve() as url:
        path = Path(tmp) / "streamer.toml"
        path.write_text(CONFIG.format(adal=ADAL_YT, antikor=ANTIKOR_YT, url=url), "utf-8")
        config = load_config(path)
        plan_week(config, MONDAY)
        daemon = Collector(config, clock, ENVIRON, parallel=False) if mode == "daemon" else None
        while clock.now() < finish:
            if daemon is not None:
                report = daemon.collect_once()
                due = daemon.engine.next_due(clock.now())
            else:
                with Collector(config, clock, ENVIRON, parallel=False) as fresh:
                    report = fresh.collect_once()
                due = clock.now() + timedelta(minutes=1)
            polled = report.platforms.get("youtube")
            snaps = polled.snapshots if polled else 0
            totals["snapshots"] += snaps
            totals["limit"] += math.ceil(snaps / 50)
            totals["cycles"] += 1
            clock.set(min(finish, max(due, clock.now() + timedelta(seconds=1))))
        if daemon is not None:
            daemon.close()
        totals["units"] = float(sum(sim.stats.quota_units.values()))
    return totals


def run() -> list[dict[str, Any]]:
    """The rows: units per snapshot and units over the limit, per mode."""
    set_instant(True)
    rows = []
    for mode in ("daemon", "cron"):
        day = _day(mode)
        per = day["units"] / max(1.0, day["snapshots"])
        rows += [
            _row(f"youtube day, {mode}: quota units", day["units"], "units", "printed", True),
            _row(f"youtube day, {mode}: snapshots", day["snapshots"], "snaps", "printed", True),
            _row(f"youtube day, {mode}: units per snapshot", per, "units", "printed", True),
            _row(f"youtube day, {mode}: units / batch limit", day["units"] / day["limit"], "x",
                 "<= 1.5", day["units"] <= 1.5 * day["limit"]),
        ]  # fmt: skip
    return rows


if __name__ == "__main__":
    show(run())
