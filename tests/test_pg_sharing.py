"""Collectors sharing one PostgreSQL database, in one process on one simulated clock:
together they poll what one collector alone polls, each poll once; other configs are
kept out; the leader's jobs run once."""

from __future__ import annotations

import threading
import time as time_module
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, suppress
from datetime import datetime, time, timedelta
from pathlib import Path

import pytest
from helpers.pg import pg_schema
from helpers.reliability import MONDAY, SECRETS, TZ, plan, scenario, write_config
from helpers.retries import instant_retries

from collectors.simulator import Simulator
from streamer.app.daemon import Collector
from streamer.clock import SimulatedClock
from streamer.config import Config, load_config
from streamer.errors import ConfigError
from streamer.pgstore import PgStore
from streamer.sharing import LEADER_SECONDS, Sharing
from streamer.store import DayStore
from streamer.tinystore import TinyStore

BEGIN = datetime.combine(MONDAY + timedelta(days=1), time(10, 52), tzinfo=TZ)
TICKS = 30  # one a minute: Adal Komek's 11:00 simulcast goes live and is polled
FAR = (datetime(2000, 1, 1, tzinfo=TZ), datetime(2100, 1, 1, tzinfo=TZ))


@pytest.fixture
def url(pg_url: str) -> Iterator[str]:
    """A fresh migrated schema on the test server."""
    with pg_schema(pg_url) as scoped:
        yield scoped


def run_world(folder: Path, stores: list[DayStore], clock: SimulatedClock) -> int:
    """``len(stores)`` collectors (one per store) every minute for ``TICKS`` minutes,
    each tick's cycles run at once in threads; the YouTube units the simulator charged."""
    sim = Simulator(scenario(MONDAY, 1), clock)
    with ExitStack() as stack:
        stack.enter_context(instant_retries())
        config = write_config(folder, stack.enter_context(sim.serve()))
        stores[0].change_plan(lambda _current: plan(MONDAY, 1))
        collectors = [
            stack.enter_context(Collector(config, clock, dict(SECRETS), s)) for s in stores
        ]
        for _ in range(TICKS):
            threads = [threading.Thread(target=c.collect_once) for c in collectors]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            clock.advance(timedelta(minutes=1))
    return sim.quota.used(SECRETS["REL_YOUTUBE_KEY"], BEGIN)


def test_three_collectors_poll_what_one_polls_each_poll_once(tmp_path: Path, url: str) -> None:
    """Three collectors on one database write the same snapshots, gaps and rollups as one
    collector alone on TinyDB: no poll lost, none twice, the combined figures equal."""
    alone = TinyStore(tmp_path / "alone" / "data")
    (tmp_path / "alone").mkdir(exist_ok=True)
    charged_alone = run_world(tmp_path / "alone", [alone], SimulatedClock(BEGIN))
    shared = [PgStore(url) for _ in range(3)]
    try:
        (tmp_path / "shared").mkdir()
        charged = run_world(tmp_path / "shared", list(shared), SimulatedClock(BEGIN))
        pg = shared[0]
        snaps = [(s.stream, s.ts) for s in pg.snapshots(*FAR)]
        assert len(snaps) == len(set(snaps)) and len(snaps) > 3 * 20
        by_minute = Counter((stream, ts.replace(second=0, microsecond=0)) for stream, ts in snaps)
        assert max(by_minute.values()) == 1  # no stream polled twice in one interval
        assert pg.snapshots(*FAR) == alone.snapshots(*FAR)
        assert pg.gaps(*FAR) == alone.gaps(*FAR)
        mine, theirs = pg.rollups(), alone.rollups()
        assert mine.keys() == theirs.keys()
        streams = [key for key in theirs if not key.startswith("broadcast:")]
        assert [mine[k] for k in streams] == [theirs[k] for k in streams]
        # A broadcast's combined figures too: its streams of one tick are folded together.
        combined = [k for k in theirs if k not in streams]
        assert [mine[k] for k in combined] == [theirs[k] for k in combined]
        assert pg.streams() == alone.streams()
        # The shared ledger holds every unit the three spent (smaller batches cost more).
        assert pg.quota_used("2026-03-02") == {"REL_YOUTUBE_KEY": charged}
        assert alone.quota_used("2026-03-02") == {"REL_YOUTUBE_KEY": charged_alone}
        assert charged >= charged_alone
    finally:
        for store in shared:
            store.close()


def test_a_collector_with_another_config_is_refused_while_one_runs(
    tmp_path: Path, url: str
) -> None:
    """A second collector whose programmes or intervals differ cannot join (one line,
    ConfigError); once the first has left, the new config is adopted."""
    clock = SimulatedClock(BEGIN)
    first, second = PgStore(url), PgStore(url)
    try:
        config = write_config(tmp_path, "http://127.0.0.1:9")
        with Collector(config, clock, dict(SECRETS), first):
            other = tmp_path / "other"
            other.mkdir()
            same = write_config(other, "http://127.0.0.1:9")  # another file, same settings
            with Collector(same, clock, dict(SECRETS), second):
                pass
            text = (other / "streamer.toml").read_text(encoding="utf-8")
            (other / "streamer.toml").write_text(
                text.replace("request_timeout = 0.2", "request_timeout = 0.2\nlive_interval = 30"),
                encoding="utf-8",
            )
            with pytest.raises(ConfigError, match="other programmes, channels or intervals"):
                Collector(load_config(other / "streamer.toml"), clock, dict(SECRETS), second)
        # The first collector left: the changed config is adopted.
        Collector(load_config(other / "streamer.toml"), clock, dict(SECRETS), second).close()
    finally:
        first.close()
        second.close()


def test_one_leader_runs_the_once_only_jobs_and_a_dead_ones_lapses(
    tmp_path: Path, url: str
) -> None:
    """Of two collectors one leads (its gated job runs, the other's is a no-op); when the
    leader stops renewing, the other takes over once the lease lapsed."""
    clock = SimulatedClock(BEGIN)
    config = write_config(tmp_path, "http://127.0.0.1:9")
    stores = [PgStore(url), PgStore(url)]
    try:
        one, two = (Sharing(store, config, clock) for store in stores)
        ran: list[str] = []
        jobs = [
            s.only_leader(lambda name=name: ran.append(name))
            for s, name in ((one, "one"), (two, "two"))
        ]
        for job in jobs * 3:
            job()
        assert ran == ["one"] * 3
        clock.advance(timedelta(seconds=LEADER_SECONDS - 1))
        jobs[1]()
        assert ran == ["one"] * 3  # still one's
        clock.advance(timedelta(seconds=2))
        jobs[1]()
        jobs[0]()
        assert ran == ["one"] * 3 + ["two"]
    finally:
        for store in stores:
            store.close()


class _Paced:
    """A ``PgStore`` whose join steps wait for the other collector's (see the test)."""

    def __init__(self, store: PgStore, read: threading.Barrier, checked: threading.Event,
                 *, checks: bool) -> None:  # fmt: skip
        self._store, self._read, self._checked, self._checks = store, read, checked, checks

    def __getattr__(self, name: str) -> object:
        return getattr(self._store, name)

    @property
    def lease_seconds(self) -> int:
        return self._store.lease_seconds

    @lease_seconds.setter
    def lease_seconds(self, value: int) -> None:
        self._store.lease_seconds = value

    def first_meta(self, name: str, value: object) -> object:
        stored = self._store.first_meta(name, value)
        with suppress(threading.BrokenBarrierError):
            self._read.wait(timeout=1.5)  # both have read the fingerprint
        return stored

    def holders(self, prefix: str, now: datetime) -> int:
        found = self._store.holders(prefix, now)
        if self._checks:
            self._checked.set()
        return found

    def claim(self, name: str, holder: str, seconds: float, now: datetime) -> bool:
        if not self._checks:
            self._checked.wait(timeout=1.5)  # the other looked for live collectors first
        return self._store.claim(name, holder, seconds, now)


def test_two_collectors_starting_at_once_with_different_configs_are_not_both_let_in(
    tmp_path: Path, url: str
) -> None:
    """A and B (another config) start together: both read the stored fingerprint before
    either says it is alive, and B looks for live collectors before A's heartbeat. Joining
    under the cycle lock, B waits for A's whole join and is refused; without it, B found
    none alive, adopted its config, and both collected by different configs."""
    clock = SimulatedClock(BEGIN)
    config = write_config(tmp_path, "http://127.0.0.1:9")
    other = tmp_path / "other"
    other.mkdir()
    write_config(other, "http://127.0.0.1:9")
    changed = other / "streamer.toml"
    text = changed.read_text(encoding="utf-8")
    changed.write_text(text.replace("request_timeout = 0.2", "request_timeout = 0.2\n"
                                    "live_interval = 30"), encoding="utf-8")  # fmt: skip
    read, checked = threading.Barrier(2), threading.Event()
    stores = [PgStore(url), PgStore(url)]
    a = _Paced(stores[0], read, checked, checks=False)
    b = _Paced(stores[1], read, checked, checks=True)
    outcome: dict[str, object] = {}

    def join(name: str, store: _Paced, settings: Config) -> None:
        try:
            outcome[name] = Sharing(store, settings, clock)  # type: ignore[arg-type]
        except ConfigError as exc:
            outcome[name] = exc

    try:
        first = threading.Thread(target=join, args=("a", a, config))
        first.start()
        while stores[0].get_meta("config_fingerprint") is None and first.is_alive():
            time_module.sleep(0.01)  # until A has stored its fingerprint: B starts then
        second = threading.Thread(target=join, args=("b", b, load_config(changed)))
        second.start()
        first.join()
        second.join()
        assert isinstance(outcome["a"], Sharing)
        assert isinstance(outcome["b"], ConfigError), outcome
    finally:
        for store in stores:
            store.close()
