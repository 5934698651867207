"""What collectors sharing one PostgreSQL database coordinate with (``PgStore``'s share).

- Named leases (table ``leases``, migration 0002): ``claim(name, holder, seconds)``
  takes or renews a lease in one statement; another holder gets it only once it
  lapsed (the server's clock), so a dead collector's lease passes on by itself.
- ``due_count``: how many working streams are due, leased or not (a collector's
  share of a round is that over the live collectors).
- ``cycle_lock``: a session advisory lock on a connection of its own, held while a
  collector re-reads the working set, folds its polls in and commits (the fold reads
  and rewrites shared rollups: two at once would lose one's update). The server drops
  it when the holder's connection dies.
- ``first_meta``: a meta value set only if absent (the config fingerprint).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from psycopg.types.json import Jsonb

from streamer.clock import as_utc
from streamer.pgschema import connect, lock_key


class PgWork:
    """Mixed into ``PgStore``: leases, the cycle lock and set-once meta."""

    url: str
    _password_env: str | None

    def _tx(self) -> Any: ...  # PgStore's pooled transaction

    def claim(self, name: str, holder: str, seconds: float) -> bool:
        """Take or renew the lease ``name`` for ``seconds``; False while another holds it."""
        with self._tx() as conn:
            row = conn.execute(
                "INSERT INTO leases (name, holder, leased_until)"
                " VALUES (%s, %s, clock_timestamp() + %s) ON CONFLICT (name) DO UPDATE"
                " SET holder = EXCLUDED.holder, leased_until = EXCLUDED.leased_until"
                " WHERE leases.holder = EXCLUDED.holder OR leases.leased_until < clock_timestamp()"
                " RETURNING holder",
                [name, holder, timedelta(seconds=seconds)],
            ).fetchone()
        return row is not None

    def release(self, name: str, holder: str) -> None:
        """Give the lease ``name`` up, if ``holder`` has it."""
        with self._tx() as conn:
            conn.execute("DELETE FROM leases WHERE name = %s AND holder = %s", [name, holder])

    def holders(self, prefix: str) -> int:
        """How many unlapsed leases are named ``prefix…`` (live collectors' heartbeats)."""
        with self._tx() as conn:
            row = conn.execute(
                "SELECT count(*) FROM leases WHERE name LIKE %s"
                " AND leased_until >= clock_timestamp()",
                [prefix.replace("%", r"\%").replace("_", r"\_") + "%"],
            ).fetchone()
        return int(row[0]) if row else 0

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
            key = lock_key(conn, "cycle")
            conn.execute("SELECT pg_advisory_lock(%s)", [key])
            try:
                yield
            finally:
                if not conn.closed:
                    conn.execute("SELECT pg_advisory_unlock(%s)", [key])

    def first_meta(self, name: str, value: Any) -> Any:
        """Set meta ``name`` to ``value`` unless it is set; the stored value either way."""
        with self._tx() as conn:
            conn.execute(
                "INSERT INTO meta (name, value) VALUES (%s, %s) ON CONFLICT DO NOTHING",
                [name, Jsonb(value)],
            )
            row = conn.execute("SELECT value FROM meta WHERE name = %s", [name]).fetchone()
        return None if row is None else row[0]
