"""The ``[notify.*]`` and ``[alerts]`` tables of ``streamer.toml``, validated.

These key names are part of the documented interface (README, "Alerts and
delivery"). Secrets are named by environment variable (``*_env``), never written
in the file. Every mistake is one ``ConfigError`` line naming the key.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from streamer.envnames import NOT_A_NAME, is_env_name
from streamer.errors import ConfigError
from streamer.notify.base import CHANNELS, EVENTS

Fail = Callable[[str, str], ConfigError]
SECURITY = ("starttls", "tls", "none")


@dataclass(frozen=True, slots=True)
class TelegramSettings:
    """``[notify.telegram]``: the Bot API."""

    chat_ids: tuple[str, ...]
    bot_token_env: str = "TELEGRAM_BOT_TOKEN"
    api_endpoint: str = "https://api.telegram.org"


@dataclass(frozen=True, slots=True)
class EmailSettings:
    """``[notify.email]``: SMTP."""

    smtp_host: str
    sender: str
    recipients: tuple[str, ...]
    smtp_port: int = 587
    security: str = "starttls"
    username_env: str | None = None
    password_env: str | None = None


@dataclass(frozen=True, slots=True)
class WebhookSettings:
    """``[notify.webhook]``: a JSON POST signed with HMAC-SHA256."""

    url: str
    secret_env: str = "WEBHOOK_SECRET"


@dataclass(frozen=True, slots=True)
class AlertSettings:
    """``[alerts]``: which events go to which channels."""

    events: tuple[str, ...] = EVENTS
    to: tuple[str, ...] = ()
    late_after_min: int = 10


@dataclass(frozen=True, slots=True)
class NotifySettings:
    """Every configured channel (``None`` when its table is absent) and the alerts."""

    telegram: TelegramSettings | None = None
    email: EmailSettings | None = None
    webhook: WebhookSettings | None = None
    alerts: AlertSettings = field(default_factory=AlertSettings)

    def configured(self) -> tuple[str, ...]:
        """The names of the channels that have a ``[notify.<name>]`` table."""
        return tuple(name for name in CHANNELS if getattr(self, name) is not None)


class _Reader:
    """Typed reads of one table, each failure naming ``prefix.key``."""

    def __init__(self, prefix: str, table: Mapping[str, Any], fail: Fail) -> None:
        self.prefix, self.table, self.raw_fail = prefix, table, fail

    def fail(self, key: str, problem: str) -> ConfigError:
        return self.raw_fail(f"{self.prefix}.{key}", problem)

    def known(self, allowed: tuple[str, ...]) -> None:
        for key in self.table:
            if key not in allowed:
                raise self.fail(key, f"unknown key; known keys: {', '.join(sorted(allowed))}")

    def text(self, key: str, default: str | None = None) -> str:
        value = self.table.get(key, default)
        if value is None:
            raise self.fail(key, "is required")
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, f"must be a non-empty string, not {value!r}")
        return value.strip()

    def env(self, key: str, default: str | None = None) -> str:
        value = self.text(key, default)
        if not is_env_name(value):  # never echoed: it may be the secret
            raise self.fail(key, NOT_A_NAME)
        return value

    def optional_env(self, key: str) -> str | None:
        return self.env(key) if key in self.table else None

    def url(self, key: str, default: str | None = None) -> str:
        value = self.text(key, default)
        if not value.startswith(("http://", "https://")):
            raise self.fail(key, f"{value!r} is not a URL; use e.g. https://host")
        return value.rstrip("/")

    def texts(self, key: str) -> tuple[str, ...]:
        value = self.table.get(key)
        if not isinstance(value, list) or not value:
            raise self.fail(key, 'must be a non-empty list, e.g. ["a", "b"]')
        if not all(isinstance(item, str) and item.strip() for item in value):
            raise self.fail(key, "must hold non-empty strings only")
        return tuple(item.strip() for item in value)

    def whole(self, key: str, default: int, low: int, high: int) -> int:
        value = self.table.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise self.fail(key, f"must be a whole number from {low} to {high}, not {value!r}")
        return value


def notify_settings(notify: Any, alerts: Any, fail: Fail) -> NotifySettings:
    """Validate ``[notify]`` (its channel sub-tables) and ``[alerts]``."""
    notify = _table("notify", notify, fail)
    for name in notify:
        if name not in CHANNELS:
            raise fail(f"notify.{name}", f"unknown channel; use one of {', '.join(CHANNELS)}")
    readers = {
        name: _Reader(f"notify.{name}", _table(f"notify.{name}", table, fail), fail)
        for name, table in notify.items()
    }
    settings = NotifySettings(
        telegram=_telegram(readers["telegram"]) if "telegram" in readers else None,
        email=_email(readers["email"]) if "email" in readers else None,
        webhook=_webhook(readers["webhook"]) if "webhook" in readers else None,
    )
    table = _table("alerts", alerts, fail)
    alert = _alerts(_Reader("alerts", table, fail), settings.configured()) if table else None
    return NotifySettings(
        settings.telegram, settings.email, settings.webhook, alert or AlertSettings()
    )


def check_deliver(key: str, value: Any, configured: tuple[str, ...], fail: Fail) -> tuple[str, ...]:
    """A report job's ``deliver`` list: channels that have a ``[notify.<name>]`` table."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise fail(key, 'must be a list of channel names, e.g. ["email", "telegram"]')
    return tuple(_channel(key, name, configured, fail) for name in value)


def _table(key: str, value: Any, fail: Fail) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise fail(key, f"must be a table, e.g. [{key}]")
    return value


def _telegram(read: _Reader) -> TelegramSettings:
    read.known(tuple(TelegramSettings.__dataclass_fields__))
    chats = read.texts("chat_ids")
    for chat in chats:
        if not (chat.lstrip("-").isdigit() or (chat.startswith("@") and len(chat) > 1)):
            raise read.fail("chat_ids", f"{chat!r} is not a chat id (-1001234567890 or @channel)")
    return TelegramSettings(
        chat_ids=chats,
        bot_token_env=read.env("bot_token_env", "TELEGRAM_BOT_TOKEN"),
        api_endpoint=read.url("api_endpoint", "https://api.telegram.org"),
    )


def _email(read: _Reader) -> EmailSettings:
    read.known(tuple(EmailSettings.__dataclass_fields__))
    security = read.text("security", "starttls")
    if security not in SECURITY:
        raise read.fail(
            "security", f"{security!r} is not allowed; use one of {', '.join(SECURITY)}"
        )
    username, password = read.optional_env("username_env"), read.optional_env("password_env")
    if (username is None) != (password is None):
        raise read.fail("password_env", "give username_env and password_env together, or neither")
    recipients = read.texts("recipients")
    sender = read.text("sender")
    for address in (sender, *recipients):
        if "@" not in address or any(c in address for c in " \r\n<>,"):
            raise read.fail("recipients", f"{address!r} is not a mail address")
    return EmailSettings(
        smtp_host=read.text("smtp_host"),
        sender=sender,
        recipients=recipients,
        smtp_port=read.whole("smtp_port", 587, 1, 65535),
        security=security,
        username_env=username,
        password_env=password,
    )


def _webhook(read: _Reader) -> WebhookSettings:
    read.known(tuple(WebhookSettings.__dataclass_fields__))
    return WebhookSettings(url=read.url("url"), secret_env=read.env("secret_env", "WEBHOOK_SECRET"))


def _alerts(read: _Reader, configured: tuple[str, ...]) -> AlertSettings:
    read.known(tuple(AlertSettings.__dataclass_fields__))
    events = read.texts("events") if "events" in read.table else EVENTS
    for event in events:
        if event not in EVENTS:
            raise read.fail("events", f"{event!r} is not an event; use any of {', '.join(EVENTS)}")
    to = read.texts("to") if "to" in read.table else ()
    return AlertSettings(
        events=events,
        to=tuple(_channel("alerts.to", name, configured, read.raw_fail) for name in to),
        late_after_min=read.whole("late_after_min", 10, 1, 24 * 60),
    )


def _channel(key: str, name: str, configured: tuple[str, ...], fail: Fail) -> str:
    if name not in CHANNELS:
        raise fail(key, f"{name!r} is not a channel; use any of {', '.join(CHANNELS)}")
    if name not in configured:
        raise fail(key, f"{name!r} has no [notify.{name}] table; add one or remove it here")
    return name
