"""A half-year summary report on a large store, against recomputing it from snapshots.

The store holds ``DAYS`` days of ``bench.generate`` history from 1 January: over a
million snapshots and ten thousand streams, all inside the half-year ``2025-H1``.
The measured path is what ``streamer report summary --period 2025-H1`` does: one
``Dataset.from_store`` read (plan, streams and rollups, archive included) and
``reports.builders.build``. The baseline is what a report would cost without
rollups: every snapshot of the period read back and folded per stream
(``streamer.rebuild.rebuild_all``), then the same report built on the result.
"""

from __future__ import annotations

import statistics
import tempfile
from pathlib import Path
from typing import Any

from bench import generate
from bench.rows import row as _row
from bench.rows import show
from reports.builders import build
from reports.dataset import Dataset
from reports.periods import Period, parse_period
from streamer.clock import monotonic
from streamer.config import Config
from streamer.rebuild import rebuild_all
from streamer.tinystore import TinyStore

DAYS = 110  # 1.1 million snapshots, 11,000 streams
RUNS = 7
BASELINE_RUNS = 1  # reads and folds a million snapshots (~45 s); its margin dwarfs noise


def _config(data_dir: Path) -> Config:
    return Config(path=data_dir / "bench.toml", data_dir=data_dir, programmes=generate.programmes())


def report_time(folder: Path, config: Config) -> tuple[float, int]:
    """Seconds for one half-year summary from rollups, and its row count.

    A fresh store each run, as each ``streamer report`` is a fresh process: nothing is
    cached from the run before (the OS page cache is warm, as on a working server).
    """
    began = monotonic()
    data = Dataset.from_store(TinyStore(folder), config, _period(config))
    rows = _summary(data, config)
    return monotonic() - began, rows


def baseline_time(folder: Path, config: Config) -> tuple[float, int]:
    """Seconds for the same summary with every rollup recomputed from the snapshots."""
    began = monotonic()
    store = TinyStore(folder)
    rebuilt = rebuild_all(store, generate.LIVE_INTERVAL)
    stored = Dataset.from_store(store, config)
    data = Dataset(stored.broadcasts, stored.streams, rebuilt.rollups, stored.channel_programmes)
    rows = _summary(data, config)
    return monotonic() - began, rows


def _period(config: Config) -> Period:
    return parse_period("2025-H1", generate.day_start(generate.FIRST_DAY), config.tz)


def _summary(data: Dataset, config: Config) -> int:
    period = _period(config)
    report = build("summary", data, period, config.tz, programmes=list(config.programmes))
    return len(report.rows)


def run() -> list[dict[str, Any]]:
    """The report rows: sizes, median report time, baseline time and their ratio."""
    with tempfile.TemporaryDirectory(prefix="streamer-bench-") as tmp:
        folder = Path(tmp)
        history = generate.write_history(folder, DAYS)
        config = _config(folder)
        fast = [report_time(folder, config) for _ in range(RUNS)]
        slow = [baseline_time(folder, config) for _ in range(BASELINE_RUNS)]
    assert {rows for _, rows in fast} == {rows for _, rows in slow}  # the same report
    report = statistics.median(t for t, _ in fast)
    baseline = statistics.median(t for t, _ in slow)
    streams = history.streams + generate.WORKING_LIVE + generate.WORKING_ENDED
    return [
        _row("report data: snapshots in the half-year", history.snapshots, "snapshots",
             ">= 1,000,000", history.snapshots >= 1_000_000),
        _row("report data: streams", streams, "streams", ">= 2,000", streams >= 2_000),
        _row("half-year summary from rollups (median)", report, "s", "< 0.5", report < 0.5),
        _row("half-year summary recomputed from snapshots", baseline, "s", "printed", True),
        _row("recomputed / rollups", baseline / report, "x", ">= 20", baseline / report >= 20),
    ]  # fmt: skip


if __name__ == "__main__":
    show(run())
