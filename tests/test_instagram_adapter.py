"""The Instagram adapter: presence in ``live_media`` is the whole lifecycle.

Unit tests feed payloads shaped like Graph's ``live_media`` answer (``BROADCAST``/
``LIVE`` media, ``+0000`` timestamps) through ``httpx.MockTransport``; the
integration tests run the adapter against the simulator on loopback.
"""

from __future__ import annotations

import json
import logging
import traceback
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from collectors.base import AuthFailed, BadPayload, PlatformError, Transient
from collectors.instagram import InstagramAdapter
from collectors.registry import build_platforms
from collectors.simulator import FaultKind, FaultRule, Scenario, SimStream, Simulator, demo_week
from streamer.clock import SimulatedClock
from streamer.config import Config
from streamer.errors import ConfigError
from streamer.models import Channel, Programme, Stream, StreamStatus

pytestmark = pytest.mark.usefixtures("instant_backoff")

FIXTURES = Path(__file__).parent / "fixtures" / "instagram"
NOW = datetime(2026, 3, 14, 11, 30, tzinfo=UTC)
TOKEN = ("INSTAGRAM_ACCESS_TOKEN", "IGQfake-user-token-0001")
ACCOUNT = Channel("instagram", "17841400000000001", "Antikor.Live Instagram")
FIRST, SECOND = "18023400000000001", "18023400000000002"
Answer = tuple[int, str, dict[str, str]]


def ok(name: str) -> Answer:
    return 200, (FIXTURES / name).read_text(encoding="utf-8"), {}


class Wire:
    """A MockTransport handing out answers in order and keeping every request."""

    def __init__(self, *answers: Answer) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []
        self.client = httpx.Client(transport=httpx.MockTransport(self.handle))

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        status, body, headers = self.answers.pop(0)
        return httpx.Response(status, content=body.encode(), headers=headers)


def adapter(wire: Wire, **options: Any) -> InstagramAdapter:
    return InstagramAdapter(wire.client, TOKEN, **options)


def stream(media_id: str, **facts: Any) -> Stream:
    facts.setdefault("status", StreamStatus.LIVE)
    return Stream("instagram", media_id, ACCOUNT.id, **facts)


def graph_error(code: int, status: int = 400) -> Answer:
    error = {"message": f"(#{code}) x", "type": "OAuthException", "code": code, "fbtrace_id": "A1"}
    return status, json.dumps({"error": error}), {}


# -- discovery ----------------------------------------------------------------------------


def test_discovery_finds_the_media_live_now() -> None:
    """A listed media is a live stream, started at its +0000 timestamp, with no title."""
    wire = Wire(ok("live_media.json"))
    [found] = adapter(wire).discover([ACCOUNT], NOW).streams
    assert (found.external_id, found.channel, found.status) == (FIRST, ACCOUNT.id, "live")
    assert found.actual_start == datetime(2026, 3, 14, 11, 2, 41, tzinfo=UTC)
    assert (found.title, found.scheduled_start, found.discovered_at) == ("", None, NOW)


def test_discovery_sends_the_documented_request() -> None:
    """GET /v19.0/{ig-user-id}/live_media?fields=...; the token in a header, not the URL."""
    wire = Wire(ok("live_media.json"))
    adapter(wire).discover([ACCOUNT], NOW)
    [request] = wire.requests
    assert request.url.path == "/v19.0/17841400000000001/live_media"
    assert request.url.params["fields"] == (
        "id,media_type,media_product_type,owner,username,comments_count,timestamp"
    )
    assert request.headers["authorization"] == f"Bearer {TOKEN[1]}"
    assert TOKEN[1] not in str(request.url)


def test_discovery_skips_known_media_and_other_platforms() -> None:
    """Known ids are not rediscovered; a Facebook Page in the list costs no request."""
    wire = Wire(ok("live_media_two.json"))
    channels = [ACCOUNT, Channel("facebook", "100000000000001")]
    found = adapter(wire).discover(channels, NOW, known={FIRST})
    assert [s.external_id for s in found.streams] == [SECOND]
    assert len(wire.requests) == 1


def test_nothing_live_discovers_nothing() -> None:
    """An empty live_media: no streams (Instagram has nothing upcoming to show)."""
    assert adapter(Wire(ok("live_media_empty.json"))).discover([ACCOUNT], NOW).streams == []


# -- polling ------------------------------------------------------------------------------


def test_a_live_stream_has_comments_and_no_viewer_figures() -> None:
    """Viewers and views are None, never 0 (Instagram has no such metric); comments given."""
    [snapshot] = adapter(Wire(ok("live_media.json"))).poll([stream(FIRST)], NOW).snapshots
    assert (snapshot.status, snapshot.comments) == (StreamStatus.LIVE, 14)
    assert (snapshot.concurrent_viewers, snapshot.views, snapshot.likes) == (None, None, None)


def test_a_missing_comments_count_is_none() -> None:
    """A media listed without comments_count: comments None."""
    result = adapter(Wire(ok("live_media_two.json"))).poll([stream(SECOND)], NOW)
    assert result.snapshots[0].comments is None


def test_a_live_stream_no_longer_listed_has_ended_at_this_poll() -> None:
    """Absent from live_media: ended, actual_end = the first poll that missed it."""
    result = adapter(Wire(ok("live_media_empty.json"))).poll([stream(FIRST)], NOW)
    [update], [snapshot] = result.updates, result.snapshots
    assert (update.status, update.actual_end) == (StreamStatus.ENDED, NOW)
    assert (snapshot.status, snapshot.concurrent_viewers, snapshot.views) == ("ended", None, None)


def test_ended_streams_cost_no_request() -> None:
    """Already ended: nothing left to learn, so no request, no snapshot, unchanged."""
    wire = Wire()
    ended = stream(FIRST, status=StreamStatus.ENDED, actual_end=NOW - timedelta(hours=1))
    result = adapter(wire).poll([ended], NOW)
    assert (result.updates, result.snapshots, wire.requests) == ([ended], [], [])


def test_one_request_per_account_for_all_its_streams() -> None:
    """Two streams on one account: one live_media call; one ended, one still live."""
    wire = Wire(ok("live_media.json"))
    result = adapter(wire).poll([stream(FIRST), stream(SECOND)], NOW)
    assert len(wire.requests) == 1
    assert [u.status for u in result.updates] == [StreamStatus.LIVE, StreamStatus.ENDED]


def test_a_stream_listed_again_is_live_again() -> None:
    """An ended stream that reappears (another live stream on the account) is live again."""
    wire = Wire(ok("live_media_two.json"))
    ended = stream(FIRST, status=StreamStatus.ENDED, actual_end=NOW)
    result = adapter(wire).poll([ended, stream(SECOND)], NOW)
    assert [(u.status, u.actual_end) for u in result.updates] == [
        (StreamStatus.LIVE, None),
        (StreamStatus.LIVE, None),
    ]


# -- errors (shared with Facebook in collectors.graph) ------------------------------------


def test_an_expired_token_names_the_instagram_variable() -> None:
    """Code 190: AuthFailed naming INSTAGRAM_ACCESS_TOKEN."""
    with pytest.raises(AuthFailed) as caught:
        adapter(Wire(graph_error(190))).poll([stream(FIRST)], NOW)
    assert caught.value.env_var == "INSTAGRAM_ACCESS_TOKEN"


def test_a_missing_permission_is_a_permission_error() -> None:
    """Code 10 (e.g. instagram_basic not granted): reason "permission", not retried."""
    wire = Wire(graph_error(10))
    with pytest.raises(PlatformError) as caught:
        adapter(wire).poll([stream(FIRST)], NOW)
    assert (caught.value.reason, len(wire.requests)) == ("permission", 1)


def test_a_refused_account_is_a_failure_of_that_account_in_discovery() -> None:
    """Code 10 on discovery: named in ``failures`` with reason "permission", not raised."""
    found = adapter(Wire(graph_error(10))).discover([ACCOUNT], NOW)
    assert (found.streams, {k: e.reason for k, e in found.failures.items()}) == (
        [],
        {ACCOUNT.id: "permission"},
    )


def test_throttling_slows_down() -> None:
    """Code 17 (user throttled): "throttled" and the next poll is refused locally."""
    wire = Wire(graph_error(17))
    ig = adapter(wire, clock=SimulatedClock(NOW))
    for _ in range(2):
        with pytest.raises(Transient) as caught:
            ig.poll([stream(FIRST)], NOW)
        assert caught.value.reason == "throttled"
    assert len(wire.requests) == 1


def test_a_malformed_timestamp_is_a_bad_payload() -> None:
    """A timestamp that is not a time: BadPayload naming the media, the account's failure."""
    body = json.dumps({"data": [{"id": FIRST, "timestamp": "yesterday"}]})
    found = adapter(Wire((200, body, {}))).discover([ACCOUNT], NOW)
    failure = found.failures[ACCOUNT.id]
    assert isinstance(failure, BadPayload) and FIRST in str(failure)


def test_no_message_repr_or_log_shows_the_token(caplog: pytest.LogCaptureFixture) -> None:
    """Errors, tracebacks, reprs and log lines (httpx's included) hold no token."""
    wire = Wire(graph_error(190), graph_error(4), ok("live_media.json"))
    ig = adapter(wire, clock=SimulatedClock(NOW))
    seen = [repr(ig), repr(ig._graph._token)]
    with caplog.at_level(logging.DEBUG):
        for _ in range(3):
            try:
                ig.poll([stream(FIRST)], NOW)
            except PlatformError as exc:
                seen += [str(exc), repr(exc), "".join(traceback.format_exception(exc))]
    assert len(seen) == 2 + 3 * 3 and caplog.records
    assert all(TOKEN[1] not in text for text in [*seen, caplog.text])


def test_the_registry_refuses_a_missing_token_variable() -> None:
    """An Instagram account in the config and no token variable: ConfigError naming it."""
    programme = Programme("antikor", "Antikor.Live", (ACCOUNT,))
    config = Config(path=Path("streamer.toml"), data_dir=Path("data"), programmes={"a": programme})
    with ExitStack() as stack, pytest.raises(ConfigError, match="INSTAGRAM_ACCESS_TOKEN"):
        build_platforms(config, {"INSTAGRAM_ACCESS_TOKEN": ""}, SimulatedClock(NOW), stack)


# -- integration: the simulator on loopback -----------------------------------------------

T0 = datetime(2026, 3, 14, 10, 0, tzinfo=UTC)
LIVE_MEDIA = f"/v19.0/{ACCOUNT.id}/live_media"


def sim_stream(media_id: str, start_h: float = 1, **facts: Any) -> SimStream:
    """A broadcast on the account starting ``start_h`` hours after T0 and airing an hour."""
    start = T0 + timedelta(hours=start_h)
    facts = {"actual_start": start, "actual_end": start + timedelta(hours=1), **facts}
    return SimStream(
        platform="instagram",
        channel=ACCOUNT.id,
        video_id=media_id,
        title="",
        scheduled_start=start,
        peak_viewers=90,
        final_views=40_000,
        **facts,
    )


@contextmanager
def simulated(
    streams: list[SimStream], **sim_options: Any
) -> Iterator[tuple[Simulator, InstagramAdapter, SimulatedClock]]:
    """The simulator on loopback and an adapter pointed at it, both on one clock."""
    clock = SimulatedClock(T0)
    sim = Simulator(Scenario(streams=streams, seed=7), clock, **sim_options)
    with sim.serve() as base_url, httpx.Client(timeout=0.3) as http:
        yield sim, InstagramAdapter(http, TOKEN, api_endpoint=base_url, clock=clock), clock


def test_sim_a_broadcast_is_found_live_then_ends() -> None:
    """Unseen before the start; live with the true comments and no viewers; then ended."""
    with simulated([sim_stream(FIRST)]) as (sim, ig, clock):
        before = ig.discover([ACCOUNT], clock.now()).streams
        clock.set(T0 + timedelta(hours=1.5))
        [mine] = ig.discover([ACCOUNT], clock.now()).streams
        live = ig.poll([mine], clock.now())
        truth = sim.ground_truth()[FIRST]
        clock.set(T0 + timedelta(hours=2, minutes=1))
        gone = ig.poll(live.updates, clock.now())
    [snapshot] = live.snapshots
    assert before == [] and mine.actual_start == T0 + timedelta(hours=1)
    assert (snapshot.concurrent_viewers, snapshot.views) == (None, None)
    assert snapshot.comments == truth.comments and truth.comments > 0
    assert gone.updates[0].status is StreamStatus.ENDED
    assert gone.updates[0].actual_end == T0 + timedelta(hours=2, minutes=1)


def test_sim_ended_polls_after_the_end_ask_nothing() -> None:
    """Once ended, later (final) polls send no request."""
    with simulated([sim_stream(FIRST, start_h=-2)]) as (sim, ig, clock):
        ended = stream(FIRST, status=StreamStatus.ENDED, actual_end=T0 - timedelta(hours=1))
        ig.poll([ended], clock.now())
    assert sim.stats.total_requests == 0


@pytest.mark.parametrize("kind", ["http500", "http503", "timeout", "malformed", "truncated"])
def test_sim_transient_faults_are_retried(kind: FaultKind) -> None:
    """One injected fault on live_media: retried, and the poll succeeds."""
    with simulated([sim_stream(FIRST, start_h=-0.5)]) as (sim, ig, clock):
        sim.faults.add(FaultRule(kind=kind, path_prefix=LIVE_MEDIA, times=1, delay=1.0))
        result = ig.poll([stream(FIRST)], clock.now())
    assert (result.updates[0].status, result.calls) == (StreamStatus.LIVE, 2)


def test_sim_buc_throttling_cools_the_account_down_for_its_regain_time() -> None:
    """80002 from the simulator: "throttled", refused locally for the regain time, then asked."""
    with simulated([sim_stream(FIRST, start_h=-0.5)]) as (sim, ig, clock):
        sim.faults.add(FaultRule("throttled", LIVE_MEDIA, times=1, regain_minutes=4))
        asked, refused = (ig.poll([stream(FIRST)], clock.now()) for _ in range(2))
        assert "code 80002" in str(asked.failures[stream(FIRST).key]) and not asked.updates
        assert "not sent" in str(refused.failures[stream(FIRST).key]) and not refused.updates
        assert ig.cooldown_of(ACCOUNT.id) == clock.now() + timedelta(minutes=4)
        clock.advance(timedelta(minutes=4))
        result = ig.poll([stream(FIRST)], clock.now())
    assert (result.updates[0].status, sim.stats.requests[LIVE_MEDIA]) == (StreamStatus.LIVE, 2)


def test_sim_an_expired_token_is_auth_failed_on_the_first_try() -> None:
    """The key_invalid fault (190/463): AuthFailed at once, no retry."""
    with simulated([sim_stream(FIRST, start_h=-0.5)]) as (sim, ig, clock):
        sim.faults.add(FaultRule(kind="key_invalid", path_prefix=LIVE_MEDIA))
        with pytest.raises(AuthFailed):
            ig.poll([stream(FIRST)], clock.now())
    assert sim.stats.requests[LIVE_MEDIA] == 1


def test_sim_the_demo_week_simulcasts_on_instagram() -> None:
    """demo_week with IG user ids: each YouTube slot also live on Instagram at the same time."""
    week = demo_week(date(2025, 3, 3), adal_instagram="178410001", antikor_instagram="178410002")
    youtube = [s for s in week.streams if s.platform == "youtube"]
    instagram = [s for s in week.streams if s.platform == "instagram"]
    assert [s.actual_start for s in instagram] == [s.actual_start for s in youtube]
    pairs = zip(instagram, youtube, strict=True)
    assert all(i.final_views < y.final_views or y.final_views == 0 for i, y in pairs)
    assert {s.channel for s in week.streams if s.platform == "facebook"} == set()
