"""A TinyStore period read decodes only what may start in its span: a week's report
reads whole month archives, and the rest of each month is left as text. Judged by the
stored time's text only when that text has the one shape the store writes; any other
shape is decoded and judged by its time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest

from streamer.models import Broadcast, BroadcastStatus, Stream, Target
from streamer.store import CycleWrite
from streamer.tinystore import TinyStore

MARCH = datetime(2025, 3, 1, tzinfo=UTC)
DAY = timedelta(days=1)
MONTH = Path("archive") / "2025-03.json"


def planned(n: int) -> Broadcast:
    """Broadcast ``b<n>``, held on 1 March + ``n`` days, 10:00 UTC."""
    target = (Target("youtube", "UCx"),)
    start = MARCH + n * DAY + timedelta(hours=10)
    return Broadcast(f"b{n}", "antikor-live", f"Эфир {n}", start, 60, target,
                     status=BroadcastStatus.HELD)  # fmt: skip


def aired(n: int) -> Stream:
    """Stream ``s<n>`` of broadcast ``b<n>``, done."""
    start = MARCH + n * DAY + timedelta(hours=10, minutes=2)
    return Stream("youtube", f"s{n}", "UCx", broadcast_id=f"b{n}", actual_start=start, done=True)


@pytest.fixture
def march(data_dir: Path) -> TinyStore:
    """A month archive with a broadcast and its stream on each day of March."""
    store = TinyStore(data_dir)
    store.change_plan(lambda plan: [planned(n) for n in range(31)])
    store.commit_cycle(CycleWrite(streams=[aired(n) for n in range(31)], now=MARCH + 60 * DAY))
    assert (data_dir / MONTH).exists()
    return store


def rewrite(data_dir: Path, change: Any) -> None:
    """Edit the March archive's documents in place, as another writer might have."""
    path = data_dir / MONTH
    data = orjson.loads(path.read_bytes())
    for table in data.values():
        for doc in table.values():
            change(doc)
    path.write_bytes(orjson.dumps(data))


def test_a_weeks_read_decodes_only_the_records_that_may_start_in_it(
    march: TinyStore, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The span 10–17 March: its broadcasts and streams, and only they (with a day's
    slack either side) are decoded; the read is what it was."""
    decoded: list[str] = []
    broadcast, stream = Broadcast.from_dict, Stream.from_dict

    def counted(decode: Any, field: str) -> Any:
        return staticmethod(lambda doc: decoded.append(doc[field]) or decode(doc))

    monkeypatch.setattr(Broadcast, "from_dict", counted(broadcast, "id"))
    monkeypatch.setattr(Stream, "from_dict", counted(stream, "key"))
    found = TinyStore(data_dir).period_records(MARCH + 9 * DAY, MARCH + 16 * DAY)
    assert set(found.broadcasts) == {f"b{n}" for n in range(9, 16)}
    assert set(found.streams) == {f"youtube:s{n}" for n in range(9, 16)}
    assert set(decoded) <= {f"b{n}" for n in range(8, 17)} | {f"youtube:s{n}" for n in range(8, 17)}


@pytest.mark.parametrize(
    "shape",
    [
        lambda t: t.replace("Z", "+00:00"),  # an offset instead of Z
        lambda t: t.replace("T10", "T15").replace("Z", "+05:00"),  # Almaty's offset
        lambda t: t.replace("Z", ".000000Z"),  # fractions of a second
    ],
)
def test_a_time_written_in_another_shape_is_decoded_and_judged_by_its_time(
    march: TinyStore, data_dir: Path, shape: Any
) -> None:
    """Texts of another shape do not order as their times: each record is decoded and
    kept or left by its time, so the read is the same as with the store's own texts."""
    before = march.period_records(MARCH + 9 * DAY, MARCH + 16 * DAY)

    def reshaped(doc: dict[str, Any]) -> None:
        for field in ("start", "actual_start"):
            if isinstance(doc.get(field), str):
                doc[field] = shape(doc[field])

    rewrite(data_dir, reshaped)
    after = TinyStore(data_dir).period_records(MARCH + 9 * DAY, MARCH + 16 * DAY)
    assert after.broadcasts == before.broadcasts
    assert after.streams == before.streams
    assert after.rollups == before.rollups


def test_a_span_ending_a_microsecond_after_a_record_keeps_it(march: TinyStore) -> None:
    """Bounds with microseconds (the stored texts have none): a record in the span's
    last microsecond is in it, though the bound's text ("…10:00:00Z") equals its own."""
    edge = planned(9).start
    assert "b9" in march.period_records(edge - DAY, edge + timedelta(microseconds=1)).broadcasts
    assert "b9" not in march.period_records(edge - DAY, edge).broadcasts
    late = aired(9).actual_start
    assert late is not None
    assert (
        "youtube:s9" in march.period_records(late - DAY, late + timedelta(microseconds=1)).streams
    )
    assert "youtube:s9" not in march.period_records(late - DAY, late).streams


def test_a_broadcast_edited_after_it_was_archived_reads_as_edited(
    march: TinyStore, data_dir: Path
) -> None:
    """A plan edit saves the working copy in main; the month archive keeps the old one
    until a cycle moves the new one there. A period read shows the edit at once: main's
    copy wins, and an archived copy of a broadcast moved out of the span is not read."""
    import dataclasses

    renamed = dataclasses.replace(planned(5), district="Алатау")
    moved = dataclasses.replace(planned(6), start=MARCH + 50 * DAY)
    march.change_plan(lambda plan: [renamed, moved])
    found = TinyStore(data_dir).period_records(MARCH + 4 * DAY, MARCH + 6 * DAY)
    assert found.broadcasts["b5"].district == "Алатау"
    # b6 was planned at 10:00 on 7 March and its stream started at 10:02.
    before_its_stream = TinyStore(data_dir).period_records(
        MARCH + 6 * DAY, planned(6).start + timedelta(minutes=1)
    )
    assert "b6" not in before_its_stream.broadcasts
    with_its_stream = TinyStore(data_dir).period_records(MARCH + 6 * DAY, MARCH + 7 * DAY)
    assert with_its_stream.broadcasts["b6"].start == MARCH + 50 * DAY  # where it is now


@pytest.mark.parametrize("days", [50, -40], ids=["to-a-later-month", "to-an-earlier-month"])
def test_a_broadcast_moved_to_another_month_is_archived_there_only(
    march: TinyStore, data_dir: Path, days: int
) -> None:
    """Once a cycle archives a broadcast moved to another month, the old month's copy is
    gone: a read of the old month alone finds it where it is now (its stream is still
    the old month's), the old window's mark changes, and every read of the plan has it
    where it is now, whichever month is the later (the later month's copy won before,
    even when it was the old)."""
    import dataclasses

    january = MARCH - 2 * 31 * DAY  # the archive's month before, for a broadcast moved early
    other = TinyStore(data_dir)
    other.change_plan(lambda plan: [dataclasses.replace(planned(40), start=january)])
    other.commit_cycle(CycleWrite(now=MARCH + 60 * DAY))
    window = (MARCH, MARCH + 31 * DAY)
    mark = TinyStore(data_dir).window_mark(*window)
    assert mark is not None
    moved = dataclasses.replace(planned(6), start=planned(6).start + days * DAY)
    march.change_plan(lambda plan: [moved])
    march.commit_cycle(CycleWrite(now=MARCH + 120 * DAY))
    fresh = TinyStore(data_dir)
    held = orjson.loads((data_dir / MONTH).read_bytes())["broadcasts"].values()
    assert "b6" not in {doc["id"] for doc in held}
    # Its stream is still March's: the read looks its broadcast up where it is now.
    assert fresh.period_records(*window).broadcasts["b6"].start == moved.start
    assert fresh.window_mark(*window) not in (None, mark)
    assert fresh.broadcasts()["b6"].start == moved.start
    assert fresh.broadcast("b6") == moved
    assert fresh.broadcasts_between(None, None)["b6"].start == moved.start
    near = fresh.period_records(moved.start - DAY, moved.start + DAY)
    assert near.broadcasts["b6"].start == moved.start


def test_a_folder_written_before_with_a_broadcast_archived_twice_gives_no_mark(
    march: TinyStore, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A folder written before cycles dropped old copies may archive a broadcast in two
    months: neither month's window is vouched for (a read of the old one alone would
    give the old copy, and the other month is not part of its mark); the rest are."""
    import dataclasses

    may = MARCH + 61 * DAY
    later = TinyStore(data_dir)
    later.change_plan(lambda plan: [dataclasses.replace(planned(70), start=may + DAY)])
    later.commit_cycle(CycleWrite(now=MARCH + 120 * DAY))
    march_window, may_window = (MARCH, MARCH + 31 * DAY), (may, may + 31 * DAY)
    earlier = TinyStore(data_dir)
    earlier.change_plan(lambda plan: [dataclasses.replace(planned(71), start=MARCH - 15 * DAY)])
    earlier.commit_cycle(CycleWrite(now=MARCH + 120 * DAY))
    assert TinyStore(data_dir).window_mark(*march_window) is not None
    assert TinyStore(data_dir).window_mark(*may_window) is not None
    monkeypatch.setattr(TinyStore, "_drop_plan", lambda self, rel, ids: None)  # as before
    moved = dataclasses.replace(planned(6), start=may + 2 * DAY)
    march.change_plan(lambda plan: [moved])
    march.commit_cycle(CycleWrite(now=MARCH + 120 * DAY))
    held = orjson.loads((data_dir / MONTH).read_bytes())["broadcasts"].values()
    assert "b6" in {doc["id"] for doc in held}  # the old copy, as such a folder has it
    fresh = TinyStore(data_dir)
    assert fresh.window_mark(*march_window) is None
    assert fresh.window_mark(*may_window) is None
    february = (MARCH - 20 * DAY, MARCH - 10 * DAY)  # a month of its own, no copy
    assert fresh.window_mark(*february) is not None
