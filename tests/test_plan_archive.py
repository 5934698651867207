"""Plan edits on a store whose finished broadcasts are archived: the archive still counts
(ids, series, conflicts, look-ups), but an edit of the current plan does not decode it."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import orjson
import pytest

from schedules.conflicts import ConflictError, check_conflicts
from schedules.ids import IdFactory, sequential_id_factory
from schedules.plans import PlanRequest, add, cancel, move
from streamer.errors import UserError
from streamer.models import Broadcast, BroadcastStatus, Channel, Programme, Target
from streamer.store import CycleWrite
from streamer.tinystore import TinyStore

UTC_ZONE = ZoneInfo("UTC")
SHOW = Programme("show", "Show", channels=(Channel("youtube", "UCshow"),))
PROGRAMMES = {SHOW.slug: SHOW}
HELD_AT = datetime(2025, 1, 10, 10, tzinfo=UTC)


def held(broadcast_id: str, start: datetime = HELD_AT, series: str | None = None) -> Broadcast:
    """A held broadcast on the show's YouTube channel."""
    return Broadcast(
        id=broadcast_id,
        programme="show",
        title="held",
        start=start,
        duration_min=60,
        targets=(Target("youtube", "UCshow"),),
        status=BroadcastStatus.HELD,
        series_id=series,
    )


@pytest.fixture
def archived(tmp_path: Path) -> TinyStore:
    """A store whose one held broadcast (b0000001, series s-b0000001) is archived."""
    store = TinyStore(tmp_path / "data", fsync=False)
    store.change_plan(lambda _plan: [held("b0000001", series="s-b0000001")])
    store.commit_cycle(CycleWrite(now=HELD_AT + timedelta(days=30)))
    assert store.broadcasts(include_archive=False) == {}
    assert set(store.broadcasts()) == {"b0000001"}
    return store


def add_at(store: TinyStore, start: str, ids: IdFactory) -> list[Broadcast]:
    """``plan add`` of ``request(start)`` through ``store``, conflicts checked."""
    return store.change_plan(lambda plan: add(plan, request(start), PROGRAMMES, UTC_ZONE, ids))


def request(start: str) -> PlanRequest:
    """A one-off hour on the show's channel at ``start`` (UTC)."""
    return PlanRequest("show", "new", start, 60, repeat=None)


def test_new_ids_skip_archived_ones(archived: TinyStore) -> None:
    """An id or series id already used by an archived broadcast is not handed out again."""
    ids = sequential_id_factory()
    series = PlanRequest("show", "new", "2025-03-01 10:00", 60, repeat="FREQ=DAILY;COUNT=2")
    made = archived.change_plan(lambda plan: add(plan, series, PROGRAMMES, UTC_ZONE, ids))
    assert "b0000001" not in {item.id for item in made}
    assert made[0].series_id != "s-b0000001"
    assert archived.broadcasts()["b0000001"] == held("b0000001", series="s-b0000001")


def test_an_edit_over_archived_time_still_finds_its_conflict(archived: TinyStore) -> None:
    """A new broadcast overlapping an archived held one on its channel is refused."""
    ids = sequential_id_factory(10)
    with pytest.raises(ConflictError):
        add_at(archived, "2025-01-10 10:30", ids)


def test_archived_broadcast_is_found_by_id(archived: TinyStore) -> None:
    """Moving or cancelling an archived broadcast says it is held, not that it is unknown."""
    with pytest.raises(UserError, match="is held"):
        archived.change_plan(lambda plan: move(plan, "b0000001", "2025-03-01 10:00", UTC_ZONE))
    with pytest.raises(UserError, match="is held"):
        archived.change_plan(lambda plan: cancel(plan, "b0000001"))


def test_an_edit_of_the_current_plan_leaves_the_archive_undecoded(
    archived: TinyStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Adding next month's broadcast reads the archive's index, never its broadcasts."""

    def no_decoding(rel: str) -> dict[str, Broadcast]:
        raise AssertionError(f"decoded {rel}")

    monkeypatch.setattr(archived, "_archived_plan", no_decoding)
    ids = sequential_id_factory(10)
    made = add_at(archived, "2025-03-01 10:00", ids)
    assert [item.id for item in made] == ["b0000010"]


def test_an_archive_written_behind_its_index_is_indexed_again(archived: TinyStore) -> None:
    """A broadcast another writer put in the month archive counts: its id is taken."""
    path = archived.data_dir / "archive" / "2025-01.json"
    data = orjson.loads(path.read_bytes())
    data["broadcasts"]["99"] = held("b0000002", HELD_AT + timedelta(days=1)).to_dict()
    path.write_bytes(orjson.dumps(data))
    ids = sequential_id_factory()
    made = add_at(archived, "2025-03-01 10:00", ids)
    assert [item.id for item in made] == ["b0000003"]


def archive_held(store: TinyStore, *broadcasts: Broadcast) -> None:
    """Plan ``broadcasts`` and let a cycle a month after the last one archive them."""
    store.change_plan(lambda _plan: list(broadcasts))
    last = max(item.end for item in broadcasts)
    store.commit_cycle(CycleWrite(now=last + timedelta(days=30)))
    assert not set(store.broadcasts(include_archive=False)) & {b.id for b in broadcasts}


def test_a_conflict_reaching_across_a_month_boundary_is_found(tmp_path: Path) -> None:
    """An archived broadcast of January running past midnight blocks 1 February 00:00."""
    store = TinyStore(tmp_path / "data", fsync=False)
    late = held("b0000001", datetime(2025, 1, 31, 23, 30, tzinfo=UTC))
    archive_held(store, late)
    assert (store.data_dir / "archive" / "2025-01.plan.json").exists()
    ids = sequential_id_factory(10)
    with pytest.raises(ConflictError, match="b0000001"):
        add_at(store, "2025-02-01 00:00", ids)
    made = add_at(store, "2025-02-01 00:30", ids)
    assert [item.start for item in made] == [datetime(2025, 2, 1, 0, 30, tzinfo=UTC)]


def test_ids_of_every_archived_month_stay_taken(tmp_path: Path) -> None:
    """Ids archived in different months are all skipped by a new broadcast's id."""
    store = TinyStore(tmp_path / "data", fsync=False)
    archive_held(
        store,
        held("b0000001", datetime(2025, 1, 10, 10, tzinfo=UTC)),
        held("b0000002", datetime(2025, 2, 10, 10, tzinfo=UTC)),
        held("b0000003", datetime(2025, 3, 10, 10, tzinfo=UTC)),
    )
    archive = store.data_dir / "archive"
    assert sorted(p.name for p in archive.glob("*.plan.json")) == [
        "2025-01.plan.json",
        "2025-02.plan.json",
        "2025-03.plan.json",
    ]
    ids = sequential_id_factory()
    made = add_at(store, "2025-06-01 10:00", ids)
    assert [item.id for item in made] == ["b0000004"]


def test_a_folder_without_plan_indexes_gets_them_and_still_counts_its_archive(
    archived: TinyStore,
) -> None:
    """A data folder from before the indexes: the edit rebuilds them, ids and conflicts hold."""
    index = archived.data_dir / "archive" / "2025-01.plan.json"
    index.unlink()
    fresh = TinyStore(archived.data_dir, fsync=False)
    with pytest.raises(ConflictError):
        add_at(fresh, "2025-01-10 10:30", sequential_id_factory())
    assert orjson.loads(index.read_bytes())["ids"] == ["b0000001"]
    made = add_at(fresh, "2025-03-01 10:00", sequential_id_factory())
    assert [item.id for item in made] == ["b0000002"]


def test_a_running_working_broadcast_still_conflicts(tmp_path: Path) -> None:
    """A broadcast in main that started before the new one and still runs is a conflict;
    one that ended before it is not."""
    store = TinyStore(tmp_path / "data", fsync=False)
    long = replace(held("b0000001"), duration_min=180, status=BroadcastStatus.PLANNED)
    store.change_plan(lambda _plan: [long, held("b0000002", HELD_AT - timedelta(days=1))])
    ids = sequential_id_factory(10)
    with pytest.raises(ConflictError, match="b0000001"):
        add_at(store, "2025-01-10 12:30", ids)
    made = add_at(store, "2025-01-10 13:00", ids)
    assert [item.id for item in made] == ["b0000011"]


def count_decodes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """From now on, the ids of the broadcasts decoded from stored documents."""
    decoded: list[str] = []
    decode = Broadcast.from_dict

    def counting(data: Mapping[str, Any]) -> Broadcast:
        decoded.append(data["id"])
        return decode(data)

    monkeypatch.setattr(Broadcast, "from_dict", counting)
    return decoded


def test_an_edit_of_next_week_decodes_none_of_mains_finished_broadcasts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Main's finished broadcasts (the last week's) stay undecoded by a later edit."""
    store = TinyStore(tmp_path / "data", fsync=False)
    store.change_plan(
        lambda _plan: [held(f"b000000{n}", HELD_AT + timedelta(hours=n)) for n in range(1, 4)]
    )
    decoded = count_decodes(monkeypatch)
    made = add_at(store, "2025-01-17 10:00", sequential_id_factory(10))
    assert decoded == []
    assert [item.id for item in made] == ["b0000010"]
    assert set(store.broadcasts()) == {"b0000001", "b0000002", "b0000003", "b0000010"}


@pytest.mark.parametrize("content", [b"", b'{"source": [1, 2', b"[]"])
def test_a_damaged_index_is_rebuilt(archived: TinyStore, content: bytes) -> None:
    """An index emptied or cut short (it is written without fsync) is rebuilt from its
    archive, and the archived id stays taken."""
    index = archived.data_dir / "archive" / "2025-01.plan.json"
    index.write_bytes(content)
    made = TinyStore(archived.data_dir, fsync=False).change_plan(
        lambda plan: add(
            plan, request("2025-03-01 10:00"), PROGRAMMES, UTC_ZONE, sequential_id_factory()
        )
    )
    assert [item.id for item in made] == ["b0000002"]
    assert orjson.loads(index.read_bytes())["ids"] == ["b0000001"]


def test_an_index_cut_short_in_its_own_form_is_rebuilt(archived: TinyStore) -> None:
    """An index that starts as written but lost its end is not trusted: rebuilt, id taken."""
    index = archived.data_dir / "archive" / "2025-01.plan.json"
    whole = index.read_bytes()
    assert whole.startswith(b'{"source":[')
    index.write_bytes(whole[: whole.index(b'"ids":') + 8])
    made = TinyStore(archived.data_dir, fsync=False).change_plan(
        lambda plan: add(
            plan, request("2025-03-01 10:00"), PROGRAMMES, UTC_ZONE, sequential_id_factory()
        )
    )
    assert [item.id for item in made] == ["b0000002"]
    assert index.read_bytes() == whole


def test_an_index_in_another_json_layout_still_counts(archived: TinyStore) -> None:
    """An index of the archive's version written with spaces and another key order (not
    orjson's form) is read whole: its ids stay taken and its end still reaches conflicts."""
    index = archived.data_dir / "archive" / "2025-01.plan.json"
    doc = orjson.loads(index.read_bytes())
    index.write_text(json.dumps(dict(reversed(list(doc.items()))), indent=2))
    with pytest.raises(ConflictError):
        TinyStore(archived.data_dir, fsync=False).change_plan(
            lambda plan: add(
                plan, request("2025-01-10 10:30"), PROGRAMMES, UTC_ZONE, sequential_id_factory(5)
            )
        )
    made = TinyStore(archived.data_dir, fsync=False).change_plan(
        lambda plan: add(
            plan, request("2025-03-01 10:00"), PROGRAMMES, UTC_ZONE, sequential_id_factory()
        )
    )
    assert [item.id for item in made] == ["b0000002"]


def planned(broadcast_id: str, start: datetime) -> Broadcast:
    """A planned hour on the show's YouTube channel."""
    return replace(held(broadcast_id, start), status=BroadcastStatus.PLANNED)


def test_a_checked_edit_decodes_only_the_broadcasts_around_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A conflict-checked add decodes the broadcasts near its time, not the month ahead."""
    store = TinyStore(tmp_path / "data", fsync=False)
    days = [planned(f"b00000{n:02d}", HELD_AT + timedelta(days=n)) for n in range(1, 31)]
    store.change_plan(lambda _plan: days)
    decoded = count_decodes(monkeypatch)
    ids = sequential_id_factory(100)
    with pytest.raises(ConflictError, match="b0000005"):
        add_at(store, "2025-01-15 10:30", ids)
    assert decoded == ["b0000005"]


def test_a_series_is_checked_up_to_its_last_occurrence(tmp_path: Path) -> None:
    """A weekly series meets a planned broadcast at its tenth week: refused there."""
    store = TinyStore(tmp_path / "data", fsync=False)
    store.change_plan(lambda _plan: [planned("b0000001", datetime(2025, 3, 10, 10, tzinfo=UTC))])
    series = PlanRequest("show", "weekly", "2025-01-06 10:30", 60, repeat="FREQ=WEEKLY;COUNT=10")
    with pytest.raises(ConflictError, match="b0000001"):
        store.change_plan(
            lambda plan: add(plan, series, PROGRAMMES, UTC_ZONE, sequential_id_factory(10))
        )
    shorter = replace(series, repeat="FREQ=WEEKLY;COUNT=9")
    made = store.change_plan(
        lambda plan: add(plan, shorter, PROGRAMMES, UTC_ZONE, sequential_id_factory(10))
    )
    assert len(made) == 9


def test_a_change_that_takes_no_room_decodes_no_plan(
    archived: TinyStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Checking no changes (a plan import where no row changed), or only a cancellation,
    reads none of the plan: nothing can overlap."""
    decoded = count_decodes(monkeypatch)

    def check(plan: Mapping[str, Broadcast]) -> list[Broadcast]:
        check_conflicts([], plan, UTC_ZONE)
        check_conflicts([replace(held("b9999999"), status=BroadcastStatus.CANCELLED)], plan,
                        UTC_ZONE)  # fmt: skip
        return []

    archived.change_plan(check)
    assert decoded == []
