"""The plan as CSV: export for sharing and editing, import all or nothing.

The columns are a documented interface (stable snake_case names)::

    id, programme, title, start, duration_min, targets, topic, speakers,
    district, status, series_id

``start`` is local ``YYYY-MM-DD HH:MM`` in the configured zone; ``targets`` are
``PLATFORM:CHANNEL[:VIDEO_ID]`` separated by spaces (empty: all the programme's
channels); ``speakers`` are separated by ``;``. On import only ``programme``,
``title``, ``start`` and ``duration_min`` are required columns; a row with an
empty ``id`` adds a broadcast, a row with an id updates that broadcast.

Streams are text: open files with ``encoding="utf-8", newline=""`` (the csv
module's rule, so that line breaks inside quoted titles survive). The export
starts with a UTF-8 byte-order mark, so that Excel shows Kazakh and Russian
titles correctly. Import takes what Excel saves back: with or without the BOM,
cells separated by ``,`` or (Excel in ru and kk locales) ``;``, and starts as
``YYYY-MM-DD HH:MM`` or ``dd.mm.yyyy HH:MM``. ``schedules.xlsxio`` reads and
writes the same columns as an .xlsx workbook.

A cell a spreadsheet would run as a formula (a title starting with ``=``, ``+``,
``-``, ``@``, tab or CR) is written with a leading apostrophe, and import takes
exactly that apostrophe off again (``streamer.safe_text.formula_safe`` has the
rule: ``'=x`` is written ``''=x``; ``'tis`` is written as it is). So a producer
who wants a title starting with ``'=`` writes ``''=`` in a CSV they make by hand.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace
from datetime import datetime
from typing import TextIO
from zoneinfo import ZoneInfo

from schedules.conflicts import ConflictError, check_conflicts
from schedules.fields import (
    check_duration,
    check_title,
    clean_speakers,
    programme_of,
    resolve_targets,
)
from schedules.ids import IdAllocator, IdFactory
from schedules.localtime import format_local, parse_local_start
from schedules.plans import revised
from streamer.errors import UserError
from streamer.models import Broadcast, BroadcastStatus, Programme
from streamer.safe_text import formula_safe, formula_text

COLUMNS: tuple[str, ...] = (
    "id",
    "programme",
    "title",
    "start",
    "duration_min",
    "targets",
    "topic",
    "speakers",
    "district",
    "status",
    "series_id",
)
REQUIRED_COLUMNS = frozenset({"programme", "title", "start", "duration_min"})
# Producers may plan or cancel; live, held and missed are set by the collector.
EDITABLE_STATUSES = frozenset({BroadcastStatus.PLANNED, BroadcastStatus.CANCELLED})
_BOM = "\ufeff"


# What Excel in a ru or kk locale saves a date-time cell as: 30.11.2026 11:00.
_DOTTED = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})[ T]+(\d{1,2}):(\d{2})(?::00)?")
_ISO_SECONDS = re.compile(r"(\d{4}-\d{2}-\d{2}[ T]\d{1,2}:\d{2}):00")


def export_csv(broadcasts: Iterable[Broadcast], tz: ZoneInfo, fp: TextIO) -> None:
    """Write ``broadcasts`` as CSV (BOM, header row, by start time) to ``fp``."""
    fp.write(_BOM)
    writer = csv.writer(fp)
    writer.writerow(COLUMNS)
    for broadcast in sorted(broadcasts, key=lambda item: (item.start, item.id)):
        writer.writerow([formula_safe(cell) for cell in _cells(broadcast, tz)])


def _cells(broadcast: Broadcast, tz: ZoneInfo) -> list[str]:
    return [
        broadcast.id,
        broadcast.programme,
        broadcast.title,
        format_local(broadcast.start, tz),
        str(broadcast.duration_min),
        " ".join(str(target) for target in broadcast.targets),
        broadcast.topic,
        "; ".join(broadcast.speakers),
        broadcast.district,
        broadcast.status.value,
        broadcast.series_id or "",
    ]


def import_csv(
    fp: TextIO,
    current: Mapping[str, Broadcast],
    programmes: Mapping[str, Programme],
    tz: ZoneInfo,
    new_id: IdFactory,
    *,
    allow_overlap: bool = False,
) -> list[Broadcast]:
    """The broadcasts the CSV in ``fp`` adds or changes, in file order.

    All or nothing: the first bad row raises ``UserError("line N: <reason>")``, with
    N the line the row starts on. Rows identical to the plan are left out, so
    re-importing an export returns nothing. Double bookings are refused as in
    ``conflicts`` unless ``allow_overlap``.
    """
    return import_records(
        _records(fp), current, programmes, tz, new_id, allow_overlap=allow_overlap
    )


def import_records(
    records: Iterable[tuple[int, dict[str, str]]],
    current: Mapping[str, Broadcast],
    programmes: Mapping[str, Programme],
    tz: ZoneInfo,
    new_id: IdFactory,
    *,
    allow_overlap: bool = False,
    unit: str = "line",
) -> list[Broadcast]:
    """What ``import_csv`` does, for rows already split into cells by column name.

    ``records`` are ``(line or row number, {column: cell text})``; errors name that
    number after ``unit`` ("line 3", "row 3").
    """
    ids = IdAllocator(new_id, current)
    changed: list[Broadcast] = []
    line_of: dict[str, int] = {}
    for line, row in records:
        try:
            broadcast = _broadcast(row, current, programmes, tz, ids)
        except UserError as exc:
            raise UserError(f"{unit} {line}: {exc}") from None
        if broadcast.id in line_of:
            raise UserError(
                f"{unit} {line}: id {broadcast.id!r} is also on {unit} {line_of[broadcast.id]}"
            )
        line_of[broadcast.id] = line
        if current.get(broadcast.id) != broadcast:
            changed.append(broadcast)
    if not allow_overlap:
        try:
            check_conflicts(changed, current, tz)
        except ConflictError as exc:
            raise UserError(f"{unit} {line_of[exc.conflict.broadcast.id]}: {exc}") from None
    return changed


def _records(fp: TextIO) -> Iterator[tuple[int, dict[str, str]]]:
    """Each non-blank data row as ``(line it starts on, {column: cell})``."""
    text = fp.read()
    # strict: a stray or unclosed quote is an error, not a silently merged row.
    reader = csv.reader(io.StringIO(text, newline=""), strict=True, delimiter=_delimiter(text))
    header = check_header(_next(reader, 1))
    line = reader.line_num + 1
    while (cells := _next(reader, line)) is not None:
        # A quoted cell can span lines, so a row starts where the last one ended.
        start_line, line = line, reader.line_num + 1
        if not any(cell.strip() for cell in cells):
            continue  # blank lines and the empty rows spreadsheets leave behind
        yield start_line, row_cells([formula_text(cell) for cell in cells], header, start_line)


def _delimiter(text: str) -> str:
    """``;`` when the header row is split by semicolons (Excel in ru and kk), else ``,``.

    The header holds only known column names, which contain neither, so counting
    on its line is reliable where guessing over titles full of both would not be.
    """
    first = text.split("\n", 1)[0]
    return ";" if first.count(";") > first.count(",") else ","


def row_cells(cells: list[str], header: list[str], line: int) -> dict[str, str]:
    """Cells by column name; blank cells past the header (spreadsheets add them) are dropped."""
    extra = cells[len(header) :]
    if len(cells) < len(header) or any(cell.strip() for cell in extra):
        raise UserError(f"line {line}: {len(cells)} fields, expected {len(header)}")
    return dict(zip(header, cells[: len(header)], strict=True))


def _next(reader: Iterator[list[str]], line: int) -> list[str] | None:
    """The next row, or ``None`` at the end; malformed CSV becomes a ``UserError``."""
    try:
        return next(reader, None)
    except csv.Error as exc:
        raise UserError(f"line {line}: not valid CSV ({exc})") from None


def check_header(cells: list[str] | None) -> list[str]:
    """The column names, checked: known, not repeated, the required ones present."""
    expected = ",".join(COLUMNS)
    if cells is None:
        raise UserError(f"line 1: the file is empty; expected the header {expected}")
    names = [cell.strip().lower() for cell in cells]
    if names:
        names[0] = names[0].lstrip(_BOM)  # a file saved twice may carry two
    unknown = [name for name in names if name not in COLUMNS]
    repeated = sorted({name for name in names if names.count(name) > 1})
    missing = sorted(REQUIRED_COLUMNS.difference(names))
    for problem, items in (("unknown", unknown), ("repeated", repeated), ("missing", missing)):
        if items:
            raise UserError(
                f"line 1: {problem} column(s) {', '.join(items)}; expected the header {expected}"
            )
    return names


def _broadcast(
    row: Mapping[str, str],
    current: Mapping[str, Broadcast],
    programmes: Mapping[str, Programme],
    tz: ZoneInfo,
    ids: IdAllocator,
) -> Broadcast:
    """The broadcast one row describes; raises ``UserError`` for a bad cell."""
    existing = _existing(row.get("id", ""), current)
    programme = programme_of(programmes, row["programme"])
    broadcast = Broadcast(
        id=existing.id if existing else "",
        programme=programme.slug,
        title=check_title(row["title"]),
        start=_start(row["start"], existing, tz),
        duration_min=check_duration(row["duration_min"]),
        targets=resolve_targets(row.get("targets", "").split(), programme),
        topic=row.get("topic", "").strip(),
        speakers=clean_speakers(row.get("speakers", "").split(";")),
        district=row.get("district", "").strip(),
        status=_status(row.get("status", ""), existing),
        series_id=row.get("series_id", "").strip() or None,
    )
    # A new row draws its id only once every cell is known to be good.
    return revised(existing, broadcast) if existing else replace(broadcast, id=ids())


def _existing(cell: str, current: Mapping[str, Broadcast]) -> Broadcast | None:
    """The planned broadcast a row's id names; ``None`` for an empty id (a new one)."""
    broadcast_id = cell.strip()
    if not broadcast_id:
        return None
    if broadcast_id not in current:
        raise UserError(
            f"id {broadcast_id!r} is not in the plan; leave id empty to add a new broadcast"
        )
    return current[broadcast_id]


def _start(cell: str, existing: Broadcast | None, tz: ZoneInfo) -> datetime:
    """The row's start in UTC; an unchanged local time keeps the stored instant.

    In the hour a DST zone repeats, "01:30" names two instants and reads back as
    the first; keeping the stored one makes export → import change nothing.
    """
    text = local_text(cell)
    if existing is not None and text == format_local(existing.start, tz):
        return existing.start
    return parse_local_start(text, tz)


def local_text(cell: str) -> str:
    """A start cell as ``YYYY-MM-DD HH:MM``: ``dd.mm.yyyy HH:MM`` and ``:00`` seconds,
    as spreadsheets save them, are read too (anything else is left for the parser)."""
    text = cell.strip()
    dotted = _DOTTED.fullmatch(text)
    if dotted:
        day, month, year, hour, minute = dotted.groups()
        return f"{year}-{int(month):02d}-{int(day):02d} {int(hour):02d}:{minute}"
    seconds = _ISO_SECONDS.fullmatch(text)
    return seconds.group(1) if seconds else text


def _status(cell: str, existing: Broadcast | None) -> BroadcastStatus:
    """The row's status: empty keeps the current one; producers may plan or cancel."""
    text = cell.strip().lower()
    if not text:
        return existing.status if existing else BroadcastStatus.PLANNED
    try:
        status = BroadcastStatus(text)
    except ValueError:
        raise UserError(f"status {cell!r} is unknown; use planned or cancelled") from None
    if existing is not None and status is existing.status:
        return status
    if status not in EDITABLE_STATUSES:
        raise UserError(f"status {text!r} is set by the collector; use planned or cancelled")
    if existing is not None and existing.status not in EDITABLE_STATUSES:
        raise UserError(
            f"broadcast {existing.id} is {existing.status.value}; its status cannot be changed"
        )
    return status
