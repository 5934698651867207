"""What collectors sharing one PostgreSQL database coordinate with (``PgStore``'s share).

- Named leases (table ``leases``, migration 0002): ``claim(name, holder, seconds, now)``
  takes or renews a lease in one statement; another holder gets it only once it
  lapsed, so a dead collector's lease passes on by itself. Times are the collectors'
  clocks (as ``next_poll_at`` is): machines sharing a database keep them in step (NTP).
- ``due_count``: how many working streams are due, leased or not (a collector's
  share of a round is that over the live collectors).
- ``cycle_lock``: a session advisory lock on a connection of its own, held while a
  collector re-reads the working set, folds its polls in and commits (the fold reads
  and rewrites shared rollups: two at once would lose one's update). The server drops
  it when the holder's connection dies.
- ``first_meta``: a meta value set only if absent (the config fingerprint).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from psycopg.types.json import Jsonb

from streamer.clock import as_utc
from streamer.pgschema import connect


class PgWork:
    """Mixed into ``PgStore``: leases, the cycle lock and set-once meta."""

    url: str
    lease_seconds: int
    _password_env: str | None
    _claim_key: int  # advisory lock keys, read once (``lock_key``) by ``PgStore``
    _cycle_key: int

    def _tx(self) -> Any: ...  # PgStore's pooled transaction

    def claim(self, name: str, holder: str, seconds: float, now: datetime) -> bool:
        """Take or renew the lease ``name`` for ``seconds`` from ``now``; False while
        another holds it."""
        with self._tx() as conn:
            row = conn.execute(
                "INSERT INTO leases (name, holder, leased_until)"
                " VALUES (%(name)s, %(holder)s, %(until)s) ON CONFLICT (name) DO UPDATE"
                " SET holder = EXCLUDED.holder, leased_until = EXCLUDED.leased_until"
                " WHERE leases.holder = EXCLUDED.holder OR leases.leased_until <= %(now)s"
                " RETURNING holder",
                {"name": name, "holder": holder, "now": as_utc(now),
                 "until": as_utc(now) + timedelta(seconds=seconds)},
            ).fetchone()  # fmt: skip
        return row is not None

    def release(self, name: str, holder: str) -> None:
        """Give the lease ``name`` up, if ``holder`` has it."""
        with self._tx() as conn:
            conn.execute("DELETE FROM leases WHERE name = %s AND holder = %s", [name, holder])

    def holders(self, prefix: str, now: datetime) -> int:
        """How many leases named ``prefix…`` are held at ``now`` (live collectors)."""
        with self._tx() as conn:
            row = conn.execute(
                "SELECT count(*) FROM leases WHERE name LIKE %s AND leased_until > %s",
                [prefix.replace("%", r"\%").replace("_", r"\_") + "%", as_utc(now)],
            ).fetchone()
        return int(row[0]) if row else 0

    @contextmanager
    def lease_groups(self, now: datetime, limit: int) -> Iterator[list[str]]:
        """``lease_due`` by whole broadcasts: the due streams' keys no live lease holds, a
        broadcast's (planned or unplanned) all to one collector, whole broadcasts until
        ``limit`` streams are reached; released after the block.

        A broadcast's combined figures fold its streams' readings of one tick together,
        so its streams due at one tick must be polled by one collector. Claims are
        serialized by an advisory lock (they are one short statement each), so two
        collectors claiming at once never split a broadcast between them.
        """
        token = secrets.token_hex(8)
        with self._tx() as conn:
            conn.execute("SELECT pg_advisory_xact_lock(%s)", [self._claim_key])
            rows = conn.execute(
                "WITH free AS (SELECT key, next_poll_at, coalesce(broadcast_id,"
                " doc->>'unplanned_id', key) AS grp FROM streams WHERE NOT archived"
                " AND NOT done AND next_poll_at <= %(now)s"
                " AND (leased_until IS NULL OR leased_until <= %(now)s) FOR UPDATE SKIP LOCKED),"
                " groups AS (SELECT grp, count(*) AS n, min(next_poll_at) AS first FROM free"
                " GROUP BY grp), taken AS (SELECT grp FROM (SELECT grp, sum(n) OVER"
                " (ORDER BY first, grp) - n AS before FROM groups) g WHERE before < %(limit)s)"
                " UPDATE streams SET leased_until = %(now)s + %(ttl)s, leased_by = %(token)s"
                " FROM free WHERE streams.key = free.key AND free.grp IN (SELECT grp FROM taken)"
                " RETURNING streams.key",
                {"now": as_utc(now), "limit": limit, "token": token,
                 "ttl": timedelta(seconds=self.lease_seconds)},
            ).fetchall()  # fmt: skip
        taken = sorted(key for (key,) in rows)  # keys only: callers poll what they know
        with self._holding(taken, token):
            yield taken

    @contextmanager
    def _holding(self, keys: list[str], token: str) -> Iterator[None]:
        """Hold the streams one claim (``token``) leased for the ``with`` block, then
        release them: only this claim's leases, not a later one's on the same streams."""
        try:
            yield
        finally:
            with self._tx() as conn:
                conn.execute(
                    "UPDATE streams SET leased_until = NULL, leased_by = NULL"
                    " WHERE key = ANY(%s) AND leased_by = %s",
                    [keys, token],
                )

    def due_count(self, now: datetime) -> int:
        """Working streams due for a poll at ``now``, leased or not."""
        with self._tx() as conn:
            row = conn.execute(
                "SELECT count(*) FROM streams WHERE NOT archived AND NOT done"
                " AND next_poll_at <= %s",
                [as_utc(now)],
            ).fetchone()
        return int(row[0]) if row else 0

    @contextmanager
    def cycle_lock(self) -> Iterator[None]:
        """Held by one collector at a time from its re-read to its commit (see the module)."""
        with connect(self.url, self._password_env, autocommit=True) as conn:
            conn.execute("SELECT pg_advisory_lock(%s)", [self._cycle_key])
            try:
                yield
            finally:
                if not conn.closed:
                    conn.execute("SELECT pg_advisory_unlock(%s)", [self._cycle_key])

    def first_meta(self, name: str, value: Any) -> Any:
        """Set meta ``name`` to ``value`` unless it is set; the stored value either way."""
        with self._tx() as conn:
            conn.execute(
                "INSERT INTO meta (name, value) VALUES (%s, %s) ON CONFLICT DO NOTHING",
                [name, Jsonb(value)],
            )
            row = conn.execute("SELECT value FROM meta WHERE name = %s", [name]).fetchone()
        return None if row is None else row[0]
