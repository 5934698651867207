"""The Store contract, on TinyStore over real files: round trips, plan changes, cycles,
day partitions, the month archive, the quota ledger, start-up clean-up and locks."""

from __future__ import annotations

import dataclasses
import errno
import os
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import orjson
import pytest
from filelock import FileLock
from hypothesis import given, settings
from hypothesis import strategies as st

from streamer.clock import as_utc
from streamer.models import (
    Broadcast,
    BroadcastStatus,
    Gap,
    Snapshot,
    Stream,
    StreamStatus,
    Target,
)
from streamer.rollups import Rollup
from streamer.store import CycleWrite, StoreBusy, StoreError
from streamer.tinyday import read_day
from streamer.tinystore import TinyStore

# These pin TinyStore's files and locks; the rest run on every backend.
FILES_ONLY = pytest.mark.parametrize("store", ["tiny"], indirect=True)

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
LIVE = StreamStatus.LIVE

PEAK_1 = Rollup("youtube:v1", 60, peak_concurrent=1)


def broadcast(broadcast_id: str = "b1", **changes: Any) -> Broadcast:
    """A broadcast with every field set to something other than its default."""
    full = Broadcast(
        id=broadcast_id,
        programme="antikor-live",
        title="Антикор: вопросы и ответы",
        start=T0,
        duration_min=90,
        targets=(Target("youtube", "UCantikor", "vid123"), Target("facebook", "1234")),
        topic="procurement",
        speakers=("A. Speaker", "B. Speaker"),
        district="Almaty",
        status=BroadcastStatus.LIVE,
        series_id="weekly",
        revision=3,
    )
    return dataclasses.replace(full, **changes)


def stream(external_id: str = "v1", /, **changes: Any) -> Stream:
    """A YouTube stream; ``changes`` override fields."""
    return dataclasses.replace(Stream("youtube", external_id, "UCantikor"), **changes)


def snap(stream_key: str = "youtube:v1", ts: datetime = T0, views: int | None = 10) -> Snapshot:
    """A live snapshot of ``stream_key`` at ``ts``."""
    return Snapshot(stream_key, ts, LIVE, concurrent_viewers=3, views=views, likes=1, comments=0)


def load(path: Path) -> dict[str, Any]:
    """A data file's raw tables, read without TinyDB."""
    data: dict[str, Any] = orjson.loads(path.read_bytes())
    return data


def child(code: str, *args: str) -> str:
    """Run ``code`` in a fresh Python process and return its stdout, stripped."""
    done = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


# -- round trips ------------------------------------------------------------------------


def test_empty_folder_reads_as_empty(store: TinyStore, data_dir: Path) -> None:
    """A new data folder reads as empty everywhere, and reading creates no data file."""
    far = datetime(2100, 1, 1, tzinfo=UTC)
    assert store.broadcasts() == {} and store.broadcast("b1") is None
    assert store.streams(include_archive=True) == {} and store.rollups(include_archive=True) == {}
    assert store.snapshots(T0, far) == [] and store.gaps(T0, far) == []
    assert store.partitions() == [] and store.quota_used("2024-05-01") == {}
    assert store.get_meta("anything") is None
    assert not (data_dir / "streamer.json").exists()


def test_broadcast_round_trip(store: TinyStore) -> None:
    """A broadcast with every field set comes back equal, by id and alone."""
    saved = store.change_plan(lambda plan: [broadcast()])
    assert saved == [broadcast()]
    assert store.broadcasts() == {"b1": broadcast()}
    assert store.broadcast("b1") == broadcast()


def test_stream_and_rollup_round_trip(store: TinyStore) -> None:
    """A stream with every field set, and a nested rollup, come back equal."""
    fields = ["scheduled_start", "actual_start", "actual_end", "discovered_at", "next_poll_at"]
    times = {f: T0 + timedelta(minutes=n) for n, f in enumerate([*fields, "last_polled_at"])}
    full = stream(broadcast_id="b1", title="t", status=StreamStatus.ENDED, final_polls=2, **times)
    rollup = Rollup(full.key, 60, 3, 2, {"kk": 3}, 40, T0, 12.5, 1.0, 1500, 60, T0, T0, T0)
    store.commit_cycle(CycleWrite(streams=[full], rollups={full.key: rollup}))
    assert store.streams() == {"youtube:v1": full}
    assert store.rollups() == {"youtube:v1": rollup}


def test_snapshot_and_gap_round_trip(store: TinyStore) -> None:
    """Snapshots and gaps come back equal; a figure the platform withheld stays None, not 0."""
    hidden = Snapshot("instagram:9", T0, LIVE)
    gap = Gap("youtube:v1", T0, "quota")
    store.commit_cycle(CycleWrite(snapshots=[snap(), hidden], gaps=[gap]))
    back = store.snapshots(T0, T0 + timedelta(seconds=1))
    assert back == [hidden, snap()]
    assert back[0].concurrent_viewers is None and back[0].views is None
    assert store.gaps(T0, T0 + timedelta(seconds=1)) == [gap]


def test_meta_round_trip_and_overwrite(store: TinyStore) -> None:
    """Named values round-trip; a later set_meta replaces only the names it gives."""
    store.set_meta({"discovered": {"youtube:UC1": "2024-05-01T12:00:00Z"}, "runs": 1})
    store.set_meta({"runs": 2})
    assert store.get_meta("discovered") == {"youtube:UC1": "2024-05-01T12:00:00Z"}
    assert store.get_meta("runs") == 2
    assert store.get_meta("never") is None


def test_meta_refuses_a_datetime(store: TinyStore, data_dir: Path) -> None:
    """A datetime is refused (it would read back as a string) and nothing is written."""
    with pytest.raises(TypeError):
        store.set_meta({"when": T0})
    assert not (data_dir / "streamer.json").exists()


@FILES_ONLY
def test_corrupt_file_raises_store_error_naming_it(store: TinyStore, data_dir: Path) -> None:
    """A data file that is not JSON raises StoreError with its path, not a JSON error."""
    (data_dir / "streamer.json").write_bytes(b'{"broadcasts": {"1": {"id"')
    with pytest.raises(StoreError, match=r"streamer\.json is not valid JSON"):
        store.broadcasts()


# -- plan -------------------------------------------------------------------------------


@FILES_ONLY
def test_change_plan_sees_current_plan_and_upserts(store: TinyStore, data_dir: Path) -> None:
    """change_plan shows the current plan, replaces by id, adds new ids, keeps the rest."""
    store.change_plan(lambda plan: [broadcast("b1"), broadcast("b2")])
    seen: list[str] = []

    def change(plan: Any) -> list[Broadcast]:
        seen.extend(sorted(plan))
        return [dataclasses.replace(plan["b1"], title="new"), broadcast("b3")]

    assert store.change_plan(change) == [broadcast("b1", title="new"), broadcast("b3")]
    assert seen == ["b1", "b2"]
    assert store.broadcasts() == {
        "b1": broadcast("b1", title="new"),
        "b2": broadcast("b2"),
        "b3": broadcast("b3"),
    }
    assert len(load(data_dir / "streamer.json")["broadcasts"]) == 3


@FILES_ONLY
def test_change_plan_that_raises_writes_nothing(store: TinyStore, data_dir: Path) -> None:
    """If the change raises, that exception propagates and the file is byte-for-byte unchanged."""
    store.change_plan(lambda plan: [broadcast()])
    before = (data_dir / "streamer.json").read_bytes()
    error = ValueError("clash with b1")

    def change(plan: Any) -> list[Broadcast]:
        list(plan.values())  # the change runs (reads the plan) before it fails
        raise error

    with pytest.raises(ValueError) as raised:
        store.change_plan(change)
    assert raised.value is error
    assert (data_dir / "streamer.json").read_bytes() == before
    assert list(data_dir.rglob("*.tmp")) == []


def test_cycle_broadcasts_are_upserts(store: TinyStore) -> None:
    """A broadcast in a cycle replaces the planned one's status (a new revision)."""
    store.change_plan(lambda plan: [broadcast(status=BroadcastStatus.PLANNED)])
    store.commit_cycle(CycleWrite(broadcasts=[broadcast(status=BroadcastStatus.HELD)]))
    assert store.broadcasts() == {"b1": broadcast(status=BroadcastStatus.HELD, revision=4)}


# -- cycles and partitions --------------------------------------------------------------


@FILES_ONLY
def test_snapshots_go_to_the_partition_of_their_utc_day(store: TinyStore, data_dir: Path) -> None:
    """A snapshot's partition is its ts's UTC date, whatever zone the ts was given in."""
    almaty = timezone(timedelta(hours=5))
    store.commit_cycle(
        CycleWrite(
            snapshots=[
                snap(ts=datetime(2024, 5, 1, 23, 30, tzinfo=UTC)),
                snap(ts=datetime(2024, 5, 2, 3, 0, tzinfo=almaty)),  # 2024-05-01 22:00 UTC
                snap(ts=datetime(2024, 5, 2, 0, 10, tzinfo=UTC)),
            ],
            gaps=[Gap("youtube:v1", datetime(2024, 5, 2, 0, 20, tzinfo=UTC), "timeout")],
        )
    )
    assert store.partitions() == [date(2024, 5, 1), date(2024, 5, 2)]
    first, second = (load(data_dir / f"snapshots/2024-05-0{d}.json") for d in (1, 2))
    assert sorted(d["ts"] for d in first["snapshots"].values()) == [
        "2024-05-01T22:00:00Z",
        "2024-05-01T23:30:00Z",
    ]
    assert [d["ts"] for d in second["snapshots"].values()] == ["2024-05-02T00:10:00Z"]
    assert [d["ts"] for d in second["gaps"].values()] == ["2024-05-02T00:20:00Z"]


@FILES_ONLY
def test_replayed_cycle_keeps_one_copy(store: TinyStore, data_dir: Path) -> None:
    """Snapshots are idempotent on (stream, ts) and gaps on (stream, ts, reason)."""
    cycle = CycleWrite(
        snapshots=[snap(), snap("youtube:v2")], gaps=[Gap("youtube:v1", T0, "timeout")]
    )
    store.commit_cycle(cycle)
    store.commit_cycle(cycle)
    store.commit_cycle(
        CycleWrite(snapshots=[snap(views=99)], gaps=[Gap("youtube:v1", T0, "quota")])
    )
    partition = load(data_dir / "snapshots/2024-05-01.json")
    assert len(partition["snapshots"]) == 2
    assert [s.views for s in store.snapshots(T0, T0 + timedelta(hours=1), ["youtube:v1"])] == [10]
    assert sorted(g.reason for g in store.gaps(T0, T0 + timedelta(hours=1))) == ["quota", "timeout"]


def test_snapshots_range_is_half_open_filtered_and_sorted(store: TinyStore) -> None:
    """snapshots() keeps start <= ts < end, filters by stream, and sorts by ts across days."""
    night = datetime(2024, 5, 1, 23, 58, tzinfo=UTC)
    times = [night + timedelta(minutes=n) for n in range(4)]  # crosses midnight
    store.commit_cycle(CycleWrite(snapshots=[snap(k, t) for t in reversed(times) for k in "ab"]))
    got = store.snapshots(times[1], times[3])
    assert [(s.stream, s.ts) for s in got] == [(k, t) for t in times[1:3] for k in "ab"]
    assert [s.ts for s in store.snapshots(times[0], times[3], streams=["b"])] == times[:3]


@FILES_ONLY
def test_snapshots_reads_only_overlapping_partitions(store: TinyStore, data_dir: Path) -> None:
    """A range reads only the day partitions it overlaps (its end is exclusive)."""
    days = [datetime(2024, 5, d, 12, tzinfo=UTC) for d in (1, 2, 3)]
    store.commit_cycle(CycleWrite(snapshots=[snap(ts=t) for t in days]))
    for name in ("2024-05-01.json", "2024-05-03.json"):
        (data_dir / "snapshots" / name).write_bytes(b"not json")  # reading it would raise
    inside = store.snapshots(datetime(2024, 5, 2, tzinfo=UTC), datetime(2024, 5, 3, tzinfo=UTC))
    assert [s.ts for s in inside] == [days[1]]
    with pytest.raises(StoreError, match=r"2024-05-01\.json"):
        store.snapshots(datetime(2024, 5, 1, 23, tzinfo=UTC), datetime(2024, 5, 3, tzinfo=UTC))


@FILES_ONLY
def test_cycle_append_leaves_other_partitions_untouched(store: TinyStore, data_dir: Path) -> None:
    """Appending 500 snapshots to one day neither reads nor rewrites the other days' files."""
    first = datetime(2024, 4, 1, 12, tzinfo=UTC)
    store.commit_cycle(
        CycleWrite(snapshots=[snap(ts=first + timedelta(days=n)) for n in range(30)])
    )
    target = data_dir / "snapshots" / "2024-04-15.json"
    others = [p for p in (data_dir / "snapshots").glob("*.json") if p != target]
    for path in others:
        path.write_bytes(b"unreadable")  # any read of these raises StoreError
    before = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in others}
    batch = [snap(f"youtube:{n}", datetime(2024, 4, 15, 13, tzinfo=UTC)) for n in range(500)]
    store.commit_cycle(CycleWrite(snapshots=batch))
    assert {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in others} == before
    assert all(p.read_bytes() == b"unreadable" for p in others)
    # Appended to the day's tail: the day as readers see it (``streamer.tinyday``).
    assert len(read_day(target)["snapshots"]) == 501


@FILES_ONLY
def test_cycle_writes_each_touched_file_once(
    store: TinyStore, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One cycle replaces each file it touches exactly once: partitions, archive and main."""
    store.commit_cycle(CycleWrite(streams=[stream("old", actual_start=T0)]))
    replaced: Counter[str] = Counter()
    real_replace = os.replace

    def counting_replace(src: Any, dst: Any) -> None:
        replaced[Path(dst).relative_to(data_dir).as_posix()] += 1
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", counting_replace)
    late = datetime(2024, 5, 1, 23, 59, tzinfo=UTC)
    store.commit_cycle(
        CycleWrite(
            snapshots=[snap(k, late + timedelta(minutes=m)) for k in "abc" for m in range(3)],
            gaps=[Gap("a", late, "timeout")],
            streams=[stream("old", actual_start=T0, done=True), stream("new")],
            rollups={
                "youtube:old": Rollup("youtube:old", 60),
                "youtube:new": Rollup("youtube:new", 60),
            },
            broadcasts=[broadcast()],
            quota={("2024-05-01", "k1"): 1, ("2024-05-01", "k2"): 2},
        )
    )
    assert replaced == {
        "snapshots/2024-05-01.json": 1,
        "snapshots/2024-05-02.json": 1,
        "archive/2024-05.json": 1,
        "archive/2024-05.plan.json": 1,  # its plan index (tinyplan)
        "streamer.json": 1,
    }


@FILES_ONLY
def test_interrupted_write_keeps_the_old_file(
    store: TinyStore, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write failing before its rename raises StoreError, keeps the old file, leaves no temp."""
    store.change_plan(lambda plan: [broadcast()])
    before = (data_dir / "streamer.json").read_bytes()

    def disk_full(src: Any, dst: Any) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", disk_full)
    with pytest.raises(StoreError, match=r"cannot write .*streamer\.json: No space left"):
        store.change_plan(lambda plan: [broadcast("b2")])
    assert (data_dir / "streamer.json").read_bytes() == before
    assert list(data_dir.rglob("*.tmp")) == []


@FILES_ONLY
def test_failed_partition_write_leaves_main_unwritten(
    store: TinyStore, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Partitions are saved before main: if one fails, main does not record the cycle."""
    store.commit_cycle(CycleWrite(streams=[stream()]))
    before = (data_dir / "streamer.json").read_bytes()
    real_replace = os.replace

    def failing_partitions(src: Any, dst: Any) -> None:
        if Path(dst).parent.name == "snapshots":
            raise OSError(errno.EIO, "Input/output error")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", failing_partitions)
    cycle = CycleWrite(
        snapshots=[snap()], streams=[stream(final_polls=1)], quota={("2024-05-01", "k"): 1}
    )
    with pytest.raises(StoreError, match="Input/output error"):
        store.commit_cycle(cycle)
    assert (data_dir / "streamer.json").read_bytes() == before


@FILES_ONLY
def test_snapshot_only_cycle_leaves_main_alone(store: TinyStore, data_dir: Path) -> None:
    """A cycle with nothing for streamer.json does not rewrite it."""
    store.commit_cycle(CycleWrite(streams=[stream()]))
    main = data_dir / "streamer.json"
    before = (main.stat().st_ino, main.read_bytes())
    store.commit_cycle(CycleWrite(snapshots=[snap()]))
    assert (main.stat().st_ino, main.read_bytes()) == before


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["youtube:a", "twitch:b"]),
            st.integers(0, 3 * 86_400 - 1),  # seconds into a three-day window
            st.integers(-12 * 60, 14 * 60),  # the zone the ts is given in, in minutes
        ),
        max_size=25,
    )
)
def test_every_snapshot_comes_back_once_from_its_utc_day(
    items: list[tuple[str, int, int]],
) -> None:
    """Whatever the zones and repeats, each (stream, ts) is stored once, in its UTC day."""
    start = datetime(2024, 5, 1, tzinfo=UTC)

    def at(seconds: int, zone_minutes: int) -> datetime:
        return (start + timedelta(seconds=seconds)).astimezone(
            timezone(timedelta(minutes=zone_minutes))
        )

    snaps = [Snapshot(key, at(s, z), LIVE, views=s) for key, s, z in items]
    with tempfile.TemporaryDirectory() as tmp:
        store = TinyStore(Path(tmp))
        store.commit_cycle(CycleWrite(snapshots=snaps))
        store.commit_cycle(CycleWrite(snapshots=snaps[::2]))
        got = store.snapshots(start, start + timedelta(days=3))
        assert store.partitions() == sorted({as_utc(s.ts).date() for s in snaps})
    unique = {(s.stream, s.ts): s for s in snaps}  # repeats here are equal readings
    assert got == sorted(unique.values(), key=lambda s: (s.ts, s.stream))


# -- archive ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dates", "month"),
    [
        ({"actual_start": 6, "scheduled_start": 5, "discovered_at": 4}, "2024-06"),
        ({"scheduled_start": 5, "discovered_at": 4}, "2024-05"),
        ({"discovered_at": 4}, "2024-04"),
    ],
)
@FILES_ONLY
def test_done_stream_moves_to_archive_month(
    store: TinyStore, data_dir: Path, dates: dict[str, int], month: str
) -> None:
    """A done stream and its rollup leave streamer.json for the month of its (best) start."""
    times = {field: datetime(2024, m, 30, 23, tzinfo=UTC) for field, m in dates.items()}
    store.commit_cycle(CycleWrite(streams=[stream(**times)], rollups={"youtube:v1": PEAK_1}))
    finished = stream(**times, done=True)
    store.commit_cycle(CycleWrite(streams=[finished, stream("v2")]))
    assert set(store.streams()) == {"youtube:v2"} and store.rollups() == {}
    assert store.streams(include_archive=True) == {
        "youtube:v1": finished,
        "youtube:v2": stream("v2"),
    }
    assert store.rollups(include_archive=True) == {"youtube:v1": PEAK_1}
    assert "youtube:v1" not in (data_dir / "streamer.json").read_text()
    archive = sorted(p.name for p in (data_dir / "archive").iterdir())
    assert archive == [f"{month}.json", f"{month}.plan.json"]  # the month and its plan index


def test_done_stream_without_any_date_stays_in_working_set(store: TinyStore) -> None:
    """A done stream with no start or discovery time has no month, so it is not archived."""
    store.commit_cycle(CycleWrite(streams=[stream(done=True)]))
    assert store.streams() == {"youtube:v1": stream(done=True)}


def test_working_copy_wins_over_archived_copy(store: TinyStore) -> None:
    """A stream updated again after archiving reads as its working-set version."""
    store.commit_cycle(CycleWrite(streams=[stream(actual_start=T0, done=True)]))
    store.commit_cycle(CycleWrite(streams=[stream(actual_start=T0, title="reopened")]))
    assert store.streams(include_archive=True)["youtube:v1"].title == "reopened"


# -- quota ------------------------------------------------------------------------------


def test_quota_ledger_sums_across_commits(store: TinyStore) -> None:
    """Quota units add up per (quota day, key name) across cycles."""
    store.commit_cycle(CycleWrite(quota={("2024-05-01", "k1"): 3, ("2024-05-01", "k2"): 1}))
    store.commit_cycle(CycleWrite(quota={("2024-05-01", "k1"): 2, ("2024-05-02", "k1"): 5}))
    assert store.quota_used("2024-05-01") == {"k1": 5, "k2": 1}
    assert store.quota_used("2024-05-02") == {"k1": 5}
    assert store.quota_used("2024-05-03") == {}


# -- start-up clean-up and locks --------------------------------------------------------


@FILES_ONLY
def test_leftover_temp_files_are_removed_at_start(store: TinyStore, data_dir: Path) -> None:
    """Temp files a killed writer left are deleted when a store opens; data stays."""
    store.change_plan(lambda plan: [broadcast()])
    store.commit_cycle(CycleWrite(snapshots=[snap()], streams=[stream(actual_start=T0, done=True)]))
    leftovers = [
        data_dir / "streamer.json.dead.tmp",
        data_dir / "snapshots" / "2024-05-01.json.dead.tmp",
        data_dir / "archive" / "2024-05.json.dead.tmp",
    ]
    for path in leftovers:
        path.write_bytes(b'{"half": ')
    reopened = TinyStore(data_dir)
    assert list(data_dir.rglob("*.tmp")) == []
    assert reopened.broadcasts() == {"b1": broadcast()}
    assert reopened.snapshots(T0, T0 + timedelta(seconds=1)) == [snap()]


def test_temp_files_that_are_not_the_stores_are_kept(data_dir: Path) -> None:
    """Start-up clean-up deletes only the store's own temp files, not other programs'."""
    others = [data_dir / "notes.tmp", data_dir / "exports" / "report.csv.x1.tmp"]
    for path in others:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"")
    TinyStore(data_dir)
    assert all(path.exists() for path in others)


@FILES_ONLY
def test_temp_file_of_a_live_writer_is_kept(store: TinyStore, data_dir: Path) -> None:
    """A temp file whose data file's lock is held belongs to a live writer and is kept."""
    tmp = data_dir / "streamer.json.live.tmp"
    tmp.write_bytes(b"{")
    with FileLock(data_dir / "locks" / "streamer.json.lock"):
        TinyStore(data_dir)
        assert tmp.exists()
    TinyStore(data_dir)
    assert not tmp.exists()


@pytest.mark.parametrize(
    "write",
    [
        lambda s: s.change_plan(lambda plan: [broadcast()]),
        lambda s: s.commit_cycle(CycleWrite(snapshots=[snap()])),
        lambda s: s.set_meta({"a": 1}),
    ],
    ids=["change_plan", "commit_cycle", "set_meta"],
)
def test_lock_timeout_raises_store_busy(data_dir: Path, write: Callable[[TinyStore], Any]) -> None:
    """A write that cannot get streamer.json's lock in time raises StoreBusy naming the file."""
    store = TinyStore(data_dir, lock_timeout=0.05)
    with (
        FileLock(data_dir / "locks" / "streamer.json.lock"),
        pytest.raises(StoreBusy, match=r"streamer\.json is locked by another streamer process"),
    ):
        write(store)
    assert not (data_dir / "streamer.json").exists()


DAEMON = """
import sys
from pathlib import Path
from streamer.store import StoreBusy
from streamer.tinystore import TinyStore

try:
    with TinyStore(Path(sys.argv[1])).daemon_lock():
        print("acquired")
except StoreBusy as busy:
    print(busy)
"""


@FILES_ONLY
def test_daemon_lock_excludes_a_second_daemon(store: TinyStore, data_dir: Path) -> None:
    """While one process holds the daemon lock another gets StoreBusy; after release it gets it."""
    with store.daemon_lock():
        assert child(DAEMON, str(data_dir)) == f"another streamer daemon is running on {data_dir}"
    assert child(DAEMON, str(data_dir)) == "acquired"
