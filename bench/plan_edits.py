"""One plan edit (``streamer plan add``'s ``change_plan``) as history grows.

Each run adds one broadcast for the day after the history ends, through a fresh
``TinyStore`` (each ``streamer plan`` command is a fresh process), and removes it
again afterwards so every run edits the same plan. Histories of 0, 30 and 365 days
(``bench.generate``) are timed interleaved, median of ``RUNS``. The first edit on a
generated folder builds the month archives' plan indexes (``streamer.tinyplan``) and
is a warm-up, not a sample. Compared: day 365 and day 30 against the empty store.
Every write the harness makes (the generated folders, putting main back) is on disk
before a sample starts, so an edit's fsync writes back only its own file.

Before each sample the cycle collector runs: a ``plan`` command starts with no
collector debt, while here the earlier samples' parses of main leave one, and a full
collection over this process's heap (about 20 ms) lands in a sample of any row now
and then (in a fifth to a third of them, counted with ``gc.callbacks``).
"""

from __future__ import annotations

import gc
import os
import statistics
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bench import generate
from bench.rows import row as _row
from bench.rows import show
from schedules.ids import default_id_factory
from schedules.plans import PlanRequest, add
from streamer.clock import monotonic
from streamer.tinystore import TinyStore

RUNS = 21
DAYS = (0, 30, 365)


def edit_time(folder: Path, history: generate.History) -> float:
    """Seconds for one ``plan add`` through a fresh store; the broadcast is removed after."""
    saved = (folder / "streamer.json").read_bytes()
    programmes = generate.programmes()
    start = generate.day_start(history.today + timedelta(days=1)) + timedelta(hours=3)
    request = PlanRequest("region-00", "bench", f"{start:%Y-%m-%d %H:%M}", 30, allow_overlap=True)
    gc.collect()
    began = monotonic()
    TinyStore(folder).change_plan(
        lambda plan: add(plan, request, programmes, ZoneInfo("UTC"), default_id_factory())
    )
    took = monotonic() - began
    _restore(folder / "streamer.json", saved)
    return took


def _restore(path: Path, saved: bytes) -> None:
    """Put main back, on disk before the next sample: left dirty, the next edit's fsync
    (in any of the folders: one journal) wrote back this copy too and was charged for it."""
    with path.open("wb") as file:
        file.write(saved)
        file.flush()
        os.fsync(file.fileno())


def run() -> list[dict[str, Any]]:
    """Median edit time at 0 / 30 / 365 days and the ratios to the empty store."""
    with tempfile.TemporaryDirectory(prefix="streamer-bench-") as tmp:
        folders = {}
        for days in DAYS:
            folder = Path(tmp) / f"days-{days}"
            folders[days] = (folder, generate.write_history(folder, days))
            edit_time(*folders[days])  # builds the plan indexes of a generated folder
        os.sync()  # a year of generated files is on disk, not written back during samples
        times: dict[int, list[float]] = {days: [] for days in DAYS}
        for _ in range(RUNS):
            for days in DAYS:
                times[days].append(edit_time(*folders[days]))
    median = {days: statistics.median(times[days]) for days in DAYS}
    rows = [_row(f"plan edit (plan add), {d} days of history", median[d] * 1000, "ms", "printed",
                 True) for d in DAYS]  # fmt: skip
    for days in DAYS[1:]:
        ratio = median[days] / median[0]
        rows.append(_row(f"plan edit: {days} days / empty", ratio, "x", "<= 1.2", ratio <= 1.2))
    return rows


if __name__ == "__main__":
    show(run())
