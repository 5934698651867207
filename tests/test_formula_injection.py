"""Spreadsheet formula injection: every CSV and xlsx streamer writes shows titles as text."""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import replace
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from helpers.hostile import HOSTILE_TITLES
from hypothesis import given
from hypothesis import strategies as st
from test_plan_csv import PROGRAMMES, apply, export_text, import_text, plans, sample_plan
from test_report_csv import as_csv, broadcast_row

from reports.export import read_csv
from reports.report import BROADCAST_COLUMNS
from schedules.ids import sequential_id_factory
from schedules.xlsxio import export_xlsx, import_xlsx
from streamer.safe_text import FORMULA_TRIGGERS, formula_safe, formula_text

ALMATY = ZoneInfo("Asia/Almaty")
FORMULAS = {name: title for name, title in HOSTILE_TITLES.items() if name.startswith("formula")}
# Titles made of what the rule looks at: apostrophes and trigger characters first.
tricky = st.text(st.sampled_from([*"'''", *FORMULA_TRIGGERS, "a", " ", "Ә", "\n"]), max_size=8)
any_text = st.one_of(tricky, st.text(), st.builds(str.__add__, tricky, st.text(max_size=10)))


def runs_as_formula(cell: str) -> bool:
    """What Excel and LibreOffice run as a formula: OWASP's trigger characters first."""
    return cell != "" and cell[0] in FORMULA_TRIGGERS


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("'=1", "''=1"),
        ("''@x", "'''@x"),
        ("'tis the season", "'tis the season"),
        ("a=1", "a=1"),
        ("", ""),
    ],
)
def test_formula_safe_quotes_would_be_formulas_and_their_quoted_forms(
    text: str, written: str
) -> None:
    """A cell opening with = + - @ tab CR (after any apostrophes) gains one apostrophe."""
    assert formula_safe(text) == written
    assert formula_text(written) == text


@given(any_text)
def test_formula_rule_is_exactly_undone_and_never_leaves_a_formula(text: str) -> None:
    """Reading back what was written gives the text; what is written never runs."""
    written = formula_safe(text)
    assert formula_text(written) == text
    assert not runs_as_formula(written)


def csv_cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))


@pytest.mark.parametrize("name", sorted(FORMULAS))
def test_plan_export_quotes_formula_titles_and_import_restores_them(name: str) -> None:
    """plan export writes '=…; plan import reads back the title exactly."""
    plan = sample_plan()
    first = min(plan)
    plan[first] = replace(plan[first], title=FORMULAS[name], topic=FORMULAS[name])
    text = export_text(plan)
    for row in csv_cells(text)[1:]:
        assert not any(runs_as_formula(cell) for cell in row), row
    assert import_text(text, plan) == []
    blank = {key: replace(item, title="-", topic="") for key, item in plan.items()}
    assert apply(blank, import_text(text, blank)) == plan


def test_a_hand_written_apostrophe_is_taken_off_once() -> None:
    """A producer's CSV cell ''=x imports as the title '=x (the documented rule)."""
    header = "programme,title,start,duration_min"
    text = f"{header}\nadal-komek,''=x,2025-06-01 10:00,30\nadal-komek,'tis,2025-06-02 10:00,30\n"
    assert [item.title for item in import_text(text, {})] == ["'=x", "'tis"]


@given(plans())
def test_plan_csv_round_trip_keeps_titles_starting_with_formula_characters(
    plan: dict[str, object],
) -> None:
    """Any plan (titles and topics opening with ' = + - @) exports and imports exactly."""
    titled = {
        key: replace(item, title=f"{prefix}{item.title}", topic=f"{prefix}{item.topic}")  # type: ignore[type-var]
        for (key, item), prefix in zip(
            plan.items(), ["=", "'=", "+", "''-", "@", "'"], strict=False
        )
    }
    text = export_text(titled)
    assert import_text(text, titled) == []
    for row in csv_cells(text)[1:]:
        assert not any(runs_as_formula(cell) for cell in row)


@given(st.lists(any_text.map(str.strip).filter(bool), min_size=1, max_size=4))
def test_report_csv_quotes_formula_titles_and_reads_them_back(titles: list[str]) -> None:
    """write_csv never leaves a formula in a text cell; read_csv restores the titles."""
    rows = [broadcast_row(title=title, district=title) for title in titles]
    text = as_csv(rows, BROADCAST_COLUMNS)
    for record in csv_cells(text)[1:]:
        for column, cell in zip(BROADCAST_COLUMNS, record, strict=True):
            assert column in ("start_delay_min",) or not runs_as_formula(cell), (column, cell)
    back = read_csv(io.StringIO(text, newline=""))[1]
    assert [(row["title"], row["district"]) for row in back] == [(t, t) for t in titles]


def test_report_csv_keeps_negative_numbers_as_numbers() -> None:
    """A negative figure (a change, an early start) is a number, not a quoted text."""
    rows = [broadcast_row(start_delay_min=-3.0)]
    record = csv_cells(as_csv(rows, BROADCAST_COLUMNS))[1]
    assert record[BROADCAST_COLUMNS.index("start_delay_min")] == "-3.0"


def plan_with_titles(titles: list[str]) -> dict[str, object]:
    plan = sample_plan()
    for key, title in zip(sorted(plan), titles, strict=False):
        plan[key] = replace(plan[key], title=title)
    return plan  # type: ignore[return-value]


def test_plan_workbook_holds_formula_titles_as_text_cells_and_reads_them_back() -> None:
    """In the .xlsx, a would-be formula is a text cell marked quoted; import reads it back."""
    titles = [FORMULAS[name] for name in sorted(FORMULAS)]
    plan = plan_with_titles(titles)
    data = export_xlsx(plan.values(), ALMATY)  # type: ignore[arg-type]
    sheet_xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml  # no formula anywhere
    sheet = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    title_cells = [row[2] for row in sheet.iter_rows(min_row=2)]
    for cell in title_cells:
        assert cell.data_type == "s"
        assert cell.quotePrefix == runs_as_formula(str(cell.value))
    ids = sequential_id_factory(900)
    assert import_xlsx(data, "plan.xlsx", plan, PROGRAMMES, ALMATY, ids) == []  # type: ignore[arg-type]
    assert {cell.value for cell in title_cells} >= set(titles[: len(plan)])
