"""The half-year summary's figures recomputed from raw snapshots in SQL: the
baselines a user would reach for instead of rollups (used by ``bench.reports_scale``).

Both answer one query, ``RESCAN``: per stream the figures a rollup keeps — samples,
live samples, peak concurrent viewers, twice the viewer-seconds (the trapezoids
between consecutive live samples at most ``MAX_GAP_S`` apart, as ``streamer.rollup``
folds them), the seconds those trapezoids cover and the latest views — then per
programme what the summary shows first (as ``bench.report_process.SQLITE_SUMMARY``
does from a rollups table): broadcasts planned/held/missed/cancelled, views, peak and
average viewers, viewer-minutes, start delay, coverage. Only the sources differ:

- **SQLite over raw snapshots** (``sqlite3``): tables ``broadcasts`` and ``streams``
  as in ``bench.report_process.SCHEMA``, and ``snapshots`` keyed ``(stream, ts)``
  (``bench.store_scale``'s schema), built from the same generated folder before
  timing; a fresh connection runs the query.
- **DuckDB over the JSON files** (the ``bench`` extra): no load step;
  the query reads the data folder as the store wrote it — every day partition
  ``snapshots/YYYY-MM-DD.json`` and the streams and broadcasts of ``streamer.json``
  and ``archive/YYYY-MM.json`` (TinyDB's ``{table: {id: doc}}``, each table read as a
  ``MAP`` of typed documents).

``duckdb`` is imported inside the function that uses it: the tests import the bench
modules and run without the extra.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from bench import generate
from bench.report_process import SCHEMA, documents, insert_plan_and_streams

MAX_GAP_S = 3 * generate.LIVE_INTERVAL  # streamer.rollup.MAX_GAP_INTERVALS live intervals

# PER_STREAM: a stream's rollup figures (CTE r); RESCAN: the summary's per programme.
# The sources are CTEs named snaps(stream, t, status, v, views), b(id, programme, t_start,
# status) and st(key, broadcast_id, t_actual): times in epoch seconds, b already cut to
# the period. The rest is one text for both databases.
PER_STREAM = """
WITH {sources},
live AS (SELECT stream, t, v, LAG(t) OVER w AS pt, LAG(v) OVER w AS pv FROM snaps
         WHERE status = 'live' WINDOW w AS (PARTITION BY stream ORDER BY t)),
trap AS (SELECT stream, COUNT(*) AS live_samples, MAX(v) AS peak,
                SUM(CASE WHEN t - pt <= {gap} THEN (t - pt) * (v + pv) END) AS vs2,
                SUM(CASE WHEN t - pt <= {gap} AND v + pv IS NOT NULL THEN t - pt END)
                    AS covered
         FROM live GROUP BY stream),
counted AS (SELECT stream, COUNT(*) AS samples,
                   MAX(CASE WHEN views IS NOT NULL THEN t END) AS views_t
            FROM snaps GROUP BY stream),
r AS (SELECT c.stream, c.samples, f.live_samples, f.peak, f.vs2, f.covered, sn.views
      FROM counted c LEFT JOIN trap f ON f.stream = c.stream
      LEFT JOIN snaps sn ON sn.stream = c.stream AND sn.t = c.views_t)"""
_BY_PROGRAMME = """,
s AS (SELECT st.broadcast_id, MIN(st.t_actual) AS first_start, SUM(r.views) AS views,
             SUM(r.peak) AS peak, SUM(r.vs2) AS vs2, SUM(r.covered) AS covered,
             SUM(r.live_samples) AS live, SUM(r.samples) AS samples
      FROM st JOIN r ON r.stream = st.key
      WHERE st.broadcast_id IN (SELECT id FROM b) GROUP BY st.broadcast_id)
SELECT b.programme, COUNT(*), SUM(CASE WHEN b.status = 'held' THEN 1 ELSE 0 END),
       SUM(CASE WHEN b.status = 'missed' THEN 1 ELSE 0 END),
       SUM(CASE WHEN b.status = 'cancelled' THEN 1 ELSE 0 END), SUM(s.views), MAX(s.peak),
       SUM(s.vs2) / 120.0 / NULLIF(SUM(s.covered) / 60.0, 0), SUM(s.vs2) / 120.0,
       AVG((s.first_start - b.t_start) / 60.0),
       100.0 * SUM(s.live) / NULLIF(SUM(s.samples), 0)
FROM b LEFT JOIN s ON s.broadcast_id = b.id GROUP BY b.programme ORDER BY b.programme
"""
RESCAN = PER_STREAM + _BY_PROGRAMME

_SQLITE_SOURCES = """
snaps AS (SELECT stream, unixepoch(ts) AS t, status, concurrent_viewers AS v, views
          FROM snapshots WHERE ts >= :start AND ts < :end),
b AS (SELECT id, programme, unixepoch(start) AS t_start, status FROM broadcasts
      WHERE start >= :start AND start < :end),
st AS (SELECT key, broadcast_id, unixepoch(actual_start) AS t_actual FROM streams)"""

_SNAPSHOT_TYPE = (
    "MAP(VARCHAR, STRUCT(stream VARCHAR, ts TIMESTAMPTZ, status VARCHAR, "
    "concurrent_viewers BIGINT, views BIGINT))"
)
_STREAM_TYPE = (
    "MAP(VARCHAR, STRUCT(platform VARCHAR, external_id VARCHAR, broadcast_id VARCHAR, "
    "actual_start TIMESTAMPTZ))"
)
_BROADCAST_TYPE = (
    "MAP(VARCHAR, STRUCT(id VARCHAR, programme VARCHAR, start TIMESTAMPTZ, status VARCHAR))"
)
# read_text + json_transform, not read_json: on these files (one JSON object per file,
# a table a MAP of thousands of documents) read_json with a MAP column took 24 s for the
# 110 days' snapshots, this 1.3 s (duckdb 2.0.1).
_DUCKDB_SOURCES = """
snaps AS (SELECT d.stream, epoch(d.ts) AS t, d.status, d.concurrent_viewers AS v, d.views
          FROM (SELECT unnest(map_values(json_transform(content::JSON -> 'snapshots',
                                                        '"{snapshot_type}"'))) AS d
                FROM read_text({snapshots}))
          WHERE d.ts >= $start::TIMESTAMPTZ AND d.ts < $end::TIMESTAMPTZ),
tables AS (SELECT content::JSON AS doc FROM read_text({tables})),
b AS (SELECT d.id, d.programme, epoch(d.start) AS t_start, d.status
      FROM (SELECT unnest(map_values(json_transform(doc -> 'broadcasts',
                                                    '"{broadcast_type}"'))) AS d FROM tables)
      WHERE d.start >= $start::TIMESTAMPTZ AND d.start < $end::TIMESTAMPTZ),
st AS (SELECT d.platform || ':' || d.external_id AS key, d.broadcast_id,
              epoch(d.actual_start) AS t_actual
       FROM (SELECT unnest(map_values(json_transform(doc -> 'streams', '"{stream_type}"')))
                    AS d FROM tables))"""


def sqlite_query(query: str = RESCAN) -> str:
    """``query`` (``RESCAN``, or ``PER_STREAM`` and a final ``SELECT``) over the SQLite
    tables, named parameters ``:start`` and ``:end``."""
    return query.format(sources=_SQLITE_SOURCES.strip(), gap=MAX_GAP_S)


def duckdb_query(folder: Path) -> str:
    """``RESCAN`` over ``folder``'s JSON files, parameters ``$start`` and ``$end``."""
    tables = [folder / "streamer.json", *sorted((folder / "archive").glob("????-??.json"))]
    sources = _DUCKDB_SOURCES.format(
        snapshots=_sql_text(str(folder / "snapshots" / "*.json")),
        tables="[" + ", ".join(_sql_text(str(path)) for path in tables) + "]",
        snapshot_type=_SNAPSHOT_TYPE,
        stream_type=_STREAM_TYPE,
        broadcast_type=_BROADCAST_TYPE,
    )
    return RESCAN.format(sources=sources.strip(), gap=MAX_GAP_S)


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def build_sqlite(folder: Path, path: Path) -> None:
    """A SQLite database with ``folder``'s broadcasts, streams and raw snapshots."""
    docs = documents(folder)
    db = sqlite3.connect(path)
    db.executescript(SCHEMA)
    db.execute(
        "CREATE TABLE snapshots (stream TEXT, ts TEXT, status TEXT, concurrent_viewers INT,"
        " views INT, likes INT, comments INT, PRIMARY KEY (stream, ts)) WITHOUT ROWID"
    )
    insert_plan_and_streams(db, docs)
    for day in sorted((folder / "snapshots").glob("????-??-??.json")):
        found = documents(folder, [day], ("snapshots",))["snapshots"]
        db.executemany("INSERT OR IGNORE INTO snapshots VALUES (?, ?, ?, ?, ?, ?, ?)",
                       [(d["stream"], d["ts"], d["status"], d["concurrent_viewers"],
                         d["views"], d["likes"], d["comments"]) for d in found])  # fmt: skip
    db.commit()
    db.close()


def sqlite_rescan(path: Path, start: str, end: str) -> list[tuple[Any, ...]]:
    """The summary's rows from raw snapshots, through a fresh SQLite connection."""
    db = sqlite3.connect(path)
    try:
        return db.execute(sqlite_query(), {"start": start, "end": end}).fetchall()
    finally:
        db.close()


def sqlite_per_stream(path: Path, start: str, end: str) -> dict[str, tuple[Any, ...]]:
    """Each stream's figures from raw snapshots: samples, live samples, peak, twice the
    viewer-seconds, covered seconds, views (the rollup fields of the same names)."""
    db = sqlite3.connect(path)
    try:
        query = sqlite_query(PER_STREAM + "\nSELECT * FROM r")
        found = db.execute(query, {"start": start, "end": end})
        return {stream: tuple(rest) for stream, *rest in found}
    finally:
        db.close()


def duckdb_rescan(folder: Path, start: str, end: str) -> list[tuple[Any, ...]]:
    """The summary's rows from ``folder``'s JSON files, through a fresh DuckDB."""
    import duckdb  # the bench extra; never imported by the service or the tests

    db = duckdb.connect()
    try:
        return db.execute(duckdb_query(folder), {"start": start, "end": end}).fetchall()
    finally:
        db.close()
