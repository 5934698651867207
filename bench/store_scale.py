"""Cycle writes as history grows, against plain TinyDB and against SQLite.

One benchmarked cycle is what the collector saves each minute at peak: 500
snapshots of 500 live streams, their refreshed stream records and rollups, in one
``commit_cycle``. It lands in today's partition when that already holds 9,500
snapshots (the end of a 10,000-snapshot day, the worst case within a day), on a
store holding 1, 30 and 365 days of history (``bench.generate``). Before each run
today's partition is restored, so every run appends to the same 9,500 snapshots.

The cycles are a daemon's: one store instance, each cycle a minute after the last,
``streamer.json`` carried on from the previous cycle. The store keeps the version of
main it last wrote, so a cycle does not parse it again (a daemon's steady state). A
cold cycle — a fresh store that must parse main first, as the first cycle after a
start — is measured too and printed beside it.

Baselines, measured in the same run:

- plain TinyDB: default ``JSONStorage``, one table, one ``insert`` per snapshot,
  at 20,000 documents. Only ``TINYDB_SAMPLE`` inserts per run are timed (each
  rewrites the whole file, ~0.1 s; all 500 would take a minute a run) and the
  per-snapshot figure is their median.
- SQLite (``sqlite3``, WAL, default ``synchronous=FULL`` so a commit is durable
  like ours): the same cycle in one transaction on a database holding the same
  365 days — snapshots keyed ``(stream, ts)``, streams and rollups as JSON by key.
"""

from __future__ import annotations

import json
import random
import sqlite3
import statistics
import tempfile
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import orjson
from tinydb import TinyDB

from bench import generate
from bench.rows import row as _row
from bench.rows import show
from streamer import rollup
from streamer.clock import monotonic
from streamer.models import Snapshot, StreamStatus
from streamer.store import CycleWrite
from streamer.tinystore import TinyStore
from streamer.tinytail import tail_path

RUNS = 11
DAYS = (1, 30, 365)
TINYDB_DOCS = 20_000
TINYDB_SAMPLE = 20


def cycle(history: generate.History, run: int) -> CycleWrite:
    """The 500-snapshot cycle of ``run`` (each run one minute later)."""
    now = generate.day_start(history.today) + timedelta(hours=23, minutes=run)
    snaps, streams, rollups = [], [], {}
    for n, stream in enumerate(history.live):
        snap = Snapshot(stream.key, now, StreamStatus.LIVE, 200 + n, 5_000 + n, 90, 12)
        snaps.append(snap)
        streams.append(replace(stream, last_polled_at=now, next_poll_at=now + timedelta(minutes=1)))
        rollups[stream.key] = rollup.fold(rollup.empty(stream.key, 60), [snap])
    return CycleWrite(snapshots=snaps, streams=streams, rollups=rollups, now=now)


class StreamerCycles:
    """Times ``commit_cycle`` on one history, restoring today's partition before each run."""

    def __init__(self, data_dir: Path, history: generate.History) -> None:
        self.data_dir, self.history, self.runs = data_dir, history, 0
        self.store = TinyStore(data_dir)
        self.today = data_dir / "snapshots" / f"{history.today}.json"
        self.saved = self.today.read_bytes()

    def once(self, *, cold: bool = False) -> float:
        """Seconds for one cycle (each run one minute later than the last); ``cold``:
        through a fresh store, which parses main first."""
        self.today.write_bytes(self.saved)
        tail_path(self.today).unlink(missing_ok=True)  # the day as saved: no tail yet
        store = TinyStore(self.data_dir) if cold else self.store
        work = cycle(self.history, self.runs)
        self.runs += 1
        began = monotonic()
        store.commit_cycle(work)
        return monotonic() - began


def time_plain_tinydb(folder: Path, history: generate.History) -> list[float]:
    """Seconds per snapshot inserted one at a time into a 20,000-document TinyDB."""
    path = folder / "plain.json"
    rng_day = history.today - timedelta(days=1)
    docs = []
    for _, members in generate.day_streams(rng_day):
        for stream in members:
            docs += generate.series(stream, random.Random(stream.key))
    docs = (docs * (TINYDB_DOCS // len(docs) + 1))[:TINYDB_DOCS]
    seeded = json.dumps({"_default": {str(i): d for i, d in enumerate(docs, 1)}})
    times = []
    for run in range(RUNS):
        path.write_text(seeded)
        db = TinyDB(path)  # the defaults: JSONStorage, json.dumps, no cache
        for snap in cycle(history, run).snapshots[:TINYDB_SAMPLE]:
            began = monotonic()
            db.insert(snap.to_dict())
            times.append(monotonic() - began)
        db.close()
    return times


def build_sqlite(path: Path, history: generate.History, days: int) -> sqlite3.Connection:
    """A WAL database with the same history: snapshots, streams and rollups."""
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.executescript(_SCHEMA)
    db.execute("BEGIN")
    for offset in range(days + 1):
        day = generate.FIRST_DAY + timedelta(days=offset)
        rng = random.Random(f"{generate.SEED}/{day}/polls")
        for _, members in generate.day_streams(day):
            for stream in members:
                rows = [_snapshot_row(d) for d in generate.series(stream, rng)]
                db.executemany(_INSERT_SNAPSHOT, rows)
                db.execute(_UPSERT_STREAM, (stream.key, json.dumps(stream.to_dict())))
    db.execute("COMMIT")
    return db


_SCHEMA = """
CREATE TABLE IF NOT EXISTS snapshots (
    stream TEXT, ts TEXT, status TEXT, concurrent_viewers INT, views INT, likes INT,
    comments INT, PRIMARY KEY (stream, ts)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS streams (key TEXT PRIMARY KEY, doc TEXT);
CREATE TABLE IF NOT EXISTS rollups (key TEXT PRIMARY KEY, doc TEXT);
"""
_INSERT_SNAPSHOT = "INSERT OR IGNORE INTO snapshots VALUES (?, ?, ?, ?, ?, ?, ?)"
_UPSERT_STREAM = "INSERT OR REPLACE INTO streams VALUES (?, ?)"
_UPSERT_ROLLUP = "INSERT OR REPLACE INTO rollups VALUES (?, ?)"


def _snapshot_row(doc: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(doc[k] for k in ("stream", "ts", "status", "concurrent_viewers", "views",
                                  "likes", "comments"))  # fmt: skip


def time_sqlite(db: sqlite3.Connection, history: generate.History) -> list[float]:
    """Seconds per cycle in one transaction: the same conversions, inserts and upserts."""
    # New minutes each run: INSERT OR IGNORE must insert.
    return [sqlite_cycle(db, cycle(history, RUNS + run)) for run in range(RUNS)]


def sqlite_cycle(db: sqlite3.Connection, work: CycleWrite) -> float:
    """Seconds for ``work`` written to ``db`` in one transaction."""
    began = monotonic()
    db.execute("BEGIN")
    db.executemany(_INSERT_SNAPSHOT, [_snapshot_row(s.to_dict()) for s in work.snapshots])
    db.executemany(_UPSERT_STREAM, [(s.key, orjson.dumps(s.to_dict())) for s in work.streams])
    db.executemany(_UPSERT_ROLLUP, [(k, orjson.dumps(v.to_doc())) for k, v in work.rollups.items()])
    db.execute("COMMIT")
    return monotonic() - began


def run() -> list[dict[str, Any]]:
    """The store rows: cycle write at 1/30/365 days, plain TinyDB and SQLite ratios."""
    with tempfile.TemporaryDirectory(prefix="streamer-bench-") as tmp:
        return _run(Path(tmp))


def _run(tmp: Path) -> list[dict[str, Any]]:
    cycles, history = {}, None
    for days in DAYS:
        history = generate.write_history(tmp / f"days-{days}", days)
        cycles[days] = StreamerCycles(tmp / f"days-{days}", history)
    # Interleaved (1, 30, 365, 1, 30, ...): a busy moment on the machine (fsync, other
    # processes) then hits every history alike instead of skewing one median.
    times: dict[int, list[float]] = {days: [] for days in DAYS}
    cold: dict[int, list[float]] = {days: [] for days in DAYS}
    for days in DAYS:
        cycles[days].once()  # the first cycle parses main: a warm-up, not a sample
    for _ in range(RUNS):
        for days in DAYS:
            times[days].append(cycles[days].once())
    for _ in range(RUNS):  # after the warm runs: a cold run rewrites main behind the store
        for days in DAYS:
            cold[days].append(cycles[days].once(cold=True))
    median = {days: statistics.median(times[days]) for days in DAYS}
    median_cold = {days: statistics.median(cold[days]) for days in DAYS}
    assert history is not None
    plain = statistics.median(time_plain_tinydb(tmp, history))
    per_snapshot = median[DAYS[-1]] / generate.WORKING_LIVE
    sqlite = statistics.median(time_sqlite(build_sqlite(tmp / "bench.sqlite", history,
                                                        DAYS[-1]), history))  # fmt: skip
    growth = median[DAYS[-1]] / median[DAYS[0]]
    return [
        *(_row(f"cycle write (500 snapshots), {d} days of history", median[d], "s", "printed",
               True) for d in DAYS),
        _row("cycle write: day 365 / day 1", growth, "x", "<= 1.2", growth <= 1.2),
        *(_row(f"cold cycle write (fresh store parses main), {d} days of history",
               median_cold[d], "s", "printed", True) for d in DAYS),
        _row("cold cycle write: day 365 / day 1", median_cold[365] / median_cold[1], "x",
             "printed", True),
        # Day 1 -> 8 is main's current plan filling up (finished broadcasts stay 8 days);
        # from then on nothing a cycle rewrites grows, which this row shows.
        _row("cycle write: day 365 / day 30", median[365] / median[30], "x", "printed", True),
        _row("plain TinyDB (JSONStorage, insert per snapshot) at 20k docs, per snapshot",
             plain * 1000, "ms", "printed", True),
        _row("streamer cycle at day 365, per snapshot", per_snapshot * 1000, "ms", "printed",
             True),
        _row("plain TinyDB / streamer per snapshot", plain / per_snapshot, "x", ">= 50",
             plain / per_snapshot >= 50),
        _row("sqlite3 (WAL, one transaction) cycle at day 365", sqlite, "s", "printed", True),
        _row("streamer / sqlite3 cycle time at day 365", median[DAYS[-1]] / sqlite, "x", "<= 3",
             median[DAYS[-1]] / sqlite <= 3),
    ]  # fmt: skip


def profile(days: int = 30) -> Callable[[], None]:
    """A zero-argument callable running one cycle on a ``days`` history (for cProfile)."""
    folder = Path(tempfile.mkdtemp(prefix="streamer-profile-"))
    history = generate.write_history(folder, days)
    store = TinyStore(folder)
    return lambda: store.commit_cycle(cycle(history, 0))


if __name__ == "__main__":
    show(run())
