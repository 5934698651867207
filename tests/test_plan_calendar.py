"""Calendar updates apply: SEQUENCE grows with every change of time or status, across
exports and through the real store; missed broadcasts are not CONFIRMED; the
programme's name is not written twice."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from icalendar import Calendar

from schedules import csvio
from schedules.ical import export_ics
from schedules.ids import sequential_id_factory
from schedules.plans import PlanRequest, add, cancel, move
from streamer.models import Broadcast, BroadcastStatus, Channel, Programme
from streamer.store import CycleWrite, Store, open_store

ALMATY = ZoneInfo("Asia/Almaty")
NOW = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
ADAL = Programme("adal-komek", "Adal Komek", channels=(Channel("youtube", "UCadal"),))
PROGRAMMES = {ADAL.slug: ADAL}


def events(store: Store) -> dict[str, Calendar]:
    """The exported events by broadcast id (UID without its domain)."""
    data = export_ics(store.broadcasts().values(), ALMATY, PROGRAMMES, now=NOW)
    return {str(e["uid"]).split("@")[0]: e for e in Calendar.from_ical(data).events}


def planned(store: Store, title: str = "Заң кеңесі", start: str = "2026-11-30 11:00") -> str:
    request = PlanRequest("adal-komek", title, start, 60, repeat="FREQ=DAILY;COUNT=3")
    ids = sequential_id_factory()
    added = store.change_plan(lambda plan: add(plan, request, PROGRAMMES, ALMATY, ids))
    return added[0].id


def test_each_move_raises_the_sequence_across_exports(tmp_path: Path) -> None:
    """Export, move, export, move back, export: SEQUENCE 0, 1, 2 and the new start."""
    store = open_store(tmp_path)
    first = planned(store)
    seen = [events(store)[first]]
    for start in ("2026-11-30 16:00", "2026-11-30 11:00"):
        store.change_plan(lambda plan, s=start: move(plan, first, s, ALMATY))
        seen.append(events(store)[first])
    assert [e.sequence for e in seen] == [0, 1, 2]
    assert [e.decoded("dtstart").hour for e in seen] == [11, 16, 11]


def test_cancel_raises_the_sequence_past_earlier_moves(tmp_path: Path) -> None:
    """A moved (SEQUENCE 1) then cancelled broadcast is STATUS:CANCELLED with SEQUENCE 2."""
    store = open_store(tmp_path)
    first = planned(store)
    store.change_plan(lambda plan: move(plan, first, "2026-11-30 12:00", ALMATY))
    store.change_plan(lambda plan: cancel(plan, first))
    event = events(store)[first]
    assert (str(event["status"]), event.sequence) == ("CANCELLED", 2)


def test_import_raises_the_sequence_only_for_changed_times(tmp_path: Path) -> None:
    """Re-importing an export changes nothing; a changed start or length in the CSV does."""
    store = open_store(tmp_path)
    first = planned(store)
    text = io.StringIO(newline="")
    csvio.export_csv(store.broadcasts().values(), ALMATY, text)
    same = csvio.import_csv(
        io.StringIO(text.getvalue()), store.broadcasts(), PROGRAMMES, ALMATY, lambda: "new1"
    )
    assert same == []
    edited = text.getvalue().replace("2026-11-30 11:00,60", "2026-11-30 11:30,45")
    store.change_plan(
        lambda plan: csvio.import_csv(io.StringIO(edited), plan, PROGRAMMES, ALMATY, lambda: "x")
    )
    sequences = {key: event.sequence for key, event in events(store).items()}
    assert sequences[first] == 1
    assert sorted(sequences.values()) == [0, 0, 1]


def test_collector_status_changes_raise_the_sequence(tmp_path: Path) -> None:
    """Planned → live → held through the store's cycle write: SEQUENCE 0, 1, 2."""
    store = open_store(tmp_path)
    first = planned(store)
    item = store.broadcasts()[first]
    sequences = [events(store)[first].sequence]
    for status in (BroadcastStatus.LIVE, BroadcastStatus.HELD, BroadcastStatus.HELD):
        store.commit_cycle(CycleWrite(broadcasts=[replace(item, status=status)]))
        sequences.append(events(store)[first].sequence)
    assert sequences == [0, 1, 2, 2]  # a repeated status is no new revision
    assert str(events(store)[first]["status"]) == "CONFIRMED"


def test_missed_broadcast_is_cancelled_in_the_calendar_and_says_missed(tmp_path: Path) -> None:
    """A missed broadcast is STATUS:CANCELLED (never CONFIRMED), a new SEQUENCE, "missed"."""
    store = open_store(tmp_path)
    first = planned(store)
    item = store.broadcasts()[first]
    store.commit_cycle(CycleWrite(broadcasts=[replace(item, status=BroadcastStatus.MISSED)]))
    event = events(store)[first]
    assert (str(event["status"]), event.sequence) == ("CANCELLED", 1)
    assert "missed" in str(event["description"])
    others = [e for key, e in events(store).items() if key != first]
    assert {str(e["status"]) for e in others} == {"CONFIRMED"}


def test_plan_saved_before_revisions_loads_and_never_lowers_a_sequence() -> None:
    """A stored broadcast without "revision" loads as 0; cancelled still exports SEQUENCE 1."""
    old = {
        "id": "old1",
        "programme": "adal-komek",
        "title": "T",
        "start": "2026-11-30T06:00:00Z",
        "duration_min": 60,
        "targets": [{"platform": "youtube", "channel": "UCadal"}],
        "status": "cancelled",
    }
    item = Broadcast.from_dict(old)
    assert item.revision == 0
    data = export_ics([item], ALMATY, PROGRAMMES, now=NOW)
    assert next(iter(Calendar.from_ical(data).events)).sequence == 1


def test_programme_name_is_not_written_twice(tmp_path: Path) -> None:
    """ "Adal Komek: Free advice" stays as typed; other titles get the programme's name."""
    store = open_store(tmp_path)
    titles = {
        "Adal Komek: Free advice": "Adal Komek: Free advice",
        "ADAL KOMEK — тегін кеңес": "ADAL KOMEK — тегін кеңес",
        "Adal Komekshi": "Adal Komek: Adal Komekshi",
        "Заң кеңесі": "Adal Komek: Заң кеңесі",
    }
    for day, title in enumerate(titles, start=1):
        planned(store, title, f"2026-12-{day * 5:02d} 11:00")
    summaries = {str(e["summary"]) for e in events(store).values()}
    assert summaries == set(titles.values())
