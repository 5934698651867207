"""What every delivery channel shares: the message, the protocol, the errors.

A ``Notice`` is plain text plus structure; each channel renders it in its own form
(Telegram HTML, a mail with attachments, a signed JSON body) and escapes every
outside string (stream titles come from the platforms) for that form itself.
Errors carry a safe ``reason``: never a token, a password or a URL holding one
(the Telegram bot token sits in the request path).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file sent with a notice (a scheduled report's CSV, xlsx, chart...)."""

    filename: str
    content: bytes
    mime: str


@dataclass(frozen=True, slots=True)
class Notice:
    """One message for every channel, in the report language already.

    ``id`` is the outbox's stable event id, also the idempotency key a channel may
    pass on (webhook header). ``subject`` is one short plain-text line; ``lines``
    the body, plain text; ``links`` (label, URL) pairs; ``html`` an already safe
    HTML body (a report's HTML form) that mail uses as its body where present.
    """

    id: str
    kind: str
    subject: str
    lines: tuple[str, ...] = ()
    links: tuple[tuple[str, str], ...] = ()
    attachments: tuple[Attachment, ...] = ()
    html: str | None = None


class DeliveryError(Exception):
    """A channel could not deliver; ``reason`` is safe to log and store."""

    def __init__(self, channel: str, reason: str) -> None:
        super().__init__(f"{channel}: {reason}")
        self.channel = channel
        self.reason = reason


class TemporaryFailure(DeliveryError):
    """Worth retrying later (429, 5xx, timeout, SMTP 4xx); ``retry_after`` in seconds
    when the other side said how long to wait (Telegram's ``retry_after``)."""

    def __init__(self, channel: str, reason: str, retry_after: float | None = None) -> None:
        super().__init__(channel, reason)
        self.retry_after = retry_after


class PermanentFailure(DeliveryError):
    """Refused for good (401 bad token, 400 bad chat, SMTP 5xx): marked failed, not retried."""


class Channel(Protocol):
    """One delivery channel, built from its ``[notify.<name>]`` settings."""

    name: str
    """``telegram``, ``email`` or ``webhook``."""

    def send(self, notice: Notice) -> str:
        """Deliver ``notice`` to every recipient of the channel; return a short safe
        receipt (e.g. ``"message 42 to -1001234567890"``) or raise ``DeliveryError``."""
        ...
