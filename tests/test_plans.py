"""Planning broadcasts: add (one-off and series), move, cancel, get."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from schedules.ids import (
    IdAllocator,
    all_digits,
    default_id_factory,
    sequential_id_factory,
)
from schedules.localtime import format_local
from schedules.plans import PlanRequest, add, cancel, get, move, parse_local_start, parse_target
from streamer.errors import UserError
from streamer.idalphabet import ALPHABET
from streamer.models import Broadcast, BroadcastStatus, Channel, Programme, Target
from streamer.platforms import names

ALMATY = ZoneInfo("Asia/Almaty")
BERLIN = ZoneInfo("Europe/Berlin")
ANTIKOR = Programme(
    "antikor-live",
    "Antikor.Live",
    channels=(
        Channel("youtube", "UCantikor", "YouTube"),
        Channel("facebook", "100antikor", "Facebook"),
    ),
)
ADAL = Programme("adal-komek", "Adal Komek", channels=(Channel("youtube", "UCadal"),))
PROGRAMMES = {p.slug: p for p in (ANTIKOR, ADAL)}


def request(**changes: object) -> PlanRequest:
    """A valid one-off request, with ``changes`` applied."""
    base = PlanRequest("antikor-live", "Сыбайлас жемқорлыққа қарсы", "2025-05-06 11:00", 60)
    return replace(base, **changes)  # type: ignore[arg-type]


def plan_of(*broadcasts: Broadcast) -> dict[str, Broadcast]:
    return {b.id: b for b in broadcasts}


def add_one(current: dict[str, Broadcast] | None = None, **changes: object) -> list[Broadcast]:
    return add(current or {}, request(**changes), PROGRAMMES, ALMATY, sequential_id_factory())


def test_one_off_in_almaty_is_stored_as_utc_and_shown_back_in_local_time() -> None:
    """11:00 Asia/Almaty (UTC+5 since 2024-03-01) is stored as 06:00 UTC and shown as 11:00."""
    [broadcast] = add_one()
    assert broadcast.start == datetime(2025, 5, 6, 6, 0, tzinfo=UTC)
    assert format_local(broadcast.start, ALMATY) == "2025-05-06 11:00"
    assert broadcast.series_id is None
    assert broadcast.status is BroadcastStatus.PLANNED


def test_historic_almaty_date_uses_the_old_utc_plus_six_offset() -> None:
    """Before 2024-03-01 Almaty was UTC+6, so 11:00 then is 05:00 UTC."""
    [broadcast] = add_one(start="2024-02-20 11:00")
    assert broadcast.start == datetime(2024, 2, 20, 5, 0, tzinfo=UTC)
    assert format_local(broadcast.start, ALMATY) == "2024-02-20 11:00"


def test_add_keeps_the_request_fields() -> None:
    """Title, duration, topic, speakers and district reach the broadcast, trimmed."""
    [broadcast] = add_one(
        duration_min=45,
        topic=" Жемқорлық ",
        speakers=[" Айгүл Серікқызы ", "", "Иван Петров"],
        district="Туркестан",
    )
    assert broadcast.programme == "antikor-live"
    assert broadcast.title == "Сыбайлас жемқорлыққа қарсы"
    assert broadcast.duration_min == 45
    assert broadcast.topic == "Жемқорлық"
    assert broadcast.speakers == ("Айгүл Серікқызы", "Иван Петров")
    assert broadcast.district == "Туркестан"


def test_targets_default_to_all_channels_of_the_programme() -> None:
    """Without targets a broadcast goes out on every channel of its programme."""
    [broadcast] = add_one()
    assert broadcast.targets == (Target("youtube", "UCantikor"), Target("facebook", "100antikor"))


def test_explicit_targets_with_a_video_id() -> None:
    """Targets given as text or Target are kept, with a known video id."""
    [broadcast] = add_one(
        targets=["YouTube:UCantikor:dQw4w9WgXcQ", Target("facebook", "100antikor")]
    )
    assert broadcast.targets == (
        Target("youtube", "UCantikor", "dQw4w9WgXcQ"),
        Target("facebook", "100antikor"),
    )


def test_series_makes_one_broadcast_per_weekday_at_the_same_wall_clock_time() -> None:
    """A weekday RRULE with COUNT=20 plans 20 broadcasts, Mon–Fri at 11:00, one series."""
    broadcasts = add_one(
        start="2025-05-05 11:00", repeat="FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;COUNT=20"
    )
    assert len(broadcasts) == 20
    assert len({b.id for b in broadcasts}) == 20
    [series_id] = {b.series_id for b in broadcasts}
    assert series_id is not None and series_id.startswith("s-")
    local = [b.start.astimezone(ALMATY) for b in broadcasts]
    assert all(t.weekday() < 5 and (t.hour, t.minute) == (11, 0) for t in local)
    assert local[-1].date().isoformat() == "2025-05-30"


def test_blank_repeat_means_a_one_off() -> None:
    """An empty repeat option (as a CLI may pass it) plans a single broadcast."""
    [broadcast] = add_one(repeat="  ")
    assert broadcast.series_id is None


def test_ids_are_short_and_unique_against_the_plan() -> None:
    """An id already in the plan is drawn again; default ids are 8 base32 characters."""
    [first] = add_one()
    [second] = add_one(plan_of(first), start="2025-05-07 11:00")
    assert second.id != first.id
    assert all(re.fullmatch(f"[{ALPHABET}]{{8}}", default_id_factory()()) for _ in range(50))


def test_new_ids_are_never_all_digits() -> None:
    """Spreadsheets read "00000002" as 2: no factory or allocator hands out such an id."""
    digits = iter(["00000002", "12345678", "7a000000"])
    allocate = IdAllocator(lambda: next(digits), [])
    assert allocate() == "7a000000"  # the all-digit draws are drawn again
    ids = sequential_id_factory()
    assert [ids(), ids()] == ["b0000001", "b0000002"]
    assert not any(all_digits(default_id_factory()()) for _ in range(2000))
    with pytest.raises(RuntimeError):
        IdAllocator(lambda: "00000003", [])()


def test_a_stored_all_digit_id_is_still_moved_and_cancelled() -> None:
    """A plan saved with an old all-digit id keeps working: get, move and cancel find it."""
    [planned] = add_one()
    old = replace(planned, id="00000002")
    plan = plan_of(old)
    assert get(plan, "00000002") == old
    [moved] = move(plan, "00000002", "2025-05-06 12:00", ALMATY)
    assert moved.id == "00000002"
    [cancelled] = cancel(plan, "00000002")
    assert cancelled.status is BroadcastStatus.CANCELLED


def test_add_works_as_a_plan_change_without_touching_the_plan() -> None:
    """add is pure: the plan it is given is not modified."""
    [first] = add_one()
    current = plan_of(first)
    add_one(current, start="2025-05-07 11:00")
    assert current == {first.id: first}


def test_unknown_programme_lists_the_known_slugs() -> None:
    """An unknown programme is refused with the known slugs."""
    with pytest.raises(
        UserError, match=r"unknown programme 'antikor'; known programmes: adal-komek, antikor-live"
    ):
        add_one(programme="antikor")


@pytest.mark.parametrize(
    "start", ["2025-13-01 11:00", "06.05.2025 11:00", "2025-05-06", "tomorrow"]
)
def test_bad_start_is_refused_with_the_expected_format(start: str) -> None:
    """A start that is not YYYY-MM-DD HH:MM is refused, naming the value and the format."""
    with pytest.raises(
        UserError, match=r"start .* is not a date and time; write it as YYYY-MM-DD HH:MM"
    ) as info:
        add_one(start=start)
    assert repr(start) in str(info.value)


def test_a_time_skipped_by_dst_is_refused() -> None:
    """02:30 on the night Berlin jumps to summer time does not exist and is refused."""
    with pytest.raises(UserError, match=r"'2024-03-31 02:30' does not exist in Europe/Berlin"):
        add({}, request(start="2024-03-31 02:30"), PROGRAMMES, BERLIN, sequential_id_factory())


def test_parse_local_start_accepts_a_t_separator() -> None:
    """parse_local_start reads the ISO 'T' form as well as the space form."""
    assert parse_local_start("2025-05-06T11:00", ALMATY) == datetime(2025, 5, 6, 6, tzinfo=UTC)


def test_aware_and_naive_datetime_starts() -> None:
    """A naive datetime is local time; an aware one keeps its instant."""
    [naive] = add_one(start=datetime(2025, 5, 6, 11, 0))
    [aware] = add_one(start=datetime(2025, 5, 6, 6, 0, tzinfo=UTC))
    assert naive.start == aware.start == datetime(2025, 5, 6, 6, 0, tzinfo=UTC)


@pytest.mark.parametrize("duration", [0, 1441, -5])
def test_duration_out_of_range_is_refused(duration: int) -> None:
    """A duration outside 1..1440 minutes is refused."""
    with pytest.raises(UserError, match=r"duration .* out of range; give 1 to 1440"):
        add_one(duration_min=duration)


def test_empty_title_and_speaker_with_separator_are_refused() -> None:
    """An empty title and a speaker name containing ';' are refused."""
    with pytest.raises(UserError, match="title is empty"):
        add_one(title="   ")
    with pytest.raises(UserError, match=r"speaker 'A; B' contains ';'"):
        add_one(speakers=["A; B"])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("vk:UCantikor", r"unknown platform 'vk'; platforms: youtube, facebook, instagram, twitch"),
        (
            "youtube:UCother",
            r"'youtube:UCother' is not a channel of antikor-live; "
            r"its channels: youtube:UCantikor, facebook:100antikor",
        ),
        ("twitch:UCantikor", r"'twitch:UCantikor' is not a channel"),
        ("youtube", r"is not PLATFORM:CHANNEL\[:VIDEO_ID\]"),
        ("youtube:UCantikor:", r"is not PLATFORM:CHANNEL\[:VIDEO_ID\]"),
    ],
)
def test_bad_target_is_refused_naming_what_is_allowed(text: str, message: str) -> None:
    """A target on an unknown platform or a channel the programme lacks is refused."""
    with pytest.raises(UserError, match=message):
        parse_target(text, ANTIKOR)
    with pytest.raises(UserError, match=message):
        add_one(targets=[text])


def test_platforms_are_the_models_platforms() -> None:
    """parse_target accepts every registered platform when the channel exists."""
    programme = Programme("p", "P", channels=tuple(Channel(p, "c") for p in names()))
    assert [parse_target(f"{p}:c", programme).platform for p in names()] == list(names())


def test_same_target_twice_is_refused() -> None:
    """One channel listed twice is refused rather than double-booking itself."""
    with pytest.raises(UserError, match="'youtube:UCantikor' is given twice"):
        add_one(targets=["youtube:UCantikor", "youtube:UCantikor:vid"])


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        (
            "FREQ=SOMETIMES;COUNT=3",
            r"repeat rule 'FREQ=SOMETIMES;COUNT=3' is invalid: invalid 'FREQ'",
        ),
        ("FREQ=DAILY", r"repeat rule 'FREQ=DAILY' has no COUNT or UNTIL, so it never ends"),
    ],
)
def test_bad_or_endless_rule_is_refused(rule: str, message: str) -> None:
    """A malformed RRULE and an endless one are refused before anything is planned."""
    with pytest.raises(UserError, match=message):
        add_one(repeat=rule)


def test_move_to_a_new_local_time() -> None:
    """move sets the new local start (stored as UTC) and keeps id and series."""
    broadcasts = add_one(repeat="FREQ=DAILY;COUNT=2")
    [moved] = move(plan_of(*broadcasts), broadcasts[0].id, "2025-05-06 15:30", ALMATY)
    assert moved.start == datetime(2025, 5, 6, 10, 30, tzinfo=UTC)
    assert (moved.id, moved.series_id) == (broadcasts[0].id, broadcasts[0].series_id)


def test_move_into_a_booked_slot_is_refused_unless_allowed() -> None:
    """Moving onto another broadcast's channel and time is a conflict; allow_overlap permits it."""
    broadcasts = add_one(repeat="FREQ=DAILY;COUNT=2")
    current = plan_of(*broadcasts)
    with pytest.raises(UserError, match="overlaps"):
        move(current, broadcasts[1].id, "2025-05-06 11:30", ALMATY)
    [moved] = move(current, broadcasts[1].id, "2025-05-06 11:30", ALMATY, allow_overlap=True)
    assert format_local(moved.start, ALMATY) == "2025-05-06 11:30"


def test_move_a_held_broadcast_is_refused() -> None:
    """A broadcast that already happened cannot be moved."""
    [held] = add_one()
    held = replace(held, status=BroadcastStatus.HELD)
    with pytest.raises(
        UserError, match=f"broadcast {held.id} is held; only a planned broadcast can be moved"
    ):
        move(plan_of(held), held.id, "2025-05-07 11:00", ALMATY)


def test_cancel_one_broadcast() -> None:
    """cancel marks one broadcast cancelled and nothing else."""
    broadcasts = add_one(repeat="FREQ=DAILY;COUNT=3")
    [cancelled] = cancel(plan_of(*broadcasts), broadcasts[1].id)
    assert cancelled == replace(broadcasts[1], status=BroadcastStatus.CANCELLED, revision=1)


def test_cancel_series_from_the_middle_skips_earlier_and_held_ones() -> None:
    """series=True cancels this and every later planned one, leaving earlier and held ones."""
    broadcasts = add_one(repeat="FREQ=DAILY;COUNT=5")
    broadcasts[3] = replace(broadcasts[3], status=BroadcastStatus.HELD)
    other = add_one(start="2025-05-20 11:00", programme="adal-komek")
    result = cancel(plan_of(*broadcasts, *other), broadcasts[1].id, series=True)
    assert [b.id for b in result] == [broadcasts[1].id, broadcasts[2].id, broadcasts[4].id]
    assert {b.status for b in result} == {BroadcastStatus.CANCELLED}


def test_cancel_series_of_a_one_off_cancels_just_it() -> None:
    """A broadcast outside any series is a series of one."""
    [one] = add_one()
    assert [b.status for b in cancel(plan_of(one), one.id, series=True)] == [
        BroadcastStatus.CANCELLED
    ]


def test_cancel_twice_is_refused() -> None:
    """Cancelling an already cancelled broadcast says so instead of silently doing nothing."""
    [one] = add_one()
    done = replace(one, status=BroadcastStatus.CANCELLED)
    with pytest.raises(UserError, match="is cancelled; only a planned broadcast can be cancelled"):
        cancel(plan_of(done), one.id)
    with pytest.raises(UserError, match="nothing to cancel"):
        cancel(plan_of(replace(done, series_id="s-x")), one.id, series=True)


def test_get_unknown_id_is_a_user_error() -> None:
    """get names the unknown id; a known id returns its broadcast."""
    [one] = add_one()
    assert get(plan_of(one), one.id) is one
    with pytest.raises(UserError, match="no broadcast with id 'nope' in the plan"):
        get(plan_of(one), "nope")
