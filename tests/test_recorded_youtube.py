"""YouTube recorded responses replayed through the real google-api-python-client.

The recordings in ``tests/recorded/youtube`` (SOURCES names each origin) are served on
loopback; a ``Collector`` built from a streamer.toml runs real cycles into a TinyStore
in ``tmp_path``, and the tests read back what landed: streams' states, snapshots'
figures (``None`` where YouTube hides one, never 0), gaps with their reasons and the
quota ledger.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from helpers.replay import Replay, recorded, serve, videos_by_id

from collectors.youtube_quota import quota_day
from streamer.app.daemon import Collector
from streamer.clock import SimulatedClock
from streamer.config import load_config
from streamer.models import Snapshot, StreamStatus, from_iso

pytestmark = pytest.mark.usefixtures("instant_backoff")

CHANNEL = "UC9PBzalIcEQCsiIkq36PyUA"  # the channel of the recorded feed
T0 = datetime(2024, 1, 11, 0, 30, tzinfo=UTC)  # 24 min after the recorded live start
KEYS = {"REC_YT_KEY_1": "AIzaFAKE-recorded-key-1", "REC_YT_KEY_2": "AIzaFAKE-recorded-key-2"}
LIVE, UPCOMING, ENDED, HIDDEN = "c7_kqMFDE8c", "synUpcoming", "synEndedVid", "synHiddenVw"
UPLOAD = "D-lhorsDlUQ"  # a recorded ordinary upload: no liveStreamingDetails
VIDEOS, CHANNELS = "/youtube/v3/videos", "/youtube/v3/channels"
CONFIG = """\
data_dir = "data"
timezone = "UTC"

[[programmes]]
slug = "digital-foundry"
name = "Digital Foundry"
channels = [{{ platform = "youtube", id = "{channel}" }}]

[platforms.youtube]
api_key_envs = [{keys}]
api_endpoint = "{url}"
rss_endpoint = "{url}"

[collector]
request_timeout = 2
"""


def yt(name: str) -> object:
    return recorded("youtube", name)


def every_video() -> object:
    names = ("videos_live", "videos_upcoming", "videos_ended", "videos_live_hidden")
    return videos_by_id(*(recorded("youtube", f"{n}.json") for n in (*names, "videos_upload")))


def healthy_routes(replay: Replay) -> None:
    """The recorded feed, channel, uploads page and videos, all answering."""
    replay.route("GET", "/feeds/videos.xml", recorded("youtube", "feed.xml"))
    replay.route("GET", CHANNELS, recorded("youtube", "channels_list_uploads.json"))
    replay.route(
        "GET", "/youtube/v3/playlistItems", recorded("youtube", "playlist_items_uploads.json")
    )
    replay.route("GET", VIDEOS, every_video())  # type: ignore[arg-type]


@contextmanager
def collector(tmp: Path, replay: Replay, keys: Mapping[str, str] = KEYS) -> Iterator[Collector]:
    """A Collector from a streamer.toml pointing every YouTube endpoint at ``replay``."""
    key_list = ", ".join(f'"{name}"' for name in keys)
    path = tmp / "streamer.toml"
    path.write_text(CONFIG.format(channel=CHANNEL, keys=key_list, url=replay.url), "utf-8")
    config = load_config(path)
    with Collector(config, SimulatedClock(T0), dict(keys), parallel=False) as built:
        yield built


def snapshots_by_id(collector: Collector) -> dict[str, Snapshot]:
    found = collector.store.snapshots(T0 - timedelta(days=1), T0 + timedelta(days=1))
    return {snap.stream.split(":", 1)[1]: snap for snap in found}


def test_recorded_cycle_stores_live_upcoming_ended_and_skips_the_upload(tmp_path: Path) -> None:
    """One cycle over the recorded feed: each broadcast stored in the state its times show."""
    with serve() as replay:
        healthy_routes(replay)
        with collector(tmp_path, replay) as built:
            built.collect_once()
            streams = {s.external_id: s for s in built.store.streams().values()}
    assert {sid: s.status for sid, s in streams.items()} == {
        LIVE: StreamStatus.LIVE,
        UPCOMING: StreamStatus.UPCOMING,
        ENDED: StreamStatus.ENDED,
        HIDDEN: StreamStatus.LIVE,
    }
    assert streams[LIVE].actual_start == from_iso("2024-01-11T00:06:08Z")
    assert streams[UPCOMING].scheduled_start == from_iso("2024-01-11T12:00:00Z")
    assert streams[ENDED].actual_end == from_iso("2024-01-10T11:31:40Z")
    assert all(s.channel == CHANNEL for s in streams.values())


def test_recorded_snapshots_keep_hidden_figures_none(tmp_path: Path) -> None:
    """Viewers come from concurrentViewers while live only; absent counts are None, not 0."""
    with serve() as replay:
        healthy_routes(replay)
        with collector(tmp_path, replay) as built:
            built.collect_once()
            snaps = snapshots_by_id(built)
    figures = {
        sid: (s.status, s.concurrent_viewers, s.views, s.likes, s.comments)
        for sid, s in snaps.items()
    }
    assert figures == {
        LIVE: (
            StreamStatus.LIVE,
            1888,
            None,
            None,
            None,
        ),  # recorded with part=liveStreamingDetails
        UPCOMING: (StreamStatus.UPCOMING, None, 0, 0, 0),
        ENDED: (StreamStatus.ENDED, None, 5123, 240, 17),
        HIDDEN: (StreamStatus.LIVE, None, 812, None, 3),  # viewers and likes hidden
    }


def test_recorded_cycle_charges_the_ledger_one_unit_per_request(tmp_path: Path) -> None:
    """channels.list, playlistItems.list and one videos.list (discovery's answer is the first
    snapshot): 3 units; the feed costs none."""
    with serve() as replay:
        healthy_routes(replay)
        with collector(tmp_path, replay) as built:
            built.collect_once()
            used = built.store.quota_used(quota_day(T0))
        api_calls = [s for s in replay.seen if s.path.startswith("/youtube/v3/")]
        feed_calls = replay.requests("/feeds/videos.xml")
    assert used == {"REC_YT_KEY_1": 3}
    assert len(api_calls) == 3
    assert [c.query["channel_id"] for c in feed_calls] == [[CHANNEL]]
    assert all(c.query["key"] == [KEYS["REC_YT_KEY_1"]] for c in api_calls)


def test_recorded_upload_is_remembered_and_not_asked_again(tmp_path: Path) -> None:
    """The recorded ordinary upload is checked once; the next discovery skips it."""
    with serve() as replay:
        healthy_routes(replay)
        with collector(tmp_path, replay) as built:
            built.collect_once()
            first = [s.query["id"][0] for s in replay.requests(VIDEOS)]
            built.clock.advance(timedelta(hours=1))  # type: ignore[attr-defined]
            built.collect_once()
            later = [s.query["id"][0] for s in replay.requests(VIDEOS)][len(first) :]
    assert UPLOAD in first[0].split(",")
    assert all(UPLOAD not in asked.split(",") for asked in later)


def test_recorded_quota_exceeded_moves_to_the_next_key(tmp_path: Path) -> None:
    """quotaExceeded on the first key: the same call succeeds on the second, both charged."""
    with serve() as replay:
        healthy_routes(replay)
        replay.route("GET", VIDEOS, recorded("youtube", "error_quota_exceeded.json"), every_video())  # type: ignore[arg-type]
        with collector(tmp_path, replay) as built:
            built.collect_once()
            used = built.store.quota_used(quota_day(T0))
            statuses = {s.external_id: s.status for s in built.store.streams().values()}
    keys_used = [s.query["key"][0] for s in replay.requests(VIDEOS)]
    assert keys_used[:2] == [KEYS["REC_YT_KEY_1"], KEYS["REC_YT_KEY_2"]]
    assert used["REC_YT_KEY_1"] == 3  # channels, playlistItems, the refused videos.list
    assert used["REC_YT_KEY_2"] == 1  # discovery's videos.list, also the first snapshot
    assert statuses[LIVE] is StreamStatus.LIVE


def test_recorded_quota_exceeded_on_every_key_records_quota_gaps(tmp_path: Path) -> None:
    """Every key refused: due polls become quota gaps and YouTube pauses to Pacific midnight."""
    one_key = {"REC_YT_KEY_1": KEYS["REC_YT_KEY_1"]}
    with serve() as replay:
        healthy_routes(replay)
        with collector(tmp_path, replay, one_key) as built:
            built.collect_once()
            replay.route("GET", VIDEOS, recorded("youtube", "error_quota_exceeded.json"))
            built.clock.advance(timedelta(minutes=1))  # type: ignore[attr-defined]
            built.collect_once()
            gaps = built.store.gaps(T0, T0 + timedelta(hours=1))
            paused = built.store.get_meta("paused_until:youtube")
            used = built.store.quota_used(quota_day(T0))
            refused = len(replay.requests(VIDEOS))
            built.clock.advance(timedelta(minutes=1))  # type: ignore[attr-defined]
            built.collect_once()
            after_pause = len(replay.requests(VIDEOS))
    live_ids = {f"youtube:{LIVE}", f"youtube:{HIDDEN}"}
    assert live_ids <= {g.stream for g in gaps}
    assert {g.reason for g in gaps} == {"quota"}
    assert from_iso(paused) == datetime(2024, 1, 11, 8, 0, tzinfo=UTC)  # midnight PST
    assert used == {"REC_YT_KEY_1": 4}  # the refused request is charged too
    assert after_pause == refused  # paused: nothing more sent


def test_recorded_key_invalid_stops_youtube_with_auth_gaps(tmp_path: Path) -> None:
    """The recorded keyInvalid (HTTP 400) is an auth failure: YouTube stops, polls gap as auth."""
    with serve() as replay:
        healthy_routes(replay)
        with collector(tmp_path, replay) as built:
            built.collect_once()
            replay.route("GET", VIDEOS, recorded("youtube", "error_key_invalid.json"))
            built.clock.advance(timedelta(minutes=1))  # type: ignore[attr-defined]
            built.collect_once()
            gaps = built.store.gaps(T0, T0 + timedelta(hours=1))
            stopped = dict(built.engine.stopped)
    assert {g.reason for g in gaps} == {"auth"}
    assert "REC_YT_KEY_1" in stopped["youtube"]
    assert KEYS["REC_YT_KEY_1"] not in stopped["youtube"]


def test_recorded_permission_error_is_a_rejected_gap_not_a_stop(tmp_path: Path) -> None:
    """The recorded 403 PERMISSION_DENIED is neither quota nor auth: a rejected gap, go on."""
    with serve() as replay:
        healthy_routes(replay)
        with collector(tmp_path, replay) as built:
            built.collect_once()
            replay.route("GET", VIDEOS, recorded("youtube", "error_permission.json"), every_video())  # type: ignore[arg-type]
            built.clock.advance(timedelta(minutes=1))  # type: ignore[attr-defined]
            built.collect_once()
            gaps = built.store.gaps(T0, T0 + timedelta(hours=1))
            stopped, paused = dict(built.engine.stopped), dict(built.engine.paused_until)
    assert gaps and {g.reason for g in gaps} == {"rejected"}
    assert stopped == {} and paused == {}
