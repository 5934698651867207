"""Period names as a manager writes them: the grammar, apart from the calendar.

``2026-11``, ``2026-W48``, ``2026-Q4``, ``2026-H1``, ``2026``, ``last-week`` and
``last-month``. The config checks a scheduled job's ``period`` with this when it loads;
``reports.periods`` turns a name into local dates. Both read the grammar from here, so a
name the config accepts is one the report understands.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from streamer.errors import UserError

FORMS = "YYYY-MM, YYYY-Www, YYYY-Qn, YYYY-H1|H2, YYYY, last-week, last-month"
RELATIVE = ("last-week", "last-month")

_PATTERNS = {
    "month": re.compile(r"(\d{4})-(\d{2})"),
    "week": re.compile(r"(\d{4})-W(\d{2})"),
    "quarter": re.compile(r"(\d{4})-Q(\d)"),
    "half": re.compile(r"(\d{4})-H(\d)"),
    "year": re.compile(r"(\d{4})"),
}
_HIGHEST = {"month": 12, "quarter": 4, "half": 2}


@dataclass(frozen=True, slots=True)
class PeriodName:
    """A parsed name: ``kind`` (month, week, quarter, half, year, last-week,
    last-month), its ``year`` and its ``number`` within the year (0 where none)."""

    kind: str
    year: int = 0
    number: int = 0


def read_period_name(text: str) -> PeriodName:
    """The name ``text`` spells; a UserError naming the accepted forms otherwise."""
    cleaned = text.strip()
    if cleaned in RELATIVE:
        return PeriodName(cleaned)
    for kind, pattern in _PATTERNS.items():
        match = pattern.fullmatch(cleaned.upper())
        # Years far from now are typos (20266 or 0226), not reports anyone wants.
        if match and 1000 <= int(match.group(1)) <= 9998:
            name = PeriodName(kind, int(match.group(1)), _number(match))
            if not _exists(name):
                raise bad_period(text)
            return name
    raise bad_period(text)


def check_period(text: str) -> None:
    """A UserError unless ``text`` is a period name (valid on any day)."""
    read_period_name(text)


def bad_period(text: str) -> UserError:
    """The error for a period that is not one of ``FORMS``."""
    return UserError(f"period {text!r} is not understood; use one of {FORMS}")


def _exists(name: PeriodName) -> bool:
    if name.kind == "week":
        try:
            date.fromisocalendar(name.year, name.number, 1)
        except ValueError:
            # 2026 has 53 ISO weeks, 2025 only 52: W53 is a mistake in most years.
            return False
        return True
    highest = _HIGHEST.get(name.kind)
    return highest is None or 1 <= name.number <= highest


def _number(match: re.Match[str]) -> int:
    return int(match.group(2)) if match.lastindex and match.lastindex > 1 else 0
