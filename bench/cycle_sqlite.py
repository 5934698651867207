"""A collector cycle's write, TinyStore against SQLite WAL with equal durability.

Both sides hold the same history (``bench.generate``: 0, 30 and 365 days) and write
the same cycle, timed interleaved (TinyStore, SQLite, per history, per run), median
of ``RUNS``:

- **steady**: ``bench.store_scale``'s 500-snapshot cycle (500 snapshots, their
  streams and rollups), into today's 9,500-snapshot day: appended to the day's tail
  (``streamer.tinyday``);
- **finishing**: the same plus ``FINISHING`` ended streams marked done, which
  TinyStore moves (with their rollups) to their month's archive: appended to the
  month's tail (``streamer.tinytail``);
- **folding** (printed, no target): a finishing cycle that folds the month's tail into
  its archive, the archive rewrite every finishing cycle used to make; it happens once
  per ``FOLD_BYTES`` of moves (about 100 finishing cycles of 10 streams);
- **day folding** (printed, no target): a steady cycle that folds today's tail into
  its partition, the rewrite of the day every cycle used to make; it happens once per
  ``FOLD_BYTES`` of snapshots (about 13 cycles of 500) and when the day is over;
- **checkpoint** (printed, no target): SQLite's housekeeping, the WAL checkpoint of one
  cycle, and how many cycles SQLite writes between two of its automatic ones. No
  steady or finishing sample holds one (``settled``), as none holds a fold.

Every sample starts with everything written before it on disk (``settled``): neither
side pays for the other's writes. TinyStore: ``commit_cycle`` on a daemon's store
(``store_scale.StreamerCycles``), fsync on. SQLite: ``sqlite3`` in WAL mode with
``synchronous=FULL`` (a commit is on disk when it returns, as a TinyStore cycle is),
one transaction per cycle, the same rows: snapshots keyed ``(stream, ts)``, streams
and rollups as JSON by key (``store_scale._SCHEMA``); a done stream is an upsert of
its row (SQLite needs no archive to keep its working set small).

Also plain TinyDB used well: ``insert_multiple`` of the 500 snapshots into a
9,500-document file with an orjson storage that fsyncs, against the same streamer
cycle at 365 days (``store_scale`` keeps the one-insert-per-snapshot row).
"""

from __future__ import annotations

import os
import sqlite3
import statistics
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import orjson
from tinydb import TinyDB
from tinydb.storages import Storage

from bench import generate
from bench.rows import row as _row
from bench.rows import show
from bench.store_scale import (
    StreamerCycles,
    build_sqlite,
    cycle,
    sqlite_cycle,
)
from streamer.clock import monotonic
from streamer.models import Snapshot, Stream, StreamStatus
from streamer.store import CycleWrite
from streamer.tinytail import FOLD_BYTES

RUNS = 9
DAYS = (0, 30, 365)
FINISHING = 10  # streams done in the finishing cycle
FOLDS = 3  # folding cycles timed per history (after the RUNS)


class Tiny(StreamerCycles):
    """``StreamerCycles`` that can also finish some ended streams in its cycle."""

    def __init__(self, data_dir: Path, history: generate.History) -> None:
        super().__init__(data_dir, history)
        ended = [s for s in self.store.streams().values() if s.status is StreamStatus.ENDED]
        self.ended = sorted(ended, key=lambda s: s.key)
        saved = orjson.loads(self.saved)["snapshots"].values()
        self.restored = [Snapshot.from_dict(doc) for doc in saved]

    def finishing(self, run: int) -> list[Stream]:
        """``FINISHING`` ended streams not finished before, now done."""
        return [replace(s, done=True) for s in self.ended[run * FINISHING : (run + 1) * FINISHING]]

    def timed(self, work: CycleWrite) -> float:
        """Seconds for ``commit_cycle(work)`` onto the restored 9,500-snapshot day.

        The day is restored through the store (untimed), as a daemon's last cycle left
        it: written by this store, which keeps what it wrote for the next cycle.
        """
        self.store.drop_partitions([self.history.today])
        self.store.commit_cycle(CycleWrite(snapshots=self.restored))
        os.sync()  # see ``settled``
        began = monotonic()
        self.store.commit_cycle(work)
        return monotonic() - began


def settled(db: sqlite3.Connection, work: CycleWrite) -> float:
    """``sqlite_cycle`` once everything written before is on disk (``os.sync``), as
    ``Tiny.timed`` does: on ext4 an fsync commits the journal, and with it other files'
    writes left in the page cache (a WAL checkpoint's, a restored day's). Unsettled,
    each side paid in turn for what the other had just written, and the ratios of one
    history swung from run to run with the disk (SQLite's 0-day cycle 10–17.5 ms).

    The WAL is checkpointed first, untimed (``wal_checkpoint(RESTART)``: the WAL is
    then reused from its start, as in a steady state). A cycle writes about a quarter
    of the 1,000 pages at which SQLite checkpoints by itself, so with two kinds of
    cycle in turn its checkpoints fell on every other steady sample and on no finishing
    one (steady 12.0 ms median against finishing 10.3 ms, which does more). No sample
    holds a checkpoint now, as no TinyStore sample holds a fold; both are timed apart
    (``checkpoint``, the folding rows)."""
    db.execute("PRAGMA wal_checkpoint(RESTART)")
    os.sync()
    return sqlite_cycle(db, work)


def checkpoint(db: sqlite3.Connection, path: Path, work: CycleWrite) -> tuple[float, float]:
    """Seconds for the checkpoint of one cycle's WAL (settled: the cycle written, then
    everything on disk), and how many such cycles SQLite writes between two automatic
    checkpoints (``wal_autocheckpoint`` pages over the cycle's WAL pages; under 1: it
    checkpoints inside every cycle, so those samples hold one)."""
    every = db.execute("PRAGMA wal_autocheckpoint").fetchone()[0]
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the WAL then holds this cycle alone
    db.execute("PRAGMA wal_autocheckpoint=0")  # none inside the cycle: timed below
    try:
        sqlite_cycle(db, work)
        pages = Path(f"{path}-wal").stat().st_size / db.execute("PRAGMA page_size").fetchone()[0]
        os.sync()
        began = monotonic()
        db.execute("PRAGMA wal_checkpoint(PASSIVE)")
        took = monotonic() - began
    finally:
        db.execute(f"PRAGMA wal_autocheckpoint={every}")
    return took, every / max(pages, 1.0)


class OrjsonStorage(Storage):
    """TinyDB storage with orjson, written in place and fsynced (plain TinyDB style)."""

    def __init__(self, path: str) -> None:
        self.path = path

    def read(self) -> dict[str, dict[str, Any]] | None:
        with open(self.path, "rb") as source:
            raw = source.read()
        return orjson.loads(raw) if raw else None

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        with open(self.path, "wb") as out:
            out.write(orjson.dumps(data))
            out.flush()
            os.fsync(out.fileno())


def tinydb_multiple(folder: Path, history: generate.History, day: Path) -> list[float]:
    """Seconds per 500-snapshot ``insert_multiple`` into a copy of today's 9,500 snapshots."""
    path, saved, times = folder / "plain-orjson.json", day.read_bytes(), []
    for run in range(RUNS):
        path.write_bytes(saved)
        db = TinyDB(str(path), storage=OrjsonStorage)
        docs = [s.to_dict() for s in cycle(history, 40 + run).snapshots]
        began = monotonic()
        db.table("snapshots").insert_multiple(docs)
        times.append(monotonic() - began)
        db.close()
    return times


def run() -> list[dict[str, Any]]:
    """Steady and finishing cycles at 0/30/365 days, TinyStore vs SQLite, and plain TinyDB."""
    with tempfile.TemporaryDirectory(prefix="streamer-bench-") as tmp:
        return _run(Path(tmp))


def _run(tmp: Path) -> list[dict[str, Any]]:
    tiny, dbs = {}, {}
    for days in DAYS:
        history = generate.write_history(tmp / f"days-{days}", days)
        tiny[days] = Tiny(tmp / f"days-{days}", history)
        dbs[days] = build_sqlite(tmp / f"days-{days}.sqlite", history, days)
        dbs[days].execute("PRAGMA synchronous=FULL")
        tiny[days].once()  # a daemon's first cycle parses main: a warm-up
    times: dict[tuple[str, int], list[float]] = {}
    for run in range(RUNS):
        for days in DAYS:
            side = tiny[days]
            steady = cycle(side.history, 10 + 2 * run)  # new minutes of the same hour
            done = cycle(side.history, 11 + 2 * run)
            done = replace(done, streams=[*done.streams, *side.finishing(run)])
            for name, took in (
                ("tiny", side.timed(steady)),
                ("sqlite", settled(dbs[days], steady)),
                ("tiny finishing", side.timed(done)),
                ("sqlite finishing", settled(dbs[days], done)),
            ):
                times.setdefault((name, days), []).append(took)
    for run in range(RUNS, RUNS + FOLDS):
        for days in DAYS:
            side = tiny[days]
            done = cycle(side.history, 11 + 2 * run)
            side.store.fold_bytes = 0  # this cycle folds the tail into the archive
            took = side.timed(replace(done, streams=[*done.streams, *side.finishing(run)]))
            side.store.fold_bytes = FOLD_BYTES
            times.setdefault(("tiny folding", days), []).append(took)
            side.store.day_fold_bytes = 0  # this cycle folds today's tail into the day
            took = side.timed(cycle(side.history, 12 + 2 * run))
            side.store.day_fold_bytes = FOLD_BYTES
            times.setdefault(("tiny day folding", days), []).append(took)
            took, every = checkpoint(
                dbs[days], tmp / f"days-{days}.sqlite", cycle(side.history, 13 + 2 * run)
            )
            times.setdefault(("sqlite checkpoint", days), []).append(took)
            times.setdefault(("sqlite cycles per checkpoint", days), []).append(every)
    median = {key: statistics.median(found) for key, found in times.items()}
    rows = []
    for days in DAYS:
        for kind in ("", " finishing"):
            ours, theirs = median[(f"tiny{kind}", days)], median[(f"sqlite{kind}", days)]
            what = "cycle" if not kind else f"cycle finishing {FINISHING} streams"
            rows += [
                _row(f"TinyStore {what}, {days} days", ours, "s", "printed", True),
                _row(f"SQLite WAL FULL {what}, {days} days", theirs, "s", "printed", True),
                _row(f"TinyStore / SQLite WAL {what}, {days} days", ours / theirs, "x",
                     "<= 1.5", ours / theirs <= 1.5),
            ]  # fmt: skip
    folds = (  # (what is timed, its SQLite twin, the cycle, the ratio's name)
        ("tiny folding", "sqlite finishing",
         f"TinyStore cycle finishing {FINISHING} streams that folds the tail",
         "TinyStore folding / SQLite WAL finishing"),
        ("tiny day folding", "sqlite", "TinyStore cycle that folds today's tail into its partition",
         "TinyStore day folding / SQLite WAL steady"),
    )  # fmt: skip
    for days in DAYS:
        for ours_key, theirs_key, what, ratio in folds:
            ours, theirs = median[(ours_key, days)], median[(theirs_key, days)]
            rows += [
                _row(f"{what}, {days} days", ours, "s", "printed", True),
                _row(f"{ratio}, {days} days", ours / theirs, "x", "printed", True),
            ]
        rows += [
            _row(f"SQLite WAL checkpoint of one cycle, {days} days",
                 median[("sqlite checkpoint", days)], "s", "printed", True),
            _row(f"SQLite cycles between its automatic checkpoints, {days} days",
                 median[("sqlite cycles per checkpoint", days)], "cycles", "printed", True),
        ]  # fmt: skip
    last = tiny[DAYS[-1]]
    plain = statistics.median(tinydb_multiple(tmp, last.history, last.today))
    ours = median[("tiny", DAYS[-1])]
    rows += [
        _row("plain TinyDB (orjson, fsync, insert_multiple of 500 into 9,500 docs)", plain, "s",
             "printed", True),
        _row(f"TinyStore cycle at {DAYS[-1]} days / plain TinyDB insert_multiple", ours / plain,
             "x", "printed", True),
    ]  # fmt: skip
    return rows


if __name__ == "__main__":
    show(run())
