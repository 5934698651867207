"""A report as the user waits for it: the whole ``streamer report`` process, cold imports
included, against SQLite over a per-stream rollups table.

The data is ``bench.reports_scale``'s half-year (110 days of ``bench.generate``
history: 1.1 million snapshots, 11,000 streams). Timed, interleaved, median of
``RUNS`` wall-clock runs of each process (output to /dev/null):

- ``streamer report summary|broadcasts|adherence --period 2025-H1`` (the installed
  console script, a fresh interpreter each run); each twice: with ``--no-digests``
  (every record of its span read, as these rows always measured) and as a user runs
  it, through the digests of closed months the warm-up run kept (``reports.digest``);
- the same three commands a year into the service: ``--period 2025-H2`` on 365 days of
  ``bench.generate`` history (1.8 million snapshots in the half-year). A summary
  compares with the half-year before, so it reads both; a list reads its own;
- the summary through digests as in live use: on a copy of the half-year folder, each
  run after a cycle that archived a finished stream of the month being collected
  (``archive_one``), which a daemon does several times a day; the month before is a
  closed month whose window reaches into that one (``Store.window_print``);
- ``python -c 'import streamer.app.cli_root'``: what the CLI costs before it reads a byte;
- the SQLite baseline: a fresh interpreter running ``SQLITE_SUMMARY`` on a database
  with the same broadcasts, streams and rollups (schema ``SCHEMA``: one row per
  broadcast, per stream and per stream's rollup, the figures a summary adds up as
  columns, indexed by start and by broadcast). It computes per programme what the
  summary shows first — broadcasts planned/held/missed/cancelled, views, peak and
  average viewers, viewer-minutes, start delay, coverage — in one query. It skips what
  the streamer report also does (simulcast overlap, unplanned streams, the
  comparison with the previous half-year, labels and layout), so it is a floor for
  a store built for this question, not the same report;
- the DuckDB baseline: a fresh interpreter running ``DUCKDB_SUMMARY`` (the same query,
  DuckDB's spelling) on a DuckDB database file with the same tables, columns and rows
  (``DUCKDB_SCHEMA``: ``SCHEMA`` with native ``TIMESTAMPTZ`` times and primary keys;
  DuckDB keeps no secondary indexes for a scan like this one). ``duckdb`` is the
  ``bench`` extra, imported only where it is used (the tests import this module).

The project's bytecode is compiled first (``compileall``), as an installed package
has it: with ``PYTHONDONTWRITEBYTECODE`` set, an editable install would otherwise
compile every module of the report in every timed run.
"""

from __future__ import annotations

import compileall
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

import orjson

from bench import generate
from bench.rows import row as _row
from bench.rows import show
from streamer.clock import monotonic
from streamer.models import Stream, StreamStatus
from streamer.rollups import Rollup
from streamer.store import CycleWrite
from streamer.tinystore import TinyStore

RUNS = 5
PERIOD = "2025-H1"
# A year into the service: the second half-year, with the first before it.
YEAR_DAYS, LATER_PERIOD = 365, "2025-H2"
COMMANDS = ("summary", "broadcasts", "adherence")
PACKAGES = ("streamer", "collectors", "schedules", "reports")

SCHEMA = """
CREATE TABLE broadcasts (id TEXT PRIMARY KEY, programme TEXT, start TEXT, duration_min INT,
                         status TEXT);
CREATE INDEX broadcasts_start ON broadcasts (start);
CREATE TABLE streams (key TEXT PRIMARY KEY, broadcast_id TEXT, platform TEXT, channel TEXT,
                      actual_start TEXT);
CREATE INDEX streams_broadcast ON streams (broadcast_id);
CREATE TABLE rollups (stream TEXT PRIMARY KEY, views INT, peak_concurrent INT,
                      viewer_seconds_x2 INT, covered_seconds INT, samples INT,
                      live_samples INT);
"""

SQLITE_SUMMARY = """
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
rows = db.execute('''
WITH b AS (SELECT * FROM broadcasts WHERE start >= ? AND start < ?),
s AS (SELECT s.broadcast_id, MIN(s.actual_start) AS first_start, SUM(r.views) AS views,
             SUM(r.peak_concurrent) AS peak, SUM(r.viewer_seconds_x2) AS vs2,
             SUM(r.covered_seconds) AS covered, SUM(r.live_samples) AS live,
             SUM(r.samples) AS samples
      FROM streams s JOIN rollups r ON r.stream = s.key
      WHERE s.broadcast_id IN (SELECT id FROM b) GROUP BY s.broadcast_id)
SELECT b.programme, COUNT(*), SUM(b.status = 'held'), SUM(b.status = 'missed'),
       SUM(b.status = 'cancelled'), SUM(s.views), MAX(s.peak),
       SUM(s.vs2) / 120.0 / NULLIF(SUM(s.covered) / 60.0, 0), SUM(s.vs2) / 120.0,
       AVG((julianday(s.first_start) - julianday(b.start)) * 1440),
       100.0 * SUM(s.live) / NULLIF(SUM(s.samples), 0)
FROM b LEFT JOIN s ON s.broadcast_id = b.id GROUP BY b.programme ORDER BY b.programme
''', (sys.argv[2], sys.argv[3])).fetchall()
for row in rows:
    print(*row, sep='\\t')
"""


def write_config(folder: Path) -> Path:
    """A ``streamer.toml`` for the generated folder (its programmes, UTC)."""
    lines = [f'data_dir = "{folder}"', 'timezone = "UTC"', 'language = "en"', ""]
    for slug, programme in generate.programmes().items():
        channels = ", ".join(
            f'{{ platform = "{c.platform}", id = "{c.id}" }}' for c in programme.channels
        )
        lines += ["[[programmes]]", f'slug = "{slug}"', f'name = "{programme.name}"']
        lines += [f"channels = [{channels}]", ""]
    path = folder / "bench.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def documents(
    folder: Path,
    files: list[Path] | None = None,
    tables: tuple[str, ...] = ("broadcasts", "streams", "rollups"),
) -> dict[str, list[dict[str, Any]]]:
    """The documents of ``tables`` in ``files`` (default: ``streamer.json`` and the month
    archives of ``folder``), read from TinyDB's ``{table: {id: doc}}`` files."""
    if files is None:
        files = [folder / "streamer.json", *sorted((folder / "archive").glob("????-??.json"))]
    docs: dict[str, list[dict[str, Any]]] = {table: [] for table in tables}
    for file in files:
        data = orjson.loads(file.read_bytes())
        for table, found in docs.items():
            found += data.get(table, {}).values()
    return docs


def insert_plan_and_streams(db: sqlite3.Connection, docs: dict[str, list[Any]]) -> None:
    """``SCHEMA``'s broadcasts and streams rows from the folder's documents."""
    db.executemany("INSERT OR REPLACE INTO broadcasts VALUES (?, ?, ?, ?, ?)",
                   [(d["id"], d["programme"], d["start"], d["duration_min"], d["status"])
                    for d in docs["broadcasts"]])  # fmt: skip
    db.executemany("INSERT OR REPLACE INTO streams VALUES (?, ?, ?, ?, ?)",
                   [(f"{d['platform']}:{d['external_id']}", d.get("broadcast_id"),
                     d["platform"], d["channel"], d.get("actual_start"))
                    for d in docs["streams"]])  # fmt: skip


def build_sqlite(docs: dict[str, list[Any]], path: Path) -> None:
    """The SQLite database with the folder's broadcasts, streams and rollups (``docs``)."""
    db = sqlite3.connect(path)
    db.executescript(SCHEMA)
    insert_plan_and_streams(db, docs)
    rollups = [doc["value"] for doc in docs["rollups"]]
    db.executemany("INSERT OR REPLACE INTO rollups VALUES (?, ?, ?, ?, ?, ?, ?)",
                   [(r["stream"], r.get("views"), r.get("peak_concurrent"),
                     r.get("viewer_seconds_x2", 0), r.get("covered_seconds", 0),
                     r["samples"], r["live_samples"]) for r in rollups])  # fmt: skip
    db.commit()
    db.close()


DUCKDB_SCHEMA = """
CREATE TABLE broadcasts (id TEXT PRIMARY KEY, programme TEXT, start TIMESTAMPTZ,
                         duration_min INT, status TEXT);
CREATE TABLE streams (key TEXT PRIMARY KEY, broadcast_id TEXT, platform TEXT, channel TEXT,
                      actual_start TIMESTAMPTZ);
CREATE TABLE rollups (stream TEXT PRIMARY KEY, views BIGINT, peak_concurrent BIGINT,
                      viewer_seconds_x2 BIGINT, covered_seconds BIGINT, samples BIGINT,
                      live_samples BIGINT);
"""

DUCKDB_SUMMARY = """
import duckdb, sys
db = duckdb.connect(sys.argv[1], read_only=True)
rows = db.execute('''
WITH b AS (SELECT * FROM broadcasts WHERE start >= ?::TIMESTAMPTZ AND start < ?::TIMESTAMPTZ),
s AS (SELECT s.broadcast_id, MIN(s.actual_start) AS first_start, SUM(r.views) AS views,
             SUM(r.peak_concurrent) AS peak, SUM(r.viewer_seconds_x2) AS vs2,
             SUM(r.covered_seconds) AS covered, SUM(r.live_samples) AS live,
             SUM(r.samples) AS samples
      FROM streams s JOIN rollups r ON r.stream = s.key
      WHERE s.broadcast_id IN (SELECT id FROM b) GROUP BY s.broadcast_id)
SELECT b.programme, COUNT(*), COUNT_IF(b.status = 'held'), COUNT_IF(b.status = 'missed'),
       COUNT_IF(b.status = 'cancelled'), SUM(s.views), MAX(s.peak),
       SUM(s.vs2) / 120.0 / NULLIF(SUM(s.covered) / 60.0, 0), SUM(s.vs2) / 120.0,
       AVG((epoch(s.first_start) - epoch(b.start)) / 60),
       100.0 * SUM(s.live) / NULLIF(SUM(s.samples), 0)
FROM b LEFT JOIN s ON s.broadcast_id = b.id GROUP BY b.programme ORDER BY b.programme
''', [sys.argv[2], sys.argv[3]]).fetchall()
for row in rows:
    print(*row, sep='\\t')
"""


def build_duckdb(docs: dict[str, list[Any]], path: Path) -> None:
    """The DuckDB database with the folder's broadcasts, streams and rollups (``docs``),
    bulk-loaded by ``read_json`` from one newline-delimited file per table (DuckDB's
    ``executemany`` inserts one row at a time)."""
    import duckdb  # the bench extra: the tests import this module without it

    rows = {
        "broadcasts": [{k: d[k] for k in ("id", "programme", "start", "duration_min", "status")}
                       for d in docs["broadcasts"]],
        "streams": [{"key": f"{d['platform']}:{d['external_id']}",
                     "broadcast_id": d.get("broadcast_id"), "platform": d["platform"],
                     "channel": d["channel"], "actual_start": d.get("actual_start")}
                    for d in docs["streams"]],
        "rollups": [{"stream": r["stream"], "views": r.get("views"),
                     "peak_concurrent": r.get("peak_concurrent"),
                     "viewer_seconds_x2": r.get("viewer_seconds_x2", 0),
                     "covered_seconds": r.get("covered_seconds", 0), "samples": r["samples"],
                     "live_samples": r["live_samples"]}
                    for r in (doc["value"] for doc in docs["rollups"])],
    }  # fmt: skip
    db = duckdb.connect(str(path))
    db.execute(DUCKDB_SCHEMA)
    for table, found in rows.items():
        unique = {next(iter(item.values())): item for item in found}  # as INSERT OR REPLACE
        lines = path.with_suffix(f".{table}.ndjson")
        lines.write_bytes(b"\n".join(orjson.dumps(item) for item in unique.values()))
        db.execute(f"INSERT INTO {table} BY NAME SELECT * FROM read_json(?)", [str(lines)])
        lines.unlink()
    db.close()


def archive_one(folder: Path, today: datetime, n: int) -> None:
    """A cycle that archives one finished stream, five days before ``today``: one of the
    moves a daemon makes into the month being collected several times a day."""
    start = datetime.combine(today.date() - timedelta(days=5), time(8), today.tzinfo)
    stream = Stream(
        "youtube",
        f"live-use-{n}",
        "UCregion01xxxxxxxxxxxxxx",
        title=f"Live use {n}",
        status=StreamStatus.ENDED,
        actual_start=start,
        actual_end=start + timedelta(hours=1),
        done=True,
    )
    rollup = Rollup(
        stream.key,
        generate.LIVE_INTERVAL,
        samples=60,
        live_samples=60,
        peak_concurrent=40,
        viewer_minutes=1200.0,
        covered_minutes=59.0,
        first_live_at=start,
        last_sample_at=start + timedelta(hours=1),
        views=90,
    )
    cycle = CycleWrite(streams=[stream], rollups={stream.key: rollup}, now=today)
    TinyStore(folder).commit_cycle(cycle)


def timed(argv: list[str]) -> float:
    """Wall seconds of one process run, its output discarded."""
    began = monotonic()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, env=os.environ)
    return monotonic() - began


def run() -> list[dict[str, Any]]:
    """Whole-process medians: each report command, the imports alone, the SQLite and
    DuckDB baselines."""
    with tempfile.TemporaryDirectory(prefix="streamer-bench-") as tmp:
        folder = Path(tmp) / "half-year"
        history = generate.write_history(folder, 110)
        config = write_config(folder)
        live = Path(tmp) / "live-use"
        shutil.copytree(folder, live)
        today = generate.day_start(history.today) + timedelta(hours=12)
        later = Path(tmp) / "year"
        generate.write_history(later, YEAR_DAYS)
        # The month archives' plan indexes, as the daemon's moves (or a first plan edit)
        # leave them beside a store's archives: a generated folder has none.
        TinyStore(later).change_plan(lambda plan: [])
        docs = documents(folder)  # parsed once for both databases
        build_sqlite(docs, folder / "rollups.sqlite")
        build_duckdb(docs, folder / "rollups.duckdb")
        streamer = str(Path(sys.executable).parent / "streamer")
        argv = {
            name: [streamer, "--config", str(config), "report", name, "--period", PERIOD]
            for name in COMMANDS
        }
        later_config = str(write_config(later))
        for name in COMMANDS:
            argv[f"year {name}"] = [streamer, "--config", later_config, "report", name,
                                    "--period", LATER_PERIOD]  # fmt: skip
        for name in [*COMMANDS, *(f"year {c}" for c in COMMANDS)]:  # full read; with digests
            argv[f"{name} digests"] = argv[name]
            argv[name] = [*argv[name], "--no-digests"]
        argv["live"] = [streamer, "--config", str(write_config(live)), "report", "summary",
                        "--period", PERIOD]  # fmt: skip
        cycles = iter(range(10**6))
        before: dict[str, Callable[[], None]] = {
            "live": lambda: archive_one(live, today, next(cycles))
        }
        argv["imports"] = [sys.executable, "-c", "import streamer.app.cli_root"]
        argv["sqlite"] = [sys.executable, "-c", SQLITE_SUMMARY, str(folder / "rollups.sqlite"),
                          "2025-01-01T00:00:00Z", "2025-07-01T00:00:00Z"]  # fmt: skip
        argv["duckdb"] = [sys.executable, "-c", DUCKDB_SUMMARY, str(folder / "rollups.duckdb"),
                          "2025-01-01T00:00:00Z", "2025-07-01T00:00:00Z"]  # fmt: skip
        times: dict[str, list[float]] = {name: [] for name in argv}
        root = Path(__file__).resolve().parent.parent
        for package in PACKAGES:
            compileall.compile_dir(root / package, quiet=1)
        for name in argv:
            timed(argv[name])  # warm the page cache and the bytecode
        for _ in range(RUNS):
            for name in argv:
                if name in before:
                    before[name]()
                times[name].append(timed(argv[name]))
    median = {name: statistics.median(found) for name, found in times.items()}
    rows = [
        _row(f"report {name} --period {PERIOD}, whole process (median)", median[name], "s",
             "< 0.5", median[name] < 0.5) for name in COMMANDS
    ]  # fmt: skip
    rows += [
        _row(f"report {name} --period {LATER_PERIOD}, a year in ({YEAR_DAYS} days of "
             "history), whole process (median)", median[f"year {name}"], "s", "< 0.5",
             median[f"year {name}"] < 0.5)
        for name in COMMANDS
    ]  # fmt: skip
    for command, name, label in [
        *((c, c, f"--period {PERIOD}") for c in COMMANDS),
        *((c, f"year {c}", f"--period {LATER_PERIOD}, a year in") for c in COMMANDS),
    ]:
        kept = median[f"{name} digests"]
        rows += [
            _row(
                f"report {command} {label}, through digests of closed months (kept by an "
                "earlier run), whole process (median)",
                kept,
                "s",
                "< 0.5",
                kept < 0.5,
            ),
            _row(
                f"report {command} {label}: with digests / --no-digests",
                kept / median[name],
                "x",
                "printed",
                True,
            ),
        ]
    rows += [
        _row(f"report summary --period {PERIOD} through digests, each run after a cycle "
             "archived a stream of the month being collected (as in live use), whole "
             "process (median)", median["live"], "s", "< 0.5", median["live"] < 0.5),
        _row("report process: CLI imports alone", median["imports"], "s", "printed", True),
        _row("SQLite rollups table: the summary's figures in one query, whole process",
             median["sqlite"], "s", "printed", True),
        _row("report summary process / SQLite rollups process", median["summary"] /
             median["sqlite"], "x", "printed", True),
        _row("report summary process through digests / SQLite rollups process",
             median["summary digests"] / median["sqlite"], "x", "printed", True),
        _row("DuckDB native tables (same schema, rollups): the summary's figures in one "
             "query, whole process", median["duckdb"], "s", "printed", True),
        _row("report summary process / DuckDB rollups process", median["summary"] /
             median["duckdb"], "x", "printed", True),
    ]  # fmt: skip
    return rows


if __name__ == "__main__":
    show(run())
