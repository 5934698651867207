"""`streamer plan …` end to end: every command, and every user error exits 2 untouched."""

from __future__ import annotations

import hashlib
from pathlib import Path

import icalendar
import orjson
import pytest

from streamer.app.cli import run
from streamer.config import starter_config

YT_AK = "youtube:UCadalKomek0000000000000"


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "streamer.toml"
    path.write_text(starter_config(), encoding="utf-8")
    monkeypatch.setenv("STREAMER_CONFIG", str(path))
    return path


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = run(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def fingerprint(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` with a hash of its bytes."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and "locks" not in p.parts
    }


def add_series(capsys: pytest.CaptureFixture[str]) -> list[str]:
    code, out, err = cli(
        capsys, "plan", "add", "--programme", "adal-komek", "--title", "Legal advice",
        "--start", "2026-11-30 11:00", "--duration", "60",
        "--repeat", "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;COUNT=5", "--speaker", "A. Lawyer",
    )  # fmt: skip
    assert code == 0, err
    return out.strip().splitlines()[-1].split()


def test_add_series_prints_ids_and_stores_utc(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A weekday series at 11:00 Almaty is five broadcasts stored at 06:00 UTC."""
    ids = add_series(capsys)
    assert len(ids) == 5
    code, out, _ = cli(capsys, "plan", "list", "--format", "json")
    assert code == 0
    items = orjson.loads(out)
    assert [i["id"] for i in items] == ids
    assert items[0]["start"] == "2026-11-30T06:00:00Z"
    assert items[0]["start_local"] == "2026-11-30 11:00"
    assert len(items[0]["targets"]) == 3  # defaults to all of the programme's channels


def test_list_filters_by_local_days_and_programme(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--from/--to are local days, inclusive; --programme narrows."""
    add_series(capsys)
    _, out, _ = cli(capsys, "plan", "list", "--from", "2026-12-01", "--to", "2026-12-02",
                    "--format", "json")  # fmt: skip
    assert [i["start_local"][:10] for i in orjson.loads(out)] == ["2026-12-01", "2026-12-02"]
    _, out, _ = cli(capsys, "plan", "list", "--programme", "antikor-live", "--format", "json")
    assert orjson.loads(out) == []
    code, out, _ = cli(capsys, "plan", "list")
    assert code == 0 and "Legal advice" in out and "2026-11-30 11:00" in out


def test_show_move_cancel(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """show prints a broadcast; move changes its start; cancel --series cancels the rest."""
    ids = add_series(capsys)
    code, out, _ = cli(capsys, "plan", "show", ids[0])
    assert code == 0 and "Legal advice" in out and "A. Lawyer" in out
    assert cli(capsys, "plan", "move", ids[0], "--start", "2026-11-30 12:30")[0] == 0
    assert cli(capsys, "plan", "cancel", ids[2], "--series")[0] == 0
    _, out, _ = cli(capsys, "plan", "list", "--format", "json")
    items = {i["id"]: i for i in orjson.loads(out)}
    assert items[ids[0]]["start_local"] == "2026-11-30 12:30"
    assert [items[i]["status"] for i in ids] == [
        "planned",
        "planned",
        "cancelled",
        "cancelled",
        "cancelled",
    ]


def test_export_csv_reimports_to_the_same_plan(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Exported CSV imported into an empty data folder gives the same broadcasts."""
    add_series(capsys)
    out_file = tmp_path / "plan.csv"
    assert cli(capsys, "plan", "export", "--format", "csv", "--out", str(out_file))[0] == 0
    _, before, _ = cli(capsys, "plan", "list", "--format", "json")
    other = tmp_path / "other"
    other.mkdir()
    (other / "streamer.toml").write_text(starter_config(), encoding="utf-8")
    code, _, err = cli(capsys, "--config", str(other / "streamer.toml"), "plan", "import",
                       str(out_file.with_suffix(".csv")))  # fmt: skip
    assert code == 2 and "not in the plan" in err  # ids from another plan are refused
    text = out_file.read_text(encoding="utf-8")
    assert cli(capsys, "plan", "import", str(out_file))[0] == 0  # same plan: no change
    _, after, _ = cli(capsys, "plan", "list", "--format", "json")
    assert orjson.loads(after) == orjson.loads(before)
    assert text.startswith("\ufeffid,programme,title,start")  # the BOM: Excel reads UTF-8


def test_export_ics_has_one_event_per_broadcast(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The iCalendar export parses back into the same events with stable UIDs."""
    ids = add_series(capsys)
    target = tmp_path / "plan.ics"
    assert cli(capsys, "plan", "export", "--format", "ics", "--out", str(target))[0] == 0
    calendar = icalendar.Calendar.from_ical(target.read_bytes())
    events = calendar.walk("VEVENT")
    assert sorted(str(e["UID"]) for e in events) == sorted(f"{i}@streamer" for i in ids)
    assert calendar.walk("VTIMEZONE")


ADD = ["plan", "add", "--programme", "adal-komek", "--title", "T", "--start", "2026-11-30 11:00"]


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        ([*ADD[:3], "nope", *ADD[4:], "--duration", "60"], "unknown programme 'nope'"),
        ([*ADD[:-1], "2026-13-30 11:00", "--duration", "60"], "2026-13-30 11:00"),
        ([*ADD, "--duration", "60", "--repeat", "FREQ=SOMETIMES;COUNT=2"], "FREQ=SOMETIMES"),
        ([*ADD, "--duration", "60", "--repeat", "FREQ=DAILY"], "COUNT or UNTIL"),
        ([*ADD, "--duration", "60", "--target", "myspace:abc"], "myspace"),
        ([*ADD, "--duration", "sixty"], "sixty"),
        (["plan", "show", "zzzzzzzz"], "zzzzzzzz"),
        (["plan", "move", "zzzzzzzz", "--start", "2026-11-30 11:00"], "zzzzzzzz"),
        (["plan", "list", "--from", "30.11.2026"], "--from: '30.11.2026' is not a date"),
        (["plan", "list", "--programme", "nope"], "unknown programme"),
        (["plan", "import", "/no/such/file.csv"], "does not exist"),
        (
            ["plan", "list", "--from", "2026-12-02", "--to", "2026-12-01"],
            "--to 2026-12-01 is before --from 2026-12-02",
        ),
        (
            ["plan", "export", "--from", "2026-12-02", "--to", "2026-11-30", "--out", "x.csv"],
            "--to 2026-11-30 is before --from 2026-12-02",
        ),
        (["plan", "export", "--out", "/nope/x.ics", "--format", "ics"], "folder /nope does not"),
    ],
)
def test_user_errors_exit_2_with_one_line_and_write_nothing(
    config: Path, capsys: pytest.CaptureFixture[str], argv: list[str], expected: str
) -> None:
    """Bad dates, programmes, rules, targets, ids and files: one line, status 2, no change."""
    add_series(capsys)
    before = fingerprint(config.parent)
    code, _, err = cli(capsys, *argv)
    assert code == 2
    assert expected in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert fingerprint(config.parent) == before


def test_conflict_is_refused_naming_both_then_allowed(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A second broadcast on the same channel at the same time is refused unless allowed."""
    ids = add_series(capsys)
    argv = ["plan", "add", "--programme", "adal-komek", "--title", "Clash",
            "--start", "2026-11-30 11:30", "--duration", "30", "--target", YT_AK]  # fmt: skip
    code, _, err = cli(capsys, *argv)
    assert code == 2 and ids[0] in err and "Clash" in err
    assert cli(capsys, *argv, "--allow-overlap")[0] == 0


def test_malformed_csv_import_names_the_line_and_imports_nothing(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """All or nothing: a bad third row stops the import with its line number."""
    add_series(capsys)
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "id,programme,title,start,duration_min\n"
        ",adal-komek,Good one,2026-12-07 11:00,60\n"
        ",adal-komek,Bad one,2026-12-08 25:00,60\n",
        encoding="utf-8",
    )
    before = fingerprint(config.parent)
    code, _, err = cli(capsys, "plan", "import", str(bad))
    assert code == 2 and "line 3" in err
    assert fingerprint(config.parent) == before
