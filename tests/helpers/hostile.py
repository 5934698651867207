"""Hostile titles: outside text every output (report, mail, message, log) must show as text.

Use ``HOSTILE_TITLES`` (name → title) to parametrize a test of any output channel,
and the ``*_TRACES`` checks to assert that an output did not act on one:

    @pytest.mark.parametrize("name", sorted(HOSTILE_TITLES))
    def test_channel_shows_hostile_titles_as_text(name): ...

Stream titles come from the platforms (an unplanned stream carries whatever title
its channel gave it) and plan files from producers, so each entry here is a title
someone could really put on a stream.
"""

from __future__ import annotations

import re

FORGED_LOG_LINE = "2026-12-06 10:00:00,000 ERROR streamer: forged"
LONG_TITLE = "Долгий заголовок " * 600  # about 10 kB

HOSTILE_TITLES: dict[str, str] = {
    # HTML: a script, an event handler, an attribute break-out, a comment opener.
    "html-script": "<script>alert(1)</script>",
    "html-img": "<img src=x onerror=alert(1)>",
    "html-attribute": '" onmouseover="alert(1)" data-x=\'',
    "html-comment": "<!-- open comment & entity &amp; --!>",
    # Markdown and Telegram MarkdownV2/HTML parse modes.
    "markdown": "*_[`](` **bold** [link](https://example.invalid) ~strike~ ||spoiler|| \\",
    "markdown-link": "[click](javascript:alert(1))",
    # Chart text: matplotlib parses "$…$" as math and fails on a bad expression.
    "chart-math": "Price $\\frac{ and $x^",
    # Spreadsheet formulas (OWASP's trigger characters).
    "formula-equals": '=HYPERLINK("https://example.invalid","click")',
    "formula-dde": "=cmd|' /C calc'!A0",
    "formula-plus": "+1+cmd|' /C calc'!A0",
    "formula-minus": "-2+3",
    "formula-at": "@SUM(1+1)",
    "formula-quoted": "'=already quoted",
    # Terminals and logs: a forged log line, escape sequences, a carriage return.
    "log-newline": f"Legal advice\n{FORGED_LOG_LINE}",
    "log-carriage-return": f"Legal advice\r{FORGED_LOG_LINE}",
    "ansi-clear": "\x1b[2J\x1b[HLegal advice",
    "ansi-title": "\x1b]0;owned\x07Legal advice",
    "c1-csi": "\x9b2JLegal advice",
    "line-separator": f"Legal advice\u2028{FORGED_LOG_LINE}",
    # Bidi overrides: reversed text hides what a name really says.
    "bidi-override": "Legal \u202eeciv da\u202c advice",
    "bidi-isolate": "\u2067Legal advice\u2069",
    # NUL and other controls.
    "nul": "Legal\x00advice",
    "controls": "Legal\x07\x08\x0b\x0c\x7fadvice",
    # Size: a 10 kB title.
    "long": LONG_TITLE,
    # Plain Kazakh text with a quote and an ampersand: must survive unchanged.
    "plain": 'Заң кеңесі «тегін» & "free"',
}

# What a terminal or log must never receive from a title.
ESCAPE_SEQUENCE = re.compile("[\x1b\x9b]")
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def forged_lines(output: str) -> list[str]:
    """The lines of ``output`` that start with the forged log line (after a table border):
    what a reader or a log parser would take for a record of its own."""
    start = re.compile(r"(?:[│┃|] ?)?" + re.escape(FORGED_LOG_LINE))
    return [line for line in output.splitlines() if start.match(line)]
