"""Cron expressions: standard weekday numbers, names, zones."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from streamer.cron import cron_trigger, standard_weekdays
from streamer.errors import UserError

ALMATY = ZoneInfo("Asia/Almaty")


def next_fire(expression: str, after: datetime) -> datetime:
    fire = cron_trigger(expression, ALMATY).get_next_fire_time(None, after)
    assert fire is not None
    return fire


def test_weekday_1_is_monday_as_in_standard_cron() -> None:
    """'0 9 * * 1' fires on Monday 09:00 local, not on Tuesday (APScheduler's numbering)."""
    fire = next_fire("0 9 * * 1", datetime(2026, 11, 27, 12, 0, tzinfo=ALMATY))  # a Friday
    assert fire == datetime(2026, 11, 30, 9, 0, tzinfo=ALMATY)
    assert fire.strftime("%A") == "Monday"


@pytest.mark.parametrize("sunday", ["0", "7", "SUN", "sun"])
def test_sunday_is_0_or_7_or_its_name(sunday: str) -> None:
    """Both standard numbers for Sunday, and the name, fire on Sunday."""
    fire = next_fire(f"30 8 * * {sunday}", datetime(2026, 11, 27, 12, 0, tzinfo=ALMATY))
    assert fire == datetime(2026, 11, 29, 8, 30, tzinfo=ALMATY)


def test_ranges_and_lists_are_translated() -> None:
    """1-5 means Monday to Friday; lists and steps keep their shape."""
    assert standard_weekdays("1-5") == "mon-fri"
    assert standard_weekdays("MON,3,5") == "mon,wed,fri"
    assert standard_weekdays("*/2") == "*/2"
    fire = next_fire("0 9 * * 1-5", datetime(2026, 11, 28, 12, 0, tzinfo=ALMATY))  # Saturday
    assert fire.strftime("%A %H:%M") == "Monday 09:00"


def test_fire_time_is_in_the_configured_zone_not_the_hosts() -> None:
    """09:00 is 09:00 in Asia/Almaty (04:00 UTC), whatever TZ the machine has."""
    fire = next_fire("0 9 * * MON", datetime(2026, 11, 27, tzinfo=ALMATY))
    assert fire.utcoffset() is not None
    assert fire.astimezone(ZoneInfo("UTC")).hour == 4


@pytest.mark.parametrize("expression", ["0 9 * *", "0 9 * * 8", "0 9 * * FUN", "61 9 * * MON"])
def test_bad_expressions_are_user_errors(expression: str) -> None:
    """Wrong field count, weekday out of range, unknown name, bad minute: one-line errors."""
    with pytest.raises(UserError) as caught:
        cron_trigger(expression, ALMATY)
    assert "\n" not in str(caught.value)
