"""Recorded cases whose handling issue #12 specifies and whose fixes land in parallel.

- A terminated YouTube channel (feed 404 with an HTML page, ``channels.list`` with no
  ``items``) is that channel's failure only: a healthy channel's live stream is still
  found in the same cycle.
- Graph's Business-Use-Case throttling codes (80001 Pages, 80002 Instagram) are
  ``throttled`` (not ``rejected``) with a cooldown, and the ``X-Business-Use-Case-Usage``
  header's ``estimated_time_to_regain_access`` is honoured.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from helpers.configs import recorded_collector
from helpers.replay import Recorded, Replay, Seen, recorded, serve, videos_by_id

from streamer.app.daemon import Collector
from streamer.models import StreamStatus

pytestmark = pytest.mark.usefixtures("instant_backoff")

HEALTHY, TERMINATED = "UC9PBzalIcEQCsiIkq36PyUA", "UCsynTerminatedChannel00"
YT_T0 = datetime(2024, 1, 11, 0, 30, tzinfo=UTC)
GRAPH_T0 = datetime(2021, 4, 24, 0, 0, tzinfo=UTC)
PAGE, ACCOUNT, VOD = "20531316728", "17841405822304914", "10160659411121729"
LIVE_VIDEOS, LIVE_MEDIA = f"/v19.0/{PAGE}/live_videos", f"/v19.0/{ACCOUNT}/live_media"
REGAIN = timedelta(minutes=19)  # estimated_time_to_regain_access in the recorded header
YT_PROGRAMME = ("two-channels", "Two channels", (("youtube", HEALTHY), ("youtube", TERMINATED)))
GRAPH_PROGRAMME = ("facebook-app", "Facebook App", (("facebook", PAGE), ("instagram", ACCOUNT)))


def by_channel(healthy: Recorded, terminated: Recorded) -> object:
    """Answer a feed or channels.list by the channel asked for."""

    def answer(seen: Seen) -> Recorded:
        asked = (seen.query.get("channel_id") or seen.query.get("id") or [""])[0]
        return terminated if asked == TERMINATED else healthy

    return answer


def youtube_routes(replay: Replay) -> None:
    feed = by_channel(recorded("youtube", "feed.xml"), recorded("youtube", "feed_terminated.html"))
    channels = by_channel(
        recorded("youtube", "channels_list_uploads.json"),
        recorded("youtube", "channels_list_terminated.json"),
    )
    names = (
        "videos_live",
        "videos_upcoming",
        "videos_ended",
        "videos_live_hidden",
        "videos_upload",
    )
    replay.route("GET", "/feeds/videos.xml", feed)  # type: ignore[arg-type]
    replay.route("GET", "/youtube/v3/channels", channels)  # type: ignore[arg-type]
    replay.route(
        "GET", "/youtube/v3/playlistItems", recorded("youtube", "playlist_items_uploads.json")
    )
    replay.route(
        "GET",
        "/youtube/v3/videos",
        videos_by_id(*(recorded("youtube", f"{n}.json") for n in names)),
    )


def test_recorded_terminated_channel_does_not_hide_the_healthy_channels_live_stream(
    tmp_path: Path,
) -> None:
    """Feed 404 + channels.list without items on one channel: the other's live stream is found."""
    with serve() as replay:
        youtube_routes(replay)
        with recorded_collector(tmp_path, replay.url, YT_PROGRAMME, YT_T0) as built:
            report = built.collect_once()
            streams = {s.external_id: s for s in built.store.streams().values()}
            snaps = built.store.snapshots(YT_T0, YT_T0 + timedelta(minutes=1))
    assert streams["c7_kqMFDE8c"].status is StreamStatus.LIVE
    assert streams["c7_kqMFDE8c"].channel == HEALTHY
    assert any(s.stream == "youtube:c7_kqMFDE8c" and s.concurrent_viewers == 1888 for s in snaps)
    assert "youtube" in report.ok_platforms


def graph_cycle(tmp: Path, path: str, failure: Recorded) -> tuple[list[str], Collector, Replay]:
    """Cycle 1 on the recordings, then a due poll on ``path`` answered ``failure``."""
    with serve() as replay:
        replay.route(
            "GET",
            LIVE_VIDEOS,
            recorded("facebook", "live_videos_p1.json"),
            recorded("facebook", "live_videos_p2.json"),
        )
        replay.route("GET", LIVE_MEDIA, recorded("instagram", "live_media.json"))
        with recorded_collector(tmp, replay.url, GRAPH_PROGRAMME, GRAPH_T0) as built:
            built.collect_once()
            replay.route("GET", path, failure)
            built.clock.advance(timedelta(minutes=10))  # type: ignore[attr-defined]
            built.collect_once()
            gaps = built.store.gaps(GRAPH_T0, GRAPH_T0 + timedelta(hours=1))
    platform = "facebook" if path == LIVE_VIDEOS else "instagram"
    return [g.reason for g in gaps if g.stream.startswith(platform)], built, replay


@pytest.mark.parametrize(
    ("platform", "path", "recording"),
    [
        ("facebook", LIVE_VIDEOS, "error_80001_buc.json"),
        ("instagram", LIVE_MEDIA, "error_80002_buc.json"),
    ],
)
def test_recorded_buc_throttling_is_a_throttled_gap_with_the_headers_cooldown(
    tmp_path: Path, platform: str, path: str, recording: str
) -> None:
    """Codes 80001/80002: throttled gaps; the Page or account waits out the header's 19 min."""
    reasons, built, _ = graph_cycle(tmp_path, path, recorded(platform, recording))
    owner = PAGE if platform == "facebook" else ACCOUNT
    cooldown = built.engine.platforms[platform].cooldown_of(owner)  # type: ignore[attr-defined]
    assert reasons and set(reasons) == {"throttled"}
    assert cooldown is not None
    assert cooldown >= GRAPH_T0 + timedelta(minutes=10) + REGAIN
