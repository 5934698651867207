"""Report periods: the accepted forms, ISO weeks, relative periods, previous(), mistakes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reports.periods import (
    Period,
    current_month,
    days_period,
    month_of,
    parse_period,
    parse_range,
    week_of,
)
from streamer.errors import UserError

ALMATY = ZoneInfo("Asia/Almaty")
# Sunday 29 Nov 2026 20:00 UTC is already Monday 30 Nov 01:00 in Almaty (UTC+5).
NOW = datetime(2026, 11, 29, 20, 0, tzinfo=UTC)


def parse(text: str) -> Period:
    return parse_period(text, NOW, ALMATY)


@pytest.mark.parametrize(
    ("text", "start", "end", "label"),
    [
        ("2026-11", date(2026, 11, 1), date(2026, 12, 1), "2026-11"),
        ("2026-12", date(2026, 12, 1), date(2027, 1, 1), "2026-12"),
        ("2026-W48", date(2026, 11, 23), date(2026, 11, 30), "2026-W48"),
        ("2026-w01", date(2025, 12, 29), date(2026, 1, 5), "2026-W01"),
        ("2026-W53", date(2026, 12, 28), date(2027, 1, 4), "2026-W53"),
        ("2026-Q4", date(2026, 10, 1), date(2027, 1, 1), "2026-Q4"),
        ("2026-H1", date(2026, 1, 1), date(2026, 7, 1), "2026-H1"),
        ("2020-H2", date(2020, 7, 1), date(2021, 1, 1), "2020-H2"),
        ("2026", date(2026, 1, 1), date(2027, 1, 1), "2026"),
        (" 2026-11 ", date(2026, 11, 1), date(2026, 12, 1), "2026-11"),
    ],
)
def test_named_periods_are_local_day_ranges(text: str, start: date, end: date, label: str) -> None:
    """Months, ISO weeks, quarters, halves and years become [start, end) in local days."""
    period = parse(text)
    assert (period.start, period.end, period.label) == (start, end, label)


def test_last_week_and_last_month_are_relative_to_now_in_the_configured_zone() -> None:
    """Late Sunday UTC is Monday in Almaty: last week is W48, last month October."""
    assert parse("last-week").label == "2026-W48"
    assert parse("last-month").label == "2026-10"
    assert parse_period("last-week", NOW, ZoneInfo("UTC")).label == "2026-W47"


def test_relative_periods_cross_year_ends() -> None:
    """Last month in January is December; last week early in January is W53."""
    january = datetime(2027, 1, 15, 12, tzinfo=UTC)
    assert parse_period("last-month", january, ALMATY).label == "2026-12"
    new_year = datetime(2027, 1, 6, 12, tzinfo=UTC)  # Wednesday of 2027-W01
    assert parse_period("last-week", new_year, ALMATY).label == "2026-W53"


def test_current_month_is_the_default() -> None:
    """With no period given, reports cover the month that holds now (local)."""
    assert current_month(NOW, ALMATY).label == "2026-11"
    assert current_month(datetime(2026, 11, 30, 19, 30, tzinfo=UTC), ALMATY).label == "2026-12"


@pytest.mark.parametrize(
    ("text", "previous"),
    [
        ("2026-01", "2025-12"),
        ("2026-03", "2026-02"),
        ("2026-W01", "2025-W52"),
        ("2027-W01", "2026-W53"),
        ("2026-Q1", "2025-Q4"),
        ("2026-H1", "2025-H2"),
        ("2026-H2", "2026-H1"),
        ("2026", "2025"),
    ],
)
def test_previous_is_the_period_of_the_same_kind_just_before(text: str, previous: str) -> None:
    """previous() of a month is the month before, of a week the week before, and so on."""
    assert parse(text).previous().label == previous
    assert parse(text).previous().end == parse(text).start


def test_a_from_to_range_includes_both_days_and_its_previous_has_the_same_length() -> None:
    """--from 2026-11-10 --to 2026-11-19 is ten days; the ten days before precede it."""
    period = parse_range("2026-11-10", "2026-11-19", NOW, ALMATY)
    assert (period.start, period.end, period.days) == (date(2026, 11, 10), date(2026, 11, 20), 10)
    assert period.label == "2026-11-10_2026-11-19"
    before = period.previous()
    assert (before.start, before.end) == (date(2026, 10, 31), date(2026, 11, 10))


def test_a_from_without_to_runs_through_today() -> None:
    """--from alone ends with today's local date."""
    assert parse_range("2026-11-01", None, NOW, ALMATY).last_day == date(2026, 11, 30)


def test_bounds_are_local_midnights_in_utc_and_contains_reads_local_dates() -> None:
    """Almaty midnight is 19:00 UTC the day before; a 19:30 UTC start is the next day."""
    period = parse("2026-11")
    start, end = period.utc_bounds(ALMATY)
    assert start == datetime(2026, 10, 31, 19, 0, tzinfo=UTC)
    assert end == datetime(2026, 11, 30, 19, 0, tzinfo=UTC)
    assert period.contains(datetime(2026, 10, 31, 19, 30, tzinfo=UTC), ALMATY)
    assert not period.contains(datetime(2026, 11, 30, 19, 30, tzinfo=UTC), ALMATY)


@pytest.mark.parametrize(
    "text",
    [
        "2026-13",
        "2026-00",
        "2026-W54",
        "2025-W53",
        "2026-W00",
        "2026-Q5",
        "2026-Q0",
        "2026-H3",
        "last-year",
        "yesterday",
        "",
        "26-11",
        "2026/11",
        "0999",
        "November",
    ],
)
def test_bad_periods_name_the_accepted_forms(text: str) -> None:
    """A period that is not understood is a UserError listing every accepted form."""
    with pytest.raises(UserError) as caught:
        parse(text)
    message = str(caught.value)
    assert repr(text) in message
    for form in ("YYYY-MM", "YYYY-Www", "YYYY-Qn", "YYYY-H1|H2", "YYYY", "last-week", "last-month"):
        assert form in message
    assert "\n" not in message


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        ("30.11.2026", None, "--from '30.11.2026' is not a date"),
        ("2026-11-01", "2026-02-30", "--to '2026-02-30' is not a date"),
        ("2026-11-20", "2026-11-10", "--to 2026-11-10 is before --from 2026-11-20"),
    ],
)
def test_bad_ranges_are_user_errors(start: str, end: str | None, expected: str) -> None:
    """A malformed or reversed --from/--to says which option is wrong."""
    with pytest.raises(UserError, match=expected):
        parse_range(start, end, NOW, ALMATY)


@given(
    st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 12, 31)),
    st.sampled_from(["month", "week", "quarter", "half", "year", "days"]),
)
def test_every_period_contains_its_days_and_previous_ends_where_it_starts(
    day: date, kind: str
) -> None:
    """For any day and kind: the period holds the day, its label parses back to it,
    and previous() is adjacent and of the same kind."""
    if kind == "days":
        period = days_period(day, day + timedelta(days=9))
    else:
        text = {
            "month": f"{day:%Y-%m}",
            "week": f"{day.isocalendar()[0]}-W{day.isocalendar()[1]:02d}",
            "quarter": f"{day.year}-Q{(day.month - 1) // 3 + 1}",
            "half": f"{day.year}-H{1 if day.month <= 6 else 2}",
            "year": str(day.year),
        }[kind]
        period = parse(text)
        assert parse(period.label) == period
    assert period.start <= day < period.end
    before = period.previous()
    assert before.end == period.start
    assert before.kind == period.kind
    assert month_of(day).start.day == 1
    assert week_of(day).start.isoweekday() == 1
