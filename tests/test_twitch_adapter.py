"""The Twitch adapter: app token by client credentials, Helix streams and archives.

Unit tests feed payloads shaped like Helix's (``tags: null``, an offline channel simply
absent, ``"1h4m12s"`` durations) through ``httpx.MockTransport``; the integration
tests run the adapter against the simulator on loopback.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from collectors.base import AuthFailed, BadPayload, PlatformError, Transient
from collectors.registry import build_platforms
from collectors.simulator import FaultKind, FaultRule, Scenario, SimStream, Simulator, demo_week
from collectors.twitch import TOKEN_MARGIN, TwitchAdapter, parse_duration
from streamer.clock import SimulatedClock
from streamer.config import Config
from streamer.errors import ConfigError
from streamer.models import Channel, Programme, Stream, StreamStatus

pytestmark = pytest.mark.usefixtures("instant_backoff")

FIXTURES = Path(__file__).parent / "fixtures" / "twitch"
NOW = datetime(2026, 3, 14, 11, 30, tzinfo=UTC)
CLIENT_ID = ("TWITCH_CLIENT_ID", "uo6dggojyb8d6soh92zknwmi5ej1q2")
SECRET = ("TWITCH_CLIENT_SECRET", "nyo51xcdrerl8z9m56w9w6wg-secret")
APP_TOKEN = "jostpf5q0uzmxmkba9iyug38kjtgh"
ANTIKOR = Channel("twitch", "AntikorLive", "Antikor.Live Twitch")
ADAL = Channel("twitch", "adalkomek")
LIVE_ID, EARLIER_ID = "40952121085", "40900000001"
Answer = tuple[int, str, dict[str, str]]


def ok(name: str, **headers: str) -> Answer:
    return 200, (FIXTURES / name).read_text(encoding="utf-8"), headers


def fail(status: int, name: str, **headers: str) -> Answer:
    return status, (FIXTURES / name).read_text(encoding="utf-8"), headers


TOKEN = ok("token.json")


class Wire:
    """A MockTransport handing out answers in order and keeping every request."""

    def __init__(self, *answers: Answer | Exception) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []
        self.client = httpx.Client(transport=httpx.MockTransport(self.handle))

    def handle(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        status, body, headers = answer
        return httpx.Response(status, content=body.encode(), headers=headers)

    def paths(self) -> list[str]:
        return [r.url.path for r in self.requests]


def adapter(wire: Wire, **options: Any) -> TwitchAdapter:
    return TwitchAdapter(wire.client, CLIENT_ID, SECRET, **options)


def stream(stream_id: str = LIVE_ID, login: str = "AntikorLive", **facts: Any) -> Stream:
    facts.setdefault("status", StreamStatus.LIVE)
    facts.setdefault("actual_start", datetime(2026, 3, 14, 11, 0, 41, tzinfo=UTC))
    return Stream("twitch", stream_id, login, **facts)


# -- pure parts ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "length"),
    [
        ("1h4m12s", timedelta(hours=1, minutes=4, seconds=12)),
        ("3m21s", timedelta(minutes=3, seconds=21)),
        ("45s", timedelta(seconds=45)),
        ("", None),
        ("1 hour", None),
        (None, None),
    ],
)
def test_helix_durations_parse(text: Any, length: timedelta | None) -> None:
    """Helix writes durations as 1h4m12s; anything else is None, not an error."""
    assert parse_duration(text) == length


# -- requests -----------------------------------------------------------------------------


def test_discovery_gets_a_token_then_asks_helix_as_documented() -> None:
    """Token by client credentials in the body; Helix with Client-Id and Bearer, repeated logins."""
    wire = Wire(TOKEN, ok("streams.json"))
    adapter(wire).discover([ANTIKOR, ADAL], NOW)
    token, streams = wire.requests
    assert (token.method, str(token.url)) == ("POST", "https://id.twitch.tv/oauth2/token")
    assert parse_qs(token.content.decode()) == {
        "client_id": [CLIENT_ID[1]],
        "client_secret": [SECRET[1]],
        "grant_type": ["client_credentials"],
    }
    assert streams.url.path == "/helix/streams" and streams.url.host == "api.twitch.tv"
    assert streams.url.params.get_list("user_login") == ["antikorlive", "adalkomek"]
    assert streams.url.params["first"] == "100"
    assert streams.headers["client-id"] == CLIENT_ID[1]
    assert streams.headers["authorization"] == f"Bearer {APP_TOKEN}"
    assert SECRET[1] not in str(token.url) + str(streams.url)


def test_more_than_a_hundred_logins_take_two_calls() -> None:
    """150 logins: user_login 100 times, then 50 times."""
    wire = Wire(TOKEN, ok("streams_empty.json"), ok("streams_empty.json"))
    channels = [Channel("twitch", f"channel{n}") for n in range(150)]
    adapter(wire).discover(channels, NOW)
    assert [len(r.url.params.get_list("user_login")) for r in wire.requests[1:]] == [100, 50]


def test_the_token_is_reused_across_calls() -> None:
    """Two polls: one token request."""
    wire = Wire(TOKEN, ok("streams.json"), ok("streams.json"))
    twitch = adapter(wire)
    twitch.poll([stream()], NOW)
    twitch.poll([stream()], NOW)
    assert wire.paths() == ["/oauth2/token", "/helix/streams", "/helix/streams"]


# -- reading ------------------------------------------------------------------------------


def test_discovery_reads_live_streams_including_null_tags() -> None:
    """Both items (one with tags: null) become live streams on the configured logins."""
    found = adapter(Wire(TOKEN, ok("streams.json"))).discover([ANTIKOR, ADAL], NOW).streams
    assert [(s.external_id, s.channel, s.status) for s in found] == [
        (LIVE_ID, "AntikorLive", StreamStatus.LIVE),
        ("40952121099", "adalkomek", StreamStatus.LIVE),
    ]
    assert found[0].actual_start == datetime(2026, 3, 14, 11, 0, 41, tzinfo=UTC)
    assert found[0].title == "Antikor.Live — эфир"


def test_discovery_ignores_a_login_it_did_not_ask_for() -> None:
    """Helix answering for another login adds nothing (and does not fail)."""
    found = adapter(Wire(TOKEN, ok("streams.json"))).discover([ANTIKOR], NOW).streams
    assert [s.channel for s in found] == ["AntikorLive"]


def test_discovery_skips_known_streams() -> None:
    """A known stream id is not rediscovered."""
    wire = Wire(TOKEN, ok("streams.json"))
    found = adapter(wire).discover([ANTIKOR, ADAL], NOW, known={LIVE_ID}).streams
    assert [s.external_id for s in found] == ["40952121099"]


def test_a_live_stream_has_its_viewer_count() -> None:
    """viewer_count (an int) is the concurrent count; views are not known while live."""
    result = adapter(Wire(TOKEN, ok("streams.json"))).poll([stream()], NOW)
    [snapshot] = result.snapshots
    assert (snapshot.status, snapshot.concurrent_viewers, snapshot.views) == ("live", 312, None)


def test_zero_viewers_is_a_real_zero() -> None:
    """Helix says 0 viewers: the snapshot says 0, not None."""
    result = adapter(Wire(TOKEN, ok("streams.json"))).poll(
        [stream("40952121099", "adalkomek")], NOW
    )
    assert result.snapshots[0].concurrent_viewers == 0


def test_an_offline_channel_ends_the_stream_with_its_archive_views() -> None:
    """Absent from streams: ended; views from the archive matched by stream_id; end refined."""
    wire = Wire(TOKEN, ok("streams_empty.json"), ok("users.json"), ok("videos_archive.json"))
    result = adapter(wire).poll([stream()], NOW)
    [update], [snapshot] = result.updates, result.snapshots
    assert update.status is StreamStatus.ENDED
    assert update.actual_end == datetime(2026, 3, 14, 12, 4, 53, tzinfo=UTC)  # start + 1h4m12s
    assert (snapshot.concurrent_viewers, snapshot.views) == (None, 1863)
    videos = wire.requests[3].url.params
    assert (videos["user_id"], videos["type"]) == ("101051819", "archive")
    assert wire.requests[2].url.params.get_list("login") == ["antikorlive"]


def test_a_new_stream_id_on_the_channel_ends_the_old_one() -> None:
    """The channel is live with another stream id: the polled one has ended."""
    wire = Wire(TOKEN, ok("streams.json"), ok("videos_archive.json"))
    result = adapter(wire).poll([stream(EARLIER_ID)], NOW)
    assert result.updates[0].status is StreamStatus.ENDED
    assert result.snapshots[0].views == 2210
    assert wire.paths()[-1] == "/helix/videos"  # user id learned from streams: no users call


def test_an_ended_stream_without_an_archive_has_no_views() -> None:
    """No archive (VODs off): views None; actual_end is this poll."""
    wire = Wire(TOKEN, ok("streams_empty.json"), ok("users.json"), ok("streams_empty.json"))
    result = adapter(wire).poll([stream("40999999999")], NOW)
    assert (result.snapshots[0].views, result.updates[0].actual_end) == (None, NOW)


def test_already_ended_streams_skip_the_streams_call() -> None:
    """Only ended streams due: just the archive (and the user id once)."""
    wire = Wire(TOKEN, ok("users.json"), ok("videos_archive.json"))
    ended = stream(status=StreamStatus.ENDED, actual_end=NOW)
    result = adapter(wire).poll([ended], NOW)
    assert wire.paths() == ["/oauth2/token", "/helix/users", "/helix/videos"]
    assert result.snapshots[0].views == 1863


def test_a_viewer_count_that_is_not_an_int_is_a_bad_payload() -> None:
    """viewer_count "312" (a string): BadPayload naming the stream."""
    body = (
        (FIXTURES / "streams.json")
        .read_text()
        .replace('"viewer_count":312', '"viewer_count":"312"')
    )
    with pytest.raises(BadPayload, match=LIVE_ID):
        adapter(Wire(TOKEN, (200, body, {}))).poll([stream()], NOW)


# -- token --------------------------------------------------------------------------------


def test_a_401_gets_a_new_token_and_one_more_try() -> None:
    """Helix 401 (revoked token): a new app token, the call again, success."""
    wire = Wire(TOKEN, fail(401, "error_unauthorized.json"), TOKEN, ok("streams.json"))
    result = adapter(wire).poll([stream()], NOW)
    assert wire.paths() == ["/oauth2/token", "/helix/streams", "/oauth2/token", "/helix/streams"]
    assert len(result.snapshots) == 1 and result.calls == 4


def test_a_401_with_a_new_token_is_auth_failed() -> None:
    """Still 401 after a renewal: AuthFailed naming the client id variable; no more tries."""
    wire = Wire(
        TOKEN, fail(401, "error_unauthorized.json"), TOKEN, fail(401, "error_unauthorized.json")
    )
    with pytest.raises(AuthFailed) as caught:
        adapter(wire).poll([stream()], NOW)
    assert caught.value.env_var == "TWITCH_CLIENT_ID" and len(wire.requests) == 4


def test_the_token_is_renewed_before_it_expires() -> None:
    """A minute before expires_in runs out, the next call fetches a new token first."""
    clock = SimulatedClock(NOW)
    wire = Wire(TOKEN, ok("streams.json"), TOKEN, ok("streams.json"))
    twitch = adapter(wire, clock=clock)
    twitch.poll([stream()], clock.now())
    clock.advance(timedelta(seconds=5011271) - TOKEN_MARGIN)
    twitch.poll([stream()], clock.now())
    assert wire.paths() == ["/oauth2/token", "/helix/streams", "/oauth2/token", "/helix/streams"]


@pytest.mark.parametrize(
    ("answer", "variable"),
    [
        (fail(400, "token_invalid_client.json"), "TWITCH_CLIENT_ID"),
        (fail(403, "token_invalid_secret.json"), "TWITCH_CLIENT_SECRET"),
    ],
)
def test_a_refused_token_names_the_variable_to_fix(answer: Answer, variable: str) -> None:
    """400 "invalid client" names the client id, 403 "invalid client secret" the secret."""
    wire = Wire(answer)
    with pytest.raises(AuthFailed) as caught:
        adapter(wire).poll([stream()], NOW)
    assert (caught.value.env_var, len(wire.requests)) == (variable, 1)


def test_a_token_answer_without_a_token_is_a_bad_payload() -> None:
    """200 without access_token, twice: BadPayload after one retry."""
    wire = Wire((200, '{"token_type":"bearer"}', {}), (200, '{"token_type":"bearer"}', {}))
    with pytest.raises(BadPayload):
        adapter(wire).poll([stream()], NOW)


# -- rate limits and faults ---------------------------------------------------------------


@pytest.mark.usefixtures("clock_waits")
def test_a_429_waits_for_ratelimit_reset_on_the_clock() -> None:
    """429 with Ratelimit-Reset 9 s ahead: the retry happens 9 s later on the adapter's clock."""
    clock = SimulatedClock(NOW)
    reset = {"Ratelimit-Remaining": "0", "Ratelimit-Reset": str(int(NOW.timestamp()) + 9)}
    wire = Wire(TOKEN, fail(429, "error_too_many.json", **reset), ok("streams.json"))
    result = adapter(wire, clock=clock).poll([stream()], clock.now())
    assert clock.now() - NOW == timedelta(seconds=9)
    assert len(result.snapshots) == 1


@pytest.mark.usefixtures("clock_waits")
def test_an_emptied_bucket_makes_the_next_call_wait_for_the_reset() -> None:
    """Ratelimit-Remaining 0 on a success: the next request waits until Ratelimit-Reset."""
    clock = SimulatedClock(NOW)
    reset = {"Ratelimit-Remaining": "0", "Ratelimit-Reset": str(int(NOW.timestamp()) + 20)}
    wire = Wire(TOKEN, ok("streams.json", **reset), ok("streams.json"))
    twitch = adapter(wire, clock=clock)
    twitch.poll([stream()], clock.now())
    assert clock.now() == NOW
    twitch.poll([stream()], clock.now())
    assert clock.now() - NOW == timedelta(seconds=20)


@pytest.mark.usefixtures("clock_waits")
def test_a_remaining_bucket_does_not_wait() -> None:
    """Ratelimit-Remaining 799: no wait before the next request."""
    clock = SimulatedClock(NOW)
    bucket = {"Ratelimit-Remaining": "799", "Ratelimit-Reset": str(int(NOW.timestamp()) + 20)}
    wire = Wire(TOKEN, ok("streams.json", **bucket), ok("streams.json"))
    twitch = adapter(wire, clock=clock)
    twitch.poll([stream()], clock.now())
    twitch.poll([stream()], clock.now())
    assert clock.now() == NOW


@pytest.mark.parametrize(
    "failure",
    [(500, "{}", {}), (503, "", {}), httpx.ReadTimeout("slow"), httpx.RemoteProtocolError("cut")],
    ids=["500", "503", "timeout", "cut"],
)
def test_transient_faults_are_retried(failure: Answer | Exception) -> None:
    """A 5xx, a timeout or a cut connection once, then the answer: the poll succeeds."""
    wire = Wire(TOKEN, failure, ok("streams.json"))
    assert len(adapter(wire).poll([stream()], NOW).snapshots) == 1


def test_a_bad_request_is_rejected_without_retry() -> None:
    """400 on Helix: PlatformError "rejected", one try."""
    wire = Wire(TOKEN, (400, '{"error":"Bad Request","status":400,"message":"x"}', {}))
    with pytest.raises(PlatformError) as caught:
        adapter(wire).poll([stream()], NOW)
    assert (caught.value.reason, len(wire.requests)) == ("rejected", 2)


def test_retries_run_out_into_a_transient_with_usage() -> None:
    """Four timeouts: Transient "timeout" carrying the five requests sent (token included)."""
    wire = Wire(TOKEN, *[httpx.ReadTimeout("slow")] * 4)
    with pytest.raises(Transient) as caught:
        adapter(wire).poll([stream()], NOW)
    assert caught.value.reason == "timeout"
    assert caught.value.usage is not None and caught.value.usage.calls == 5


# -- secrets ------------------------------------------------------------------------------


def test_no_message_repr_or_log_shows_a_secret(caplog: pytest.LogCaptureFixture) -> None:
    """The client secret and the app token appear in no error, traceback, repr or log line."""
    leaky = httpx.ConnectError(f"{SECRET[1]} {APP_TOKEN}")
    unauthorized = fail(401, "error_unauthorized.json")
    wire = Wire(TOKEN, *[leaky] * 4, unauthorized, TOKEN, unauthorized, unauthorized)
    wire.answers.append(fail(403, "token_invalid_secret.json"))
    twitch = adapter(wire)
    seen = [repr(twitch), repr(twitch._secret), repr(twitch._id)]
    with caplog.at_level(logging.DEBUG):
        for _ in range(3):
            with pytest.raises(PlatformError) as caught:
                twitch.poll([stream()], NOW)
            seen += [str(caught.value), repr(caught.value)]
            seen.append("".join(traceback.format_exception(caught.value)))
            seen.append(repr(twitch._token))
    assert "TWITCH_CLIENT_SECRET" in seen[-2]  # the last failure names the variable
    assert caplog.records and len(seen) == 3 + 3 * 4
    assert all(
        secret not in text for secret in (SECRET[1], APP_TOKEN) for text in [*seen, caplog.text]
    )


def test_an_empty_secret_is_a_config_error_naming_the_variable() -> None:
    """No client secret: ConfigError naming TWITCH_CLIENT_SECRET."""
    with pytest.raises(ConfigError, match="TWITCH_CLIENT_SECRET"):
        TwitchAdapter(httpx.Client(), CLIENT_ID, ("TWITCH_CLIENT_SECRET", ""))


def test_the_registry_names_the_missing_variable() -> None:
    """A login in the config, the id set and the secret not: ConfigError naming the secret."""
    programme = Programme("antikor", "Antikor.Live", (ANTIKOR,))
    config = Config(path=Path("streamer.toml"), data_dir=Path("data"), programmes={"a": programme})
    environ = {"TWITCH_CLIENT_ID": CLIENT_ID[1]}
    with ExitStack() as stack, pytest.raises(ConfigError, match="TWITCH_CLIENT_SECRET"):
        build_platforms(config, environ, SimulatedClock(NOW), stack)


# -- integration: the simulator on loopback -----------------------------------------------

T0 = datetime(2026, 3, 14, 10, 0, tzinfo=UTC)
STREAMS = "/helix/streams"


def sim_stream(stream_id: str, start_h: float = 1, **facts: Any) -> SimStream:
    """A broadcast on antikorlive starting ``start_h`` hours after T0 and airing an hour."""
    start = T0 + timedelta(hours=start_h)
    facts = {"actual_start": start, "actual_end": start + timedelta(hours=1), **facts}
    facts.setdefault("channel", "antikorlive")
    return SimStream(
        platform="twitch",
        video_id=stream_id,
        title=f"Эфир {stream_id}",
        scheduled_start=start,
        peak_viewers=200,
        final_views=900,
        **facts,
    )


@contextmanager
def simulated(
    streams: list[SimStream], **sim_options: Any
) -> Iterator[tuple[Simulator, TwitchAdapter, SimulatedClock]]:
    """The simulator on loopback and an adapter pointed at it, both on one clock."""
    clock = SimulatedClock(T0)
    sim = Simulator(Scenario(streams=streams, seed=7), clock, **sim_options)
    with sim.serve() as base_url, httpx.Client(timeout=0.3) as http:
        options = {"api_endpoint": base_url, "auth_endpoint": base_url, "clock": clock}
        yield sim, TwitchAdapter(http, CLIENT_ID, SECRET, **options), clock


def test_sim_a_broadcast_is_found_live_then_ends_with_its_views() -> None:
    """Live with the true viewer count; then ended at the true end with the archive's views."""
    with simulated([sim_stream("41000000001")]) as (sim, twitch, clock):
        assert twitch.discover([ANTIKOR], clock.now()).streams == []
        clock.set(T0 + timedelta(hours=1.5))
        [mine] = twitch.discover([ANTIKOR], clock.now()).streams
        live = twitch.poll([mine], clock.now())
        peak = sim.ground_truth()["41000000001"].peak_viewers
        clock.set(T0 + timedelta(hours=3))
        ended = twitch.poll(live.updates, clock.now())
        truth = sim.ground_truth()["41000000001"]
    viewers = live.snapshots[0].concurrent_viewers
    assert viewers is not None and peak is not None and 0 < viewers <= peak
    assert ended.updates[0].actual_end == T0 + timedelta(hours=2)  # from the archive's length
    assert ended.snapshots[0].views == truth.views > 0
    assert sim.stats.requests["/oauth2/token"] == 1


def test_sim_a_revoked_token_is_renewed() -> None:
    """The key_invalid fault (401) once: a second token, then success."""
    with simulated([sim_stream("41000000002", start_h=-0.5)]) as (sim, twitch, clock):
        sim.faults.add(FaultRule(kind="key_invalid", path_prefix=STREAMS, times=1))
        result = twitch.poll([stream("41000000002", "antikorlive")], clock.now())
    assert result.updates[0].status is StreamStatus.LIVE
    assert (sim.stats.requests["/oauth2/token"], sim.stats.requests[STREAMS]) == (2, 2)


def test_sim_a_refused_secret_names_its_variable() -> None:
    """The client secret is in invalid_keys: AuthFailed naming TWITCH_CLIENT_SECRET."""
    world = simulated([sim_stream("41000000003")], invalid_keys=[SECRET[1]])
    with world as (_, twitch, clock), pytest.raises(AuthFailed) as caught:
        twitch.discover([ANTIKOR], clock.now())
    assert caught.value.env_var == "TWITCH_CLIENT_SECRET"
    assert SECRET[1] not in "".join(traceback.format_exception(caught.value))


@pytest.mark.parametrize(
    "kind", ["http429", "http500", "http503", "timeout", "malformed", "truncated"]
)
def test_sim_transient_faults_are_retried(kind: FaultKind) -> None:
    """One injected fault on streams (a 429 with its Ratelimit-Reset): retried, success."""
    with simulated([sim_stream("41000000004", start_h=-0.5)]) as (sim, twitch, clock):
        sim.faults.add(FaultRule(kind=kind, path_prefix=STREAMS, times=1, delay=1.0))
        result = twitch.poll([stream("41000000004", "antikorlive")], clock.now())
    assert (result.updates[0].status, sim.stats.requests[STREAMS]) == (StreamStatus.LIVE, 2)


def test_sim_every_response_carries_the_rate_limit_headers() -> None:
    """The simulator's Helix answers with Ratelimit-Limit/Remaining/Reset (epoch seconds)."""
    clock = SimulatedClock(T0)
    sim = Simulator(Scenario(streams=[sim_stream("41000000005")], seed=7), clock)
    form = {"client_id": "cid", "client_secret": "secret", "grant_type": "client_credentials"}
    with sim.serve() as base_url, httpx.Client(base_url=base_url) as http:
        token = http.post("/oauth2/token", data=form).json()["access_token"]
        headers = {"Client-Id": "cid", "Authorization": f"Bearer {token}"}
        answers = [http.get("/helix/streams", headers=headers) for _ in range(2)]
    assert [a.headers["ratelimit-remaining"] for a in answers] == ["799", "798"]
    assert answers[0].headers["ratelimit-limit"] == "800"
    assert int(answers[0].headers["ratelimit-reset"]) == int(
        (T0 + timedelta(minutes=1)).timestamp()
    )


def test_sim_some_streams_have_null_tags_and_all_are_read() -> None:
    """The simulator sends tags: null for some streams, as Helix does; the adapter reads both."""
    streams = [
        sim_stream("41000000016", start_h=-0.5),
        sim_stream("41000000010", start_h=-0.5, channel="adalkomek"),
    ]
    form = {"client_id": "cid", "client_secret": "secret", "grant_type": "client_credentials"}
    with simulated(streams) as (_, twitch, clock), httpx.Client() as http:
        base = twitch._api
        token = http.post(f"{base}/oauth2/token", data=form).json()["access_token"]
        headers = {"Client-Id": "cid", "Authorization": f"Bearer {token}"}
        raw = http.get(f"{base}/helix/streams", headers=headers).json()["data"]
        found = twitch.discover([ANTIKOR, ADAL], clock.now()).streams
    assert sorted(item["tags"] is None for item in raw) == [False, True]
    assert {s.external_id for s in found} == {"41000000016", "41000000010"}


def test_sim_the_demo_week_puts_antikor_on_twitch() -> None:
    """demo_week with a Twitch login: each Antikor.Live slot also on Twitch; Adal Komek not."""
    week = demo_week(date(2025, 3, 3), antikor_twitch="antikorlive")
    antikor = [s for s in week.streams if s.platform == "youtube" and "Antikor" in s.title]
    twitch = [s for s in week.streams if s.platform == "twitch"]
    assert [s.actual_start for s in twitch] == [s.actual_start for s in antikor]
    assert {s.channel for s in twitch} == {"antikorlive"}
    assert week.channel_titles["antikorlive"] == "Antikor.Live"
