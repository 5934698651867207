"""`streamer report …` end to end on a real store in tmp_path, in all three languages."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest

from streamer.app import cli_report
from streamer.app.cli import run
from streamer.app.cli_report import report
from streamer.clock import SimulatedClock
from streamer.config import starter_config
from tests.helpers.report_week import seed_week

NOW = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)  # Tuesday 1 Dec, 09:00 in Almaty
JOB = """
[[reports]]
name = "weekly"
cron = "0 9 * * MON"
kind = "summary"
period = "last-week"
formats = ["csv", "txt", "json"]
out_dir = "out"
language = "kk"
"""


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A config (starter + report jobs) and a seeded data folder; the clock at NOW."""
    (tmp_path / "streamer.toml").write_text(starter_config() + JOB, encoding="utf-8")
    monkeypatch.setenv("STREAMER_CONFIG", str(tmp_path / "streamer.toml"))
    monkeypatch.setenv("COLUMNS", "120")
    monkeypatch.setattr(cli_report, "CLOCK", SimulatedClock(NOW))
    seed_week(
        tmp_path / "data",
        planned_title="Сыбайлас жемқорлыққа қарсы",
        unplanned_title="Q&A",
        instagram_done=False,
    )
    return tmp_path


def call(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = run(["report", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def fingerprint(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and "locks" not in p.parts
    }


HEADLINE = {
    "kk": "Antikor.Live: 2 тікелей эфир, 3\u00a0000-нан астам қаралым",
    "ru": "Antikor.Live: 2 прямых эфира, более 3\u00a0000 просмотров",
    "en": "Antikor.Live: 2 live broadcasts, over 3,000 views",
}


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
@pytest.mark.parametrize("kind", ["summary", "broadcasts", "adherence"])
def test_period_reports_print_headlines_and_a_table_in_each_language(
    home: Path, capsys: pytest.CaptureFixture[str], kind: str, lang: str
) -> None:
    """Week 48 from the archive and working set: one held simulcast plus one unplanned stream."""
    code, out, err = call(capsys, kind, "--period", "2026-W48", "--lang", lang)
    assert code == 0, err
    assert out.splitlines()[0] == HEADLINE[lang]
    assert "2026-W48" in out
    assert "AL-1" in out or kind == "summary"


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_curve_prints_each_platform_in_each_language(
    home: Path, capsys: pytest.CaptureFixture[str], lang: str
) -> None:
    """YouTube's curve peaks at 70 at the end; Instagram cannot report viewers."""
    code, out, err = call(capsys, "curve", "AL-1", "--lang", lang)
    assert code == 0, err
    assert out.startswith("AL-1 · Antikor.Live · Сыбайлас жемқорлыққа қарсы")
    assert "70 · 11:35" in out
    assert {"kk": "қолжетімсіз", "ru": "н/д", "en": "n/a"}[lang] in out


def test_curve_of_an_unplanned_stream_by_its_key(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An unplanned stream has no broadcast id; its stream key names it instead."""
    code, out, _ = call(capsys, "curve", "youtube:u1", "--format", "csv")
    assert code == 0
    assert out.startswith("\ufefftime,platform,concurrent_viewers,views\r\n")
    assert "2026-11-26T11:06:00+05:00,total,7," in out


def test_csv_to_stdout_and_json(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--format csv/json print the machine forms; the broadcasts CSV has documented columns."""
    code, out, _ = call(capsys, "broadcasts", "--period", "2026-W48", "--format", "csv")
    assert code == 0
    lines = out.split("\r\n")
    assert lines[0].startswith("\ufeffbroadcast_id,programme,title,district,planned_start,")
    assert lines[1].startswith(
        "AL-1,antikor-live,Сыбайлас жемқорлыққа қарсы,Түркістан,2026-11-24T11:00:00+05:00,"
    )
    code, out, _ = call(
        capsys, "summary", "--period", "2026-W48", "--by", "platform", "--format", "json"
    )
    document = orjson.loads(out)
    assert document["group_by"] == "platform"
    assert [r["platform"] for r in document["rows"]] == ["youtube", "instagram"]
    assert document["rows"][1]["views"] is None


def test_out_file_and_filters(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--out writes the file (stdout stays empty); --programme and --from/--to narrow it."""
    target = home / "adal.csv"
    code, out, err = call(
        capsys,
        "adherence",
        "--from",
        "2026-11-23",
        "--to",
        "2026-11-29",
        "--programme",
        "adal-komek",
        "--out",
        str(target),
        "--format",
        "csv",
    )
    assert (code, out) == (0, "")
    assert f"wrote {target}" in err
    text = target.read_text(encoding="utf-8-sig")
    assert "AK-1" in text and "no_show" in text and "AL-1" not in text
    code, _, _ = call(capsys, "summary", "--period", "2026-W48", "--out", str(home / "s.txt"))
    assert (
        (home / "s.txt").read_text(encoding="utf-8").startswith("Antikor.Live: 2 live broadcasts")
    )


@pytest.mark.parametrize(("name", "magic"), [("chart.png", b"\x89PNG"), ("chart.svg", b"<?xml")])
def test_chart_files(
    home: Path, capsys: pytest.CaptureFixture[str], name: str, magic: bytes
) -> None:
    """--chart draws PNG or SVG with matplotlib (the charts extra)."""
    pytest.importorskip("matplotlib")
    assert call(capsys, "summary", "--period", "2026-W48", "--chart", str(home / name))[0] == 0
    assert (home / name).read_bytes().startswith(magic)
    assert call(capsys, "curve", "AL-1", "--chart", str(home / f"curve-{name}"))[0] == 0
    assert (home / f"curve-{name}").read_bytes().startswith(magic)


def test_run_writes_the_jobs_files_named_by_report_and_period(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`report run weekly` on Tuesday 1 Dec writes weekly-2026-W48.{csv,txt,json} in Kazakh."""
    code, out, err = call(capsys, "run", "weekly")
    assert code == 0, err
    names = sorted(p.name for p in (home / "out").iterdir())
    assert names == ["weekly-2026-W48.csv", "weekly-2026-W48.json", "weekly-2026-W48.txt"]
    assert out.count("wrote ") == 3
    txt = (home / "out" / "weekly-2026-W48.txt").read_text(encoding="utf-8")
    assert txt.startswith(HEADLINE["kk"])
    assert (home / "out" / "weekly-2026-W48.csv").read_bytes().startswith(b"\xef\xbb\xbfprogramme,")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["summary", "--period", "2026-13"],
            "period '2026-13' is not understood; use one of YYYY-MM",
        ),
        (["summary", "--period", "last-year"], "last-week, last-month"),
        (["broadcasts", "--from", "2026-11-31"], "--from '2026-11-31' is not a date"),
        (["broadcasts", "--to", "2026-11-30"], "--to needs --from"),
        (
            ["broadcasts", "--from", "2026-11-30", "--to", "2026-11-01"],
            "--to 2026-11-01 is before --from 2026-11-30",
        ),
        (["adherence", "--from", "2027-01-04"], "--from 2027-01-04 is after today"),
        (
            ["adherence", "--period", "2026-11", "--from", "2026-11-01"],
            "either --period or --from/--to",
        ),
        (
            ["summary", "--programme", "antikor"],
            "unknown programme 'antikor'; known: antikor-live, adal-komek",
        ),
        (["summary", "--platform", "tiktok"], "'tiktok' is not one of"),
        (["summary", "--by", "city"], "'city' is not one of"),
        (["summary", "--lang", "de"], "'de' is not one of"),
        (["curve", "AL-404"], "unknown broadcast 'AL-404'"),
        (["summary", "--chart", "chart.pdf"], "name the file .png or .svg"),
        (["summary", "--out", "no/such/folder/x.csv"], "does not exist"),
        (["run", "monthly"], "no [[reports]] job named 'monthly'; known: weekly"),
    ],
)
def test_user_errors_exit_2_with_one_line_and_write_nothing(
    home: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
    message: str,
) -> None:
    """Bad periods, unknown ids and impossible outputs: status 2, one line, no file."""
    monkeypatch.chdir(home)
    before = fingerprint(home)
    code, out, err = call(capsys, *argv)
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("streamer: error: ")
    assert message in err
    assert out == ""
    assert fingerprint(home) == before


def test_every_report_command_has_help_with_an_example() -> None:
    """Each report command documents itself with an example invocation."""
    for name, command in {"report": report, **report.commands}.items():
        assert "Example" in (command.help or ""), name


def test_a_week_in_progress_is_compared_with_the_same_days_of_the_week_before(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """On Tuesday 1 Dec the command's clock makes week 49 two days old: Mon–Tue against
    Mon–Tue of week 48 (AL-1 on Tuesday 24 Nov counts, AK-1 on Wednesday does not)."""
    code, out, err = call(capsys, "summary", "--period", "2026-W49", "--format", "json")
    assert code == 0, err
    rows = {r["programme"]: r for r in orjson.loads(out)["rows"]}
    al, ak = rows["antikor-live"], rows["adal-komek"]
    assert (al["change_days"], al["change_base_days"]) == (
        "2026-11-30/2026-12-01",
        "2026-11-23/2026-11-24",
    )
    assert (al["broadcasts_planned_change"], ak["broadcasts_planned_change"]) == (-1, 0)
    code, out, _ = call(capsys, "summary", "--period", "2026-W49", "--lang", "en")
    assert "changes compare 30 Nov\u2009–\u20091 Dec 2026 with as many days" in out
