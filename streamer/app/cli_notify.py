"""``streamer notify``: send a test message, show the outbox."""

from __future__ import annotations

import json
import os

import click

from streamer.app.clibase import CONTEXT, App, pass_app
from streamer.errors import UserError


@click.group(context_settings=CONTEXT, no_args_is_help=True)
def notify() -> None:
    """Alerts and delivery: test the channels, list the outbox.

    \b
    Example:
      streamer notify test --to telegram
      streamer notify list --format json
    """


@notify.command("test", context_settings=CONTEXT)
@click.option(
    "--to", "to", help="One channel (telegram, email, webhook); default: every configured one."
)
@pass_app
def test_command(app: App, to: str | None) -> int:
    """Send a test message; one line per channel saying what it answered (exit 1 if any failed).

    \b
    Example:
      streamer notify test --to telegram
    """
    from streamer.clock import SystemClock
    from streamer.models import to_iso
    from streamer.notify.base import DeliveryError
    from streamer.notify.channels import build_channels
    from streamer.notify.messages import test_notice

    config = app.config()
    configured = config.notify.configured()
    if to is not None and to not in configured:
        known = ", ".join(configured) or "none"
        raise UserError(f"--to {to}: no [notify.{to}] table in the config (configured: {known})")
    wanted = (to,) if to else configured
    if not wanted:
        raise UserError(
            "no [notify.<channel>] table in the config; see README 'Alerts and delivery'"
        )
    channels = build_channels(config.notify, os.environ, wanted)
    notice = test_notice(config.language, to_iso(SystemClock().now()))
    failed = 0
    for name, channel in channels.items():
        try:
            click.echo(f"{name}: ok, {channel.send(notice)}")
        except DeliveryError as exc:
            failed += 1
            click.echo(f"{name}: failed, {exc.reason}")
    return 1 if failed else 0


@notify.command("list", context_settings=CONTEXT)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True, help="Output form.")  # fmt: skip
@click.option("--all", "everything", is_flag=True, help="Include archived (older) events.")
@pass_app
def list_command(app: App, fmt: str, everything: bool) -> None:
    """Show the outbox: each event and its delivery per channel (pending, sent, failed).

    \b
    Example:
      streamer notify list --format json
    """
    outbox = app.store().outbox(include_archive=everything)
    if fmt == "json":
        click.echo(json.dumps(outbox, ensure_ascii=False, indent=2))
        return
    if not outbox:
        click.echo("the outbox is empty")
        return
    for event in outbox:
        for channel, record in event["deliveries"].items():
            # 16 + 1 + 36 + 1 + 8 + 1 + 7 + 1 + 2 = 73 columns; a reason on its own line,
            # where it has room to say what went wrong.
            line = (f"{event['at'][:16]:<16} {event['id'][:36]:<36} {channel:<8} "
                    f"{record['state']:<7} {record['attempts']:>2}")  # fmt: skip
            click.echo(line.rstrip())
            reason = "" if record["state"] == "sent" else record.get("reason", "")
            if reason:
                click.echo(f"  {reason}"[:80].rstrip())
