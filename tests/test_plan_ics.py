"""The plan as an iCalendar file: valid RFC 5545 that parses back into the same events."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from icalendar import Calendar

from schedules.ical import export_ics
from schedules.ids import sequential_id_factory
from schedules.plans import PlanRequest, add
from streamer.models import Broadcast, BroadcastStatus, Channel, Programme

ALMATY = ZoneInfo("Asia/Almaty")
NOW = datetime(2025, 4, 1, 8, 30, tzinfo=UTC)
ANTIKOR = Programme(
    "antikor-live",
    "Antikor.Live",
    channels=(Channel("youtube", "UCantikor", "YouTube"), Channel("facebook", "100antikor")),
)
ADAL = Programme("adal-komek", "Adal Komek", channels=(Channel("youtube", "UCadal"),))
PROGRAMMES = {p.slug: p for p in (ANTIKOR, ADAL)}
LONG_TITLE = "Сыбайлас жемқорлыққа қарсы іс-қимыл: азаматтардың сұрақтарына жауаптар, «Адал» жастар"


def sample_plan() -> list[Broadcast]:
    """A series crossing Almaty's 2024-03-01 offset change, one cancelled, and a one-off."""
    ids = sequential_id_factory()
    series = add(
        {},
        PlanRequest(
            "antikor-live",
            LONG_TITLE,
            "2024-02-29 11:00",
            60,
            topic="Мемлекеттік қызмет",
            speakers=["Айгүл Серікқызы", "Иван Петров"],
            district="Туркестан",
            repeat="FREQ=DAILY;COUNT=2",
        ),
        PROGRAMMES,
        ALMATY,
        ids,
    )
    one_off = add(
        {}, PlanRequest("adal-komek", "Заң кеңесі", "2025-05-06 15:00", 90), PROGRAMMES, ALMATY, ids
    )
    return [series[0], replace(series[1], status=BroadcastStatus.CANCELLED), *one_off]


def parsed(broadcasts: list[Broadcast]) -> Calendar:
    return Calendar.from_ical(export_ics(broadcasts, ALMATY, PROGRAMMES, now=NOW))


def test_events_parse_back_to_the_plan() -> None:
    """Each broadcast is one VEVENT with its UID, local start and end, summary and status."""
    plan = sample_plan()
    events = {str(e["uid"]): e for e in parsed(plan).events}
    assert set(events) == {f"{b.id}@streamer" for b in plan}
    for b in plan:
        event = events[f"{b.id}@streamer"]
        assert event.start == b.start and event.end == b.end
        assert isinstance(event.start, datetime) and event.start.tzinfo == ALMATY
        assert str(event["summary"]) == f"{PROGRAMMES[b.programme].name}: {b.title}"
        expected = "CANCELLED" if b.status is BroadcastStatus.CANCELLED else "CONFIRMED"
        assert str(event["status"]) == expected
        assert event.DTSTAMP == NOW


def test_start_is_written_as_local_time_with_tzid() -> None:
    """DTSTART carries TZID=Asia/Almaty and the wall-clock time the producer typed."""
    text = export_ics(sample_plan(), ALMATY, PROGRAMMES, now=NOW).decode()
    assert "DTSTART;TZID=Asia/Almaty:20240229T110000\r\n" in text
    assert "DTSTART;TZID=Asia/Almaty:20240301T110000\r\n" in text


def test_calendar_headers_and_one_vtimezone() -> None:
    """The VCALENDAR has PRODID, VERSION 2.0, a name, the zone, and one VTIMEZONE for it."""
    calendar = parsed(sample_plan())
    assert str(calendar["version"]) == "2.0"
    assert "streamer" in str(calendar["prodid"])
    assert str(calendar["x-wr-calname"]) == "Antikor.Live, Adal Komek"
    assert str(calendar["x-wr-timezone"]) == "Asia/Almaty"
    assert [str(tz["tzid"]) for tz in calendar.timezones] == ["Asia/Almaty"]
    assert calendar.get_missing_tzids() == set()


def test_vtimezone_carries_the_2024_offset_change() -> None:
    """A client that reads only the VTIMEZONE still places 11:00 at UTC+6 before and UTC+5 after."""
    # lookup_tzid=False builds the zone from the VTIMEZONE text, not from the tz database.
    vtimezone = parsed(sample_plan()).timezones[0].to_tz(lookup_tzid=False)
    before = datetime(2024, 2, 29, 11, tzinfo=vtimezone)
    after = datetime(2025, 5, 6, 11, tzinfo=vtimezone)
    assert before.astimezone(UTC) == datetime(2024, 2, 29, 5, tzinfo=UTC)
    assert after.astimezone(UTC) == datetime(2025, 5, 6, 6, tzinfo=UTC)


def test_cancelled_event_has_a_higher_sequence() -> None:
    """A cancelled broadcast is STATUS:CANCELLED with SEQUENCE 1, a planned one SEQUENCE 0."""
    sequence = {str(e["status"]): e.sequence for e in parsed(sample_plan()).events}
    assert sequence == {"CONFIRMED": 0, "CANCELLED": 1}


def test_description_lists_targets_speakers_topic_and_district() -> None:
    """DESCRIPTION names the target channels (with labels), speakers, topic and district."""
    event = parsed(sample_plan()).events[0]
    assert str(event["description"]).splitlines() == [
        "Targets: youtube:UCantikor (YouTube), facebook:100antikor",
        "Speakers: Айгүл Серікқызы; Иван Петров",
        "Topic: Мемлекеттік қызмет",
        "District: Туркестан",
    ]


def test_lines_end_in_crlf_and_are_folded_to_75_octets() -> None:
    """Every content line ends in CRLF and is at most 75 octets, so strict clients accept it."""
    data = export_ics(sample_plan(), ALMATY, PROGRAMMES, now=NOW)
    assert data.endswith(b"\r\n")
    lines = data.split(b"\r\n")[:-1]
    assert b"\n" not in b"".join(lines)
    assert max(len(line) for line in lines) <= 75
    assert any(line.startswith(b" ") for line in lines)  # the long Kazakh title was folded


def test_uid_is_stable_across_exports() -> None:
    """Two exports at different times give the same UIDs, so calendars update, not duplicate."""
    plan = sample_plan()
    later = Calendar.from_ical(export_ics(plan, ALMATY, PROGRAMMES, now=NOW.replace(year=2026)))
    assert [e["uid"] for e in later.events] == [e["uid"] for e in parsed(plan).events]


def test_empty_plan_is_still_a_valid_calendar() -> None:
    """With nothing planned the file still has its headers and zone, and no events."""
    calendar = parsed([])
    assert calendar.events == []
    assert len(calendar.timezones) == 1
