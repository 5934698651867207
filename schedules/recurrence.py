"""Recurring broadcasts: expand an RFC 5545 RRULE from a local start.

The rule is expanded in naive wall-clock time, so "every weekday at 11:00" stays
at 11:00 on the wall whatever the zone's offset does; each occurrence is then
converted to UTC through zoneinfo. Only finite rules are accepted: a series is
stored as one broadcast per occurrence, and an endless one cannot be stored.
"""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import islice
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr

from schedules.localtime import local_to_utc, utc_to_local
from streamer.errors import UserError

MAX_OCCURRENCES = 1000
EXAMPLE = "FREQ=WEEKLY;BYDAY=MO,WE,FR;COUNT=10"
_UNTIL_DATE_TIME = "%Y%m%dT%H%M%S"


def expand(rule: str, local_start: datetime, tz: ZoneInfo) -> list[datetime]:
    """The UTC starts of every occurrence of ``rule`` from the naive ``local_start``.

    ``rule`` is one RRULE (``RRULE:`` prefix optional), such as
    ``FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;COUNT=20``. It must end (COUNT or UNTIL) and
    make at most ``MAX_OCCURRENCES``. UNTIL may be local (``20250630T120000``), UTC
    (``...Z``) or a bare date, which includes that whole local day.
    """
    parts = _parts(rule)
    _check_end(rule, parts)
    parts = _localise_until(rule, parts, tz)
    local_starts = _occurrences(rule, ";".join(f"{k}={v}" for k, v in parts.items()), local_start)
    return [local_to_utc(moment, tz) for moment in local_starts]


def _invalid(rule: str, reason: str) -> UserError:
    return UserError(f"repeat rule {rule!r} is invalid: {reason}; example: {EXAMPLE}")


def _parts(rule: str) -> dict[str, str]:
    """The rule's NAME=VALUE parts, names upper-cased."""
    text = rule.strip()
    if text.upper().startswith("RRULE:"):
        text = text[len("RRULE:") :]
    # One rule on one line: DTSTART or EXDATE lines would override what was planned.
    if not text or "\n" in text or "\r" in text:
        raise _invalid(rule, "give exactly one RRULE line")
    parts: dict[str, str] = {}
    for part in text.strip(";").split(";"):
        name, sep, value = part.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise _invalid(rule, f"{part!r} is not NAME=VALUE")
        if (key := name.strip().upper()) in parts:
            # RFC 5545: a part must not occur twice (dateutil would quietly keep the last).
            raise _invalid(rule, f"{key} is given twice")
        parts[key] = value.strip()
    if "FREQ" not in parts:
        raise _invalid(rule, "FREQ is missing")
    return parts


def _check_end(rule: str, parts: dict[str, str]) -> None:
    """Refuse an endless rule, a rule with both ends, and a COUNT over the limit."""
    if "COUNT" not in parts and "UNTIL" not in parts:
        raise UserError(
            f"repeat rule {rule!r} has no COUNT or UNTIL, so it never ends; "
            "add COUNT=n or UNTIL=YYYYMMDD"
        )
    if "COUNT" in parts and "UNTIL" in parts:
        raise UserError(
            f"repeat rule {rule!r} has both COUNT and UNTIL; RFC 5545 allows one, keep one"
        )
    count = parts.get("COUNT", "")
    if count.isdigit() and int(count) > MAX_OCCURRENCES:
        raise _too_many(rule)


def _too_many(rule: str) -> UserError:
    return UserError(
        f"repeat rule {rule!r} makes more than {MAX_OCCURRENCES} broadcasts; "
        "lower COUNT or bring UNTIL earlier"
    )


def _localise_until(rule: str, parts: dict[str, str], tz: ZoneInfo) -> dict[str, str]:
    """UNTIL as naive local ``YYYYMMDDTHHMMSS``: what dateutil compares with a naive start.

    dateutil refuses a UTC UNTIL next to a naive start, and RFC 5545 wants UTC when
    the start has a zone; converting here lets producers write either.
    """
    until = parts.get("UNTIL")
    if until is None:
        return parts
    if len(until) == 8 and until.isdigit():
        # A bare date means "up to and including that day", as producers read it.
        return {**parts, "UNTIL": until + "T235959"}
    utc = until.upper().endswith("Z")
    try:
        moment = datetime.strptime(until.upper().removesuffix("Z"), _UNTIL_DATE_TIME)
    except ValueError:
        reason = f"UNTIL {until!r} is not YYYYMMDD, YYYYMMDDTHHMMSS (local) or ...Z (UTC)"
        raise _invalid(rule, reason) from None
    if utc:
        moment = utc_to_local(moment.replace(tzinfo=UTC), tz)
    return {**parts, "UNTIL": moment.strftime(_UNTIL_DATE_TIME)}


def _occurrences(rule: str, text: str, local_start: datetime) -> list[datetime]:
    """Expand ``text`` with dateutil, translating its errors into one ``UserError``."""
    try:
        # One past the limit is enough to know the limit is passed, without
        # expanding a rule like FREQ=MINUTELY;UNTIL=2099... in full.
        starts = list(islice(rrulestr(text, dtstart=local_start), MAX_OCCURRENCES + 1))
    except (ValueError, TypeError, OverflowError) as exc:
        raise _invalid(rule, " ".join(str(exc).split())) from None
    if len(starts) > MAX_OCCURRENCES:
        raise _too_many(rule)
    if not starts:
        raise _invalid(rule, "it makes no broadcasts from the given start")
    if any(moment.second or moment.microsecond for moment in starts):
        raise _invalid(rule, "occurrences must fall on whole minutes")
    return starts
