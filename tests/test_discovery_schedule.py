"""When channels are discovered: a routine interval per platform, and every
``near_interval`` around a planned start until the planned stream is found.

The real adapters against the simulator: YouTube lists an upcoming stream early;
Instagram lists a live only while it is live, so a long routine interval would find it
late (or never, for a short one) without the plan-aware discoveries.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from helpers.counting import CountingStore
from helpers.simulated import simulated_collector

from collectors.simulator import SimStream
from collectors.youtube_quota import quota_day
from streamer.app.cli import run
from streamer.app.daemon import Collector
from streamer.clock import SimulatedClock
from streamer.config import load_config
from streamer.models import Broadcast, Target, to_iso

T0 = datetime(2026, 4, 6, 0, 0, tzinfo=UTC)
START = T0 + timedelta(hours=3)  # the planned start
YT, IG = "UCdiscoverySchedule00001", "17841400000000077"
ENVIRON = {"DS_YT_KEY": "AIzaFAKE-discovery-key", "DS_IG_TOKEN": "ig-discovery-token"}
CONFIG = """\
data_dir = "data"

[[programmes]]
slug = "adal-komek"
name = "Adal Komek"
channels = [{{ platform = "youtube", id = "{yt}" }}, {{ platform = "instagram", id = "{ig}" }}]

[platforms.youtube]
api_key_env = "DS_YT_KEY"
api_endpoint = "{url}"
rss_endpoint = "{url}"
discovery_interval = 21600

[platforms.instagram]
access_token_env = "DS_IG_TOKEN"
api_endpoint = "{url}"
discovery_interval = 21600

[collector]
discovery_interval = 300
"""
ONLY_INSTAGRAM = """\
data_dir = "data"

[[programmes]]
slug = "adal-komek"
name = "Adal Komek"
channels = [{{ platform = "instagram", id = "{ig}" }}]

[platforms.instagram]
access_token_env = "DS_IG_TOKEN"
api_endpoint = "{url}"
discovery_interval = 600
"""
STREAMS = [
    SimStream(
        platform="youtube", channel=YT, video_id="dsYoutube01", title="Adal Komek",
        scheduled_start=START, actual_start=START + timedelta(minutes=5),
        actual_end=START + timedelta(minutes=65), peak_viewers=300, final_views=900,
    ),
    SimStream(
        platform="instagram", channel=IG, video_id="17900000000000077", title="Adal Komek",
        scheduled_start=None, actual_start=START + timedelta(minutes=5),
        actual_end=START + timedelta(minutes=65), peak_viewers=90, final_views=0,
    ),
]  # fmt: skip
PLAN = Broadcast(
    "b-ds", "adal-komek", "Adal Komek", START, 60, (Target("youtube", YT), Target("instagram", IG))
)


@dataclass
class Run:
    """Every cycle's time, and each platform's discovery times."""

    cycles: list[datetime] = field(default_factory=list)
    discoveries: dict[str, list[datetime]] = field(default_factory=dict)


@contextmanager
def collecting(tmp: Path) -> Iterator[tuple[Collector, SimulatedClock, Run]]:
    """The plan above collected from T0, every discovery's time recorded."""

    def config(url: str) -> str:
        return CONFIG.format(yt=YT, ig=IG, url=url)

    with simulated_collector(
        tmp, start=T0, streams=STREAMS, seed=5, config=config, environ=ENVIRON, plan=[PLAN]
    ) as built:
        collector, clock, record = built.collector, built.clock, Run()
        for name, adapter in collector.engine.platforms.items():
            record.discoveries[name] = []
            discover = adapter.discover

            def recorded(*args: Any, _d: Any = discover, _n: str = name, **kw: Any) -> Any:
                record.discoveries[_n].append(clock.now())
                return _d(*args, **kw)

            adapter.discover = recorded  # type: ignore[method-assign]
        yield collector, clock, record


def play(collector: Collector, clock: SimulatedClock, until: datetime, record: Run) -> None:
    """Cycles as the demo runs them: the clock jumps to the engine's next due time."""
    while clock.now() < until:
        record.cycles.append(clock.now())
        collector.collect_once()
        clock.set(max(collector.engine.next_due(clock.now()), clock.now() + timedelta(seconds=1)))


def test_a_planned_instagram_live_is_found_within_a_minute(tmp_path: Path) -> None:
    """Routine discovery every 6 h; from 15 min before the start, every minute until found."""
    with collecting(tmp_path) as (collector, clock, record):
        play(collector, clock, START + timedelta(hours=2), record)
        store = collector.store
        instagram = record.discoveries["instagram"]
        lead = START - timedelta(minutes=15)
        assert instagram[0] == T0 and instagram[1] == lead  # nothing between: no 5-min routine
        found = START + timedelta(minutes=5)
        assert instagram[1:] == [lead + timedelta(minutes=m) for m in range(21)]
        assert instagram[-1] == found
        ig = next(s for s in store.streams().values() if s.platform == "instagram")
        assert ig.broadcast_id == "b-ds"
        first = store.snapshots(T0, START + timedelta(hours=2), [ig.key])[0]
        assert first.ts == found


def test_a_stream_found_early_needs_no_discovery_near_its_start(tmp_path: Path) -> None:
    """YouTube lists the upcoming stream at the first discovery: none again for 6 hours."""
    with collecting(tmp_path) as (collector, clock, record):
        play(collector, clock, START + timedelta(hours=2), record)
        assert record.discoveries["youtube"] == [T0]
        youtube = next(s for s in collector.store.streams().values() if s.platform == "youtube")
        assert youtube.broadcast_id == "b-ds"


def test_per_platform_discovery_intervals_come_from_config(tmp_path: Path) -> None:
    """A platform's own interval wins; one without falls back to [collector]'s."""
    path = tmp_path / "streamer.toml"
    text = CONFIG.format(yt=YT, ig=IG, url="http://127.0.0.1:9")
    path.write_text(text.replace("discovery_interval = 21600\n\n[platforms.instagram]",
                                 "\n[platforms.instagram]"), encoding="utf-8")  # fmt: skip
    config = load_config(path)
    assert config.discovery_interval("instagram") == 21600
    assert config.discovery_interval("youtube") == 300


@pytest.mark.parametrize("value", ["0", "-60", "1.5", '"hourly"'])
def test_a_bad_platform_discovery_interval_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], value: str
) -> None:
    path = tmp_path / "streamer.toml"
    text = CONFIG.format(yt=YT, ig=IG, url="http://127.0.0.1:9")
    path.write_text(text.replace("discovery_interval = 21600", f"discovery_interval = {value}", 1))
    assert run(["--config", str(path), "plan", "list"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "platforms.youtube.discovery_interval" in err


def test_a_discovery_that_finds_nothing_writes_only_its_time(tmp_path: Path) -> None:
    """Graph calls cost no quota units: a cycle that only looked and found nothing writes
    one small commit, the discovery's time (so a new process keeps the interval), and
    only once an interval: no ledger row of 0 units, no snapshot partition."""

    def config(url: str) -> str:
        return ONLY_INSTAGRAM.format(ig=IG, url=url)

    with simulated_collector(
        tmp_path, start=T0, streams=STREAMS[1:], seed=5, config=config, environ=ENVIRON,
        wrap=CountingStore,
    ) as built:  # fmt: skip
        collector, clock, store = built.collector, built.clock, built.store
        assert isinstance(store, CountingStore)
        quiet = 0
        while clock.now() < START + timedelta(minutes=30):
            report = collector.collect_once()
            if report.discovered or report.polled:
                break
            quiet += 1
            assert report.calls == 1 and store.commits == quiet
            assert store.get_meta("discovered:instagram") == to_iso(clock.now())
            assert store.get_meta("channels:instagram")["ok"] == {IG: to_iso(clock.now())}
            clock.set(collector.engine.next_due(clock.now()))
        # Every 10 minutes from T0; the live (from START + 5 min) is listed at START + 10.
        assert quiet == 19 and clock.now() == START + timedelta(minutes=10)
        assert report.discovered == 1 and store.commits == quiet + 1
        assert store.quota_used(quota_day(clock.now())) == {}
        assert len(store.partitions()) == 1  # the found live's first snapshot only


def test_collect_once_every_minute_keeps_the_discovery_interval(tmp_path: Path) -> None:
    """cron mode: a new collector each minute on the same folder discovers at T0, T0+10
    and T0+20 (the 10-minute interval), not at every run."""

    def config(url: str) -> str:
        return ONLY_INSTAGRAM.format(ig=IG, url=url)

    with simulated_collector(
        tmp_path, start=T0, streams=STREAMS[1:], seed=5, config=config, environ=ENVIRON
    ) as built:
        discovered = []
        for minute in range(25):
            built.clock.set(T0 + timedelta(minutes=minute))
            with Collector(built.collector.config, built.clock, ENVIRON, built.store) as fresh:
                if fresh.collect_once().calls:
                    discovered.append(minute)
        assert discovered == [0, 10, 20]


IG_OTHER = "17841400000000078"
TWO_ACCOUNTS = ONLY_INSTAGRAM.replace("discovery_interval = 600", "discovery_interval = 21600") + (
    '\n[[programmes]]\nslug = "antikor-live"\nname = "Antikor.Live"\n'
    'channels = [{{ platform = "instagram", id = "{other}" }}]\n'
)


def test_a_plan_aware_discovery_asks_only_the_awaited_channels(tmp_path: Path) -> None:
    """Two programmes' Instagram accounts; only one has a broadcast planned. The routine
    discovery asks both, the discoveries around the planned start only its account."""
    plan = Broadcast("b-one", "adal-komek", "Adal Komek", START, 60, (Target("instagram", IG),))

    def config(url: str) -> str:
        return TWO_ACCOUNTS.format(ig=IG, other=IG_OTHER, url=url)

    asked: list[tuple[datetime, tuple[str, ...]]] = []
    with simulated_collector(
        tmp_path, start=T0, streams=STREAMS[1:], seed=5, config=config, environ=ENVIRON,
        plan=[plan],
    ) as built:  # fmt: skip
        collector, clock = built.collector, built.clock
        adapter = collector.engine.platforms["instagram"]
        discover = adapter.discover

        def recorded(channels: Any, *args: Any, **kw: Any) -> Any:
            asked.append((clock.now(), tuple(c.id for c in channels)))
            return discover(channels, *args, **kw)

        adapter.discover = recorded  # type: ignore[method-assign]
        play(collector, clock, START + timedelta(hours=1), Run())
    assert asked[0] == (T0, (IG, IG_OTHER))  # routine: every account
    near = [channels for at, channels in asked if at > T0]
    assert near and all(channels == (IG,) for channels in near)
    assert asked[-1][0] == START + timedelta(minutes=5)  # found when it went live
