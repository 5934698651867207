"""The independent recomputation stays independent, and rounds as issue #13 says."""

from __future__ import annotations

import ast
from fractions import Fraction
from pathlib import Path

from tests.independent.figures import half_up

PACKAGE = Path(__file__).parent / "independent"
FORBIDDEN = ("streamer", "reports", "collectors", "schedules")


def test_the_recomputation_imports_none_of_the_project() -> None:
    """tests/independent reads raw files only: no import of streamer, reports or collectors."""
    found = []
    for path in sorted(PACKAGE.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            found += [f"{path.name}: {n}" for n in names if n.split(".")[0] in FORBIDDEN]
    assert len(list(PACKAGE.glob("*.py"))) >= 5
    assert not found


def test_half_up_rounds_ties_away_from_zero() -> None:
    """7.25 min is 7.3 and −7.25 is −7.3 (Python's round gives 7.2); others round nearest."""
    assert half_up(Fraction(29, 4)) == 7.3
    assert half_up(Fraction(-29, 4)) == -7.3
    assert half_up(Fraction(5, 2), 0) == 3.0
    assert half_up(Fraction(724, 100)) == 7.2
    assert half_up(None) is None
