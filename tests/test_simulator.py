"""The platform simulator's YouTube routes, through the real google-api-python-client."""

from __future__ import annotations

import json
import logging
import re
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from defusedxml import ElementTree
from googleapiclient.errors import HttpError
from hypothesis import given, settings
from hypothesis import strategies as st

from collectors.simulator import Scenario, SimStream, Simulator, demo_week
from collectors.simulator.curves import TAIL, AudienceCurve, minute_viewers
from collectors.simulator.testing import youtube_client
from streamer.clock import SimulatedClock
from streamer.errors import UserError
from streamer.models import StreamStatus

CHANNEL = "UCsimTestChannel00000001"
OTHER = "UCsimOtherChannel0000002"
T0 = datetime(2025, 3, 4, 6, 0, tzinfo=UTC)
LIVE, HIDDEN, GONE, NOSHOW, ELSEWHERE = (
    "liveStream1",
    "hiddenFigs1",
    "deletedVid1",
    "noShowVid01",
    "otherChan01",
)
OLD = [f"oldUpload{i:02d}" for i in range(20)]
PARTS = "snippet,liveStreamingDetails,statistics"
FIXTURES = Path(__file__).parent / "fixtures" / "simulator"
NS = {
    "atom": "http://www.w3.org/2005/Atom",
    "yt": "http://www.youtube.com/xml/schemas/2015",
    "media": "http://search.yahoo.com/mrss/",
}


def make_scenario(seed: int = 7, content_lag: timedelta = timedelta(0)) -> Scenario:
    """A channel with a live stream, hidden figures, a deletion, a no-show and 20 old uploads."""
    hour = timedelta(hours=1)
    streams = [
        SimStream(
            channel=CHANNEL,
            video_id=LIVE,
            title="Live now",
            scheduled_start=T0,
            actual_start=T0 + timedelta(minutes=2),
            actual_end=T0 + timedelta(minutes=62),
            peak_viewers=200,
            final_views=1000,
        ),
        SimStream(
            channel=CHANNEL,
            video_id=HIDDEN,
            title="Hidden figures",
            scheduled_start=T0,
            actual_start=T0,
            actual_end=T0 + hour,
            peak_viewers=50,
            final_views=300,
            likes_hidden=True,
            viewers_hidden=True,
        ),
        SimStream(
            channel=CHANNEL,
            video_id=GONE,
            title="Deleted",
            scheduled_start=T0 + timedelta(days=1),
            deleted_at=T0 + timedelta(minutes=30),
        ),
        SimStream(channel=CHANNEL, video_id=NOSHOW, title="No show", scheduled_start=T0 + 2 * hour),
        SimStream(
            channel=OTHER,
            video_id=ELSEWHERE,
            title="Elsewhere",
            actual_start=T0,
            actual_end=T0 + hour,
            peak_viewers=10,
            final_views=40,
        ),
    ]
    for index, video_id in enumerate(OLD):
        start = T0 - timedelta(days=index + 1)
        streams.append(
            SimStream(
                channel=CHANNEL,
                video_id=video_id,
                title=f"Old {index}",
                scheduled_start=start,
                actual_start=start,
                actual_end=start + hour,
                peak_viewers=100,
                final_views=500,
            )
        )
    titles = {CHANNEL: "Test Channel"}
    return Scenario(streams=streams, seed=seed, channel_titles=titles, content_lag=content_lag)


@pytest.fixture
def clock() -> SimulatedClock:
    return SimulatedClock(T0 - timedelta(hours=1))


@pytest.fixture
def sim(clock: SimulatedClock) -> Simulator:
    return Simulator(make_scenario(), clock)


@pytest.fixture
def yt(base_url: str) -> Iterator[Any]:
    with youtube_client(base_url) as client:
        yield client


def video(yt: Any, video_id: str, parts: str = PARTS) -> dict[str, Any]:
    items: list[dict[str, Any]] = yt.videos().list(part=parts, id=video_id).execute()["items"]
    assert len(items) == 1
    return items[0]


def error_detail(error: HttpError) -> dict[str, Any]:
    detail: dict[str, Any] = json.loads(error.content)["error"]["errors"][0]
    return detail


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=5) as response:
        body: bytes = response.read()
    return body


# videos.list: state, types, hiding


def test_upcoming_video_has_only_scheduled_time_and_zero_counts(yt: Any) -> None:
    """Before the start: liveBroadcastContent 'upcoming', only scheduledStartTime, counts '0'."""
    item = video(yt, LIVE)
    assert item["snippet"]["liveBroadcastContent"] == "upcoming"
    assert item["liveStreamingDetails"] == {"scheduledStartTime": "2025-03-04T06:00:00Z"}
    assert item["statistics"] == {
        "viewCount": "0",
        "likeCount": "0",
        "favoriteCount": "0",
        "commentCount": "0",
    }


def test_live_video_has_string_concurrent_viewers_and_chat(yt: Any, clock: SimulatedClock) -> None:
    """While live: actualStartTime, concurrentViewers as a string, activeLiveChatId, no end."""
    clock.set(T0 + timedelta(minutes=30))
    item = video(yt, LIVE)
    details = item["liveStreamingDetails"]
    assert item["snippet"]["liveBroadcastContent"] == "live"
    assert details["actualStartTime"] == "2025-03-04T06:02:00Z"
    assert isinstance(details["concurrentViewers"], str)
    assert 0 < int(details["concurrentViewers"]) <= 200
    assert details["activeLiveChatId"]
    assert "actualEndTime" not in details
    assert all(isinstance(value, str) for value in item["statistics"].values())


def test_ended_video_drops_viewers_and_chat(yt: Any, clock: SimulatedClock) -> None:
    """After the end: actualEndTime, no concurrentViewers or chat, liveBroadcastContent 'none'."""
    clock.set(T0 + timedelta(hours=2))
    item = video(yt, LIVE, PARTS + ",contentDetails")
    details = item["liveStreamingDetails"]
    assert item["snippet"]["liveBroadcastContent"] == "none"
    assert details["actualEndTime"] == "2025-03-04T07:02:00Z"
    assert "concurrentViewers" not in details
    assert "activeLiveChatId" not in details
    assert item["contentDetails"]["duration"] == "PT1H"


def test_times_parse_as_rfc3339_utc(yt: Any, clock: SimulatedClock) -> None:
    """Every time field is RFC 3339 with Z and parses with datetime.fromisoformat."""
    clock.set(T0 + timedelta(hours=2))
    item = video(yt, LIVE)
    times = [item["snippet"]["publishedAt"], *item["liveStreamingDetails"].values()]
    for text in times:
        assert text.endswith("Z")
        assert datetime.fromisoformat(text).utcoffset() == timedelta(0)


def test_hidden_likes_and_viewers_are_absent(yt: Any, clock: SimulatedClock) -> None:
    """likes_hidden drops statistics.likeCount; viewers_hidden drops concurrentViewers."""
    clock.set(T0 + timedelta(minutes=30))
    item = video(yt, HIDDEN)
    assert "likeCount" not in item["statistics"]
    assert int(item["statistics"]["viewCount"]) > 0
    assert "concurrentViewers" not in item["liveStreamingDetails"]
    assert "activeLiveChatId" in item["liveStreamingDetails"]


def test_counts_never_decrease_as_the_clock_moves(yt: Any, clock: SimulatedClock) -> None:
    """views, likes and comments are monotonic across polls through and after the broadcast."""
    previous = (0, 0, 0)
    for _ in range(30):
        clock.advance(timedelta(minutes=7))
        stats = video(yt, LIVE)["statistics"]
        current = (int(stats["viewCount"]), int(stats["likeCount"]), int(stats["commentCount"]))
        assert all(now >= before for now, before in zip(current, previous, strict=True))
        previous = current
    assert previous[0] > 0


def test_same_request_same_time_same_answer(yt: Any, clock: SimulatedClock) -> None:
    """Answers depend only on the simulated time: two identical polls agree."""
    clock.set(T0 + timedelta(minutes=20, seconds=13))
    assert video(yt, LIVE) == video(yt, LIVE)


def test_deleted_and_unknown_ids_are_absent_with_200(yt: Any, clock: SimulatedClock) -> None:
    """A deleted scheduled stream and an unknown id are left out of items; the call succeeds."""
    ids = f"{GONE},{LIVE},nosuchvideo"
    clock.set(T0 + timedelta(minutes=10))
    before = yt.videos().list(part=PARTS, id=ids).execute()
    clock.set(T0 + timedelta(minutes=30))
    after = yt.videos().list(part=PARTS, id=ids).execute()
    assert [item["id"] for item in before["items"]] == [GONE, LIVE]
    assert [item["id"] for item in after["items"]] == [LIVE]


def test_more_than_50_ids_is_a_400(yt: Any, sim: Simulator) -> None:
    """51 ids give HTTP 400 in the Google error envelope; 50 are fine and recorded."""
    ids = [f"video{n:06d}" for n in range(51)]
    with pytest.raises(HttpError) as caught:
        yt.videos().list(part="statistics", id=",".join(ids)).execute()
    assert caught.value.status_code == 400
    assert error_detail(caught.value)["reason"] == "invalidParameter"
    yt.videos().list(part="statistics", id=",".join(ids[:50])).execute()
    assert sim.stats.video_ids_per_call == [50]


def test_repeated_id_parameters_are_accepted(yt: Any) -> None:
    """id=['a','b'] (sent as repeated id=) works like the comma-joined form."""
    items = yt.videos().list(part="snippet", id=[LIVE, HIDDEN]).execute()["items"]
    assert [item["id"] for item in items] == [LIVE, HIDDEN]


def test_fields_filter_keeps_only_selected_fields(yt: Any, clock: SimulatedClock) -> None:
    """The partial-response filter the adapter uses cuts the response to those fields."""
    clock.set(T0 + timedelta(minutes=30))
    selector = "items(id,snippet(title,channelId),liveStreamingDetails,statistics)"
    response = yt.videos().list(part=PARTS, id=LIVE, fields=selector).execute()
    assert set(response) == {"items"}
    item = response["items"][0]
    assert set(item) == {"id", "snippet", "liveStreamingDetails", "statistics"}
    assert item["snippet"] == {"title": "Live now", "channelId": CHANNEL}


def test_bad_fields_selector_is_a_400(yt: Any) -> None:
    """An unbalanced fields selector is refused with 400."""
    with pytest.raises(HttpError) as caught:
        yt.videos().list(part="snippet", id=LIVE, fields="items(id").execute()
    assert caught.value.status_code == 400


def test_broadcast_content_can_lag_behind_the_real_state(clock: SimulatedClock) -> None:
    """With content_lag, liveBroadcastContent says 'upcoming' though actualStartTime is set."""
    sim = Simulator(make_scenario(content_lag=timedelta(minutes=5)), clock)
    clock.set(T0 + timedelta(minutes=4))
    with sim.serve() as url, youtube_client(url) as client:
        item = video(client, LIVE)
    assert item["snippet"]["liveBroadcastContent"] == "upcoming"
    assert "actualStartTime" in item["liveStreamingDetails"]


def test_unknown_part_is_a_400(yt: Any) -> None:
    """A part YouTube does not have is 400 unknownPart, as recorded from the real API."""
    with pytest.raises(HttpError) as caught:
        yt.videos().list(part="snippet,bogus", id=LIVE).execute()
    assert error_detail(caught.value)["reason"] == "unknownPart"


# channels, playlistItems, search


def test_channel_uploads_playlist_is_uu_plus_id(yt: Any) -> None:
    """channels.list contentDetails gives relatedPlaylists.uploads = 'UU' + id[2:]."""
    items = yt.channels().list(part="contentDetails", id=CHANNEL).execute()["items"]
    assert items[0]["contentDetails"]["relatedPlaylists"]["uploads"] == "UU" + CHANNEL[2:]


def test_unknown_channel_has_no_items_key(yt: Any) -> None:
    """An unknown channel id gives 200 with no 'items' key at all."""
    response = yt.channels().list(part="contentDetails", id="UCnobody").execute()
    assert "items" not in response
    assert response["pageInfo"]["totalResults"] == 0


def test_playlist_items_page_newest_first(yt: Any, clock: SimulatedClock) -> None:
    """Uploads page with nextPageToken, newest first, without deleted or unpublished videos."""
    clock.set(T0 + timedelta(minutes=30))
    request = yt.playlistItems().list(
        part="contentDetails,snippet", playlistId="UU" + CHANNEL[2:], maxResults=10
    )
    pages = []
    while request is not None:
        response = request.execute()
        pages.append([item["contentDetails"]["videoId"] for item in response["items"]])
        request = yt.playlistItems().list_next(request, response)
    ids = [video_id for page in pages for video_id in page]
    assert [len(page) for page in pages] == [10, 10, 3]
    assert ids == [NOSHOW, LIVE, HIDDEN, *OLD]
    assert GONE not in ids


def test_unknown_playlist_is_a_404(yt: Any) -> None:
    """A playlist id that does not exist gives 404 playlistNotFound."""
    with pytest.raises(HttpError) as caught:
        yt.playlistItems().list(part="contentDetails", playlistId="UUnobody").execute()
    assert caught.value.status_code == 404
    assert error_detail(caught.value)["reason"] == "playlistNotFound"


def test_search_by_event_type_costs_100_units(
    yt: Any, sim: Simulator, clock: SimulatedClock
) -> None:
    """search.list eventType=live lists the live videos of a channel and charges 100 units."""
    clock.set(T0 + timedelta(minutes=30))
    response = (
        yt.search()
        .list(part="snippet", channelId=CHANNEL, eventType="live", type="video")
        .execute()
    )
    assert {item["id"]["videoId"] for item in response["items"]} == {LIVE, HIDDEN}
    assert sim.stats.quota_units["test-key"] == 100


def test_search_event_type_needs_type_video(yt: Any) -> None:
    """eventType without type=video is refused with 400 invalidSearchFilter."""
    with pytest.raises(HttpError) as caught:
        yt.search().list(part="snippet", channelId=CHANNEL, eventType="live").execute()
    assert error_detail(caught.value)["reason"] == "invalidSearchFilter"


def test_read_calls_cost_one_unit_each(yt: Any, sim: Simulator) -> None:
    """videos, channels and playlistItems cost 1 unit each, charged to the API key."""
    yt.videos().list(part="id", id=LIVE).execute()
    yt.channels().list(part="contentDetails", id=CHANNEL).execute()
    yt.playlistItems().list(part="contentDetails", playlistId="UU" + CHANNEL[2:]).execute()
    assert sim.stats.quota_units == {"test-key": 3}
    assert sim.stats.requests["/youtube/v3/videos"] == 1


# RSS


def test_rss_feed_parses_and_holds_at_most_15_entries(base_url: str, sim: Simulator) -> None:
    """The Atom feed parses with defusedxml, uses the real namespaces and lists the newest 15."""
    root = ElementTree.fromstring(fetch(f"{base_url}/feeds/videos.xml?channel_id={CHANNEL}"))
    entries = root.findall("atom:entry", NS)
    assert root.findtext("yt:channelId", namespaces=NS) == CHANNEL
    assert root.findtext("atom:title", namespaces=NS) == "Test Channel"
    assert len(entries) == 15
    ids = [entry.findtext("yt:videoId", namespaces=NS) for entry in entries]
    assert ids == [NOSHOW, LIVE, HIDDEN, *OLD[:12]]
    views = entries[-1].find("media:group/media:community/media:statistics", NS)
    assert views is not None and int(views.get("views")) > 0
    assert sim.stats.quota_units == {}


def test_rss_unknown_channel_is_a_404(base_url: str) -> None:
    """The feed of a channel that does not exist is a 404."""
    with pytest.raises(urllib.error.HTTPError) as caught:
        fetch(f"{base_url}/feeds/videos.xml?channel_id=UCnobody")
    assert caught.value.code == 404
    caught.value.close()


# liveBroadcasts (OAuth)


def test_insert_broadcast_with_oauth_then_play_it(
    base_url: str, sim: Simulator, clock: SimulatedClock
) -> None:
    """liveBroadcasts.insert with a Bearer token creates an upcoming video go_live can play."""
    start = T0 + timedelta(days=1)
    body = {
        "snippet": {"title": "Adal Komek", "scheduledStartTime": "2025-03-05T06:00:00Z"},
        "status": {"privacyStatus": "public"},
    }
    with youtube_client(base_url, token="ya29.test") as owner:
        made = owner.liveBroadcasts().insert(part="snippet,status", body=body).execute()
    assert len(made["id"]) == 11
    assert made["status"]["lifeCycleStatus"] == "created"
    assert made["snippet"]["channelId"] == CHANNEL
    assert sim.stats.quota_units["oauth"] == 50
    sim.go_live(made["id"], start, start + timedelta(hours=1), peak=80, views=400)
    clock.set(start + timedelta(minutes=30))
    with youtube_client(base_url) as reader:
        item = video(reader, made["id"])
    assert item["snippet"]["liveBroadcastContent"] == "live"
    assert int(item["liveStreamingDetails"]["concurrentViewers"]) > 0


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (
            {
                "snippet": {"scheduledStartTime": "2025-03-05T06:00:00Z"},
                "status": {"privacyStatus": "public"},
            },
            "titleRequired",
        ),
        (
            {"snippet": {"title": "x"}, "status": {"privacyStatus": "public"}},
            "scheduledStartTimeRequired",
        ),
        (
            {
                "snippet": {"title": "x", "scheduledStartTime": "soon"},
                "status": {"privacyStatus": "public"},
            },
            "invalidScheduledStartTime",
        ),
        (
            {"snippet": {"title": "x", "scheduledStartTime": "2025-03-05T06:00:00Z"}},
            "privacyStatusRequired",
        ),
        (
            {
                "snippet": {"title": "x", "scheduledStartTime": "2025-03-05T06:00:00Z"},
                "status": {"privacyStatus": "secret"},
            },
            "invalidPrivacyStatus",
        ),
    ],
)
def test_insert_broadcast_validates_the_body(
    base_url: str, body: dict[str, Any], reason: str
) -> None:
    """A missing or bad title, start time or privacy status is a 400 with the live API's reason."""
    with youtube_client(base_url, token="ya29.test") as owner, pytest.raises(HttpError) as caught:
        owner.liveBroadcasts().insert(part="snippet,status", body=body).execute()
    assert caught.value.status_code == 400
    assert error_detail(caught.value)["reason"] == reason


def test_live_broadcasts_need_oauth(yt: Any) -> None:
    """liveBroadcasts.list with only an API key is 401: OAuth is required."""
    with pytest.raises(HttpError) as caught:
        yt.liveBroadcasts().list(part="snippet", mine=True).execute()
    assert caught.value.status_code == 401


def test_list_broadcasts_by_status(base_url: str, clock: SimulatedClock) -> None:
    """broadcastStatus=active lists the owner's live broadcasts with statistics as strings."""
    clock.set(T0 + timedelta(minutes=30))
    with youtube_client(base_url, token="ya29.test") as owner:
        response = (
            owner.liveBroadcasts()
            .list(part="id,snippet,status,statistics", broadcastStatus="active", maxResults=50)
            .execute()
        )
    items = {item["id"]: item for item in response["items"]}
    assert set(items) == {LIVE, HIDDEN}
    assert items[LIVE]["status"]["lifeCycleStatus"] == "live"
    assert isinstance(items[LIVE]["statistics"]["concurrentViewers"], str)
    assert items[HIDDEN]["statistics"] == {}


def test_missing_api_key_is_a_403(base_url: str) -> None:
    """A Data API call with neither key nor token is 403 in the Google envelope."""
    with (
        youtube_client(base_url, developer_key=None) as anonymous,
        pytest.raises(HttpError) as caught,
    ):
        anonymous.videos().list(part="id", id=LIVE).execute()
    assert caught.value.status_code == 403
    assert error_detail(caught.value)["reason"] == "forbidden"


# ground truth and curves


def test_ground_truth_is_deterministic_for_a_seed(clock: SimulatedClock) -> None:
    """Two simulators with the same seed agree at the same time; another seed differs."""
    clock.set(T0 + timedelta(minutes=40))
    first = Simulator(make_scenario(seed=7), clock).ground_truth()
    second = Simulator(make_scenario(seed=7), clock).ground_truth()
    other = Simulator(make_scenario(seed=8), clock).ground_truth()
    assert first == second
    assert first[LIVE].viewer_minutes != other[LIVE].viewer_minutes


def test_ground_truth_after_the_week(sim: Simulator, clock: SimulatedClock) -> None:
    """After the tail: held streams reach final views and their peak; others are as planned."""
    clock.set(T0 + timedelta(days=9))
    truth = sim.ground_truth()
    assert truth[LIVE].held and truth[LIVE].status is StreamStatus.ENDED
    assert truth[LIVE].peak_viewers == 200
    assert truth[LIVE].views == 1000
    assert truth[LIVE].actual_end == T0 + timedelta(minutes=62)
    assert truth[HIDDEN].likes is None and truth[HIDDEN].viewers_hidden
    assert truth[GONE].status is StreamStatus.MISSING and not truth[GONE].held
    assert truth[NOSHOW].status is StreamStatus.UPCOMING and truth[NOSHOW].peak_viewers is None


def test_ground_truth_matches_what_the_api_says(
    yt: Any, sim: Simulator, clock: SimulatedClock
) -> None:
    """Views in the ground truth are the views videos.list reports at the same moment."""
    clock.set(T0 + timedelta(hours=5))
    stats = video(yt, LIVE)["statistics"]
    truth = sim.ground_truth()[LIVE]
    assert int(stats["viewCount"]) == truth.views
    assert int(stats["likeCount"]) == truth.likes


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**31),
    minutes=st.integers(1, 400),
    peak=st.integers(0, 50_000),
    final=st.integers(0, 2_000_000),
    offsets=st.lists(st.integers(-60, 60 * 24 * 9), min_size=2, max_size=12),
)
def test_curve_properties(
    seed: int, minutes: int, peak: int, final: int, offsets: list[int]
) -> None:
    """Viewers never pass the peak and reach it once; views, likes never fall and end at final."""
    curve = AudienceCurve(seed, "propertyVid", T0, T0 + timedelta(minutes=minutes), peak, final)
    assert max(minute_viewers(seed, "propertyVid", minutes, peak)) == peak
    moments = [T0 + timedelta(minutes=offset) for offset in sorted(offsets)]
    views = [curve.views_at(moment) for moment in moments]
    likes = [curve.likes_at(moment) for moment in moments]
    assert views == sorted(views) and likes == sorted(likes)
    assert all((curve.viewers_at(m) or 0) <= peak for m in moments)
    assert curve.views_at(curve.end + TAIL) == final


# scenarios and files


@pytest.mark.parametrize(
    "scenario",
    [make_scenario(content_lag=timedelta(seconds=90)), demo_week(date(2025, 3, 3))],
    ids=["test", "demo"],
)
def test_scenario_file_round_trip(tmp_path: Path, scenario: Scenario) -> None:
    """to_file then from_file gives back the same scenario."""
    scenario.to_file(tmp_path / "scenario.json")
    assert Scenario.from_file(tmp_path / "scenario.json") == scenario


def test_scenario_fixture_loads() -> None:
    """The checked-in scenario file keeps loading: the file format is stable."""
    scenario = Scenario.from_file(FIXTURES / "scenario_small.json")
    assert scenario.seed == 3
    assert [s.video_id for s in scenario.streams] == ["fixtureVid1", "fixtureVid2"]
    assert scenario.streams[1].actual_start is None


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON"),
        ('{"streams": [{"channel": "UCx", "video_id": "short", "title": "t"}]}', "streams[0]"),
        ('{"streams": [{"channel": "UCx", "video_id": "abcdefghijk", "titel": "t"}]}', "titel"),
        (
            '{"streams": [{"channel": "UCx", "video_id": "abcdefghijk", "title": "t",'
            ' "scheduled_start": "2025-03-03T06:00:00Z", "peak_viewers": "12"}]}',
            "peak_viewers must be a whole number",
        ),
    ],
)
def test_bad_scenario_file_is_a_user_error(tmp_path: Path, content: str, message: str) -> None:
    """A broken scenario file is a one-line UserError naming the file and the problem."""
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(UserError, match=re.escape(message)) as caught:
        Scenario.from_file(path)
    assert str(path) in str(caught.value) and "\n" not in str(caught.value)


def test_demo_week_has_each_incident() -> None:
    """The demo week: weekday Adal Komek at 11:00 Almaty, Antikor Tue/Thu 15:00, four incidents."""
    scenario = demo_week(
        date(2025, 3, 3), adal_channel="UCadalParam", antikor_channel="UCantikorParam"
    )
    zone = ZoneInfo("Asia/Almaty")
    adal = [s for s in scenario.streams if s.channel == "UCadalParam"]
    antikor = [s for s in scenario.streams if s.channel == "UCantikorParam"]
    assert [s.scheduled_start.astimezone(zone).hour for s in adal if s.scheduled_start] == [11] * 5
    planned = [s.scheduled_start for s in antikor if s.scheduled_start]
    assert [(m.astimezone(zone).strftime("%a %H:%M")) for m in planned] == [
        "Tue 15:00",
        "Thu 15:00",
    ]
    late = [
        s
        for s in scenario.streams
        if s.actual_start
        and s.scheduled_start
        and s.actual_start - s.scheduled_start > timedelta(minutes=10)
    ]
    assert len(late) == 1
    assert len([s for s in scenario.streams if s.deleted_at]) == 1
    assert len([s for s in scenario.streams if s.actual_start is None and not s.deleted_at]) == 1
    assert len([s for s in scenario.streams if s.scheduled_start is None]) == 1
    assert Scenario.week(date(2025, 3, 3)) == demo_week(date(2025, 3, 3))


def test_demo_week_refuses_a_non_monday() -> None:
    """The week builder wants a Monday."""
    with pytest.raises(ValueError, match="not a Monday"):
        demo_week(date(2025, 3, 4))


# serving


def test_serve_refuses_non_loopback_without_opt_in(sim: Simulator) -> None:
    """Binding anything but loopback needs allow_remote=True."""
    with pytest.raises(ValueError, match="loopback"), sim.serve(host="0.0.0.0"):
        pass


def test_serve_leaves_no_threads_behind(sim: Simulator) -> None:
    """After serve() exits, the server and request threads are gone."""
    before = set(threading.enumerate())
    with sim.serve() as url, youtube_client(url) as client:
        for _ in range(5):
            client.videos().list(part="id", id=LIVE).execute()
    assert set(threading.enumerate()) == before


def test_requests_are_quiet_and_keys_never_logged(
    sim: Simulator,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A failing route answers 500, logs its path, prints nothing and never logs the key."""
    caplog.set_level(logging.DEBUG, logger="collectors.simulator")

    def broken(*_: object) -> None:
        raise RuntimeError("simulated bug")

    with sim.serve() as url, youtube_client(url, developer_key="secret-key-123") as client:
        client.videos().list(part="id", id=LIVE).execute()
        monkeypatch.setattr(sim.world, "stream", broken)
        with pytest.raises(HttpError) as caught:
            client.videos().list(part="id", id=LIVE).execute()
    assert caught.value.status_code == 500
    assert capsys.readouterr().err == ""
    ours = [r for r in caplog.records if r.name.startswith("collectors.simulator")]
    assert any("/youtube/v3/videos" in r.getMessage() for r in ours)
    # Only our records: the client itself logs full URLs (with key=) at DEBUG.
    assert not any("secret-key-123" in logging.Formatter().format(r) for r in ours)
