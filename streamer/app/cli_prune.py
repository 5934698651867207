"""``streamer prune``: remove old snapshot partitions whose rollups are final."""

from __future__ import annotations

from datetime import date, datetime

import click

from streamer.app.clibase import CONTEXT, App, pass_app
from streamer.app.console import make_console
from streamer.clock import Clock, SystemClock
from streamer.errors import UserError
from streamer.prune import prune_before, retention_cutoff

CLOCK: Clock = SystemClock()  # tests put a SimulatedClock here


@click.command(context_settings=CONTEXT)
@click.option("--before", "before_text", metavar="DATE", help="Remove days before DATE (UTC).")
@click.option("--dry-run", is_flag=True, help="Say what would be removed; remove nothing.")
@pass_app
def prune(app: App, before_text: str | None, dry_run: bool) -> None:
    """Delete snapshot partitions older than DATE once every stream in them is done.

    Reports read rollups, so old raw snapshots only take disk space. Rollups,
    streams and the plan are never touched. Without --before, retention_days from
    the config sets the cutoff. Refused, with nothing removed, if any partition
    before DATE still has a stream being polled or is being written right now.

    \b
    Example:
      streamer prune --before 2026-01-01 --dry-run
    """
    now = CLOCK.now()
    before = _cutoff(app, before_text, now)
    store = app.store() if dry_run else app.writable_store()
    result = prune_before(store, before, now, dry_run=dry_run, strict=True)
    make_console().print(result.line())


def _cutoff(app: App, text: str | None, now: datetime) -> date:
    """``--before`` as a date, else today minus the configured retention_days."""
    if text is not None:
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise UserError(f"--before {text!r} is not a date; use YYYY-MM-DD") from None
    days = app.config().retention_days
    if days is None:
        raise UserError("give --before DATE, or set retention_days in the config")
    return retention_cutoff(now, days)
