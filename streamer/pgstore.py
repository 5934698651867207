"""PgStore: the ``Store`` in a PostgreSQL database, for many processes on many machines.

Chosen by ``[store] url`` (``config_store``). Every call is one transaction on a
pooled connection (psycopg 3 + psycopg_pool); rows hold TinyStore's documents in a
``jsonb`` column beside the columns queries select on (streamer/migrations/), and
writes follow TinyStore's rules (streamer/pgcycle.py). Coordination across processes:

- ``change_plan``: a transaction-level advisory lock ("plan") around read → change → write.
- ``lease_due``: due streams claimed with ``SELECT … FOR UPDATE SKIP LOCKED`` and marked
  ``leased_until`` (the caller's ``now`` + ``lease_seconds``: the collectors' clock, as
  ``next_poll_at``) in one short transaction;
  released after the ``with`` block. The mark, not a row lock held open, is the lease:
  the cycle commits its streams on other connections meanwhile (a held row lock would
  block it), and a collector killed mid-cycle loses its leases when they lapse.
- ``daemon_lock``: a session advisory lock on its own connection, released by the
  server when the process dies.
- ``drop_partitions`` takes a day's advisory lock exclusively without waiting; a cycle
  writing snapshots of that day holds it shared.

Advisory lock keys are hashed with the schema name, so stores in two schemas of one
database (the tests) do not share locks.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from types import MappingProxyType
from typing import Any

import orjson
import psycopg
from orjson import loads
from psycopg.types.json import Jsonb, set_json_loads
from psycopg_pool import ConnectionPool, PoolTimeout

from streamer import pgcycle
from streamer.clock import as_utc
from streamer.models import Broadcast, Gap, Snapshot, Stream
from streamer.pgread import SPARE_WAIT, broadcasts, read_period, window_mark
from streamer.pgschema import check, connect, connect_kwargs, lock_keys, redacted
from streamer.pgwork import PgWork
from streamer.rollups import Rollup
from streamer.store import (
    CycleWrite,
    Partition,
    PeriodRecords,
    PlanChange,
    StoreBusy,
    StoreUnreachable,
    gaps_of,
    snapshots_of,
)
from streamer.unplanned import group_of

LEASE_SECONDS = 300  # a dead collector's streams are polled by others after this
CONNECT_WAIT = 2.0  # s: a cycle waits this long for a connection, then records a store gap
# The daemon's threads and a CLI command need few connections; a report's read takes
# two (``streamer.pgread``), so report jobs leave a collector cycle one to take.
POOL_SIZE = 6


class PgStore(PgWork):
    """The ``Store`` (and ``SnapshotDays``) in the PostgreSQL database at ``url``."""

    def __init__(
        self,
        url: str,
        *,
        password_env: str | None = None,
        lease_seconds: int = LEASE_SECONDS,
        pool_size: int = POOL_SIZE,
    ) -> None:
        """Connect, and refuse a database whose schema is not this streamer's
        (``SchemaError``: run ``streamer db migrate``)."""
        self.url = url
        self.lease_seconds = lease_seconds
        self._password_env = password_env
        # Autocommit and the keys in one query: three round trips before the pool's
        # connection, where a transaction and a query per key took nine (each one a
        # network round trip to a remote server, on every report).
        with connect(url, password_env, autocommit=True) as conn:
            check(conn)
            keys = lock_keys(conn, "plan", "daemon", "days", "claim", "cycle")
        self._plan_key, self._daemon_key, days, self._claim_key, self._cycle_key = keys
        self._days_key = days % (2**31)  # an int4 for (key, day)
        self._pool = ConnectionPool(
            url,
            kwargs=connect_kwargs(password_env),
            min_size=1,
            max_size=pool_size,
            open=True,
            configure=_configure,
            # A connection the server dropped (a restart) is replaced when taken, not
            # handed to a cycle to fail on: collectors reconnect by themselves.
            check=ConnectionPool.check_connection,
            timeout=CONNECT_WAIT,
            name="streamer-store",
        )

    def close(self) -> None:
        """Close the pool's connections."""
        self._pool.close()

    @contextmanager
    def _tx(self) -> Iterator[psycopg.Connection[Any]]:
        """A pooled connection for one transaction: committed when the block ends,
        rolled back when it raises."""
        try:
            with self._pool.connection() as conn:
                yield conn
        except PoolTimeout as exc:  # the server away, or every pooled connection in use
            stats = self._pool.get_stats()
            busy = stats.get("pool_size", 0) >= self._pool.max_size
            busy = busy and stats.get("pool_available", 0) == 0
            why = f"all {self._pool.max_size} of this process's connections in use" if busy else (
                "the server not answering")  # fmt: skip
            raise StoreUnreachable(
                f"database {redacted(self.url)}: no connection within {CONNECT_WAIT:g} s ({why})"
            ) from exc
        except psycopg.OperationalError as exc:
            raise StoreUnreachable(f"database {redacted(self.url)}: {exc}") from exc

    def _docs(self, query: str, params: Sequence[Any] = ()) -> list[Any]:
        with self._tx() as conn:
            return [row[0] for row in conn.execute(query, params)]  # type: ignore[arg-type]

    # -- plan -------------------------------------------------------------------------
    def change_plan(self, change: PlanChange) -> list[Broadcast]:
        """Run ``change`` on the whole plan under the plan lock; save and return its result."""
        with self._tx() as conn:
            conn.execute("SELECT pg_advisory_xact_lock(%s)", [self._plan_key])
            docs = conn.execute("SELECT doc FROM broadcasts ORDER BY archived DESC, seq").fetchall()
            current = {doc["id"]: Broadcast.from_dict(doc) for (doc,) in docs}
            changed = list(change(MappingProxyType(current)))
            pgcycle.upsert_broadcasts(conn, changed)
        return changed

    def broadcasts(self, *, include_archive: bool = True) -> dict[str, Broadcast]:
        """The plan by id: all of it, or the working plan only."""
        where = "" if include_archive else " WHERE NOT archived"
        with self._tx() as conn:
            query = "SELECT doc_text FROM broadcasts" + where + " ORDER BY archived DESC, seq"
            return broadcasts(conn.execute(query).fetchall())

    def broadcast(self, broadcast_id: str) -> Broadcast | None:
        """One planned broadcast, or ``None``."""
        docs = self._docs("SELECT doc FROM broadcasts WHERE id = %s", [broadcast_id])
        return Broadcast.from_dict(docs[0]) if docs else None

    def broadcasts_between(
        self, start: datetime | None, end: datetime | None
    ) -> dict[str, Broadcast]:
        """The broadcasts planned to start in ``[start, end)`` (``None``: no bound), by
        the indexed start."""
        bounds = [("start_at >= %s", start), ("start_at < %s", end)]
        given = [(clause, as_utc(moment)) for clause, moment in bounds if moment is not None]
        where = " WHERE " + " AND ".join(clause for clause, _ in given) if given else ""
        with self._tx() as conn:
            query = "SELECT doc_text FROM broadcasts" + where + " ORDER BY archived DESC, seq"
            return broadcasts(conn.execute(query, [moment for _, moment in given]).fetchall())

    # -- collection -------------------------------------------------------------------
    def streams(self, *, include_archive: bool = False) -> dict[str, Stream]:
        """Streams by key: the working set, plus the archived ones when asked."""
        return self._streams("" if include_archive else "NOT archived")

    def grouped_streams(self, groups: Collection[str]) -> dict[str, Stream]:
        """The streams, working or archived, of the broadcasts ``groups``, by the
        indexed ``broadcast_id`` and the document's unplanned id."""
        wanted = set(groups)
        found = self._streams(
            "broadcast_id = ANY(%s) OR doc->>'unplanned_id' = ANY(%s)", [sorted(wanted)] * 2
        )
        return {key: stream for key, stream in found.items() if group_of(stream) in wanted}

    def streams_of(self, keys: Collection[str]) -> dict[str, Stream]:
        """The streams of ``keys``, working or archived, by primary key."""
        return self._streams("key = ANY(%s)", [sorted(set(keys))])

    def _streams(self, where: str, params: Sequence[Any] = ()) -> dict[str, Stream]:
        """The streams ``where`` selects (all with none), by key, working ones last: a
        key's working copy wins, as TinyStore's main does over its archive."""
        query = "SELECT doc_text FROM streams" + (f" WHERE {where}" if where else "")
        texts = self._docs(query + " ORDER BY archived DESC, seq", params)
        streams = (Stream.from_dict(loads(text)) for text in texts)
        return {stream.key: stream for stream in streams}

    def rollups(self, *, include_archive: bool = False) -> dict[str, Rollup]:
        """Rollups by stream key, like ``streams``."""
        where = "" if include_archive else " WHERE NOT archived"
        with self._tx() as conn:
            rows = conn.execute(
                "SELECT key, doc_text FROM rollups" + where + " ORDER BY archived DESC, seq"
            )
            return {key: Rollup.from_doc(loads(text)) for key, text in rows}

    def put_rollups(self, rollups: Mapping[str, Rollup]) -> None:
        """Replace rollups where they live (working or archived)."""
        with self._tx() as conn:
            pgcycle.upsert_rollups(conn, rollups, unarchive=False)

    def commit_cycle(self, cycle: CycleWrite) -> None:
        """Save one collector cycle in one transaction (see ``pgcycle.write_cycle``)."""
        json.dumps(dict(cycle.meta))  # TypeError before anything changes, as in ``set_meta``
        times = [s.ts for s in cycle.snapshots] + [g.ts for g in cycle.gaps]
        days = {as_utc(ts).date() for ts in times}
        with self._tx() as conn:
            for day in sorted(days):  # a day being dropped waits, and is not dropped meanwhile
                conn.execute(
                    "SELECT pg_advisory_xact_lock_shared(%s, %s)",
                    [self._days_key, day.toordinal()],
                )
            pgcycle.write_cycle(conn, cycle)

    def snapshots(
        self, start: datetime, end: datetime, streams: Iterable[str] | None = None
    ) -> list[Snapshot]:
        """Snapshots with ``start <= ts < end`` (optionally of some streams), by time."""
        query = "SELECT doc FROM snapshots WHERE ts >= %s AND ts < %s"
        params: list[Any] = [as_utc(start), as_utc(end)]
        if streams is not None:
            streams = list(streams)
            query += " AND stream = ANY(%s)"
            params.append(streams)
        return snapshots_of(self._docs(query, params), streams)

    def gaps(self, start: datetime, end: datetime) -> list[Gap]:
        """Recorded gaps with ``start <= ts < end``, by time."""
        query = "SELECT doc FROM gaps WHERE ts >= %s AND ts < %s"
        return gaps_of(self._docs(query, [as_utc(start), as_utc(end)]))

    # -- reports ----------------------------------------------------------------------
    def period_records(self, start: datetime, end: datetime) -> PeriodRecords:
        """What a report on ``[start, end)`` reads, each table read bounded in SQL, the
        rollups on a second connection in the same snapshot (``streamer.pgread``)."""
        spare = partial(self._pool.connection, timeout=SPARE_WAIT)
        return read_period(self._tx, spare, start, end)

    def window_mark(self, start: datetime, end: datetime) -> str | None:
        """A text that changes whenever what ``period_records(start, end)`` reads may
        have changed (``Store.window_mark``): the database, and how many rows of the
        window each table holds and the newest transaction that wrote one of them."""
        with self._tx() as conn:
            return window_mark(conn, start, end)

    def window_print(
        self, start: datetime, end: datetime, known: Mapping[str, tuple[str, str]] | None = None
    ) -> dict[str, tuple[str, str]] | None:
        """Its mark already counts the window's own rows: no finer print
        (``Store.window_print``)."""
        return None

    # -- due work ---------------------------------------------------------------------
    @contextmanager
    def lease_due(self, now: datetime, limit: int | None = None) -> Iterator[list[Stream]]:
        """Claim the due working streams no live lease holds, until the block ends.

        Claimed in one short transaction (``FOR UPDATE SKIP LOCKED``: two collectors
        claiming at once take different streams) and marked ``leased_until``; see the
        module docstring for why a mark and not a held row lock.
        """
        token = secrets.token_hex(8)
        with self._tx() as conn:
            rows = conn.execute(
                "UPDATE streams SET leased_until = %(now)s + %(ttl)s,"
                " leased_by = %(token)s WHERE key IN (SELECT key FROM streams"
                " WHERE NOT archived AND NOT done AND next_poll_at <= %(now)s"
                " AND (leased_until IS NULL OR leased_until <= %(now)s)"
                " ORDER BY next_poll_at, key LIMIT %(limit)s FOR UPDATE SKIP LOCKED)"
                " RETURNING doc",
                {
                    "ttl": timedelta(seconds=self.lease_seconds),
                    "token": token,
                    "now": as_utc(now),
                    "limit": limit,
                },
            ).fetchall()
        taken = sorted((Stream.from_dict(doc) for (doc,) in rows), key=_due_order)
        with self._holding([s.key for s in taken], token):
            yield taken

    # -- outbox -----------------------------------------------------------------------
    def outbox(self, *, include_archive: bool = False) -> list[dict[str, Any]]:
        """The alert events by time raised: the working outbox, plus archived ones when asked."""
        where = "" if include_archive else " WHERE NOT archived"
        docs = self._docs("SELECT doc FROM outbox" + where)
        return sorted((dict(doc) for doc in docs), key=lambda d: (d["at"], d["id"]))

    def add_events(self, events: Sequence[Mapping[str, Any]]) -> None:
        """Add outbox events; ids already there are left alone."""
        with self._tx() as conn:
            pgcycle.add_events(conn, events)

    def change_event(
        self, event_id: str, change: Callable[[dict[str, Any]], dict[str, Any]]
    ) -> dict[str, Any] | None:
        """Replace one working outbox event by ``change(event)``, its row locked meanwhile."""
        with self._tx() as conn:
            row = conn.execute(
                "SELECT doc FROM outbox WHERE id = %s AND NOT archived FOR UPDATE", [event_id]
            ).fetchone()
            if row is None:
                return None
            changed = change(dict(row[0]))
            conn.execute("UPDATE outbox SET doc = %s WHERE id = %s", [Jsonb(changed), event_id])
        return changed

    # -- quota, coordination, meta ------------------------------------------------------
    def quota_used(self, quota_day: str) -> dict[str, int]:
        """Units charged on a Pacific-time quota day (``YYYY-MM-DD``), by key name."""
        with self._tx() as conn:
            rows = conn.execute("SELECT key, units FROM quota WHERE day = %s", [quota_day])
            return {key: int(units) for key, units in rows}

    @contextmanager
    def daemon_lock(self) -> Iterator[None]:
        """A session advisory lock for the daemon's life; ``StoreBusy`` if another has it."""
        with connect(self.url, self._password_env, autocommit=True) as conn:
            row = conn.execute("SELECT pg_try_advisory_lock(%s)", [self._daemon_key]).fetchone()
            if row is None or not row[0]:
                raise StoreBusy(f"another streamer daemon is running on {redacted(self.url)}")
            try:
                yield
            finally:
                if not conn.closed:
                    conn.execute("SELECT pg_advisory_unlock(%s)", [self._daemon_key])

    def get_meta(self, name: str) -> Any:
        """A small named value, or ``None`` when it was never set."""
        values = self._docs("SELECT value FROM meta WHERE name = %s", [name])
        return values[0] if values else None

    def set_meta(self, values: Mapping[str, Any]) -> None:
        """Save small named values in one write."""
        json.dumps(dict(values))  # TypeError on what JSON cannot hold, before writing
        with self._tx() as conn:
            pgcycle.set_meta(conn, values)

    # -- SnapshotDays -------------------------------------------------------------------
    def partitions(self) -> list[date]:
        """The UTC days that have snapshots or gaps, oldest first."""
        return self._docs(
            "SELECT (ts AT TIME ZONE 'UTC')::date AS day FROM snapshots"
            " UNION SELECT (ts AT TIME ZONE 'UTC')::date FROM gaps ORDER BY day"
        )

    def partition(self, day: date) -> Partition:
        """Which streams have snapshots or gaps on ``day``, and how many."""
        span = _day_span(day)
        with self._tx() as conn:
            counts = {}
            streams: set[str] = set()
            for table in ("snapshots", "gaps"):
                rows = conn.execute(
                    f"SELECT stream, count(*) FROM {table} WHERE ts >= %s AND ts < %s"
                    " GROUP BY stream",
                    span,
                ).fetchall()
                streams.update(stream for stream, _ in rows)
                counts[table] = sum(n for _, n in rows)
        return Partition(day, frozenset(streams), counts["snapshots"], counts["gaps"])

    def drop_partitions(self, days: Sequence[date], *, all_or_none: bool = True) -> list[date]:
        """Forget these days' snapshots and gaps; a day a cycle is writing is skipped,
        or with ``all_or_none`` ``StoreBusy`` before anything is forgotten."""
        with self._tx() as conn:
            taken = []
            for day in days:
                row = conn.execute(
                    "SELECT pg_try_advisory_xact_lock(%s, %s)", [self._days_key, day.toordinal()]
                ).fetchone()
                if row is None or not row[0]:
                    if all_or_none:
                        raise StoreBusy(f"the snapshots of {day} are being written")
                    continue
                taken.append(day)
            for day in taken:
                for table in ("snapshots", "gaps"):
                    conn.execute(
                        f"DELETE FROM {table} WHERE ts >= %s AND ts < %s",
                        _day_span(day),
                    )
        return taken


def _configure(conn: psycopg.Connection[Any]) -> None:
    """Decode jsonb with orjson (documents are read on every report and cycle)."""
    set_json_loads(orjson.loads, conn)


def _due_order(stream: Stream) -> tuple[datetime, str]:
    assert stream.next_poll_at is not None  # a due stream has one
    return (stream.next_poll_at, stream.key)


def _day_span(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(), tzinfo=UTC)
    return start, start + timedelta(days=1)
