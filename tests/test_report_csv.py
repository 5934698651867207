"""CSV and JSON output: the documented columns, BOM, ISO times, empty unknowns, round trip."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from reports.export import read_csv, report_json, write_csv
from reports.fmt import Style
from reports.output import render_bytes
from reports.periods import days_period
from reports.report import (
    ADHERENCE_COLUMNS,
    BROADCAST_COLUMNS,
    Cell,
    Report,
    Row,
    column_kind,
    summary_columns,
)

ALMATY = timezone(timedelta(hours=5))
# Copied from the text on purpose: a change to the interface must fail here.
SUMMARY_DOCUMENTED = [
    "programme", "broadcasts_planned", "broadcasts_held", "broadcasts_missed",
    "broadcasts_cancelled", "unplanned_streams", "views", "peak_concurrent", "avg_concurrent",
    "viewer_minutes", "avg_start_delay_min", "coverage_pct",
]  # fmt: skip
BROADCASTS_DOCUMENTED = [
    "broadcast_id", "programme", "title", "district", "planned_start", "actual_start",
    "start_delay_min", "duration_min", "status", "platforms", "views", "peak_concurrent",
    "avg_concurrent", "viewer_minutes", "coverage_pct",
]  # fmt: skip


def broadcast_row(**changes: object) -> Row:
    row: Row = {
        "broadcast_id": "AK-2026-11-10-1500",
        "programme": "adal-komek",
        "title": 'Заң кеңесі, «тегін» — "free" legal advice',
        "district": "Түркістан",
        "planned_start": datetime(2026, 11, 10, 15, 0, tzinfo=ALMATY),
        "actual_start": datetime(2026, 11, 10, 15, 2, tzinfo=ALMATY),
        "start_delay_min": 2.0,
        "duration_min": 60.0,
        "status": "held",
        "platforms": "youtube;instagram",
        "views": 300,
        "peak_concurrent": None,
        "avg_concurrent": None,
        "viewer_minutes": None,
        "coverage_pct": None,
    }
    row.update(changes)  # type: ignore[arg-type]
    return row


def as_csv(rows: list[Row], columns: tuple[str, ...]) -> str:
    buffer = io.StringIO(newline="")
    write_csv(rows, buffer, columns)
    return buffer.getvalue()


def test_documented_columns_are_the_stable_interface() -> None:
    """summary and broadcasts start with exactly the columns docs/reports.md documents."""
    assert list(summary_columns("programme")[: len(SUMMARY_DOCUMENTED)]) == SUMMARY_DOCUMENTED
    assert list(BROADCAST_COLUMNS[: len(BROADCASTS_DOCUMENTED)]) == BROADCASTS_DOCUMENTED
    assert summary_columns("month")[0] == "month"
    assert summary_columns("month")[1:12] == tuple(SUMMARY_DOCUMENTED[1:])
    assert "findings" in ADHERENCE_COLUMNS


def test_csv_has_a_bom_crlf_lines_and_snake_case_headers() -> None:
    """Excel on Windows reads UTF-8 with a BOM; the header is the column keys."""
    text = as_csv([broadcast_row()], BROADCAST_COLUMNS)
    assert text.startswith("\ufeffbroadcast_id,programme,title,")
    assert text.count("\r\n") == 2
    assert "Түркістан" in text.encode("utf-8").decode("utf-8-sig")


def test_times_are_iso_8601_with_the_zone_offset_and_unknowns_are_empty() -> None:
    """Local times keep +05:00; a figure nobody reported is an empty cell, not 0."""
    text = as_csv([broadcast_row()], BROADCAST_COLUMNS)
    record = next(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    assert record["planned_start"] == "2026-11-10T15:00:00+05:00"
    assert record["views"] == "300"
    assert record["peak_concurrent"] == record["coverage_pct"] == ""
    assert record["start_delay_min"] == "2.0"


def test_csv_does_not_depend_on_the_report_language() -> None:
    """Headers and values are the same bytes whatever --lang says."""
    report = Report(
        "broadcasts",
        BROADCAST_COLUMNS,
        [broadcast_row()],
        days_period(datetime(2026, 11, 1).date(), datetime(2026, 12, 1).date()),
    )
    outputs = {render_bytes(report, "csv", Style(lang, UTC)) for lang in ("kk", "ru", "en")}  # type: ignore[arg-type]
    assert len(outputs) == 1


def test_json_holds_period_columns_and_rows_with_nulls() -> None:
    """JSON keeps the same keys, ISO times and null for unknown figures."""
    period = days_period(datetime(2026, 11, 1).date(), datetime(2026, 12, 1).date())
    document = orjson.loads(
        report_json(Report("broadcasts", BROADCAST_COLUMNS, [broadcast_row()], period))
    )
    assert document["report"] == "broadcasts"
    assert document["period"] == {
        "label": "2026-11-01_2026-11-30",
        "from": "2026-11-01",
        "to": "2026-11-30",
    }
    row = document["rows"][0]
    assert row["planned_start"] == "2026-11-10T15:00:00+05:00"
    assert row["peak_concurrent"] is None and row["views"] == 300


def test_column_kinds_type_every_documented_column() -> None:
    """Counts are integers, minutes and percentages floats, times times, the rest text."""
    assert column_kind("views") == column_kind("broadcasts_held_change") == "int"
    assert column_kind("avg_concurrent") == column_kind("views_change_pct") == "float"
    assert column_kind("planned_start") == "time"
    assert column_kind("programme") == column_kind("month") == "str"


# -- round trip ------------------------------------------------------------------------

texts = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=30)
zones = st.sampled_from([UTC, ALMATY, timezone(timedelta(hours=6)), timezone(timedelta(hours=-3))])
times = st.builds(
    lambda moment, zone: moment.replace(tzinfo=UTC).astimezone(zone).replace(microsecond=0),
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)),
    zones,
)
floats = st.floats(min_value=-1e9, max_value=1e9, allow_nan=False).map(lambda f: round(f, 1))
CELLS: dict[str, st.SearchStrategy[Any]] = {
    "str": texts,
    "int": st.integers(-(10**12), 10**12),
    "float": floats,
    "time": times,
    "bool": st.booleans(),
}


def rows_for(columns: tuple[str, ...]) -> st.SearchStrategy[list[Row]]:
    def cell(column: str) -> st.SearchStrategy[Cell]:
        kind = column_kind(column)
        # Text cells are never unknown (an empty string is what they hold instead).
        return CELLS[kind] if kind == "str" else st.one_of(st.none(), CELLS[kind])

    return st.lists(st.fixed_dictionaries({c: cell(c) for c in columns}), max_size=8)


@settings(max_examples=200, deadline=None)
@given(data=st.data(), by=st.sampled_from(["programme", "platform", "district", "month", "week"]))
def test_summary_csv_round_trips(data: st.DataObject, by: str) -> None:
    """Any summary rows written as CSV read back equal (types, unknowns, text)."""
    columns = summary_columns(by)
    rows = data.draw(rows_for(columns))
    assert read_csv(io.StringIO(as_csv(rows, columns), newline="")) == (list(columns), rows)


@settings(max_examples=200, deadline=None)
@given(data=st.data(), columns=st.sampled_from([BROADCAST_COLUMNS, ADHERENCE_COLUMNS]))
def test_broadcast_and_adherence_csv_round_trip(
    data: st.DataObject, columns: tuple[str, ...]
) -> None:
    """Titles with commas, quotes, newlines and Kazakh letters survive; times keep their offset."""
    rows = data.draw(rows_for(columns))
    _, back = read_csv(io.StringIO(as_csv(rows, columns), newline=""))
    assert back == rows
    for original, read in zip(rows, back, strict=True):
        for column in ("planned_start", "actual_start"):
            if original[column] is not None:
                assert read[column].utcoffset() == original[column].utcoffset()  # type: ignore[union-attr]
