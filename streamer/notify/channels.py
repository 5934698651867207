"""The channel registry: each configured ``[notify.<name>]`` table, built into a ``Channel``.

Secrets are read here, from the environment variables the settings name; a missing
one is a ``ConfigError`` line naming the key, for the commands that send.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from streamer.errors import ConfigError
from streamer.notify.base import Channel
from streamer.notifyconf import NotifySettings


def _secret(environ: Mapping[str, str], key: str, name: str) -> str:
    value = environ.get(name, "").strip()
    if not value:
        raise ConfigError(f"{key}: the environment variable {name} is not set")
    return value


def _telegram(settings: NotifySettings, environ: Mapping[str, str]) -> Channel:
    from streamer.notify.telegram import TelegramChannel

    assert settings.telegram is not None
    token = _secret(environ, "notify.telegram.bot_token_env", settings.telegram.bot_token_env)
    return TelegramChannel(settings.telegram, token)


def _email(settings: NotifySettings, environ: Mapping[str, str]) -> Channel:
    from streamer.notify.email import EmailChannel

    assert settings.email is not None
    for key in ("username_env", "password_env"):
        name = getattr(settings.email, key)
        if name is not None:  # checked now; the channel reads them when it sends
            _secret(environ, f"notify.email.{key}", name)
    return EmailChannel(settings.email, environ)


def _webhook(settings: NotifySettings, environ: Mapping[str, str]) -> Channel:
    from streamer.notify.webhook import WebhookChannel

    assert settings.webhook is not None
    _secret(environ, "notify.webhook.secret_env", settings.webhook.secret_env)
    return WebhookChannel(settings.webhook, environ)


BUILDERS: dict[str, Callable[[NotifySettings, Mapping[str, str]], Channel]] = {
    "telegram": _telegram,
    "email": _email,
    "webhook": _webhook,
}
"""One builder per channel name; a channel module adds its line here."""


def build_channels(
    settings: NotifySettings, environ: Mapping[str, str], only: tuple[str, ...] | None = None
) -> dict[str, Channel]:
    """The configured channels (``only`` these, when given), by name."""
    wanted = settings.configured() if only is None else only
    return {name: BUILDERS[name](settings, environ) for name in wanted if name in BUILDERS}
