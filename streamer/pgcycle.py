"""What ``PgStore`` writes, as SQL on one connection inside the caller's transaction.

The rules are TinyStore's (streamer/tinycycle.py), in SQL: a cycle upserts streams,
rollups, broadcast statuses, meta, quota and events, inserts snapshots and gaps once
each, then archives what no longer belongs in the working set — done streams with
their rollups, broadcasts ``PLAN_HORIZON`` past their end with their combined rollups,
delivered outbox events a horizon old. The quota ledger is not archived: a row per key
and day costs an index entry, not a rewrite, and ``quota_used`` reads one day.

Rows are inserted in the order given (the order reads keep, as TinyDB's ids), after
the existing ones are locked in key order: two collectors committing cycles that touch
the same streams take their row locks in the same order and do not deadlock.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from streamer.clock import as_utc
from streamer.models import Broadcast, Gap, Snapshot, Stream, from_iso
from streamer.outbox import finished
from streamer.rollups import Rollup
from streamer.simulcast import broadcast_key
from streamer.store import CycleWrite, stream_start
from streamer.tinycycle import FINISHED, PLAN_HORIZON

Conn = psycopg.Connection[Any]


def write_cycle(conn: Conn, cycle: CycleWrite) -> None:
    """Save ``cycle`` on ``conn`` (one transaction: the caller's), as TinyStore would."""
    insert_snapshots(conn, cycle.snapshots, cycle.gaps)
    upsert_streams(conn, cycle.streams)
    upsert_rollups(conn, cycle.rollups, unarchive=True)
    set_statuses(conn, cycle.broadcasts)
    if cycle.meta:
        set_meta(conn, cycle.meta)
    add_quota(conn, cycle.quota)
    add_events(conn, cycle.events)
    archive_done(conn)
    if cycle.now is not None:
        now = as_utc(cycle.now)
        archive_finished_plan(conn, now)
        archive_old_outbox(conn, now)


def insert_snapshots(conn: Conn, snapshots: Sequence[Snapshot], gaps: Sequence[Gap]) -> None:
    """Insert snapshots and gaps not stored yet (of two alike in one batch, the last)."""
    snaps = {(s.stream, as_utc(s.ts)): s for s in snapshots}
    holes = {(g.stream, as_utc(g.ts), g.reason): g for g in gaps}
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO snapshots (stream, ts, doc) VALUES (%s, %s, %s) ON CONFLICT DO NOTHING",
            [(*key, Jsonb(s.to_dict())) for key, s in sorted(snaps.items(), key=_first)],
        )
        cur.executemany(
            "INSERT INTO gaps (stream, ts, reason, doc) VALUES (%s, %s, %s, %s)"
            " ON CONFLICT DO NOTHING",
            [(*key, Jsonb(g.to_dict())) for key, g in sorted(holes.items(), key=_first)],
        )


def _first(item: tuple[Any, Any]) -> Any:
    return item[0]


def upsert_streams(conn: Conn, streams: Iterable[Stream]) -> None:
    """Insert or replace streams by key (a lease on one is left as it is)."""
    latest = {s.key: s for s in streams}
    rows = [
        (s.key, stream_start(s), s.next_poll_at, s.done, s.broadcast_id, Jsonb(s.to_dict()))
        for s in latest.values()
    ]
    lock_rows(conn, "streams", latest)
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO streams (key, start_at, next_poll_at, done, broadcast_id, doc)"
            " VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (key) DO UPDATE SET"
            " start_at = EXCLUDED.start_at, next_poll_at = EXCLUDED.next_poll_at,"
            " done = EXCLUDED.done, broadcast_id = EXCLUDED.broadcast_id,"
            " archived = false, doc = EXCLUDED.doc",
            rows,
        )


_LOCK = {
    "streams": "SELECT 1 FROM streams WHERE key = ANY(%s) ORDER BY key FOR UPDATE",
    "rollups": "SELECT 1 FROM rollups WHERE key = ANY(%s) ORDER BY key FOR UPDATE",
    "broadcasts": "SELECT 1 FROM broadcasts WHERE id = ANY(%s) ORDER BY id FOR UPDATE",
}


def lock_rows(conn: Conn, table: str, keys: Iterable[str]) -> None:
    """Lock the stored rows of ``keys`` in key order (see the module docstring)."""
    wanted = sorted(keys)
    if wanted:
        conn.execute(_LOCK[table], [wanted])


def upsert_rollups(conn: Conn, rollups: Mapping[str, Rollup], *, unarchive: bool) -> None:
    """Insert or replace rollups by key; ``unarchive``: a replaced one is working again
    (a cycle's, as TinyStore's main copy wins), else it stays where it is."""
    where = ", archived = false" if unarchive else ""
    lock_rows(conn, "rollups", rollups)
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO rollups (key, doc) VALUES (%s, %s)"
            " ON CONFLICT (key) DO UPDATE SET doc = EXCLUDED.doc" + where,
            [(key, Jsonb(rollup.to_doc())) for key, rollup in rollups.items()],
        )


def upsert_broadcasts(conn: Conn, items: Iterable[Broadcast]) -> None:
    """Insert or replace broadcasts by id, in the working plan (as TinyStore's main)."""
    latest = {b.id: b for b in items}
    rows = [
        (b.id, b.start, b.start + timedelta(minutes=b.duration_min), Jsonb(b.to_dict()))
        for b in latest.values()
    ]
    lock_rows(conn, "broadcasts", latest)
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO broadcasts (id, start_at, end_at, doc) VALUES (%s, %s, %s, %s)"
            " ON CONFLICT (id) DO UPDATE SET start_at = EXCLUDED.start_at,"
            " end_at = EXCLUDED.end_at, archived = false, doc = EXCLUDED.doc",
            rows,
        )


def set_statuses(conn: Conn, changed: Sequence[Broadcast]) -> None:
    """Only the status of working broadcasts, each change a new revision; a producer's
    edit since the cycle read the plan survives, and a cancelled one stays cancelled."""
    with conn.cursor() as cur:
        cur.executemany(
            "UPDATE broadcasts SET doc = doc || jsonb_build_object('status', %(s)s::text,"
            " 'revision', coalesce((doc->>'revision')::int, 0) + 1)"
            " WHERE id = %(id)s AND NOT archived AND doc->>'status' NOT IN ('cancelled', %(s)s)",
            [{"id": b.id, "s": b.status.value} for b in sorted(changed, key=lambda b: b.id)],
        )


def set_meta(conn: Conn, values: Mapping[str, Any]) -> None:
    """Upsert small named values."""
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO meta (name, value) VALUES (%s, %s)"
            " ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value",
            [(name, Jsonb(values[name])) for name in sorted(values)],
        )


def add_quota(conn: Conn, charges: Mapping[tuple[str, str], int]) -> None:
    """Add units to the ledger atomically: concurrent collectors' charges all count."""
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO quota (day, key, units) VALUES (%s, %s, %s)"
            " ON CONFLICT (day, key) DO UPDATE SET units = quota.units + EXCLUDED.units",
            [(day, key, charges[day, key]) for day, key in sorted(charges)],
        )


def add_events(conn: Conn, events: Sequence[Mapping[str, Any]]) -> None:
    """Add outbox events; an id already stored is left alone (its deliveries may be under way)."""
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO outbox (id, at, doc) VALUES (%s, %s, %s) ON CONFLICT DO NOTHING",
            [(e["id"], from_iso(e["at"]), Jsonb(dict(e))) for e in events],
        )


def archive_done(conn: Conn) -> None:
    """Done streams with a date leave the working set, with their rollups (all of them,
    not only this cycle's, as TinyStore's ``take_done``)."""
    keys = conn.execute(
        "UPDATE streams SET archived = true"
        " WHERE NOT archived AND done AND start_at IS NOT NULL RETURNING key"
    ).fetchall()
    _archive_rollups(conn, [key for (key,) in keys])


def archive_finished_plan(conn: Conn, now: datetime) -> None:
    """Held, missed and cancelled broadcasts ``PLAN_HORIZON`` past their end, with no
    working stream, leave the working plan with their combined rollups."""
    ids = conn.execute(
        "UPDATE broadcasts b SET archived = true WHERE NOT b.archived"
        " AND b.doc->>'status' = ANY(%s) AND b.end_at + %s < %s AND NOT EXISTS"
        " (SELECT 1 FROM streams s WHERE NOT s.archived AND s.broadcast_id = b.id)"
        " RETURNING b.id",
        [sorted(FINISHED), PLAN_HORIZON, now],
    ).fetchall()
    _archive_rollups(conn, [broadcast_key(i) for (i,) in ids])


def archive_old_outbox(conn: Conn, now: datetime) -> None:
    """Outbox events ``PLAN_HORIZON`` old whose deliveries are all done leave the working one."""
    rows = conn.execute(
        "SELECT id, doc FROM outbox WHERE NOT archived AND at < %s ORDER BY id FOR UPDATE",
        [now - PLAN_HORIZON],
    ).fetchall()
    done = [event_id for event_id, doc in rows if finished(doc)]
    if done:
        conn.execute("UPDATE outbox SET archived = true WHERE id = ANY(%s)", [done])


def _archive_rollups(conn: Conn, keys: list[str]) -> None:
    if keys:
        conn.execute("UPDATE rollups SET archived = true WHERE key = ANY(%s)", [keys])
