"""The ``[notify.*]`` and ``[alerts]`` tables of ``streamer.toml``, validated.

These key names are part of the documented interface (README, "Alerts and
delivery"). Secrets are named by environment variable (``*_env``), never written
in the file. Every mistake is one ``ConfigError`` line naming the key.

Core, not ``streamer.notify``: the config loads these tables, and the core imports no
feature package. The delivery channels (``streamer.notify``) import their settings from
here. Values are checked with the config validator's own generic checks (``Checks``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field
from typing import Any, Protocol

from streamer.errors import ConfigError

EVENTS = ("live", "late", "missed", "unhealthy", "recovered")
"""The alert events ``[alerts] events`` may name."""

CHANNELS = ("telegram", "email", "webhook")
"""The channel names ``[alerts] to`` and a report job's ``deliver`` may name."""

SECURITY = ("starttls", "tls", "none")


class Checks(Protocol):
    """The config validator's generic checks (``streamer.config``), each failure one
    ``ConfigError`` naming the key."""

    def fail(self, key: str, problem: str) -> ConfigError: ...
    def known_keys(self, prefix: str, table: Mapping[str, Any], allowed: set[str]) -> None: ...
    def table(self, key: str, value: Any) -> dict[str, Any]: ...
    def string(self, key: str, value: Any) -> str: ...
    def choice(self, key: str, value: Any, allowed: tuple[str, ...]) -> str: ...
    def env_name(self, key: str, value: Any) -> str: ...
    def endpoint(self, key: str, value: Any) -> str: ...


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
    """Reads of one table through the config's checks, each failure naming ``prefix.key``.

    Strings are stripped (a chat id or a host with a stray space still works); the
    checks themselves are the config validator's, so both name mistakes alike. A key
    left out takes its settings dataclass's default (see ``known``).
    """

    def __init__(self, prefix: str, table: Mapping[str, Any], checks: Checks) -> None:
        self.prefix, self.table, self.checks = prefix, table, checks
        self.defaults: dict[str, Any] = {}

    def fail(self, key: str, problem: str) -> ConfigError:
        return self.checks.fail(f"{self.prefix}.{key}", problem)

    def known(self, cls: Any) -> None:
        """Refuse keys that are not fields of the dataclass ``cls``; take its defaults."""
        fields = cls.__dataclass_fields__
        self.checks.known_keys(self.prefix + ".", self.table, set(fields))
        self.defaults = {k: f.default for k, f in fields.items() if f.default is not MISSING}

    def text(self, key: str) -> str:
        value = self.table.get(key, self.defaults.get(key))
        if value is None:
            raise self.fail(key, "is required")
        return self.checks.string(f"{self.prefix}.{key}", value).strip()

    def env(self, key: str) -> str:
        return self.checks.env_name(f"{self.prefix}.{key}", self.text(key))

    def optional_env(self, key: str) -> str | None:
        return self.env(key) if key in self.table else None

    def url(self, key: str) -> str:
        return self.checks.endpoint(f"{self.prefix}.{key}", self.text(key))

    def texts(self, key: str) -> tuple[str, ...]:
        value = self.table.get(key)
        if not isinstance(value, list) or not value:
            raise self.fail(key, 'must be a non-empty list, e.g. ["a", "b"]')
        if not all(isinstance(item, str) and item.strip() for item in value):
            raise self.fail(key, "must hold non-empty strings only")
        return tuple(item.strip() for item in value)

    def whole(self, key: str, low: int, high: int) -> int:
        value = self.table.get(key, self.defaults[key])
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise self.fail(key, f"must be a whole number from {low} to {high}, not {value!r}")
        return value


def notify_settings(notify: Any, alerts: Any, checks: Checks) -> NotifySettings:
    """Validate ``[notify]`` (its channel sub-tables) and ``[alerts]``."""
    notify = _table("notify", notify, checks)
    for name in notify:
        if name not in CHANNELS:
            raise checks.fail(
                f"notify.{name}", f"unknown channel; use one of {', '.join(CHANNELS)}"
            )
    readers = {
        name: _Reader(f"notify.{name}", _table(f"notify.{name}", table, checks), checks)
        for name, table in notify.items()
    }
    settings = NotifySettings(
        telegram=_telegram(readers["telegram"]) if "telegram" in readers else None,
        email=_email(readers["email"]) if "email" in readers else None,
        webhook=_webhook(readers["webhook"]) if "webhook" in readers else None,
    )
    table = _table("alerts", alerts, checks)
    alert = _alerts(_Reader("alerts", table, checks), settings.configured()) if table else None
    return NotifySettings(
        settings.telegram, settings.email, settings.webhook, alert or AlertSettings()
    )


def check_deliver(
    key: str, value: Any, configured: tuple[str, ...], checks: Checks
) -> tuple[str, ...]:
    """A report job's ``deliver`` list: channels that have a ``[notify.<name>]`` table."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise checks.fail(key, 'must be a list of channel names, e.g. ["email", "telegram"]')
    return tuple(_channel(key, name, configured, checks) for name in value)


def _table(key: str, value: Any, checks: Checks) -> dict[str, Any]:
    return {} if value is None else checks.table(key, value)


def _telegram(read: _Reader) -> TelegramSettings:
    read.known(TelegramSettings)
    chats = read.texts("chat_ids")
    for chat in chats:
        if not (chat.lstrip("-").isdigit() or (chat.startswith("@") and len(chat) > 1)):
            raise read.fail("chat_ids", f"{chat!r} is not a chat id (-1001234567890 or @channel)")
    return TelegramSettings(
        chat_ids=chats,
        bot_token_env=read.env("bot_token_env"),
        api_endpoint=read.url("api_endpoint"),
    )


def _email(read: _Reader) -> EmailSettings:
    read.known(EmailSettings)
    security = read.checks.choice(f"{read.prefix}.security", read.text("security"), SECURITY)
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
        smtp_port=read.whole("smtp_port", 1, 65535),
        security=security,
        username_env=username,
        password_env=password,
    )


def _webhook(read: _Reader) -> WebhookSettings:
    read.known(WebhookSettings)
    return WebhookSettings(url=read.url("url"), secret_env=read.env("secret_env"))


def _alerts(read: _Reader, configured: tuple[str, ...]) -> AlertSettings:
    read.known(AlertSettings)
    events = read.texts("events") if "events" in read.table else EVENTS
    for event in events:
        if event not in EVENTS:
            raise read.fail("events", f"{event!r} is not an event; use any of {', '.join(EVENTS)}")
    to = read.texts("to") if "to" in read.table else ()
    return AlertSettings(
        events=events,
        to=tuple(_channel("alerts.to", name, configured, read.checks) for name in to),
        late_after_min=read.whole("late_after_min", 1, 24 * 60),
    )


def _channel(key: str, name: str, configured: tuple[str, ...], checks: Checks) -> str:
    if name not in CHANNELS:
        raise checks.fail(key, f"{name!r} is not a channel; use any of {', '.join(CHANNELS)}")
    if name not in configured:
        raise checks.fail(key, f"{name!r} has no [notify.{name}] table; add one or remove it here")
    return name
