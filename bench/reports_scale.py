"""A half-year summary report on a large store, against recomputing it from snapshots.

The store holds ``DAYS`` days of ``bench.generate`` history from 1 January: over a
million snapshots and ten thousand streams, all inside the half-year ``2025-H1``.
The measured path is what ``streamer report summary --period 2025-H1`` does: one
``Dataset.from_store`` read (plan, streams and rollups, archive included) and
``reports.builders.build``. The baseline is what a report would cost without
rollups: every snapshot of the period read back and folded per stream
(``streamer.rebuild.rebuild_all``), then the same report built on the result.

Beside it, what a user would write instead of the project's rebuild
(``bench.rescan_sql``): one SQL query computing the same per-stream figures from the
raw snapshots and the summary's first figures per programme from them, on SQLite
(a table of the snapshots, loaded before timing) and on DuckDB reading the data
folder's JSON files as they are; median of ``SQL_RUNS``, interleaved with the
rollups report's runs.
"""

from __future__ import annotations

import statistics
import tempfile
from pathlib import Path
from typing import Any

from bench import generate, rescan_sql
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
SQL_RUNS = 3
START, END = "2025-01-01T00:00:00Z", "2025-07-01T00:00:00Z"  # 2025-H1, as the SQL sees it


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
        rescan_sql.build_sqlite(folder, folder / "raw.sqlite")
        fast, sql = [], {"sqlite": [], "duckdb": []}
        for run in range(RUNS):
            fast.append(report_time(folder, config))
            if run < SQL_RUNS:
                for name, seconds in sql_times(folder).items():
                    sql[name].append(seconds)
        slow = [baseline_time(folder, config) for _ in range(BASELINE_RUNS)]
    assert {rows for _, rows in fast} == {rows for _, rows in slow}  # the same report
    report = statistics.median(t for t, _ in fast)
    baseline = statistics.median(t for t, _ in slow)
    sqlite, duck = (statistics.median(sql[name]) for name in ("sqlite", "duckdb"))
    streams = history.streams + generate.WORKING_LIVE + generate.WORKING_ENDED
    return [
        _row("report data: snapshots in the half-year", history.snapshots, "snapshots",
             ">= 1,000,000", history.snapshots >= 1_000_000),
        _row("report data: streams", streams, "streams", ">= 2,000", streams >= 2_000),
        _row("half-year summary from rollups (median)", report, "s", "< 0.5", report < 0.5),
        _row("half-year summary recomputed from snapshots", baseline, "s", "printed", True),
        _row("recomputed / rollups", baseline / report, "x", ">= 20", baseline / report >= 20),
        _row("SQLite over raw snapshots (table keyed (stream, ts)): the summary's figures "
             "in one query", sqlite, "s", "printed", True),
        _row("SQLite raw-snapshot query / rollups summary", sqlite / report, "x", "> 1",
             sqlite > report),
        _row("DuckDB over the data folder's JSON files (read_text, json_transform): the "
             "summary's figures in one query", duck, "s", "printed", True),
        _row("DuckDB over the JSON files / rollups summary", duck / report, "x", "> 1",
             duck > report),
    ]  # fmt: skip


def sql_times(folder: Path) -> dict[str, float]:
    """Seconds of one raw-snapshot query on SQLite and on DuckDB, checked to agree."""
    began = monotonic()
    lite = rescan_sql.sqlite_rescan(folder / "raw.sqlite", START, END)
    middle = monotonic()
    duck = rescan_sql.duckdb_rescan(folder, START, END)
    ended = monotonic()
    assert _rounded(lite) == _rounded(duck), "SQLite and DuckDB disagree"
    return {"sqlite": middle - began, "duckdb": ended - middle}


def _rounded(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Rows with floats to 6 significant digits: the sums' order differs by database."""
    return [tuple(float(f"{v:.6g}") if isinstance(v, float) else v for v in r) for r in rows]


if __name__ == "__main__":
    show(run())
