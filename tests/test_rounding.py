"""Half-up rounding: on screen and in the one-decimal CSV/JSON figures."""

from __future__ import annotations

import math
import random
from zoneinfo import ZoneInfo

import pytest

from reports.fmt import Style
from reports.render import change_text
from reports.report import half_up, rounded

TZ = ZoneInfo("Asia/Almaty")


@pytest.mark.parametrize(
    ("value", "shown"), [(2.5, "3"), (3.5, "4"), (0.5, "1"), (-2.5, "-3"), (1234.5, "1,235")]
)
def test_console_numbers_round_halves_up(value: float, shown: str) -> None:
    """A 2.5 min delay reads "3", not the half-to-even "2" of round() and Babel."""
    assert Style("en", TZ).number(value) == shown


def test_console_decimals_and_percentages_round_halves_up() -> None:
    """One decimal and whole percentages round halves up too (2.25 → 2.3, 80.5 % → 81 %)."""
    style = Style("en", TZ)
    assert style.number(2.25, 1) == "2.3"
    assert style.percent(80.5) == "81%"
    assert style.percent(82.5) == "83%"


def test_console_changes_round_halves_up_and_a_rounded_zero_reads_plus_minus() -> None:
    """A change of +2.5 shows "+3"; one that rounds to nothing shows "±0"."""
    style = Style("en", TZ)
    assert change_text(style, "broadcasts_held_change", 2.5) == "+3"
    assert change_text(style, "views_change_pct", -12.5) == "-13%"
    assert change_text(style, "broadcasts_held_change", 0.4) == "±0"


@pytest.mark.parametrize(
    ("value", "digits", "expected"),
    [(0.25, 1, 0.3), (0.35, 1, 0.4), (2.675, 2, 2.68), (-0.25, 1, -0.3), (6.04, 1, 6.0)],
)
def test_report_figures_round_halves_up_to_one_decimal(
    value: float, digits: int, expected: float
) -> None:
    """CSV/JSON keep one decimal, rounded half up from the figure as written (0.25 → 0.3)."""
    assert rounded(value, digits) == expected


def test_unknown_figures_stay_unknown_when_rounded() -> None:
    """``None`` is n/a, not 0, after rounding."""
    assert rounded(None) is None


def test_rounding_on_the_digits_gives_what_the_decimal_rule_gives() -> None:
    """``rounded`` rounds a float's digits without a Decimal: for floats of every size
    and sign, ties, carries (9.95 → 10.0) and negative zero, it gives exactly (the
    same float, sign included) what rounding its shortest decimal form half up does."""
    rng = random.Random(19)
    values = [
        *[rng.uniform(-5000, 5000) for _ in range(3000)],
        *[rng.randint(-99999, 99999) / 1000 for _ in range(3000)],
        *[rng.randint(-9999, 9999) / 100 + 0.005 for _ in range(1000)],
        *[rng.uniform(0, 1e-3) for _ in range(300)],
        *[rng.uniform(1e12, 1e15) for _ in range(300)],
        2.25, -2.25, 2.675, -0.04, 0.05, 0.95, 9.95, 99.95, -99.95, 123456789.05, 1e-7, 1e16,
        1.0000000000000002, 0.15, 2.45, -0.0, 0.0,
    ]  # fmt: skip
    for value in values:
        for digits in (0, 1, 2):
            expected = float(half_up(value, digits))
            got = rounded(value, digits)
            assert isinstance(got, float)
            assert (got, math.copysign(1, got)) == (expected, math.copysign(1, expected)), (
                value,
                digits,
            )
