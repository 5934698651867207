"""Excel both ways: every report and the plan as .xlsx (typed cells, frozen header,
sized columns), and plan import from what Excel saves (xlsx, CSV with , or ;)."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import orjson
import pytest
from test_report_cli import NOW

from reports.export import read_csv
from streamer.app import cli_report
from streamer.app.cli import run
from streamer.clock import SimulatedClock
from streamer.config import starter_config
from tests.helpers.report_week import seed_week

ALMATY = ZoneInfo("Asia/Almaty")
KAZAKH = ["Сыбайлас жемқорлыққа қарсы: сұрақ-жауап", "Тегін заң кеңесі «Адал»", "Ғ-ә-і-ң-ұ-ү-қ-ө-һ"]


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The starter config, the report tests' seeded week 48, the clock at NOW."""
    (tmp_path / "streamer.toml").write_text(starter_config(), encoding="utf-8")
    monkeypatch.setenv("STREAMER_CONFIG", str(tmp_path / "streamer.toml"))
    monkeypatch.setattr(cli_report, "CLOCK", SimulatedClock(NOW))
    seed_week(
        tmp_path / "data",
        planned_title="Сыбайлас жемқорлыққа қарсы",
        unplanned_title="Q&A",
        instagram_done=False,
    )
    return tmp_path


def call(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    code = run(list(argv))
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


def sheet_of(path: Path) -> openpyxl.worksheet.worksheet.Worksheet:
    return openpyxl.load_workbook(path).worksheets[0]


def excel_value(value: object) -> object:
    """A CSV-read cell as Excel holds it: times on the Almaty wall clock, without a zone."""
    if value == "":
        return None  # an empty text and an unknown figure are both an empty cell
    if isinstance(value, datetime):
        return value.astimezone(ALMATY).replace(tzinfo=None)
    return value


@pytest.mark.parametrize(
    "argv",
    [
        ["summary", "--period", "2026-W48"],
        ["summary", "--period", "2026-W48", "--by", "platform"],
        ["broadcasts", "--period", "2026-W48"],
        ["adherence", "--period", "2026-W48"],
        ["curve", "AL-1"],
    ],
)
def test_report_workbook_holds_the_csv_cells_typed(
    home: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    """Each report's .xlsx has the CSV's header and cells: numbers, local times, text."""
    out = home / "report.xlsx"
    call(capsys, "report", *argv, "--format", "xlsx", "--out", str(out))
    columns, rows = read_csv(io.StringIO(call(capsys, "report", *argv, "--format", "csv")))
    sheet = sheet_of(out)
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[0] == columns
    assert values[1:] == [[excel_value(row[c]) for c in columns] for row in rows]
    assert sheet.freeze_panes == "A2"
    assert all(sheet.column_dimensions[cell.column_letter].width >= 8 for cell in sheet[1])
    assert len(rows) >= 1


def test_report_cells_have_excel_types_and_formats(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Ids are text, counts integers, times date-times in Almaty with a date format."""
    out = home / "broadcasts.xlsx"
    call(capsys, "report", "broadcasts", "--period", "2026-W48", "--format", "xlsx",
         "--out", str(out))  # fmt: skip
    sheet = sheet_of(out)
    header = [cell.value for cell in sheet[1]]
    row = {name: sheet.cell(row=2, column=i + 1) for i, name in enumerate(header)}
    assert (row["broadcast_id"].value, row["broadcast_id"].data_type) == ("AL-1", "s")
    assert row["planned_start"].value == datetime(2026, 11, 24, 11, 0)  # 06:00 UTC, local
    assert row["planned_start"].number_format == "yyyy-mm-dd hh:mm"
    assert row["planned_start"].is_date
    assert isinstance(row["views"].value, int) and row["views"].number_format == "0"
    assert row["title"].value == "Сыбайлас жемқорлыққа қарсы"
    assert sheet.title == "broadcasts 2026-W48"


def test_scheduled_job_writes_xlsx(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A [[reports]] job with formats = ["xlsx"] writes <name>-<period>.xlsx."""
    config = home / "streamer.toml"
    config.write_text(
        config.read_text(encoding="utf-8") + '\n[[reports]]\nname = "weekly"\n'
        'cron = "0 9 * * MON"\nperiod = "last-week"\nformats = ["xlsx", "csv"]\n'
        'out_dir = "out"\n',
        encoding="utf-8",
    )
    call(capsys, "report", "run", "weekly")
    sheet = sheet_of(home / "out" / "weekly-2026-W48.xlsx")
    assert sheet["A1"].value == "programme" and sheet.max_row >= 2


def test_xlsx_needs_out(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A workbook is not printed to a terminal: --format xlsx without --out exits 2."""
    for argv in (["report", "summary"], ["plan", "export"]):
        assert run([*argv, "--format", "xlsx"]) == 2
        assert "give --out FILE.xlsx" in capsys.readouterr().err


# -- the plan, both ways ------------------------------------------------------------
@pytest.fixture
def planned(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    """A plan of three Kazakh-titled broadcasts; returns its `plan list` JSON."""
    (tmp_path / "streamer.toml").write_text(starter_config(), encoding="utf-8")
    monkeypatch.setenv("STREAMER_CONFIG", str(tmp_path / "streamer.toml"))
    for day, title in enumerate(KAZAKH, start=1):
        call(capsys, "plan", "add", "--programme", "adal-komek", "--title", title,
             "--start", f"2026-12-0{day} 1{day}:30", "--duration", str(30 * day),
             "--speaker", "Айгүл Серікқызы", "--district", "Түркістан")  # fmt: skip
    return listing(capsys)


def listing(capsys: pytest.CaptureFixture[str]) -> list[dict[str, object]]:
    """The plan as `plan list --format json`, without the revision counter."""
    items = orjson.loads(call(capsys, "plan", "list", "--format", "json"))
    return [{k: v for k, v in item.items() if k != "revision"} for item in items]


def excel_ru_csv(text: str, bom: bool) -> bytes:
    """The export as Excel in a ru/kk locale saves it: ';', dd.mm.yyyy dates, BOM or not."""
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))
    for row in rows[1:]:
        day = datetime.strptime(row[3], "%Y-%m-%d %H:%M")
        row[3] = day.strftime("%d.%m.%Y %H:%M")
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerows(rows)
    return (("\ufeff" if bom else "") + out.getvalue()).encode("utf-8")


def resaved(data: bytes) -> bytes:
    """A workbook loaded and saved again, as a spreadsheet app does."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("form", ["csv", "csv-semicolon-bom", "csv-semicolon", "xlsx"])
def test_plan_round_trips_through_each_form(
    planned: list[dict[str, object]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    form: str,
) -> None:
    """Export, move and retitle in the store, import the file: the exported plan is back."""
    exported = tmp_path / f"plan.{form.split('-')[0]}"
    call(capsys, "plan", "export", "--format", form.split("-")[0], "--out", str(exported))
    if form.startswith("csv-semicolon"):
        text = exported.read_text(encoding="utf-8")
        exported.write_bytes(excel_ru_csv(text, bom=form.endswith("bom")))
    elif form == "xlsx":
        exported.write_bytes(resaved(exported.read_bytes()))
    first = str(planned[0]["id"])
    call(capsys, "plan", "move", first, "--start", "2026-12-20 09:00")
    assert listing(capsys) != planned
    call(capsys, "plan", "import", str(exported))
    assert listing(capsys) == planned
    call(capsys, "plan", "import", str(exported))  # again: nothing changes
    assert listing(capsys) == planned
    assert [item["title"] for item in listing(capsys)] == KAZAKH


def test_plan_workbook_cells(
    planned: list[dict[str, object]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The plan workbook: ids as text, local start as a date-time, duration a number."""
    out = tmp_path / "plan.xlsx"
    call(capsys, "plan", "export", "--format", "xlsx", "--out", str(out))
    sheet = sheet_of(out)
    header = [cell.value for cell in sheet[1]]
    assert header[:5] == ["id", "programme", "title", "start", "duration_min"]
    assert [c.value for c in sheet["D"][1:]] == [
        datetime(2026, 12, 1, 11, 30), datetime(2026, 12, 2, 12, 30), datetime(2026, 12, 3, 13, 30)
    ]  # fmt: skip
    assert [c.value for c in sheet["E"][1:]] == [30, 60, 90]
    assert all(c.data_type == "s" for c in sheet["A"][1:])
    assert [c.value for c in sheet["C"][1:]] == KAZAKH
    assert sheet.freeze_panes == "A2"


def test_plan_import_new_rows_from_a_semicolon_csv(
    planned: list[dict[str, object]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Rows with no id in a ';' file with dd.mm.yyyy starts add broadcasts at those times."""
    path = tmp_path / "new.csv"
    path.write_bytes(
        "\ufeffprogramme;title;start;duration_min\r\n"
        "adal-komek;Жаңа эфир, екінші;07.12.2026 15:00;45\r\n".encode()
    )
    call(capsys, "plan", "import", str(path))
    added = [item for item in listing(capsys) if item["title"] == "Жаңа эфир, екінші"]
    assert [(item["start_local"], item["duration_min"]) for item in added] == [
        ("2026-12-07 15:00", 45)
    ]


def test_a_broken_workbook_is_one_line_exit_2(
    planned: list[dict[str, object]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A file that looks like a zip but is no workbook is refused without a traceback."""
    path = tmp_path / "bad.xlsx"
    path.write_bytes(b"PK\x03\x04not really a workbook")
    assert run(["plan", "import", str(path)]) == 2
    err = capsys.readouterr().err
    assert "not an Excel .xlsx workbook" in err and err.count("\n") == 1
    assert listing(capsys) == planned
