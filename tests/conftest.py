"""Shared fixtures. Keep them general: every feature's tests may use them."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from helpers.loopback import Served
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


@pytest.fixture(params=["tiny", "memory"])
def store(request: pytest.FixtureRequest, data_dir: Path) -> DayStore:
    """A fresh empty store of each backend (TinyStore, MemStore): behaviour tests run on both."""
    if request.param == "memory":
        return MemStore()
    return TinyStore(data_dir)


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
