"""Plan edits on a store whose finished broadcasts are archived: the archive still counts
(ids, series, conflicts, look-ups), but an edit of the current plan does not decode it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import orjson
import pytest

from schedules.conflicts import ConflictError
from schedules.ids import sequential_id_factory
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
        archived.change_plan(
            lambda plan: add(plan, request("2025-01-10 10:30"), PROGRAMMES, UTC_ZONE, ids)
        )


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
    made = archived.change_plan(
        lambda plan: add(plan, request("2025-03-01 10:00"), PROGRAMMES, UTC_ZONE, ids)
    )
    assert [item.id for item in made] == ["b0000010"]


def test_an_archive_written_behind_its_index_is_indexed_again(archived: TinyStore) -> None:
    """A broadcast another writer put in the month archive counts: its id is taken."""
    path = archived.data_dir / "archive" / "2025-01.json"
    data = orjson.loads(path.read_bytes())
    data["broadcasts"]["99"] = held("b0000002", HELD_AT + timedelta(days=1)).to_dict()
    path.write_bytes(orjson.dumps(data))
    ids = sequential_id_factory()
    made = archived.change_plan(
        lambda plan: add(plan, request("2025-03-01 10:00"), PROGRAMMES, UTC_ZONE, ids)
    )
    assert [item.id for item in made] == ["b0000003"]
