"""Wall-clock time in the configured zone: what producers type and read.

The store keeps UTC; producers think in local time ("11:00 in Almaty"). Every
conversion goes through ``zoneinfo`` so that offset changes (Kazakhstan's move to
UTC+5 on 2024-03-01, DST in zones that have it) come from the tz database, never
from a hard-coded offset.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from streamer.errors import UserError

LOCAL_FORMAT = "%Y-%m-%d %H:%M"


def local_to_utc(local: datetime, tz: ZoneInfo) -> datetime:
    """A naive wall-clock time in ``tz`` as aware UTC.

    ``fold=0`` gives RFC 5545's reading of the awkward cases: a time that occurs
    twice (clocks go back) means the first one; a time that does not occur (clocks
    jump forward) is read with the offset from before the gap.
    """
    return local.replace(tzinfo=tz, fold=0).astimezone(UTC)


def utc_to_local(moment: datetime, tz: ZoneInfo) -> datetime:
    """An aware time as naive wall-clock time in ``tz``."""
    return moment.astimezone(tz).replace(tzinfo=None)


def format_local(moment: datetime, tz: ZoneInfo) -> str:
    """An aware time as ``YYYY-MM-DD HH:MM`` in ``tz``: the format producers type."""
    return utc_to_local(moment, tz).strftime(LOCAL_FORMAT)


def parse_local(text: str, tz: ZoneInfo, field: str = "start") -> datetime:
    """Parse ``YYYY-MM-DD HH:MM`` (a ``T`` separator is fine) to a naive local time.

    Refuses a time the zone skips: a typed time that never shows on a wall clock
    is a mistake worth pointing out rather than silently shifting.
    """
    cleaned = text.strip().replace("T", " ", 1)
    try:
        local = datetime.strptime(cleaned, LOCAL_FORMAT)
    except ValueError:
        raise UserError(
            f"{field} {text!r} is not a date and time; write it as YYYY-MM-DD HH:MM ({tz.key} time)"
        ) from None
    check_exists(local, tz, field)
    return local


def check_exists(local: datetime, tz: ZoneInfo, field: str = "start") -> None:
    """Raise ``UserError`` if the naive ``local`` time is skipped by a clock change."""
    if utc_to_local(local_to_utc(local, tz), tz) != local:
        raise UserError(
            f"{field} {local.strftime(LOCAL_FORMAT)!r} does not exist in {tz.key} "
            "(the clocks skip it); pick a time outside the change"
        )


def parse_local_start(text: str, tz: ZoneInfo) -> datetime:
    """Parse a producer's ``YYYY-MM-DD HH:MM`` in ``tz`` to the aware UTC time to store."""
    return local_to_utc(parse_local(text, tz), tz)


def local_start_of(value: datetime | str, tz: ZoneInfo, field: str = "start") -> datetime:
    """The naive local start from a typed string, a naive local or an aware datetime."""
    if isinstance(value, str):
        return parse_local(value, tz, field)
    # An aware time is unambiguous already; only its wall-clock reading is wanted.
    local = value if value.tzinfo is None else utc_to_local(value, tz)
    if local.second or local.microsecond:
        raise UserError(f"{field} {local.isoformat()!r} has seconds; plans are kept to the minute")
    if value.tzinfo is None:
        check_exists(local, tz, field)
    return local
