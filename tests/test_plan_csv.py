"""The plan as CSV: documented columns, lossless round trip, all-or-nothing import."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from schedules.csvio import COLUMNS, export_csv, import_csv
from schedules.ids import sequential_id_factory
from schedules.plans import PlanRequest, add
from streamer.errors import UserError
from streamer.models import Broadcast, BroadcastStatus, Channel, Programme, Target

ALMATY = ZoneInfo("Asia/Almaty")
BERLIN = ZoneInfo("Europe/Berlin")
ANTIKOR = Programme(
    "antikor-live",
    "Antikor.Live",
    channels=(Channel("youtube", "UCantikor"), Channel("facebook", "100antikor")),
)
ADAL = Programme("adal-komek", "Adal Komek", channels=(Channel("youtube", "UCadal"),))
PROGRAMMES = {p.slug: p for p in (ANTIKOR, ADAL)}
HEADER = ",".join(COLUMNS)


def sample_plan() -> dict[str, Broadcast]:
    """A series of three and a one-off with every field filled."""
    ids = sequential_id_factory()
    series = add(
        {},
        PlanRequest(
            "antikor-live",
            'Жемқорлықсыз болашақ, "Адал" жастар',
            "2025-05-05 11:00",
            60,
            targets=["youtube:UCantikor:vid123", "facebook:100antikor"],
            topic="Мемлекеттік қызмет",
            speakers=["Айгүл Серікқызы", "Иван Петров"],
            district="Туркестан",
            repeat="FREQ=DAILY;COUNT=3",
        ),
        PROGRAMMES,
        ALMATY,
        ids,
    )
    one_off = add(
        {}, PlanRequest("adal-komek", "Заң кеңесі", "2025-05-06 15:00", 90), PROGRAMMES, ALMATY, ids
    )
    return {b.id: b for b in [*series, *one_off]}


def export_text(broadcasts: list[Broadcast] | dict[str, Broadcast], tz: ZoneInfo = ALMATY) -> str:
    fp = io.StringIO(newline="")
    export_csv(list(broadcasts.values()) if isinstance(broadcasts, dict) else broadcasts, tz, fp)
    return fp.getvalue()


def import_text(
    text: str, current: dict[str, Broadcast], tz: ZoneInfo = ALMATY, **kwargs: bool
) -> list[Broadcast]:
    ids = sequential_id_factory(900)
    return import_csv(io.StringIO(text, newline=""), current, PROGRAMMES, tz, ids, **kwargs)


def apply(current: dict[str, Broadcast], changes: list[Broadcast]) -> dict[str, Broadcast]:
    return {**current, **{b.id: b for b in changes}}


def test_export_writes_the_documented_columns() -> None:
    """Header and a row: local start, space-separated targets, ';'-separated speakers."""
    plan = sample_plan()
    text = export_text(plan)
    assert text.startswith("\ufeff")  # the byte-order mark Excel needs to read UTF-8
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"), newline="")))
    assert list(rows[0]) == list(COLUMNS)
    first = rows[0]
    assert first["start"] == "2025-05-05 11:00"
    assert first["targets"] == "youtube:UCantikor:vid123 facebook:100antikor"
    assert first["speakers"] == "Айгүл Серікқызы; Иван Петров"
    assert first["status"] == "planned"
    assert first["series_id"].startswith("s-")
    assert [r["start"] for r in rows] == sorted(r["start"] for r in rows)


def test_export_reimports_to_the_same_plan() -> None:
    """Importing an export into the same plan changes nothing."""
    plan = sample_plan()
    assert import_text(export_text(plan), plan) == []


def test_export_restores_an_edited_plan() -> None:
    """Importing an export over an edited plan brings back every field of the export."""
    plan = sample_plan()
    edited = {
        k: replace(
            b, title="x", speakers=(), start=b.start + timedelta(hours=1), targets=b.targets[:1]
        )
        for k, b in plan.items()
    }
    # Every start moved back: a change of time, so each one's revision grew.
    restored = {k: replace(b, revision=1) for k, b in plan.items()}
    assert apply(edited, import_text(export_text(plan), edited)) == restored


def test_utf8_bom_is_accepted() -> None:
    """A file starting with a UTF-8 BOM (as Excel saves it) imports."""
    plan = sample_plan()
    data = ("\ufeff" + export_text(plan)).encode("utf-8")
    text = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", newline="")
    assert import_csv(text, plan, PROGRAMMES, ALMATY, sequential_id_factory(900)) == []


def test_rows_without_id_are_added_with_defaults() -> None:
    """An empty id adds a broadcast with a fresh id, all channels and status planned."""
    text = "programme,title,start,duration_min\nantikor-live,Жаңа эфир,2025-06-01 11:00,30\n"
    [new] = import_text(text, {})
    assert new.id == "b0000900"
    assert new.start == datetime(2025, 6, 1, 6, tzinfo=UTC)
    assert new.targets == (Target("youtube", "UCantikor"), Target("facebook", "100antikor"))
    assert (new.status, new.series_id, new.speakers) == (BroadcastStatus.PLANNED, None, ())


def test_rows_with_an_id_update_only_what_changed() -> None:
    """Only rows that differ from the plan come back, updated in place."""
    plan = sample_plan()
    text = export_text(plan).replace("Заң кеңесі", "Заң кеңесі (көшірілді)")
    [changed] = import_text(text, plan)
    assert changed.title == "Заң кеңесі (көшірілді)"
    assert changed == replace(plan[changed.id], title="Заң кеңесі (көшірілді)")


def test_status_cancelled_cancels() -> None:
    """Writing 'cancelled' in the status column cancels the broadcast."""
    plan = sample_plan()
    b = next(iter(plan.values()))
    text = (
        "id,programme,title,start,duration_min,status\n"
        f"{b.id},antikor-live,t,2025-05-05 11:00,60,cancelled\n"
    )
    [changed] = import_text(text, plan)
    assert changed.status is BroadcastStatus.CANCELLED


def bad_file() -> str:
    """Two good rows, then a bad duration on line 5 (a quoted title spans lines 3-4)."""
    return (
        "programme,title,start,duration_min\n"
        "antikor-live,Бірінші,2025-06-01 11:00,30\n"
        'antikor-live,"Екінші\nжол",2025-06-02 11:00,30\n'
        "antikor-live,Үшінші,2025-06-03 11:00,много\n"
    )


def test_the_first_bad_row_aborts_the_whole_import_with_its_line_number() -> None:
    """Import is all or nothing; the error names the line the bad row starts on."""
    with pytest.raises(UserError, match=r"^line 5: duration 'много' is not a whole number"):
        import_text(bad_file(), {})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "line 1: the file is empty"),
        ("programme,titel,start,duration_min\n", "line 1: unknown column(s) titel"),
        ("programme,title,start\n", "line 1: missing column(s) duration_min"),
        (
            'programme,title,start,duration_min\nadal-komek,"t,2025-06-01 11:00,30\n',
            "line 2: not valid CSV (unexpected end of data)",
        ),
        ("programme,title,title,start,duration_min\n", "line 1: repeated column(s) title"),
        (
            f"{HEADER}\nnope,antikor-live,t,2025-06-01 11:00,30,,,,,,\n",
            "line 2: id 'nope' is not in the plan; leave id empty",
        ),
        (
            "programme,title,start,duration_min\nantikor-live,t,2025-06-01 11:00\n",
            "line 2: 3 fields, expected 4",
        ),
        (
            "programme,title,start,duration_min\nantikor,t,2025-06-01 11:00,30\n",
            "line 2: unknown programme 'antikor'",
        ),
        (
            "programme,title,start,duration_min\nantikor-live,t,01/06/2025 11:00,30\n",
            "line 2: start '01/06/2025 11:00' is not a date and time",
        ),
        (
            "programme,title,start,duration_min,targets\nantikor-live,t,2025-06-01 11:00,30,vk:x\n",
            "line 2: target 'vk:x': unknown platform 'vk'",
        ),
        (
            "programme,title,start,duration_min\nantikor-live, ,2025-06-01 11:00,30\n",
            "line 2: title is empty",
        ),
        (
            "programme,title,start,duration_min,status\nantikor-live,t,2025-06-01 11:00,30,held\n",
            "line 2: status 'held' is set by the collector",
        ),
        (
            "programme,title,start,duration_min,status\nantikor-live,t,2025-06-01 11:00,30,done\n",
            "line 2: status 'done' is unknown",
        ),
    ],
)
def test_bad_file_or_row_is_refused_with_its_line(text: str, message: str) -> None:
    """A bad header or cell is a UserError starting 'line N:' and naming the problem."""
    with pytest.raises(UserError) as info:
        import_text(text, {})
    assert str(info.value).startswith(message)


def test_same_id_twice_is_refused() -> None:
    """An id on two rows is refused, naming both lines."""
    plan = sample_plan()
    lines = export_text(plan).splitlines()
    text = "\n".join([*lines, lines[1]]) + "\n"
    with pytest.raises(UserError, match=r"^line 6: id '\w+' is also on line 2"):
        import_text(text, plan)


def test_held_broadcast_status_cannot_be_changed_but_can_be_kept() -> None:
    """A held broadcast exports and re-imports, but cannot be set back to planned."""
    plan = sample_plan()
    first = next(iter(plan.values()))
    plan[first.id] = replace(first, status=BroadcastStatus.HELD)
    text = export_text(plan)
    assert import_text(text, plan) == []
    with pytest.raises(
        UserError, match=f"line 2: broadcast {first.id} is held; its status cannot be changed"
    ):
        import_text(text.replace(",held,", ",planned,"), plan)


def test_conflicts_are_reported_with_the_line_and_can_be_allowed() -> None:
    """A row that double-books a channel is refused at its line unless allow_overlap."""
    plan = sample_plan()
    text = "programme,title,start,duration_min\nantikor-live,Қосымша,2025-05-05 11:30,30\n"
    with pytest.raises(
        UserError, match=r"^line 2: b0000900 'Қосымша' \(2025-05-05 11:30–12:00\) overlaps"
    ):
        import_text(text, plan)
    assert len(import_text(text, plan, allow_overlap=True)) == 1


def test_blank_lines_and_trailing_empty_cells_are_skipped() -> None:
    """Blank lines, all-empty rows and empty cells past the header, as spreadsheets leave them."""
    text = "programme,title,start,duration_min\n\n,,,\nadal-komek,t,2025-06-01 11:00,30,,\n"
    assert len(import_text(text, {})) == 1
    with pytest.raises(UserError, match="line 2: 5 fields, expected 4"):
        import_text("programme,title,start,duration_min\nadal-komek,t,2025-06-01 11:00,30,x\n", {})


def test_the_repeated_dst_hour_round_trips() -> None:
    """The second 02:30 of Berlin's autumn night re-imports to the same instant."""
    second = Broadcast(
        "b1",
        "antikor-live",
        "Ночь",
        datetime(2024, 10, 27, 1, 30, tzinfo=UTC),
        20,
        (Target("youtube", "UCantikor"),),
    )
    text = export_text([second], BERLIN)
    assert "2024-10-27 02:30" in text
    assert import_text(text, {"b1": second}, BERLIN) == []


# Kazakh and Russian letters, CSV's special characters and line breaks.
ALPHABET = st.sampled_from(list("абвгдеёжзийклмнопрстуфхцчшщъыьэюяәғқңөұүһіАӘҒҚЖ Ӊ,\"'\n\r;:ab1 "))
text = st.text(ALPHABET, max_size=30).map(str.strip)
title = text.filter(bool)
speaker = text.map(lambda s: s.replace(";", ",").strip()).filter(bool)


@st.composite
def plans(draw: st.DrawFn) -> dict[str, Broadcast]:
    """Broadcasts on separate days (so none conflict) with arbitrary text fields."""
    count = draw(st.integers(1, 6))
    items = [
        Broadcast(
            id=f"id{i:06d}",
            programme=draw(st.sampled_from(["antikor-live", "adal-komek"])),
            title=draw(title),
            start=datetime(2025, 1, 1, 6, tzinfo=UTC)
            + timedelta(days=i, minutes=draw(st.integers(0, 600))),
            duration_min=draw(st.integers(1, 300)),
            targets=(),
            topic=draw(text),
            speakers=tuple(draw(st.lists(speaker, max_size=3))),
            district=draw(text),
            status=draw(st.sampled_from([BroadcastStatus.PLANNED, BroadcastStatus.CANCELLED])),
            series_id=draw(st.sampled_from([None, "s-abcdefgh"])),
        )
        for i in range(count)
    ]
    return {b.id: replace(b, targets=_channels(b.programme)) for b in items}


def _channels(slug: str) -> tuple[Target, ...]:
    return tuple(Target(c.platform, c.id) for c in PROGRAMMES[slug].channels)


@given(plans())
def test_round_trip_keeps_any_text(plan: dict[str, Broadcast]) -> None:
    """Titles, speakers, topics with commas, quotes, newlines, Kazakh/Russian text survive."""
    blank = {k: replace(b, title="-", topic="", speakers=(), district="") for k, b in plan.items()}
    assert apply(blank, import_text(export_text(plan), blank)) == plan
    assert import_text(export_text(plan), plan) == []
