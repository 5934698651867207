"""A YouTube key found spent (``quotaExceeded``) is spent for every collector: stored
by digest in the store's meta, taken back by a new collector on the same data and, on
a shared PostgreSQL store, by the others every round. The real google client against
the simulator on loopback; the simulator counts requests per key."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import psycopg
import pytest
from helpers.pg import pg_schema
from helpers.retries import instant_retries

from collectors.base import spent_keys_meta
from collectors.simulator import Scenario, SimStream, Simulator
from collectors.youtube import YouTubeAdapter, key_digest
from streamer.app.daemon import Collector
from streamer.clock import SimulatedClock
from streamer.config import Config, load_config
from streamer.models import to_iso
from streamer.pgstore import PgStore
from streamer.tinystore import TinyStore

# 22:00 in Los Angeles (PDT): the YouTube quota day turns at 07:00 UTC, two hours in.
T0 = datetime(2026, 3, 14, 5, 0, tzinfo=UTC)
RESET = datetime(2026, 3, 14, 7, 0, tzinfo=UTC)
CHANNEL = "UCspentKeysTestChannel01"
LIMIT = 1000  # units a day per key, at the simulator
ENVIRON = {"YT_KEY_ONE": "AIzaFAKE-spent-key-one-5c1e", "YT_KEY_TWO": "AIzaFAKE-spent-key-two-8d2f"}
ONE, TWO = ENVIRON.values()
SPENT_ONE = {key_digest(ONE): {"env": "YT_KEY_ONE", "until": to_iso(RESET)}}
CONFIG = """\
data_dir = "data"
timezone = "Asia/Almaty"

[[programmes]]
slug = "adal-komek"
name = "Adal Komek"
channels = [{{ platform = "youtube", id = "{channel}" }}]

[platforms.youtube]
api_key_envs = ["YT_KEY_ONE", "YT_KEY_TWO"]
api_endpoint = "{endpoint}"
rss_endpoint = "{endpoint}"

[collector]
request_timeout = 0.25
"""


def live(video_id: str) -> SimStream:
    """A stream live from before T0 until long after the quota reset."""
    return SimStream(
        channel=CHANNEL,
        video_id=video_id,
        title=f"Эфир {video_id}",
        scheduled_start=T0 - timedelta(minutes=5),
        actual_start=T0 - timedelta(minutes=5),
        actual_end=T0 + timedelta(hours=4),
        peak_viewers=300,
        final_views=900,
    )


def served(stack: ExitStack, folder: Path, clock: SimulatedClock) -> tuple[Simulator, Config]:
    """A simulator with two live streams whose key one is spent for today, and the
    config pointing at it."""
    sim = Simulator(Scenario(streams=[live("spentVid001"), live("spentVid002")], seed=5), clock,
                    quota_limit=LIMIT)  # fmt: skip
    assert sim.quota.try_charge(ONE, LIMIT, clock.now())  # key one: nothing left today
    stack.enter_context(instant_retries())
    endpoint = stack.enter_context(sim.serve())
    path = folder / "streamer.toml"
    path.write_text(CONFIG.format(channel=CHANNEL, endpoint=endpoint), encoding="utf-8")
    return sim, load_config(path)


def stored_text(folder: Path) -> str:
    """Every file of a TinyDB data folder, as text."""
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    return "".join(p.read_text(encoding="utf-8", errors="replace") for p in files)


def test_a_new_collector_skips_the_key_an_earlier_one_found_spent(tmp_path: Path) -> None:
    """Key one refused once in a first collector's run: a new collector on the same data
    starts on key two and sends key one nothing until the reset, then uses it again;
    the store names the key by digest and variable, never by its value."""
    clock = SimulatedClock(T0)
    with ExitStack() as stack:
        sim, config = served(stack, tmp_path, clock)
        with Collector(config, clock, ENVIRON, TinyStore(config.data_dir)) as first:
            assert first.collect_once().snapshots == 2
        assert sim.stats.key_requests[ONE] == 1  # refused once, then key two
        store = TinyStore(config.data_dir)
        assert store.get_meta(spent_keys_meta("youtube")) == SPENT_ONE
        text = stored_text(config.data_dir)
        assert key_digest(ONE) in text and ONE not in text and TWO not in text
        with Collector(config, clock, ENVIRON, store) as second:
            sent = sim.stats.key_requests[TWO]
            for _ in range(5):
                clock.advance(timedelta(minutes=1))
                assert second.collect_once().snapshots == 2
            assert sim.stats.key_requests[ONE] == 1  # not asked again before the reset
            assert sim.stats.key_requests[TWO] >= sent + 5
            clock.set(RESET + timedelta(minutes=1))
            assert second.collect_once().snapshots == 2
        assert sim.stats.key_requests[ONE] == 2  # the reset passed: key one first again


@pytest.mark.parametrize("stored", [None, "garbage", {key_digest(ONE): "soon"},
                                    {key_digest(ONE): {"until": "2026-03-14T07:00:00"}},
                                    {key_digest("another key"): {"until": to_iso(RESET)}},
                                    {key_digest(ONE): {"until": to_iso(T0)}}])  # fmt: skip
def test_a_stored_spent_key_that_does_not_hold_is_ignored(tmp_path: Path, stored: object) -> None:
    """Nothing stored, unreadable, a time without a zone, a key no longer configured or
    a reset already passed: the collector starts on key one, as if nothing were stored."""
    clock = SimulatedClock(T0)
    with ExitStack() as stack:
        sim, config = served(stack, tmp_path, clock)
        sim.quota.limit = None  # key one answers, so the first request shows the key used
        store = TinyStore(config.data_dir)
        store.set_meta({spent_keys_meta("youtube"): stored})
        with Collector(config, clock, ENVIRON, store) as collector:
            assert collector.collect_once().snapshots == 2
    assert sim.stats.key_requests[ONE] >= 1 and sim.stats.key_requests[TWO] == 0


def test_restoring_keeps_the_later_reset_of_each_key() -> None:
    """Stored and known spent keys merge key by key, the later reset winning, so a
    collector writing its own finding keeps another's (no request is sent)."""
    with httpx.Client() as rss:
        adapter = YouTubeAdapter(list(ENVIRON.items()), rss_client=rss)
        later = {"until": to_iso(RESET + timedelta(days=1))}
        adapter.restore_spent_keys({key_digest(ONE): later})
        adapter.restore_spent_keys({**SPENT_ONE, key_digest(TWO): {"until": to_iso(RESET)}})
        assert adapter.spent_keys() == {
            key_digest(ONE): {"env": "YT_KEY_ONE", **later},
            key_digest(TWO): {"env": "YT_KEY_TWO", "until": to_iso(RESET)},
        }


@pytest.fixture
def url(pg_url: str) -> Iterator[str]:
    """A fresh migrated schema on the test server."""
    with pg_schema(pg_url) as scoped:
        yield scoped


def test_a_collector_sharing_the_database_skips_a_key_another_found_spent(
    tmp_path: Path, url: str
) -> None:
    """Two collectors on one PostgreSQL database, both started before either ran: after
    A's cycle found key one spent, B's next cycle polls on key two and sends key one
    nothing; the meta table holds the digest, never a key's value."""
    clock = SimulatedClock(T0)
    with ExitStack() as stack:
        sim, config = served(stack, tmp_path, clock)
        a, b = PgStore(url), PgStore(url)
        stack.callback(a.close)
        stack.callback(b.close)
        first = stack.enter_context(Collector(config, clock, ENVIRON, a))
        second = stack.enter_context(Collector(config, clock, ENVIRON, b))
        assert first.collect_once().snapshots == 2  # A discovers: key one refused once
        assert sim.stats.key_requests[ONE] == 1
        clock.advance(timedelta(minutes=1))
        sent = sim.stats.key_requests[TWO]
        report = second.collect_once()  # alone at this tick: B polls both streams
        assert report.snapshots == 2 and sim.stats.key_requests[TWO] > sent
        assert sim.stats.key_requests[ONE] == 1
        assert b.get_meta(spent_keys_meta("youtube")) == SPENT_ONE
    with psycopg.connect(url) as conn:
        dumped = repr(conn.execute("SELECT name, value::text FROM meta").fetchall())
    assert key_digest(ONE) in dumped and ONE not in dumped and TWO not in dumped
