"""One collector cycle of 1,000 live streams on four platforms, one platform slow.

250 live streams on each of YouTube (5 channels), Facebook (10 Pages), Instagram (10
accounts) and Twitch (250 logins, one stream each), served by the simulator on
loopback and collected by the real engine and adapters into a TinyStore in a
temporary folder. A simulator on loopback answers in about a millisecond, so each
adapter call first waits ``LATENCY`` seconds, as a real API across the Internet
makes it wait, and Twitch is made slow: ``SLOW_CALL`` seconds a call. (A poll call
is one request here: one per YouTube batch of 50, per Page, per account, per 100
logins.) After a first cycle (discovery and first polls), poll cycles alternate
between platforms in parallel and one after another (``Engine.parallel``), ``RUNS``
of each; figures are medians.

The concurrency ratio is the sum of the platforms' own times over the parallel
cycle's wall time (1: no overlap at all). The target: a parallel cycle takes at most
1.3 times what the slowest platform takes alone (its time in the sequential
cycles), the store's read and write included.
"""

from __future__ import annotations

import statistics
import tempfile
from collections.abc import Collection, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.rows import row as _row
from bench.rows import show
from collectors.base import Discovery, Platform, PollResult
from collectors.engine import CycleReport
from collectors.simulator import Scenario, SimStream, Simulator
from streamer.app.daemon import Collector
from streamer.clock import SimulatedClock, SystemClock
from streamer.config import load_config
from streamer.models import Channel, Stream
from streamer.retry import set_instant

PER_PLATFORM = 250
ACCOUNTS = {"youtube": 5, "facebook": 10, "instagram": 10, "twitch": PER_PLATFORM}
ID_DIGITS = {"facebook": 16, "instagram": 17, "twitch": 11}
LATENCY = 0.1  # seconds before each adapter call: a typical API's round trip and work
SLOW, SLOW_CALL = "twitch", 1.0  # seconds before each of Twitch's calls instead
POLL_CALLS = {"youtube": 5, "facebook": 10, "instagram": 10, "twitch": 3}
"""Requests one poll of the 250 should take: per 50 ids, per Page, per account, per 100."""
RUNS = 3
START = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)
ENVIRON = {"B_YT": "bench-key", "B_FB": "fb", "B_IG": "ig", "B_TW_ID": "id", "B_TW_SECRET": "s"}
SETTINGS = """
[platforms.youtube]
api_key_env = "B_YT"
api_endpoint = "{url}"
rss_endpoint = "{url}"

[platforms.facebook]
access_token_env = "B_FB"
api_endpoint = "{url}"

[platforms.instagram]
access_token_env = "B_IG"
api_endpoint = "{url}"

[platforms.twitch]
client_id_env = "B_TW_ID"
client_secret_env = "B_TW_SECRET"
api_endpoint = "{url}"
auth_endpoint = "{url}"
"""


def account(platform: str, n: int) -> str:
    """The channel id, Page id, Instagram user id or Twitch login number ``n``."""
    return {
        "youtube": f"UCbenchMulti{n:012d}",
        "facebook": f"{100000000000000 + n}",
        "instagram": f"{17841400000000000 + n}",
        "twitch": f"benchlogin{n:04d}",
    }[platform]


def video_id(platform: str, i: int) -> str:
    """Stream ``i``'s id in the platform's own format."""
    if platform == "youtube":
        return f"mp{i:09d}"
    return str(10 ** (ID_DIGITS[platform] - 1) + i)


def scenario() -> Scenario:
    """250 streams per platform, live from half an hour before the start for three hours."""
    streams = [
        SimStream(
            platform=platform,
            channel=account(platform, i % ACCOUNTS[platform]),
            video_id=video_id(platform, i),
            title=f"bench {platform} {i}",
            scheduled_start=START - timedelta(minutes=30),
            actual_start=START - timedelta(minutes=30),
            actual_end=START + timedelta(hours=3),
            peak_viewers=100 + i,
            final_views=1_000 + i,
        )
        for platform in ACCOUNTS
        for i in range(PER_PLATFORM)
    ]
    return Scenario(streams=streams, seed=3)


def config_text(url: str) -> str:
    """One programme on every account, the platforms pointing at the simulator."""
    channels = ",\n".join(
        f'  {{ platform = "{p}", id = "{account(p, n)}" }}'
        for p, count in ACCOUNTS.items()
        for n in range(count)
    )
    head = 'data_dir = "data"\ntimezone = "Asia/Almaty"\n\n[[programmes]]\nslug = "bench"\n'
    return f'{head}name = "Bench"\nchannels = [\n{channels},\n]\n' + SETTINGS.format(url=url)


class Slowed:
    """A platform whose every call starts ``delay`` seconds late (a slow API)."""

    def __init__(self, inner: Platform, delay: float) -> None:
        self.inner, self.delay = inner, delay
        self.name, self.max_batch = inner.name, inner.max_batch
        self._clock = SystemClock()

    def discover(
        self, channels: Sequence[Channel], now: datetime, known: Collection[str] = ()
    ) -> Discovery:
        self._clock.sleep(self.delay)
        return self.inner.discover(channels, now, known)

    def poll(self, streams: Sequence[Stream], now: datetime) -> PollResult:
        self._clock.sleep(self.delay)
        return self.inner.poll(streams, now)


def _cycles(collector: Collector, clock: SimulatedClock) -> dict[bool, list[CycleReport]]:
    """A first cycle, then ``RUNS`` poll cycles each way, a live interval apart."""
    engine = collector.engine
    for name, platform in engine.platforms.items():
        engine.platforms[name] = Slowed(platform, SLOW_CALL if name == SLOW else LATENCY)
    first = collector.collect_once()
    assert first.discovered == first.snapshots == len(ACCOUNTS) * PER_PLATFORM, first.line()
    runs: dict[bool, list[CycleReport]] = {True: [], False: []}
    for _ in range(RUNS):
        for parallel in (True, False):
            clock.advance(timedelta(seconds=collector.config.collector.live_interval))
            engine.parallel = parallel
            report = collector.collect_once()
            assert report.snapshots == len(ACCOUNTS) * PER_PLATFORM, report.line()
            runs[parallel].append(report)
    return runs


def _median(reports: list[CycleReport], platform: str | None = None) -> float:
    """The median cycle wall time, or one platform's median time."""
    if platform is None:
        return statistics.median(r.seconds for r in reports)
    return statistics.median(r.platforms[platform].seconds for r in reports)


def _per_snapshot(reports: list[CycleReport], platform: str) -> float:
    """The median of the platform's requests (retries included) per snapshot written."""
    shares = [r.platforms[platform] for r in reports]
    return statistics.median(s.calls / max(1, s.snapshots) for s in shares)


def measure() -> dict[bool, list[CycleReport]]:
    """Serve the simulator, build the collector, run the cycles."""
    set_instant(True)
    clock = SimulatedClock(START)
    sim = Simulator(scenario(), clock)
    with tempfile.TemporaryDirectory() as folder, sim.serve() as url:
        path = Path(folder) / "streamer.toml"
        path.write_text(config_text(url), encoding="utf-8")
        with Collector(load_config(path), clock, ENVIRON) as collector:
            return _cycles(collector, clock)


def run() -> list[dict[str, Any]]:
    """The multi-platform rows: per-platform times and requests, the concurrency ratio."""
    runs = measure()
    parallel, sequential = runs[True], runs[False]
    wall = _median(parallel)
    own = {p: _median(parallel, p) for p in ACCOUNTS}
    alone = max(_median(sequential, p) for p in ACCOUNTS)
    rows = [_row(f"4x250 live: {p} time in the parallel cycle", s, "s", "printed", True)
            for p, s in own.items()]  # fmt: skip
    rows += [
        _row("4x250 live: parallel cycle wall time", wall, "s", "printed", True),
        _row("4x250 live: sequential cycle wall time", _median(sequential), "s", "printed", True),
        _row("4x250 live: concurrency ratio (sum of platform times / wall)",
             sum(own.values()) / wall, "x", "printed", True),
        _row(f"4x250 live: parallel wall / slowest platform alone ({SLOW})",
             wall / alone, "x", "<= 1.3", wall / alone <= 1.3),
    ]  # fmt: skip
    for platform, calls in POLL_CALLS.items():
        per, most = _per_snapshot(parallel, platform), calls / PER_PLATFORM
        rows.append(_row(f"4x250 live: {platform} requests per snapshot", per, "req",
                         f"<= {most:.3g}", per <= most + 1e-9))  # fmt: skip
    return rows


if __name__ == "__main__":
    show(run())
