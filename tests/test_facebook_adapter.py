"""The Facebook adapter (and the Graph client it shares with Instagram).

Unit tests feed payloads shaped like the recorded Graph responses (tests/fixtures/
facebook/: ``+0000`` times, titles left out, ``live_views: 0`` on a VOD, an empty page
that still has ``next``) through ``httpx.MockTransport``; the integration tests at
the end run the adapter against the simulator on loopback.
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
from collectors.facebook import STATES, FacebookAdapter, read_facts
from collectors.graph import usage_percent
from collectors.registry import build_platforms
from collectors.simulator import FaultKind, FaultRule, Scenario, SimStream, Simulator, demo_week
from collectors.simulator.facebook import fb_video_id
from streamer.clock import SimulatedClock
from streamer.config import Config
from streamer.errors import ConfigError
from streamer.models import Channel, Programme, Stream, StreamStatus

pytestmark = pytest.mark.usefixtures("instant_backoff")

FIXTURES = Path(__file__).parent / "fixtures" / "facebook"
NOW = datetime(2026, 3, 14, 11, 30, tzinfo=UTC)
TOKEN = ("FACEBOOK_ACCESS_TOKEN", "EAAGfake-page-token-0001")
PAGE = Channel("facebook", "100000000000001", "Antikor.Live Facebook")
LIVE, UPCOMING, VOD = "10160700000000001", "10160700000000002", "10160700000000003"
CANCELLED, EXPIRED, OLD = "10160700000000004", "10160700000000005", "10160600000000009"
Answer = tuple[int, Any, dict[str, str]]


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def ok(name: str, **headers: str) -> Answer:
    return 200, fixture(name), headers


def fail(status: int, name: str, **headers: str) -> Answer:
    return status, fixture(name), headers


class Wire:
    """A MockTransport handing out answers in order and keeping every request."""

    def __init__(self, *answers: Answer | Exception) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []
        self.client = httpx.Client(transport=httpx.MockTransport(self.handle))

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        status, body, headers = answer
        content = body if isinstance(body, bytes) else body.encode()
        return httpx.Response(status, content=content, headers=headers)

    def paths(self) -> list[str]:
        return [r.url.path for r in self.requests]


def adapter(wire: Wire, **options: Any) -> FacebookAdapter:
    return FacebookAdapter(wire.client, TOKEN, **options)


def stream(external_id: str, **facts: Any) -> Stream:
    return Stream("facebook", external_id, PAGE.id, **facts)


def polled(wire: Wire, *ids: str, **options: Any) -> Any:
    return adapter(wire, **options).poll([stream(i) for i in ids], NOW)


# -- reading items ----------------------------------------------------------------------


@pytest.mark.parametrize(("status", "state"), sorted(STATES.items()))
def test_each_graph_status_maps_to_a_stream_state(status: str, state: StreamStatus) -> None:
    """LIVE live; SCHEDULED_*/UNPUBLISHED upcoming; stopped/processing/VOD ended; else missing."""
    item = {"id": LIVE, "status": status, "broadcast_start_time": "2026-03-14T11:01:23+0000"}
    assert read_facts(stream(LIVE), item, NOW).status is state


def test_an_unknown_status_keeps_the_known_state() -> None:
    """A status newer than the code does not fail the poll or change the state."""
    item = {"id": LIVE, "status": "SOMETHING_NEW"}
    assert read_facts(stream(LIVE, status=StreamStatus.LIVE), item, NOW).status is StreamStatus.LIVE


def test_a_malformed_time_is_a_bad_payload() -> None:
    """A planned_start_time that is not a time: BadPayload naming the item."""
    item = {"id": LIVE, "status": "SCHEDULED_LIVE", "planned_start_time": "tomorrow"}
    with pytest.raises(BadPayload, match=LIVE):
        read_facts(stream(LIVE), item, NOW)


# -- polling ----------------------------------------------------------------------------


def test_poll_reads_a_live_broadcast() -> None:
    """live_views is the concurrent count; +0000 times are read as UTC; views not asked."""
    result = polled(Wire(ok("live_videos_page1.json")), LIVE)
    [update], [snapshot] = result.updates, result.snapshots
    assert update.status is StreamStatus.LIVE
    assert update.actual_start == datetime(2026, 3, 14, 11, 1, 23, tzinfo=UTC)
    assert update.scheduled_start == datetime(2026, 3, 14, 11, 0, tzinfo=UTC)
    assert update.title == "Antikor.Live — тікелей эфир"
    assert (snapshot.concurrent_viewers, snapshot.views) == (57, None)
    assert result.calls == 1


def test_poll_sends_the_documented_request_with_the_token_in_a_header() -> None:
    """GET /v19.0/{page}/live_videos?fields=...; the token in Authorization, not the URL."""
    wire = Wire(ok("live_videos_page1.json"))
    polled(wire, LIVE)
    [request] = wire.requests
    assert str(request.url).startswith("https://graph.facebook.com/v19.0/100000000000001/")
    assert request.url.path.endswith("/live_videos")
    assert request.url.params["fields"] == (
        "id,status,title,creation_time,live_views,broadcast_start_time,planned_start_time,video{id}"
    )
    assert request.headers["authorization"] == f"Bearer {TOKEN[1]}"
    assert TOKEN[1] not in str(request.url)


def test_the_graph_version_and_endpoint_come_from_the_settings() -> None:
    """A pinned version and another endpoint appear in the request path."""
    wire = Wire(ok("live_videos_page1.json"))
    polled(wire, LIVE, api_endpoint="http://127.0.0.1:9/", graph_version="v21.0")
    assert str(wire.requests[0].url).startswith("http://127.0.0.1:9/v21.0/100000000000001/")


def test_a_missing_title_keeps_the_known_one() -> None:
    """Graph leaves title out when empty: the stream keeps what it had ("" when new)."""
    wire = Wire(ok("live_videos_page1.json"), ok("video_insights.json"))
    result = adapter(wire).poll([stream(VOD, title="Known title")], NOW)
    assert result.updates[0].title == "Known title"


def test_an_ended_broadcast_gets_views_from_video_insights() -> None:
    """VOD: ended at this poll, viewers None (live_views 0 is not a count), insights views."""
    wire = Wire(ok("live_videos_page1.json"), ok("video_insights.json"))
    result = polled(wire, VOD)
    [update], [snapshot] = result.updates, result.snapshots
    assert (update.status, update.actual_end) == (StreamStatus.ENDED, NOW)
    assert (snapshot.concurrent_viewers, snapshot.views) == (None, 812)
    assert wire.paths()[1] == "/v19.0/4163439280375003/video_insights"
    assert wire.requests[1].url.params["metric"] == "total_video_views"


def test_an_ended_broadcast_keeps_its_first_end() -> None:
    """A later poll of an ended broadcast does not move actual_end."""
    first_end = NOW - timedelta(hours=2)
    wire = Wire(ok("live_videos_page1.json"), ok("video_insights.json"))
    result = adapter(wire).poll([stream(VOD, actual_end=first_end)], NOW)
    assert result.updates[0].actual_end == first_end


def test_an_empty_insights_set_is_none_not_zero() -> None:
    """Insights answered with no data: views None."""
    result = polled(Wire(ok("live_videos_page1.json"), ok("video_insights_empty.json")), VOD)
    assert result.snapshots[0].views is None


def test_a_refused_insights_call_does_not_fail_the_poll() -> None:
    """(#100) missing permission on insights: the snapshot is kept, views None."""
    wire = Wire(ok("live_videos_page1.json"), fail(400, "error_permission.json"))
    result = polled(wire, VOD)
    assert (result.snapshots[0].status, result.snapshots[0].views) == (StreamStatus.ENDED, None)


def test_refused_insights_are_not_asked_again_for_a_while() -> None:
    """After a refusal, polls skip insights for six hours, then try once more."""
    wire = Wire(ok("live_videos_page1.json"), fail(400, "error_permission.json"))
    fb = adapter(wire)
    fb.poll([stream(VOD)], NOW)
    wire.answers += [ok("live_videos_page1.json"), ok("live_videos_page1.json")]
    wire.answers.append(ok("video_insights.json"))
    assert fb.poll([stream(VOD)], NOW + timedelta(hours=1)).snapshots[0].views is None
    later = fb.poll([stream(VOD)], NOW + timedelta(hours=6)).snapshots[0].views
    assert later == 812
    assert [p.endswith("video_insights") for p in wire.paths()] == [False, True, False, False, True]


def test_a_string_total_views_is_read_when_insights_are_refused() -> None:
    """LiveVideo.total_views is a string in Graph: read as a number when it is there."""
    wire = Wire(ok("live_videos_vod_total_views.json"), fail(400, "error_permission.json"))
    assert polled(wire, VOD).snapshots[0].views == 1234


def test_cancelled_and_expired_broadcasts_come_back_missing() -> None:
    """SCHEDULED_CANCELED and SCHEDULED_EXPIRED: missing, no snapshot."""
    result = polled(Wire(ok("live_videos_page1.json")), CANCELLED, EXPIRED)
    assert result.missing == {CANCELLED, EXPIRED}
    assert result.snapshots == []
    assert {u.status for u in result.updates} == {StreamStatus.MISSING}


def test_paging_follows_after_cursors_through_an_empty_page() -> None:
    """An empty page that has next is followed; the after cursor is sent, not the next URL."""
    pages = ["live_videos_page1.json", "live_videos_empty_next.json", "live_videos_last.json"]
    wire = Wire(*[ok(name) for name in pages], ok("video_insights.json"))
    result = polled(wire, OLD)
    assert result.updates[0].status is StreamStatus.ENDED
    assert [r.url.params.get("after") for r in wire.requests[:3]] == [None, "QVFIUnZA", "QVFIUmFk"]
    assert all(
        r.url.host == "graph.facebook.com" and "limit" not in r.url.params for r in wire.requests
    )


def test_an_id_absent_from_every_page_is_missing() -> None:
    """Walked to the page without next and not found: deleted, so missing."""
    wire = Wire(
        ok("live_videos_page1.json"), ok("live_videos_empty_next.json"), ok("live_videos_last.json")
    )
    result = polled(wire, "10169999999999999")
    assert result.missing == {"10169999999999999"}
    assert result.calls == 3


def test_paging_stops_once_every_asked_id_is_found() -> None:
    """Both ids on the first page: one request, although the page has next."""
    result = polled(Wire(ok("live_videos_page1.json")), LIVE, UPCOMING)
    assert (result.calls, len(result.snapshots)) == (1, 2)


def test_one_request_per_page_for_several_streams() -> None:
    """Streams on two Pages: one listing each."""
    wire = Wire(ok("live_videos_page1.json"), ok("live_videos_page1.json"))
    other = Stream("facebook", LIVE, "100000000000002")
    adapter(wire).poll([stream(UPCOMING), other], NOW)
    assert wire.paths() == [
        "/v19.0/100000000000001/live_videos",
        "/v19.0/100000000000002/live_videos",
    ]


def test_poll_keeps_the_engines_fields() -> None:
    """broadcast_id, next_poll_at and final_polls come back unchanged."""
    mine = stream(LIVE, broadcast_id="b-1", final_polls=2, next_poll_at=NOW)
    update = adapter(Wire(ok("live_videos_page1.json"))).poll([mine], NOW).updates[0]
    assert (update.broadcast_id, update.final_polls, update.next_poll_at) == ("b-1", 2, NOW)


# -- discovery --------------------------------------------------------------------------


def test_discovery_adopts_new_broadcasts_and_leaves_out_cancelled_ones() -> None:
    """Walks to the last page; cancelled/expired ones are not adopted."""
    wire = Wire(
        ok("live_videos_page1.json"), ok("live_videos_empty_next.json"), ok("live_videos_last.json")
    )
    found = adapter(wire, lookback=timedelta(days=365)).discover([PAGE], NOW)
    assert [s.external_id for s in found.streams] == [LIVE, UPCOMING, VOD, OLD]
    assert all(s.channel == PAGE.id and s.discovered_at == NOW for s in found.streams)


def test_discovery_stops_at_a_known_broadcast() -> None:
    """Newest first: a known id ends the walk, one request."""
    found = adapter(Wire(ok("live_videos_page1.json"))).discover([PAGE], NOW, known={VOD})
    assert [s.external_id for s in found.streams] == [LIVE, UPCOMING]
    assert found.usage.calls == 1


def test_discovery_stops_at_the_lookback_horizon() -> None:
    """Broadcasts created before the lookback end the walk."""
    wire = Wire(ok("live_videos_page1.json"))
    found = adapter(wire, lookback=timedelta(days=2)).discover([PAGE], NOW)
    assert [s.external_id for s in found.streams] == [LIVE, UPCOMING]


def test_discovery_skips_other_platforms_channels() -> None:
    """A YouTube channel in the list costs no Graph request."""
    wire = Wire()
    found = adapter(wire).discover([Channel("youtube", "UCx")], NOW)
    assert (found.streams, wire.requests) == ([], [])


# -- errors -----------------------------------------------------------------------------


def graph_error(code: int, status: int = 400, subcode: int | None = None) -> Answer:
    error: dict[str, Any] = {"message": f"(#{code}) x", "type": "OAuthException", "code": code}
    if subcode is not None:
        error["error_subcode"] = subcode
    return status, json.dumps({"error": error | {"fbtrace_id": "AbC-12_x"}}), {}


@pytest.mark.parametrize("code", [190, 102])
def test_token_errors_name_the_variable(code: int) -> None:
    """190 (expired/invalid token) and 102 (session): AuthFailed naming the variable, once."""
    wire = Wire(graph_error(code, subcode=463))
    with pytest.raises(AuthFailed) as caught:
        polled(wire, LIVE)
    assert caught.value.env_var == "FACEBOOK_ACCESS_TOKEN"
    assert "FACEBOOK_ACCESS_TOKEN" in str(caught.value) and f"code {code}/463" in str(caught.value)
    assert len(wire.requests) == 1


@pytest.mark.parametrize("code", [4, 17, 32, 341, 613])
def test_throttling_codes_slow_down_without_retrying(code: int) -> None:
    """Throttled: one request, Transient "throttled", a cooldown of ten minutes."""
    wire = Wire(graph_error(code))
    fb = adapter(wire, clock=SimulatedClock(NOW))
    with pytest.raises(Transient) as caught:
        fb.poll([stream(LIVE)], NOW)
    assert caught.value.reason == "throttled"
    assert (len(wire.requests), fb.cooldown_until) == (1, NOW + timedelta(minutes=10))


def test_a_cooldown_refuses_calls_without_sending_them() -> None:
    """While cooling down a poll raises "throttled" at no cost; after it, calls resume."""
    clock = SimulatedClock(NOW)
    wire = Wire(fail(400, "error_page_limit.json"), ok("live_videos_page1.json"))
    fb = adapter(wire, clock=clock)
    with pytest.raises(Transient):
        fb.poll([stream(LIVE)], clock.now())
    clock.advance(timedelta(minutes=9))
    with pytest.raises(Transient) as caught:
        fb.poll([stream(LIVE)], clock.now())
    assert caught.value.reason == "throttled" and caught.value.usage is not None
    assert (caught.value.usage.calls, len(wire.requests)) == (0, 1)
    clock.advance(timedelta(minutes=1))
    assert len(fb.poll([stream(LIVE)], clock.now()).snapshots) == 1


def test_high_app_usage_keeps_the_answer_and_slows_down() -> None:
    """X-App-Usage call_count 95: this poll's data is kept; the next is refused locally."""
    clock = SimulatedClock(NOW)
    usage = {"x-app-usage": '{"call_count":95,"total_cputime":12,"total_time":20}'}
    wire = Wire(ok("live_videos_page1.json", **usage))
    fb = adapter(wire, clock=clock)
    assert len(fb.poll([stream(LIVE)], clock.now()).snapshots) == 1
    assert fb.cooldown_until == NOW + timedelta(minutes=5)
    clock.advance(timedelta(minutes=1))  # the next cycle
    with pytest.raises(Transient, match="slowing down"):
        fb.poll([stream(LIVE)], clock.now())
    assert len(wire.requests) == 1


def test_moderate_usage_does_not_slow_down() -> None:
    """Page usage at 60 %: no cooldown."""
    wire = Wire(ok("live_videos_page1.json", **{"x-page-usage": '{"call_count":60}'}))
    fb = adapter(wire)
    fb.poll([stream(LIVE)], NOW)
    assert fb.cooldown_until is None


@pytest.mark.parametrize(
    ("value", "percent"),
    [
        ('{"call_count":91,"total_cputime":3,"total_time":4}', 91),
        ('{"call_count":10,"total_cputime":97,"total_time":4}', 97),
        ("", None),
        ("not json", None),
        ('{"call_count":"x"}', None),
    ],
)
def test_usage_headers_read_their_highest_figure(value: str, percent: int | None) -> None:
    """Graph blocks at 100 % of any figure, so the highest one counts; junk is ignored."""
    assert usage_percent(value) == percent


@pytest.mark.parametrize("code", [1, 2])
def test_transient_codes_are_retried(code: int) -> None:
    """Codes 1 and 2 are retried, and the poll then succeeds."""
    wire = Wire(graph_error(code, status=500), ok("live_videos_page1.json"))
    result = polled(wire, LIVE)
    assert (len(result.snapshots), result.calls) == (1, 2)


def test_transient_retries_run_out_into_a_transient_error() -> None:
    """Four unknown errors (the policy's attempts): Transient with the usage of all four."""
    wire = Wire(*[fail(500, "error_unknown.json")] * 4)
    with pytest.raises(Transient) as caught:
        polled(wire, LIVE)
    assert caught.value.usage is not None and caught.value.usage.calls == 4
    assert "code 1/99" in str(caught.value)


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        (100, "permission"),
        (10, "permission"),
        (200, "permission"),
        (299, "permission"),
        (368, "blocked"),
        (803, "rejected"),
    ],
)
def test_refusals_are_platform_errors_with_a_reason(code: int, reason: str) -> None:
    """Permission codes, a policy block and an unknown 400: not retried, reason named."""
    wire = Wire(graph_error(code))
    with pytest.raises(PlatformError) as caught:
        polled(wire, LIVE)
    assert not isinstance(caught.value, Transient)
    assert (caught.value.reason, len(wire.requests)) == (reason, 1)


def test_a_non_graph_502_is_transient() -> None:
    """A proxy's HTML 502 then the answer: retried."""
    wire = Wire((502, "<html>Bad Gateway</html>", {}), ok("live_videos_page1.json"))
    assert polled(wire, LIVE).calls == 2


@pytest.mark.parametrize(
    ("failure", "reason"),
    [(httpx.ReadTimeout("timed out"), "timeout"), (httpx.ConnectError("refused"), "transient")],
)
def test_transport_failures_are_retried_then_transient(failure: Exception, reason: str) -> None:
    """Timeouts and refused connections: four attempts, then Transient with a reason."""
    with pytest.raises(Transient) as caught:
        polled(Wire(*[failure] * 4), LIVE)
    assert caught.value.reason == reason


def test_a_malformed_body_is_retried_once_then_bad_payload() -> None:
    """Half a JSON body twice: one retry, then BadPayload."""
    half = fixture("live_videos_page1.json")[:200]
    wire = Wire((200, half, {}), (200, half, {}))
    with pytest.raises(BadPayload):
        polled(wire, LIVE)
    assert len(wire.requests) == 2


@pytest.mark.parametrize(
    "body",
    ['{"data": {}}', '{"data": [{"status": "LIVE"}]}', '{"data": [], "paging": {"next": "x"}}'],
    ids=["data-not-a-list", "item-without-id", "next-without-cursor"],
)
def test_misshapen_pages_are_bad_payloads(body: str) -> None:
    """data not a list, an item without id, next without a cursor: BadPayload."""
    with pytest.raises(BadPayload):
        polled(Wire((200, body, {}), (200, body, {})), LIVE)


# -- secrets ------------------------------------------------------------------------------


def test_no_message_repr_or_log_shows_the_token(caplog: pytest.LogCaptureFixture) -> None:
    """Errors, tracebacks, reprs and every log line (httpx's included) hold no token."""
    answers: list[Answer | Exception] = [fail(400, "error_token_expired.json")]
    answers += [httpx.ConnectError(f"failed with {TOKEN[1]}")] * 4
    answers += [fail(400, "error_page_limit.json"), ok("live_videos_page1.json")]
    wire = Wire(*answers)
    fb = adapter(wire, clock=SimulatedClock(NOW))
    seen = [repr(fb), repr(fb._graph), repr(fb._graph._token)]
    with caplog.at_level(logging.DEBUG):
        for _ in range(4):
            try:
                fb.poll([stream(VOD)], NOW)
            except PlatformError as exc:
                seen += [str(exc), repr(exc), "".join(traceback.format_exception(exc))]
    assert len(seen) == 3 + 4 * 3 and len(caplog.records) > 0
    assert all(TOKEN[1] not in text for text in [*seen, caplog.text])


def test_an_empty_token_is_a_config_error_naming_the_variable() -> None:
    """No token: ConfigError naming FACEBOOK_ACCESS_TOKEN, before any request."""
    with pytest.raises(ConfigError, match="FACEBOOK_ACCESS_TOKEN"):
        FacebookAdapter(httpx.Client(), ("FACEBOOK_ACCESS_TOKEN", ""))


def config_with(platform: str, channel: str) -> Config:
    programme = Programme("antikor", "Antikor.Live", (Channel(platform, channel),))
    return Config(path=Path("streamer.toml"), data_dir=Path("data"), programmes={"a": programme})


def test_the_registry_refuses_a_missing_token_variable() -> None:
    """A Page in the config and no FACEBOOK_ACCESS_TOKEN: ConfigError naming it."""
    with ExitStack() as stack, pytest.raises(ConfigError, match="FACEBOOK_ACCESS_TOKEN"):
        build_platforms(config_with("facebook", PAGE.id), {}, SimulatedClock(NOW), stack)


def test_the_registry_builds_the_adapter_from_the_environment() -> None:
    """With the variable set, the facebook adapter is built (and nothing else)."""
    env = {"FACEBOOK_ACCESS_TOKEN": TOKEN[1]}
    with ExitStack() as stack:
        built = build_platforms(config_with("facebook", PAGE.id), env, SimulatedClock(NOW), stack)
    assert list(built) == ["facebook"] and isinstance(built["facebook"], FacebookAdapter)


# -- integration: the simulator on loopback ---------------------------------------------

T0 = datetime(2026, 3, 14, 10, 0, tzinfo=UTC)
LIVE_VIDEOS = f"/v19.0/{PAGE.id}/live_videos"


def sim_stream(live_id: str, start_h: float = 1, **facts: Any) -> SimStream:
    """A broadcast on the Page starting ``start_h`` hours after T0 and airing an hour."""
    start = T0 + timedelta(hours=start_h)
    aired: dict[str, Any] = {"actual_start": start, "actual_end": start + timedelta(hours=1)}
    facts = {"scheduled_start": start, "peak_viewers": 150, "final_views": 600, **aired, **facts}
    return SimStream(
        platform="facebook", channel=PAGE.id, video_id=live_id, title=f"Эфир {live_id}", **facts
    )


@contextmanager
def simulated(
    streams: list[SimStream], **sim_options: Any
) -> Iterator[tuple[Simulator, FacebookAdapter, SimulatedClock]]:
    """The simulator on loopback and an adapter pointed at it, both on one clock."""
    clock = SimulatedClock(T0)
    sim = Simulator(Scenario(streams=streams, seed=7), clock, **sim_options)
    with sim.serve() as base_url, httpx.Client(timeout=0.3) as http:
        yield sim, FacebookAdapter(http, TOKEN, api_endpoint=base_url, clock=clock), clock


def test_sim_a_broadcast_goes_upcoming_live_ended() -> None:
    """Upcoming, live with the true viewer count, ended with the true views from insights."""
    seen = []
    with simulated([sim_stream("3000000000000001")]) as (sim, fb, clock):
        [mine] = fb.discover([PAGE], clock.now()).streams
        for hours in (0.5, 1.5, 2.03, 2.5):
            clock.set(T0 + timedelta(hours=hours))
            result = fb.poll([mine], clock.now())
            mine, [snapshot] = result.updates[0], result.snapshots
            seen.append((mine.status, snapshot.concurrent_viewers, snapshot.views))
            truth = sim.ground_truth()["3000000000000001"]
    viewers_at_90_min = seen[1][1]
    assert [s[0] for s in seen] == [StreamStatus.UPCOMING, StreamStatus.LIVE] + [
        StreamStatus.ENDED
    ] * 2
    assert viewers_at_90_min is not None and viewers_at_90_min > 0
    assert seen[0][1:] == (None, None) and seen[2][1] is None
    assert seen[3][2] == truth.views and truth.views > 0  # insights views after the end
    assert mine.actual_start == T0 + timedelta(hours=1)
    assert mine.actual_end == T0 + timedelta(hours=2.03)  # first poll that saw it ended


def test_sim_a_private_page_of_results_is_empty_but_has_next() -> None:
    """25 private broadcasts newest: page one is empty with next; the old one is on page two."""
    old = sim_stream("3000000000000100", start_h=-48)
    hidden = [
        sim_stream(f"30000000000002{n:02d}", start_h=-n, privacy="private") for n in range(25)
    ]
    with simulated([old, *hidden]) as (sim, fb, clock):
        found = fb.discover([PAGE], clock.now()).streams
        result = fb.poll([stream(old.video_id)], clock.now())
    assert [s.external_id for s in found] == [old.video_id]
    assert result.updates[0].status is StreamStatus.ENDED
    # Two pages, read once: discovery and the poll of the same cycle share them.
    assert sim.stats.requests[LIVE_VIDEOS] == 2


def test_sim_a_cancelled_broadcast_comes_back_missing() -> None:
    """Deleted before it aired: SCHEDULED_CANCELED, so missing."""
    gone = sim_stream("3000000000000003", start_h=3, deleted_at=T0 + timedelta(hours=1))
    with simulated([gone]) as (_, fb, clock):
        [found] = fb.discover([PAGE], clock.now()).streams
        clock.advance(timedelta(hours=2))
        result = fb.poll([found], clock.now())
    assert result.missing == {"3000000000000003"}


def test_sim_a_no_show_expires_into_missing() -> None:
    """Planned, never held: upcoming, then SCHEDULED_EXPIRED an hour after the start."""
    no_show = sim_stream("3000000000000004", actual_start=None, actual_end=None)
    with simulated([no_show]) as (_, fb, clock):
        [found] = fb.discover([PAGE], clock.now()).streams
        clock.set(T0 + timedelta(hours=2.5))
        result = fb.poll([found], clock.now())
    assert found.status is StreamStatus.UPCOMING
    assert result.missing == {"3000000000000004"}


@pytest.mark.parametrize("kind", ["http500", "http503", "timeout", "malformed", "truncated"])
def test_sim_transient_faults_are_retried(kind: FaultKind) -> None:
    """One injected fault on live_videos: retried at once, and the poll succeeds."""
    with simulated([sim_stream("3000000000000005")]) as (sim, fb, clock):
        sim.faults.add(FaultRule(kind=kind, path_prefix=LIVE_VIDEOS, times=1, delay=1.0))
        result = fb.poll([stream("3000000000000005")], clock.now())
    assert (len(result.snapshots), result.calls, sim.stats.faults[kind]) == (1, 2, 1)


@pytest.mark.parametrize("kind", ["http429", "quota", "throttled"])
def test_sim_rate_limits_are_throttled_and_not_hammered(kind: FaultKind) -> None:
    """Code 4 / 32 / 80001 from the simulator: "throttled", and the next poll sends nothing."""
    with simulated([sim_stream("3000000000000006")]) as (sim, fb, clock):
        sim.faults.add(FaultRule(kind=kind, path_prefix=LIVE_VIDEOS, times=1))
        for _ in range(2):
            polled = stream("3000000000000006")
            if kind == "throttled":  # the Page's own limit: its streams fail, the poll goes on
                failure = fb.poll([polled], clock.now()).failures[polled.key]
            else:  # the token's limit: the whole poll fails
                with pytest.raises(Transient) as caught:
                    fb.poll([polled], clock.now())
                failure = caught.value
            assert failure.reason == "throttled"
    assert sim.stats.requests[LIVE_VIDEOS] == 1


def test_sim_an_expired_token_names_the_variable() -> None:
    """The simulator refuses the token (190/463): AuthFailed naming the variable only."""
    world = simulated([sim_stream("3000000000000007")], invalid_keys=[TOKEN[1]])
    with world as (_, fb, clock), pytest.raises(AuthFailed) as caught:
        fb.poll([stream("3000000000000007")], clock.now())
    assert caught.value.env_var == TOKEN[0]
    assert TOKEN[1] not in "".join(traceback.format_exception(caught.value))


def test_sim_the_demo_week_simulcasts_on_facebook() -> None:
    """demo_week with Page ids: each YouTube slot also on Facebook, same times, fewer viewers."""
    plain = demo_week(date(2025, 3, 3))
    week = demo_week(date(2025, 3, 3), adal_facebook="200", antikor_facebook="100")
    youtube = [s for s in week.streams if s.platform == "youtube"]
    facebook = [s for s in week.streams if s.platform == "facebook"]
    assert youtube == list(plain.streams) and len(facebook) == len(youtube)
    for yt, fb in zip(youtube, facebook, strict=True):
        assert (fb.actual_start, fb.actual_end, fb.deleted_at) == (
            yt.actual_start,
            yt.actual_end,
            yt.deleted_at,
        )
        assert fb.peak_viewers <= yt.peak_viewers and fb.video_id.isdigit()
    assert {s.channel for s in facebook} == {"100", "200"}
    assert {s.platform for s in plain.streams} == {"youtube"}


def test_sim_insights_route_answers_for_the_broadcasts_video() -> None:
    """The video's id differs from the broadcast's; insights are served under it."""
    with simulated([sim_stream("3000000000000008", start_h=-3)]) as (sim, fb, clock):
        result = fb.poll([stream("3000000000000008")], clock.now())
    path = f"/v19.0/{fb_video_id('3000000000000008')}/video_insights"
    truth = sim.ground_truth()["3000000000000008"]
    assert (sim.stats.requests[path], result.snapshots[0].views) == (1, truth.views)


def test_sim_a_live_poll_costs_one_request_per_page() -> None:
    """Three live broadcasts on one Page: one request for all three."""
    streams = [sim_stream(f"300000000000009{n}", start_h=-0.5) for n in range(3)]
    with simulated(streams) as (sim, fb, clock):
        result = fb.poll([stream(s.video_id) for s in streams], clock.now())
    assert all(s.concurrent_viewers for s in result.snapshots)
    assert (result.calls, sim.stats.total_requests) == (1, 1)


def test_sim_graph_answers_carry_usage_and_the_error_envelope() -> None:
    """X-App-Usage appears at 1 % (20 calls an hour); a refused token gets Graph's envelope."""
    clock = SimulatedClock(T0)
    sim = Simulator(Scenario(streams=[sim_stream("3000000000000010")]), clock, invalid_keys=["bad"])
    with sim.serve() as base_url, httpx.Client(base_url=base_url) as http:
        answers = [http.get(LIVE_VIDEOS, params={"access_token": "good"}) for _ in range(20)]
        refused = http.get(LIVE_VIDEOS, headers={"Authorization": "Bearer bad"})
    assert "x-app-usage" not in answers[18].headers
    assert json.loads(answers[19].headers["x-app-usage"])["call_count"] == 1
    error = refused.json()["error"]
    assert (refused.status_code, error["code"], error["error_subcode"]) == (400, 190, 463)
    assert set(error) == {"message", "type", "code", "error_subcode", "fbtrace_id"}


def test_discovery_and_poll_of_one_cycle_share_one_listing() -> None:
    """Same cycle time: the Page's live_videos is requested once; a later cycle asks again."""
    clock = SimulatedClock(NOW)
    wire = Wire(*[ok("live_videos_page1.json")] * 4)
    fb = adapter(wire, clock=clock)
    fb.discover([PAGE], NOW)
    sent = len(wire.requests)
    fb.poll([stream(LIVE)], NOW)
    assert len(wire.requests) == sent
    fb.poll([stream(LIVE)], NOW + timedelta(minutes=1))
    assert len(wire.requests) > sent
