"""The console report: headlines, a rich table, footnotes.

The report opens with one headline line per programme ("Antikor.Live: 64 live
broadcasts, over 85,000 views"), then the table, then a footnote for each figure
with low coverage or a platform that could not report it. ``render_text`` gives
the same as plain text, which is what scheduled ``txt`` files and ``--out`` hold.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date
from functools import partial

from rich.console import Console, RenderableType
from rich.text import Text

from reports.fmt import PERCENT_DIGITS, Style
from reports.labels import gap_reasons, group_number, headline, label, legend, short_label
from reports.layout import (
    PRIORITY,
    Cell,
    Column,
    Fitted,
    LazyCells,
    as_text,
    dropped_note,
    fit,
    made,
    print_wide,
)
from reports.longtable import table_renderable
from reports.report import (
    ADDED_COUNTS,
    CHANGES,
    COMPARISON_COLUMNS,
    Note,
    Report,
    column_kind,
    half_up,
    shows_changes,
)
from streamer import safe_text
from streamer.gcpause import gc_paused
from streamer.platforms import LABELS

MARKS = "¹²³⁴⁵⁶⁷⁸⁹"
MARK_SEPARATOR = ","  # between two marks of a cell, as in "Adal Komek¹,²"
UNKNOWN = "—"  # an unknown figure in a table cell; the caption says it means n/a
MAX_NAMED = 6  # rows named in one footnote before "… and N more"
TEXT_WIDTH = 160  # plain-text files are read in editors, not 80-column terminals
# Shown by footnotes on the console instead of columns (CSV and JSON keep them).
QUALITY_COLUMNS = ("final", "provisional_broadcasts", "gap_polls", "min_platform_coverage_pct")
# Columns the console leaves out to fit 120 characters (CSV and JSON keep them):
# a summary's changes show under their figures instead; the actual start is the
# planned start plus the delay; a broadcast's duration is in the adherence report.
# A summary shows unplanned broadcasts, not the streams they are made of.
_HIDDEN = {
    "summary": frozenset(
        {*CHANGES.values(), *COMPARISON_COLUMNS, *QUALITY_COLUMNS, "unplanned_streams"}
    ),
    "broadcasts": frozenset(
        {"district", "actual_start", "duration_min", "avg_concurrent", *QUALITY_COLUMNS}
    ),
    "adherence": frozenset({"actual_start", "platforms"}),
}
# Footnotes about their rows' data, not the column they mark: shown without a mark when
# that column is left out for the width (``standing_notes``), under this bullet.
ROW_NOTES = frozenset({"note.gaps", "note.platform_low_coverage"})
UNMARKED = "•"
# Footnote fields holding a span of days (``first/last``), written out per language.
SPAN_PARAMS = ("current", "previous")
DAY_PARAMS = ("day",)


def render_table(report: Report, console: Console, style: Style, *, wide: bool = False) -> None:
    """Print the report: headlines, the table, footnotes (and adherence counts).

    The table fits ``console.width`` (lowest-priority columns drop out, a footnote
    names them); ``wide`` shows every column however wide the table gets. Without
    cyclic garbage collection (``gc_paused``): a long table makes a few hundred
    thousand cells, and each collection they trigger walks the whole report's heap.
    """
    with gc_paused():
        _draw(report, console, style, wide)


def _draw(report: Report, console: Console, style: Style, wide: bool) -> None:
    style = report_style(report, style)
    for programme, totals in report.headlines:
        name = style.programme(programme)
        console.print(Text(headline(name, totals.live_broadcasts, totals.views, style.lang)))
    if report.headlines:
        console.print()
    table, fitted = _table(report, style, console.width, wide)
    print_wide(console, table, fitted.width, crop=False)  # fitted: lines keep to the width
    if report.counts:
        console.print(Text(_counts_line(report, style)))
    shown = shown_notes(report.notes, fitted)
    for mark, note in zip(MARKS, shown, strict=False):
        console.print(Text(f"{mark} {note_text(note, report, style)}", style="dim"))
    for note in standing_notes(report.notes, shown):  # no column to mark: no mark
        console.print(Text(f"{UNMARKED} {note_text(note, report, style)}", style="dim"))
    if fitted.dropped:
        console.print(Text(f"* {dropped_note(fitted, style.lang)}", style="dim"))


def render_text(
    report: Report, style: Style, width: int = TEXT_WIDTH, *, wide: bool = False
) -> str:
    """The console report as plain text (no colours, no terminal codes)."""
    return plain_text(lambda console: render_table(report, console, style, wide=wide), width)


def plain_text(draw: Callable[[Console], None], width: int = TEXT_WIDTH) -> str:
    """What ``draw`` prints on a console, as plain text."""
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=width,
        color_system=None,
        force_terminal=False,
        highlight=False,
        emoji=False,
    )
    draw(console)
    return buffer.getvalue()


def _table(report: Report, style: Style, width: int, wide: bool) -> tuple[RenderableType, Fitted]:
    title = label(f"title.{report.kind}", style.lang)
    if report.period is not None:
        title = f"{title} — {style.period(report.period)}"
    fitted = fit_columns(report, style, width, wide)
    parts = [legend([c.key for c in fitted.shown], style.lang)]
    if report.kind == "summary" and shows_changes(report):
        parts.append(f"+n / −n: {label('change', style.lang)}")
    parts.append(f"{UNKNOWN}: {label('n/a', style.lang)}")
    return table_renderable(fitted, title, "; ".join(p for p in parts if p)), fitted


def report_style(report: Report, style: Style) -> Style:
    """The style of the report's cells: no year in dates when the title gives it."""
    period = report.period
    if period is not None and period.start.year == period.last_day.year:
        return replace(style, with_year=False)
    return style


def fit_columns(report: Report, style: Style, width: int, wide: bool = False) -> Fitted:
    """The report's console columns (short headers, formatted cells) fitted to ``width``."""
    style = report_style(report, style)
    keys = _console_order([c for c in report.columns if c not in _HIDDEN.get(report.kind, ())])
    marks = _marks(report.notes)
    texts: dict[str, list[Cell]] = {}  # each column's cells formatted, before marks

    def cells(key: str, marked: dict[int, str]) -> list[Cell]:
        found = texts.get(key)
        if found is None:
            found = texts[key] = _texts(report, style, key)
        return _finished(report, style, key, found, marked)

    columns = [
        Column(
            key,
            short_label(key, style.lang),
            LazyCells(partial(cells, key, marks.get(key, {}))),
            numeric=column_kind(key) in ("int", "float"),
        )
        for key in keys
    ]
    fitted = fit(columns, width, PRIORITY.get(report.kind, ()), wide)
    fitted = replace(fitted, shown=[made(column) for column in fitted.shown])
    notes = shown_notes(report.notes, fitted)
    if len(notes) == len(report.notes):
        return fitted
    # Marked again without the notes of columns left out: ¹ for the first note shown.
    # No cell's marks get longer, so the widths fitted hold.
    again = _marks(notes)
    shown = [
        column
        if again.get(column.key, {}) == marks.get(column.key, {})
        else replace(column, cells=cells(column.key, again.get(column.key, {})))
        for column in fitted.shown
    ]
    return replace(fitted, shown=shown)


def _texts(report: Report, style: Style, column: str) -> list[Cell]:
    """A column's cells, by row, without marks or changes: what to do with the column is
    settled once for all of its cells (a half-year's broadcasts report has over a
    hundred thousand)."""
    values = [row[column] for row in report.rows]
    if report.kind == "summary" and column == report.subject:
        return [style.group(column, str(v)) for v in values]
    if column in PERCENT_DIGITS or column_kind(column) not in ("int", "float"):
        # Statuses, programmes, findings and days repeat: each text is made once.
        made: dict[object, str] = {}
        cells: list[Cell] = []
        for v in values:
            if v is None:
                cells.append(_unknown())
                continue
            text = made.get(v)
            if text is None:
                text = made[v] = style.cell(column, v)
            cells.append(text)
        return cells
    # Whole numbers on screen; CSV and JSON keep the decimal.
    number = style.number
    return [_unknown() if v is None else number(v) for v in values]  # type: ignore[arg-type]


def _finished(
    report: Report, style: Style, column: str, texts: list[Cell], marks: dict[int, str]
) -> list[Cell]:
    """``texts`` with their footnote marks and, in a summary, their changes under them;
    ``texts`` is left as it was (a column is marked again when notes drop out)."""
    cells = list(texts)
    for index, mark in marks.items():  # most cells have none
        cell = cells[index]
        cells[index] = cell + mark if isinstance(cell, str) else cell.copy().append(mark)
    change = CHANGES.get(column) if report.kind == "summary" else None
    if change is not None:
        for index, row in enumerate(report.rows):
            if row.get(change) is not None:
                shown = change_text(style, change, row[change])
                cell = cells[index]
                text = cell.copy() if isinstance(cell, Text) else as_text(cell)
                cells[index] = text.append("\n" + shown, style="dim")
    return cells


def _unknown() -> Text:
    """An unknown figure: "—", dim (the caption says it reads "n/a")."""
    return Text(UNKNOWN, style="dim")


def _console_order(columns: list[str]) -> list[str]:
    """The counts added to a summary after the first release shown beside the others
    (CSV and JSON keep them last, after the documented columns)."""
    added = [c for c in columns if c in ADDED_COUNTS]
    if not added or "broadcasts_cancelled" not in columns:
        return columns
    rest = [c for c in columns if c not in ADDED_COUNTS]
    at = rest.index("broadcasts_cancelled") + 1
    return [*rest[:at], *added, *rest[at:]]


def change_text(style: Style, column: str, value: object) -> str:
    """A change column's cell: signed and rounded half up; one that rounds to nothing is ±0."""
    assert isinstance(value, int | float)
    if half_up(value) == 0:
        return "±0"
    relative = column.endswith("_pct")
    return style.signed(value, percent=relative)


def shown_notes(notes: Sequence[Note], fitted: Fitted) -> list[Note]:
    """The footnotes of what the table shows: not those whose every marked column was
    left out for the width (their marks would point at nothing; the ``*`` line says
    how to see those columns, and a CSV, a wide table or the page keeps the notes)."""
    shown = {column.key for column in fitted.shown}
    dropped = {column.key for column in fitted.dropped}
    return [
        note
        for note in notes
        if not shown.isdisjoint(note.columns) or dropped.isdisjoint(note.columns)
    ]


def standing_notes(notes: Sequence[Note], shown: Sequence[Note]) -> list[Note]:
    """Those of ``notes`` left out of ``shown`` (``shown_notes``) that still say something
    of their rows (``ROW_NOTES``: missed polls, a platform's low coverage): printed
    without a mark, as they name their rows. At 80 columns a list of broadcasts drops its
    coverage column, which those footnotes mark, and the reader would not learn that
    polls were missed."""
    kept = {id(note) for note in shown}
    return [note for note in notes if note.key in ROW_NOTES and id(note) not in kept]


def _marks(notes: Sequence[Note]) -> dict[str, dict[int, str]]:
    """Footnote marks by column and row: ¹ for the first note, ² for the second...; a
    cell with two reads ``¹,²`` (side by side, ``¹²`` would read as twelve)."""
    marks: dict[str, dict[int, str]] = {}
    for mark, note in zip(MARKS, notes, strict=False):
        for column in note.columns:
            by_row = marks.setdefault(column, {})
            for row in note.rows:
                by_row[row] = f"{by_row[row]}{MARK_SEPARATOR}{mark}" if row in by_row else mark
    return marks


def note_text(note: Note, report: Report, style: Style) -> str:
    """A footnote in the report's language: platform, figure and day fields written
    out, the rows it marks named (console, text files and the HTML page alike)."""
    params = dict(note.params)
    if "platform" in params:
        params["platform"] = LABELS.get(params["platform"], params["platform"])
    if "figure" in params:
        params["figure"] = label(params["figure"], style.lang)
    if "reasons" in params:
        params["reasons"] = gap_reasons(params["reasons"], style.lang)
    for name in DAY_PARAMS:
        if name in params:
            params[name] = style.day(date.fromisoformat(params[name]))
    for name in SPAN_PARAMS:
        if name in params:
            params[name] = _span_text(params[name], style)
    params["items"] = _named_rows(note, report, style)
    return label(note.key, style.lang).format(**params)


def _span_text(span: str, style: Style) -> str:
    """``2026-12-01/2026-12-06`` (ISO, both days included) as the language writes it."""
    first, last = (date.fromisoformat(part) for part in span.split("/"))
    return style.span(first, last)


def _named_rows(note: Note, report: Report, style: Style) -> str:
    first = report.columns[0]
    names = [
        style.group(first, str(report.rows[i][first]))
        if report.kind == "summary"
        else safe_text.shown(str(report.rows[i][first]))
        for i in note.rows
    ]
    shown = ", ".join(names[:MAX_NAMED])
    if len(names) <= MAX_NAMED:
        return shown
    more = group_number(len(names) - MAX_NAMED, style.lang)
    return f"{shown} {label('more', style.lang).format(count=more)}"


# The adherence findings in the order their counts are shown (console and HTML).
COUNT_ORDER = (
    "on_time",
    "late_start",
    "early_start",
    "no_show",
    "overrun",
    "cancelled",
    "unplanned",
    "second_stream",
    "pending",
)


def _counts_line(report: Report, style: Style) -> str:
    parts = [
        f"{label(f'finding.{key}', style.lang)}: {style.number(report.counts[key])}"
        for key in COUNT_ORDER
        if report.counts.get(key)
    ]
    return " · ".join(parts)
