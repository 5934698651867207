"""Facebook and Instagram recorded Graph responses replayed over loopback through httpx.

Recordings from ``tests/recorded/{facebook,instagram}`` (SOURCES names each origin):
end to end through a ``Collector`` into a TinyStore, and at the adapter for paging.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from helpers.configs import ENVIRON, recorded_collector
from helpers.replay import Recorded, Replay, recorded, serve

from collectors.base import Transient
from collectors.facebook import FacebookAdapter
from collectors.http import api_client
from streamer.app.daemon import Collector
from streamer.clock import SimulatedClock
from streamer.models import Channel, StreamStatus

pytestmark = pytest.mark.usefixtures("instant_backoff")

PAGE, ACCOUNT = "20531316728", "17841405822304914"
T0 = datetime(2021, 4, 24, 0, 0, tzinfo=UTC)  # the day after the newest recorded broadcast
VOD = "10160659411121729"  # the newest item of the recorded page: a VOD
LIVE_MEDIA = "90010498116233"
LIVE_VIDEOS, LIVE_MEDIA_PATH = f"/v19.0/{PAGE}/live_videos", f"/v19.0/{ACCOUNT}/live_media"
APP_USAGE_HIGH = '{"call_count":91,"total_cputime":15,"total_time":12}'  # python-facebook test
APP_USAGE_DOCS = '{"call_count": 28, "total_time": 25, "total_cputime": 25}'  # Graph docs sample
PROGRAMME = ("facebook-app", "Facebook App", (("facebook", PAGE), ("instagram", ACCOUNT)))


def with_headers(answer: Recorded, **headers: str) -> Recorded:
    """``answer`` served with extra response headers (``x_app_usage`` → ``X-App-Usage``)."""
    extra = {name.replace("_", "-").title(): value for name, value in headers.items()}
    return Recorded(answer.status, answer.body, {**answer.headers, **extra})


def healthy_routes(replay: Replay) -> None:
    replay.route(
        "GET",
        LIVE_VIDEOS,
        recorded("facebook", "live_videos_p1.json"),
        recorded("facebook", "live_videos_p2.json"),
    )
    replay.route("GET", LIVE_MEDIA_PATH, recorded("instagram", "live_media.json"))


def collector(tmp: Path, replay: Replay) -> AbstractContextManager[Collector]:
    """A sequential collector on the recordings, on a simulated clock at T0."""
    return recorded_collector(tmp, replay.url, PROGRAMME, T0)


def second_poll_gaps(tmp: Path, failure: Recorded) -> tuple[list[str], Collector, Replay]:
    """Cycle 1 on the recordings; the VOD's final poll 10 min later answered ``failure``."""
    with serve() as replay:
        healthy_routes(replay)
        with collector(tmp, replay) as built:
            built.collect_once()
            replay.route("GET", LIVE_VIDEOS, failure)
            built.clock.advance(timedelta(minutes=10))  # type: ignore[attr-defined]
            built.collect_once()
            gaps = built.store.gaps(T0, T0 + timedelta(hours=1))
    return [g.reason for g in gaps if g.stream == f"facebook:{VOD}"], built, replay


def test_recorded_vod_is_stored_ended_with_no_viewer_figure(tmp_path: Path) -> None:
    """The recorded VOD (live_views 0) is stored ended; its snapshot's viewers is None, not 0."""
    with serve() as replay:
        healthy_routes(replay)
        with collector(tmp_path, replay) as built:
            built.collect_once()
            streams = built.store.streams()
            snaps = built.store.snapshots(T0 - timedelta(days=1), T0 + timedelta(days=1))
    vod = streams[f"facebook:{VOD}"]
    assert (vod.status, vod.title, vod.actual_end) == (
        StreamStatus.ENDED,
        "Fidji Simo X Kati Morton Live",
        T0,
    )
    # Only the newest item is within the 30-day lookback; older ones are not adopted.
    assert [k for k in streams if k.startswith("facebook:")] == [f"facebook:{VOD}"]
    by_key = {s.stream: s for s in snaps}
    fb = by_key[f"facebook:{VOD}"]
    assert (fb.status, fb.concurrent_viewers, fb.views) == (StreamStatus.ENDED, None, None)


def test_recorded_instagram_live_media_is_live_with_every_figure_none(tmp_path: Path) -> None:
    """The recorded live_media item: a live stream whose viewers, views and comments are None."""
    with serve() as replay:
        healthy_routes(replay)
        with collector(tmp_path, replay) as built:
            built.collect_once()
            stream = built.store.streams()[f"instagram:{LIVE_MEDIA}"]
            snaps = built.store.snapshots(T0, T0 + timedelta(minutes=1))
    snap = next(s for s in snaps if s.stream == f"instagram:{LIVE_MEDIA}")
    assert stream.status is StreamStatus.LIVE
    assert (snap.concurrent_viewers, snap.views, snap.likes, snap.comments) == (None,) * 4


def test_recorded_graph_requests_carry_the_token_in_a_header_only(tmp_path: Path) -> None:
    """Every replayed Graph request has the Bearer token, and no access_token in its URL."""
    with serve() as replay:
        healthy_routes(replay)
        with collector(tmp_path, replay) as built:
            built.collect_once()
    assert replay.seen
    for seen in replay.seen:
        assert "access_token" not in seen.query
        assert seen.headers["authorization"] in {f"Bearer {v}" for v in ENVIRON.values()}


def test_recorded_pages_are_walked_by_the_after_cursor(tmp_path: Path) -> None:
    """With a long lookback, discovery reads page 2 by ``after``; page 2 has no next: stop."""
    with serve() as replay, api_client(2.0) as http:
        healthy_routes(replay)
        adapter = FacebookAdapter(
            http,
            ("SIM_FACEBOOK_TOKEN", ENVIRON["SIM_FACEBOOK_TOKEN"]),
            api_endpoint=replay.url,
            clock=SimulatedClock(T0),
            lookback=timedelta(days=3650),
        )
        found = adapter.discover([Channel("facebook", PAGE)], T0)
        asked = replay.requests(LIVE_VIDEOS)
    assert len(found.streams) == 6
    assert [s.status for s in found.streams] == [StreamStatus.ENDED] * 6
    assert [q.query.get("after") for q in asked] == [None, ["after"]]


def test_recorded_code_100_is_a_permission_gap(tmp_path: Path) -> None:
    """The recorded (#100) missing-permission error: a permission gap, Facebook goes on."""
    reasons, built, _ = second_poll_gaps(
        tmp_path, recorded("facebook", "error_100_permission.json")
    )
    assert reasons == ["permission"]
    assert built.engine.stopped == {}


def test_recorded_code_190_stops_facebook_with_an_auth_gap(tmp_path: Path) -> None:
    """The documented code 190 (token invalid): an auth gap, Facebook stopped, token unnamed."""
    reasons, built, _ = second_poll_gaps(tmp_path, recorded("facebook", "error_190_token.json"))
    assert reasons == ["auth"]
    assert "SIM_FACEBOOK_TOKEN" in built.engine.stopped["facebook"]
    assert ENVIRON["SIM_FACEBOOK_TOKEN"] not in built.engine.stopped["facebook"]


def test_recorded_code_32_is_a_throttled_gap_with_a_cooldown(tmp_path: Path) -> None:
    """The documented (#32) Page request limit: throttled gap, and calls refused for a while."""
    reasons, built, replay = second_poll_gaps(
        tmp_path, recorded("facebook", "error_32_page_limit.json")
    )
    cooldown = built.engine.platforms["facebook"].cooldown_until  # type: ignore[attr-defined]
    assert reasons == ["throttled"]
    assert cooldown is not None and cooldown > T0 + timedelta(minutes=10)
    assert len(replay.requests(LIVE_VIDEOS)) == 2  # page 1 once, then the refused call, no retry


def test_recorded_high_app_usage_header_cools_down_before_the_next_call(tmp_path: Path) -> None:
    """X-App-Usage at 91 %: the call succeeds, the next one is refused locally (not sent)."""
    page = with_headers(recorded("facebook", "live_videos_p1.json"), x_app_usage=APP_USAGE_HIGH)
    with serve() as replay:
        healthy_routes(replay)
        replay.route("GET", LIVE_VIDEOS, page)
        with collector(tmp_path, replay) as built:
            built.collect_once()
            sent = len(replay.requests(LIVE_VIDEOS))
            built.clock.advance(timedelta(minutes=2))  # type: ignore[attr-defined]
            facebook = built.engine.platforms["facebook"]
            vod = built.store.streams()[f"facebook:{VOD}"]
            with pytest.raises(Transient) as refused:
                facebook.poll([vod], built.clock.now())
            sent_after = len(replay.requests(LIVE_VIDEOS))
    assert sent == 1
    assert refused.value.reason == "throttled"
    assert sent_after == sent


def test_recorded_low_app_usage_header_changes_nothing(tmp_path: Path) -> None:
    """The documentation's X-App-Usage sample (28 %): no cooldown."""
    page = with_headers(recorded("facebook", "live_videos_p1.json"), x_app_usage=APP_USAGE_DOCS)
    with serve() as replay:
        healthy_routes(replay)
        replay.route("GET", LIVE_VIDEOS, page)
        with collector(tmp_path, replay) as built:
            built.collect_once()
            cooldown = built.engine.platforms["facebook"].cooldown_until  # type: ignore[attr-defined]
    assert cooldown is None
