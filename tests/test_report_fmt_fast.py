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
from reports.report import half_up, rounded

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


@pytest.mark.parametrize("digits", [0, 1, 2])
def test_rounded_keeps_what_needs_no_rounding_and_rounds_the_rest_half_up(digits: int) -> None:
    """``rounded`` skips the Decimal for a float already at ``digits`` decimals (and for
    an int): over edges, tenths, hundredths and a random spread it equals the Decimal's."""
    spread = random.Random(7)
    samples = [
        *EDGES,
        0.05, -0.05, 2.675, 1e16, 1.5e-7, -2.25, 12.0, -0.0, 10**20,
        *(round(spread.uniform(-1e4, 1e4), spread.randint(0, 3)) for _ in range(2000)),
        *(spread.uniform(-1e6, 1e6) for _ in range(500)),
    ]  # fmt: skip
    for value in samples:
        expected = float(half_up(value, digits))
        got = rounded(value, digits)
        assert got == expected and str(got) == str(expected), value
    assert rounded(None, digits) is None


@pytest.mark.parametrize("lang", sorted(LOCALES))
def test_tenths_read_as_babel_writes_them_rounded(lang: str) -> None:
    """Figures in tenths (delays, minutes) are rounded half up without the Decimal
    and read as Babel's "#,##0" of the half-up value: halves, signs and −0 included."""
    style = Style(lang, TZ)
    spread = random.Random(11)
    tenths = [
        0.5, -0.5, -0.4, 0.4, 2.5, -2.5, 999.5, -999.5, 1e16, 1.5e-7, float(10**15) + 0.5,
        *(round(spread.uniform(-1e6, 1e6), 1) for _ in range(2000)),
        *(k / 10 for k in range(-300, 300)),
    ]  # fmt: skip
    for value in tenths:
        want = format_decimal(half_up(value), format="#,##0", locale=LOCALES[lang])
        assert style.number(value) == want, value


@pytest.mark.parametrize(
    ("lang", "value", "expected"),
    [
        ("ru", 98.4, "98,4\xa0%"),
        ("kk", 98.4, "98,4%"),
        ("en", 98.4, "98.4%"),
        ("ru", 100, "100,0\xa0%"),
        ("en", 79.96, "79.96%"),  # flagged under 80 %: never reads as 80
        ("en", 79.94, "79.9%"),
        ("en", 0, "0.0%"),
    ],
)
def test_a_platforms_coverage_reads_as_a_percentage_with_its_decimal(
    lang: str, value: float, expected: str
) -> None:
    """The lowest platform coverage of a broadcast reads as the broadcast's coverage
    does (the language's percent sign and spacing) and keeps its decimal (two when one
    would round up to 80): a platform at 79.6 % must not read as 80 %, the threshold it
    is flagged under."""
    assert Style(lang, TZ).cell("min_platform_coverage_pct", value) == expected


@pytest.mark.parametrize("lang", sorted(LOCALES))
def test_a_coverage_flagged_low_never_reads_as_the_threshold(lang: str) -> None:
    """Coverage reads whole ("98 %"), but one just under ``LOW_COVERAGE_PCT`` keeps its
    decimal: the row is flagged "below 80 %", and "80 %" beside it would contradict it."""
    style = Style(lang, TZ)
    locale = LOCALES[lang]
    for under, digits in ((79.6, 1), (79.5, 1), (79.96, 2)):
        assert style.cell("coverage_pct", under) == style.percent(under, digits)
        assert style.cell("coverage_pct", under).startswith("79")
    for whole in (79.4, 80.0, 80.4, 12.5):
        assert style.cell("coverage_pct", whole) == format_percent(
            half_up(whole) / 100, locale=locale
        )
