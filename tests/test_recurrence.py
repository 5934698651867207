"""Expanding RRULEs from a local start: wall-clock kept, UTC through zoneinfo, finite only."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from schedules.recurrence import MAX_OCCURRENCES, expand
from streamer.errors import UserError

ALMATY = ZoneInfo("Asia/Almaty")
BERLIN = ZoneInfo("Europe/Berlin")


def utc(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_weekday_rule_gives_weekdays_only() -> None:
    """BYDAY=MO..FR with COUNT=20 gives 20 weekdays, four whole weeks."""
    starts = expand("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;COUNT=20", datetime(2025, 5, 5, 11), ALMATY)
    assert len(starts) == 20
    assert {s.astimezone(ALMATY).weekday() for s in starts} == {0, 1, 2, 3, 4}
    assert starts[-1] == utc(2025, 5, 30, 6)


def test_almaty_offset_change_keeps_the_wall_clock_time() -> None:
    """Across Almaty's 2024-03-01 move from UTC+6 to UTC+5, 11:00 stays 11:00 local."""
    starts = expand("FREQ=DAILY;COUNT=3", datetime(2024, 2, 28, 11), ALMATY)
    assert starts == [utc(2024, 2, 28, 5), utc(2024, 2, 29, 5), utc(2024, 3, 1, 6)]


def test_berlin_dst_keeps_the_wall_clock_time_both_ways() -> None:
    """A weekly 11:00 in Berlin is 10:00 UTC in winter and 09:00 UTC in summer, and back."""
    spring = expand("FREQ=WEEKLY;COUNT=2", datetime(2024, 3, 24, 11), BERLIN)
    autumn = expand("FREQ=WEEKLY;COUNT=2", datetime(2024, 10, 20, 11), BERLIN)
    assert spring == [utc(2024, 3, 24, 10), utc(2024, 3, 31, 9)]
    assert autumn == [utc(2024, 10, 20, 9), utc(2024, 10, 27, 10)]


def test_awkward_local_times_follow_rfc_5545() -> None:
    """A skipped time uses the offset before the gap; a repeated time means the first one."""
    skipped = expand("FREQ=WEEKLY;COUNT=2", datetime(2024, 3, 24, 2, 30), BERLIN)
    repeated = expand("FREQ=WEEKLY;COUNT=2", datetime(2024, 10, 20, 2, 30), BERLIN)
    assert skipped[1] == utc(2024, 3, 31, 1, 30)  # 02:30 CET, i.e. 03:30 on the wall
    assert repeated[1] == utc(2024, 10, 27, 0, 30)  # the first 02:30, still CEST


@pytest.mark.parametrize(
    "until", ["20250508", "20250508T110000", "20250508T060000Z", "20250508t060000z"]
)
def test_until_as_local_date_local_time_or_utc(until: str) -> None:
    """UNTIL may be a local date (whole day), a local date-time or a UTC date-time."""
    starts = expand(f"FREQ=DAILY;UNTIL={until}", datetime(2025, 5, 5, 11), ALMATY)
    assert starts == [utc(2025, 5, d, 6) for d in (5, 6, 7, 8)]


def test_rrule_prefix_is_accepted() -> None:
    """A rule copied from an .ics file with its 'RRULE:' prefix works."""
    assert len(expand("RRULE:FREQ=DAILY;COUNT=2", datetime(2025, 5, 5, 11), ALMATY)) == 2


def test_exactly_the_limit_is_allowed() -> None:
    """A series of exactly MAX_OCCURRENCES broadcasts is accepted."""
    rule = f"FREQ=DAILY;COUNT={MAX_OCCURRENCES}"
    assert len(expand(rule, datetime(2025, 1, 1, 11), ALMATY)) == MAX_OCCURRENCES


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("FREQ=DAILY", "has no COUNT or UNTIL, so it never ends; add COUNT=n or UNTIL=YYYYMMDD"),
        ("FREQ=WEEKLY;BYDAY=MO", "has no COUNT or UNTIL"),
        ("FREQ=DAILY;COUNT=3;UNTIL=20250601", "has both COUNT and UNTIL"),
        ("FREQ=DAILY;COUNT=1001", "makes more than 1000 broadcasts"),
        ("FREQ=MINUTELY;UNTIL=20300101", "makes more than 1000 broadcasts"),
    ],
)
def test_endless_or_oversized_series_is_refused(rule: str, message: str) -> None:
    """A rule that never ends, has both ends, or makes over 1000 broadcasts is refused."""
    with pytest.raises(UserError, match=message) as info:
        expand(rule, datetime(2025, 5, 5, 11), ALMATY)
    assert repr(rule) in str(info.value)


@pytest.mark.parametrize(
    ("rule", "reason"),
    [
        ("FREQ=FORTNIGHTLY;COUNT=2", "invalid 'FREQ': FORTNIGHTLY"),
        ("FREQ=DAILY;COUNT=two", "invalid 'COUNT'"),
        ("FREQ=WEEKLY;BYDAY=XX;COUNT=2", "invalid 'BYDAY'"),
        ("FREQ=DAILY;COLOR=red;COUNT=2", "unknown parameter 'COLOR'"),
        ("BYDAY=MO;COUNT=2", "FREQ is missing"),
        ("FREQ=DAILY;COUNT", "'COUNT' is not NAME=VALUE"),
        (
            "FREQ=DAILY;UNTIL=2025-06-01T10:00+03:00",
            "UNTIL '2025-06-01T10:00+03:00' is not YYYYMMDD",
        ),
        ("DTSTART:20250101T000000\nRRULE:FREQ=DAILY;COUNT=2", "give exactly one RRULE line"),
        ("FREQ=DAILY;UNTIL=20250101", "it makes no broadcasts from the given start"),
        ("FREQ=DAILY;BYSECOND=30;COUNT=2", "occurrences must fall on whole minutes"),
    ],
)
def test_bad_rule_quotes_the_rule_and_the_reason_on_one_line(rule: str, reason: str) -> None:
    """Bad syntax is a UserError quoting the rule and dateutil's (or our) reason, one line."""
    with pytest.raises(UserError) as info:
        expand(rule, datetime(2025, 5, 5, 11), ALMATY)
    message = str(info.value)
    assert message.startswith(f"repeat rule {rule!r} is invalid: ")
    assert reason in message
    assert "\n" not in message
