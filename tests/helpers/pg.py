"""Fresh, migrated PostgreSQL schemas and databases on the test server (``pg_url``)."""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import sys
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

from streamer import pgschema

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
import pgcluster  # the harness the suite's server comes from


def with_search_path(url: str, schema: str) -> str:
    """``url`` whose connections use ``schema`` (libpq's ``options``)."""
    joiner = "&" if urlsplit(url).query else "?"
    return f"{url}{joiner}options=-csearch_path%3D{schema}"


def with_database(url: str, database: str) -> str:
    """``url`` naming another database on the same server."""
    return urlunsplit(urlsplit(url)._replace(path=f"/{database}"))


@contextmanager
def pg_schema(url: str, *, migrated: bool = True) -> Iterator[str]:
    """A URL of a new schema (migrated unless told not to), dropped afterwards."""
    name = f"t_{secrets.token_hex(6)}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {name}")
    scoped = with_search_path(url, name)
    try:
        if migrated:
            with psycopg.connect(scoped, autocommit=True) as conn:
                pgschema.migrate(conn)
        yield scoped
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {name} CASCADE")


@contextmanager
def pg_database(url: str) -> Iterator[str]:
    """A URL of a new empty database (not migrated), dropped afterwards."""
    name = f"t_{secrets.token_hex(6)}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    try:
        yield with_database(url, name)
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE {name} WITH (FORCE)")


@contextmanager
def private_cluster(
    extra: str = "", files: Mapping[str, bytes] | None = None
) -> Iterator[tuple[Path, str]]:
    """A PostgreSQL cluster of its own (scripts/pgcluster.py), for a test that restarts
    or reconfigures its server: its folder and URL; stopped and removed afterwards.
    In /tmp, which the server's user can reach (pytest's folders are private).
    ``files`` (name → content) are written into the folder first, private to the
    server's user (TLS keys: ``extra`` names them)."""
    folder = Path(tempfile.mkdtemp(prefix="streamer-pg-"))
    for name, content in (files or {}).items():
        path = folder / name
        path.write_bytes(content)
        path.chmod(0o600)
        if os.geteuid() == 0:  # the server runs as postgres (pgcluster)
            entry = pwd.getpwnam(pgcluster.SERVER_USER)
            os.chown(path, entry.pw_uid, entry.pw_gid)
    try:
        url = pgcluster.start(folder, extra)
        try:
            yield folder, url
        finally:
            pgcluster.stop(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
