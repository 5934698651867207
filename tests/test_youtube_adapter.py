"""The YouTube adapter through the real google-api-python-client.

Unit tests feed payloads shaped like the real API (tests/fixtures/youtube/, written
from docs/platforms.md) through ``HttpMockSequence``; the integration tests at the end run
the same client against the simulator on loopback.
"""

from __future__ import annotations

import json
import logging
import os
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from google.oauth2.credentials import Credentials
from googleapiclient.http import HttpMockSequence

from collectors.base import (
    AuthFailed,
    BadPayload,
    PlatformError,
    QuotaExhausted,
    Transient,
)
from collectors.simulator import FaultKind, FaultRule, Scenario, SimStream, Simulator
from collectors.youtube import YouTubeAdapter, load_user_credentials
from collectors.youtube_parse import parse_feed, stream_state
from collectors.youtube_quota import quota_day, quota_reset
from streamer.clock import SimulatedClock
from streamer.errors import ConfigError
from streamer.models import Channel, Stream, StreamStatus

pytestmark = pytest.mark.usefixtures("instant_backoff")

FIXTURES = Path(__file__).parent / "fixtures" / "youtube"
NOW = datetime(2026, 3, 14, 12, 0, tzinfo=UTC)
KEYS = [
    ("YOUTUBE_API_KEY_1", "AIzaFAKE-first-key-000001"),
    ("YOUTUBE_API_KEY_2", "AIzaFAKE-second-key-0002"),
]
SECRETS = [value for _, value in KEYS]
ANTIKOR = Channel("youtube", "UCantikorLive0000000000a", "Antikor.Live")
OK = {"status": "200", "content-type": "application/json; charset=UTF-8"}


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def error(status: int, name: str, **headers: str) -> tuple[dict[str, str], str]:
    return {"status": str(status), "content-type": "application/json", **headers}, fixture(name)


class Wire(HttpMockSequence):  # type: ignore[misc]
    """``HttpMockSequence`` that also raises: an exception in the sequence is raised."""

    def request(self, uri: str, method: str = "GET", body: Any = None, **kw: Any) -> Any:
        content = self._iterable[0][1]
        if isinstance(content, BaseException):
            self._iterable.pop(0)
            self.request_sequence.append((uri, method, body, kw.get("headers")))
            raise content
        return super().request(uri, method, body, **kw)

    def close(self) -> None:
        """Nothing to close; present because ``Resource.close`` calls it."""

    def queries(self) -> list[dict[str, list[str]]]:
        """The query parameters of every request sent, in order."""
        return [parse_qs(urlsplit(uri).query) for uri, *_ in self.request_sequence]

    def paths(self) -> list[str]:
        return [urlsplit(uri).path for uri, *_ in self.request_sequence]


def feed_client(*bodies: bytes | int) -> httpx.Client:
    """An httpx client whose RSS answers are ``bodies`` in order (an int is a status)."""
    answers = list(bodies)

    def handle(request: httpx.Request) -> httpx.Response:
        answer = answers.pop(0)
        if isinstance(answer, int):
            return httpx.Response(answer, content=b"")
        return httpx.Response(200, content=answer, headers={"content-type": "application/atom+xml"})

    return httpx.Client(transport=httpx.MockTransport(handle))


def adapter(wire: Wire, *, keys: list[tuple[str, str]] = KEYS, **options: Any) -> YouTubeAdapter:
    options.setdefault("rss_client", feed_client())
    return YouTubeAdapter(keys, http=lambda: wire, **options)


def oauth(token: str) -> Credentials:
    """User credentials holding an access token only (nothing to refresh)."""
    return Credentials(token)  # type: ignore[no-untyped-call]


def stream(video_id: str, **facts: Any) -> Stream:
    return Stream("youtube", video_id, ANTIKOR.id, **facts)


def polled(wire: Wire, *ids: str, **options: Any) -> Any:
    return adapter(wire, **options).poll([stream(i) for i in ids], NOW)


# -- pure parts ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "day"),
    [
        (datetime(2026, 6, 15, 6, 30, tzinfo=UTC), "2026-06-14"),  # 23:30 PDT
        (datetime(2026, 6, 15, 7, 0, tzinfo=UTC), "2026-06-15"),  # midnight PDT
        (datetime(2026, 1, 15, 7, 59, tzinfo=UTC), "2026-01-14"),  # 23:59 PST
    ],
)
def test_quota_day_is_the_pacific_date(now: datetime, day: str) -> None:
    """The quota day turns at midnight Pacific, not at midnight UTC."""
    assert quota_day(now) == day


@pytest.mark.parametrize(
    ("now", "reset"),
    [
        (datetime(2026, 6, 15, 6, 30, tzinfo=UTC), datetime(2026, 6, 15, 7, 0, tzinfo=UTC)),
        (datetime(2026, 1, 15, 12, 0, tzinfo=UTC), datetime(2026, 1, 16, 8, 0, tzinfo=UTC)),
        (datetime(2026, 3, 8, 9, 0, tzinfo=UTC), datetime(2026, 3, 9, 7, 0, tzinfo=UTC)),  # DST day
    ],
)
def test_quota_resets_at_the_next_pacific_midnight(now: datetime, reset: datetime) -> None:
    """Next midnight in America/Los_Angeles, daylight saving included, returned in UTC."""
    assert quota_reset(now) == reset


def test_feed_entries_give_ids_titles_and_published() -> None:
    """The Atom feed's entries, in feed order, with their video ids and times."""
    entries = parse_feed(fixture("feed.xml").encode())
    assert [e.video_id for e in entries] == ["upcomingV01", "ordinaryV01", "endedVid001"]
    assert entries[0].title == "Adal Komek: сұрақ-жауап"
    assert entries[0].published == datetime(2026, 3, 12, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "content",
    [
        (FIXTURES / "feed_entity_expansion.xml").read_bytes(),
        b"<feed xmlns='http://www.w3.org/2005/Atom'><entry>",
        b"<html><body>Before you continue to YouTube</body></html>",
        b"<feed xmlns='http://www.w3.org/2005/Atom'><entry><title>no id</title></entry></feed>",
    ],
    ids=["entity-expansion", "truncated", "consent-page", "entry-without-id"],
)
def test_unsafe_or_malformed_feeds_are_bad_payloads(content: bytes) -> None:
    """Entity expansion, cut XML, an HTML page or an entry without an id: BadPayload."""
    with pytest.raises(BadPayload):
        parse_feed(content)


@pytest.mark.parametrize(
    ("details", "state"),
    [
        ({"scheduledStartTime": "2026-03-15T11:00:00Z"}, StreamStatus.UPCOMING),
        ({"scheduledStartTime": "x", "actualStartTime": "y"}, StreamStatus.LIVE),
        ({"actualStartTime": "y", "actualEndTime": "z"}, StreamStatus.ENDED),
        ({}, None),
    ],
)
def test_state_comes_from_which_times_are_present(
    details: dict[str, str], state: StreamStatus | None
) -> None:
    """actualEndTime → ended, else actualStartTime → live, else scheduled → upcoming."""
    assert stream_state(details) == state


# -- polling ------------------------------------------------------------------------


def test_poll_reads_a_live_stream() -> None:
    """Live: viewers and views as ints from strings, hidden likes None, times in UTC."""
    result = polled(Wire([(OK, fixture("videos_list.json"))]), "liveVid0001")
    [snapshot] = result.snapshots
    assert (snapshot.status, snapshot.concurrent_viewers) == (StreamStatus.LIVE, 412)
    assert (snapshot.views, snapshot.likes, snapshot.comments) == (1375, None, 37)
    [update] = result.updates
    assert update.actual_start == datetime(2026, 3, 14, 11, 2, 13, tzinfo=UTC)
    assert update.title.startswith("Antikor.Live")


def test_poll_reads_an_ended_stream_without_viewers() -> None:
    """Ended: no concurrentViewers after the end → None (not 0); .000Z times parse."""
    result = polled(Wire([(OK, fixture("videos_list.json"))]), "endedVid001")
    [snapshot] = result.snapshots
    assert (snapshot.status, snapshot.concurrent_viewers) == (StreamStatus.ENDED, None)
    assert (snapshot.views, snapshot.likes, snapshot.comments) == (2231, 88, 41)
    assert result.updates[0].actual_end == datetime(2026, 3, 13, 12, 4, 9, tzinfo=UTC)


def test_poll_ignores_a_lagging_live_broadcast_content() -> None:
    """liveBroadcastContent says upcoming, actualStartTime is set: the stream is live."""
    result = polled(Wire([(OK, fixture("videos_list.json"))]), "laggingV001")
    assert result.updates[0].status is StreamStatus.LIVE
    assert result.snapshots[0].concurrent_viewers is None  # hidden by the owner
    assert result.snapshots[0].comments is None


def test_ids_left_out_of_items_come_back_missing() -> None:
    """A deleted or private id is absent from a 200 answer: missing, and no snapshot."""
    result = polled(Wire([(OK, fixture("videos_list.json"))]), "upcomingV01", "deletedV001")
    assert result.missing == {"deletedV001"}
    assert [s.stream for s in result.snapshots] == ["youtube:upcomingV01"]
    assert result.updates[1].status is StreamStatus.MISSING


def test_poll_keeps_the_engines_fields() -> None:
    """Updates replace platform facts only: next_poll_at and broadcast_id are kept."""
    wire = Wire([(OK, fixture("videos_list.json"))])
    mine = stream("upcomingV01", broadcast_id="b-1", next_poll_at=NOW, final_polls=2)
    [update] = adapter(wire).poll([mine], NOW).updates
    assert (update.broadcast_id, update.next_poll_at, update.final_polls) == ("b-1", NOW, 2)
    assert update.scheduled_start == datetime(2026, 3, 15, 11, 0, tzinfo=UTC)


def test_poll_sends_the_documented_request() -> None:
    """Comma-joined ids, the three parts, the fields filter and the first key; 1 unit."""
    wire = Wire([(OK, fixture("videos_list.json"))])
    result = polled(wire, "liveVid0001", "endedVid001")
    [query] = wire.queries()
    assert query["id"] == ["liveVid0001,endedVid001"]
    assert query["part"] == ["snippet,liveStreamingDetails,statistics"]
    assert query["fields"][0].startswith("items(id,snippet(title,channelId")
    assert query["key"] == [SECRETS[0]]
    assert (result.calls, result.usage.units) == (1, {"YOUTUBE_API_KEY_1": 1})


def test_poll_splits_ids_into_batches_of_fifty() -> None:
    """120 ids → three calls of 50, 50 and 20 ids, 3 units."""
    wire = Wire([(OK, '{"items": []}')] * 3)
    result = polled(wire, *(f"vid{n:08d}" for n in range(120)))
    sizes = [len(q["id"][0].split(",")) for q in wire.queries()]
    assert (sizes, result.quota_units) == ([50, 50, 20], 3)


def test_an_empty_answer_without_items_means_all_missing() -> None:
    """A ``fields`` filter may drop an empty ``items``: every asked id is missing."""
    assert polled(Wire([(OK, "{}")]), "deletedV001").missing == {"deletedV001"}


def test_a_malformed_body_is_retried_once_then_bad_payload() -> None:
    """A 200 that is not JSON: one second try, then BadPayload; both requests charged."""
    wire = Wire([(OK, "<html>oops"), (OK, '{"items": [')])
    with pytest.raises(BadPayload) as caught:
        polled(wire, "liveVid0001")
    assert caught.value.reason == "bad_payload"
    assert caught.value.usage is not None and caught.value.usage.calls == 2


def test_a_counter_that_is_not_a_number_is_a_bad_payload() -> None:
    """viewCount "lots" cannot be a count: BadPayload naming the video, not a crash."""
    body = {
        "items": [{"id": "x1", "liveStreamingDetails": {}, "statistics": {"viewCount": "lots"}}]
    }
    with pytest.raises(BadPayload, match="x1"):
        polled(Wire([(OK, json.dumps(body))] * 2), "x1")


# -- errors, retries and keys -------------------------------------------------------


@pytest.mark.parametrize(
    "failure",
    [
        error(500, "error_backend.json"),
        error(503, "error_backend.json"),
        error(429, "error_rate_limit.json", **{"retry-after": "1"}),
        error(403, "error_rate_limit.json"),
        ({"status": "502"}, "<html>Bad Gateway</html>"),
        (OK, TimeoutError("timed out")),
        (OK, ConnectionResetError(104, "Connection reset by peer")),
    ],
    ids=["500", "503", "429", "403-rateLimitExceeded", "502-html", "timeout", "reset"],
)
def test_transient_faults_are_retried_and_succeed(failure: tuple[Any, Any]) -> None:
    """Each transient fault once, then the answer: the poll succeeds, both calls counted."""
    wire = Wire([failure, (OK, fixture("videos_list.json"))])
    result = polled(wire, "liveVid0001")
    assert len(result.snapshots) == 1
    assert result.calls == 2


def test_retries_run_out_into_a_transient_error() -> None:
    """Four timeouts (the policy's attempts): Transient with reason "timeout" and usage."""
    wire = Wire([(OK, TimeoutError("timed out"))] * 4)
    with pytest.raises(Transient) as caught:
        polled(wire, "liveVid0001")
    assert caught.value.reason == "timeout"
    assert caught.value.usage is not None and caught.value.usage.calls == 4


@pytest.mark.usefixtures("clock_waits")
def test_retry_after_is_waited_on_the_injected_clock() -> None:
    """A 429 asking for 7 s: the retry happens 7 s later on the adapter's clock."""
    clock = SimulatedClock(NOW)
    wire = Wire([error(429, "error_rate_limit.json", **{"retry-after": "7"})])
    wire._iterable.append((OK, fixture("videos_list.json")))
    polled(wire, "liveVid0001", clock=clock)
    assert clock.now() - NOW == timedelta(seconds=7)


def test_quota_exceeded_moves_to_the_next_key() -> None:
    """quotaExceeded on key 1: the same call again with key 2; units charged per key."""
    wire = Wire([error(403, "error_quota_exceeded.json"), (OK, fixture("videos_list.json"))])
    result = polled(wire, "liveVid0001")
    assert [q["key"] for q in wire.queries()] == [[SECRETS[0]], [SECRETS[1]]]
    assert result.usage.units == {"YOUTUBE_API_KEY_1": 1, "YOUTUBE_API_KEY_2": 1}


def test_an_exhausted_key_stays_unused_until_the_reset() -> None:
    """After a switch, later calls start on key 2; the day after, key 1 is back."""
    wire = Wire([error(403, "error_quota_exceeded.json")] + [(OK, '{"items": []}')] * 3)
    yt = adapter(wire)
    for now in (NOW, NOW + timedelta(hours=1), quota_reset(NOW)):
        yt.poll([stream("liveVid0001")], now)
    assert [q["key"][0] for q in wire.queries()] == [SECRETS[0], SECRETS[1], SECRETS[1], SECRETS[0]]


def test_every_key_exhausted_raises_quota_exhausted_until_pacific_midnight() -> None:
    """Both keys quotaExceeded: QuotaExhausted, reset at the next midnight Pacific."""
    wire = Wire([error(403, "error_quota_exceeded.json")] * 2)
    yt = adapter(wire)
    with pytest.raises(QuotaExhausted) as caught:
        yt.poll([stream("liveVid0001")], NOW)
    assert caught.value.reset_at == datetime(2026, 3, 15, 7, 0, tzinfo=UTC)  # 00:00 PDT
    assert caught.value.reason == "quota"
    assert caught.value.usage is not None and caught.value.usage.quota_units == 2
    with pytest.raises(QuotaExhausted):  # no request is even sent now
        yt.poll([stream("liveVid0001")], NOW + timedelta(hours=1))
    assert len(wire.request_sequence) == 2


def test_a_forbidden_403_is_not_mistaken_for_quota() -> None:
    """403 ``forbidden``: a refusal, not a quota switch and not retried."""
    wire = Wire([error(403, "error_forbidden.json")])
    with pytest.raises(PlatformError) as caught:
        polled(wire, "liveVid0001")
    assert type(caught.value) is PlatformError
    assert caught.value.reason == "rejected"
    assert len(wire.request_sequence) == 1


@pytest.mark.parametrize("body", ["error_key_invalid_legacy.json", "error_key_invalid.json"])
def test_an_invalid_key_names_its_environment_variable(body: str) -> None:
    """keyInvalid (legacy) or API_KEY_INVALID (details): AuthFailed naming the variable."""
    wire = Wire([error(400, body)])
    with pytest.raises(AuthFailed) as caught:
        polled(wire, "liveVid0001")
    assert caught.value.env_var == "YOUTUBE_API_KEY_1"
    assert "YOUTUBE_API_KEY_1" in str(caught.value)
    assert caught.value.reason == "auth"


FAILURES: dict[str, list[Any]] = {
    "quota": [error(403, "error_quota_exceeded.json")] * 2,
    "auth": [error(400, "error_key_invalid.json")],
    "rejected": [error(403, "error_forbidden.json")],
    "transient": [error(503, "error_backend.json")] * 4,
    "timeout": [(OK, TimeoutError("timed out"))] * 4,
    "bad_payload": [(OK, "not json")] * 2,
}


@pytest.mark.parametrize("reason", sorted(FAILURES))
def test_errors_never_show_a_key(reason: str) -> None:
    """Neither the message, the repr nor the printed traceback holds a key value."""
    with pytest.raises(PlatformError) as caught:
        polled(Wire(list(FAILURES[reason])), "liveVid0001")
    assert caught.value.reason == reason
    printed = "".join(traceback.format_exception(caught.value))
    for secret in SECRETS:
        assert secret not in str(caught.value) + repr(caught.value) + printed


def test_client_debug_logs_never_show_a_key(caplog: pytest.LogCaptureFixture) -> None:
    """The client logs each URL at DEBUG; the adapter masks its ``key=``."""
    with caplog.at_level(logging.DEBUG):
        polled(Wire([(OK, fixture("videos_list.json"))]), "liveVid0001")
    assert "key=REDACTED" in caplog.text
    assert all(secret not in caplog.text for secret in SECRETS)


def test_the_adapter_repr_holds_no_key() -> None:
    """Keys live in a field left out of every repr."""
    yt = adapter(Wire([]))
    assert all(secret not in repr(yt._keys) for secret in SECRETS)


def test_an_empty_key_variable_is_a_config_error() -> None:
    """A key variable that is set but empty is named at start-up, before any call."""
    with pytest.raises(ConfigError, match="YOUTUBE_API_KEY_2"):
        YouTubeAdapter([KEYS[0], ("YOUTUBE_API_KEY_2", "")], rss_client=feed_client())


# -- discovery ----------------------------------------------------------------------

FEED = fixture("feed.xml").encode()


def discovery_wire() -> Wire:
    """A first discovery: channels.list, two playlist pages, one videos.list."""
    videos = json.loads(fixture("videos_list.json"))
    videos["items"] += json.loads(fixture("videos_ordinary.json"))["items"]
    return Wire(
        [
            (OK, fixture("channels_content_details.json")),
            (OK, fixture("playlist_items_page1.json")),
            (OK, fixture("playlist_items_page2.json")),
            (OK, json.dumps(videos)),
        ]
    )


def test_first_discovery_walks_the_uploads_playlist() -> None:
    """New channel: feed, then channels.list once and the uploads pages; no search."""
    wire = discovery_wire()
    found = adapter(wire, rss_client=feed_client(FEED)).discover([ANTIKOR], NOW)
    assert wire.paths() == [
        "/youtube/v3/channels",
        "/youtube/v3/playlistItems",
        "/youtube/v3/playlistItems",
        "/youtube/v3/videos",
    ]
    assert wire.queries()[1]["playlistId"] == ["UUantikorLive0000000000a"]
    assert wire.queries()[2]["pageToken"] == ["EAAaBlBUOkNESQ"]
    assert found.usage.quota_units == 4


def test_discovery_keeps_streams_and_drops_ordinary_uploads() -> None:
    """Videos without liveStreamingDetails are uploads, not streams; the walk stops at
    the lookback horizon (the 2025 upload is never asked about)."""
    wire = discovery_wire()
    found = adapter(wire, rss_client=feed_client(FEED)).discover([ANTIKOR], NOW)
    asked = wire.queries()[3]["id"][0].split(",")
    assert asked == ["upcomingV01", "ordinaryV01", "endedVid001"]
    assert {s.external_id for s in found.streams} == {"upcomingV01", "endedVid001"}
    upcoming = next(s for s in found.streams if s.external_id == "upcomingV01")
    assert (upcoming.channel, upcoming.status, upcoming.discovered_at) == (
        ANTIKOR.id,
        StreamStatus.UPCOMING,
        NOW,
    )


def test_a_second_discovery_costs_no_quota() -> None:
    """Known streams and remembered uploads: the feed alone answers, no API call."""
    wire = discovery_wire()
    yt = adapter(wire, rss_client=feed_client(FEED, FEED))
    first = yt.discover([ANTIKOR], NOW)
    again = yt.discover([ANTIKOR], NOW, known={s.external_id for s in first.streams})
    assert (again.streams, again.usage.calls) == ([], 0)


def test_a_new_feed_entry_is_checked_with_one_videos_call() -> None:
    """On a walked channel only the new feed ids are checked, by videos.list."""
    wire = discovery_wire()
    wire._iterable.append((OK, fixture("videos_list.json")))
    newer = FEED.replace(b"upcomingV01", b"liveVid0001")
    yt = adapter(wire, rss_client=feed_client(FEED, newer))
    yt.discover([ANTIKOR], NOW, known={"endedVid001"})
    found = yt.discover([ANTIKOR], NOW, known={"endedVid001", "upcomingV01"})
    assert wire.queries()[-1]["id"] == ["liveVid0001"]
    assert [s.status for s in found.streams] == [StreamStatus.LIVE]


def test_a_full_feed_of_new_entries_walks_the_playlist_again() -> None:
    """15 entries all new: the feed may have missed some, so the playlist is read."""
    wire = discovery_wire()
    entry = b"<entry><yt:videoId>new%08d</yt:videoId><title>t</title></entry>"
    head = FEED[: FEED.index(b"<entry>")]
    full = head + b"".join(entry % n for n in range(15)) + b"</feed>"
    assert len(parse_feed(full)) == 15
    wire._iterable += [(OK, fixture("playlist_items_page1.json")), (OK, '{"items": []}')]
    yt = adapter(wire, rss_client=feed_client(FEED, full))
    yt.discover([ANTIKOR], NOW)
    yt.discover([ANTIKOR], NOW, known={"upcomingV01", "endedVid001"})
    assert wire.paths()[4:] == ["/youtube/v3/playlistItems", "/youtube/v3/videos"]


def test_a_failing_feed_falls_back_to_the_playlist() -> None:
    """The feed answers 404: discovery still works, through the uploads playlist."""
    wire = discovery_wire()
    found = adapter(wire, rss_client=feed_client(404)).discover([ANTIKOR], NOW)
    assert {s.external_id for s in found.streams} == {"upcomingV01", "endedVid001"}


def test_a_failed_discovery_remembers_nothing() -> None:
    """videos.list fails after the walk: the next discovery walks and asks again."""
    wire = Wire([*discovery_wire()._iterable[:3], error(400, "error_key_invalid.json")])
    yt = adapter(wire, rss_client=feed_client(FEED, FEED))
    with pytest.raises(AuthFailed) as caught:
        yt.discover([ANTIKOR], NOW)
    assert caught.value.usage is not None and caught.value.usage.calls == 4
    wire._iterable += discovery_wire()._iterable[1:]
    assert len(yt.discover([ANTIKOR], NOW).streams) == 2


def test_discovery_skips_other_platforms_channels() -> None:
    """A Facebook channel handed to the YouTube adapter is ignored, at no cost."""
    found = adapter(Wire([])).discover([Channel("facebook", "1234")], NOW)
    assert (found.streams, found.usage.calls) == ([], 0)


# -- publishing ---------------------------------------------------------------------


def test_publish_inserts_a_broadcast_with_oauth() -> None:
    """liveBroadcasts.insert: POST with a Bearer token (no key), title, time, privacy."""
    wire = Wire([(OK, fixture("live_broadcast_insert.json"))])
    start = datetime(2026, 3, 20, 11, 0, tzinfo=UTC)
    video_id = adapter(wire).publish("Antikor.Live", start, "unlisted", oauth("ya29.fake"))
    assert video_id == "newBcast001"
    uri, method, body, headers = wire.request_sequence[0]
    assert (urlsplit(uri).path, method) == ("/youtube/v3/liveBroadcasts", "POST")
    assert headers["authorization"] == "Bearer ya29.fake"
    assert "key" not in parse_qs(urlsplit(uri).query)
    sent = json.loads(body)
    assert sent["snippet"] == {
        "title": "Antikor.Live",
        "scheduledStartTime": "2026-03-20T11:00:00Z",
    }
    assert sent["status"] == {"privacyStatus": "unlisted"}


def test_publish_is_never_retried() -> None:
    """A 503 on insert is raised at once: a retry could create a second broadcast."""
    wire = Wire([error(503, "error_backend.json"), (OK, fixture("live_broadcast_insert.json"))])
    with pytest.raises(Transient):
        adapter(wire).publish("t", NOW, "private", oauth("ya29.fake"))
    assert len(wire.request_sequence) == 1


def test_publish_rejects_an_unknown_privacy() -> None:
    """Only public, unlisted and private exist; anything else fails before sending."""
    with pytest.raises(ValueError, match="privacy"):
        adapter(Wire([])).publish("t", NOW, "secret", oauth("ya29.fake"))


def test_a_refused_token_names_the_setting() -> None:
    """401 on insert: AuthFailed naming the token-file setting, not the token."""
    wire = Wire(
        [({"status": "401"}, '{"error": {"code": 401, "errors": [{"reason": "authError"}]}}')]
    )
    with pytest.raises(AuthFailed) as caught:
        adapter(wire).publish("t", NOW, "private", oauth("ya29.secret-token"))
    assert caught.value.env_var == "platforms.youtube.oauth_token_file"
    assert "ya29" not in str(caught.value)


# -- OAuth token file ---------------------------------------------------------------

TOKEN = {
    "client_id": "1234.apps.googleusercontent.com",
    "client_secret": "GOCSPX-fake-client-secret",
    "refresh_token": "1//fake-refresh-token",
    "token": "ya29.fake-access-token",
    "type": "authorized_user",
}


def write_token(tmp_path: Path, content: str, mode: int = 0o600) -> Path:
    path = tmp_path / "youtube-token.json"
    path.write_text(content, encoding="utf-8")
    os.chmod(path, mode)
    return path


def test_user_credentials_load_from_an_authorized_user_file(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A 0600 token file loads quietly into google-auth Credentials."""
    creds = load_user_credentials(write_token(tmp_path, json.dumps(TOKEN)))
    assert (creds.token, creds.refresh_token) == (TOKEN["token"], TOKEN["refresh_token"])
    assert "group or others" not in caplog.text


def test_a_token_file_open_to_others_is_warned_about(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A 0644 token file loads, with a warning that names the file and the fix."""
    path = write_token(tmp_path, json.dumps(TOKEN), 0o644)
    load_user_credentials(path)
    assert f"OAuth token file {path} is open to group or others; chmod 600 it" in caplog.text


@pytest.mark.parametrize(
    "content",
    [json.dumps({k: v for k, v in TOKEN.items() if k != "client_id"}), "{not json"],
    ids=["missing-field", "not-json"],
)
def test_a_malformed_token_file_is_a_config_error(tmp_path: Path, content: str) -> None:
    """Missing fields or broken JSON: ConfigError naming the file, no secret shown."""
    path = write_token(tmp_path, content)
    with pytest.raises(ConfigError, match="is not an authorized-user token") as caught:
        load_user_credentials(path)
    assert str(path) in str(caught.value)
    assert "GOCSPX" not in str(caught.value) and "1//fake" not in str(caught.value)


def test_a_missing_token_file_is_a_config_error(tmp_path: Path) -> None:
    """No file: ConfigError naming the path."""
    with pytest.raises(ConfigError, match="does not exist"):
        load_user_credentials(tmp_path / "absent.json")


# -- integration: the real client against the simulator on loopback -----------------

T0 = datetime(2026, 3, 14, 10, 0, tzinfo=UTC)  # 02:00 in Los Angeles
FEED_PATH, VIDEOS = "/feeds/videos.xml", "/youtube/v3/videos"


def sim_stream(video_id: str, start_h: float = 1, **facts: Any) -> SimStream:
    """A stream on Antikor.Live starting ``start_h`` hours after T0 and airing an hour."""
    start = T0 + timedelta(hours=start_h)
    aired: dict[str, Any] = {"actual_start": start, "actual_end": start + timedelta(hours=1)}
    facts = {"scheduled_start": start, "peak_viewers": 400, "final_views": 1500, **aired, **facts}
    return SimStream(channel=ANTIKOR.id, video_id=video_id, title=f"Эфир {video_id}", **facts)


@contextmanager
def simulated(
    streams: list[SimStream], *, keys: list[tuple[str, str]] = KEYS, **sim_options: Any
) -> Iterator[tuple[Simulator, YouTubeAdapter, SimulatedClock]]:
    """The simulator on loopback and an adapter pointed at it, both on one clock."""
    clock = SimulatedClock(T0)
    sim = Simulator(Scenario(streams=streams, seed=7), clock, **sim_options)
    with sim.serve() as base_url, httpx.Client() as rss:
        options: dict[str, Any] = {"api_endpoint": base_url, "rss_endpoint": base_url}
        options["timeout"] = 0.3  # gives up well before a "timeout" fault's 1 s hold ends
        yt = YouTubeAdapter(keys, rss_client=rss, clock=clock, **options)
        try:
            yield sim, yt, clock
        finally:
            yt.close()


def test_sim_discovery_finds_every_stream_past_the_feed_limit() -> None:
    """20 streams (feed shows 15): the first discovery walks the uploads playlist."""
    streams = [sim_stream(f"stream{n:05d}", start_h=-n) for n in range(20)]
    with simulated(streams) as (sim, yt, clock):
        found = yt.discover([ANTIKOR], clock.now())
    assert {s.external_id for s in found.streams} == {s.video_id for s in streams}
    assert sim.stats.requests["/youtube/v3/channels"] == 1
    assert sim.stats.requests["/youtube/v3/search"] == 0


def test_sim_later_discoveries_read_the_feed_only() -> None:
    """Known streams: a feed request and no API call; a new upload costs one videos.list."""
    later = sim_stream("laterVid001", start_h=30, published_at=T0 + timedelta(hours=2))
    with simulated([sim_stream("firstVid001"), later]) as (sim, yt, clock):
        first = yt.discover([ANTIKOR], clock.now())
        known = {s.external_id for s in first.streams}
        sim.stats.reset()
        assert yt.discover([ANTIKOR], clock.now(), known).usage.calls == 0
        clock.advance(timedelta(hours=3))
        found = yt.discover([ANTIKOR], clock.now(), known)
    assert [s.external_id for s in found.streams] == ["laterVid001"]
    assert (sim.stats.requests[FEED_PATH], sim.stats.requests[VIDEOS]) == (2, 1)
    assert sim.stats.requests["/youtube/v3/playlistItems"] == 0


def test_sim_polls_120_streams_in_three_calls() -> None:
    """120 ids → videos.list with 50, 50 and 20 ids, as the simulator counted them."""
    streams = [sim_stream(f"batch{n:06d}") for n in range(120)]
    with simulated(streams) as (sim, yt, clock):
        result = yt.poll([stream(s.video_id) for s in streams], clock.now())
    assert sim.stats.video_ids_per_call == [50, 50, 20]
    assert (len(result.snapshots), result.calls, result.quota_units) == (120, 3, 3)


def test_sim_state_follows_the_clock() -> None:
    """Upcoming, then live with viewers, then ended with viewers None and views kept."""
    seen = []
    with simulated([sim_stream("liveVid0001", likes_hidden=True)]) as (_, yt, clock):
        mine = stream("liveVid0001")
        for hours in (0, 1.5, 2.5):
            clock.set(T0 + timedelta(hours=hours))
            result = yt.poll([mine], clock.now())
            mine, [snapshot] = result.updates[0], result.snapshots
            seen.append((mine.status, snapshot.concurrent_viewers is not None, snapshot.likes))
    assert seen == [
        (StreamStatus.UPCOMING, False, None),
        (StreamStatus.LIVE, True, None),
        (StreamStatus.ENDED, False, None),
    ]
    assert mine.actual_end == T0 + timedelta(hours=2)


def test_sim_deleted_stream_comes_back_missing() -> None:
    """Deleted after discovery: absent from videos.list, so reported missing."""
    gone = sim_stream("deletedV001", start_h=5, deleted_at=T0 + timedelta(hours=1))
    with simulated([gone]) as (_, yt, clock):
        [found] = yt.discover([ANTIKOR], clock.now()).streams
        clock.advance(timedelta(hours=2))
        result = yt.poll([found], clock.now())
    assert result.missing == {"deletedV001"}
    assert (result.snapshots, result.updates[0].status) == ([], StreamStatus.MISSING)


def test_sim_quota_moves_to_the_next_key_then_runs_out() -> None:
    """1 unit a key: key 1, then key 2, then QuotaExhausted until 00:00 Pacific."""
    with simulated([sim_stream("liveVid0001")], quota_limit=1) as (_, yt, clock):
        polls = [yt.poll([stream("liveVid0001")], clock.now()) for _ in range(2)]
        with pytest.raises(QuotaExhausted) as caught:
            yt.poll([stream("liveVid0001")], clock.now())
        clock.set(caught.value.reset_at)
        assert len(yt.poll([stream("liveVid0001")], clock.now()).snapshots) == 1
    assert [p.usage.units for p in polls] == [
        {"YOUTUBE_API_KEY_1": 1},
        {"YOUTUBE_API_KEY_1": 1, "YOUTUBE_API_KEY_2": 1},
    ]
    assert caught.value.reset_at == datetime(2026, 3, 15, 7, 0, tzinfo=UTC)


def test_sim_invalid_key_names_the_variable_not_the_key() -> None:
    """The simulator refuses the key: AuthFailed names YOUTUBE_API_KEY_1, never the key."""
    world = simulated([sim_stream("liveVid0001")], invalid_keys=[SECRETS[0]])
    with world as (_, yt, clock), pytest.raises(AuthFailed) as caught:
        yt.poll([stream("liveVid0001")], clock.now())
    assert caught.value.env_var == "YOUTUBE_API_KEY_1"
    printed = "".join(traceback.format_exception(caught.value))
    assert SECRETS[0] not in printed


@pytest.mark.parametrize(
    "kind", ["http429", "http500", "http503", "timeout", "malformed", "truncated"]
)
def test_sim_each_transient_fault_is_retried(kind: FaultKind) -> None:
    """One injected fault on videos.list: retried at once, and the poll succeeds."""
    with simulated([sim_stream("liveVid0001")]) as (sim, yt, clock):
        sim.faults.add(FaultRule(kind=kind, path_prefix=VIDEOS, times=1, delay=1.0))
        result = yt.poll([stream("liveVid0001")], clock.now())
    assert (len(result.snapshots), result.calls) == (1, 2)
    assert (sim.stats.faults[kind], sim.stats.requests[VIDEOS]) == (1, 2)


def test_sim_feed_faults_are_retried_too() -> None:
    """A 503 from the RSS feed is retried like the API's."""
    with simulated([sim_stream("liveVid0001")]) as (sim, yt, clock):
        sim.faults.add(FaultRule(kind="http503", path_prefix=FEED_PATH, times=1))
        assert len(yt.discover([ANTIKOR], clock.now()).streams) == 1
    assert sim.stats.requests[FEED_PATH] == 2


def test_sim_publish_inserts_a_broadcast_that_polls_as_upcoming() -> None:
    """liveBroadcasts.insert with a Bearer token; the new id then polls as upcoming."""
    start = T0 + timedelta(days=2)
    with simulated([sim_stream("liveVid0001")]) as (sim, yt, clock):
        video_id = yt.publish("Жаңа эфир", start, "public", oauth("ya29.fake"))
        result = yt.poll([stream(video_id)], clock.now())
    assert sim.stats.quota_units["oauth"] == 50
    assert result.updates[0].scheduled_start == start
    assert result.updates[0].status is StreamStatus.UPCOMING
