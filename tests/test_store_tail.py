"""Month tails: finished streams are appended beside their month archive instead of
rewriting it, every archive reader sees them, and a full tail is folded in."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest

from streamer.models import Stream
from streamer.rollups import Rollup
from streamer.store import CycleWrite
from streamer.tinyfiles import stamp
from streamer.tinystore import TinyStore

START = datetime(2026, 1, 10, 9, 0, tzinfo=UTC)
ARCHIVE = Path("archive") / "2026-01.json"
TAIL = Path("archive") / "2026-01.tail.jsonl"


def stream(n: int, *, done: bool = True) -> Stream:
    """Stream ``s<n>``, started in January 2026."""
    return Stream("youtube", f"s{n}", "UCx", actual_start=START + timedelta(hours=n), done=done)


def finish(store: TinyStore, *numbers: int, peak: int = 5) -> None:
    """One cycle in which streams ``numbers`` are done, with their rollups."""
    streams = [stream(n) for n in numbers]
    rollups = {s.key: Rollup(s.key, 60, peak_concurrent=peak) for s in streams}
    store.commit_cycle(CycleWrite(streams=streams, rollups=rollups))


@pytest.fixture
def archived(data_dir: Path) -> TinyStore:
    """A store whose January archive already holds stream s0."""
    store = TinyStore(data_dir)
    finish(store, 0)
    assert (data_dir / ARCHIVE).exists() and not (data_dir / TAIL).exists()
    return store


def test_finished_streams_go_to_the_tail_and_leave_the_archive_file_alone(
    archived: TinyStore, data_dir: Path
) -> None:
    """A finishing cycle appends one line to the month's tail; the archive is not rewritten,
    and whole-history reads, period reads and a fresh store all see the moved records."""
    before = stamp(data_dir / ARCHIVE)
    finish(archived, 1, 2)
    assert stamp(data_dir / ARCHIVE) == before
    lines = (data_dir / TAIL).read_bytes().splitlines()
    assert [sorted(orjson.loads(line)) for line in lines] == [["rollups", "streams"]]
    for store in (archived, TinyStore(data_dir)):
        assert store.streams() == {} and store.rollups() == {}
        assert set(store.streams(include_archive=True)) == {
            "youtube:s0",
            "youtube:s1",
            "youtube:s2",
        }
        assert store.rollups(include_archive=True)["youtube:s2"].peak_concurrent == 5
        period = store.period_records(START, START + timedelta(days=1))
        assert set(period.streams) == {"youtube:s0", "youtube:s1", "youtube:s2"}


def test_a_move_written_twice_reads_once_and_the_later_copy_wins(
    archived: TinyStore, data_dir: Path
) -> None:
    """A cycle replayed after a crash appends its move again: one record, the last one."""
    finish(archived, 1, peak=5)
    finish(archived, 1, peak=7)
    assert len((data_dir / TAIL).read_bytes().splitlines()) == 2
    every = TinyStore(data_dir).rollups(include_archive=True)
    assert sorted(every) == ["youtube:s0", "youtube:s1"]
    assert every["youtube:s1"].peak_concurrent == 7


def test_a_full_tail_is_folded_into_the_archive(data_dir: Path) -> None:
    """Past ``fold_bytes`` the next move rewrites the archive with the tail and deletes it."""
    store = TinyStore(data_dir, fold_bytes=1)
    finish(store, 0)
    finish(store, 1)
    assert (data_dir / TAIL).exists()
    finish(store, 2)
    assert not (data_dir / TAIL).exists()
    archive = orjson.loads((data_dir / ARCHIVE).read_bytes())
    assert sorted(doc["key"] for doc in archive["streams"].values()) == [
        "youtube:s0",
        "youtube:s1",
        "youtube:s2",
    ]
    assert len(TinyStore(data_dir).rollups(include_archive=True)) == 3


def test_a_torn_last_line_is_not_read_and_is_cut_before_the_next_append(
    archived: TinyStore, data_dir: Path
) -> None:
    """A line cut by a power cut mid-append was never acknowledged: readers skip it and the
    next append replaces it, leaving only whole lines."""
    finish(archived, 1)
    with (data_dir / TAIL).open("ab") as tail:
        tail.write(b'{"streams": [{"key": "youtube:torn"')
    assert "youtube:torn" not in TinyStore(data_dir).streams(include_archive=True)
    finish(archived, 2)
    lines = (data_dir / TAIL).read_bytes().split(b"\n")
    assert lines[-1] == b"" and [len(orjson.loads(line)) for line in lines[:-1]] == [2, 2]
    assert set(TinyStore(data_dir).streams(include_archive=True)) == {
        "youtube:s0",
        "youtube:s1",
        "youtube:s2",
    }


def test_an_empty_tail_left_by_a_kill_reads_as_none_and_takes_the_next_move(
    archived: TinyStore, data_dir: Path
) -> None:
    """A writer killed between creating the month's tail and writing its first line
    leaves an empty file (seen in the SIGKILL test): it holds no record, a fresh store
    reads the month as the archive alone, and the next move appends to it."""
    (data_dir / TAIL).write_bytes(b"")
    fresh = TinyStore(data_dir)
    assert set(fresh.streams(include_archive=True)) == {"youtube:s0"}
    finish(fresh, 1)
    lines = (data_dir / TAIL).read_bytes().splitlines()
    assert [sorted(orjson.loads(line)) for line in lines] == [["rollups", "streams"]]
    assert set(TinyStore(data_dir).streams(include_archive=True)) == {"youtube:s0", "youtube:s1"}


def test_put_rollups_reaches_a_rollup_in_the_tail(archived: TinyStore, data_dir: Path) -> None:
    """A rebuild's rollup for a stream in the tail replaces it there (folding the tail)."""
    finish(archived, 1, peak=5)
    archived.put_rollups({"youtube:s1": Rollup("youtube:s1", 60, peak_concurrent=42)})
    assert not (data_dir / TAIL).exists()
    store = TinyStore(data_dir)
    assert store.rollups() == {}
    assert store.rollups(include_archive=True)["youtube:s1"].peak_concurrent == 42


def test_a_stream_that_returns_to_main_wins_over_its_tail_copy(
    archived: TinyStore, data_dir: Path
) -> None:
    """Main's copy of a record is read last, as with the archive itself."""
    finish(archived, 1)
    working = dataclasses.replace(stream(1, done=False), title="back")
    (data_dir / "streamer.json").write_bytes(orjson.dumps({"streams": {"1": working.to_dict()}}))
    assert TinyStore(data_dir).streams(include_archive=True)["youtube:s1"].title == "back"


def test_old_outbox_events_go_to_the_tail_and_are_listed_once(
    archived: TinyStore, data_dir: Path
) -> None:
    """A delivered event a horizon old leaves main for the month's tail; the archived
    outbox lists it once, and the archive file is not rewritten for it."""
    event = {"id": "e1", "at": "2026-01-10T09:00:00Z", "kind": "missed", "deliveries": {}}
    archived.add_events([event])
    before = stamp(data_dir / ARCHIVE)
    archived.commit_cycle(CycleWrite(now=START + timedelta(days=9)))
    assert stamp(data_dir / ARCHIVE) == before
    assert b'"outbox"' in (data_dir / TAIL).read_bytes()
    store = TinyStore(data_dir)
    assert store.outbox() == [] and store.outbox(include_archive=True) == [event]


def test_a_tail_left_by_a_crash_in_a_fold_does_not_undo_the_fold(
    archived: TinyStore, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fold killed after writing its archive but before deleting the tail: the tail
    left behind holds the fold's own records last, so reads (and the next fold) keep
    the rollup the fold wrote, not the tail's older copy."""
    finish(archived, 1, peak=5)  # the tail holds s1's rollup at peak 5

    def killed(path: Path, *, fsync: bool) -> None:
        raise KeyboardInterrupt("killed before the tail is deleted")

    monkeypatch.setattr("streamer.tinystore.remove_tail", killed)
    with pytest.raises(KeyboardInterrupt):
        archived.put_rollups({"youtube:s1": Rollup("youtube:s1", 60, peak_concurrent=42)})
    monkeypatch.undo()
    assert (data_dir / TAIL).exists()
    store = TinyStore(data_dir)
    assert store.rollups(include_archive=True)["youtube:s1"].peak_concurrent == 42
    finish(store, 2)  # a later fold or append keeps it too
    store.put_rollups({"youtube:s2": Rollup("youtube:s2", 60, peak_concurrent=7)})
    again = TinyStore(data_dir).rollups(include_archive=True)
    assert again["youtube:s1"].peak_concurrent == 42 and again["youtube:s2"].peak_concurrent == 7


def test_a_starting_store_leaves_a_plan_index_being_written_alone(
    archived: TinyStore, data_dir: Path
) -> None:
    """A plan index's temp file belongs to a writer holding its archive's lock: another
    process starting meanwhile must not delete it (a killed writer's still goes)."""
    index_tmp = data_dir / "archive" / "2026-01.plan.json.0badc0de.tmp"
    index_tmp.write_bytes(b"{}")
    with archived._lock(ARCHIVE.as_posix(), timeout=1):  # the writer, mid-write
        TinyStore(data_dir)
        assert index_tmp.exists()
    TinyStore(data_dir)  # the writer is gone: a leftover
    assert not index_tmp.exists()


def test_an_unchanged_tail_is_not_read_again(
    archived: TinyStore, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reading the archive again with its tail unchanged reads no tail bytes; an append
    is read at the next read."""
    import streamer.tinystore as tinystore

    finish(archived, 1)
    reads: list[Path] = []
    real = tinystore.read_tail

    def counting(path: Path) -> object:
        reads.append(path)
        return real(path)

    monkeypatch.setattr(tinystore, "read_tail", counting)
    first = archived.rollups(include_archive=True)
    assert archived.rollups(include_archive=True) == first and len(reads) == 1
    finish(archived, 2)
    assert "youtube:s2" in archived.rollups(include_archive=True) and len(reads) == 2
