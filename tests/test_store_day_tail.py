"""Day tails: a cycle appends today's snapshots beside the day's partition instead of
rewriting it; every reader sees them once; a full tail, or a day that is over, is
folded into its partition; crashes at any point lose nothing and double nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import orjson
import pytest

from streamer import tinystore
from streamer.models import Gap, Snapshot, StreamStatus
from streamer.store import CycleWrite
from streamer.tinyday import read_day
from streamer.tinyfiles import TableKeys, Tables, insert_new, stamp
from streamer.tinystore import TinyStore
from tests.independent.raw import read_days

DAY = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
PARTITION = Path("snapshots") / "2026-03-03.json"
TAIL = Path("snapshots") / "2026-03-03.tail.jsonl"
HOUR = timedelta(hours=1)


def snaps(minute: int, streams: int = 3, day: datetime = DAY) -> list[Snapshot]:
    """One poll of ``streams`` streams at ``minute`` past ``day``."""
    ts = day + timedelta(minutes=minute)
    return [Snapshot(f"youtube:v{n}", ts, StreamStatus.LIVE, 10 + minute) for n in range(streams)]


def cycle(store: TinyStore, minute: int, day: datetime = DAY) -> list[Snapshot]:
    """One cycle's snapshots, committed; returns them."""
    batch = snaps(minute, day=day)
    store.commit_cycle(CycleWrite(snapshots=batch, now=day + timedelta(minutes=minute)))
    return batch


def lines(path: Path) -> list[dict[str, list[dict[str, object]]]]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines()]


def test_a_cycle_appends_to_the_days_tail_and_leaves_the_partition_alone(
    data_dir: Path,
) -> None:
    """The day's first cycle writes its partition; later ones append one line each to
    its tail. Every reader (this store, a fresh one, the period read, the day's count,
    the raw files read independently) sees every snapshot once, in order."""
    store = TinyStore(data_dir)
    written = cycle(store, 0)
    assert (data_dir / PARTITION).exists() and not (data_dir / TAIL).exists()
    before = stamp(data_dir / PARTITION)
    written += cycle(store, 1) + cycle(store, 2)
    store.commit_cycle(CycleWrite(gaps=[Gap("youtube:v0", DAY + timedelta(minutes=3), "timeout")]))
    assert stamp(data_dir / PARTITION) == before
    assert [sorted(line) for line in lines(data_dir / TAIL)] == [
        ["snapshots"],
        ["snapshots"],
        ["gaps"],
    ]
    by_time = sorted(written, key=lambda s: (s.ts, s.stream))
    for reader in (store, TinyStore(data_dir)):
        assert reader.snapshots(DAY, DAY + HOUR) == by_time
        assert [g.reason for g in reader.gaps(DAY, DAY + HOUR)] == ["timeout"]
        assert reader.partitions() == [DAY.date()]
        assert (reader.partition(DAY.date()).snapshots, reader.partition(DAY.date()).gaps) == (9, 1)
    raw_snapshots, raw_gaps = read_days(data_dir)
    assert sum(len(found) for found in raw_snapshots.values()) == 9
    assert [len(found) for found in raw_gaps.values()] == [1]


def test_a_replayed_cycle_adds_nothing_and_a_line_written_twice_reads_once(
    data_dir: Path,
) -> None:
    """A cycle replayed by a fresh store (main not saved before a crash) appends nothing;
    a tail line present twice (the crash came after the append) still reads once."""
    store = TinyStore(data_dir)
    cycle(store, 0)
    cycle(store, 1)
    size = (data_dir / TAIL).stat().st_size
    cycle(TinyStore(data_dir), 1)  # the replay
    assert (data_dir / TAIL).stat().st_size == size
    raw = (data_dir / TAIL).read_bytes()
    (data_dir / TAIL).write_bytes(raw + raw)
    for reader in (store, TinyStore(data_dir)):
        assert len(reader.snapshots(DAY, DAY + HOUR)) == 6
        assert reader.partition(DAY.date()).snapshots == 6
    assert len(read_day(data_dir / PARTITION)["snapshots"]) == 6
    assert sum(len(found) for found in read_days(data_dir)[0].values()) == 6


def test_a_torn_last_line_is_not_data_and_the_next_append_cuts_it(data_dir: Path) -> None:
    """Half a line (a power cut mid-append) was never acknowledged: readers skip it and
    the next cycle's append cuts it off before writing its own line."""
    store = TinyStore(data_dir)
    cycle(store, 0)
    cycle(store, 1)
    with (data_dir / TAIL).open("ab") as tail:
        tail.write(b'{"snapshots": [{"stream": "youtube:torn"')
    assert len(TinyStore(data_dir).snapshots(DAY, DAY + HOUR)) == 6
    cycle(store, 2)
    assert [len(line["snapshots"]) for line in lines(data_dir / TAIL)] == [3, 3]
    assert "youtube:torn" not in {s.stream for s in TinyStore(data_dir).snapshots(DAY, DAY + HOUR)}


def test_a_full_tail_is_folded_into_the_partition(data_dir: Path) -> None:
    """Past ``day_fold_bytes`` the next cycle rewrites the partition with the tail's
    snapshots and its own, and deletes the tail; nothing is lost or doubled."""
    store = TinyStore(data_dir, day_fold_bytes=600)
    written: list[Snapshot] = []
    for minute in range(8):
        written += cycle(store, minute)
        size = (data_dir / TAIL).stat().st_size if (data_dir / TAIL).exists() else 0
        assert size < 600 + 3 * 200  # folded once past the bound (a line is ~420 bytes)
    stored = orjson.loads((data_dir / PARTITION).read_bytes())["snapshots"]
    assert len(stored) > 3  # the partition took tails in
    assert sorted(map(int, stored)) == list(range(1, len(stored) + 1))  # TinyDB's ids
    for reader in (store, TinyStore(data_dir)):
        assert reader.snapshots(DAY, DAY + HOUR) == sorted(written, key=lambda s: (s.ts, s.stream))


def test_a_later_day_folds_the_earlier_days_tail(data_dir: Path) -> None:
    """Once a cycle writes the next day, the day before is one plain partition again
    (the documented file, whole), and the new day starts its own tail."""
    store = TinyStore(data_dir)
    first = cycle(store, 0) + cycle(store, 1) + cycle(store, 2)
    assert (data_dir / TAIL).exists()
    tomorrow = DAY + timedelta(days=1)
    cycle(store, 0, day=tomorrow)
    cycle(store, 1, day=tomorrow)
    assert not (data_dir / TAIL).exists()
    assert len(orjson.loads((data_dir / PARTITION).read_bytes())["snapshots"]) == len(first)
    assert (data_dir / "snapshots" / "2026-03-04.tail.jsonl").exists()
    assert len(store.snapshots(DAY, DAY + HOUR)) == len(first)


def test_a_restarted_collector_folds_a_tail_left_on_a_past_day(data_dir: Path) -> None:
    """A tail left on yesterday by a collector stopped before midnight is folded by the
    next process's first cycle of a later day (the folder is looked at once)."""
    cycle(TinyStore(data_dir), 0)
    cycle(TinyStore(data_dir), 1)
    assert (data_dir / TAIL).exists()
    cycle(TinyStore(data_dir), 0, day=DAY + timedelta(days=1))
    assert not (data_dir / TAIL).exists()
    assert len(read_day(data_dir / PARTITION)["snapshots"]) == 6


def test_a_crash_between_a_folds_write_and_the_tails_deletion_loses_and_doubles_nothing(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fold writes the partition first: killed before the tail goes, every snapshot
    is in both files and reads once; the next fold completes it."""
    store = TinyStore(data_dir)
    written = cycle(store, 0) + cycle(store, 1) + cycle(store, 2)

    def killed(*_args: object, **_kwargs: object) -> None:
        raise KeyboardInterrupt  # the process dies here

    monkeypatch.setattr(tinystore, "remove_tail", killed)
    with pytest.raises(KeyboardInterrupt):
        cycle(store, 0, day=DAY + timedelta(days=1))
    monkeypatch.undo()
    assert (data_dir / TAIL).exists()
    assert len(orjson.loads((data_dir / PARTITION).read_bytes())["snapshots"]) == 9
    fresh = TinyStore(data_dir)
    assert fresh.snapshots(DAY, DAY + HOUR) == sorted(written, key=lambda s: (s.ts, s.stream))
    assert fresh.partition(DAY.date()).snapshots == 9
    cycle(fresh, 0, day=DAY + timedelta(days=1))  # the replay folds the day again
    assert not (data_dir / TAIL).exists()
    assert len(fresh.snapshots(DAY, DAY + HOUR)) == 9


def test_two_writers_in_turn_see_each_others_appends(data_dir: Path) -> None:
    """A store whose kept keys are stale (another process appended since) reads the day
    again: nothing the other wrote is skipped or written twice."""
    one, two = TinyStore(data_dir), TinyStore(data_dir)
    written = cycle(one, 0) + cycle(two, 1) + cycle(one, 2) + cycle(two, 3)
    cycle(one, 3)  # the other's cycle, replayed
    assert one.snapshots(DAY, DAY + HOUR) == sorted(written, key=lambda s: (s.ts, s.stream))
    assert sum(len(line["snapshots"]) for line in lines(data_dir / TAIL)) == 9


def test_pruning_a_day_removes_its_tail_and_a_tail_alone_is_a_day(data_dir: Path) -> None:
    """``drop_partitions`` deletes the tail with the partition; a day that has only a
    tail (its partition lost) is still listed and read, so prune can see it."""
    store = TinyStore(data_dir)
    cycle(store, 0)
    cycle(store, 1)
    assert store.drop_partitions([DAY.date()]) == [DAY.date()]
    assert not (data_dir / TAIL).exists() and not (data_dir / PARTITION).exists()
    assert store.partitions() == []
    cycle(store, 0)
    cycle(store, 1)
    (data_dir / PARTITION).unlink()
    assert store.partitions() == [DAY.date()]
    assert store.partition(date(2026, 3, 3)).snapshots == 3
    assert [s.ts for s in store.snapshots(DAY, DAY + HOUR)] == [DAY + timedelta(minutes=1)] * 3


def test_kept_keys_behind_the_table_never_overwrite_a_stored_document() -> None:
    """``insert_new`` given keys whose next id is already taken (kept from an older
    version of the table) reads the table's keys again instead of writing over it."""
    table = {"1": {"stream": "a", "ts": "t1"}, "2": {"stream": "a", "ts": "t2"}}
    tables = Tables({"snapshots": dict(table)})
    stale = TableKeys({("a", "t1")}, 2)
    insert_new(tables, "snapshots", [{"stream": "a", "ts": "t3"}], "stream", "ts", known=stale)
    assert tables.data["snapshots"] == {**table, "3": {"stream": "a", "ts": "t3"}}
    assert stale.next_id == 4 and ("a", "t2") in stale.keys
