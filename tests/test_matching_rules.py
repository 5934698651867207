"""The matching rules end to end: the real YouTube adapter against the simulator, the
collector on a SimulatedClock, then `streamer report broadcasts|adherence --format json`
and `streamer rollup --rebuild --check` on what it stored.

One programme with four channels, one case on each, all played in one evening:

- named:     the target names ``namedLive01``; a rehearsal on the channel starts five
             minutes later and is deleted ten minutes after that;
- overlap:   a channel-only target; a rehearsal starts five minutes after the stream
             and ends while it is still live;
- reconnect: a channel-only target; the encoder drops at T0+78 and a new video opens a
             minute later, 49 minutes after the planned start (outside match_window);
- edited:    a channel-only target; a test stream closest to the planned start is
             taken first, then the producer names the real video on the target.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from helpers.simulated import Simulated, simulated_collector

from collectors.simulator import SimStream
from streamer.app.cli import run
from streamer.models import Broadcast, Target

T0 = datetime(2026, 3, 14, 5, 0, tzinfo=UTC)  # 10:00 in Almaty
PLANNED = T0 + timedelta(minutes=30)
NAMED, OVERLAP, RECONNECT, EDITED = (f"UCmatchingRules000000000{n}" for n in range(1, 5))
ENVIRON = {"MR_YT_KEY": "AIzaFAKE-matching-rules-key"}
CONFIG = """\
data_dir = "data"
timezone = "Asia/Almaty"

[[programmes]]
slug = "antikor-live"
name = "Antikor.Live"
channels = [{channels}]

[platforms.youtube]
api_key_env = "MR_YT_KEY"
api_endpoint = "{url}"
rss_endpoint = "{url}"

[collector]
discovery_interval = 300
"""


def config(url: str) -> str:
    channels = ", ".join(
        f'{{ platform = "youtube", id = "{c}" }}' for c in (NAMED, OVERLAP, RECONNECT, EDITED)
    )
    return CONFIG.format(channels=channels, url=url)


def live(
    channel: str, video: str, start: int, end: int, peak: int, views: int, **facts: Any
) -> SimStream:
    """A stream live from T0+``start`` to T0+``end`` minutes."""
    facts.setdefault("scheduled_start", T0 + timedelta(minutes=start))
    return SimStream(
        channel=channel,
        video_id=video,
        title=video,
        actual_start=T0 + timedelta(minutes=start),
        actual_end=T0 + timedelta(minutes=end),
        peak_viewers=peak,
        final_views=views,
        **facts,
    )


STREAMS = [
    live(NAMED, "namedLive01", 30, 90, 400, 5200),
    live(NAMED, "rehearsal01", 35, 100, 60, 100, scheduled_start=None,
         deleted_at=T0 + timedelta(minutes=45)),
    live(OVERLAP, "overlapMain", 30, 90, 300, 4000),
    live(OVERLAP, "overlapRehe", 35, 50, 50, 150, scheduled_start=None),
    live(RECONNECT, "reconnect01", 30, 78, 200, 2500),
    live(RECONNECT, "reconnect02", 79, 110, 180, 1500, scheduled_start=None),
    live(EDITED, "editedTest1", 29, 40, 20, 40),
    live(EDITED, "editedReal1", 33, 93, 350, 4500),
]  # fmt: skip


def planned(id: str, target: Target) -> Broadcast:
    return Broadcast(id, "antikor-live", f"Эфир {id}", PLANNED, 60, (target,))


PLAN = [
    planned("b-named", Target("youtube", NAMED, "namedLive01")),
    planned("b-overlap", Target("youtube", OVERLAP)),
    planned("b-reconnect", Target("youtube", RECONNECT)),
    planned("b-edited", Target("youtube", EDITED)),
]
EDIT_AT = T0 + timedelta(minutes=50)
END = T0 + timedelta(hours=8)  # past the final polls of the views


def play(world: Simulated, until: datetime) -> None:
    """Cycles at the times the engine asks for, until ``until``."""
    clock, collector = world.clock, world.collector
    while clock.now() < until:
        collector.collect_once()
        due = collector.engine.next_due(clock.now())
        clock.set(min(until, max(due, clock.now() + timedelta(seconds=1))))


def name_the_real_video(current: Mapping[str, Broadcast]) -> list[Broadcast]:
    """The producer edits b-edited's target to name the video that went out."""
    target = Target("youtube", EDITED, "editedReal1")
    return [replace(current["b-edited"], targets=(target,))]


@pytest.fixture(scope="module")
def evening(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The evening collected, with what the tests read: stream owners at the edit,
    the streams' own rollups, and the reports as JSON rows by id."""
    folder = tmp_path_factory.mktemp("matching")
    with simulated_collector(
        folder, start=T0, streams=STREAMS, seed=5, config=config, environ=ENVIRON, plan=PLAN
    ) as world:
        play(world, EDIT_AT)
        before = {s.external_id: s.broadcast_id for s in world.store.streams().values()}
        world.store.change_plan(name_the_real_video)
        play(world, END)
        streams = world.store.streams(include_archive=True)
        rollups = world.store.rollups(include_archive=True)
    yield {
        "folder": folder,
        "before_edit": before,
        "owner": {s.external_id: s.broadcast_id for s in streams.values()},
        "unplanned": {s.external_id: s.unplanned_id for s in streams.values()},
        "rollups": rollups,
        "broadcasts": report(folder, "broadcasts"),
        "adherence": report(folder, "adherence"),
    }


def report(folder: Path, kind: str) -> dict[str, dict[str, Any]]:
    """`streamer report KIND --format json` of the evening's day, rows by id."""
    out = folder / f"{kind}.json"
    argv = ["--config", str(folder / "streamer.toml"), "report", kind, "--format", "json"]
    assert run([*argv, "--from", "2026-03-14", "--to", "2026-03-14", "--out", str(out)]) == 0
    rows = orjson.loads(out.read_bytes())["rows"]
    return {row["broadcast_id"]: row for row in rows}


def own(evening: dict[str, Any], video: str, figure: str) -> Any:
    """A figure from a stream's own rollup."""
    return getattr(evening["rollups"][f"youtube:{video}"], figure)


def test_a_named_video_takes_no_other_stream_on_its_channel(evening: dict[str, Any]) -> None:
    """The rehearsal beside a named video is unplanned: the broadcast has the named
    video's views and viewers only, and adherence calls the rehearsal a second stream."""
    assert evening["owner"]["namedLive01"] == "b-named"
    assert evening["owner"]["rehearsal01"] is None
    row = evening["broadcasts"]["b-named"]
    assert row["views"] == own(evening, "namedLive01", "views")
    assert row["peak_concurrent"] == own(evening, "namedLive01", "peak_concurrent")
    assert row["viewer_minutes"] == pytest.approx(
        own(evening, "namedLive01", "viewer_minutes"), abs=0.01
    )
    assert evening["broadcasts"][evening["unplanned"]["rehearsal01"]]["status"] == "unplanned"
    assert evening["adherence"][evening["unplanned"]["rehearsal01"]]["findings"] == "second_stream"
    assert evening["adherence"]["b-named"]["findings"] == "on_time"


def test_an_overlapping_second_stream_is_not_summed(evening: dict[str, Any]) -> None:
    """Channel-only target: the stream closest to the planned start is the broadcast;
    one that overlaps it is unplanned and a second stream in adherence."""
    assert evening["owner"]["overlapMain"] == "b-overlap"
    assert evening["owner"]["overlapRehe"] is None
    row = evening["broadcasts"]["b-overlap"]
    assert row["views"] == own(evening, "overlapMain", "views")
    assert row["peak_concurrent"] == own(evening, "overlapMain", "peak_concurrent")
    assert row["duration_min"] == 60
    assert evening["adherence"][evening["unplanned"]["overlapRehe"]]["findings"] == "second_stream"
    assert evening["adherence"][evening["unplanned"]["overlapRehe"]]["status"] == "unplanned"


def test_a_reconnect_is_one_broadcast(evening: dict[str, Any]) -> None:
    """Two videos in turn on one channel-only target: one broadcast from the first start
    to the last end, views summed, concurrent viewers never added at one instant."""
    assert evening["owner"]["reconnect01"] == evening["owner"]["reconnect02"] == "b-reconnect"
    row = evening["broadcasts"]["b-reconnect"]
    assert row["views"] == own(evening, "reconnect01", "views") + own(
        evening, "reconnect02", "views"
    )
    assert row["duration_min"] == 110 - 30
    peaks = [own(evening, v, "peak_concurrent") for v in ("reconnect01", "reconnect02")]
    assert row["peak_concurrent"] == max(peaks)
    minutes = sum(own(evening, v, "viewer_minutes") for v in ("reconnect01", "reconnect02"))
    # Plus the seam: the curve is joined across the switch (at most three live intervals).
    assert minutes <= row["viewer_minutes"] <= minutes + 3 * max(peaks)
    assert evening["unplanned"]["reconnect02"] is None
    assert "youtube:reconnect02" not in evening["broadcasts"]
    assert evening["adherence"]["b-reconnect"]["findings"] == "overrun"


def test_naming_the_video_later_moves_the_streams(evening: dict[str, Any]) -> None:
    """Before the edit the test stream (closest start) held the broadcast; naming the
    real video moves it in, the test stream out, and the figures follow."""
    assert evening["before_edit"]["editedTest1"] == "b-edited"
    assert evening["before_edit"]["editedReal1"] is None
    assert evening["owner"]["editedReal1"] == "b-edited"
    assert evening["owner"]["editedTest1"] is None
    row = evening["broadcasts"]["b-edited"]
    assert row["views"] == own(evening, "editedReal1", "views")
    assert row["peak_concurrent"] == own(evening, "editedReal1", "peak_concurrent")
    combined = evening["rollups"]["broadcast:b-edited"]
    assert combined.viewer_minutes == pytest.approx(own(evening, "editedReal1", "viewer_minutes"))
    assert evening["adherence"][evening["unplanned"]["editedTest1"]]["findings"] == "second_stream"


def test_the_rebuild_agrees_with_the_collector(evening: dict[str, Any]) -> None:
    """`rollup --rebuild --check` finds every rollup, combined ones included, as stored."""
    folder = evening["folder"]
    assert run(["--config", str(folder / "streamer.toml"), "rollup", "--rebuild", "--check"]) == 0
