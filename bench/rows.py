"""The row every benchmark returns, and the table one suite prints when run alone
(``python -m bench.<suite>``); ``python -m bench`` collects the rows of all of them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def row(name: str, value: float, unit: str, target: str, holds: bool) -> dict[str, Any]:
    """One measurement: what, how much, in what unit, the goal, and whether it holds."""
    return {"name": name, "value": value, "unit": unit, "target": target, "holds": holds}


def show(rows: Iterable[dict[str, Any]]) -> None:
    """Print ``rows`` one a line, the names padded to the longest."""
    found = list(rows)
    width = max((len(item["name"]) for item in found), default=0)
    for item in found:
        verdict = "yes" if item["holds"] else "NO"
        print(
            f"{item['name']:<{width}} {item['value']:>10.4g} {item['unit']:<6} "
            f"{item['target']:<8} {verdict}"
        )
