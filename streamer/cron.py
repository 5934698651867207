"""Cron expressions as operators write them, turned into APScheduler triggers.

APScheduler's ``CronTrigger.from_crontab`` numbers weekdays from Monday = 0, unlike
standard cron (Sunday = 0 or 7): ``"0 9 * * 1"`` would fire on Tuesdays. Here the
day-of-week field is read the standard way — numbers 0-7 (0 and 7 are Sunday),
names (``MON``), ranges and lists of either — and handed to APScheduler as names,
which both agree on. The trigger always gets the configured zone explicitly: a
trigger built without one uses the host's zone, not the scheduler's.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from streamer.errors import UserError

_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY = re.compile(r"^(?:\d+|[a-z]{3})$")


def cron_trigger(expression: str, tz: ZoneInfo) -> CronTrigger:
    """A trigger for a standard five-field cron ``expression`` in zone ``tz``."""
    fields = expression.split()
    if len(fields) != 5:
        raise UserError(
            f"cron {expression!r} needs 5 fields (minute hour day month weekday), "
            "e.g. '0 9 * * MON'"
        )
    minute, hour, day, month, weekday = fields
    try:
        return CronTrigger(
            minute=minute,
            hour=hour,
            day=day,
            month=month,
            day_of_week=standard_weekdays(weekday),
            timezone=tz,
        )
    except ValueError as exc:
        raise UserError(f"cron {expression!r}: {exc}") from None


def check_cron(expression: str) -> None:
    """A UserError unless ``expression`` is a valid cron line that fires at some time.

    The zone does not change validity, so UTC serves; a date that never comes
    (``0 9 30 2 *``, the 30th of February) is refused too.
    """
    trigger = cron_trigger(expression, ZoneInfo("UTC"))
    if trigger.get_next_fire_time(None, datetime(2000, 1, 1, tzinfo=UTC)) is None:
        raise UserError(f"cron {expression!r} never fires (no such date)")


def standard_weekdays(field: str) -> str:
    """The day-of-week field with standard cron numbers rewritten as names."""
    if field in ("*", "?"):
        return "*"
    return ",".join(_part(part, field) for part in field.lower().split(","))


def _part(part: str, field: str) -> str:
    body, _, step = part.partition("/")
    names = "*" if body == "*" else "-".join(_day(end, field) for end in body.split("-", 1))
    return f"{names}/{step}" if step else names


def _day(token: str, field: str) -> str:
    if not _DAY.match(token):
        raise UserError(f"cron weekday {field!r}: {token!r} is not a day; use 0-7 or MON..SUN")
    if token.isdigit():
        number = int(token)
        if number > 7:
            raise UserError(
                f"cron weekday {field!r}: {number} is out of range 0-7 (0 and 7 = Sunday)"
            )
        return _NAMES[number]
    if token not in _NAMES:
        raise UserError(f"cron weekday {field!r}: {token!r} is not a day; use MON..SUN")
    return token
