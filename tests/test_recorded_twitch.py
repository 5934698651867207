"""Twitch recorded Helix and token responses replayed over loopback through httpx.

Recordings from ``tests/recorded/twitch`` (SOURCES names each origin): end to end
through a ``Collector`` into a TinyStore, and at the adapter where the clock matters
(a 429's ``Ratelimit-Reset`` is waited for on the injected clock).
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from helpers.configs import ENVIRON, KEY_NAMES, recorded_collector
from helpers.replay import Replay, recorded, serve

from collectors.http import api_client
from collectors.twitch import TwitchAdapter
from streamer.app.daemon import Collector
from streamer.clock import SimulatedClock
from streamer.models import Channel, StreamStatus, from_iso

LOGIN, STREAM_ID = "sandysanderman", "123456789"
T0 = datetime(2021, 3, 10, 15, 30, tzinfo=UTC)  # 26 min after the recorded started_at
TOKEN, STREAMS = "/oauth2/token", "/helix/streams"
TW_ID, TW_SECRET = KEY_NAMES["twitch"]["client_id_env"], KEY_NAMES["twitch"]["client_secret_env"]
PROGRAMME = ("sandy", "Sandy", (("twitch", LOGIN),))


def healthy_routes(replay: Replay) -> None:
    replay.route("POST", TOKEN, recorded("twitch", "token.json"))
    replay.route("GET", STREAMS, recorded("twitch", "streams_sandysanderman.json"))
    replay.route("GET", "/helix/videos", recorded("twitch", "videos_docs.json"))
    replay.route("GET", "/helix/users", recorded("twitch", "users_summit1g.json"))


def collector(tmp: Path, replay: Replay) -> AbstractContextManager[Collector]:
    """A sequential collector on the recordings, on a simulated clock at T0."""
    return recorded_collector(tmp, replay.url, PROGRAMME, T0)


def adapter(replay: Replay, http: object, clock: SimulatedClock) -> TwitchAdapter:
    return TwitchAdapter(
        http,  # type: ignore[arg-type]
        (TW_ID, ENVIRON[TW_ID]),
        (TW_SECRET, ENVIRON[TW_SECRET]),
        api_endpoint=replay.url,
        auth_endpoint=replay.url,
        clock=clock,
    )


@pytest.mark.usefixtures("instant_backoff")
def test_recorded_stream_is_stored_live_with_its_viewer_count(tmp_path: Path) -> None:
    """The recorded live stream (listed twice, with a cursor): one live stream, 78365 viewers."""
    with serve() as replay:
        healthy_routes(replay)
        with collector(tmp_path, replay) as built:
            built.collect_once()
            streams = built.store.streams()
            snaps = built.store.snapshots(T0, T0 + timedelta(minutes=1))
    stream = streams[f"twitch:{STREAM_ID}"]
    assert list(streams) == [f"twitch:{STREAM_ID}"]
    assert (stream.status, stream.actual_start, stream.title) == (
        StreamStatus.LIVE,
        from_iso("2021-03-10T15:04:21Z"),
        "hablamos y le damos a Little Nightmares 1",
    )
    assert [(s.status, s.concurrent_viewers, s.views) for s in snaps] == [
        (StreamStatus.LIVE, 78365, None)
    ]


@pytest.mark.usefixtures("instant_backoff")
def test_recorded_requests_use_the_app_token_and_never_follow_the_cursor(tmp_path: Path) -> None:
    """One token by client credentials (secret in the body); Helix asked once per 100 logins."""
    with serve() as replay:
        healthy_routes(replay)
        with collector(tmp_path, replay) as built:
            built.collect_once()
    token_calls, helix = replay.requests(TOKEN, "POST"), replay.requests(STREAMS)
    assert len(token_calls) == 1
    assert b"grant_type=client_credentials" in token_calls[0].body
    assert "client_secret" not in token_calls[0].query
    assert len(helix) == 2  # discovery, then the poll of the stream it found
    for call in helix:
        assert call.query == {"user_login": [LOGIN], "first": ["100"]}
        assert call.headers["authorization"] == "Bearer 4f5dce6cea626cb"
        assert call.headers["client-id"] == ENVIRON[TW_ID]


@pytest.mark.usefixtures("instant_backoff")
def test_recorded_stream_gone_from_helix_is_ended_without_views(tmp_path: Path) -> None:
    """Next minute Helix lists others only; no archive records the stream: ended, views None."""
    with serve() as replay:
        healthy_routes(replay)
        with collector(tmp_path, replay) as built:
            built.collect_once()
            replay.route("GET", STREAMS, recorded("twitch", "streams_ninja.json"))
            built.clock.advance(timedelta(minutes=1))  # type: ignore[attr-defined]
            built.collect_once()
            stream = built.store.streams(include_archive=True)[f"twitch:{STREAM_ID}"]
            snaps = built.store.snapshots(T0, T0 + timedelta(minutes=2))
        archive_calls = replay.requests("/helix/videos")
    assert (stream.status, stream.actual_end) == (StreamStatus.ENDED, T0 + timedelta(minutes=1))
    assert [(s.status, s.concurrent_viewers, s.views) for s in snaps][-1] == (
        StreamStatus.ENDED,
        None,
        None,
    )
    # The user id came with the stream item, so no /helix/users lookup was needed.
    assert archive_calls[0].query == {"user_id": ["98765"], "type": ["archive"]}
    assert replay.requests("/helix/users") == []


@pytest.mark.usefixtures("instant_backoff")
def test_recorded_401_gets_one_new_app_token_and_the_poll_succeeds(tmp_path: Path) -> None:
    """The recorded 401 "Invalid OAuth token": a new app token, the same call again, a snapshot."""
    with serve() as replay:
        healthy_routes(replay)
        with collector(tmp_path, replay) as built:
            built.collect_once()
            replay.route(
                "GET",
                STREAMS,
                recorded("twitch", "error_401.json"),
                recorded("twitch", "streams_sandysanderman.json"),
            )
            replay.route("POST", TOKEN, recorded("twitch", "token_renewed.json"))
            built.clock.advance(timedelta(minutes=1))  # type: ignore[attr-defined]
            built.collect_once()
            gaps = built.store.gaps(T0, T0 + timedelta(hours=1))
            snaps = built.store.snapshots(T0, T0 + timedelta(minutes=2))
    after = replay.requests(STREAMS)[-1]
    assert after.headers["authorization"] == "Bearer ajsdfloehfoihsdfhoasjfdpoiqh"
    assert len(replay.requests(TOKEN, "POST")) == 2
    assert gaps == []
    assert [s.concurrent_viewers for s in snaps] == [78365, 78365]


@pytest.mark.parametrize(
    ("recording", "named"),
    [("token_invalid_client.json", TW_ID), ("token_invalid_secret.json", TW_SECRET)],
)
@pytest.mark.usefixtures("instant_backoff")
def test_recorded_token_refusal_stops_twitch_naming_the_variable(
    tmp_path: Path, recording: str, named: str
) -> None:
    """The recorded 400 "invalid client" / 403 "invalid client secret": Twitch stops, var named."""
    with serve() as replay:
        healthy_routes(replay)
        replay.route("POST", TOKEN, recorded("twitch", recording))
        with collector(tmp_path, replay) as built:
            report = built.collect_once()
            stopped = dict(built.engine.stopped)
    assert report.errors == {"twitch:auth": 1}
    assert named in stopped["twitch"]
    assert all(secret not in stopped["twitch"] for secret in ENVIRON.values())
    assert replay.requests(STREAMS) == []


@pytest.mark.usefixtures("clock_waits")
def test_recorded_429_waits_for_ratelimit_reset_on_the_clock() -> None:
    """A 429 with Ratelimit-Reset 7 s ahead: the retry waits those 7 s on the clock, then reads."""
    clock = SimulatedClock(T0)
    with serve() as replay, api_client(2.0) as http:
        healthy_routes(replay)
        replay.route(
            "GET",
            STREAMS,
            recorded("twitch", "error_429.json"),
            recorded("twitch", "streams_sandysanderman.json"),
        )
        found = adapter(replay, http, clock).discover([Channel("twitch", LOGIN)], T0)
    waited = (clock.now() - T0).total_seconds()
    assert [s.external_id for s in found.streams] == [STREAM_ID]
    assert len(replay.requests(STREAMS)) == 2
    assert 7 <= waited < 8


@pytest.mark.usefixtures("clock_waits")
def test_recorded_ratelimit_headers_with_room_left_cost_no_wait() -> None:
    """The recorded Ratelimit-Remaining 29 of 30: the next request is sent without waiting."""
    clock = SimulatedClock(T0)
    with serve() as replay, api_client(2.0) as http:
        healthy_routes(replay)
        twitch = adapter(replay, http, clock)
        found = twitch.discover([Channel("twitch", LOGIN)], T0)
        stream = found.streams[0]
        replay.route("GET", STREAMS, recorded("twitch", "streams_ninja.json"))
        # The stream ended; the user id is unknown to a fresh adapter, so /helix/users is asked.
        fresh = adapter(replay, http, clock)
        result = fresh.poll([stream], T0)
    assert len(replay.requests("/helix/users")) == 1
    assert clock.now() == T0
    assert [u.status for u in result.updates] == [StreamStatus.ENDED]
