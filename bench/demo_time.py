"""Simulated time: the demos' wall time, end to end (plan, collect, report).

``make demo``'s workload is ``streamer demo``: a simulated week of both programmes on
four platforms through the simulator. ``streamer demo --half-year`` replays
January–June. Both jump the simulated clock to the next due poll; what they cost is
the collector's cycles (HTTP to the in-process simulator, one store write each), so
these rows follow the collector's per-cycle cost. One run each (they take tens of
seconds to minutes); the week is run twice and the faster kept, so a cold start does
not count.
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path
from typing import Any

from rich.console import Console

from bench.rows import row as _row
from bench.rows import show
from streamer.app.demo import run_demo
from streamer.app.demo_half_year import run_half_year
from streamer.clock import monotonic


def _quiet() -> Console:
    return Console(file=io.StringIO(), width=120)


def run() -> list[dict[str, Any]]:
    """Wall time of the week demo (best of two) and of the half-year demo."""
    week = []
    with tempfile.TemporaryDirectory(prefix="streamer-bench-demo-") as tmp:
        for n in range(2):
            began = monotonic()
            run_demo(Path(tmp) / f"week-{n}", _quiet())
            week.append(monotonic() - began)
        began = monotonic()
        agree = run_half_year(Path(tmp) / "half-year", _quiet())
        half_year = monotonic() - began
    return [
        _row("simulated week of both programmes (make demo), wall time", min(week), "s",
             "< 60", min(week) < 60),
        _row("simulated half-year (demo --half-year), wall time", half_year, "s",
             "< 60", half_year < 60),
        _row("half-year demo: report agrees with the simulator", int(agree), "bool", "1",
             agree),
    ]  # fmt: skip


if __name__ == "__main__":
    show(run())
