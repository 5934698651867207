"""``/metrics`` and ``/healthz`` served from a real ``MetricsServer`` on loopback.

Reports are hand-made ``CycleReport``s on a ``SimulatedClock`` (so staleness is a
clock jump, not a wait), plus one real collector cycle against the simulator to show
that what the engine reports reaches the metrics, and that no secret does.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from helpers.configs import KEY_NAMES, simulator_config
from helpers.retries import instant_retries
from prometheus_client.parser import text_string_to_metric_families

from collectors.engine import CycleReport, LiveStream, PlatformReport
from collectors.simulator import Scenario, SimStream, Simulator
from streamer.app.daemon import Collector
from streamer.app.prometheus import Metrics, MetricsServer
from streamer.clock import SimulatedClock
from streamer.config import CollectorSettings, load_config

T0 = datetime(2026, 3, 16, 9, 0, tzinfo=UTC)
PLATFORMS = ("youtube", "facebook", "instagram", "twitch")
SETTINGS = CollectorSettings(live_interval=60, discovery_interval=300)
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


@pytest.fixture
def clock() -> SimulatedClock:
    return SimulatedClock(T0)


@pytest.fixture
def metrics(clock: SimulatedClock) -> Metrics:
    return Metrics(PLATFORMS, SETTINGS, clock)


@pytest.fixture
def server(metrics: Metrics) -> Iterator[MetricsServer]:
    with MetricsServer(metrics) as served:
        yield served


def get(server: MetricsServer, path: str) -> httpx.Response:
    """One GET on the server, ignoring any proxy the environment names."""
    with httpx.Client(trust_env=False, timeout=5) as client:
        return client.get(server.url + path)


def scrape(server: MetricsServer) -> Samples:
    """Every sample of ``/metrics`` by (name, sorted labels), parsed by prometheus_client."""
    response = get(server, "/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def viewers(samples: Samples) -> dict[tuple[str, str, str], float]:
    """The viewers gauge as {(programme, platform, broadcast): value}."""
    return {
        (dict(labels)["programme"], dict(labels)["platform"], dict(labels)["broadcast"]): value
        for (name, labels), value in samples.items()
        if name == "streamer_concurrent_viewers"
    }


def evening(at: datetime = T0) -> CycleReport:
    """A cycle with a simulcast live on three platforms and an unplanned pair on YouTube."""
    live = {
        "youtube:a": LiveStream("antikor-live", "youtube", "b-1"),
        "facebook:b": LiveStream("antikor-live", "facebook", "b-1"),
        "instagram:c": LiveStream("antikor-live", "instagram", "b-1"),
        "youtube:u1": LiveStream("adal-komek", "youtube", None),
        "youtube:u2": LiveStream("adal-komek", "youtube", None),
    }
    shown: dict[str, int | None] = {"youtube:a": 400, "facebook:b": 160, "instagram:c": None}
    shown |= {"youtube:u1": 30, "youtube:u2": 12}
    return CycleReport(
        at=at,
        snapshots=5,
        seconds=0.42,
        errors=Counter({"twitch:timeout": 2}),
        live_viewers=shown,
        ok_platforms={"youtube", "facebook", "instagram"},
        platforms={"youtube": PlatformReport(0.3, 2, 3), "facebook": PlatformReport(0.1, 1, 1)},
        units_by_key=Counter({"YOUTUBE_API_KEY": 3}),
        live=live,
    )


def test_metrics_parse_and_carry_the_report(metrics: Metrics, server: MetricsServer) -> None:
    """One cycle observed: each metric family reads back with the report's figures."""
    metrics.observe(evening())
    samples = scrape(server)
    assert samples[("streamer_cycles_total", ())] == 1
    assert samples[("streamer_cycle_duration_seconds_count", ())] == 1
    assert samples[("streamer_cycle_duration_seconds_bucket", (("le", "0.5"),))] == 1
    assert samples[("streamer_snapshots_written_total", (("platform", "youtube"),))] == 3
    errors = ("streamer_poll_errors_total", (("platform", "twitch"), ("reason", "timeout")))
    assert samples[errors] == 2
    assert samples[("streamer_quota_units_total", (("key", "YOUTUBE_API_KEY"),))] == 3
    assert viewers(samples) == {
        ("antikor-live", "youtube", "b-1"): 400,
        ("antikor-live", "facebook", "b-1"): 160,
        ("adal-komek", "youtube", "unplanned"): 42,  # two unplanned streams, summed
    }  # Instagram shows no viewers: no series at all, rather than a 0


def test_seconds_since_last_success_follow_the_clock(
    metrics: Metrics, server: MetricsServer, clock: SimulatedClock
) -> None:
    """Ages count from each platform's last success, or from the start for one never ok."""
    clock.advance(timedelta(seconds=30))
    metrics.observe(evening(at=clock.now()))
    clock.advance(timedelta(seconds=45))
    ages = {
        dict(labels)["platform"]: value
        for (name, labels), value in scrape(server).items()
        if name == "streamer_seconds_since_last_success"
    }
    assert ages == {"youtube": 45, "facebook": 45, "instagram": 45, "twitch": 75}


def test_streams_no_longer_live_lose_their_series(metrics: Metrics, server: MetricsServer) -> None:
    """A stream gone from ``live`` loses its label set; one live but not polled keeps its value."""
    metrics.observe(evening())
    later = evening(T0 + timedelta(minutes=1))
    del later.live["facebook:b"], later.live["youtube:u2"]
    later.live_viewers = {"youtube:u1": 35}  # youtube:a is live but was not polled this cycle
    metrics.observe(later)
    assert viewers(scrape(server)) == {
        ("antikor-live", "youtube", "b-1"): 400,
        ("adal-komek", "youtube", "unplanned"): 35,
    }
    metrics.observe(CycleReport(at=T0 + timedelta(minutes=2)))
    assert viewers(scrape(server)) == {}


def test_healthz_is_200_then_503_naming_the_stale_platforms(
    metrics: Metrics, server: MetricsServer, clock: SimulatedClock
) -> None:
    """Stale after 3 live intervals with a stream live, after 3 discovery intervals without."""
    metrics.observe(evening())  # live on three platforms; twitch failed, the service just began
    healthy = get(server, "/healthz")
    assert (healthy.status_code, healthy.text) == (200, "ok\n")
    clock.advance(timedelta(seconds=3 * 60 + 1))
    stale = get(server, "/healthz")
    assert (stale.status_code, stale.text) == (503, "stale: facebook, instagram, youtube\n")
    only_youtube = {"youtube:a": LiveStream("antikor-live", "youtube", "b-1")}
    metrics.observe(CycleReport(at=clock.now(), ok_platforms=set(PLATFORMS), live=only_youtube))
    assert get(server, "/healthz").status_code == 200
    clock.advance(timedelta(seconds=3 * 60 + 1))
    assert get(server, "/healthz").text == "stale: youtube\n"  # the idle ones may wait longer
    clock.advance(timedelta(seconds=3 * 300 - 3 * 60))
    assert get(server, "/healthz").text == "stale: facebook, instagram, twitch, youtube\n"


def test_a_platform_never_answering_is_stale_after_three_intervals(
    metrics: Metrics, server: MetricsServer, clock: SimulatedClock
) -> None:
    """No success at all since the start: healthy for three discovery intervals, then 503."""
    clock.advance(timedelta(seconds=3 * 300))
    assert get(server, "/healthz").status_code == 200
    clock.advance(timedelta(seconds=1))
    response = get(server, "/healthz")
    assert response.status_code == 503
    assert response.text == "stale: facebook, instagram, twitch, youtube\n"


def test_the_server_binds_loopback_and_stops_cleanly(metrics: Metrics) -> None:
    """Default host 127.0.0.1; closing it ends its thread and frees the port."""
    server = MetricsServer(metrics)
    try:
        assert server.url.startswith("http://127.0.0.1:")
        assert get(server, "/nowhere").status_code == 404
    finally:
        server.close()
    assert not [t for t in threading.enumerate() if t.name == "streamer-metrics"]
    with pytest.raises(httpx.ConnectError):
        get(server, "/metrics")


# -- a real cycle ----------------------------------------------------------------------

CHANNEL = "UCmetricsTestChannel0001"
KEY_ENV, KEY = KEY_NAMES["youtube"]["api_key_env"], "AIzaFAKE-metrics-secret-77e1"
PROGRAMME = ("adal-komek", "Adal Komek", (("youtube", CHANNEL),))


@contextmanager
def live_collector(tmp_path: Path, clock: SimulatedClock) -> Iterator[Collector]:
    """A collector on the simulator (on ``clock``) with one stream live on its channel."""
    stream = SimStream(
        channel=CHANNEL, video_id="metricsVid1", title="Adal Komek", peak_viewers=300,
        actual_start=T0 - timedelta(minutes=5), actual_end=T0 + timedelta(hours=1),
    )  # fmt: skip
    sim = Simulator(Scenario(streams=[stream], seed=2), clock)
    with instant_retries(), sim.serve() as url:
        path = tmp_path / "streamer.toml"
        path.write_text(simulator_config(url, programmes=[PROGRAMME]), encoding="utf-8")
        with Collector(load_config(path), clock, {KEY_ENV: KEY}) as collector:
            yield collector


def test_a_real_cycle_reaches_the_metrics_and_no_secret_does(
    tmp_path: Path, clock: SimulatedClock
) -> None:
    """A collector cycle on the simulator, observed: the stream's viewers, the key's name only."""
    with live_collector(tmp_path, clock) as collector:
        metrics = collector.metrics()
        metrics.observe(collector.collect_once())
        with MetricsServer(metrics) as server:
            body = get(server, "/metrics").text
            samples = scrape(server)
    [(labels, value)] = viewers(samples).items()
    assert labels == ("adal-komek", "youtube", "unplanned") and value > 0
    assert samples[("streamer_quota_units_total", (("key", KEY_ENV),))] > 0
    assert KEY not in body


def test_unsaved_gaps_show_while_the_store_refuses_cycles(
    tmp_path: Path, clock: SimulatedClock
) -> None:
    """The daemon's cycle job with main's lock held by another process: the cycle is not
    saved, and ``streamer_unsaved_gaps`` counts its lost poll; once a cycle is saved
    (the gap with it), the gauge is back to 0."""
    from filelock import FileLock

    from streamer.app.daemon import _safe_cycle

    with live_collector(tmp_path, clock) as collector:
        metrics = collector.metrics()
        _safe_cycle(collector, metrics)  # discovers and polls the live stream
        with MetricsServer(metrics) as server:
            assert scrape(server)[("streamer_unsaved_gaps", ())] == 0
            store = collector.store
            store.lock_timeout = 0.05  # type: ignore[attr-defined]
            clock.advance(timedelta(minutes=1))
            with FileLock(store._lock_path("streamer.json")):  # type: ignore[attr-defined]
                _safe_cycle(collector, metrics)
            assert scrape(server)[("streamer_unsaved_gaps", ())] == 1
            assert scrape(server)[("streamer_cycles_total", ())] == 1  # not saved
            clock.advance(timedelta(minutes=1))
            _safe_cycle(collector, metrics)
            assert scrape(server)[("streamer_unsaved_gaps", ())] == 0
        [gap] = collector.store.gaps(T0, T0 + timedelta(hours=1))
    assert gap.reason == "store"
