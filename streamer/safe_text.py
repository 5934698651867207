"""Outside text made safe for where it is shown: terminals and logs, spreadsheets.

Stream titles and descriptions come from the platforms (an unplanned stream
carries whatever title its channel gave it) and plan files from producers, so
they may hold anything. Two dangers are handled here, each by one function:

``printable`` — for terminals and log lines. Control characters (C0 including
tab, CR, LF and ESC; DEL; C1), the Unicode line and paragraph separators and the
bidi embedding, override and isolate characters become visible escapes
(``\\n``, ``\\x1b``, ``\\u202e``), so a title can neither start a forged log line,
send an escape sequence that repaints the operator's terminal, nor reverse the
text around it. NUL reads ``\\x00``. A backslash is left alone: the output is for
people, not meant to be parsed back.

``message_text`` — for the messages people read (Telegram, mail, webhook). A title
is one line there: line breaks and tabs become a space (a title cannot add a line
that looks like streamer's own), other controls (NUL, ESC, DEL, C1) are dropped and
so are the bidi embeddings, overrides and isolates, so a message shows the title's
characters in the order they really have. The channel then escapes for its form.

``formula_safe`` / ``formula_text`` — for CSV cells. A spreadsheet runs a cell
that starts with ``=``, ``+``, ``-`` or ``@`` (and, after trimming, one that
starts with a tab or carriage return) as a formula: ``=HYPERLINK(...)`` or a DDE
``=cmd|...``. OWASP's remedy is a leading apostrophe, which Excel and
LibreOffice show as text. The rule is reversible, so ``plan import`` undoes
exactly what ``plan export`` did:

* export: a cell that starts with zero or more apostrophes and then one of the
  trigger characters gets one more apostrophe in front (``=1+1`` → ``'=1+1``,
  ``'=x`` → ``''=x``); every other cell is written as it is (``'tis`` stays);
* import: a cell that starts with one or more apostrophes and then a trigger
  character loses one apostrophe; every other cell is read as it is.

An .xlsx file needs none of this: its text cells are typed as text (shared
strings), which neither Excel nor LibreOffice evaluates.
"""

from __future__ import annotations

import logging
import re

# C0 controls (tab, LF, CR, ESC and NUL among them), DEL, C1 controls (CSI U+009B
# is a one-character ESC [), line/paragraph separators, bidi embeddings,
# overrides (U+202E) and isolates, and the bidi marks.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}

# What OWASP's CSV-injection guidance lists: = + - @, tab (0x09), carriage return (0x0D).
FORMULA_TRIGGERS = "=+-@\t\r"
_NEEDS_QUOTE = re.compile(f"'*[{re.escape(FORMULA_TRIGGERS)}]")
_QUOTED = re.compile(f"'+[{re.escape(FORMULA_TRIGGERS)}]")


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def printable(text: str) -> str:
    """``text`` with every control, line-breaking and bidi character as a visible escape."""
    return _UNPRINTABLE.sub(_escape, text)


class LogFormatter(logging.Formatter):
    """Log records as one line each, whatever their arguments hold.

    The message (titles, platform error texts) goes through ``printable``; a
    traceback keeps its lines but each is escaped and indented, so only a record's
    first line ever starts at the left margin.
    """

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = printable(record.message)
        return super().formatMessage(record)

    def formatException(self, ei: logging._SysExcInfoType) -> str:
        lines = super().formatException(ei).splitlines()
        return "\n".join("  " + printable(line) for line in lines)

    def formatStack(self, stack_info: str) -> str:
        return "\n".join("  " + printable(line) for line in stack_info.splitlines())


_BREAKS = re.compile("[\t\n\x0b\x0c\r\x85\u2028\u2029]")
_DROPPED = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def message_text(text: str) -> str:
    """``text`` as one line of a message: breaks as spaces, controls and bidi overrides gone."""
    return _DROPPED.sub("", _BREAKS.sub(" ", text))


TEXT_MAX = 200  # characters of outside text a table cell shows (a 10 kB title is cut)


def shown(text: str, limit: int = TEXT_MAX) -> str:
    """Outside text as a table cell shows it: ``printable``, cut to ``limit`` with "…"."""
    safe = printable(text)
    return safe if len(safe) <= limit else safe[: limit - 1] + "…"


def formula_safe(cell: str) -> str:
    """A CSV cell a spreadsheet shows as text: an apostrophe in front of a would-be formula."""
    return "'" + cell if _NEEDS_QUOTE.match(cell) else cell


def formula_text(cell: str) -> str:
    """The text ``formula_safe`` was given: undoes exactly what it did."""
    return cell[1:] if _QUOTED.match(cell) else cell
