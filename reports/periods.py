"""Report periods: what a manager types, as a range of local dates.

A period is ``[start, end)`` in local dates of the configured zone: a broadcast
belongs to it when its planned start, read on a local wall clock, falls on one of
those days. Accepted forms::

    2026-11    2026-W48    2026-Q4    2026-H1    2026    last-week    last-month
    --from 2026-11-01 --to 2026-11-30   (both days included)

``last-week`` and ``last-month`` are the last complete ISO week (Monday to
Sunday) and calendar month before the injected ``now``. Weeks are ISO 8601 weeks,
so ``2026-W01`` may start in December 2025.

Changes compare like with like (``compare``): a period still in progress (or a
month or week a report holds only the first days of) is compared with the same
number of days from the start of the period before it, 1–6 Dec with 1–6 Nov.
Where no such span exists the change is blank, with the reason (``NO_MATCH``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from streamer.errors import UserError
from streamer.periodnames import read_period_name


@dataclass(frozen=True, slots=True)
class Period:
    """Local days ``start <= day < end``, of a kind (month, week, ..., days), with a label."""

    start: date
    end: date
    kind: str
    label: str

    @property
    def last_day(self) -> date:
        """The last day included (``end`` is exclusive)."""
        return self.end - timedelta(days=1)

    @property
    def days(self) -> int:
        """The number of days in the period."""
        return (self.end - self.start).days

    def previous(self) -> Period:
        """The period of the same kind just before: the month before a month, and so on.

        A ``--from/--to`` range gives the same number of days just before it.
        """
        if self.kind == "days":
            return days_period(self.start - timedelta(days=self.days), self.start)
        return _of_kind(self.kind, self.start - timedelta(days=1))

    def utc_bounds(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """The period as UTC instants ``[start, end)``: local midnights in ``tz``."""
        return _midnight(self.start, tz), _midnight(self.end, tz)

    def contains(self, moment: datetime, tz: ZoneInfo) -> bool:
        """Whether an aware ``moment`` falls on one of the period's local days."""
        return self.start <= moment.astimezone(tz).date() < self.end


# Why a change is blank: the days have not begun yet; the report holds a month or week
# from a day other than its first (there is no "same days" before it); the period
# before is shorter than the days elapsed (31 March has no match in February); the
# days compared with begin before the store's first collection (``streamer.history``).
NO_MATCH = ("not_started", "partial_start", "previous_shorter", "before_history")


@dataclass(frozen=True, slots=True)
class Comparison:
    """What a row's changes compare: the ``current`` days with the ``previous`` days.

    Both are ``None``, with ``reason`` one of ``NO_MATCH``, when there is nothing
    like for like to compare with. ``partial`` marks current days that stop short
    of the whole period (one still in progress, or cut by the report's period).
    """

    current: Period | None
    previous: Period | None
    reason: str = ""
    partial: bool = False


def compare(unit: Period, covered: Period, today: date | None = None) -> Comparison:
    """How the days ``covered`` of ``unit`` (a month, a week, a report's period)
    compare with ``unit.previous()``, as of local day ``today`` (``None``: all past).

    Complete, ``unit`` is compared with the whole period before it. Otherwise the
    days elapsed from ``unit``'s first day (today included) are compared with as
    many days from the first day of the period before.
    """
    end = covered.end if today is None else min(covered.end, today + timedelta(days=1))
    if end <= covered.start:
        return Comparison(None, None, "not_started")
    if covered.start != unit.start:
        return Comparison(None, None, "partial_start")
    before = unit.previous()
    if end == unit.end:
        return Comparison(unit, before)
    elapsed = (end - unit.start).days
    if elapsed > before.days:
        return Comparison(None, None, "previous_shorter")
    same = days_period(before.start, before.start + timedelta(days=elapsed))
    return Comparison(days_period(unit.start, end), same, partial=True)


def recorded(found: Comparison, since: date | None) -> Comparison:
    """``found``, or no comparison (``before_history``) when its earlier days begin
    before ``since``, the local day collection began: nothing was recorded then."""
    if since is None or found.previous is None or found.previous.start >= since:
        return found
    return Comparison(None, None, "before_history")


def span_text(period: Period) -> str:
    """``2026-12-01/2026-12-06``: the days of a period, both included (ISO 8601)."""
    return f"{period.start.isoformat()}/{period.last_day.isoformat()}"


def parse_period(text: str, now: datetime, tz: ZoneInfo) -> Period:
    """Parse ``--period``; a bad value is a UserError naming the accepted forms
    (the grammar is ``streamer.periodnames``, which the config checks jobs with)."""
    name = read_period_name(text)
    today = now.astimezone(tz).date()
    if name.kind == "last-week":
        return week_of(today - timedelta(days=7))
    if name.kind == "last-month":
        return month_of(today.replace(day=1) - timedelta(days=1))
    return _build(name.kind, name.year, name.number)


def parse_range(start_text: str, end_text: str | None, now: datetime, tz: ZoneInfo) -> Period:
    """``--from``/``--to`` local dates, both included; ``--to`` defaults to today."""
    start = _parse_date(start_text, "--from")
    last = now.astimezone(tz).date() if end_text is None else _parse_date(end_text, "--to")
    if last < start and end_text is None:
        raise UserError(f"--from {start.isoformat()} is after today; give --to as well")
    if last < start:
        raise UserError(f"--to {last.isoformat()} is before --from {start.isoformat()}")
    return days_period(start, last + timedelta(days=1))


def current_month(now: datetime, tz: ZoneInfo) -> Period:
    """The calendar month containing ``now`` (the reports' default period)."""
    return month_of(now.astimezone(tz).date())


def month_of(day: date) -> Period:
    """The calendar month containing ``day``."""
    start = day.replace(day=1)
    return Period(start, _add_months(start, 1), "month", f"{start:%Y-%m}")


def week_of(day: date) -> Period:
    """The ISO week (Monday to Sunday) containing ``day``."""
    start = day - timedelta(days=day.isoweekday() - 1)
    year, week, _ = start.isocalendar()
    return Period(start, start + timedelta(days=7), "week", f"{year}-W{week:02d}")


def days_period(start: date, end: date) -> Period:
    """An arbitrary range ``[start, end)``, labelled by its first and last day."""
    last = end - timedelta(days=1)
    return Period(start, end, "days", f"{start.isoformat()}_{last.isoformat()}")


def _of_kind(kind: str, day: date) -> Period:
    """The period of ``kind`` that contains ``day``."""
    if kind == "month":
        return month_of(day)
    if kind == "week":
        return week_of(day)
    if kind == "quarter":
        return _build("quarter", day.year, (day.month - 1) // 3 + 1)
    if kind == "half":
        return _build("half", day.year, 1 if day.month <= 6 else 2)
    return _build("year", day.year, 0)


def _build(kind: str, year: int, number: int) -> Period:
    """A named period; ``number`` is in range (``read_period_name`` checked it)."""
    if kind == "year":
        return Period(date(year, 1, 1), date(year + 1, 1, 1), "year", str(year))
    if kind == "week":
        return week_of(date.fromisocalendar(year, number, 1))
    size = {"month": 1, "quarter": 3, "half": 6}[kind]
    start = date(year, (number - 1) * size + 1, 1)
    label = {"month": f"{year}-{number:02d}", "quarter": f"{year}-Q{number}"}.get(
        kind, f"{year}-H{number}"
    )
    return Period(start, _add_months(start, size), kind, label)


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def _parse_date(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise UserError(f"{option} {text!r} is not a date; write it as YYYY-MM-DD") from None
