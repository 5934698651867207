"""Console numbers formatted without Babel read exactly as Babel formats them.

``Style.number`` groups whole numbers itself (a long table formats tens of thousands);
for every language, over signs, zero, halves and large values, it must give what
Babel gives for the same rounded value, and the cached percentages and days too.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_skeleton
from babel.numbers import (
    format_decimal,
    format_percent,
    get_group_symbol,
    get_minus_sign_symbol,
)

from reports.fmt import Style
from reports.labels import LOCALES, SIGNS, group_number
from reports.report import half_up

TZ = ZoneInfo("Asia/Almaty")
EDGES = [0, -0.0, -0.4, 0.5, -0.5, 1, -1, 2.5, 999, 999.5, 1000, -1000, 1234567, 10**12]


def values() -> list[float]:
    """Edge cases and a fixed random spread of floats and integers."""
    spread = random.Random(19)
    return [
        *EDGES,
        *(spread.uniform(-1e7, 1e7) for _ in range(500)),
        *(spread.randint(-(10**9), 10**9) for _ in range(500)),
    ]


@pytest.mark.parametrize("lang", sorted(LOCALES))
def test_whole_numbers_read_as_babel_writes_them(lang: str) -> None:
    """Grouping, minus sign and a rounded −0 as Babel's "#,##0" in each language."""
    style = Style(lang, TZ)
    for value in values():
        want = format_decimal(half_up(value), format="#,##0", locale=LOCALES[lang])
        assert style.number(value) == want, value


@pytest.mark.parametrize("lang", sorted(LOCALES))
def test_decimals_percentages_and_times_read_as_babel_writes_them(lang: str) -> None:
    """One decimal, a whole percentage and a local time, each as Babel gives it."""
    style = Style(lang, TZ)
    locale = LOCALES[lang]
    for value in values()[:200]:
        assert style.number(value, 1) == format_decimal(
            half_up(value, 1), format="#,##0.0", locale=locale
        )
    for value in (0, 0.4, 49.5, 80.5, 100, 250.2):
        assert style.percent(value) == format_percent(half_up(value) / 100, locale=locale)
    moment = datetime(2025, 12, 31, 20, 30, tzinfo=UTC)
    for hours in range(0, 24 * 40, 7):
        local = (moment + timedelta(hours=hours)).astimezone(TZ)
        day = format_skeleton("yMMMd", local.date(), locale=locale)
        assert style.time(moment + timedelta(hours=hours)) == f"{day} {local:%H:%M}"


@pytest.mark.parametrize("locale", sorted(LOCALES.values()))
def test_signs_are_babels(locale: str) -> None:
    """The group and minus signs kept for each report locale are Babel's own."""
    assert SIGNS[locale] == (get_group_symbol(locale), get_minus_sign_symbol(locale))


@pytest.mark.parametrize("lang", sorted(LOCALES))
def test_headline_counts_read_as_babel_writes_them(lang: str) -> None:
    """The headline's grouped counts are what Babel's ``format_decimal`` gives."""
    for value in [0, 7, 999, 1000, 85_293, 127_537, 1_234_567, -4_000]:
        assert group_number(value, lang) == format_decimal(value, locale=LOCALES[lang])


@pytest.mark.parametrize("lang", sorted(LOCALES))
def test_a_percentage_rounding_to_zero_keeps_its_sign_whatever_came_first(lang: str) -> None:
    """0.2 % and −0.2 % round to 0 and −0, which Babel writes apart: the cached
    percentages give each its own text, in either order."""
    style = Style(lang, TZ)
    for value in (0.2, -0.2, 0.3, -0.3):
        expected = format_percent(half_up(value) / 100, locale=LOCALES[lang])
        assert style.percent(value) == expected
