"""Console rendering shared by the CLI commands (rich)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date
from rich.console import Console, RenderableType
from rich.table import Table
from rich.text import Text

from reports.labels import LOCALES, label, short_label
from reports.layout import PRIORITY, Cell, Column, dropped_note, fit
from reports.longtable import table_renderable
from schedules.localtime import format_local
from streamer.models import Broadcast, BroadcastStatus
from streamer.platforms import CODES
from streamer.safe_text import printable, shown

_STATUS_STYLE = {
    BroadcastStatus.PLANNED: "cyan",
    BroadcastStatus.LIVE: "bold green",
    BroadcastStatus.HELD: "green",
    BroadcastStatus.CANCELLED: "dim",
    BroadcastStatus.MISSED: "red",
}


PIPE_WIDTH = 120


def make_console(*, stderr: bool = False) -> Console:
    """A console on stdout (or stderr); plain text 120 wide when piped to a file."""
    stream = sys.stderr if stderr else sys.stdout
    width = None if stream.isatty() or os.environ.get("COLUMNS") else PIPE_WIDTH
    return Console(stderr=stderr, highlight=False, soft_wrap=False, width=width)


def plan_table(
    broadcasts: Iterable[Broadcast],
    tz: ZoneInfo,
    title: str | None = None,
    *,
    width: int = PIPE_WIDTH,
    lang: str = "en",
    wide: bool = False,
    dropped: str = "note.dropped",
) -> RenderableType:
    """The plan as a table fitting ``width``: one row per broadcast, local start first.

    The same rules as the reports: ids, times and statuses never split, titles wrap
    at words (or end in "…"), the lowest-priority columns drop out (the caption says
    which) — targets first, then the planned minutes and the programme; ``wide``
    keeps them all. ``dropped``: the label of that caption (``note.dropped_plan`` from a
    command without ``--wide``, the demo).
    """
    columns = plan_columns(broadcasts, tz, lang)
    fitted = fit(columns, width, PRIORITY["plan"], wide=wide)
    caption = f"* {dropped_note(fitted, lang, dropped)}" if fitted.dropped else None
    return table_renderable(fitted, title, caption)  # a long plan: drawn as text


def plan_columns(broadcasts: Iterable[Broadcast], tz: ZoneInfo, lang: str) -> list[Column]:
    """The plan table's columns before fitting: short headers, one cell per broadcast."""
    items = list(broadcasts)
    # Plain strings where nothing is styled (never read as markup: ``reports.layout``).
    cells: dict[str, list[Cell]] = {
        "id": [b.id for b in items],
        "start": [f"{format_local(b.start, tz)} {weekday(b.start, tz, lang)}" for b in items],
        "duration_min": [str(b.duration_min) for b in items],
        "programme": [b.programme for b in items],
        "title": [shown(b.title) for b in items],  # titles come from outside
        "targets": [" ".join(CODES.get(t.platform, t.platform) for t in b.targets) for b in items],
        "status": [
            Text(label(f"status.{b.status.value}", lang), style=_STATUS_STYLE[b.status])
            for b in items
        ],
    }
    headers = {"start": f"{short_label('start', lang)} ({tz.key})", "duration_min": "min"}
    return [
        Column(key, headers.get(key) or short_label(key, lang), texts, key == "duration_min")
        for key, texts in cells.items()
    ]


def weekday(moment: datetime, tz: ZoneInfo, lang: str) -> str:
    """The local day of the week, abbreviated in the language (Mon, пн, дс)."""
    return format_date(moment.astimezone(tz).date(), "EEE", locale=LOCALES[lang])


def show_grid(item: Broadcast, tz: ZoneInfo) -> Table:
    """One broadcast in full, a field a line: the local start first, UTC second.

    Values wrap at words under themselves, so a long title or list of targets
    never pushes the field names out of line at any width.
    """
    fields: dict[str, object] = {
        "id": item.id,
        f"start ({tz.key})": format_local(item.start, tz),
        "start (UTC)": f"{item.start.astimezone(ZoneInfo('UTC')):%Y-%m-%d %H:%M}",
    }
    data = item.to_dict()
    data["targets"] = [str(t) for t in item.targets]
    fields |= {k: v for k, v in data.items() if k not in ("id", "start")}
    grid = Table.grid(padding=(0, 2))
    grid.add_column(justify="right", no_wrap=True, style="bold")
    grid.add_column(overflow="fold")
    for key, value in fields.items():
        text = ", ".join(str(v) for v in value) if isinstance(value, list) else value
        grid.add_row(key, Text(printable("" if text is None else str(text))))
    return grid
