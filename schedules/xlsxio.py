"""The plan as an Excel workbook: the CSV's columns, typed, and read back all or nothing.

``start`` is an Excel date-time on the configured zone's wall clock and
``duration_min`` a number; everything else (ids above all) is text. Import reads
the first sheet through the same checks as a CSV import, so a workbook saved by
Excel in any locale imports as the CSV would; errors name the sheet row.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from schedules.csvio import COLUMNS, check_header, import_records, row_cells
from schedules.ids import IdFactory
from schedules.localtime import LOCAL_FORMAT
from streamer.models import Broadcast, Programme
from streamer.sheets import read_xlsx, write_xlsx

KINDS = tuple({"start": "time", "duration_min": "int"}.get(column, "str") for column in COLUMNS)
SHEET = "plan"
XLSX_MAGIC = b"PK\x03\x04"  # an .xlsx file is a zip archive


def export_xlsx(broadcasts: Iterable[Broadcast], tz: ZoneInfo) -> bytes:
    """``broadcasts`` as a one-sheet workbook, by start time."""
    items = sorted(broadcasts, key=lambda item: (item.start, item.id))
    return write_xlsx(SHEET, COLUMNS, KINDS, (_cells(item) for item in items), tz)


def _cells(broadcast: Broadcast) -> list[object]:
    return [
        broadcast.id,
        broadcast.programme,
        broadcast.title,
        broadcast.start,
        broadcast.duration_min,
        " ".join(str(target) for target in broadcast.targets),
        broadcast.topic,
        "; ".join(broadcast.speakers),
        broadcast.district,
        broadcast.status.value,
        broadcast.series_id or "",
    ]


def import_xlsx(
    data: bytes,
    name: str,
    current: Mapping[str, Broadcast],
    programmes: Mapping[str, Programme],
    tz: ZoneInfo,
    new_id: IdFactory,
    *,
    allow_overlap: bool = False,
) -> list[Broadcast]:
    """The broadcasts the workbook ``data`` (file ``name``) adds or changes; see
    ``csvio.import_csv``."""
    records = _records(read_xlsx(data, name))
    return import_records(
        records, current, programmes, tz, new_id, allow_overlap=allow_overlap, unit="row"
    )


def _records(rows: list[list[object]]) -> Iterator[tuple[int, dict[str, str]]]:
    """Each non-blank row after the header as ``(sheet row number, {column: text})``."""
    header = check_header([cell_text(cell) for cell in rows[0]] if rows else None)
    for number, row in enumerate(rows[1:], start=2):
        cells = [cell_text(cell) for cell in row]
        if any(cell.strip() for cell in cells):
            yield number, row_cells(cells, header, number)


def cell_text(value: object) -> str:
    """A cell as the CSV would hold it: a date-time as ``YYYY-MM-DD HH:MM``, a whole
    number without ``.0``, an empty cell as ``""``."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        # Excel keeps days as a binary fraction: 11:00 may read back a hair early.
        value = (value + timedelta(microseconds=500_000)).replace(microsecond=0)
        # Seconds are kept, so that the start check refuses them rather than rounding.
        return value.strftime(LOCAL_FORMAT + (":%S" if value.second else ""))
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
