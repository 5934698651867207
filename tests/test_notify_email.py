"""The e-mail channel against a real SMTP server on loopback (aiosmtpd)."""

from __future__ import annotations

import base64
import logging
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from streamer.clock import SimulatedClock
from streamer.notify.base import Attachment, Notice, PermanentFailure, TemporaryFailure
from streamer.notify.email import EmailChannel
from streamer.notifyconf import EmailSettings
from tests.helpers.smtp_sink import PASSWORD, USER, Certificate, make_certificate, smtp_sink

CLOCK = SimulatedClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
ENV = {"SMTP_USER": USER, "SMTP_PASSWORD": PASSWORD}
NOTICE = Notice(
    id="live:2026-03-02:antikor-efir",
    kind="live",
    subject="Эфир басталды: «Адалдық алаңы» — Прямой эфир",
    lines=("Бағдарлама: Адалдық алаңы", "Платформалар: YouTube, Facebook"),
    links=(("YouTube", "https://www.youtube.com/watch?v=abc123"),),
)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    """One self-signed certificate for the module's TLS servers."""
    return make_certificate(tmp_path_factory.mktemp("tls"))


def channel(
    port: int,
    security: str = "none",
    *,
    login: bool = False,
    certificate: Certificate | None = None,
    environ: dict[str, str] | None = None,
    timeout: float = 10.0,
) -> EmailChannel:
    settings = EmailSettings(
        smtp_host="127.0.0.1",
        sender="streamer@example.kz",
        recipients=("press@example.kz", "baspasoz@example.kz"),
        smtp_port=port,
        security=security,
        username_env="SMTP_USER" if login else None,
        password_env="SMTP_PASSWORD" if login else None,
    )
    context = certificate.client_context() if certificate else None
    return EmailChannel(
        settings, ENV if environ is None else environ, clock=CLOCK, timeout=timeout,
        ssl_context=context,
    )  # fmt: skip


def test_plain_smtp_delivers_a_kazakh_subject_and_body_intact() -> None:
    """security = "none": the UTF-8 subject is RFC 2047-encoded and parses back as sent."""
    with smtp_sink() as (sink, port):
        receipt = channel(port).send(NOTICE)
    assert receipt == "mail to 2 recipient(s) via 127.0.0.1"
    raw = sink.messages[0]
    assert raw.isascii(), "headers and body travel 7-bit encoded"
    mail = sink.parsed()
    assert mail["Subject"] == NOTICE.subject
    assert sink.recipients == [["press@example.kz", "baspasoz@example.kz"]]
    body = mail.get_body(("plain",))
    assert body is not None
    text = body.get_content()
    assert "Бағдарлама: Адалдық алаңы" in text
    assert "YouTube: https://www.youtube.com/watch?v=abc123" in text
    assert mail["Date"] == "Mon, 02 Mar 2026 09:00:00 +0000"


def test_the_message_id_is_stable_for_a_notice() -> None:
    """A notice sent twice (after a crash) carries the same Message-ID both times."""
    with smtp_sink() as (sink, port):
        channel(port).send(NOTICE)
        channel(port).send(NOTICE)
        channel(port).send(Notice(id="other", kind="live", subject="x"))
    ids = [sink.parsed(i)["Message-ID"] for i in range(3)]
    assert ids[0] == ids[1] != ids[2]
    assert ids[0].endswith("@example.kz>")


def test_starttls_with_login_upgrades_before_authenticating(certificate: Certificate) -> None:
    """security = "starttls": the server insists on STARTTLS and a login, and gets both."""
    with smtp_sink(security="starttls", certificate=certificate, login=True) as (sink, port):
        channel(port, "starttls", login=True, certificate=certificate).send(NOTICE)
    assert sink.logins == [USER]
    assert sink.parsed()["Subject"] == NOTICE.subject


def test_implicit_tls_delivers(certificate: Certificate) -> None:
    """security = "tls": TLS from the first byte (SMTP_SSL) with a login."""
    with smtp_sink(security="tls", certificate=certificate, login=True) as (sink, port):
        channel(port, "tls", login=True, certificate=certificate).send(NOTICE)
    assert sink.logins == [USER]
    assert len(sink.messages) == 1


def test_an_untrusted_certificate_is_a_permanent_failure(certificate: Certificate) -> None:
    """A server whose certificate the system does not trust is refused, not retried."""
    with (
        smtp_sink(security="tls", certificate=certificate) as (sink, port),
        pytest.raises(PermanentFailure, match="certificate"),
    ):
        channel(port, "tls").send(NOTICE)
    assert sink.messages == []


def test_html_alternative_and_attachments_keep_their_types() -> None:
    """The HTML body is the text/html alternative; each file arrives with its MIME type."""
    csv = "programme,views\nАдалдық алаңы,1200\n".encode()
    xlsx = b"PK\x03\x04 not really a workbook \x00\xff"
    notice = Notice(
        id="report:weekly:2026-W09",
        kind="report",
        subject="Есеп weekly · 2026-W09",
        lines=("Файлдар: weekly-2026-W09.csv",),
        attachments=(
            Attachment("weekly-2026-W09.csv", csv, "text/csv"),
            Attachment("апта-2026-W09.xlsx", xlsx, "application/vnd.ms-excel"),
        ),
        html="<html><body><h1>Апталық есеп</h1></body></html>",
    )
    with smtp_sink() as (sink, port):
        channel(port).send(notice)
    mail = sink.parsed()
    assert mail.get_content_type() == "multipart/mixed"
    html = mail.get_body(("html",))
    assert html is not None and "<h1>Апталық есеп</h1>" in html.get_content()
    files = {part.get_filename(): part for part in mail.iter_attachments()}
    assert set(files) == {"weekly-2026-W09.csv", "апта-2026-W09.xlsx"}
    assert files["weekly-2026-W09.csv"].get_content_type() == "text/csv"
    assert files["weekly-2026-W09.csv"].get_payload(decode=True) == csv
    assert files["апта-2026-W09.xlsx"].get_content_type() == "application/vnd.ms-excel"
    assert files["апта-2026-W09.xlsx"].get_payload(decode=True) == xlsx


def test_a_4xx_recipient_refusal_is_temporary() -> None:
    """450 for every recipient: the outbox tries again later."""
    with smtp_sink() as (sink, port):
        sink.rcpt_reply = "450 4.2.1 Mailbox busy, try later"
        with pytest.raises(TemporaryFailure, match=r"450"):
            channel(port).send(NOTICE)


def test_a_5xx_recipient_refusal_is_permanent() -> None:
    """550 for every recipient: marked failed with the reason, not retried."""
    with smtp_sink() as (sink, port):
        sink.rcpt_reply = "550 5.1.1 No such user"
        with pytest.raises(PermanentFailure, match=r"press@example.kz \(550\)"):
            channel(port).send(NOTICE)


def test_a_4xx_and_a_5xx_answer_to_the_message_are_sorted() -> None:
    """451 after DATA is temporary, 554 permanent; each reason quotes the server."""
    with smtp_sink() as (sink, port):
        sink.data_reply = "451 4.3.0 Local error in processing"
        with pytest.raises(TemporaryFailure, match=r"451 4\.3\.0 Local error"):
            channel(port).send(NOTICE)
        sink.data_reply = "554 5.7.1 Message rejected as spam"
        with pytest.raises(PermanentFailure, match=r"554 5\.7\.1"):
            channel(port).send(NOTICE)
    assert sink.messages == []


def test_a_refused_login_is_permanent_and_never_shows_the_password(
    certificate: Certificate, caplog: pytest.LogCaptureFixture
) -> None:
    """A wrong password: PermanentFailure whose reason holds neither it nor its base64."""
    wrong = {"SMTP_USER": USER, "SMTP_PASSWORD": "wrong-Құпия-пароль"}
    caplog.set_level(logging.DEBUG)
    with smtp_sink(security="starttls", certificate=certificate, login=True) as (sink, port):
        failing = channel(port, "starttls", login=True, certificate=certificate, environ=wrong)
        with pytest.raises(PermanentFailure) as caught:
            failing.send(NOTICE)
    assert caught.value.reason == "login refused (535)"
    secret = wrong["SMTP_PASSWORD"]
    encoded = base64.b64encode(f"\0{USER}\0{secret}".encode()).decode()
    ours = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("mail"))
    for text in (str(caught.value), ours):
        assert secret not in text and encoded not in text
    assert sink.messages == []


def test_a_missing_password_variable_is_named_not_guessed() -> None:
    """A login whose variable is unset fails permanently, naming the variable only."""
    with smtp_sink() as (_sink, port), pytest.raises(PermanentFailure) as caught:
        channel(port, login=True, environ={"SMTP_USER": USER}).send(NOTICE)
    assert caught.value.reason == "environment variable SMTP_PASSWORD is not set"


def test_a_refused_connection_is_temporary() -> None:
    """Nobody listening on the port: try again later."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # bound, never listening: the connection is refused
        with pytest.raises(TemporaryFailure, match=r"127\.0\.0\.1"):
            channel(port).send(NOTICE)


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A server that accepts connections and never says a word."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    accepted: list[socket.socket] = []
    thread = threading.Thread(target=lambda: accepted.append(server.accept()[0]), daemon=True)
    thread.start()
    yield server.getsockname()[1]
    server.close()
    for conn in accepted:
        conn.close()


def test_a_server_that_never_greets_times_out_as_temporary(silent_port: int) -> None:
    """No SMTP greeting within the timeout: a temporary failure, not a hang."""
    with pytest.raises(TemporaryFailure, match="timed out"):
        channel(silent_port, timeout=0.2).send(NOTICE)


def test_a_loaded_email_table_sends_to_its_server(tmp_path: Path) -> None:
    """[notify.email] as written in streamer.toml is enough to reach the server."""
    from streamer.config import load_config

    with smtp_sink() as (sink, port):
        path = tmp_path / "streamer.toml"
        path.write_text(
            f'data_dir = "data"\n[notify.email]\nsmtp_host = "127.0.0.1"\nsmtp_port = {port}\n'
            'security = "none"\nsender = "s@example.kz"\nrecipients = ["r@example.kz"]\n',
            encoding="utf-8",
        )
        settings = load_config(path).notify.email
        assert settings is not None
        EmailChannel(settings, {}, clock=CLOCK).send(NOTICE)
    assert sink.recipients == [["r@example.kz"]]
