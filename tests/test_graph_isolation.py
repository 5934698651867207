"""Graph throttling per Page and per account, as the collector lives with it.

One Page's (one Instagram account's) Business Use Case limit is that Page's gap only:
the other Pages' streams in the same poll batch are read in the same cycle. A limit
of the token (codes 4, 17, 32, 341, 613, a usage header at 90 %) still stops the
platform for the cycle. Unit cases drive the adapters through ``httpx.MockTransport``;
the collector cases run the real adapters against the simulator on loopback.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from helpers.configs import ENVIRON, simulator_config
from helpers.simulated import Simulated, simulated_collector

from collectors.base import ChannelThrottled, Transient
from collectors.facebook import FacebookAdapter
from collectors.instagram import InstagramAdapter
from collectors.simulator import FaultRule, SimStream
from streamer.app.cli_status import gather, render
from streamer.app.daemon import Collector
from streamer.clock import SimulatedClock
from streamer.models import Stream, StreamStatus

pytestmark = pytest.mark.usefixtures("instant_backoff")

T0 = datetime(2026, 3, 16, 9, 0, tzinfo=UTC)
PAGE_A, PAGE_B = "100000000000001", "100000000000002"
IG_A, IG_B = "17841400000000001", "17841400000000002"
LIVES = {
    PAGE_A: "1000000000000011",
    PAGE_B: "1000000000000022",
    IG_A: "17900000000000011",
    IG_B: "17900000000000022",
}
PROGRAMMES = (
    ("antikor-live", "Antikor.Live", (("facebook", PAGE_A), ("instagram", IG_A))),
    ("adal-komek", "Adal Komek", (("facebook", PAGE_B), ("instagram", IG_B))),
)
TIMEOUT = "[collector]\nrequest_timeout = 0.5\n"
FB_TOKEN = ("FACEBOOK_ACCESS_TOKEN", "EAAGfake-page-token-0001")
EDGES = {
    PAGE_A: f"/v19.0/{PAGE_A}/live_videos",
    PAGE_B: f"/v19.0/{PAGE_B}/live_videos",
    IG_A: f"/v19.0/{IG_A}/live_media",
    IG_B: f"/v19.0/{IG_B}/live_media",
}
PLATFORM = {PAGE_A: "facebook", PAGE_B: "facebook", IG_A: "instagram", IG_B: "instagram"}


# -- the adapters, through MockTransport ------------------------------------------------


def graph_error(code: int, page: str) -> httpx.Response:
    """Graph's throttling envelope; a BUC code names ``page`` in its usage header."""
    error = {"message": f"(#{code}) Too many calls", "type": "OAuthException", "code": code}
    usage = [{"type": "pages", "call_count": 100, "estimated_time_to_regain_access": 5}]
    headers = {"x-business-use-case-usage": json.dumps({page: usage})} if code > 80000 else {}
    return httpx.Response(400, json={"error": error}, headers=headers)


def two_pages(code: int) -> tuple[FacebookAdapter, list[str]]:
    """A Facebook adapter whose Page A answers Graph ``code``, Page B a live broadcast."""
    asked: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        page = request.url.path.split("/")[2]
        asked.append(page)
        if page == PAGE_A:
            return graph_error(code, PAGE_A)
        return httpx.Response(200, json={"data": [{"id": LIVES[PAGE_B], "status": "LIVE"}]})

    http = httpx.Client(transport=httpx.MockTransport(answer))
    return FacebookAdapter(http, FB_TOKEN, clock=SimulatedClock(T0)), asked


BATCH = [Stream("facebook", LIVES[PAGE_A], PAGE_A), Stream("facebook", LIVES[PAGE_B], PAGE_B)]


def test_one_pages_buc_limit_fails_its_streams_and_the_batch_goes_on() -> None:
    """80001 on Page A: A's stream fails "throttled", Page B in the same batch is read."""
    fb, asked = two_pages(80001)
    result = fb.poll(BATCH, T0)
    assert asked == [PAGE_A, PAGE_B]
    assert [s.key for s in result.updates] == [BATCH[1].key]
    assert [s.stream for s in result.snapshots] == [BATCH[1].key]
    failure = result.failures[BATCH[0].key]
    assert isinstance(failure, ChannelThrottled) and failure.channel == PAGE_A
    assert list(result.failures) == [BATCH[0].key] and result.calls == 2


@pytest.mark.parametrize("code", [4, 17, 32, 341, 613])
def test_a_token_limit_still_fails_the_whole_poll(code: int) -> None:
    """A platform code on Page A: the poll raises, Page B is not asked (the token waits)."""
    fb, asked = two_pages(code)
    with pytest.raises(Transient) as caught:
        fb.poll(BATCH, T0)
    assert not isinstance(caught.value, ChannelThrottled) and caught.value.reason == "throttled"
    assert asked == [PAGE_A]


def test_an_instagram_accounts_limit_is_that_accounts_only() -> None:
    """80002 on account A: A's live fails "throttled", account B's live is read."""

    def answer(request: httpx.Request) -> httpx.Response:
        account = request.url.path.split("/")[2]
        if account == IG_A:
            return graph_error(80002, IG_A)
        return httpx.Response(200, json={"data": [{"id": LIVES[IG_B], "comments_count": 3}]})

    http = httpx.Client(transport=httpx.MockTransport(answer))
    ig = InstagramAdapter(http, ("IG_TOKEN", "IGQfake-token"), clock=SimulatedClock(T0))
    streams = [
        Stream("instagram", LIVES[IG_A], IG_A, status=StreamStatus.LIVE),
        Stream("instagram", LIVES[IG_B], IG_B, status=StreamStatus.LIVE),
    ]
    result = ig.poll(streams, T0)
    assert list(result.failures) == [streams[0].key]
    assert [(s.stream, s.comments) for s in result.snapshots] == [(streams[1].key, 3)]


# -- the collector, against the simulator -------------------------------------------------


def live(channel: str) -> SimStream:
    """A stream on ``channel`` live from ten minutes before T0 for two hours."""
    return SimStream(
        platform=PLATFORM[channel],
        channel=channel,
        video_id=LIVES[channel],
        title="Antikor.Live",
        scheduled_start=T0 - timedelta(minutes=10),
        actual_start=T0 - timedelta(minutes=10),
        actual_end=T0 + timedelta(hours=2),
        peak_viewers=120,
        final_views=400,
    )


def key(channel: str) -> str:
    return f"{PLATFORM[channel]}:{LIVES[channel]}"


@contextmanager
def collecting(tmp: Path) -> Iterator[Simulated]:
    """Two Pages and two Instagram accounts, each with a live stream, collected from T0."""

    def config(url: str) -> str:
        return simulator_config(url, programmes=PROGRAMMES, extra=TIMEOUT)

    streams = [live(channel) for channel in LIVES]
    with simulated_collector(
        tmp, start=T0, streams=streams, seed=5, config=config, environ=ENVIRON
    ) as built:
        built.collector.engine.parallel = False  # one request order, whatever the threads do
        try:
            yield built
        finally:
            built.collector.close()  # the last one ``restarted`` made, if any


def cycle_at(built: Simulated, minutes: int) -> dict[str, int]:
    """Run the cycle at T0 + ``minutes``; the requests it sent, per channel."""
    built.clock.set(T0 + timedelta(minutes=minutes))
    before = {c: built.sim.stats.requests[edge] for c, edge in EDGES.items()}
    built.collector.collect_once()
    return {c: built.sim.stats.requests[edge] - before[c] for c, edge in EDGES.items()}


def sampled(built: Simulated, channel: str) -> list[int]:
    """Minutes after T0 of the stored snapshots of ``channel``'s stream."""
    found = built.store.snapshots(T0, T0 + timedelta(days=1), [key(channel)])
    return [(s.ts - T0) // timedelta(minutes=1) for s in found]


def gaps(built: Simulated) -> list[tuple[str, int, str]]:
    """(stream, minutes after T0, reason) of every stored gap."""
    found = built.store.gaps(T0, T0 + timedelta(days=1))
    return sorted((g.stream, (g.ts - T0) // timedelta(minutes=1), g.reason) for g in found)


@pytest.mark.parametrize(("throttled", "other"), [(PAGE_A, PAGE_B), (IG_A, IG_B)])
def test_a_throttled_channel_is_a_gap_and_the_others_in_its_batch_are_polled(
    tmp_path: Path, throttled: str, other: str
) -> None:
    """The throttled fault on one Page (account) for 3 minutes: its stream has throttled
    gaps, the other Page's stream in the same batch a snapshot every cycle."""
    with collecting(tmp_path) as built:
        cycle_at(built, 0)
        start, end = T0 + timedelta(minutes=1), T0 + timedelta(minutes=4)
        fault = FaultRule("throttled", EDGES[throttled], start=start, end=end, regain_minutes=3)
        built.sim.faults.add(fault)
        sent = [cycle_at(built, minute) for minute in (1, 2, 3, 4)]
        assert [s[throttled] for s in sent] == [1, 0, 0, 1]  # asked once, then waits
        assert [s[other] for s in sent] == [1, 1, 1, 1]
        assert sampled(built, other) == [0, 1, 2, 3, 4]
        assert sampled(built, throttled) == [0, 4]
        assert gaps(built) == [(key(throttled), m, "throttled") for m in (1, 2, 3)]


def test_a_token_limit_stops_the_platform_for_the_cycle(tmp_path: Path) -> None:
    """Code 4 on Page A (the app's limit): neither Page is asked while the token cools
    down, both streams have throttled gaps; Instagram, on its own token, goes on."""
    with collecting(tmp_path) as built:
        cycle_at(built, 0)
        built.sim.faults.add(FaultRule("http429", EDGES[PAGE_A], times=1))
        sent = cycle_at(built, 1)
        assert (sent[PAGE_A], sent[PAGE_B], sent[IG_A], sent[IG_B]) == (1, 0, 1, 1)
        assert gaps(built) == sorted([(key(PAGE_A), 1, "throttled"), (key(PAGE_B), 1, "throttled")])
        assert cycle_at(built, 2)[PAGE_B] == 0  # the token's ten minutes


# -- cooldowns outlive the process -------------------------------------------------------


def restarted(built: Simulated) -> None:
    """A new collector on the same data folder, as the next ``collect --once`` from cron."""
    built.collector.close()
    built.collector = Collector(built.collector.config, built.clock, ENVIRON, built.store)
    built.collector.engine.parallel = False


def test_a_restarted_collector_waits_out_a_pages_cooldown(tmp_path: Path) -> None:
    """Page A throttled for 10 minutes at minute 1: a new process at minutes 2 and 5 does
    not ask it (a throttled gap), asks Page B, and asks A again from minute 11."""
    with collecting(tmp_path) as built:
        cycle_at(built, 0)
        built.sim.faults.add(FaultRule("throttled", EDGES[PAGE_A], times=1, regain_minutes=10))
        assert cycle_at(built, 1)[PAGE_A] == 1
        for minute in (2, 5, 11):
            restarted(built)
            sent = cycle_at(built, minute)
            assert (sent[PAGE_A], sent[PAGE_B]) == ((1, 1) if minute == 11 else (0, 1))
        assert [m for s, m, _ in gaps(built) if s == key(PAGE_A)] == [1, 2, 5]
        assert sampled(built, PAGE_B) == [0, 1, 2, 5, 11]


def test_a_restarted_collector_waits_out_the_tokens_cooldown(tmp_path: Path) -> None:
    """Code 4 at minute 1 (the token waits 10 minutes): a new process at minute 3 sends
    Facebook nothing and records both Pages' polls as throttled gaps."""
    with collecting(tmp_path) as built:
        cycle_at(built, 0)
        built.sim.faults.add(FaultRule("http429", EDGES[PAGE_A], times=1))
        cycle_at(built, 1)
        restarted(built)
        sent = cycle_at(built, 3)
        assert (sent[PAGE_A], sent[PAGE_B], sent[IG_A]) == (0, 0, 1)
        assert {(s, r) for s, m, r in gaps(built) if m == 3} == {
            (key(PAGE_A), "throttled"),
            (key(PAGE_B), "throttled"),
        }


def test_status_shows_the_cooldowns(tmp_path: Path) -> None:
    """``streamer status``: "throttled until" for the token's platform and for a throttled
    Instagram account, read from the store; nothing once they are over."""
    with collecting(tmp_path) as built:
        cycle_at(built, 0)
        built.sim.faults.add(FaultRule("http429", EDGES[PAGE_A], times=1))
        built.sim.faults.add(FaultRule("throttled", EDGES[IG_B], times=1, regain_minutes=30))
        cycle_at(built, 1)
        config, now = built.collector.config, built.clock.now()
        found = gather(config, built.store, now)
        platforms = {p["platform"]: p for p in found["platforms"]}
        assert platforms["facebook"]["state"] == "throttled"
        assert platforms["facebook"]["until"] == "2026-03-16T09:11:00Z"
        assert platforms["instagram"]["state"] == "collecting"
        throttled = {r["channel"]: r.get("throttled_until") for r in found["channels"]}
        assert throttled == {PAGE_A: None, PAGE_B: None, IG_A: None, IG_B: "2026-03-16T09:31:00Z"}
        lines = render(found, config.tz)
        assert "  facebook   throttled until 2026-03-16 14:11" in lines  # Almaty, UTC+5
        assert "    throttled until 2026-03-16 14:31" in lines
        later = gather(config, built.store, T0 + timedelta(hours=1))
        assert {p["state"] for p in later["platforms"]} == {"collecting"}
        assert all("throttled_until" not in row for row in later["channels"])
