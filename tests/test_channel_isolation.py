"""One dead channel costs a gap for that channel only, on every platform.

The real adapters against the simulator: a channel the simulated world does not have
answers as a terminated one does (YouTube: the feed 404 with an HTML page,
``channels.list`` 200 without ``items``; Graph: HTTP 400, code 100/33, recorded as
``permission``; Helix: the login simply absent). A live stream on a healthy channel
beside it is found in the same cycle; the dead channel is logged once, counted, shown
in ``/healthz`` and retried with a doubling backoff that survives a restart.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from helpers.configs import ENVIRON, KEY_NAMES, simulator_config
from helpers.simulated import Simulated, simulated_collector

from collectors.facebook import FacebookAdapter
from collectors.health import MAX_BACKOFF, ChannelHealth, backoff, meta_name
from collectors.instagram import InstagramAdapter
from collectors.simulator import SimStream
from streamer.app.cli import run
from streamer.app.cli_status import gather
from streamer.app.daemon import Collector
from streamer.app.prometheus import MetricsServer
from streamer.models import Channel, to_iso
from streamer.timezones import tzdata_version

T0 = datetime(2026, 3, 16, 9, 0, tzinfo=UTC)
YT, YT_DEAD = "UCisolationHealthy000001", "UCisolationTerminated001"
FB, FB_DEAD = "100000000000021", "100000000000029"
IG, IG_DEAD = "17841400000000021", "17841400000000029"
TW, TW_GONE = "healthylogin", "nosuchlogin"
INTERVAL = 300  # [collector] discovery_interval
CHANNELS = (
    ("youtube", YT_DEAD), ("youtube", YT), ("facebook", FB_DEAD), ("facebook", FB),
    ("instagram", IG_DEAD), ("instagram", IG), ("twitch", TW_GONE), ("twitch", TW),
)  # fmt: skip
IDS = {"yt": YT, "yt_dead": YT_DEAD, "fb": FB, "fb_dead": FB_DEAD}
IDS |= {"ig": IG, "ig_dead": IG_DEAD, "tw": TW, "tw_gone": TW_GONE}


def live(platform: str, channel: str, video_id: str) -> SimStream:
    """A stream live from 10 minutes before T0 for two hours."""
    return SimStream(
        platform=platform, channel=channel, video_id=video_id, title=f"Live on {platform}",
        scheduled_start=T0 - timedelta(minutes=10), actual_start=T0 - timedelta(minutes=10),
        actual_end=T0 + timedelta(hours=2), peak_viewers=100, final_views=300,
    )  # fmt: skip


STREAMS = [
    live("youtube", YT, "isoVideo001"),
    live("facebook", FB, "1000000000000021"),
    live("instagram", IG, "17900000000000021"),
    live("twitch", TW, "40000000021"),
]


@contextmanager
def world(tmp_path: Path, start: datetime = T0) -> Iterator[Simulated]:
    """Four platforms, each with a healthy channel and a dead (or unknown) one."""

    def config(url: str) -> str:
        return simulator_config(
            url,
            programmes=[("antikor-live", "Antikor.Live", CHANNELS)],
            timezone=None,
            extra=f"[collector]\ndiscovery_interval = {INTERVAL}\n",
        )

    with simulated_collector(
        tmp_path, start=start, streams=STREAMS, seed=3, config=config, environ=ENVIRON
    ) as built:
        yield built


def test_a_dead_channel_leaves_the_live_stream_beside_it_found_on_every_platform(
    tmp_path: Path,
) -> None:
    """Each platform's live stream is found and polled in the first cycle; the dead
    channels are failures of their own (Twitch: an unknown login is simply absent)."""
    with world(tmp_path) as built:
        report = built.collector.collect_once()
        stored = built.store.snapshots(T0, T0 + timedelta(minutes=1))
        failing = {f.key: f.reason for f in report.failing}
    assert report.discovered == 4
    assert {s.stream.split(":")[0] for s in stored} == {
        "youtube",
        "facebook",
        "instagram",
        "twitch",
    }
    assert failing == {
        f"youtube:{YT_DEAD}": "not_found",
        f"facebook:{FB_DEAD}": "permission",
        f"instagram:{IG_DEAD}": "permission",
    }
    assert set(report.channel_errors) == {
        ("youtube", YT_DEAD, "not_found"),
        ("facebook", FB_DEAD, "permission"),
        ("instagram", IG_DEAD, "permission"),
    }


def youtube_failure(built: Simulated) -> tuple[int, datetime]:
    """The terminated YouTube channel's tries so far and its next try, as stored."""
    health = ChannelHealth.load("youtube", built.store.get_meta(meta_name("youtube")))
    failure = health.failing[YT_DEAD]
    return failure.attempts, failure.retry_at


def test_a_dead_channel_is_retried_with_a_doubling_backoff_not_every_cycle(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Tries at T0, +5 min, +15 min, +35 min (the interval doubled each time), while the
    platform's other channel is discovered every 5 minutes; one warning in all."""
    caplog.set_level(logging.DEBUG, logger="streamer.engine")
    tries = []
    with world(tmp_path) as built:
        while built.clock.now() < T0 + timedelta(minutes=40):
            built.collector.collect_once()
            attempts, retry_at = youtube_failure(built)
            if not tries or tries[-1][0] != attempts:
                tries.append((attempts, built.clock.now(), retry_at))
            built.clock.advance(timedelta(minutes=1))
        ok = ChannelHealth.load("youtube", built.store.get_meta(meta_name("youtube"))).last_ok
    minutes = [(a, (at - T0) // timedelta(minutes=1), (nxt - at) // timedelta(minutes=1))
               for a, at, nxt in tries]  # fmt: skip
    assert minutes == [(1, 0, 5), (2, 5, 10), (3, 15, 20), (4, 35, 40)]
    assert ok[YT] >= T0 + timedelta(minutes=30)  # the healthy one, on its routine
    warnings = [r for r in caplog.records if YT_DEAD in r.getMessage()]
    assert [r.levelno for r in warnings].count(logging.WARNING) == 1


def test_a_restarted_collector_honours_the_backoff_and_recovery_clears_it(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A new Collector on the same store does not ask the dead channel before its next
    try; once the channel reads again, its failure is cleared and logged once."""
    with world(tmp_path) as built:
        built.collector.collect_once()
        _, retry_at = youtube_failure(built)
        built.clock.advance(timedelta(minutes=2))
        with Collector(built.collector.config, built.clock, ENVIRON, built.store) as again:
            assert YT_DEAD in again.engine.health["youtube"].waiting(built.clock.now())
            again.collect_once()
            assert youtube_failure(built) == (1, retry_at)  # not tried again
            built.sim.world.put(live("youtube", YT_DEAD, "isoVideo009"))  # it comes back
            built.clock.set(retry_at)
            caplog.set_level(logging.INFO, logger="streamer.engine")
            report = again.collect_once()
    assert [f for f in report.failing if f.platform == "youtube"] == []
    assert report.discovered == 1
    stored = built.store.get_meta(meta_name("youtube"))
    assert stored["failing"] == {} and YT_DEAD in stored["ok"]
    assert sum("readable again" in r.getMessage() for r in caplog.records) == 1


def test_the_counter_and_healthz_show_the_failing_channel(tmp_path: Path) -> None:
    """``streamer_channel_errors_total`` counts each failed try; /healthz stays 200 and
    names the failing channel, its reason and next try."""
    with world(tmp_path) as built:
        metrics = built.collector.metrics()
        metrics.observe(built.collector.collect_once())
        built.clock.advance(timedelta(minutes=5))
        metrics.observe(built.collector.collect_once())
        with MetricsServer(metrics) as server:
            health = httpx.get(f"{server.url}/healthz")
            text = httpx.get(f"{server.url}/metrics").text
    series = (
        f'streamer_channel_errors_total{{channel="{YT_DEAD}",platform="youtube",'
        f'reason="not_found"}} 2.0'
    )
    assert series in text.splitlines()
    assert health.status_code == 200 and health.text.startswith("ok\n")
    line = next(x for x in health.text.splitlines() if YT_DEAD in x)
    assert "(not_found)" in line and "2 tries, next 2026-03-16T09:15:00Z" in line


def test_backoff_doubles_from_the_interval_up_to_a_day() -> None:
    """1, 2, 4... intervals; never more than a day."""
    assert [backoff(300, n) // timedelta(minutes=1) for n in (1, 2, 3)] == [5, 10, 20]
    assert backoff(300, 12) == MAX_BACKOFF == backoff(300, 400)


def graph_wire(*answers: tuple[int, str]) -> httpx.Client:
    """A Graph stand-in answering the Pages' listings in order."""
    queue = list(answers)

    def handle(request: httpx.Request) -> httpx.Response:
        status, body = queue.pop(0)
        return httpx.Response(status, content=body.encode())

    return httpx.Client(transport=httpx.MockTransport(handle))


NO_OBJECT = json.dumps(
    {"error": {"message": "Unsupported get request.", "type": "GraphMethodException",
               "code": 100, "error_subcode": 33, "fbtrace_id": "AbC-12_x"}}
)  # fmt: skip


def test_a_facebook_page_graph_refuses_is_a_failure_of_that_page_only() -> None:
    """Code 100/33 (no such object) for one Page: the other Page's broadcast is found."""
    page = {"data": [{"id": "10160700000000001", "status": "LIVE", "title": "On air",
                      "creation_time": "2026-03-16T08:50:00+0000", "live_views": 7}]}  # fmt: skip
    client = graph_wire((400, NO_OBJECT), (200, json.dumps(page)))
    fb = FacebookAdapter(client, ("FB_TOKEN", "fb-token"))
    found = fb.discover([Channel("facebook", FB_DEAD), Channel("facebook", FB)], T0)
    assert [(s.channel, s.external_id) for s in found.streams] == [(FB, "10160700000000001")]
    assert {c: e.reason for c, e in found.failures.items()} == {FB_DEAD: "permission"}


def test_an_instagram_account_graph_refuses_is_a_failure_of_that_account_only() -> None:
    """Code 100/33 for one account: the other account's live is found."""
    media = {"data": [{"id": "17900000000000021", "timestamp": "2026-03-16T08:50:00+0000"}]}
    client = graph_wire((400, NO_OBJECT), (200, json.dumps(media)))
    ig = InstagramAdapter(client, ("IG_TOKEN", "ig-token"))
    found = ig.discover([Channel("instagram", IG_DEAD), Channel("instagram", IG)], T0)
    assert [s.external_id for s in found.streams] == ["17900000000000021"]
    assert {c: e.reason for c, e in found.failures.items()} == {IG_DEAD: "permission"}


def test_a_platform_wide_failure_still_stops_the_platform(tmp_path: Path) -> None:
    """An invalid YouTube key is not a channel's failure: no channel is marked failing."""
    with world(tmp_path) as built:
        built.sim.world.invalid_keys = frozenset({ENVIRON[KEY_NAMES["youtube"]["api_key_env"]]})
        report = built.collector.collect_once()
        assert "youtube" in built.collector.engine.stopped
    assert not any(f.platform == "youtube" for f in report.failing)
    assert built.store.get_meta("stopped:youtube")["message"].startswith("youtube:")


def test_status_shows_failing_channels_final_polls_and_quota(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``streamer status`` (read-only) names the failing channel with its reason and next
    try, fits 80 columns; ``--format json`` carries the same, quota by key variable, and
    both name the tzdata release the local times follow."""
    with world(tmp_path) as built:
        built.collector.collect_once()
        built.clock.set(T0 + timedelta(hours=2, minutes=5))  # the streams have ended
        built.collector.collect_once()
        found = gather(built.collector.config, built.store, built.clock.now())
        config_path, tz = built.collector.config.path, built.collector.config.tz
    before = sorted(p.stat().st_mtime_ns for p in (tmp_path / "data").rglob("*.json"))
    assert run(["--config", str(config_path), "status"]) == 0
    text = capsys.readouterr().out
    assert run(["--config", str(config_path), "status", "--format", "json"]) == 0
    parsed = json.loads(capsys.readouterr().out)
    after = sorted(p.stat().st_mtime_ns for p in (tmp_path / "data").rglob("*.json"))
    assert before == after  # nothing written
    assert all(len(line) <= 80 for line in text.splitlines())
    assert f"youtube:{YT_DEAD}" in text and "failing (not_found)" in text
    failing = {r["channel"]: r["failing"]["reason"] for r in parsed["channels"] if "failing" in r}
    assert failing == {YT_DEAD: "not_found", FB_DEAD: "permission", IG_DEAD: "permission"}
    assert {p["platform"]: p["state"] for p in parsed["platforms"]} == dict.fromkeys(
        ("youtube", "facebook", "instagram", "twitch"), "collecting"
    )
    pending = {p["platform"]: p["pending"] for p in found["final_polls"]}
    assert pending == dict.fromkeys(("youtube", "facebook", "instagram", "twitch"), 1)
    assert found["quota"]["used"][KEY_NAMES["youtube"]["api_key_env"]] > 0
    assert parsed["tzdata"] == tzdata_version() and f"tzdata {tzdata_version()}" in text
    # When the first cycle wrote: what summaries compare from.
    assert parsed["recorded_since"] == to_iso(T0)
    assert f"collecting since {T0.astimezone(tz):%Y-%m-%d %H:%M}" in text
