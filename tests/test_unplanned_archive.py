"""An unplanned broadcast's combined rollup leaves TinyDB's main with its last stream.

Its streams are archived by the month each started in, as every stream is; its combined
rollup (``broadcast:u-…``) used to stay in main for ever. Main, which every cycle
rewrites and every plan edit parses, then grew with each unplanned simulcast, and a
rollup of no record of main's is part of every window's mark: each one that ended had
every month's digest built again. It now goes to the archive of the month its broadcast
began in, where reads of that time find it; one an earlier release left in main goes at
the next cycle that archives a stream.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson

from streamer.models import Broadcast, BroadcastStatus, Stream, StreamStatus, Target
from streamer.rollups import Rollup
from streamer.simulcast import broadcast_key
from streamer.store import CycleWrite
from streamer.tinystore import TinyStore
from streamer.tinytail import read_month

YT, FB = "UCregion00xxxxxxxxxxxxxx", "100000000000000"
GROUP = "u-aaaaaaaa"
COMBINED = broadcast_key(GROUP)
BEGAN = datetime(2025, 1, 31, 23, 50, tzinfo=UTC)  # Facebook's stream starts in February
NOW = datetime(2025, 4, 10, 12, tzinfo=UTC)


def aired(platform: str, ident: str, start: datetime, **kw: object) -> Stream:
    return Stream(
        platform,
        ident,
        YT if platform == "youtube" else FB,
        title=f"Эфир {ident}",
        status=StreamStatus.ENDED,
        actual_start=start,
        actual_end=start + timedelta(hours=1),
        **kw,  # type: ignore[arg-type]
    )


def figures(key: str, start: datetime, peak: int) -> Rollup:
    return Rollup(
        key,
        60,
        samples=60,
        live_samples=60,
        peak_concurrent=peak,
        peak_at=start + timedelta(minutes=20),
        viewer_minutes=float(peak * 30),
        covered_minutes=59.0,
        first_live_at=start + timedelta(minutes=1),
        last_sample_at=start + timedelta(hours=1),
        views=peak * 3,
    )


def keys(data_dir: Path, rel: str, table: str) -> set[object]:
    """The keys of ``table``'s documents in file ``rel`` of the data folder (a month
    archive with its tail applied)."""
    path = data_dir / rel
    if rel.startswith("archive/"):
        data = read_month(path)
    else:
        data = orjson.loads(path.read_bytes()) if path.exists() else {}
    return {doc["key"] for doc in data.get(table, {}).values()}


def with_october(store: TinyStore) -> None:
    """A broadcast held in October 2024 with its stream: a month whose mark is watched."""
    start = datetime(2024, 10, 10, 9, tzinfo=UTC)
    item = Broadcast("b-oct", "region-00", "October", start, 60, (Target("youtube", YT),),
                     status=BroadcastStatus.HELD)  # fmt: skip
    store.change_plan(lambda plan: [item])
    aired_then = aired("youtube", "o1", start, broadcast_id="b-oct", done=True)
    rollups = {aired_then.key: figures(aired_then.key, start, 50)}
    store.commit_cycle(CycleWrite(streams=[aired_then], rollups=rollups, now=NOW))


def test_the_combined_rollup_leaves_main_with_the_last_stream_for_the_month_it_began(
    data_dir: Path,
) -> None:
    """The YouTube stream (31 January) is done first: it is archived, the combined rollup
    stays (Facebook's stream still polls). Facebook's (1 February) is done last: the
    combined rollup goes to January's archive, where the broadcast began, and every read
    finds it once, as it was. Another month's mark (its digest) does not change."""
    store = TinyStore(data_dir)
    with_october(store)
    yt = aired("youtube", "u1y", BEGAN, unplanned_id=GROUP)
    fb = aired("facebook", "u1f", BEGAN + timedelta(minutes=20), unplanned_id=GROUP)
    combined = figures(COMBINED, BEGAN, 777)
    rollups = {yt.key: figures(yt.key, BEGAN, 500), fb.key: figures(fb.key, BEGAN, 300)}
    store.commit_cycle(CycleWrite(streams=[yt, fb], rollups={**rollups, COMBINED: combined},
                                  now=NOW))  # fmt: skip
    assert COMBINED in keys(data_dir, "streamer.json", "rollups")

    store.commit_cycle(CycleWrite(streams=[dataclasses.replace(yt, done=True)], now=NOW))
    assert yt.key in keys(data_dir, "archive/2025-01.json", "streams")
    assert COMBINED in keys(data_dir, "streamer.json", "rollups")

    october = (datetime(2024, 10, 1, tzinfo=UTC), datetime(2024, 11, 1, tzinfo=UTC))
    mark = store.window_mark(*october)
    store.commit_cycle(CycleWrite(streams=[dataclasses.replace(fb, done=True)], now=NOW))
    assert fb.key in keys(data_dir, "archive/2025-02.json", "streams")
    assert COMBINED not in keys(data_dir, "streamer.json", "rollups")
    assert COMBINED in keys(data_dir, "archive/2025-01.json", "rollups")
    assert COMBINED not in keys(data_dir, "archive/2025-02.json", "rollups")
    assert mark is not None and store.window_mark(*october) == mark

    fresh = TinyStore(data_dir)
    assert fresh.rollups(include_archive=True)[COMBINED] == combined
    for start, end in [
        (datetime(2025, 1, 1, tzinfo=UTC), datetime(2025, 2, 1, tzinfo=UTC)),
        (datetime(2025, 2, 1, tzinfo=UTC), datetime(2025, 3, 1, tzinfo=UTC)),
    ]:  # January holds YouTube's stream, February Facebook's: both read the rollup
        assert fresh.period_records(start, end).rollups[COMBINED] == combined


def test_a_combined_rollup_an_earlier_release_left_in_main_goes_at_the_next_archiving(
    data_dir: Path,
) -> None:
    """Left in main with its streams archived, it stays while no stream is archived (the
    cycle looks at main's rollups only then), and goes with the next stream archived,
    to the month of its first live point. A group with a stream still in main keeps its
    combined rollup there."""
    store = TinyStore(data_dir)
    yt = aired("youtube", "u1y", BEGAN, unplanned_id=GROUP, done=True)
    store.commit_cycle(CycleWrite(streams=[yt], rollups={yt.key: figures(yt.key, BEGAN, 500)},
                                  now=NOW))  # fmt: skip
    combined = figures(COMBINED, BEGAN, 777)
    active = aired("youtube", "live", NOW - timedelta(hours=1), unplanned_id="u-bbbbbbbb")
    other = broadcast_key("u-bbbbbbbb")
    store.commit_cycle(CycleWrite(streams=[active], rollups={COMBINED: combined,
                       other: figures(other, NOW, 5)}, now=NOW))  # fmt: skip
    assert {COMBINED, other} <= keys(data_dir, "streamer.json", "rollups")

    done = aired("facebook", "later", datetime(2025, 3, 3, 9, tzinfo=UTC), done=True)
    store.commit_cycle(CycleWrite(streams=[done], now=NOW))
    assert COMBINED in keys(data_dir, "archive/2025-01.json", "rollups")
    assert keys(data_dir, "streamer.json", "rollups") == {other}  # its group still polls
    assert TinyStore(data_dir).rollups(include_archive=True)[COMBINED] == combined
