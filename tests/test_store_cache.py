"""The store's in-process copy of streamer.json: a cycle neither parses main nor decodes
its plan again, yet every write by another process is seen and kept."""

from __future__ import annotations

import dataclasses
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from streamer import tinyfiles
from streamer.models import Broadcast, BroadcastStatus, Snapshot, Stream, StreamStatus, Target
from streamer.store import CycleWrite, StoreError
from streamer.tinyfiles import AtomicJSONStorage
from streamer.tinystore import TinyStore

START = datetime(2026, 5, 4, 6, 0, tzinfo=UTC)


def plan(count: int) -> list[Broadcast]:
    """``count`` planned hour-long YouTube broadcasts, a day apart."""
    return [
        Broadcast(
            f"b{n}",
            "adal-komek",
            f"Приём №{n}",
            START + timedelta(days=n),
            60,
            (Target("youtube", "UCx"),),
        )
        for n in range(count)
    ]


def stream(n: int, status: StreamStatus = StreamStatus.LIVE) -> Stream:
    return Stream("youtube", f"vid{n:08d}", "UCx", f"b{n}", status=status, actual_start=START)


def test_a_cycle_reuses_what_it_did_not_change(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After a commit the next reads parse nothing, and untouched streams and broadcasts
    come back as the very objects decoded before."""
    store = TinyStore(data_dir)
    store.change_plan(lambda _: plan(50))
    store.commit_cycle(CycleWrite(streams=[stream(0), stream(1)], now=START))
    broadcasts, streams = store.broadcasts(include_archive=False), store.streams()
    changed = dataclasses.replace(broadcasts["b1"], status=BroadcastStatus.LIVE)

    parses: list[Path] = []
    real_read = AtomicJSONStorage.read
    monkeypatch.setattr(
        AtomicJSONStorage, "read", lambda self: parses.append(self.path) or real_read(self)
    )
    polled = dataclasses.replace(stream(1), last_polled_at=START + timedelta(minutes=1))
    store.commit_cycle(CycleWrite(streams=[polled], broadcasts=[changed], now=START))
    after_plan, after_streams = store.broadcasts(include_archive=False), store.streams()

    assert data_dir / "streamer.json" not in parses
    assert after_streams["youtube:vid00000000"] is streams["youtube:vid00000000"]
    assert after_streams["youtube:vid00000001"] == polled
    assert after_plan["b1"].status is BroadcastStatus.LIVE
    assert all(after_plan[b] is broadcasts[b] for b in broadcasts if b != "b1")


def test_another_process_edit_is_seen_and_kept(data_dir: Path) -> None:
    """A producer's move in another store (process) after our last read is what our next
    read shows, and our cycle's status change does not undo it."""
    ours, theirs = TinyStore(data_dir), TinyStore(data_dir)
    ours.change_plan(lambda _: plan(3))
    assert ours.broadcasts(include_archive=False)["b2"].start == START + timedelta(days=2)

    moved = START + timedelta(days=2, hours=3)
    theirs.change_plan(lambda current: [dataclasses.replace(current["b2"], start=moved)])
    assert ours.broadcasts(include_archive=False)["b2"].start == moved

    missed = dataclasses.replace(plan(3)[2], status=BroadcastStatus.MISSED)
    ours.commit_cycle(CycleWrite(broadcasts=[missed], now=START))
    for reader in (ours, theirs, TinyStore(data_dir)):
        b2 = reader.broadcasts(include_archive=False)["b2"]
        assert (b2.start, b2.status) == (moved, BroadcastStatus.MISSED)


def test_a_failed_change_leaves_the_reads_as_they_were(data_dir: Path) -> None:
    """A plan change that raises changes neither the file nor what reads return."""
    store = TinyStore(data_dir)
    store.change_plan(lambda _: plan(3))
    before = store.broadcasts(include_archive=False)
    raw = (data_dir / "streamer.json").read_bytes()

    def fail(current: object) -> list[Broadcast]:
        raise RuntimeError("producer's script crashed")

    with pytest.raises(RuntimeError):
        store.change_plan(fail)
    store.commit_cycle(CycleWrite(streams=[stream(0)], now=START))  # a later write is whole
    assert store.broadcasts(include_archive=False) == before
    assert TinyStore(data_dir).broadcasts(include_archive=False) == before
    assert (data_dir / "streamer.json").read_bytes() != raw  # the stream was saved


@pytest.mark.parametrize("fsync", [True, False])
def test_writes_fsync_only_when_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fsync: bool
) -> None:
    """``fsync=False`` skips the file's and the folder's fsync, and still replaces the
    file whole by a rename (what a killed process cannot tear)."""
    synced: list[int] = []
    real = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(fd), real(fd))[1])
    store = TinyStore(tmp_path, fsync=fsync)
    store.set_meta({"answer": 42})
    assert bool(synced) is fsync
    assert TinyStore(tmp_path).get_meta("answer") == 42
    assert list(tmp_path.rglob("*.tmp")) == []


def test_a_cycle_appends_to_its_partition_without_parsing_it_again(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second cycle of a day starts from the partition the first wrote; a snapshot
    another process wrote in between is parsed from the file and kept."""
    store, other = TinyStore(data_dir), TinyStore(data_dir)
    first, second, third = (Snapshot("youtube:vid0", START + timedelta(minutes=m),
                            StreamStatus.LIVE, 10 + m) for m in range(3))  # fmt: skip
    store.commit_cycle(CycleWrite(snapshots=[first], now=START))
    parses: list[Path] = []
    real_read = AtomicJSONStorage.read
    monkeypatch.setattr(
        AtomicJSONStorage, "read", lambda self: parses.append(self.path) or real_read(self)
    )
    store.commit_cycle(CycleWrite(snapshots=[second], now=START))
    partition = data_dir / "snapshots" / f"{START.date()}.json"
    assert partition not in parses

    other.commit_cycle(CycleWrite(snapshots=[third], now=START))
    store.commit_cycle(CycleWrite(snapshots=[first, second, third], now=START))  # a replay
    assert partition in parses
    assert store.snapshots(START, START + timedelta(hours=1)) == [first, second, third]


def test_a_failed_partition_write_forgets_the_keys_it_was_adding(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The partition keys a store keeps between cycles describe only what is on disk: a
    snapshot whose write failed is saved by the retry, not skipped as a replay. Both
    writes of a day: the partition's (its first cycle) and its tail's (the next ones)."""
    store = TinyStore(data_dir)
    first, second, third = (Snapshot("youtube:vid0", START + timedelta(minutes=m),
                            StreamStatus.LIVE, 10 + m) for m in range(3))  # fmt: skip

    def full(*_args: object, **_kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(tinyfiles, "_replace_file", full)
    with pytest.raises(StoreError, match="No space left"):
        store.commit_cycle(CycleWrite(snapshots=[first], now=START))
    monkeypatch.undo()
    store.commit_cycle(CycleWrite(snapshots=[first], now=START))

    real_write = os.write
    torn: list[int] = []

    def half(fd: int, data: bytes) -> int:  # half a line written, then the disk is full
        if torn:
            raise OSError(28, "No space left on device")
        torn.append(real_write(fd, bytes(data)[: len(data) // 2]))
        return torn[0]

    monkeypatch.setattr(os, "write", half)
    with pytest.raises(StoreError, match="No space left"):
        store.commit_cycle(CycleWrite(snapshots=[second], now=START))
    monkeypatch.undo()
    store.commit_cycle(CycleWrite(snapshots=[second, third], now=START))
    assert store.snapshots(START, START + timedelta(hours=1)) == [first, second, third]
    assert TinyStore(data_dir).snapshots(START, START + timedelta(hours=1)) == [
        first,
        second,
        third,
    ]


def test_a_daemons_store_reads_the_archive_as_a_reports_does_and_keeps_none_of_it(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``keep_archives=False`` (``open_store(long_lived=True)``, what ``streamer run``
    opens): whole-history and period reads give what a report's store gives, each
    parses its months afresh, and no parsed month stays in memory afterwards."""
    from streamer.store import open_store

    writer = TinyStore(data_dir, fold_bytes=1)
    writer.change_plan(lambda _: plan(3))
    done = [dataclasses.replace(stream(n), done=True) for n in range(3)]
    writer.commit_cycle(CycleWrite(streams=done[:2], now=START))  # creates the month
    writer.commit_cycle(CycleWrite(streams=done[2:], now=START))  # its tail
    writer.commit_cycle(CycleWrite(now=START + timedelta(days=40)))  # the plan moves too
    kept, daemon = TinyStore(data_dir), open_store(data_dir, long_lived=True)
    assert isinstance(daemon, TinyStore) and not daemon.keep_archives and kept.keep_archives
    span = (START - timedelta(days=1), START + timedelta(days=5))
    parses: list[Path] = []
    real_read = AtomicJSONStorage.read
    monkeypatch.setattr(
        AtomicJSONStorage, "read", lambda self: parses.append(self.path) or real_read(self)
    )
    for _ in range(2):
        assert daemon.streams(include_archive=True) == kept.streams(include_archive=True)
        assert daemon.broadcasts() == kept.broadcasts() and len(kept.broadcasts()) == 3
        assert daemon.rollups(include_archive=True) == kept.rollups(include_archive=True)
        assert daemon.period_records(*span) == kept.period_records(*span)
    archive = data_dir / "archive" / "2026-05.json"
    assert parses.count(archive) == 1 + 2 * 4  # the kept store once, the daemon every read
    assert not [rel for rel in daemon._file_cache if rel.startswith("archive/")]
    assert not daemon._merged
    assert [rel for rel in kept._file_cache if rel.startswith("archive/")]


def test_the_service_opens_its_store_long_lived(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``streamer run`` asks for the daemon's store (no month archive kept parsed)."""
    from streamer.app import daemon
    from streamer.clock import SystemClock
    from streamer.config import load_config, starter_config

    class Opened(Exception):
        pass

    asked: dict[str, object] = {}

    def config_store(config: object, **options: object) -> None:
        asked.update(options)
        raise Opened

    monkeypatch.setattr(daemon, "config_store", config_store)
    path = tmp_path / "streamer.toml"
    path.write_text(starter_config(), encoding="utf-8")
    with pytest.raises(Opened):
        daemon._serve(load_config(path), SystemClock(), {})
    assert asked == {"long_lived": True}
