"""Simulator faults, quota and API keys, as the real google-api-python-client sees them."""

from __future__ import annotations

import http.client
import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from googleapiclient.errors import HttpError

from collectors.simulator import FaultRule, Scenario, SimStream, Simulator
from collectors.simulator.routing import Request
from collectors.simulator.testing import youtube_client
from streamer.clock import SimulatedClock

CHANNEL = "UCfaultTestChannel000001"
VIDEO = "faultVideo1"
VIDEOS = "/youtube/v3/videos"
# 21:00 in Los Angeles (PST, UTC-8): the quota day ends at 08:00 UTC.
T0 = datetime(2025, 3, 4, 5, 0, tzinfo=UTC)
PACIFIC_MIDNIGHT = datetime(2025, 3, 4, 8, 0, tzinfo=UTC)


def scenario(seed: int = 11) -> Scenario:
    """One stream, live from T0 for an hour."""
    stream = SimStream(
        channel=CHANNEL,
        video_id=VIDEO,
        title="Fault target",
        scheduled_start=T0,
        actual_start=T0,
        actual_end=T0 + timedelta(hours=1),
        peak_viewers=100,
        final_views=500,
    )
    return Scenario(streams=[stream], seed=seed)


@pytest.fixture
def clock() -> SimulatedClock:
    return SimulatedClock(T0 + timedelta(minutes=10))


@pytest.fixture
def sim(clock: SimulatedClock) -> Simulator:
    return Simulator(scenario(), clock, invalid_keys={"revoked-key"}, quota_limit=3)


@pytest.fixture
def yt(base_url: str) -> Iterator[Any]:
    with youtube_client(base_url) as client:
        yield client


def poll(yt: Any, num_retries: int = 0) -> Any:
    """One videos.list call, retry sleeps off (a dict, or a str for an undecodable body)."""
    request = yt.videos().list(part="statistics", id=VIDEO)
    request._sleep = lambda _seconds: None
    return request.execute(num_retries=num_retries)


def error_of(error: HttpError) -> dict[str, Any]:
    envelope: dict[str, Any] = json.loads(error.content)["error"]
    return envelope


def in_process(path: str = VIDEOS) -> Request:
    return Request("GET", path, {"part": ["id"], "id": [VIDEO], "key": ["k"]})


# quota and keys


def test_quota_exhaustion_is_403_quota_exceeded_and_not_retried(yt: Any, sim: Simulator) -> None:
    """Past the daily limit: 403 youtube.quota/quotaExceeded in the real envelope, not retried."""
    for _ in range(3):
        poll(yt)
    with pytest.raises(HttpError) as caught:
        poll(yt, num_retries=2)
    error = error_of(caught.value)
    assert caught.value.status_code == 403
    assert error["errors"][0]["domain"] == "youtube.quota"
    assert error["errors"][0]["reason"] == "quotaExceeded"
    assert error["code"] == 403 and error["status"] == "PERMISSION_DENIED"
    assert sim.stats.requests[VIDEOS] == 4  # the client gave up after one refusal
    assert sim.stats.quota_units["test-key"] == 3


def test_quota_resets_at_midnight_pacific(yt: Any, clock: SimulatedClock) -> None:
    """The quota stays spent until midnight America/Los_Angeles, then resets."""
    for _ in range(3):
        poll(yt)
    clock.set(PACIFIC_MIDNIGHT - timedelta(seconds=1))
    with pytest.raises(HttpError):
        poll(yt)
    clock.set(PACIFIC_MIDNIGHT)
    assert poll(yt)["items"]


def test_quota_is_counted_per_key(base_url: str, yt: Any) -> None:
    """Another API key has its own daily quota."""
    for _ in range(3):
        poll(yt)
    with youtube_client(base_url, developer_key="second-key") as other:
        assert poll(other)["items"]


def test_invalid_key_is_400_key_invalid(base_url: str, sim: Simulator) -> None:
    """A key listed in invalid_keys gets 400 keyInvalid and is charged nothing."""
    with (
        youtube_client(base_url, developer_key="revoked-key") as client,
        pytest.raises(HttpError) as caught,
    ):
        poll(client)
    assert caught.value.status_code == 400
    assert error_of(caught.value)["errors"][0]["reason"] == "keyInvalid"
    assert sim.stats.quota_units == {}


# each fault kind


def test_http429_carries_retry_after(yt: Any, sim: Simulator) -> None:
    """http429 is 429 rateLimitExceeded with a Retry-After header."""
    sim.faults.add(FaultRule(kind="http429", path_prefix=VIDEOS, times=1, retry_after=7))
    with pytest.raises(HttpError) as caught:
        poll(yt)
    assert caught.value.status_code == 429
    assert caught.value.resp["retry-after"] == "7"
    assert error_of(caught.value)["errors"][0]["reason"] == "rateLimitExceeded"


@pytest.mark.parametrize(("kind", "status"), [("http500", 500), ("http503", 503)])
def test_server_errors_then_recovery_with_retries(
    yt: Any, sim: Simulator, kind: str, status: int
) -> None:
    """5xx faults hit the next N requests; the client's retries get through after them."""
    sim.faults.add(FaultRule(kind=kind, path_prefix=VIDEOS, times=2))  # type: ignore[arg-type]
    with pytest.raises(HttpError) as caught:
        poll(yt)
    assert caught.value.status_code == status
    assert error_of(caught.value)["errors"][0]["reason"] == "backendError"
    assert poll(yt, num_retries=2)["items"]  # one more fault, then success
    assert sim.stats.requests[VIDEOS] == 3
    assert sim.stats.faults[kind] == 2


def test_timeout_holds_the_connection_past_the_client_timeout(
    base_url: str, sim: Simulator
) -> None:
    """timeout sends nothing for `delay` real seconds; a client with a shorter timeout gives up."""
    sim.faults.add(FaultRule(kind="timeout", path_prefix=VIDEOS, times=1, delay=1.0))
    with youtube_client(base_url, timeout=0.2) as client:
        started = time.monotonic()
        with pytest.raises(TimeoutError):
            poll(client)
        assert time.monotonic() - started < 1.0
        assert poll(client)["items"]
    assert sim.stats.faults["timeout"] == 1


def test_malformed_is_a_200_with_invalid_json(yt: Any, sim: Simulator) -> None:
    """malformed answers 200 with a cut JSON body; the client hands back the raw text."""
    sim.faults.add(FaultRule(kind="malformed", path_prefix=VIDEOS, times=1))
    result = poll(yt)
    # googleapiclient returns the undecodable body as a str instead of raising.
    assert isinstance(result, str)
    with pytest.raises(json.JSONDecodeError):
        json.loads(result)


def test_truncated_body_is_an_incomplete_read(yt: Any, sim: Simulator) -> None:
    """truncated promises the full Content-Length, sends half and closes: IncompleteRead."""
    sim.faults.add(FaultRule(kind="truncated", path_prefix=VIDEOS, times=1))
    with pytest.raises(http.client.IncompleteRead):
        poll(yt, num_retries=2)  # not a transport error the client retries
    assert sim.stats.faults["truncated"] == 1


def test_quota_fault_looks_like_real_exhaustion(yt: Any, sim: Simulator) -> None:
    """The quota fault gives the same 403 quotaExceeded body without spending quota."""
    sim.faults.add(FaultRule(kind="quota", path_prefix=VIDEOS, times=1))
    with pytest.raises(HttpError) as caught:
        poll(yt)
    assert error_of(caught.value)["errors"][0]["reason"] == "quotaExceeded"
    assert sim.stats.quota_units == {}


def test_key_invalid_fault(yt: Any, sim: Simulator) -> None:
    """The key_invalid fault turns a good key's request into 400 keyInvalid."""
    sim.faults.add(FaultRule(kind="key_invalid", times=1))
    with pytest.raises(HttpError) as caught:
        poll(yt)
    assert caught.value.status_code == 400
    assert error_of(caught.value)["errors"][0]["reason"] == "keyInvalid"


def test_feed_faults_are_plain_error_pages(base_url: str, sim: Simulator) -> None:
    """A fault on the RSS feed is an HTML error page with the fault's status."""
    sim.faults.add(FaultRule(kind="http503", path_prefix="/feeds/", times=1))
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(f"{base_url}/feeds/videos.xml?channel_id={CHANNEL}", timeout=5)
    assert caught.value.code == 503
    assert caught.value.headers["Content-Type"].startswith("text/html")
    caught.value.close()


# when rules fire


def test_rules_only_hit_their_path_prefix(yt: Any, sim: Simulator) -> None:
    """A fault on /youtube/v3/videos leaves channels.list alone."""
    sim.faults.add(FaultRule(kind="http500", path_prefix=VIDEOS))
    assert yt.channels().list(part="contentDetails", id=CHANNEL).execute()["items"]
    with pytest.raises(HttpError):
        poll(yt)


def test_window_rule_is_a_platform_down_for_a_day(clock: SimulatedClock) -> None:
    """start/end limit a rule to a stretch of simulated time."""
    sim = Simulator(scenario(), clock)
    down_from = clock.now() + timedelta(hours=1)
    sim.faults.add(FaultRule(kind="http503", start=down_from, end=down_from + timedelta(days=1)))
    statuses = []
    for step in (timedelta(0), timedelta(hours=2), timedelta(hours=23)):
        clock.advance(step)
        reply = sim.handle(in_process())
        assert reply.response is not None
        statuses.append(reply.response.status)
    assert statuses == [200, 503, 200]


def test_rate_rule_is_seeded_and_repeatable(clock: SimulatedClock) -> None:
    """rate faults draw from the scenario's seed: same seed, same failing requests."""

    def pattern(seed: int) -> list[int]:
        sim = Simulator(scenario(seed), clock)
        sim.faults.add(FaultRule(kind="http500", rate=0.3))
        replies = [sim.handle(in_process()).response for _ in range(60)]
        return [reply.status for reply in replies if reply is not None]

    first = pattern(11)
    assert first == pattern(11)
    assert 5 <= first.count(500) <= 35
    assert first != pattern(12)


def test_times_rule_runs_out(clock: SimulatedClock) -> None:
    """times=N fails exactly the next N matching requests."""
    sim = Simulator(scenario(), clock)
    sim.faults.add(FaultRule(kind="http429", times=2))
    replies = [sim.handle(in_process()).response for _ in range(4)]
    assert [reply.status for reply in replies if reply] == [429, 429, 200, 200]
    assert sim.stats.faults == {"http429": 2}


@pytest.mark.parametrize(
    "options",
    [{"kind": "http418"}, {"kind": "http500", "rate": 1.5}, {"kind": "timeout", "times": -1}],
)
def test_bad_rules_are_refused(options: dict[str, Any]) -> None:
    """An unknown kind, a rate outside [0, 1] or negative times is a ValueError."""
    with pytest.raises(ValueError):
        FaultRule(**options)


def test_shutdown_does_not_wait_for_a_held_connection(clock: SimulatedClock) -> None:
    """Leaving serve() while a timeout fault holds a connection returns promptly."""
    sim = Simulator(scenario(), clock)
    sim.faults.add(FaultRule(kind="timeout", delay=30.0))
    with sim.serve() as url, youtube_client(url, timeout=0.2) as client:
        with pytest.raises(TimeoutError):
            poll(client)
        started = time.monotonic()
    assert time.monotonic() - started < 5


def test_the_feed_answers_a_fault_kind_it_has_no_page_for_with_a_503() -> None:
    """``throttled`` (a Graph fault) on the YouTube feed: a 503 error page, not a dropped
    connection."""
    clock = SimulatedClock(datetime(2026, 3, 16, 9, 0, tzinfo=UTC))
    sim = Simulator(Scenario(streams=[], seed=1), clock)
    sim.faults.add(FaultRule("throttled", "/feeds/", times=1))
    reply = sim.handle(Request("GET", "/feeds/videos.xml", {"channel_id": ["UCx"]}))
    assert reply.response is not None and reply.response.status == 503
    assert reply.response.content_type.startswith("text/html")


@pytest.mark.parametrize("path", ["/v19.0/999999999/live_videos", "/v26.0/1784149999/live_media"])
def test_an_unknown_graph_id_is_graphs_unsupported_get_request(path: str) -> None:
    """An id the world does not have: HTTP 400, code 100/33, GraphMethodException, naming
    the id, as Graph answers (not a plain 404); a bad token is still refused first."""
    clock = SimulatedClock(datetime(2026, 3, 16, 9, 0, tzinfo=UTC))
    sim = Simulator(Scenario(streams=[], seed=1), clock)
    bearer = {"authorization": "Bearer a-token"}
    reply = sim.handle(Request("GET", path, {"fields": ["id"]}, bearer))
    assert reply.response is not None and reply.response.status == 400
    error = json.loads(reply.response.body)["error"]
    assert (error["code"], error["error_subcode"], error["type"]) == (
        100,
        33,
        "GraphMethodException",
    )
    assert f"Object with ID '{path.split('/')[2]}' does not exist" in error["message"]
    refused = sim.handle(Request("GET", path, {}, {}))
    assert refused.response is not None
    assert json.loads(refused.response.body)["error"]["code"] == 104
