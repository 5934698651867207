"""Graph throttling: platform limits and Business Use Case (BUC) limits.

Unit tests drive the Facebook and Instagram adapters through ``httpx.MockTransport``:
each throttling code, the ``X-Business-Use-Case-Usage`` header (well formed and not).
The integration tests run a collector on the real adapters against the simulator on
loopback, on a simulated clock: a Page answering 80001 (an Instagram account 80002) is
asked once in the cycle, cools down for the ``estimated_time_to_regain_access`` its
header reports, has its due polls recorded as ``throttled`` gaps (never ``rejected``)
meanwhile, and is polled again once the time is up.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from helpers.configs import ENVIRON, simulator_config
from helpers.simulated import simulated_collector

from collectors.base import ChannelThrottled, PlatformError, Transient
from collectors.facebook import FacebookAdapter
from collectors.graph import BUC_THROTTLE_CODES, PLATFORM_THROTTLE_CODES, buc_usage, usage_percent
from collectors.instagram import InstagramAdapter
from collectors.simulator import FaultRule, Scenario, SimStream, Simulator
from collectors.simulator.routing import Request
from streamer.app.daemon import Collector
from streamer.clock import SimulatedClock
from streamer.models import Stream, StreamStatus
from streamer.store import Store

pytestmark = pytest.mark.usefixtures("instant_backoff")

T0 = datetime(2026, 3, 16, 9, 0, tzinfo=UTC)
FB, IG = "100000000000001", "17841400000000001"
FB_LIVE, IG_LIVE = "1000000000000011", "17900000000000011"
TIMEOUT = "[collector]\nrequest_timeout = 0.5\n"
PROGRAMME = ("antikor-live", "Antikor.Live", (("facebook", FB), ("instagram", IG)))
NOW = datetime(2026, 3, 14, 11, 30, tzinfo=UTC)
PAGE_A, PAGE_B = "100000000000001", "100000000000002"
FB_TOKEN = ("FACEBOOK_ACCESS_TOKEN", "EAAGfake-page-token-0001")
IG_TOKEN = ("INSTAGRAM_ACCESS_TOKEN", "IGQfake-user-token-0001")
Answer = tuple[int, dict[str, object], dict[str, str]]


class Wire:
    """A MockTransport answering in order and keeping every request."""

    def __init__(self, *answers: Answer) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []
        self.client = httpx.Client(transport=httpx.MockTransport(self.handle))

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        status, body, headers = self.answers.pop(0)
        return httpx.Response(status, content=json.dumps(body).encode(), headers=headers)


def listing(video: str = "10160700000000001", **headers: str) -> Answer:
    """A ``live_videos`` page with one live broadcast."""
    return 200, {"data": [{"id": video, "status": "LIVE", "live_views": 5}]}, headers


def graph_error(code: int, **headers: str) -> Answer:
    """Graph's error envelope, as a BUC throttling error comes."""
    message = f"(#{code}) There have been too many calls. Wait a bit and try again."
    error = {"message": message, "type": "OAuthException", "code": code}
    error |= {"error_subcode": 2446079, "fbtrace_id": "AbC-12_x"}
    return 400, {"error": error}, headers


def buc(business_object: str, percent: int, regain: object = 0) -> dict[str, str]:
    """An ``X-Business-Use-Case-Usage`` header for one object."""
    usage = {"type": "pages", "call_count": percent, "total_cputime": 3, "total_time": 4}
    value = {business_object: [usage | {"estimated_time_to_regain_access": regain}]}
    return {"x-business-use-case-usage": json.dumps(value)}


def facebook(wire: Wire, clock: SimulatedClock) -> FacebookAdapter:
    return FacebookAdapter(wire.client, FB_TOKEN, clock=clock)


def on_page(page: str, video: str = "10160700000000001") -> Stream:
    return Stream("facebook", video, page)


def throttled(
    adapter: FacebookAdapter | InstagramAdapter, stream: Stream, at: datetime
) -> Transient:
    """Poll ``stream`` alone: it failed for its channel's throttling, nothing read of it."""
    result = adapter.poll([stream], at)
    assert (result.updates, result.snapshots, list(result.failures)) == ([], [], [stream.key])
    failure = result.failures[stream.key]
    assert isinstance(failure, ChannelThrottled) and failure.channel == stream.channel
    return failure


# -- codes ------------------------------------------------------------------------------


@pytest.mark.parametrize("code", sorted(BUC_THROTTLE_CODES))
def test_each_buc_code_is_throttled_for_its_object_only(code: int) -> None:
    """8000x: one request, the Page's stream failed "throttled", its Page alone cools 10 min."""
    clock = SimulatedClock(NOW)
    wire = Wire(graph_error(code))
    fb = facebook(wire, clock)
    caught = throttled(fb, on_page(PAGE_A), NOW)
    assert caught.reason == "throttled" and len(wire.requests) == 1
    assert caught.retry_after == 600
    assert fb.cooldown_of(PAGE_A) == NOW + timedelta(minutes=10)
    assert (fb.cooldown_until, fb.cooldown_of(PAGE_B)) == (None, None)


@pytest.mark.parametrize("code", sorted(PLATFORM_THROTTLE_CODES))
def test_platform_codes_still_cool_the_whole_token(code: int) -> None:
    """4, 17, 32, 341, 613: every Page of the token waits ten minutes, as before."""
    clock = SimulatedClock(NOW)
    fb = facebook(Wire(graph_error(code)), clock)
    with pytest.raises(Transient, match=f"code {code}"):
        fb.poll([on_page(PAGE_A)], NOW)
    assert fb.cooldown_of(PAGE_B) == fb.cooldown_until == NOW + timedelta(minutes=10)


def test_a_policy_block_is_not_throttling() -> None:
    """368 is a block for policy reasons: "blocked", and no cooldown."""
    fb = facebook(Wire(graph_error(368)), SimulatedClock(NOW))
    with pytest.raises(PlatformError) as caught:
        fb.poll([on_page(PAGE_A)], NOW)
    assert caught.value.reason == "blocked" and fb.cooldown_of(PAGE_A) is None


def test_the_regain_time_is_the_cooldown_and_calls_resume_after_it() -> None:
    """80001 with estimated_time_to_regain_access 3: refused locally for 3 min, then asked."""
    clock = SimulatedClock(NOW)
    wire = Wire(graph_error(80001, **buc(PAGE_A, 100, 3)), listing())
    fb = facebook(wire, clock)
    caught = throttled(fb, on_page(PAGE_A), NOW)
    assert (caught.retry_after, fb.cooldown_of(PAGE_A)) == (180, NOW + timedelta(minutes=3))
    clock.advance(timedelta(minutes=2))
    refused = throttled(fb, on_page(PAGE_A), clock.now())
    assert "not sent: slowing down" in str(refused)
    assert refused.usage is not None and refused.usage.calls == 0
    clock.advance(timedelta(minutes=1))
    assert len(fb.poll([on_page(PAGE_A)], clock.now()).snapshots) == 1
    assert len(wire.requests) == 2


def test_a_short_regain_time_is_not_waited_out_in_the_same_cycle() -> None:
    """Regain in 1 min (as long as a retry may wait): not retried; the cooldown outlasts it."""
    clock = SimulatedClock(NOW)
    wire = Wire(graph_error(80001, **buc(PAGE_A, 100, 1)), listing())
    fb = facebook(wire, clock)
    caught = throttled(fb, on_page(PAGE_A), NOW)
    assert caught.retry_after == 61 and len(wire.requests) == 1
    throttled(fb, on_page(PAGE_A), NOW)  # the same cycle's next call: refused, not waited out
    assert len(wire.requests) == 1


def test_a_throttled_page_leaves_the_tokens_other_pages_alone() -> None:
    """Page A answers 80001: Page B, on the same token, is still asked and answered."""
    clock = SimulatedClock(NOW)
    wire = Wire(graph_error(80001, **buc(PAGE_A, 100, 5)), listing("10160700000000009"))
    fb = facebook(wire, clock)
    throttled(fb, on_page(PAGE_A), NOW)
    assert len(fb.poll([on_page(PAGE_B, "10160700000000009")], NOW).snapshots) == 1
    assert [r.url.path.split("/")[2] for r in wire.requests] == [PAGE_A, PAGE_B]


def test_instagram_80002_cools_that_account_down() -> None:
    """80002 on an Instagram account: "throttled", its regain time, refused locally meanwhile."""
    clock = SimulatedClock(NOW)
    account = "17841400000000001"
    wire = Wire(graph_error(80002, **buc(account, 100, 4)))
    ig = InstagramAdapter(wire.client, IG_TOKEN, clock=clock)
    live = Stream("instagram", "17900000000000011", account, status=StreamStatus.LIVE)
    for _ in range(2):
        assert throttled(ig, live, NOW).reason == "throttled"
    assert (len(wire.requests), ig.cooldown_of(account)) == (1, NOW + timedelta(minutes=4))


# -- the X-Business-Use-Case-Usage header ------------------------------------------------


@pytest.mark.parametrize(
    ("percent", "regain", "pause"),
    [(95, 0, timedelta(minutes=5)), (40, 12, timedelta(minutes=12)), (60, 0, None)],
)
def test_buc_usage_on_an_answer_keeps_it_and_slows_that_page_down(
    percent: int, regain: int, pause: timedelta | None
) -> None:
    """Usage >= 90 %: 5 min; a regain time: that long; else nothing. The answer is kept."""
    clock = SimulatedClock(NOW)
    wire = Wire(listing(**buc(PAGE_A, percent, regain)))
    fb = facebook(wire, clock)
    assert len(fb.poll([on_page(PAGE_A)], NOW).snapshots) == 1
    assert fb.cooldown_of(PAGE_A) == (None if pause is None else NOW + pause)
    assert (fb.cooldown_until, fb.cooldown_of(PAGE_B)) == (None, None)


def test_a_buc_header_cools_the_object_it_names() -> None:
    """An insights answer naming its Page in the header cools the Page, not the video."""
    clock = SimulatedClock(NOW)
    body = {"data": [{"name": "total_video_views", "values": [{"value": 9}]}]}
    vod = {"id": "10160700000000003", "status": "VOD", "video": {"id": "4163439280375003"}}
    wire = Wire((200, {"data": [vod]}, {}), (200, body, buc(PAGE_A, 100, 2)))
    fb = facebook(wire, clock)
    [snapshot] = fb.poll([on_page(PAGE_A, "10160700000000003")], NOW).snapshots
    assert snapshot.views == 9
    assert fb.cooldown_of(PAGE_A) == NOW + timedelta(minutes=2)
    assert fb.cooldown_of("4163439280375003") is None


@pytest.mark.parametrize(
    "value",
    [
        "not json",
        "[1, 2]",
        '"text"',
        '{"100000000000001": "x"}',
        '{"100000000000001": [1, "a", null]}',
        '{"100000000000001": [{"call_count": "99", "estimated_time_to_regain_access": "5"}]}',
        '{"100000000000001": [{"call_count": true, "estimated_time_to_regain_access": -5}]}',
        '{"100000000000001": [{"call_count": NaN, "total_time": Infinity}]}',
        '{"bad id/../x": [{"call_count": 100, "estimated_time_to_regain_access": 9}]}',
        "[" * 100_000,
    ],
)
def test_a_malformed_buc_header_is_ignored(value: str, caplog: pytest.LogCaptureFixture) -> None:
    """A BUC header of another shape: the answer kept, no cooldown, never an exception."""
    caplog.set_level(logging.DEBUG, logger="collectors.graph")
    fb = facebook(Wire(listing(**{"x-business-use-case-usage": value})), SimulatedClock(NOW))
    assert len(fb.poll([on_page(PAGE_A)], NOW).snapshots) == 1
    assert fb.cooldown_of(PAGE_A) is None and fb.cooldown_until is None


def test_a_malformed_buc_header_is_logged_at_debug(caplog: pytest.LogCaptureFixture) -> None:
    """A header that is not a JSON object is noted at debug level, and nothing else."""
    caplog.set_level(logging.DEBUG, logger="collectors.graph")
    assert buc_usage("not json") == {}
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("DEBUG", "x-business-use-case-usage header ignored: not a JSON object")
    ]


def test_buc_usage_reads_every_object_and_caps_the_regain_time() -> None:
    """Each object's highest figure and regain time; an absurd regain time is capped at a day."""
    value = {
        PAGE_A: [
            {"type": "pages", "call_count": 12, "total_cputime": 40, "total_time": 7},
            {"type": "pages", "call_count": 3, "estimated_time_to_regain_access": 6},
        ],
        PAGE_B: [{"type": "pages", "call_count": 100, "estimated_time_to_regain_access": 10**30}],
        "17841400000000001": [{"type": "instagram"}],
    }
    assert buc_usage(json.dumps(value)) == {
        PAGE_A: (40, timedelta(minutes=6)),
        PAGE_B: (100, timedelta(days=1)),
    }
    assert buc_usage(None) == buc_usage("") == {}


@pytest.mark.parametrize("value", ["[1]", '{"call_count": NaN}', '{"call_count": 1e999}'])
def test_a_malformed_app_usage_header_is_ignored(value: str) -> None:
    """X-App-Usage that is a list, NaN or infinite: no figure (it used to raise)."""
    assert usage_percent(value) is None


# -- through the simulator ----------------------------------------------------------------


EDGES = {"facebook": f"/v19.0/{FB}/live_videos", "instagram": f"/v19.0/{IG}/live_media"}
CODES = {"facebook": 80001, "instagram": 80002}
CHANNELS = {"facebook": FB, "instagram": IG}
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
        return simulator_config(url, programmes=[PROGRAMME], extra=TIMEOUT)

    streams = [live("facebook", FB, FB_LIVE), live("instagram", IG, IG_LIVE)]
    with simulated_collector(
        tmp, start=T0, streams=streams, seed=5, config=config, environ=ENVIRON
    ) as built:
        built.collector.engine.parallel = False  # one request order, whatever the threads do
        yield World(built.clock, built.sim, built.store, built.collector)


@pytest.mark.parametrize("platform", ["facebook", "instagram"])
def test_a_throttled_object_is_asked_once_then_waits_out_its_regain_time(
    tmp_path: Path, platform: str
) -> None:
    """BUC throttling: one request in the cycle, throttled gaps, resumed after the regain time."""
    other = "instagram" if platform == "facebook" else "facebook"
    with world(tmp_path) as w:
        assert w.cycle_at(0)[0] == {"facebook": 1, "instagram": 1}
        # Throttled from minute 5 for as long as it reports (3 minutes), as Graph would be.
        end = T0 + timedelta(minutes=8)
        edge = EDGES[platform]
        start = T0 + timedelta(minutes=5)
        w.sim.faults.add(FaultRule("throttled", edge, start=start, end=end, regain_minutes=3))
        # Minute 5: discovery and the poll are both due; the object is asked once.
        sent, errors = w.cycle_at(5)
        assert (sent[platform], sent[other]) == (1, 1)
        # The poll's gap; the discovery's failure is that channel's alone (its health).
        assert errors == {f"{platform}:throttled": 1}
        assert w.collector.engine.health[platform].failing[CHANNELS[platform]].reason == (
            "throttled"
        )
        for minute in (6, 7):  # cooling down: nothing sent, the due poll is a gap
            sent, errors = w.cycle_at(minute)
            assert (sent[platform], sent[other]) == (0, 1)
            assert errors == {f"{platform}:throttled": 1}
        sent, errors = w.cycle_at(8)  # the regain time is up: asked again, and answered
        assert (sent[platform], errors) == (1, {})
        key = STREAM_KEYS[platform]
        assert w.gaps() == [(key, minute, "throttled") for minute in (5, 6, 7)]
        assert w.sampled_at(key) == [0, 8]
        assert w.sim.stats.faults["throttled"] == 1


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
