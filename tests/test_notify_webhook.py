"""The webhook channel against a loopback HTTP server that checks the signature."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from streamer.clock import SimulatedClock
from streamer.notify.base import Attachment, Notice, PermanentFailure, TemporaryFailure
from streamer.notify.webhook import INLINE_LIMIT, WebhookChannel, webhook_body
from streamer.notifyconf import WebhookSettings

SECRET = "whsec-Құпия-7f3a"
ENV = {"WEBHOOK_SECRET": SECRET}
CLOCK = SimulatedClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
NOTICE = Notice(
    id="live:2026-03-02:antikor-efir",
    kind="live",
    subject="Эфир начался: «Честный разговор»",
    lines=("Программа: Честный разговор",),
    links=(("YouTube", "https://www.youtube.com/watch?v=abc123"),),
)


@dataclass
class Receiver:
    """What the loopback server got, and the answer it gives next."""

    requests: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    answer: bytes = b'{"ok":true}'


def verify(secret: str, body: bytes, header: str) -> bool:
    """What a receiver does: recompute the HMAC over the raw body, compare in constant time."""
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header)


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    """A ThreadingHTTPServer on loopback; yields the record and its URL."""
    record = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            record.requests.append((dict(self.headers.items()), body))
            self.send_response(record.status)
            for name, value in record.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(record.answer)))
            self.end_headers()
            self.wfile.write(record.answer)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield record, f"http://127.0.0.1:{server.server_address[1]}/hooks/streamer"
    server.shutdown()
    server.server_close()


def channel(url: str, **options: object) -> WebhookChannel:
    return WebhookChannel(WebhookSettings(url=url), ENV, clock=CLOCK, **options)  # type: ignore[arg-type]


def test_the_body_is_signed_and_carries_the_notice(receiver: tuple[Receiver, str]) -> None:
    """The receiver verifies the HMAC over the exact bytes and reads the notice back."""
    record, url = receiver
    assert channel(url).send(NOTICE) == "HTTP 200"
    headers, body = record.requests[0]
    assert verify(SECRET, body, headers["X-Streamer-Signature"])
    assert not verify("another secret", body, headers["X-Streamer-Signature"])
    assert headers["Idempotency-Key"] == NOTICE.id
    assert headers["X-Streamer-Event"] == "live"
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    document = json.loads(body)
    assert document["subject"] == NOTICE.subject
    assert document["lines"] == ["Программа: Честный разговор"]
    assert document["links"] == [
        {"label": "YouTube", "url": "https://www.youtube.com/watch?v=abc123"}
    ]
    assert SECRET not in body.decode()


def test_a_retry_sends_the_same_bytes_and_key(receiver: tuple[Receiver, str]) -> None:
    """A notice sent twice has the same body, signature and key: a receiver can drop it."""
    record, url = receiver
    channel(url).send(NOTICE)
    channel(url).send(NOTICE)
    (first_headers, first), (second_headers, second) = record.requests
    assert first == second
    for name in ("X-Streamer-Signature", "Idempotency-Key"):
        assert first_headers[name] == second_headers[name]


def test_small_files_travel_inline_and_large_ones_by_digest() -> None:
    """A file up to INLINE_LIMIT is base64 in the body; a larger one only name, size, SHA-256."""
    small, large = b"programme,views\n", b"x" * (INLINE_LIMIT + 1)
    notice = Notice(
        id="report:weekly:2026-W09",
        kind="report",
        subject="Report weekly · 2026-W09",
        attachments=(
            Attachment("weekly-2026-W09.csv", small, "text/csv"),
            Attachment("weekly-2026-W09.png", large, "image/png"),
        ),
    )
    inline, by_digest = json.loads(webhook_body(notice))["attachments"]
    assert base64.b64decode(inline["content_base64"]) == small
    assert inline["size"] == len(small) and inline["mime"] == "text/csv"
    assert "content_base64" not in by_digest
    assert by_digest["sha256"] == hashlib.sha256(large).hexdigest()
    assert by_digest["size"] == INLINE_LIMIT + 1


def test_429_is_temporary_with_the_retry_after_it_asked(receiver: tuple[Receiver, str]) -> None:
    """429 with Retry-After: 120 is retried later, after the 120 s it asked for."""
    record, url = receiver
    record.status, record.headers = 429, {"Retry-After": "120"}
    with pytest.raises(TemporaryFailure) as caught:
        channel(url).send(NOTICE)
    assert caught.value.retry_after == 120.0
    assert caught.value.reason.startswith("HTTP 429")


def test_a_retry_after_date_is_read_against_the_injected_clock(
    receiver: tuple[Receiver, str],
) -> None:
    """503 with an HTTP-date Retry-After: the wait is counted from the channel's clock."""
    record, url = receiver
    record.status, record.headers = 503, {"Retry-After": "Mon, 02 Mar 2026 09:05:00 GMT"}
    with pytest.raises(TemporaryFailure) as caught:
        channel(url).send(NOTICE)
    assert caught.value.retry_after == 300.0


def test_500_is_temporary_and_quotes_the_answer(receiver: tuple[Receiver, str]) -> None:
    """500 without Retry-After: temporary, no requested wait, the reply's start in the reason."""
    record, url = receiver
    record.status, record.answer = 500, b"internal\nerror"
    with pytest.raises(TemporaryFailure) as caught:
        channel(url).send(NOTICE)
    assert caught.value.retry_after is None
    assert caught.value.reason == "HTTP 500 internal error"


def test_400_is_permanent_and_the_url_stays_out_of_the_reason(
    receiver: tuple[Receiver, str], caplog: pytest.LogCaptureFixture
) -> None:
    """400: refused for good; neither the URL nor the secret appears in the reason or logs."""
    record, url = receiver
    record.status, record.answer = 400, b'{"error":"bad payload"}'
    caplog.set_level(logging.DEBUG)
    with pytest.raises(PermanentFailure) as caught:
        channel(url + "?token=hidden-receiver-token").send(NOTICE)
    assert caught.value.reason == 'HTTP 400 {"error":"bad payload"}'
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name != "httpx")
    for text in (str(caught.value), logged):
        assert SECRET not in text and "hidden-receiver-token" not in text


def test_a_timeout_is_temporary() -> None:
    """The receiver does not answer in time: try again later."""

    def hang(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("no answer", request=request)

    with pytest.raises(TemporaryFailure, match="timed out"):
        channel("https://hooks.example.kz/x", transport=httpx.MockTransport(hang)).send(NOTICE)


def test_a_refused_connection_is_temporary() -> None:
    """Nobody listening: a temporary failure naming the kind of error, not the URL."""

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(TemporaryFailure) as caught:
        channel("https://hooks.example.kz/x", transport=httpx.MockTransport(refuse)).send(NOTICE)
    assert caught.value.reason == "connection failed (ConnectError)"


def test_a_missing_secret_is_permanent_and_sends_nothing(receiver: tuple[Receiver, str]) -> None:
    """Without the secret nothing unsigned goes out; the reason names the variable."""
    record, url = receiver
    with pytest.raises(PermanentFailure) as caught:
        WebhookChannel(WebhookSettings(url=url), {}, clock=CLOCK).send(NOTICE)
    assert caught.value.reason == "environment variable WEBHOOK_SECRET is not set"
    assert record.requests == []
