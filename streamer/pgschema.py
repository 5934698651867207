"""PostgreSQL connections and schema migrations for ``PgStore`` (streamer/pgstore.py).

Migrations are plain SQL files shipped in the package (``streamer/migrations/
NNNN_name.sql``), applied in order, each in its own transaction with its row in
``schema_version``; ``migrate`` holds an advisory lock meanwhile, so two processes
migrating at once apply each file once. A store refuses a database whose schema is
behind this streamer (``streamer db migrate`` fixes that) or ahead of it (an older
streamer must not write a newer schema).

The password never comes from the URL (the config refuses one there): it is the
``[store] password_env`` variable's value, else libpq's PGPASSWORD or ``.pgpass``.
Messages name the URL without its password (``redacted``).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from importlib import resources
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg

from streamer.errors import UserError
from streamer.store import StoreUnreachable

MIGRATE_LOCK = "streamer:migrate"
_FILE = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


class SchemaError(UserError):
    """The database's schema is not the one this streamer needs (one line, exit 2)."""


@dataclass(frozen=True, slots=True)
class Migration:
    """One shipped SQL file: its version number, name and text."""

    version: int
    name: str
    text: str = field(repr=False)


def migrations() -> list[Migration]:
    """The shipped migrations, by version."""
    found = []
    for item in resources.files("streamer").joinpath("migrations").iterdir():
        match = _FILE.match(item.name)
        if match:
            found.append(Migration(int(match[1]), match[2], item.read_text(encoding="utf-8")))
    return sorted(found, key=lambda m: m.version)


def latest() -> int:
    """The schema version this streamer needs: its newest migration's."""
    return migrations()[-1].version


def redacted(url: str) -> str:
    """``url`` without a password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"{parts.username or ''}@{host}"))


def connect_kwargs(password_env: str | None) -> dict[str, Any]:
    """Connection settings beyond the URL: the password from ``password_env`` when named."""
    if password_env is None:
        return {}
    password = os.environ.get(password_env)
    if not password:
        raise UserError(f"store.password_env: the variable {password_env} is not set")
    return {"password": password}


def connect(url: str, password_env: str | None = None, **options: Any) -> psycopg.Connection[Any]:
    """One connection to ``url``; ``StoreUnreachable`` (without the password) when that fails."""
    try:
        return psycopg.connect(url, **connect_kwargs(password_env), **options)
    except psycopg.OperationalError as exc:
        raise StoreUnreachable(f"cannot connect to {redacted(url)}: {_first_line(exc)}") from exc


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def lock_key(conn: psycopg.Connection[Any], name: str) -> int:
    """An advisory lock key for ``name`` in the connection's schema (``search_path``):
    two stores in two schemas of one database do not share locks."""
    return lock_keys(conn, name)[0]


def lock_keys(conn: psycopg.Connection[Any], *names: str) -> list[int]:
    """``lock_key`` of each of ``names``, in one query (one round trip to the server)."""
    hashes = ", ".join(["hashtextextended(current_schema() || ':' || %s, 0)"] * len(names))
    found = conn.execute(f"SELECT {hashes}", names).fetchone()  # the names are parameters
    assert found is not None
    return [int(value) for value in found]


def version(conn: psycopg.Connection[Any]) -> int | None:
    """The schema version the database is at; ``None`` when it was never migrated."""
    exists = conn.execute("SELECT to_regclass('schema_version') IS NOT NULL").fetchone()
    if not exists or not exists[0]:
        return None
    row = conn.execute("SELECT max(version) FROM schema_version").fetchone()
    return None if row is None or row[0] is None else int(row[0])


def migrate(conn: psycopg.Connection[Any]) -> list[Migration]:
    """Apply the migrations the database lacks, under the migration lock; those applied.

    ``conn`` must be in autocommit mode: each file commits on its own, with its
    ``schema_version`` row, so an interrupted run resumes at the first file missing.
    """
    key = lock_key(conn, MIGRATE_LOCK)
    conn.execute("SELECT pg_advisory_lock(%s)", [key])
    try:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_version (version integer PRIMARY KEY,"
            " name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())"
        )
        current = version(conn) or 0
        if current > latest():
            raise newer(current)
        applied = []
        for step in migrations():
            if step.version <= current:
                continue
            with conn.transaction():
                conn.execute(step.text.encode())  # several statements: no parameters
                conn.execute(
                    "INSERT INTO schema_version (version, name) VALUES (%s, %s)",
                    [step.version, step.name],
                )
            applied.append(step)
        return applied
    finally:
        conn.execute("SELECT pg_advisory_unlock(%s)", [key])


def newer(current: int) -> SchemaError:
    return SchemaError(
        f"the database schema is at version {current}, newer than this streamer's "
        f"{latest()}; upgrade streamer"
    )


def check(conn: psycopg.Connection[Any]) -> None:
    """``SchemaError`` unless the database is at exactly this streamer's schema version."""
    current = version(conn)
    if current is None or current < latest():
        at = "not migrated" if current is None else f"at version {current}"
        raise SchemaError(
            f"the database schema is {at}, this streamer needs {latest()}; "
            "run 'streamer db migrate'"
        )
    if current > latest():
        raise newer(current)
