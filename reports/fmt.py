"""How a report cell reads on the console, per language (Babel for numbers and dates).

CSV and JSON never come through here: they keep machine forms (``1234.5``, ISO 8601
times). Every number on screen is rounded half up (2.5 → 3), never half to even as
Python's ``round`` and Babel do. The console shows grouped digits, a decimal comma where
the language uses one, local dates and translated statuses.

Text from outside (stream titles, districts) goes through ``shown``: control, line
breaking and bidi characters become visible escapes (``streamer.safe_text``), so a
title can neither repaint a terminal, forge a line, nor reverse the text around it,
and a title longer than ``safe_text.TEXT_MAX`` characters is cut with "…" (CSV, JSON and
xlsx keep it whole).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel.core import Locale
from babel.dates import format_date, format_interval, format_skeleton
from babel.numbers import format_decimal, format_percent

from reports.labels import LOCALES, grouped, label
from reports.metrics import LOW_COVERAGE_PCT
from reports.periods import Period
from reports.report import Cell, column_kind, half_up
from streamer.models import Programme
from streamer.platforms import CODES, LABELS
from streamer.safe_text import shown

# Columns shown as percentages, and their decimals: a platform's own coverage keeps one,
# as a value just under ``reports.metrics.LOW_COVERAGE_PCT`` must not read as it.
PERCENT_DIGITS = {"coverage_pct": 0, "min_platform_coverage_pct": 1}


@dataclass(frozen=True, slots=True)
class Style:
    """The language, the zone and the programmes' display names of a rendering."""

    lang: str
    tz: ZoneInfo
    programmes: Mapping[str, Programme] = field(default_factory=dict)
    with_year: bool = True

    @property
    def locale(self) -> str:
        """The Babel locale of the language."""
        return LOCALES[self.lang]

    def programme(self, slug: str) -> str:
        """A programme's name in the language (its slug if not configured)."""
        found = self.programmes.get(slug)
        return shown(found.display_name(self.lang) if found else slug or "—")

    def number(self, value: float, digits: int = 0) -> str:
        """Grouped digits, with ``digits`` decimals, rounded half up (2.5 → 3)."""
        if type(value) is int and not digits:  # nothing to round: most cells of a table
            return grouped(value, self.locale)
        if type(value) is float and not digits:  # a figure in tenths: the rest of them
            text = repr(value)
            point = text.find(".")
            if point > 0 and point == len(text) - 2:  # "-2.5", not "1e+16" or "inf"
                whole = abs(int(text[:point])) + (text[-1] >= "5")  # halves away from 0
                negative = text[0] == "-"
                return grouped(-whole if negative else whole, self.locale, negative=negative)
        rounded = half_up(value, digits)
        if not digits:
            return grouped(int(rounded), self.locale, negative=rounded.is_signed())
        pattern = "#,##0." + "0" * digits
        return format_decimal(rounded, format=pattern, locale=self.locale)

    def percent(self, value: float, digits: int = 0) -> str:
        """A percentage given as 0–100 with ``digits`` decimals, rounded half up
        (80.5 → 81 %; at one decimal 79.96 → 80.0 %), in the language's percent form."""
        return _percent(str(half_up(value, digits)), digits, self.locale)

    def signed(self, value: float, *, percent: bool = False, digits: int = 0) -> str:
        """A change: with its sign, as a percentage when asked; rounded half up."""
        body = "#,##0" + ("." + "0" * digits if digits else "")
        rounded = half_up(value, digits)
        text = format_decimal(rounded, format=f"+{body};-{body}", locale=self.locale)
        return text + "%" if percent else text

    def day(self, value: date) -> str:
        """A date the way the language writes it (30 Nov 2026, 30 нояб. 2026 г.)."""
        return _day("yMMMd", value, self.locale)

    def time(self, value: datetime) -> str:
        """A local date and time of day in the configured zone (the year if asked)."""
        local = value.astimezone(self.tz)
        skeleton = "yMMMd" if self.with_year else "MMMd"
        return f"{_day(skeleton, local.date(), self.locale)} {local:%H:%M}"

    def span(self, first: date, last: date) -> str:
        """Two days, both included, as the language writes such a span ("30 Nov – 6 Dec
        2026", "30 нояб. — 6 дек. 2026 г.", "2026 ж. 1–6 жел."); one day alone when
        they are equal. Headers, footnotes and chart titles all write spans so."""
        if first == last:
            return self.day(first)
        return _span(first, last, self.locale)

    def period(self, period: Period) -> str:
        """``period: 2026-H1 (1 Jan – 30 Jun 2026)`` in the language; a ``--from/--to``
        range as its days alone (its label, ``2026-11-30_2026-12-06``, only repeats them)."""
        span = self.span(period.start, period.last_day)
        if period.kind == "days":
            return f"{label('period', self.lang)}: {span}"
        return f"{label('period', self.lang)}: {period.label} ({span})"

    def group(self, by: str, key: str) -> str:
        """A summary group key as a reader would name it."""
        if by == "programme":
            return self.programme(key)
        if by == "platform":
            return LABELS.get(key, key)
        if by == "district" and not key:
            return label("district.none", self.lang)
        if by == "month" and key:
            year, month = key.split("-")
            return format_date(date(int(year), int(month), 1), "LLLL y", locale=self.locale)
        return shown(key) or "—"

    def cell(self, column: str, value: Cell) -> str:
        """One table cell; an unknown figure reads "n/a" in the language."""
        if value is None:
            return label("n/a", self.lang)
        if isinstance(value, bool):
            return label("yes" if value else "no", self.lang)
        if isinstance(value, datetime):
            return self.time(value)
        if column in PERCENT_DIGITS and isinstance(value, int | float):
            digits = PERCENT_DIGITS[column]
            # 79.6 is flagged as under 80 %: it must not read "80 %" (nor 79.96 "80,0 %").
            while digits < 2 and value < LOW_COVERAGE_PCT <= half_up(value, digits):
                digits += 1
            return self.percent(value, digits)
        if isinstance(value, int | float):
            return self.number(value, 1 if column_kind(column) == "float" else 0)
        return self._text(column, value)

    def _text(self, column: str, value: str) -> str:
        if column == "programme":
            return self.programme(value)
        if column == "status":
            return label(f"status.{value}", self.lang)
        if column == "findings":
            return ", ".join(label(f"finding.{key}", self.lang) for key in value.split(";"))
        if column == "platform":
            return LABELS.get(value, value)
        if column == "platforms":
            return " ".join(CODES.get(p, p) for p in value.split(";") if p)
        return shown(value)


# A long table formats tens of thousands of cells; Babel takes tens of microseconds a
# number. A whole number is grouped by ``reports.labels.grouped`` (what Babel gives for
# "#,##0"; ``tests/test_report_fmt_fast.py`` compares them), and percentages and days,
# which repeat, are formatted once each.
@lru_cache(maxsize=4096)
def _percent(rounded: str, digits: int, locale: str) -> str:
    # Cached by its text: Decimal("-0") == Decimal("0"), and Babel writes them apart.
    pattern = _percent_pattern(digits, locale) if digits else None
    return format_percent(Decimal(rounded) / 100, format=pattern, locale=locale)


@lru_cache(maxsize=16)
def _percent_pattern(digits: int, locale: str) -> str:
    """The locale's own percent pattern ("#,##0 %", "#,##0%") with ``digits`` decimals."""
    plain = Locale.parse(locale).percent_formats[None].pattern
    return str(plain).replace("#,##0", "#,##0." + "0" * digits, 1)


@lru_cache(maxsize=256)
def _span(first: date, last: date, locale: str) -> str:
    return format_interval(first, last, "yMMMd", locale=locale)


@lru_cache(maxsize=4096)
def _day(skeleton: str, day: date, locale: str) -> str:
    return format_skeleton(skeleton, day, locale=locale)
