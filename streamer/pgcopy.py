"""``streamer store copy``: a TinyDB data folder into a PostgreSQL database, losslessly.

Every document is copied as stored (the ``doc`` column holds TinyStore's document
byte for byte after JSON decoding), with the key columns ``PgStore`` queries on worked
out from it: the plan, streams, rollups, quota ledger, outbox and meta of
``streamer.json`` and of every month archive with its tail (``archived``), and every
day partition's snapshots and gaps. Archives are copied before ``streamer.json``, so
the first-insertion order ``PgStore`` keeps is TinyStore's read order, and main's copy
of a record found in both wins, as it does in TinyStore.

The whole copy is ONE transaction (batches of ``BATCH`` rows, a progress line each):
an interrupted copy leaves the target as it was. A target that holds anything is
refused, unless it holds this very copy: the meta value ``store_copy`` records a digest
of the source files, so running the same copy again is a no-op.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import psycopg

from streamer.errors import UserError
from streamer.models import Broadcast, Stream, from_iso
from streamer.pgschema import connect, migrate, redacted
from streamer.store import stream_start
from streamer.tinyday import read_day, stored_days
from streamer.tinyfiles import AtomicJSONStorage, Doc
from streamer.tinytail import read_month, tail_path

BATCH = 20_000  # rows per COPY batch (one progress line each)
MARKER = "store_copy"  # meta: the digest of the folder copied in
TABLES = ("broadcasts", "streams", "rollups", "snapshots", "gaps", "quota", "outbox", "meta")
Progress = Callable[[str], None]


class TargetNotEmpty(UserError):
    """The target database holds other data (one line, exit 2)."""


@dataclass
class CopyResult:
    """Rows copied by table; ``already``: the target held this copy, nothing was done."""

    rows: dict[str, int] = field(default_factory=dict)
    already: bool = False

    def line(self) -> str:
        """One line for the operator."""
        if self.already:
            return "the target already holds this copy; nothing to do"
        return "copied " + ", ".join(f"{self.rows.get(t, 0):,} {t}" for t in TABLES)


def folder_files(data_dir: Path) -> tuple[list[Path], list[Path]]:
    """The month archives and the day partitions of ``data_dir`` (a day that has only
    its tail included, ``streamer.tinyday``), oldest first."""
    archives = sorted((data_dir / "archive").glob("????-??.json"))
    folder = data_dir / "snapshots"
    return archives, [folder / f"{day}.json" for day in stored_days(folder)[0]]


def digest(data_dir: Path) -> str:
    """A digest of every file ``store copy`` reads: the same folder, the same digest."""
    archives, days = folder_files(data_dir)
    hashed = hashlib.sha256()
    tails = [tail_path(path) for path in archives]
    # Only the day tails there are: a folder without any digests as it always did.
    day_tails = [path for path in map(tail_path, days) if path.exists()]
    for path in [data_dir / "streamer.json", *archives, *tails, *days, *day_tails]:
        hashed.update(str(path.relative_to(data_dir)).encode() + b"\0")
        hashed.update(path.read_bytes() if path.exists() else b"")
    return hashed.hexdigest()


def copy_folder(
    data_dir: Path, url: str, password_env: str | None, progress: Progress
) -> CopyResult:
    """Copy ``data_dir`` into the database at ``url`` (migrated first); see the module."""
    if not (data_dir / "streamer.json").is_file():
        raise UserError(f"store copy: {data_dir} holds no streamer data (no streamer.json)")
    marker = {"digest": digest(data_dir)}
    with connect(url, password_env, autocommit=True) as conn:
        migrate(conn)
    with connect(url, password_env) as conn, conn.transaction():
        # One copy at a time; a collector writing meanwhile waits for the copy.
        conn.execute("LOCK TABLE meta, streams, broadcasts IN SHARE ROW EXCLUSIVE MODE")
        held = _held(conn)
        if held:
            if _meta(conn, MARKER) == marker:
                return CopyResult(already=True)
            raise TargetNotEmpty(
                f"store copy: {redacted(url)} already holds {held}; copy into an empty database"
            )
        result = CopyResult()
        _copy(conn, data_dir, result, progress)
        conn.execute(
            "INSERT INTO meta (name, value) VALUES (%s, %s)",
            [MARKER, orjson.dumps(marker).decode()],
        )
    # The planner's statistics of what was loaded, as after any bulk load (pg_restore's
    # advice): without them the first reports plan for a few hundred rows, not tens of
    # thousands (a half-year's plan sorted on disk), until autovacuum comes round.
    progress("analysing the copied tables")
    with connect(url, password_env, autocommit=True) as conn:
        conn.execute("ANALYZE " + ", ".join(TABLES))
    return result


def _held(conn: psycopg.Connection[Any]) -> str:
    """What the target holds already, as words (``""``: nothing)."""
    for table in TABLES:
        row = conn.execute(f"SELECT EXISTS (SELECT 1 FROM {table})").fetchone()
        if row is not None and row[0]:
            return table
    return ""


def _meta(conn: psycopg.Connection[Any], name: str) -> Any:
    row = conn.execute("SELECT value FROM meta WHERE name = %s", [name]).fetchone()
    return None if row is None else row[0]


def _copy(conn: psycopg.Connection[Any], data_dir: Path, result: CopyResult, say: Progress) -> None:
    archives, days = folder_files(data_dir)
    for path in archives:
        _records(conn, read_month(path), archived=True, result=result)
    main = _read(data_dir / "streamer.json")
    _records(conn, main, archived=False, result=result)
    say(f"plan, streams, rollups, ledger and outbox: {len(archives)} archives and main copied")
    # Each day is parsed once: its gaps (few) are kept while its snapshots stream out.
    gaps: list[tuple[Any, ...]] = []
    for kind, columns, rows in (
        ("snapshots", "stream, ts, doc", _snapshot_rows(days, gaps)),
        ("gaps", "stream, ts, reason, doc", gaps),  # filled by then
    ):
        for done in _copy_rows(conn, f"COPY {kind} ({columns}) FROM STDIN", rows):
            result.rows[kind] = done
            say(f"{kind}: {done:,} copied")
        result.rows.setdefault(kind, 0)


def _snapshot_rows(days: Iterable[Path], gaps: list[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
    """The snapshot rows of ``days``, adding each day's gap rows to ``gaps`` as it is read."""
    for path in days:
        data = read_day(path)
        gaps.extend(_day_row("gaps", doc) for doc in data.get("gaps", {}).values())
        yield from (_day_row("snapshots", doc) for doc in data.get("snapshots", {}).values())


def _read(path: Path) -> dict[str, dict[str, Doc]]:
    return AtomicJSONStorage(path).read() or {}


def _json(doc: Any) -> str:
    return orjson.dumps(doc).decode()


def _day_row(kind: str, doc: Doc) -> tuple[Any, ...]:
    if kind == "snapshots":
        return (doc["stream"], from_iso(doc["ts"]), _json(doc))
    return (doc["stream"], from_iso(doc["ts"]), doc["reason"], _json(doc))


def _copy_rows(
    conn: psycopg.Connection[Any], statement: str, rows: Iterable[tuple[Any, ...]]
) -> Iterator[int]:
    """COPY ``rows`` in batches; yields the running count after each batch."""
    done = 0
    batch: list[tuple[Any, ...]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            done += _flush(conn, statement, batch)
            yield done
    if batch:
        done += _flush(conn, statement, batch)
        yield done


def _flush(conn: psycopg.Connection[Any], statement: str, batch: list[tuple[Any, ...]]) -> int:
    with conn.cursor() as cur, cur.copy(statement) as copy:
        for row in batch:
            copy.write_row(row)
    count = len(batch)
    batch.clear()
    return count


_UPSERT = {
    "broadcasts": (
        "INSERT INTO broadcasts (id, start_at, end_at, archived, doc) VALUES (%s, %s, %s, %s, %s)"
        " ON CONFLICT (id) DO UPDATE SET start_at = EXCLUDED.start_at, end_at = EXCLUDED.end_at,"
        " archived = EXCLUDED.archived, doc = EXCLUDED.doc"
    ),
    "streams": (
        "INSERT INTO streams (key, start_at, next_poll_at, done, broadcast_id, archived, doc)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (key) DO UPDATE SET"
        " start_at = EXCLUDED.start_at, next_poll_at = EXCLUDED.next_poll_at,"
        " done = EXCLUDED.done, broadcast_id = EXCLUDED.broadcast_id,"
        " archived = EXCLUDED.archived, doc = EXCLUDED.doc"
    ),
    "rollups": (
        "INSERT INTO rollups (key, archived, doc) VALUES (%s, %s, %s) ON CONFLICT (key)"
        " DO UPDATE SET archived = EXCLUDED.archived, doc = EXCLUDED.doc"
    ),
    "quota": (
        "INSERT INTO quota (day, key, units) VALUES (%s, %s, %s) ON CONFLICT (day, key)"
        " DO UPDATE SET units = EXCLUDED.units"
    ),
    "outbox": (
        "INSERT INTO outbox (id, at, archived, doc) VALUES (%s, %s, %s, %s) ON CONFLICT (id)"
        " DO UPDATE SET at = EXCLUDED.at, archived = EXCLUDED.archived, doc = EXCLUDED.doc"
    ),
    "meta": (
        "INSERT INTO meta (name, value) VALUES (%s, %s)"
        " ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value"
    ),
}


def _records(
    conn: psycopg.Connection[Any],
    data: Mapping[str, Mapping[str, Doc]],
    *,
    archived: bool,
    result: CopyResult,
) -> None:
    """Upsert one file's plan, streams, rollups, ledger, outbox and meta documents."""
    for table, statement in _UPSERT.items():
        docs = list(data.get(table, {}).values())
        if not docs:
            continue
        rows = [_row(table, doc, archived) for doc in docs]
        with conn.cursor() as cur:
            cur.executemany(statement, rows)
        result.rows[table] = result.rows.get(table, 0) + len(rows)


def _row(table: str, doc: Doc, archived: bool) -> tuple[Any, ...]:
    """The key columns and document of one stored record (see migrations/0001)."""
    if table == "broadcasts":
        b = Broadcast.from_dict(doc)
        return (b.id, b.start, b.end, archived, _json(doc))
    if table == "streams":
        s = Stream.from_dict(doc)
        return (
            s.key,
            stream_start(s),
            s.next_poll_at,
            s.done,
            s.broadcast_id,
            archived,
            _json(doc),
        )
    if table == "rollups":
        return (doc["key"], archived, _json(doc["value"]))
    if table == "quota":
        return (doc["day"], doc["key"], doc["units"])
    if table == "outbox":
        return (doc["id"], from_iso(doc["at"]), archived, _json(doc))
    return (doc["name"], _json(doc["value"]))
