"""The webhook channel: ``[notify.webhook]``, a signed JSON POST (httpx).

The body is compact UTF-8 JSON (keys sorted, so a notice always gives the same
bytes)::

    {"attachments": [{"content_base64": "...", "filename": "weekly-2026-W09.csv",
      "mime": "text/csv", "sha256": "...", "size": 812}],
     "id": "report:weekly:2026-W09", "kind": "report",
     "lines": ["..."], "links": [{"label": "YouTube", "url": "https://..."}],
     "subject": "..."}

A file up to ``INLINE_LIMIT`` bytes travels inline as ``content_base64``; a larger
one only by name, type, size and SHA-256. A notice's ``html`` is not sent.

Headers: ``X-Streamer-Signature: sha256=<hex>``, the HMAC-SHA256 of the exact body
bytes keyed with the secret from ``secret_env``; ``Idempotency-Key: <notice id>``
(percent-encoded beyond ASCII; the same for every retry of one notice, so a
receiver drops a repeat by it);
``X-Streamer-Event: <kind>``.

429, 408, 5xx, a timeout or a dropped connection are ``TemporaryFailure``
(``Retry-After`` honoured); any other 4xx or a redirect is ``PermanentFailure``.
Reasons never hold the URL, which may carry a token of the receiver's.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import httpx

from streamer.clock import Clock, SystemClock
from streamer.notify.base import Notice, PermanentFailure, TemporaryFailure
from streamer.notifyconf import WebhookSettings
from streamer.retry import retry_after_seconds

NAME = "webhook"
INLINE_LIMIT = 256 * 1024
"""Attachments up to this many bytes are sent inline (base64) in the JSON body."""
SIGNATURE_HEADER = "X-Streamer-Signature"
IDEMPOTENCY_HEADER = "Idempotency-Key"
REPLY_CHARS = 120


class WebhookChannel:
    """POSTs each notice to ``url``, signed with the secret from ``secret_env``."""

    name = NAME

    def __init__(
        self,
        settings: WebhookSettings,
        environ: Mapping[str, str],
        *,
        clock: Clock | None = None,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.settings = settings
        self.environ = environ
        self.clock = clock or SystemClock()
        self.timeout = timeout
        self.transport = transport  # tests: httpx.MockTransport

    def send(self, notice: Notice) -> str:
        """Deliver ``notice``; return ``"HTTP <status>"`` or raise a ``DeliveryError``."""
        secret = self.environ.get(self.settings.secret_env)
        if not secret:
            reason = f"environment variable {self.settings.secret_env} is not set"
            raise PermanentFailure(NAME, reason)
        body = webhook_body(notice)
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            SIGNATURE_HEADER: sign(secret.encode("utf-8"), body),
            IDEMPOTENCY_HEADER: quote(notice.id, safe=":/@-_.~"),  # headers are ASCII
            "X-Streamer-Event": notice.kind,
            "User-Agent": "streamer",
        }
        try:
            with httpx.Client(timeout=self.timeout, transport=self.transport) as client:
                response = client.post(self.settings.url, content=body, headers=headers)
        except httpx.TimeoutException:
            raise TemporaryFailure(NAME, "timed out") from None
        except httpx.TransportError as error:
            raise TemporaryFailure(NAME, f"connection failed ({type(error).__name__})") from None
        return self._verdict(response)

    def _verdict(self, response: httpx.Response) -> str:
        status = response.status_code
        if 200 <= status < 300:
            return f"HTTP {status}"
        reason = f"HTTP {status} {_snippet(response)}".strip()
        if status in (408, 429) or status >= 500:
            wait = retry_after_seconds(response.headers, self.clock.now())
            raise TemporaryFailure(NAME, reason, retry_after=wait)
        if 300 <= status < 400:
            reason = f"HTTP {status}: redirected; set url to the final address"
        raise PermanentFailure(NAME, reason)


def webhook_body(notice: Notice) -> bytes:
    """The exact JSON bytes POSTed (and signed) for ``notice``."""
    document: dict[str, Any] = {
        "id": notice.id,
        "kind": notice.kind,
        "subject": notice.subject,
        "lines": list(notice.lines),
        "links": [{"label": label, "url": url} for label, url in notice.links],
        "attachments": [_attachment(a.filename, a.mime, a.content) for a in notice.attachments],
    }
    text = json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return text.encode("utf-8")


def sign(secret: bytes, body: bytes) -> str:
    """The ``X-Streamer-Signature`` value: ``sha256=`` and the HMAC-SHA256 in hex."""
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def _attachment(filename: str, mime: str, content: bytes) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "filename": filename,
        "mime": mime,
        "size": len(content),
        "sha256": hashlib.sha256(content).hexdigest(),
    }
    if len(content) <= INLINE_LIMIT:
        entry["content_base64"] = base64.b64encode(content).decode("ascii")
    return entry


def _snippet(response: httpx.Response) -> str:
    """The start of the receiver's answer, on one line, for the reason."""
    return " ".join(response.text.split())[:REPLY_CHARS]
