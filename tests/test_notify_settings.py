"""The ``[notify.*]`` and ``[alerts]`` tables and a report job's ``deliver``, validated at load."""

from __future__ import annotations

from pathlib import Path

import pytest

from streamer.config import load_config
from streamer.errors import ConfigError

CHANNELS = """
[notify.telegram]
chat_ids = ["-1001234567890", "@antikor_news"]

[notify.email]
smtp_host = "smtp.example.kz"
smtp_port = 465
security = "tls"
username_env = "SMTP_USER"
password_env = "SMTP_PASSWORD"
sender = "streamer@example.kz"
recipients = ["press@example.kz"]

[notify.webhook]
url = "https://hooks.example.kz/streamer"
"""


def load(tmp_path: Path, text: str):  # type: ignore[no-untyped-def]
    path = tmp_path / "streamer.toml"
    path.write_text('data_dir = "data"\n' + text, encoding="utf-8")
    return load_config(path)


def test_no_notify_table_means_no_channel_and_no_alerts(tmp_path: Path) -> None:
    """A config without the tables loads with nothing configured and alerts sent nowhere."""
    config = load(tmp_path, "")
    assert config.notify.configured() == ()
    assert config.notify.alerts.to == ()
    assert config.notify.alerts.late_after_min == 10


def test_the_documented_keys_load_with_their_defaults(tmp_path: Path) -> None:
    """Every documented key is read; defaults fill what is left out."""
    config = load(tmp_path, CHANNELS + '[alerts]\nto = ["telegram", "email"]\nevents = ["live"]\n')
    notify = config.notify
    assert notify.configured() == ("telegram", "email", "webhook")
    assert notify.telegram is not None and notify.telegram.bot_token_env == "TELEGRAM_BOT_TOKEN"
    assert notify.telegram.api_endpoint == "https://api.telegram.org"
    assert notify.telegram.chat_ids == ("-1001234567890", "@antikor_news")
    assert notify.email is not None and (notify.email.smtp_port, notify.email.security) == (
        465,
        "tls",
    )
    assert notify.webhook is not None and notify.webhook.secret_env == "WEBHOOK_SECRET"
    assert (notify.alerts.to, notify.alerts.events) == (("telegram", "email"), ("live",))


def test_a_report_job_delivers_to_configured_channels(tmp_path: Path) -> None:
    """``deliver`` names channels; a job without it delivers nowhere."""
    jobs = '[[reports]]\nname = "weekly"\ncron = "0 9 * * MON"\ndeliver = ["email"]\n'
    jobs += '[[reports]]\nname = "daily"\ncron = "0 8 * * *"\n'
    config = load(tmp_path, CHANNELS + jobs)
    assert [job.deliver for job in config.reports] == [("email",), ()]


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('[notify.sms]\nto = "1"\n', "notify.sms"),
        ("[notify.telegram]\n", "notify.telegram.chat_ids"),
        ('[notify.telegram]\nchat_ids = ["news"]\n', "notify.telegram.chat_ids"),
        (
            '[notify.telegram]\nchat_ids = ["1"]\nbot_token_env = "123:ABC-secret"\n',
            "bot_token_env",
        ),
        (
            '[notify.telegram]\nchat_ids = ["1"]\napi_endpoint = "api.telegram.org"\n',
            "api_endpoint",
        ),
        ('[notify.telegram]\nchat_ids = ["1"]\ntoken = "x"\n', "notify.telegram.token"),
        ('[notify.email]\nsender = "a@b.kz"\nrecipients = ["c@d.kz"]\n', "smtp_host"),
        (
            '[notify.email]\nsmtp_host = "h"\nsender = "a@b.kz"\nrecipients = ["c@d.kz"]\n'
            'security = "ssl"\n',
            "notify.email.security",
        ),
        (
            '[notify.email]\nsmtp_host = "h"\nsender = "a@b.kz"\nrecipients = ["c@d.kz"]\n'
            'username_env = "SMTP_USER"\n',
            "notify.email.password_env",
        ),
        (
            '[notify.email]\nsmtp_host = "h"\nsender = "a@b.kz"\nrecipients = ["c d@e.kz"]\n',
            "notify.email.recipients",
        ),
        (
            '[notify.email]\nsmtp_host = "h"\nsender = "a@b.kz"\nrecipients = ["c@d.kz"]\n'
            "smtp_port = 0\n",
            "notify.email.smtp_port",
        ),
        ('[notify.webhook]\nurl = "hooks"\n', "notify.webhook.url"),
        ('[alerts]\nto = ["telegram"]\n', "alerts.to"),
        ('[alerts]\nevents = ["started"]\n', "alerts.events"),
        ("[alerts]\nlate_after_min = 0\n", "alerts.late_after_min"),
        ('[[reports]]\nname = "w"\ncron = "0 9 * * MON"\ndeliver = ["telegram"]\n', "deliver"),
        ('[[reports]]\nname = "w"\ncron = "0 9 * * MON"\ndeliver = "email"\n', "deliver"),
    ],
)
def test_each_mistake_is_one_line_naming_the_key(tmp_path: Path, text: str, key: str) -> None:
    """A bad table, key or value is a ConfigError whose one line names the key."""
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, text)
    message = str(caught.value)
    assert key in message and "\n" not in message
