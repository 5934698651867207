"""Excel workbooks (.xlsx), written and read with openpyxl: one sheet of typed columns.

Reports and the plan both go through here, so every workbook reads the same in
Excel: numbers are numbers, times are Excel date-times on the configured zone's
wall clock (Excel has no zones, so the cells hold naive local times under a
``yyyy-mm-dd hh:mm`` format), text (ids above all: ``00001234`` must not become
1234) is text, the header row is bold and frozen, columns are sized to their
contents and filterable.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from streamer.errors import UserError
from streamer.safe_text import formula_safe

TIME_FORMAT = "yyyy-mm-dd hh:mm"
NUMBER_FORMATS = {
    "time": TIME_FORMAT, "int": "0", "float": "0.0", "bool": "General", "str": "@"
}  # fmt: skip
# Excel's own limits: a sheet name of 31 characters without []:*?/\ in it.
SHEET_NAME_MAX = 31
_WIDTH_MIN, _WIDTH_MAX = 6, 60


def write_xlsx(
    title: str,
    columns: Sequence[str],
    kinds: Sequence[str],
    rows: Iterable[Sequence[object]],
    tz: ZoneInfo,
) -> bytes:
    """One sheet called ``title``: a header of ``columns``, then ``rows`` typed by ``kinds``.

    ``kinds`` gives each column's type: ``time`` (aware datetimes, shown in ``tz``),
    ``int``, ``float``, ``bool`` (Excel's TRUE/FALSE) or ``str``. ``None`` is an empty
    cell, never 0.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = _sheet_name(title)
    sheet.append(list(columns))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    widths = [len(column) for column in columns]
    for row_index, values in enumerate(rows, start=2):
        for col_index, (kind, value) in enumerate(zip(kinds, values, strict=True), start=1):
            cell = sheet.cell(row=row_index, column=col_index, value=_value(kind, value, tz))
            if kind == "str" and cell.value is not None:
                cell.data_type = "s"  # a title starting with "=" is text, not a formula
                # ... and stays text when someone edits the cell (Excel's leading ').
                cell.quotePrefix = formula_safe(str(cell.value)) != cell.value
            cell.number_format = NUMBER_FORMATS[kind]
            widths[col_index - 1] = max(widths[col_index - 1], _width(kind, value))
    for col_index, width in enumerate(widths, start=1):
        letter = sheet.cell(row=1, column=col_index).column_letter
        sheet.column_dimensions[letter].width = min(max(width, _WIDTH_MIN), _WIDTH_MAX) + 2
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def read_xlsx(data: bytes, name: str) -> list[list[object]]:
    """The cell values of the first sheet of a workbook, row by row (formulas' results)."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise UserError(f"{name}: not an Excel .xlsx workbook ({exc})") from None
    try:
        return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    finally:
        book.close()


def _value(kind: str, value: object, tz: ZoneInfo) -> object:
    if value is None:
        return None
    if kind == "time" and isinstance(value, datetime):
        return value.astimezone(tz).replace(tzinfo=None) if value.tzinfo else value
    if kind == "str":
        return _clean(str(value)) or None  # an empty text is an empty cell
    return value


def _clean(text: str) -> str:
    """``text`` without the control characters an .xlsx file cannot hold."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return str(ILLEGAL_CHARACTERS_RE.sub("", text))


def _width(kind: str, value: object) -> int:
    """About how many characters wide a cell shows (the longest line of a text)."""
    if value is None:
        return 0
    if kind == "time" or isinstance(value, date):
        return len(TIME_FORMAT)
    return max(len(line) for line in str(value).splitlines() or [""])


def _sheet_name(title: str) -> str:
    cleaned = "".join(" " if ch in "[]:*?/\\" else ch for ch in title).strip()
    return cleaned[:SHEET_NAME_MAX] or "Sheet1"
