"""Console rendering shared by the CLI commands (rich)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.table import Table
from rich.text import Text

from streamer.models import Broadcast, BroadcastStatus
from streamer.safe_text import shown

_STATUS_STYLE = {
    BroadcastStatus.PLANNED: "cyan",
    BroadcastStatus.LIVE: "bold green",
    BroadcastStatus.HELD: "green",
    BroadcastStatus.CANCELLED: "dim",
    BroadcastStatus.MISSED: "red",
}


PIPE_WIDTH = 120
SHORT = {"youtube": "YT", "facebook": "FB", "instagram": "IG", "twitch": "TW"}


def make_console(*, stderr: bool = False) -> Console:
    """A console on stdout (or stderr); plain text 120 wide when piped to a file."""
    stream = sys.stderr if stderr else sys.stdout
    width = None if stream.isatty() or os.environ.get("COLUMNS") else PIPE_WIDTH
    return Console(stderr=stderr, highlight=False, soft_wrap=False, width=width)


def local(moment: datetime, tz: ZoneInfo) -> str:
    """``moment`` as ``YYYY-MM-DD HH:MM`` in the configured zone."""
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def plan_table(broadcasts: Iterable[Broadcast], tz: ZoneInfo, title: str | None = None) -> Table:
    """The plan as a table: one row per broadcast, local times, targets, status."""
    table = Table(title=title, title_justify="left", header_style="bold")
    table.add_column("id", no_wrap=True)
    table.add_column(f"start ({tz.key})", no_wrap=True)
    table.add_column("min", justify="right")
    table.add_column("programme", no_wrap=True)
    table.add_column("title", ratio=1)
    table.add_column("targets", no_wrap=True)
    table.add_column("status", no_wrap=True)
    for item in broadcasts:
        table.add_row(
            item.id,
            f"{local(item.start, tz)} {item.start.astimezone(tz):%a}",
            str(item.duration_min),
            item.programme,
            Text(shown(item.title)),  # a Text: "[" in a title is not rich markup
            " ".join(SHORT.get(t.platform, t.platform) for t in item.targets),
            f"[{_STATUS_STYLE[item.status]}]{item.status.value}[/]",
        )
    return table
