"""A report's read of one period from PostgreSQL: two connections, one snapshot.

A half-year report reads some 13,000 broadcasts, 19,000 streams and 25,000 rollups.
The server's share is mostly the rollups query (choosing the period's rollups takes a
join over several sets of keys); the client's is parsing and decoding the documents.
Done one after the other, the client waits for the server and the server for the
client. So the rollups are read on a second pooled connection in a thread while this
one reads and decodes the plan and the streams: the thread spends its time in the
driver waiting on the socket, which does not hold the interpreter's lock.

Both read one state of the database: this transaction is ``REPEATABLE READ`` and
exports its snapshot (``pg_export_snapshot``), which the second transaction adopts
before its query (``SET TRANSACTION SNAPSHOT``, as ``pg_dump``'s parallel workers
do). Without a spare connection within ``SPARE_WAIT`` (a busy daemon's pool), or if
the second read fails, the rollups are read here, after the rest, as before.

Documents come as their stored text copies (``doc_text``, migration 0003), parsed
with orjson: the server only copies them out, where turning ``jsonb`` back into text
cost it more than the rest of the read. Each result is fetched whole (the driver's C
loop, not one ``__next__`` a row).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any

import psycopg
from orjson import loads
from psycopg import sql

from streamer.clock import as_utc
from streamer.models import Broadcast, Stream
from streamer.simulcast import PREFIX as SIMULCAST_PREFIX
from streamer.store import PeriodRecords, period_of

Connect = Callable[[], AbstractContextManager[psycopg.Connection[Any]]]
Rows = list[tuple[Any, ...]]
SPARE_WAIT = 0.5  # s: how long the rollups' read waits for a second pooled connection

_ONE_STATE = "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"
# A period's records, working ones first, then archived ones (TinyStore's order).
_STARTED = "start_at IS NULL OR (start_at >= %(start)s AND start_at < %(end)s)"
_PERIOD_PLAN = (
    "SELECT doc_text FROM broadcasts WHERE start_at >= %(start)s AND start_at < %(end)s"
    " ORDER BY archived, seq"
)
_PERIOD_STREAMS = f"SELECT doc_text FROM streams WHERE {_STARTED} ORDER BY archived, seq"
# The broadcasts planned outside the span that streams started in it are matched to
# (asked for by id, and only when there are any: most periods have none, and the
# server's join of every stream's broadcast id found none in 40 ms).
_MATCHED_PLAN = "SELECT doc_text FROM broadcasts WHERE id = ANY(%s) ORDER BY archived, seq"
# The rollups of the streams started in the span, and the combined rollups of the
# broadcasts planned in it, of those the streams are matched to and of their unplanned
# ones (a superset: ``period_of`` picks its own, and no list of 25,000 keys is sent).
_WANTED = (
    "wanted AS (SELECT key FROM s"
    " UNION SELECT %(prefix)s || broadcast_id FROM s WHERE broadcast_id IS NOT NULL"
    " UNION SELECT %(prefix)s || unplanned FROM s WHERE unplanned IS NOT NULL"
    " UNION SELECT %(prefix)s || id FROM broadcasts"
    " WHERE start_at >= %(start)s AND start_at < %(end)s)"
)
_PERIOD_ROLLUPS = (
    "WITH s AS (SELECT key, broadcast_id, doc->>'unplanned_id' AS unplanned FROM streams"
    f" WHERE {_STARTED}), {_WANTED}"
    " SELECT key, doc_text FROM rollups JOIN wanted USING (key) ORDER BY archived, seq"
)

# What a window's marks are made of (``PgStore.window_mark``): how many rows
# ``_PERIOD_PLAN``, ``_PERIOD_STREAMS`` and ``_PERIOD_ROLLUPS`` find, and the newest
# transaction that wrote one of them. ``seq`` cannot serve: an update keeps it. An
# insert or update gives the row a newer ``xmin``; a delete lowers the count.
_XMIN = "count(*) || '/' || coalesce(max({}.xmin::text::bigint), 0)"
_WINDOW_MARK = (
    "WITH s AS (SELECT key, broadcast_id, doc->>'unplanned_id' AS unplanned, xmin"
    f" FROM streams WHERE {_STARTED}), {_WANTED}"
    " SELECT current_database(), (SELECT oid FROM pg_database"
    " WHERE datname = current_database()),"
    f" (SELECT {_XMIN.format('b')} FROM broadcasts b"
    " WHERE start_at >= %(start)s AND start_at < %(end)s),"
    f" (SELECT {_XMIN.format('s')} FROM s),"
    f" (SELECT {_XMIN.format('r')} FROM rollups r JOIN wanted USING (key))"
)


def window_mark(conn: psycopg.Connection[Any], start: datetime, end: datetime) -> str:
    """The mark of ``[start, end)``'s records (``PgStore.window_mark``)."""
    bounds = {"start": as_utc(start), "end": as_utc(end), "prefix": SIMULCAST_PREFIX}
    conn.execute(_ONE_STATE)
    row = conn.execute(_WINDOW_MARK, bounds).fetchone()
    return "postgresql:" + ":".join(str(value) for value in row or ())


def read_period(tx: Connect, spare: Connect, start: datetime, end: datetime) -> PeriodRecords:
    """``PeriodRecords`` of ``[start, end)``: ``tx`` gives this read's connection (its
    errors as the store's), ``spare`` a second one (``PoolTimeout`` after ``SPARE_WAIT``)."""
    bounds = {"start": as_utc(start), "end": as_utc(end), "prefix": SIMULCAST_PREFIX}
    with tx() as conn:
        conn.execute(_ONE_STATE)
        exported = conn.execute("SELECT pg_export_snapshot()").fetchone()
        assert exported is not None
        rollups = _Beside(spare, exported[0], bounds)
        plan = broadcasts(conn.execute(_PERIOD_PLAN, bounds).fetchall())
        streams = [Stream.from_dict(loads(text)) for (text,) in conn.execute(
            _PERIOD_STREAMS, bounds).fetchall()]  # fmt: skip
        elsewhere = {s.broadcast_id for s in streams if s.broadcast_id is not None} - plan.keys()
        matched = (
            broadcasts(conn.execute(_MATCHED_PLAN, [sorted(elsewhere)]).fetchall())
            if elsewhere
            else {}
        )
        rows = rollups.rows()
        if rows is None:  # no second connection, or its read failed: read them here
            rows = conn.execute(_PERIOD_ROLLUPS, bounds).fetchall()
    return period_of(
        start,
        end,
        plan.values(),
        streams,
        {key: loads(text) for key, text in rows},
        lambda ids: {i: matched[i] for i in ids if i in matched},
    )


def broadcasts(rows: Iterable[tuple[Any, ...]]) -> dict[str, Broadcast]:
    """Broadcasts by id from rows of their documents' text copies."""
    found = (Broadcast.from_dict(loads(text)) for (text,) in rows)
    return {broadcast.id: broadcast for broadcast in found}


class _Beside:
    """The period's rollup rows, read on a spare connection in a thread, in the
    exporting transaction's snapshot."""

    def __init__(self, spare: Connect, snapshot: str, bounds: Mapping[str, Any]) -> None:
        self._found: Rows | None = None
        self._thread = threading.Thread(
            target=self._read, args=(spare, snapshot, bounds), name="streamer-pgread"
        )
        self._thread.start()

    def _read(self, spare: Connect, snapshot: str, bounds: Mapping[str, Any]) -> None:
        try:
            with spare() as conn:
                conn.execute(_ONE_STATE)
                conn.execute(sql.SQL("SET TRANSACTION SNAPSHOT {}").format(sql.Literal(snapshot)))
                self._found = conn.execute(_PERIOD_ROLLUPS, bounds).fetchall()
        except Exception:  # read again on the main connection, which reports a failure
            self._found = None

    def rows(self) -> Rows | None:
        """The rows, once the thread is done; ``None`` if it could not read them."""
        self._thread.join()
        return self._found
