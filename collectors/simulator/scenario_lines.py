"""Where in a scenario file a problem is: the line of a stream, or of one of its keys.

``json`` gives positions only for syntax errors; a scenario that parses but is
wrong (a negative audience, an unknown key in the fifth stream) should name its
line too, so the file's ``streams`` array is walked with ``raw_decode`` to find
where each element starts and ends.
"""

from __future__ import annotations

import json
import re

_DECODER = json.JSONDecoder()
_SPACE = re.compile(r"\s*")


def _skip(text: str, pos: int, char: str | None = None) -> int:
    pos = _SPACE.match(text, pos).end()  # type: ignore[union-attr]  # \s* always matches
    if char is not None and text.startswith(char, pos):
        pos = _SPACE.match(text, pos + 1).end()  # type: ignore[union-attr]
    return pos


def stream_spans(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` offsets of each element of the top-level ``streams`` array
    (empty when the text has none, or is not the object a scenario is)."""
    try:
        pos = _skip(text, 0)
        if not text.startswith("{", pos):
            return []
        pos = _skip(text, pos, "{")
        while text.startswith('"', pos):
            key, pos = _DECODER.raw_decode(text, pos)
            pos = _skip(text, _skip(text, pos), ":")
            if key == "streams" and text.startswith("[", pos):
                return _elements(text, pos)
            _, pos = _DECODER.raw_decode(text, pos)
            pos = _skip(text, pos, ",")
    except (ValueError, AttributeError):
        pass
    return []


def _elements(text: str, pos: int) -> list[tuple[int, int]]:
    spans = []
    pos = _skip(text, pos, "[")
    while pos < len(text) and not text.startswith("]", pos):
        _, end = _DECODER.raw_decode(text, pos)
        spans.append((pos, end))
        pos = _skip(text, end, ",")
    return spans


def line_of(text: str, index: int, key: str | None = None) -> int | None:
    """The 1-based line of stream ``index``'s ``key`` (else of the stream itself)."""
    spans = stream_spans(text)
    if not 0 <= index < len(spans):
        return None
    start, end = spans[index]
    if key is not None:
        found = text.find(json.dumps(key), start, end)
        if found >= 0:
            start = found
    return text.count("\n", 0, start) + 1
