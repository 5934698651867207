"""Report delivery: a scheduled job's files become one notice for its ``deliver`` channels."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from streamer.app.daemon import make_sender, safe_report
from streamer.clock import SimulatedClock
from streamer.config import Config, ReportJob, load_config, starter_config
from streamer.models import Broadcast, BroadcastStatus, Target
from streamer.notify.deliver import period_label, report_body, report_notice
from streamer.store import open_store
from tests.helpers.smtp_sink import smtp_sink

JOB = ReportJob(name="weekly", cron="0 9 * * 1", deliver=("email",))
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MONDAY = datetime(2026, 11, 30, 4, 0, tzinfo=UTC)  # 09:00 Asia/Almaty
EMAIL = """
[notify.email]
smtp_host = "127.0.0.1"
smtp_port = {port}
security = "none"
sender = "streamer@example.kz"
recipients = ["press@example.kz"]

[[reports]]
name = "weekly"
cron = "0 9 * * 1"
period = "last-week"
formats = ["csv", "txt", "xlsx"]
out_dir = "out"
language = "kk"
deliver = ["email"]
"""


def files(tmp_path: Path, *names: str) -> list[Path]:
    paths = [tmp_path / name for name in names]
    for path in paths:
        path.write_bytes(f"content of {path.name}\n".encode())
    return paths


@pytest.mark.parametrize(
    ("language", "subject", "line"),
    [
        ("en", "Report weekly · 2026-W48", "Files: weekly-2026-W48.csv, weekly-2026-W48.xlsx"),
        ("ru", "Отчёт weekly · 2026-W48", "Файлы: weekly-2026-W48.csv, weekly-2026-W48.xlsx"),
        ("kk", "Есеп weekly · 2026-W48", "Файлдар: weekly-2026-W48.csv, weekly-2026-W48.xlsx"),
    ],
)
def test_the_notice_speaks_the_report_language(
    tmp_path: Path, language: str, subject: str, line: str
) -> None:
    """Subject and file line are in the report's language; the id is report:<job>:<period>."""
    paths = files(tmp_path, "weekly-2026-W48.csv", "weekly-2026-W48.xlsx")
    notice = report_notice(JOB, paths, language)
    assert (notice.id, notice.kind) == ("report:weekly:2026-W48", "report")
    assert notice.subject == subject
    assert notice.lines == (line,)


def test_every_file_is_attached_with_its_type_and_bytes(tmp_path: Path) -> None:
    """Each written file is an attachment: its name, its bytes, its MIME type."""
    paths = files(tmp_path, "weekly-2026-W48.csv", "weekly-2026-W48.xlsx", "weekly-2026-W48.json")
    notice = report_notice(JOB, paths, "en")
    assert [(a.filename, a.mime) for a in notice.attachments] == [
        ("weekly-2026-W48.csv", "text/csv"),
        (
            "weekly-2026-W48.xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        ("weekly-2026-W48.json", "application/json"),
    ]
    assert notice.attachments[0].content == b"content of weekly-2026-W48.csv\n"


def test_the_html_form_is_the_body_when_the_job_writes_one(tmp_path: Path) -> None:
    """An .html file among the report's files is the mail body, as written."""
    paths = files(tmp_path, "weekly-2026-W48.txt", "weekly-2026-W48.csv")
    page = tmp_path / "weekly-2026-W48.html"
    page.write_text("<html><body><h1>Weekly</h1></body></html>", encoding="utf-8")
    assert report_body([*paths, page]) == "<html><body><h1>Weekly</h1></body></html>"


def test_without_html_the_txt_form_is_the_body_escaped(tmp_path: Path) -> None:
    """No HTML form: the txt report in a <pre>, with a platform title's markup escaped."""
    txt = tmp_path / "weekly-2026-W48.txt"
    txt.write_text("Эфир <script>alert(1)</script> & co\n", encoding="utf-8")
    body = report_body([txt])
    assert body is not None
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in body
    assert "<script>" not in body
    assert report_body(files(tmp_path, "weekly-2026-W48.csv")) is None


def test_the_period_comes_from_the_file_names_or_is_refused(tmp_path: Path) -> None:
    """weekly-2026-W48.csv is period 2026-W48 of job weekly; another job's file is refused."""
    assert period_label(JOB, tmp_path / "weekly-2026-W48.csv") == "2026-W48"
    with pytest.raises(ValueError, match=r"monthly-2026-11\.csv"):
        period_label(JOB, tmp_path / "monthly-2026-11.csv")


@pytest.fixture
def config(tmp_path: Path) -> Config:
    """The starter config with [notify.email] on a loopback port and a delivering job."""
    path = tmp_path / "streamer.toml"
    path.write_text(starter_config() + EMAIL.format(port=2525), encoding="utf-8")
    loaded = load_config(path)
    held = Broadcast(
        "AK-1", "adal-komek", "Legal advice", datetime(2026, 11, 24, 6, 0, tzinfo=UTC), 60,
        (Target("youtube", "UCadalKomek0000000000000"),), status=BroadcastStatus.HELD,
    )  # fmt: skip
    open_store(loaded.data_dir).change_plan(lambda plan: [held])
    return loaded


def test_a_scheduled_job_queues_its_files_and_the_sender_mails_them(config: Config) -> None:
    """The daemon's report run puts one ``report`` event in the outbox for the job's
    channels; the sender mails it once, with the Kazakh subject, the txt form as HTML
    body and the three files attached, and a second run for the period adds nothing."""
    job, store, clock = config.reports[0], open_store(config.data_dir), SimulatedClock(MONDAY)
    safe_report(job, config, store, clock)
    safe_report(job, config, store, clock)  # the same period again: the same event
    [event] = store.outbox()
    assert (event["id"], event["kind"]) == ("report:weekly:2026-W48", "report")
    assert list(event["deliveries"]) == ["email"]
    assert "weekly-2026-W48.csv" in " ".join(event["data"]["paths"])  # paths, not bytes
    assert config.notify.email is not None
    with smtp_sink() as (sink, port):
        email = replace(config.notify.email, smtp_port=port)
        mailing = replace(config, notify=replace(config.notify, email=email))
        sender = make_sender(mailing, store, clock, {})
        assert sender is not None
        assert sender.run_once()["sent"] == 1
        assert sender.run_once()["sent"] == 0  # sent once
    mail = sink.parsed()
    assert mail["Subject"] == "Есеп weekly · 2026-W48"
    names = sorted(part.get_filename() or "" for part in mail.iter_attachments())
    assert names == ["weekly-2026-W48.csv", "weekly-2026-W48.txt", "weekly-2026-W48.xlsx"]
    html = mail.get_body(("html",))
    assert html is not None and "Адал көмек: 1" in html.get_content()
    [done] = store.outbox()
    assert done["deliveries"]["email"]["state"] == "sent"


def test_a_report_file_gone_before_sending_fails_for_good(config: Config) -> None:
    """A queued report whose file was removed is marked failed naming the file, not retried."""
    job, store, clock = config.reports[0], open_store(config.data_dir), SimulatedClock(MONDAY)
    safe_report(job, config, store, clock)
    (job.out_dir / "weekly-2026-W48.xlsx").unlink()
    sender = make_sender(config, store, clock, {})
    assert sender is not None
    assert sender.run_once()["failed"] == 1
    [event] = store.outbox()
    record = event["deliveries"]["email"]
    assert record["state"] == "failed" and "weekly-2026-W48.xlsx" in record["reason"]


def test_a_job_without_deliver_queues_nothing(config: Config) -> None:
    """deliver = [] (the default): the files are written and nothing is queued."""
    store = open_store(config.data_dir)
    job = replace(config.reports[0], deliver=())
    safe_report(job, config, store, SimulatedClock(MONDAY))
    assert store.outbox() == []
    assert (job.out_dir / "weekly-2026-W48.csv").exists()


def test_a_failure_to_queue_is_logged_and_the_files_stay(
    config: Config, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The outbox refusing the event is a log line; the report's files are kept."""
    store = open_store(config.data_dir)

    def broken(events: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(store, "add_events", broken)
    job = config.reports[0]
    with caplog.at_level(logging.ERROR, logger="streamer.daemon"):
        safe_report(job, config, store, SimulatedClock(MONDAY))
    assert any("not queued for email" in r.getMessage() for r in caplog.records)
    assert (job.out_dir / "weekly-2026-W48.xlsx").exists()
