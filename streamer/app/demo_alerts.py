"""The demo's alerts: each one the simulated week raised, and where it went.

The demo points ``[notify.telegram]`` at the simulator's Bot API stand-in and runs
the outbox's sender in its loop, as the daemon does every ``SEND_EVERY`` seconds.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.table import Table

from streamer.config import Config
from streamer.models import from_iso
from streamer.notify.messages import text
from streamer.platforms import LABELS
from streamer.store import Store

TELEGRAM = """
[notify.telegram]
# The simulator's Telegram Bot API stand-in; the token is read from the environment.
bot_token_env = "STREAMER_DEMO_TELEGRAM_TOKEN"
chat_ids = ["-1001000000001"]
api_endpoint = "{endpoint}"

[alerts]
to = ["telegram"]
"""
TOKEN_ENVIRON = {"STREAMER_DEMO_TELEGRAM_TOKEN": "123456:demo-telegram-token"}
"""The stand-in accepts any token; this one is not a secret, and never in the file."""


def about(event: Mapping[str, Any], config: Config) -> str:
    """What an alert is about, in a few words: the programme, or the platform."""
    data = event["data"]
    if "platform" in data and event["kind"] in ("unhealthy", "recovered"):
        return str(LABELS.get(data["platform"], data["platform"]))
    programme = config.programmes.get(data.get("programme") or "")
    name = programme.display_name(config.language) if programme else "?"
    unplanned = "" if data.get("broadcast") else f" ({text('unplanned', config.language)})"
    return name + unplanned


def alerts_table(store: Store, config: Config, title: str = "Alerts this week") -> Table:
    """One row per alert and channel: when, which, about what, where, how it went."""
    table = Table(title=title, title_justify="left", header_style="bold")
    for column in ("when", "alert", "about", "channel", "state"):
        table.add_column(column)
    for event in store.outbox():
        when = f"{from_iso(event['at']).astimezone(config.tz):%a %H:%M}"
        for channel, record in sorted(event["deliveries"].items()):
            table.add_row(when, event["kind"], about(event, config), channel, record["state"])
    return table
