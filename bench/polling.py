"""One poll cycle of 1,000 live YouTube streams against the simulator.

Through the real google-api-python-client on loopback: the adapter's batched
``videos.list`` (50 ids a call) against a naive one-id-per-call poll, side by side
in one run; wall times are medians of ``RUNS`` runs.
"""

from __future__ import annotations

import statistics
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from bench.rows import row as _row
from collectors.simulator import Scenario, SimStream, Simulator
from collectors.youtube import YouTubeAdapter
from streamer.clock import SimulatedClock, monotonic
from streamer.models import Stream, StreamStatus
from streamer.retry import set_instant

STREAMS = 1_000
CHANNELS = 20
RUNS = 3
START = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)


def _scenario() -> Scenario:
    streams = [
        SimStream(
            channel=f"UCbench{c:017d}",
            video_id=f"v{i:010d}",
            title=f"bench {i}",
            scheduled_start=START,
            actual_start=START,
            actual_end=START + timedelta(hours=2),
            peak_viewers=100 + i,
            final_views=1_000 + i,
        )
        for i in range(STREAMS)
        for c in [i % CHANNELS]
    ]
    return Scenario(streams=streams, seed=3)


def _poll(adapter: YouTubeAdapter, streams: list[Stream], batch: int, now: datetime) -> int:
    snapshots = 0
    for start in range(0, len(streams), batch):
        snapshots += len(adapter.poll(streams[start : start + batch], now).snapshots)
    return snapshots


def _measure(sim: Simulator, url: str, batch: int, now: datetime) -> dict[str, float]:
    streams = [
        Stream("youtube", s.video_id, s.channel, status=StreamStatus.LIVE) for s in sim.streams()
    ]
    times, calls, units, snaps = [], 0, 0, 0
    with httpx.Client() as rss:
        adapter = YouTubeAdapter([("BENCH_KEY", "k")], rss_client=rss, api_endpoint=url,
                                 rss_endpoint=url, clock=sim.clock)  # fmt: skip
        for _ in range(RUNS):
            sim.stats.reset()
            began = monotonic()
            snaps = _poll(adapter, streams, batch, now)
            times.append(monotonic() - began)
            calls = sim.stats.requests.get("/youtube/v3/videos", 0)
            units = sum(sim.stats.quota_units.values())
        adapter.close()
    return {"wall": statistics.median(times), "calls": calls, "units": units, "snaps": snaps}


def run() -> list[dict[str, Any]]:
    """The polling rows: calls, units per snapshot, wall time, naive ratio."""
    set_instant(True)
    now = START + timedelta(minutes=30)
    sim = Simulator(_scenario(), SimulatedClock(now))
    with sim.serve() as url:
        batched = _measure(sim, url, 50, now)
        naive = _measure(sim, url, 1, now)
    per_snapshot = batched["units"] / max(1, batched["snaps"])
    return [
        _row("youtube 1k live: videos.list calls", batched["calls"], "calls", "<= 20",
             batched["calls"] <= 20),
        _row("youtube 1k live: quota units per snapshot", per_snapshot, "units", "<= 0.02",
             per_snapshot <= 0.02),
        _row("youtube 1k live: cycle wall time (batched)", batched["wall"], "s", "printed", True),
        _row("youtube 1k live: cycle wall time (naive, 1 id/call)", naive["wall"], "s",
             "printed", True),
        _row("youtube 1k live: naive / batched wall time", naive["wall"] / batched["wall"], "x",
             "> 1", naive["wall"] > batched["wall"]),
        _row("youtube 1k live: naive calls", naive["calls"], "calls", "printed", True),
    ]  # fmt: skip
