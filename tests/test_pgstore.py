"""PgStore beyond the contract: what holds between separate stores on one database, as
between collector processes (leases, the quota ledger, the daemon lock, day locks)."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from helpers.pg import pg_schema

from streamer.errors import UserError
from streamer.models import Stream
from streamer.pgstore import PgStore
from streamer.store import CycleWrite, StoreBusy, StoreUnreachable

T0 = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def url(pg_url: str) -> Iterator[str]:
    """A fresh migrated schema's URL."""
    with pg_schema(pg_url) as scoped:
        yield scoped


@pytest.fixture
def pair(url: str) -> Iterator[tuple[PgStore, PgStore]]:
    """Two stores on one schema, each with its own pool: two collectors."""
    first, second = PgStore(url), PgStore(url)
    yield first, second
    first.close()
    second.close()


def due(name: str, minutes: int = 1) -> Stream:
    return Stream("youtube", name, "UC1", next_poll_at=T0 - timedelta(minutes=minutes))


def test_two_stores_lease_different_due_streams(pair: tuple[PgStore, PgStore]) -> None:
    """A stream one collector holds is not given to another; released, it is again."""
    one, two = pair
    one.commit_cycle(CycleWrite(streams=[due("a", 2), due("b", 1)]))
    with one.lease_due(T0, limit=1) as first, two.lease_due(T0) as second:
        assert [s.external_id for s in first] == ["a"]
        assert [s.external_id for s in second] == ["b"]
        # The holder's cycle commits its streams meanwhile: a lease is no row lock.
        one.commit_cycle(CycleWrite(streams=[due("a", 0)]))
    with two.lease_due(T0) as again:  # "a" is now due last: the commit went through
        assert [s.external_id for s in again] == ["b", "a"]


def test_a_lapsed_lease_is_taken_over(url: str) -> None:
    """A collector that never releases (killed) loses its lease after lease_seconds."""
    dead, alive = PgStore(url, lease_seconds=0), PgStore(url)
    try:
        dead.commit_cycle(CycleWrite(streams=[due("a")]))
        with dead.lease_due(T0) as held, alive.lease_due(T0) as taken:
            assert [s.key for s in held] == [s.key for s in taken] == ["youtube:a"]
        lasting = PgStore(url)
        with lasting.lease_due(T0) as held, alive.lease_due(T0) as taken:
            assert len(held) == 1 and taken == []
        lasting.close()
    finally:
        dead.close()
        alive.close()


def test_quota_charges_from_many_writers_all_count(pair: tuple[PgStore, PgStore]) -> None:
    """Concurrent cycles on two stores add to one ledger row without losing a charge."""

    def charge(store: PgStore) -> None:
        for _ in range(20):
            store.commit_cycle(CycleWrite(quota={("2025-03-10", "main"): 3}))

    threads = [threading.Thread(target=charge, args=(store,)) for store in (*pair, *pair)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert pair[1].quota_used("2025-03-10") == {"main": 4 * 20 * 3}


def test_the_daemon_lock_holds_across_stores_until_released(
    pair: tuple[PgStore, PgStore],
) -> None:
    """A second daemon on the database gets StoreBusy; after the first ends it may start."""
    one, two = pair
    with one.daemon_lock(), pytest.raises(StoreBusy, match="another streamer daemon"):
        two.daemon_lock().__enter__()
    with two.daemon_lock():
        pass


def test_a_day_being_written_is_not_dropped(pair: tuple[PgStore, PgStore], url: str) -> None:
    """While a cycle's transaction holds a day, strict drop refuses and lenient skips it."""
    one, _ = pair
    snap = CycleWrite(streams=[due("a")])
    one.commit_cycle(snap)
    day, other = T0.date(), (T0 - timedelta(days=1)).date()
    with psycopg.connect(url) as writer:  # what commit_cycle holds for a day it writes
        writer.execute(
            "SELECT pg_advisory_xact_lock_shared(%s, %s)", [one._days_key, day.toordinal()]
        )
        with pytest.raises(StoreBusy):
            one.drop_partitions([other, day])
        assert one.drop_partitions([other, day], all_or_none=False) == [other]


def test_stores_in_two_schemas_do_not_share_locks_or_rows(url: str, pg_url: str) -> None:
    """Two schemas of one database are two stores: separate rows and daemon locks."""
    with pg_schema(pg_url) as elsewhere:
        one, two = PgStore(url), PgStore(elsewhere)
        try:
            one.commit_cycle(CycleWrite(streams=[due("a")]))
            assert two.streams() == {}
            with one.daemon_lock(), two.daemon_lock():
                pass
        finally:
            one.close()
            two.close()


def test_password_env_must_be_set_and_is_never_echoed(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A named password variable that is unset is a user error naming the variable;
    one that is set is passed to libpq (trust auth ignores it) and appears nowhere."""
    monkeypatch.delenv("STREAMER_TEST_DB_PASSWORD", raising=False)
    with pytest.raises(UserError, match="STREAMER_TEST_DB_PASSWORD is not set"):
        PgStore(url, password_env="STREAMER_TEST_DB_PASSWORD")
    monkeypatch.setenv("STREAMER_TEST_DB_PASSWORD", "s3cret-pg-pw")
    store = PgStore(url, password_env="STREAMER_TEST_DB_PASSWORD")
    try:
        assert store.streams() == {} and "s3cret" not in repr(vars(store))
    finally:
        store.close()


def test_a_report_reads_records_as_last_written(pair: tuple[PgStore, PgStore]) -> None:
    """``period_records`` (which reads the documents' stored text copies) sees a stream,
    its rollup and a broadcast as another store last rewrote them, archived ones too."""
    from streamer.models import Broadcast, StreamStatus, Target
    from streamer.rollups import Rollup

    writer, reader = pair
    item = Broadcast("b1", "antikor-live", "Антикор", T0, 60, (Target("youtube", "UC1"),))
    writer.change_plan(lambda _plan: [item])
    stream = Stream("youtube", "v1", "UC1", actual_start=T0, broadcast_id="b1")
    first = {"youtube:v1": Rollup("youtube:v1", 60, peak_concurrent=5)}
    writer.commit_cycle(CycleWrite(streams=[stream], rollups=first))
    ended = Stream(
        "youtube", "v1", "UC1", actual_start=T0, broadcast_id="b1",
        status=StreamStatus.ENDED, title="Антикор «финал»", done=True,
    )  # fmt: skip
    later = {"youtube:v1": Rollup("youtube:v1", 60, peak_concurrent=9)}
    writer.commit_cycle(CycleWrite(streams=[ended], rollups=later))
    writer.change_plan(lambda plan: [dataclasses.replace(plan["b1"], title="Антикор 2")])
    found = reader.period_records(T0 - timedelta(days=1), T0 + timedelta(days=1))
    assert found.streams == {"youtube:v1": ended}
    assert found.rollups == later
    assert found.broadcasts["b1"].title == "Антикор 2"


def test_every_pooled_connection_in_use_is_said_as_such(url: str) -> None:
    """A store whose pool is all in use (here, its one connection held) waits
    ``CONNECT_WAIT`` and says so: the server answers, this process has no connection
    free (not "unreachable", which sent people to the database server)."""
    store = PgStore(url, pool_size=1)
    try:
        with store._tx(), pytest.raises(StoreUnreachable) as raised:  # its only connection
            store.get_meta("anything")
        assert "all 1 of this process's connections in use" in str(raised.value)
        assert store.get_meta("anything") is None  # free again: reads as before
    finally:
        store.close()
