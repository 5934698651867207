"""A report's read on PostgreSQL: the rollups read on a second connection see the same
state of the database as the rest, and without a second connection nothing changes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from helpers import report_week
from helpers.pg import pg_database
from psycopg_pool import PoolTimeout

from streamer.pgcopy import copy_folder
from streamer.pgread import read_period
from streamer.pgstore import PgStore
from streamer.simulcast import broadcast_key
from streamer.store import PeriodRecords, open_store

SPAN = (datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 15, tzinfo=UTC))
KEY = broadcast_key("AL-1")  # the simulcast's combined rollup


@pytest.fixture
def world(pg_url: str, tmp_path: Path) -> Iterator[tuple[PgStore, Path]]:
    """The report week in a TinyDB folder and copied into a new database."""
    data = tmp_path / "data"
    report_week.seed_week(data, planned_title="Антикор", unplanned_title="Q&A", instagram_done=True)
    with pg_database(pg_url) as url:
        copy_folder(data, url, None, lambda _line: None)
        store = PgStore(url)
        try:
            yield store, data
        finally:
            store.close()


def as_lists(found: PeriodRecords) -> tuple[list[Any], list[Any], list[Any]]:
    return (
        sorted(found.broadcasts.items()),
        sorted(found.streams.items()),
        sorted(found.rollups.items(), key=lambda item: item[0]),
    )


def test_the_period_read_is_the_tiny_stores(world: tuple[PgStore, Path]) -> None:
    """Plan, streams and rollups of a period read the same from either backend."""
    store, data = world
    found = store.period_records(*SPAN)
    assert found.rollups[KEY].peak_concurrent is not None
    assert as_lists(found) == as_lists(open_store(data).period_records(*SPAN))


def test_the_rollups_are_read_in_the_snapshot_of_the_rest(world: tuple[PgStore, Path]) -> None:
    """A change committed after the read began is not seen by the rollups' read on the
    second connection (it adopts the first one's snapshot), and is by the next read."""
    store, _ = world
    before = store.period_records(*SPAN).rollups[KEY].peak_concurrent

    @contextmanager
    def spare_after_a_change() -> Iterator[psycopg.Connection[Any]]:
        with psycopg.connect(store.url, autocommit=True) as other:
            other.execute(
                "UPDATE rollups SET doc = jsonb_set(doc, '{peak_concurrent}', '999999')"
                " WHERE key = %s",
                [KEY],
            )
        with store._pool.connection() as conn:
            yield conn

    levels: list[str] = []

    @contextmanager
    def recorded_tx() -> Iterator[psycopg.Connection[Any]]:
        with store._tx() as conn:
            yield conn
            row = conn.execute("SHOW transaction_isolation").fetchone()
            levels.append(row[0] if row else "")

    found = read_period(recorded_tx, spare_after_a_change, *SPAN)
    assert found.rollups[KEY].peak_concurrent == before != 999999
    # The first transaction keeps its snapshot for all its queries, the exported one.
    assert levels == ["repeatable read"]
    assert store.period_records(*SPAN).rollups[KEY].peak_concurrent == 999999


@pytest.mark.parametrize("failure", [PoolTimeout("pool busy"), psycopg.OperationalError("gone")])
def test_without_a_second_connection_the_rollups_are_read_on_the_first(
    world: tuple[PgStore, Path], failure: Exception
) -> None:
    """A busy pool (no spare connection in time) or a failed second read: the rollups
    are read after the rest on the report's own connection, with the same result."""
    store, _ = world

    @contextmanager
    def no_spare() -> Iterator[psycopg.Connection[Any]]:
        raise failure
        yield  # pragma: no cover - a generator that fails on entry

    assert as_lists(read_period(store._tx, no_spare, *SPAN)) == as_lists(
        store.period_records(*SPAN)
    )
