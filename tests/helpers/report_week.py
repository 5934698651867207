"""The small report world of the report CLI and HTML tests, in a real store.

Week 48 of 2026: a held simulcast AL-1 (YouTube + Instagram, on air 11:05 local, 5 min
after its plan), a no-show AK-1, and an unplanned YouTube stream two days later;
``add_hostile_streams`` adds one unplanned stream per hostile title.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from streamer.models import Broadcast, BroadcastStatus, Snapshot, Stream, StreamStatus, Target
from streamer.rollup import rebuild
from streamer.simulcast import broadcast_key, rebuild_combined
from streamer.store import CycleWrite, open_store
from tests.helpers.hostile import HOSTILE_TITLES

START = datetime(2026, 11, 24, 6, 5, tzinfo=UTC)  # AL-1 on air 11:05 local, 5 min late
YT, IG = "UCantikorLive00000000000", "17841400000000001"


def seed_week(
    data_dir: Path, *, planned_title: str, unplanned_title: str, instagram_done: bool
) -> None:
    """Plan, streams, snapshots and rollups of the week above; the titles given (the HTML
    tests use hostile ones), Instagram's final polls done or still to come."""
    store = open_store(data_dir)
    plan = [
        Broadcast(
            "AL-1", "antikor-live", planned_title, START - timedelta(minutes=5), 30,
            (Target("youtube", YT), Target("instagram", IG)), district="Түркістан",
            status=BroadcastStatus.HELD,
        ),
        Broadcast(
            "AK-1", "adal-komek", "Тегін заң кеңесі", START + timedelta(days=1), 60,
            (Target("youtube", "UCadalKomek0000000000000"),), status=BroadcastStatus.MISSED,
        ),
    ]  # fmt: skip
    store.change_plan(lambda _current: plan)
    ended = {"status": StreamStatus.ENDED, "actual_start": START}
    end = START + timedelta(minutes=30)
    yt = Stream("youtube", "v1", YT, "AL-1", actual_end=end, done=True, **ended)
    ig = Stream("instagram", "m1", IG, "AL-1", actual_end=end, done=instagram_done, **ended)
    extra = Stream(
        "youtube", "u1", YT, None, title=unplanned_title, status=StreamStatus.ENDED,
        actual_start=START + timedelta(days=2), actual_end=START + timedelta(days=2, minutes=10),
    )  # fmt: skip
    live = StreamStatus.LIVE
    at = [START + timedelta(minutes=m) for m in range(1, 31)]
    snaps = {
        yt.key: [Snapshot(yt.key, t, live, 40 + m, 100 * m) for m, t in enumerate(at, 1)],
        ig.key: [Snapshot(ig.key, t, live) for t in at],
        extra.key: [
            Snapshot(extra.key, START + timedelta(days=2, minutes=m), live, 7, 70)
            for m in range(1, 11)
        ],
    }
    rollups = {key: rebuild(key, 60, items) for key, items in snaps.items()}
    rollups[broadcast_key("AL-1")] = rebuild_combined(
        "AL-1", 60, {yt.key: snaps[yt.key], ig.key: snaps[ig.key]}
    )
    store.commit_cycle(
        CycleWrite(
            snapshots=[s for items in snaps.values() for s in items],
            streams=[yt, ig, extra],
            rollups=rollups,
        )
    )


def add_hostile_streams(data_dir: Path) -> None:
    """One ended unplanned stream per hostile title, on the Wednesday of week 48."""
    store = open_store(data_dir)
    streams, snaps = [], []
    for index, title in enumerate(HOSTILE_TITLES.values()):
        begin = START + timedelta(days=2, hours=1 + index // 6, minutes=10 * (index % 6))
        stream = Stream(
            "youtube", f"h{index}", YT, None, title=title, status=StreamStatus.ENDED,
            actual_start=begin, actual_end=begin + timedelta(minutes=5),
        )  # fmt: skip
        streams.append(stream)
        snaps += [
            Snapshot(stream.key, begin + timedelta(minutes=m), StreamStatus.LIVE, 3, 10 * m)
            for m in range(1, 5)
        ]
    store.commit_cycle(CycleWrite(snapshots=snaps, streams=streams))
