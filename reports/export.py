"""CSV, JSON and Excel output of report rows: the machine-readable, documented interface.

CSV is UTF-8 with a byte-order mark, so that Excel on Windows shows Kazakh and
Russian text correctly; headers are the stable snake_case column keys whatever
the report language; times are ISO 8601 with the configured zone's offset; an
unknown figure is an empty cell, never 0; numbers use a dot and no grouping;
yes/no cells read ``true``/``false``. A text cell a spreadsheet would run as a
formula (a stream title starting with ``=``, ``+``, ``-``, ``@``, tab or CR) starts
with an apostrophe (``streamer.safe_text.formula_safe``); ``read_csv`` takes it off.
``read_csv`` reads such a file back into typed rows (the round trip is tested).
An Excel workbook has the same columns, typed by ``column_kind`` (see
``streamer.sheets``), so a column a report gains flows into every format.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, TextIO
from zoneinfo import ZoneInfo

import orjson

from reports.fmt import Style
from reports.labels import headline
from reports.report import Cell, Report, Row, column_kind
from streamer.safe_text import formula_safe, formula_text
from streamer.sheets import SHEET_NAME_MAX, write_xlsx

BOM = "\ufeff"


def write_csv(rows: Iterable[Row], fp: TextIO, columns: Sequence[str]) -> None:
    """Write ``rows`` under ``columns`` to ``fp`` (opened with ``newline=""``)."""
    fp.write(BOM)
    writer = csv.writer(fp, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(column, row.get(column)) for column in columns])


def read_csv(fp: TextIO) -> tuple[list[str], list[Row]]:
    """Read what ``write_csv`` wrote: the columns and the typed rows."""
    reader = csv.reader(fp)
    header = next(reader, [])
    columns = [header[0].removeprefix(BOM), *header[1:]] if header else []
    rows = [
        {column: _value(column, text) for column, text in zip(columns, record, strict=True)}
        for record in reader
    ]
    return columns, rows


def report_xlsx(report: Report, tz: ZoneInfo) -> bytes:
    """The report as an .xlsx workbook: one sheet named after its kind (and period,
    when the name fits Excel's 31 characters)."""
    title = report.kind
    if report.period is not None and len(f"{title} {report.period.label}") <= SHEET_NAME_MAX:
        title = f"{title} {report.period.label}"
    return write_xlsx(
        title,
        report.columns,
        [column_kind(column) for column in report.columns],
        ([row.get(column) for column in report.columns] for row in report.rows),
        tz,
    )


def report_json(report: Report, style: Style | None = None) -> bytes:
    """The report as JSON: kind, period, columns and rows (times in ISO 8601); a
    period's report adds its missed polls, ``gaps``: platform → reason → polls, and
    the headline per programme (its ``text`` in ``style``'s language, else English)."""
    period = report.period
    document: dict[str, Any] = {
        "report": report.kind,
        "period": None
        if period is None
        else {"label": period.label, "from": period.start, "to": period.last_day},
        "columns": list(report.columns),
        "rows": [{column: row.get(column) for column in report.columns} for row in report.rows],
    }
    if report.kind == "summary":
        document["group_by"] = report.subject
    if period is not None:
        document["gaps"] = report.gaps
    if report.headlines:
        document["headline"] = headline_items(report, style or Style("en", ZoneInfo("UTC")))
    return orjson.dumps(document, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE)


def headline_items(report: Report, style: Style) -> list[dict[str, Any]]:
    """One item per programme: its live broadcasts, views and the headline line."""
    return [
        {
            "programme": slug,
            "live_broadcasts": totals.live_broadcasts,
            "views": totals.views,
            "text": headline(
                style.programme(slug), totals.live_broadcasts, totals.views, style.lang
            ),
        }
        for slug, totals in report.headlines
    ]


def _cell(column: str, value: Cell) -> str:
    """A CSV cell: text a spreadsheet could take for a formula gets its apostrophe."""
    text = _text(value)
    return formula_safe(text) if column_kind(column) == "str" else text


def _text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    return str(value)


def _value(column: str, text: str) -> Cell:
    kind = column_kind(column)
    if kind == "str":
        return formula_text(text)
    if text == "":
        return None
    if kind == "time":
        return datetime.fromisoformat(text)
    if kind == "bool":
        return text == "true"
    return int(text) if kind == "int" else float(text)
