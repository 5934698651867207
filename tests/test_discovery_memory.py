"""Discovery memory: what YouTube discovery learned about channels outlives the process,
and discovery's own ``videos.list`` answer is a found stream's first poll.

``streamer collect --once`` from cron builds a new collector every minute; without
the memory each run would ask ``channels.list``, walk the uploads playlists and check
the feed's uploads again. Against the simulator, with the real google client.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from pathlib import Path

from helpers.configs import ENVIRON, simulator_config
from helpers.simulated import simulated_collector

from collectors.simulator import SimStream
from collectors.youtube import YouTubeAdapter
from streamer.app.daemon import Collector

T0 = datetime(2026, 3, 16, 9, 0, tzinfo=UTC)
CHANNELS = ("UCdiscoveryMemory0000001", "UCdiscoveryMemory0000002")
LIVE = 62
PROGRAMME = ("antikor-live", "Antikor.Live", (("youtube", CHANNELS[0]), ("youtube", CHANNELS[1])))
VIDEOS = "/youtube/v3/videos"


def streams() -> list[SimStream]:
    """``LIVE`` streams live from 10 minutes before T0, alternating between the channels."""
    began = T0 - timedelta(minutes=10)
    facts = {"scheduled_start": began, "actual_start": began, "final_views": 500}
    return [
        SimStream(
            channel=CHANNELS[i % 2],
            video_id=f"memVid{i:05d}",
            title=f"Live {i}",
            actual_end=T0 + timedelta(hours=3),
            peak_viewers=100 + i,
            **facts,  # type: ignore[arg-type]
        )
        for i in range(LIVE)
    ]


def config(url: str) -> str:
    return simulator_config(url, programmes=[PROGRAMME], timezone=None)


def test_collect_once_every_minute_spends_what_the_batches_need(tmp_path: Path) -> None:
    """A fresh collector each minute on one store: after the first run, each run spends
    ceil(live / 50) units, all of them videos.list polls, as a long-running one does."""
    with simulated_collector(
        tmp_path, start=T0, streams=streams(), seed=4, config=config, environ=ENVIRON
    ) as built:
        built.collector.collect_once()
        spent = []
        for _ in range(5):
            built.clock.advance(timedelta(minutes=1))
            before = sum(built.sim.stats.quota_units.values())
            with Collector(built.collector.config, built.clock, ENVIRON, built.store) as fresh:
                report = fresh.collect_once()
            assert report.snapshots == LIVE
            spent.append(sum(built.sim.stats.quota_units.values()) - before)
        paths = set(built.sim.stats.requests)
    assert spent == [math.ceil(LIVE / 50)] * 5
    assert built.sim.stats.requests[VIDEOS] == 2 + 5 * 2  # discovery's 2, then polls only
    assert not any("search" in p for p in paths)


def test_a_discovery_cycle_polls_no_stream_it_just_found(tmp_path: Path) -> None:
    """The first cycle's videos.list for the new ids is their first snapshot: 62 ids in
    two calls (50 + 12), no second pair of calls to poll them."""
    with simulated_collector(
        tmp_path, start=T0, streams=streams(), seed=4, config=config, environ=ENVIRON
    ) as built:
        report = built.collector.collect_once()
        stored = built.store.snapshots(T0, T0 + timedelta(minutes=1))
        due = {s.next_poll_at for s in built.store.streams().values()}
    assert built.sim.stats.video_ids_per_call == [50, 12]
    assert (report.discovered, report.polled, report.snapshots, len(stored)) == (62, 62, 62, 62)
    assert due == {T0 + timedelta(minutes=1)}  # polled from the next live interval on


def test_the_memory_is_stored_bounded_and_taken_back() -> None:
    """``memory()`` round-trips through ``restore``; unreadable memory is ignored."""
    first = YouTubeAdapter([("K", "k")], rss_client=None)  # type: ignore[arg-type]
    first._uploads = {"UCa": "UUa"}
    first._walked = {"UCa"}
    for n in range(60):
        first._remember_upload("UCa", f"plain{n:02d}")
    memory = first.memory()
    assert memory["not_streams"]["UCa"] == [f"plain{n:02d}" for n in range(10, 60)]
    second = YouTubeAdapter([("K", "k")], rss_client=None)  # type: ignore[arg-type]
    second.restore(memory)
    assert second.memory() == memory
    second.restore({"uploads": 3})
    assert second.memory() == memory
