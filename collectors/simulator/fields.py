"""Google's ``fields`` partial-response filter.

Grammar: a comma list of selections; ``a/b`` selects ``b`` inside ``a``;
``a(b,c)`` selects ``b`` and ``c`` inside ``a``; ``*`` selects every key. A
selection applies to each element of a list. Names that are not in the response
are simply left out (the real API may reject unknown names; the simulator is
lenient so that an adapter's field list never breaks a test for the wrong reason).
"""

from __future__ import annotations

import re
from typing import Any

Selection = dict[str, "Selection | None"]
"""Selected keys; ``None`` keeps the whole value."""

_TOKEN = re.compile(r"\s*([A-Za-z0-9_*]+|[,()/])")


def parse_fields(text: str) -> Selection:
    """Parse a ``fields`` value; ``ValueError`` if it is not well formed."""
    tokens = _tokenize(text)
    selection, position = _parse_list(tokens, 0)
    if position != len(tokens):
        raise ValueError(f"unexpected {tokens[position]!r} in fields")
    return selection


def apply_fields(value: Any, selection: Selection | None) -> Any:
    """``value`` cut down to ``selection``."""
    if selection is None:
        return value
    if isinstance(value, list):
        return [apply_fields(item, selection) for item in value]
    if not isinstance(value, dict):
        return value
    kept: dict[str, Any] = {}
    for key, item in value.items():
        if key in selection:
            kept[key] = apply_fields(item, selection[key])
        elif "*" in selection:
            kept[key] = apply_fields(item, selection["*"])
    return kept


def _tokenize(text: str) -> list[str]:
    tokens: list[str] = []
    position = 0
    text = text.rstrip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            raise ValueError(f"invalid character at {position} in fields")
        tokens.append(match.group(1))
        position = match.end()
    return tokens


def _parse_list(tokens: list[str], position: int) -> tuple[Selection, int]:
    selection: Selection = {}
    while True:
        item, position = _parse_item(tokens, position)
        _merge(selection, item)
        if position < len(tokens) and tokens[position] == ",":
            position += 1
            continue
        return selection, position


def _parse_item(tokens: list[str], position: int) -> tuple[Selection, int]:
    """``name``, ``name/item`` or ``name(list)``."""
    name = tokens[position] if position < len(tokens) else ""
    if not _is_name(name):
        raise ValueError(f"expected a field name in fields, got {name!r}")
    position += 1
    following = tokens[position] if position < len(tokens) else ""
    if following == "/":
        inner, position = _parse_item(tokens, position + 1)
        return {name: inner}, position
    if following == "(":
        inner, position = _parse_list(tokens, position + 1)
        if position >= len(tokens) or tokens[position] != ")":
            raise ValueError("unclosed '(' in fields")
        return {name: inner}, position + 1
    return {name: None}, position


def _merge(into: Selection, item: Selection) -> None:
    for key, inner in item.items():
        if key not in into:
            into[key] = inner
            continue
        current = into[key]
        if current is None or inner is None:
            into[key] = None  # a whole-value selection covers any narrower one
        else:
            _merge(current, inner)


def _is_name(token: str) -> bool:
    return bool(token) and token not in ",()/"
