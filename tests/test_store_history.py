"""What keeps a cycle's cost flat as history grows: finished broadcasts leave streamer.json
for the month archive, edits keep document ids, and partitions can be listed and dropped."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest
from tinydb import TinyDB

from streamer.models import Broadcast, BroadcastStatus, Snapshot, Stream, StreamStatus, Target
from streamer.rollups import Rollup
from streamer.simulcast import broadcast_key
from streamer.store import CycleWrite, Partition
from streamer.tinyfiles import AtomicJSONStorage
from streamer.tinystore import TinyStore
from streamer.tinytail import read_month

# These pin TinyStore's files and locks; the rest run on every backend.
FILES_ONLY = pytest.mark.parametrize("store", ["tiny"], indirect=True)

START = datetime(2026, 1, 10, 9, 0, tzinfo=UTC)
LATER = START + timedelta(days=9)  # past the end + 8 days
HELD, PLANNED = BroadcastStatus.HELD, BroadcastStatus.PLANNED


def item(bid: str, status: BroadcastStatus = HELD, start: datetime = START) -> Broadcast:
    """A one-hour YouTube broadcast."""
    return Broadcast(
        bid, "antikor-live", bid, start, 60, (Target("youtube", "UCx"),), status=status
    )


def main_tables(data_dir: Path) -> dict[str, dict[str, dict[str, object]]]:
    """streamer.json's raw tables."""
    data: dict[str, dict[str, dict[str, object]]] = orjson.loads(
        (data_dir / "streamer.json").read_bytes()
    )
    return data


@FILES_ONLY
def test_finished_broadcast_moves_to_its_month_with_its_combined_rollup(
    store: TinyStore, data_dir: Path
) -> None:
    """Held past the horizon: out of main, into archive/2026-01.json; whole-plan reads keep it."""
    store.change_plan(lambda _: [item("b1"), item("b2", PLANNED, LATER + timedelta(days=1))])
    combined = {broadcast_key("b1"): Rollup(broadcast_key("b1"), 60, peak_concurrent=9)}
    store.commit_cycle(CycleWrite(rollups=combined, now=LATER))
    assert set(store.broadcasts(include_archive=False)) == {"b2"}
    assert set(store.broadcasts()) == {"b1", "b2"} and store.broadcast("b1") == item("b1")
    assert "b1" not in (data_dir / "streamer.json").read_text()
    assert store.rollups() == {} and store.rollups(include_archive=True) == combined
    archived = orjson.loads((data_dir / "archive" / "2026-01.json").read_bytes())
    assert [doc["id"] for doc in archived["broadcasts"].values()] == ["b1"]


def test_broadcasts_that_may_still_change_stay_in_main(store: TinyStore) -> None:
    """Planned ones, ones inside the horizon, and ones with a stream in the working set stay."""
    recent = START + timedelta(days=5)
    plan = [item("planned", PLANNED), item("recent", start=recent), item("watched")]
    store.change_plan(lambda _: plan)
    polled = Stream(
        "youtube", "v1", "UCx", "watched", status=StreamStatus.ENDED, actual_start=START
    )
    store.commit_cycle(CycleWrite(streams=[polled], now=LATER))
    assert set(store.broadcasts(include_archive=False)) == {"planned", "recent", "watched"}


def test_a_cycle_without_now_moves_no_broadcast(store: TinyStore) -> None:
    """Without the cycle's time the store cannot tell finished from recent: nothing moves."""
    store.change_plan(lambda _: [item("b1")])
    store.commit_cycle(CycleWrite(snapshots=[Snapshot("youtube:v", LATER, StreamStatus.LIVE)]))
    assert set(store.broadcasts(include_archive=False)) == {"b1"}


def test_change_plan_sees_archived_broadcasts_and_its_edit_wins(store: TinyStore) -> None:
    """A plan change sees the archive; an archived broadcast it edits reads as the edit."""
    store.change_plan(lambda _: [item("b1")])
    store.commit_cycle(CycleWrite(now=LATER))
    seen: list[str] = []

    def retitle(plan: object) -> list[Broadcast]:
        seen.extend(plan)  # type: ignore[call-overload]
        return [dataclasses.replace(item("b1"), title="renamed")]

    store.change_plan(retitle)
    assert seen == ["b1"] and store.broadcasts()["b1"].title == "renamed"


@FILES_ONLY
def test_upserts_keep_document_ids_and_files_stay_tinydb_databases(
    store: TinyStore, data_dir: Path
) -> None:
    """A replaced document keeps its id, a new one takes the next, and TinyDB reads them."""
    store.set_meta({"a": 1, "b": 2})
    store.set_meta({"a": 3, "c": 4})
    assert main_tables(data_dir)["meta"] == {
        "1": {"name": "a", "value": 3},
        "2": {"name": "b", "value": 2},
        "3": {"name": "c", "value": 4},
    }
    db = TinyDB(data_dir / "streamer.json", storage=AtomicJSONStorage)
    assert [doc.doc_id for doc in db.table("meta").all()] == [1, 2, 3]


def test_partition_counts_and_drop(store: TinyStore, data_dir: Path) -> None:
    """partition() names a day's streams and counts; drop_partitions deletes the file."""
    snaps = [
        Snapshot(f"youtube:v{n}", START + timedelta(minutes=n), StreamStatus.LIVE) for n in range(3)
    ]
    store.commit_cycle(CycleWrite(snapshots=snaps))
    day = START.date()
    expected = Partition(day, frozenset({"youtube:v0", "youtube:v1", "youtube:v2"}), 3, 0)
    assert store.partition(day) == expected
    assert store.drop_partitions([day]) == [day]
    assert store.partitions() == [] and not (data_dir / "snapshots" / f"{day}.json").exists()


@FILES_ONLY
def test_old_quota_ledger_rows_move_to_their_month(store: TinyStore, data_dir: Path) -> None:
    """A ledger row per Pacific day: main keeps the last days' (today's is read), older
    ones go to their month's archive, so main does not grow a row a day for ever."""
    for offset in range(20):
        day = START + timedelta(days=offset)
        store.commit_cycle(CycleWrite(quota={(day.date().isoformat(), "KEY"): 10}, now=day))
    today = (START + timedelta(days=19)).date().isoformat()
    assert store.quota_used(today) == {"KEY": 10}
    kept = sorted(doc["day"] for doc in main_tables(data_dir)["quota"].values())  # type: ignore[index]
    assert kept[0] == "2026-01-21" and kept[-1] == today and len(kept) == 9
    archived = read_month(data_dir / "archive" / "2026-01.json")["quota"]  # with its tail
    assert sorted(doc["day"] for doc in archived.values()) == [
        f"2026-01-{d:02d}" for d in range(10, 21)
    ]
