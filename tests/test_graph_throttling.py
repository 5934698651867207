"""Graph throttling end to end: Business Use Case (BUC) limits through the simulator.

A Page answering 80001 (an Instagram account 80002) is asked once in the cycle, cools
down for the ``estimated_time_to_regain_access`` its ``X-Business-Use-Case-Usage``
header reports, has its due polls recorded as ``throttled`` gaps (never ``rejected``)
meanwhile, and is polled again once the time is up. The collector runs on the real
adapters against the simulator on loopback, on a simulated clock.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from helpers.simulated import simulated_collector

from collectors.simulator import FaultRule, Scenario, SimStream, Simulator
from collectors.simulator.routing import Request
from streamer.clock import SimulatedClock
from streamer.daemon import Collector
from streamer.store import Store

T0 = datetime(2026, 3, 16, 9, 0, tzinfo=UTC)
FB, IG = "100000000000001", "17841400000000001"
FB_LIVE, IG_LIVE = "1000000000000011", "17900000000000011"
ENVIRON = {"THR_FB_TOKEN": "fb-throttle-token", "THR_IG_TOKEN": "ig-throttle-token"}
CONFIG = """\
data_dir = "data"
timezone = "Asia/Almaty"

[[programmes]]
slug = "antikor-live"
name = "Antikor.Live"
channels = [
  {{ platform = "facebook",  id = "{fb}" }},
  {{ platform = "instagram", id = "{ig}" }},
]

[platforms.facebook]
access_token_env = "THR_FB_TOKEN"
api_endpoint = "{url}"

[platforms.instagram]
access_token_env = "THR_IG_TOKEN"
api_endpoint = "{url}"

[collector]
request_timeout = 0.5
"""
EDGES = {"facebook": f"/v19.0/{FB}/live_videos", "instagram": f"/v19.0/{IG}/live_media"}
CODES = {"facebook": 80001, "instagram": 80002}
STREAM_KEYS = {"facebook": f"facebook:{FB_LIVE}", "instagram": f"instagram:{IG_LIVE}"}


def live(platform: str, channel: str, video_id: str) -> SimStream:
    """A stream live from ten minutes before T0 for two hours."""
    return SimStream(
        platform=platform,
        channel=channel,
        video_id=video_id,
        title=f"Antikor.Live on {platform}",
        scheduled_start=T0 - timedelta(minutes=10),
        actual_start=T0 - timedelta(minutes=10),
        actual_end=T0 + timedelta(hours=2),
        peak_viewers=120,
        final_views=400,
    )


@dataclass
class World:
    """The simulator and a Facebook + Instagram collector on it."""

    clock: SimulatedClock
    sim: Simulator
    store: Store
    collector: Collector

    def cycle_at(self, minutes: int) -> tuple[dict[str, int], dict[str, int]]:
        """Run the cycle at T0 + ``minutes``: (requests per edge, errors) of that cycle."""
        self.clock.set(T0 + timedelta(minutes=minutes))
        before = {p: self.sim.stats.requests[edge] for p, edge in EDGES.items()}
        report = self.collector.collect_once()
        sent = {p: self.sim.stats.requests[edge] - before[p] for p, edge in EDGES.items()}
        return sent, dict(report.errors)

    def gaps(self) -> list[tuple[str, int, str]]:
        """(stream, minutes after T0, reason) of every stored gap."""
        found = self.store.gaps(T0 - timedelta(hours=1), T0 + timedelta(days=1))
        return sorted((g.stream, (g.ts - T0) // timedelta(minutes=1), g.reason) for g in found)

    def sampled_at(self, key: str) -> list[int]:
        """Minutes after T0 of the stored snapshots of ``key``."""
        stored = self.store.snapshots(T0 - timedelta(hours=1), T0 + timedelta(days=1))
        return sorted((s.ts - T0) // timedelta(minutes=1) for s in stored if s.stream == key)


@contextmanager
def world(tmp: Path) -> Iterator[World]:
    """A Page and an Instagram account, each with a live stream, collected from T0."""

    def config(url: str) -> str:
        return CONFIG.format(fb=FB, ig=IG, url=url)

    streams = [live("facebook", FB, FB_LIVE), live("instagram", IG, IG_LIVE)]
    with simulated_collector(
        tmp, start=T0, streams=streams, seed=5, config=config, environ=ENVIRON
    ) as built:
        built.collector.engine.parallel = False  # one request order, whatever the threads do
        yield World(built.clock, built.sim, built.store, built.collector)


# -- the simulator's BUC answers ----------------------------------------------------------


def _get(sim: Simulator, path: str) -> tuple[int, dict[str, object], dict[str, str]]:
    request = Request("GET", path, {"fields": ["id"]}, {"authorization": "Bearer t"})
    reply = sim.handle(request)
    assert reply.response is not None
    response = reply.response
    return response.status, json.loads(response.body), dict(response.headers)


@pytest.mark.parametrize("platform", ["facebook", "instagram"])
def test_the_simulator_answers_buc_throttling_in_graphs_shape(platform: str) -> None:
    """80001 for a Page, 80002 for an IG account: Graph's envelope and the object's BUC header."""
    clock = SimulatedClock(T0)
    streams = [live("facebook", FB, FB_LIVE), live("instagram", IG, IG_LIVE)]
    sim = Simulator(Scenario(streams=streams, seed=5), clock)
    sim.faults.add(FaultRule("throttled", EDGES[platform], times=1, regain_minutes=7))
    status, body, headers = _get(sim, EDGES[platform])
    error = body["error"]
    assert isinstance(error, dict) and status == 400
    assert (error["code"], error["type"], error["error_subcode"]) == (
        CODES[platform],
        "OAuthException",
        2446079,
    )
    assert str(error["message"]).startswith(f"(#{CODES[platform]}) There have been too many")
    assert isinstance(error["fbtrace_id"], str) and error["fbtrace_id"]
    owner = FB if platform == "facebook" else IG
    [usage] = json.loads(headers["X-Business-Use-Case-Usage"])[owner]
    assert usage["type"] == ("pages" if platform == "facebook" else "instagram")
    assert (usage["call_count"], usage["estimated_time_to_regain_access"]) == (100, 7)


def test_the_simulator_reports_each_objects_daily_buc_usage() -> None:
    """Successful answers name their Page in X-Business-Use-Case-Usage once its day is over 0 %."""
    clock = SimulatedClock(T0)
    sim = Simulator(Scenario(streams=[live("facebook", FB, FB_LIVE)], seed=5), clock)
    for _ in range(47):  # 47 of 4800 calls: still 0 %
        assert "X-Business-Use-Case-Usage" not in _get(sim, EDGES["facebook"])[2]
    headers = _get(sim, EDGES["facebook"])[2]
    [usage] = json.loads(headers["X-Business-Use-Case-Usage"])[FB]
    assert (usage["type"], usage["call_count"], usage["estimated_time_to_regain_access"]) == (
        "pages",
        1,
        0,
    )
    clock.advance(timedelta(days=1))  # a new day starts afresh
    assert "X-Business-Use-Case-Usage" not in _get(sim, EDGES["facebook"])[2]
