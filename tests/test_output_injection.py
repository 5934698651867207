"""Hostile stream titles through every report format, the console and the logs.

The store holds the week of ``test_report_html`` plus one unplanned stream per
title of ``helpers.hostile``; each output must show every title as text: no
element, no formula, no escape sequence, no forged line, no reversed text.
"""

from __future__ import annotations

import io
import logging
import re
import sys
import zipfile
from pathlib import Path

import openpyxl
import orjson
import pytest
from helpers.hostile import (
    BIDI_CONTROLS,
    ESCAPE_SEQUENCE,
    FORGED_LOG_LINE,
    HOSTILE_TITLES,
    LONG_TITLE,
    forged_lines,
)
from test_report_html import EVIL, JOB, NOW, PLANNED_TITLE, Page, html_of

from reports.export import read_csv
from streamer.app import cli_report
from streamer.app.cli import run
from streamer.clock import SimulatedClock
from streamer.config import starter_config
from streamer.safe_text import TEXT_MAX, LogFormatter, printable, shown
from tests.helpers.report_week import add_hostile_streams, seed_week

ARGS = ("broadcasts", "--period", "2026-W48", "--lang", "en")
# What no page, terminal or log line may hold: C0/C1 controls but tab and LF, bidi.
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
PAGE_TAGS = {
    "html", "head", "meta", "title", "style", "body", "section", "h1", "h2", "p", "ul", "li",
    "figure", "div", "table", "thead", "tbody", "tr", "th", "td", "span", "sup", "a", "wbr",
    "footer", "ol",
}  # fmt: skip


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """test_report_html's config and week, plus the hostile streams; the clock at NOW."""
    (tmp_path / "streamer.toml").write_text(starter_config() + JOB, encoding="utf-8")
    monkeypatch.setenv("STREAMER_CONFIG", str(tmp_path / "streamer.toml"))
    monkeypatch.setattr(cli_report, "CLOCK", SimulatedClock(NOW))
    seed_week(
        tmp_path / "data", planned_title=PLANNED_TITLE, unplanned_title=EVIL, instagram_done=True
    )
    add_hostile_streams(tmp_path / "data")
    return tmp_path


def report_out(home: Path, capsys: pytest.CaptureFixture[str], fmt: str) -> bytes:
    out = home / f"report.{fmt}"
    code = run(["report", *ARGS, "--format", fmt, "--out", str(out)])
    _, err = capsys.readouterr()
    assert code == 0, err
    return out.read_bytes()


def test_html_report_shows_every_hostile_title_as_text(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Only the page's own elements; each title readable; no control or bidi character."""
    markup = html_of(home, capsys, *ARGS)
    chart = re.findall(r"<svg.*?</svg>", markup, flags=re.DOTALL)
    page = Page(re.sub(r"<svg.*?</svg>", "", markup, flags=re.DOTALL))
    # The charts drew (the wide one and the phone's), titles and all.
    assert len(chart) == 2 and not any("<script" in svg for svg in chart)
    assert set(page.names()) <= PAGE_TAGS
    assert not any(name.startswith("on") for _, attrs in page.tags for name in attrs)
    assert not UNSAFE.search(markup)
    words = page.words()
    for name, title in HOSTILE_TITLES.items():
        if name != "long":
            assert re.sub(r"\s+", " ", shown(title)).strip() in words, name
    assert shown(LONG_TITLE) in words and LONG_TITLE.strip() not in words  # cut in the table
    body_rows = markup.split("<tbody>", 1)[1].split("</tbody>", 1)[0].count("<tr>")
    assert body_rows == len(HOSTILE_TITLES) + 3  # every stream a row, none swallowed


def test_text_report_has_no_escape_sequence_forged_line_or_bidi(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The console/txt report escapes controls: "\\n2026-… ERROR forged" stays on its row."""
    code = run(["report", *ARGS])
    text, err = capsys.readouterr()
    assert code == 0, err
    assert not ESCAPE_SEQUENCE.search(text)
    assert not BIDI_CONTROLS.search(text)
    assert not UNSAFE.search(text)
    assert forged_lines(text) == []
    assert "\\x1b[2J" in text  # shown, visibly, rather than sent


@pytest.mark.parametrize("fmt", ["csv", "json", "xlsx"])
def test_machine_formats_keep_every_title_whole(
    home: Path, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    """CSV (read back), JSON and xlsx hold each title exactly (the xlsx without NUL)."""
    data = report_out(home, capsys, fmt)
    if fmt == "csv":
        _, rows = read_csv(io.StringIO(data.decode("utf-8"), newline=""))
        titles = [row["title"] for row in rows]
    elif fmt == "json":
        titles = [row["title"] for row in orjson.loads(data)["rows"]]
    else:
        xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml").decode()
        assert "<f>" not in xml
        sheet = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
        header = [cell.value for cell in sheet[1]]
        titles = [row[header.index("title")] for row in sheet.iter_rows(2, values_only=True)]
    for name, title in HOSTILE_TITLES.items():
        if fmt == "xlsx":
            # An .xlsx file cannot hold C0 controls but tab, LF and CR: they are dropped;
            # XML reads a bare CR back as LF.
            title = re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f]", "", title).replace("\r", "\n")
        assert title in titles, name


def test_plan_list_and_show_escape_a_hostile_title(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """plan list and plan show print a title's controls and rich markup as text."""
    title = f"[/]\x1b[2J[bold]x\n{FORGED_LOG_LINE}\u202e"
    code = run(["plan", "add", "--programme", "adal-komek", "--title", title,
                "--start", "2026-12-10 11:00", "--duration", "30"])  # fmt: skip
    out, err = capsys.readouterr()
    assert code == 0, err
    broadcast_id = out.split()[-1]
    for argv in (["plan", "list"], ["plan", "show", broadcast_id]):
        code = run(argv)
        out, err = capsys.readouterr()
        assert code == 0, err
        assert "[/]" in out and "[bold]x" in out
        assert not ESCAPE_SEQUENCE.search(out) and not BIDI_CONTROLS.search(out)
        assert forged_lines(out) == []


def test_log_lines_escape_titles_and_exception_messages() -> None:
    """A logged title or error text never starts a new line nor sends an escape sequence."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(LogFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    log = logging.getLogger("test.output_injection")
    log.addHandler(handler)
    log.propagate = False
    try:
        for title in HOSTILE_TITLES.values():
            log.warning("unplanned stream %s", title)
        try:
            raise ValueError(f"platform said\n{FORGED_LOG_LINE}\x1b[2J")
        except ValueError:
            log.exception("poll failed")
    finally:
        log.removeHandler(handler)
    text = buffer.getvalue()
    assert forged_lines(text) == []
    assert not ESCAPE_SEQUENCE.search(text) and not UNSAFE.search(text)
    records = [line for line in text.splitlines() if not line.startswith(" ")]
    assert len(records) == len(HOSTILE_TITLES) + 1  # continuation lines are indented


def test_the_daemon_logs_through_the_escaping_formatter(monkeypatch: pytest.MonkeyPatch) -> None:
    """configure_logging installs LogFormatter on the handler that writes stderr."""
    from streamer.app.daemon import configure_logging

    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", [])
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    configure_logging("INFO")
    assert [type(h.formatter) for h in root.handlers] == [LogFormatter]


@pytest.mark.parametrize("name", sorted(HOSTILE_TITLES))
def test_printable_leaves_one_line_without_controls(name: str) -> None:
    """printable(title): one line, no escape sequence or bidi character; plain text kept."""
    safe = printable(HOSTILE_TITLES[name])
    assert len(safe.splitlines()) <= 1
    assert not UNSAFE.search(safe) and "\n" not in safe and "\t" not in safe
    if not UNSAFE.search(HOSTILE_TITLES[name]) and "\n" not in HOSTILE_TITLES[name]:
        assert safe == HOSTILE_TITLES[name]


def test_shown_cuts_a_long_title_with_an_ellipsis() -> None:
    """A 10 kB title shows as its first TEXT_MAX characters, the last one "…"."""
    cut = shown(LONG_TITLE)
    assert len(cut) == TEXT_MAX and cut.endswith("…") and LONG_TITLE.startswith(cut[:-1])


def test_an_error_quoting_a_hostile_cell_is_one_plain_line(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """plan import naming a bad cell: exit 2, one line, the cell's controls escaped."""
    plan = home / "plan.csv"
    cell = f"\x1b[2Jx\u202e\r{FORGED_LOG_LINE}"
    plan.write_text(f'programme,title,start,duration_min,"{cell}"\n', encoding="utf-8")
    assert run(["plan", "import", str(plan)]) == 2
    out, err = capsys.readouterr()
    assert len(err.splitlines()) == 1 and err.startswith("streamer: error: line 1: unknown")
    assert "\\x1b[2jx\\u202e" in err  # header names are read lower-cased
    assert not ESCAPE_SEQUENCE.search(err) and not BIDI_CONTROLS.search(err)
    assert forged_lines(err) == [] and out == ""


def test_status_escapes_a_platform_error_message() -> None:
    """`streamer status` quotes a stopped platform's error text on one escaped line."""
    from zoneinfo import ZoneInfo

    from streamer.app.cli_status import render

    at = "2026-12-06T05:00:00Z"
    message = f"token revoked\n{FORGED_LOG_LINE}\x1b[2J\u202e"
    found = {
        "at": at, "tzdata": "2026a", "channels": [], "final_polls": [],
        "platforms": [{"platform": "youtube", "state": "stopped", "since": at,
                       "message": message}],
        "quota": {"day": "2026-12-05", "limit": 10_000, "used": {}},
        "unsaved_gaps": {"count": 0, "since": None, "reasons": {}, "unreadable": []},
    }  # fmt: skip
    text = "\n".join(render(found, ZoneInfo("Asia/Almaty")))
    assert forged_lines(text) == []
    assert not ESCAPE_SEQUENCE.search(text) and not BIDI_CONTROLS.search(text)
    assert "token revoked\\n2026-12-06" in text
