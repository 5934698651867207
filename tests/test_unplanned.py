"""Unplanned broadcasts: unplanned streams of one programme that went live within
match_window of each other are one broadcast, combined like a planned simulcast.

The grouping rule on its own (``streamer.unplanned.assign``), then end to end: the
real YouTube, Facebook and Twitch adapters against the simulator, an unplanned
simulcast whose Facebook stream is found late (with the earliest start), the reports
as JSON and ``streamer rollup --rebuild --check``.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from helpers.simulated import simulated_collector

from collectors.simulator import SimStream
from schedules.ids import all_digits
from streamer.app.cli import run
from streamer.models import Stream, StreamStatus
from streamer.unplanned import assign, unplanned_broadcast_id

T0 = datetime(2026, 3, 21, 9, 0, tzinfo=UTC)  # 14:00 in Almaty, a Saturday
WINDOW = timedelta(minutes=45)
PROGRAMME_OF = {"youtube:UCa": "antikor", "facebook:1": "antikor", "twitch:a": "antikor"}
PROGRAMME_OF |= {"youtube:UCb": "adal"}


def stream(key: str, start_min: int | None, **facts: Any) -> Stream:
    """An unplanned stream given as ``platform:channel:video`` (its key is
    ``platform:video``) that went live at T0+``start_min``."""
    platform, channel, video = key.split(":")
    start = None if start_min is None else T0 + timedelta(minutes=start_min)
    status = StreamStatus.UPCOMING if start is None else StreamStatus.LIVE
    return Stream(platform, video, channel, actual_start=start, status=status, **facts)


def test_one_event_on_four_platforms_is_one_unplanned_broadcast() -> None:
    """Same programme, same minute, four platforms: one id, u- and never all digits;
    a stream not live yet, a planned one and another programme's stay apart."""
    streams = [
        stream("youtube:UCa:v1", 30),
        stream("facebook:1:f1", 30),
        stream("twitch:a:t1", 31),
        stream("youtube:UCa:later", 30 + 46),  # outside the window of the others
        stream("youtube:UCb:adal", 30),  # another programme
        stream("facebook:1:soon", None),  # not on air yet
        stream("twitch:a:planned", 30, broadcast_id="b0000001"),
    ]
    found = assign(streams, WINDOW, PROGRAMME_OF)
    event = found["youtube:v1"]
    assert event is not None and event.startswith("u-") and not all_digits(event)
    assert found["facebook:f1"] == found["twitch:t1"] == event
    assert len({found["youtube:later"], found["youtube:adal"], event}) == 3
    assert found["facebook:soon"] is None and found["twitch:planned"] is None


def test_the_id_is_the_same_in_any_run_and_order() -> None:
    """The id comes from the first stream's key: shuffling the streams changes nothing."""
    streams = [stream("youtube:UCa:v1", 30), stream("facebook:1:f1", 31), stream("twitch:a:t1", 32)]
    expected = assign(streams, WINDOW, PROGRAMME_OF)
    assert set(expected.values()) == {unplanned_broadcast_id("youtube:v1")}
    for seed in range(5):
        shuffled = random.Random(seed).sample(streams, len(streams))
        assert assign(shuffled, WINDOW, PROGRAMME_OF) == expected


def test_a_stream_found_late_joins_without_changing_the_id() -> None:
    """A stream found after the group was given its id takes that id, even when it
    started first (it would have led a group formed from scratch)."""
    first = [stream("youtube:UCa:v1", 30), stream("twitch:a:t1", 30)]
    given = assign(first, WINDOW, PROGRAMME_OF)["youtube:v1"]
    assert given is not None
    stamped = [replace(s, unplanned_id=given) for s in first]
    found = assign([*stamped, stream("facebook:1:f1", 29)], WINDOW, PROGRAMME_OF)
    assert set(found.values()) == {given}


def test_two_streams_at_once_on_one_channel_are_two_events() -> None:
    """Overlapping streams on one channel are never one audience; a reconnect (one after
    the other) joins, and its channel then counts once per moment in the sum."""
    ended = stream("youtube:UCa:v1", 30, actual_end=T0 + timedelta(minutes=40))
    ended = replace(ended, status=StreamStatus.ENDED)
    found = assign(
        [ended, stream("youtube:UCa:v2", 42), stream("youtube:UCa:v3", 44)],
        WINDOW,
        PROGRAMME_OF,
    )
    assert found["youtube:v1"] == found["youtube:v2"] != found["youtube:v3"]


# -- end to end ------------------------------------------------------------------------

YT, FB, TW = "UCunplannedSimulcast0001", "100000000000031", "unplannedlogin"
ENVIRON = {
    "UP_YT_KEY": "AIzaFAKE-unplanned-key",
    "UP_FB_TOKEN": "fb-unplanned-token",
    "UP_TW_ID": "tw-unplanned-id",
    "UP_TW_SECRET": "tw-unplanned-secret",
}
CONFIG = """\
data_dir = "data"
timezone = "Asia/Almaty"

[[programmes]]
slug = "antikor-live"
name = "Antikor.Live"
channels = [
  {{ platform = "youtube", id = "{yt}" }},
  {{ platform = "facebook", id = "{fb}" }},
  {{ platform = "twitch", id = "{tw}" }},
]

[platforms.youtube]
api_key_env = "UP_YT_KEY"
api_endpoint = "{url}"
rss_endpoint = "{url}"

[platforms.facebook]
access_token_env = "UP_FB_TOKEN"
api_endpoint = "{url}"
discovery_interval = 3600

[platforms.twitch]
client_id_env = "UP_TW_ID"
client_secret_env = "UP_TW_SECRET"
api_endpoint = "{url}"
auth_endpoint = "{url}"

[collector]
discovery_interval = 300
"""


def aired(platform: str, channel: str, video: str, start: int, peak: int) -> SimStream:
    """An unannounced stream live from T0+``start`` minutes for an hour."""
    return SimStream(
        platform=platform, channel=channel, video_id=video, title="Antikor.Live: жедел эфир",
        actual_start=T0 + timedelta(minutes=start), actual_end=T0 + timedelta(minutes=start + 60),
        peak_viewers=peak, final_views=peak * 4,
    )  # fmt: skip


STREAMS = [
    aired("youtube", YT, "unplannedY1", 30, 300),
    aired("twitch", TW, "40000000031", 30, 120),
    # Found an hour after the first discovery (its platform's interval), started first.
    aired("facebook", FB, "1000000000000031", 29, 150),
    aired("youtube", YT, "unplannedY2", 200, 90),  # a second event, later that day
]


@pytest.fixture(scope="module")
def day(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The afternoon collected, the streams, rollups and snapshots, and the reports."""
    folder = tmp_path_factory.mktemp("unplanned")

    def config(url: str) -> str:
        return CONFIG.format(url=url, yt=YT, fb=FB, tw=TW)

    with simulated_collector(
        folder, start=T0, streams=STREAMS, seed=11, config=config, environ=ENVIRON
    ) as world:
        ids_seen: dict[str, set[str | None]] = {}
        while world.clock.now() < T0 + timedelta(hours=10):
            world.collector.collect_once()
            for key, s in world.store.streams().items():
                ids_seen.setdefault(key, set()).add(s.unplanned_id)
            due = world.collector.engine.next_due(world.clock.now())
            world.clock.set(max(due, world.clock.now() + timedelta(seconds=1)))
        streams = world.store.streams(include_archive=True)
        rollups = world.store.rollups(include_archive=True)
        snapshots = world.store.snapshots(T0, T0 + timedelta(hours=10))
    yield {
        "folder": folder,
        "streams": streams,
        "ids_seen": ids_seen,
        "rollups": rollups,
        "snapshots": snapshots,
        **{kind: report(folder, kind) for kind in ("broadcasts", "adherence")},
    }


def report(folder: Path, kind: str) -> dict[str, dict[str, Any]]:
    """`streamer report KIND --format json` of the day, rows by id."""
    out = folder / f"{kind}.json"
    argv = ["--config", str(folder / "streamer.toml"), "report", kind, "--format", "json"]
    assert run([*argv, "--from", "2026-03-21", "--to", "2026-03-21", "--out", str(out)]) == 0
    return {row["broadcast_id"]: row for row in orjson.loads(out.read_bytes())["rows"]}


def test_an_unplanned_simulcast_is_one_row_with_the_combined_audience(
    day: dict[str, Any],
) -> None:
    """One row for the three streams: views summed, the peak at least the sum of the
    three platforms' readings at one poll time (more than any platform's own)."""
    first = day["streams"]["youtube:unplannedY1"].unplanned_id
    keys = ("youtube:unplannedY1", "twitch:40000000031", "facebook:1000000000000031")
    assert {day["streams"][k].unplanned_id for k in keys} == {first}
    row = day["broadcasts"][first]
    assert row["status"] == "unplanned"
    assert row["platforms"] == "youtube;facebook;twitch"
    assert row["views"] == sum(day["rollups"][k].views for k in keys)
    readings: dict[datetime, dict[str, int]] = {}
    for snap in day["snapshots"]:
        if snap.stream in keys and snap.status is StreamStatus.LIVE and snap.concurrent_viewers:
            readings.setdefault(snap.ts, {})[snap.stream] = snap.concurrent_viewers
    together = [sum(r.values()) for r in readings.values() if len(r) == len(keys)]
    assert together and row["peak_concurrent"] >= max(together)
    assert row["peak_concurrent"] > max(day["rollups"][k].peak_concurrent for k in keys)
    second = day["streams"]["youtube:unplannedY2"].unplanned_id
    assert second not in (None, first) and day["broadcasts"][second]["platforms"] == "youtube"
    assert len(day["broadcasts"]) == 2 and len(day["adherence"]) == 2
    assert day["adherence"][first]["findings"] == "unplanned"


def test_the_id_never_changed_when_the_late_stream_joined(day: dict[str, Any]) -> None:
    """Every stream had one unplanned id from its start to the end (none before it),
    the Facebook stream found while the others were already grouped included."""
    late = day["streams"]["facebook:1000000000000031"]
    assert late.discovered_at is not None and late.discovered_at > T0 + timedelta(minutes=31)
    for key, seen in day["ids_seen"].items():
        assert len(seen - {None}) == 1, key


def test_the_rebuild_reproduces_the_combined_rollup(
    day: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    """`rollup --rebuild --check` recomputes the unplanned broadcasts' rollups as stored."""
    config = str(day["folder"] / "streamer.toml")
    assert run(["--config", config, "rollup", "--rebuild", "--check"]) == 0
    assert "0 differed" in capsys.readouterr().out
    first = day["streams"]["youtube:unplannedY1"].unplanned_id
    assert day["rollups"][f"broadcast:{first}"].live_samples > 0


def test_the_summary_counts_live_and_unplanned_broadcasts(
    day: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    """Four unplanned streams are two unplanned broadcasts and two live broadcasts, in
    the summary's columns (CSV and JSON), its JSON headline and its console headline."""
    argv = ["--config", str(day["folder"] / "streamer.toml"), "report", "summary"]
    argv += ["--from", "2026-03-21", "--to", "2026-03-21"]
    assert run([*argv, "--format", "json", "--lang", "ru"]) == 0
    document = orjson.loads(capsys.readouterr().out)
    [row] = document["rows"]
    assert (row["unplanned_streams"], row["unplanned_broadcasts"], row["live_broadcasts"]) == (
        4,
        2,
        2,
    )
    [line] = document["headline"]
    assert line["programme"] == "antikor-live" and line["live_broadcasts"] == 2
    assert line["views"] == row["views"]
    assert line["text"].startswith("Antikor.Live: 2 прямых эфира, ")
    assert run([*argv, "--format", "csv"]) == 0
    header = capsys.readouterr().out.splitlines()[0].removeprefix("\ufeff").split(",")
    assert header[-4:] == [
        "unplanned_broadcasts",
        "live_broadcasts",
        "unplanned_broadcasts_change",
        "live_broadcasts_change",
    ]
    assert run([*argv, "--lang", "en"]) == 0
    assert "Antikor.Live: 2 live broadcasts, " in capsys.readouterr().out
