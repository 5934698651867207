"""Shared fixtures. Keep them general: every feature's tests may use them."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from helpers.loopback import Served
from helpers.pg import pg_schema
from helpers.retries import instant_retries
from hypothesis import settings

from collectors.simulator import Simulator
from streamer.memstore import MemStore
from streamer.store import DayStore
from streamer.tinystore import TinyStore

# CI (which sets CI=true) replays the same examples every run, so a landing never
# depends on the draw; developers' runs keep drawing new ones and find new cases.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """An empty data folder on a real file system."""
    return tmp_path / "data"


@pytest.fixture
def tiny_store(data_dir: Path) -> TinyStore:
    """The embedded store on a fresh data folder: for tests of its files and locks."""
    return TinyStore(data_dir)


@pytest.fixture(params=["tiny", "memory", "pg"])
def store(request: pytest.FixtureRequest, data_dir: Path) -> Iterator[DayStore]:
    """A fresh empty store of each backend (TinyStore, MemStore, PgStore in a schema of
    its own): behaviour tests run on all of them."""
    if request.param == "memory":
        yield MemStore()
    elif request.param == "pg":
        from streamer.pgstore import PgStore

        with pg_schema(request.getfixturevalue("pg_url")) as url:
            pg = PgStore(url)
            try:
                yield pg
            finally:
                pg.close()
    else:
        yield TinyStore(data_dir)


@pytest.fixture(scope="session")
def pg_url() -> str:
    """The test PostgreSQL server's URL (``STREAMER_TEST_PG_URL``; ``make test`` starts
    one). Without it the test is skipped, except under CI, where it fails: CI must run
    the PostgreSQL tests."""
    url = os.environ.get("STREAMER_TEST_PG_URL")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("CI is set but STREAMER_TEST_PG_URL is not: no PostgreSQL to test on")
        pytest.skip("no STREAMER_TEST_PG_URL (run 'make test' to start a PostgreSQL cluster)")
    return url


@pytest.fixture
def instant_backoff() -> Iterator[None]:
    """Retries happen, their waits do not; the switch is put back after the test."""
    with instant_retries():
        yield


@pytest.fixture
def clock_waits(instant_backoff: None) -> Iterator[None]:
    """Backoffs wait on the injected clock; set after ``instant_backoff`` so it wins in a
    module that switches waits off for every other test."""
    with instant_retries(False):
        yield


@pytest.fixture
def serve() -> Iterator[Callable[[Simulator], Served]]:
    """``serve(sim)``: the simulator answering on loopback until the test ends."""
    with ExitStack() as stack:
        yield lambda sim: Served(sim, stack.enter_context(sim.serve()))


@pytest.fixture
def base_url(sim: Simulator) -> Iterator[str]:
    """The module's ``sim`` fixture, served on loopback."""
    with sim.serve() as url:
        yield url


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    """CLI commands configure logging for a process; keep that from leaking between tests."""
    names = ("", "httpx", "googleapiclient", "apscheduler", "streamer")
    levels = {name: logging.getLogger(name).level for name in names}
    handlers = list(logging.getLogger().handlers)
    yield
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)
    logging.getLogger().handlers[:] = handlers
