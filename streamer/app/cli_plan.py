"""``streamer plan …``: the producers' commands over the schedules library."""

from __future__ import annotations

import io
import sys
from collections.abc import Callable, Mapping
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import click
import orjson

import schedules
from reports.layout import print_wide
from schedules.ids import IdFactory
from schedules.localtime import format_local
from schedules.xlsxio import XLSX_MAGIC, export_xlsx, import_xlsx
from streamer.app.clibase import CONTEXT, App, pass_app
from streamer.app.console import make_console, plan_table, show_grid
from streamer.config import Config
from streamer.errors import UserError
from streamer.files import write_atomic
from streamer.models import Broadcast
from streamer.store import Store


@click.group(context_settings=CONTEXT)
def plan() -> None:
    """Plan broadcasts: add, list, move, cancel, import and export the plan.

    \b
    Example:
      streamer plan add --programme adal-komek --title "Legal advice" \\
        --start "2026-11-30 11:00" --duration 60 \\
        --repeat "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;COUNT=20"
    """


@plan.command(context_settings=CONTEXT)
@click.option("--programme", required=True, help="Programme slug from the config.")
@click.option("--title", required=True, help="Broadcast title.")
@click.option(
    "--start", required=True, help="Local start 'YYYY-MM-DD HH:MM' in the configured zone."
)
@click.option("--duration", required=True, type=int, help="Planned length in minutes.")
@click.option(
    "--target",
    "targets",
    multiple=True,
    metavar="PLATFORM:CHANNEL[:VIDEO_ID]",
    help="Where it goes out (repeatable; default: all the programme's channels).",
)
@click.option("--topic", default="", help="Topic of the broadcast.")
@click.option("--speaker", "speakers", multiple=True, help="A speaker (repeatable).")
@click.option("--district", default="", help="City or district the broadcast serves.")
@click.option(
    "--repeat",
    default=None,
    metavar="RRULE",
    help="Recurrence, e.g. 'FREQ=WEEKLY;BYDAY=TU,TH;COUNT=10' (needs COUNT or UNTIL).",
)
@click.option(
    "--allow-overlap", is_flag=True, help="Accept a double booking of a channel or speaker."
)
@pass_app
def add(
    app: App,
    programme: str,
    title: str,
    start: str,
    duration: int,
    targets: tuple[str, ...],
    topic: str,
    speakers: tuple[str, ...],
    district: str,
    repeat: str | None,
    allow_overlap: bool,
) -> None:
    """Plan a broadcast, or a recurring series with --repeat; prints the new ids.

    \b
    Example:
      streamer plan add --programme antikor-live --title "Ask the inspector" \\
        --start "2026-12-01 15:00" --duration 60 --target youtube:UCantikorLive00000000000 \\
        --speaker "A. Nurlanov" --district Turkestan
    """
    config = app.config()
    request = schedules.PlanRequest(
        programme=programme,
        title=title,
        start=start,
        duration_min=duration,
        targets=targets,
        topic=topic,
        speakers=speakers,
        district=district,
        repeat=repeat,
        allow_overlap=allow_overlap,
    )
    new_id = schedules.default_id_factory()
    added = app.writable_store().change_plan(
        lambda current: schedules.add(current, request, config.programmes, config.tz, new_id)
    )
    _show(added, config, f"added {len(added)} broadcast(s)")
    click.echo(" ".join(b.id for b in added))


@plan.command("list", context_settings=CONTEXT)
@click.option("--from", "start", default=None, metavar="YYYY-MM-DD", help="First local day.")
@click.option("--to", "end", default=None, metavar="YYYY-MM-DD", help="Last local day (inclusive).")
@click.option("--programme", default=None, help="Only this programme's broadcasts.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json"]),
    default="table",
    show_default=True,
)
@click.option("--wide", is_flag=True, help="Every table column, even wider than the terminal.")
@pass_app
def list_(
    app: App, start: str | None, end: str | None, programme: str | None, fmt: str, wide: bool
) -> None:
    """List planned broadcasts in local time, oldest first.

    \b
    Example:
      streamer plan list --from 2026-11-30 --to 2026-12-06 --programme adal-komek
    """
    config = app.config()
    items = select(app.store(), config, start, end, programme)
    if fmt == "table":
        _show(items, config, f"{len(items)} broadcast(s)", wide=wide)
    elif fmt == "csv":
        sys.stdout.write(_csv_text(items, config.tz))
    else:
        click.echo(orjson.dumps([_json(b, config.tz) for b in items], option=orjson.OPT_INDENT_2))


@plan.command(context_settings=CONTEXT)
@click.argument("broadcast_id")
@pass_app
def show(app: App, broadcast_id: str) -> None:
    """Show one broadcast in full.

    \b
    Example:
      streamer plan show 7k2m9qxa
    """
    config = app.config()
    item = schedules.stored(app.store(), broadcast_id)
    make_console().print(show_grid(item, config.tz))


@plan.command(context_settings=CONTEXT)
@click.argument("broadcast_id")
@click.option("--start", required=True, help="New local start 'YYYY-MM-DD HH:MM'.")
@click.option("--allow-overlap", is_flag=True, help="Accept a double booking.")
@pass_app
def move(app: App, broadcast_id: str, start: str, allow_overlap: bool) -> None:
    """Move a planned broadcast to a new start time.

    \b
    Example:
      streamer plan move 7k2m9qxa --start "2026-12-01 16:00"
    """
    config = app.config()
    moved = app.writable_store().change_plan(
        lambda current: schedules.move(current, broadcast_id, start, config.tz, allow_overlap)
    )
    _show(moved, config, "moved")


@plan.command(context_settings=CONTEXT)
@click.argument("broadcast_id")
@click.option("--series", is_flag=True, help="Also cancel every later planned one of its series.")
@pass_app
def cancel(app: App, broadcast_id: str, series: bool) -> None:
    """Cancel a broadcast (kept in the plan, marked cancelled).

    \b
    Example:
      streamer plan cancel 7k2m9qxa --series
    """
    config = app.config()
    cancelled = app.writable_store().change_plan(
        lambda current: schedules.cancel(current, broadcast_id, series)
    )
    _show(cancelled, config, f"cancelled {len(cancelled)} broadcast(s)")


@plan.command("import", context_settings=CONTEXT)
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option("--allow-overlap", is_flag=True, help="Accept double bookings.")
@pass_app
def import_(app: App, file: Path, allow_overlap: bool) -> None:
    """Import a plan CSV or Excel workbook (the export's columns): all rows or none.

    Rows with an id update that broadcast; rows with an empty id add new ones. A CSV
    may be separated by "," or ";" (Excel in ru/kk), starts ISO or dd.mm.yyyy HH:MM.

    \b
    Example:
      streamer plan import december.xlsx
    """
    config = app.config()
    new_id = schedules.default_id_factory()
    importer = _importer(file, config, new_id, allow_overlap)
    changed = app.writable_store().change_plan(importer)
    make_console().print(f"imported {file}: {len(changed)} broadcast(s) added or changed")


@plan.command(context_settings=CONTEXT)
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "ics", "xlsx"]), default="csv", show_default=True
)
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Write to FILE (atomically) instead of standard output.",
)
@click.option("--from", "start", default=None, metavar="YYYY-MM-DD", help="First local day.")
@click.option("--to", "end", default=None, metavar="YYYY-MM-DD", help="Last local day (inclusive).")
@click.option("--programme", default=None, help="Only this programme's broadcasts.")
@pass_app
def export(
    app: App, fmt: str, out: Path | None, start: str | None, end: str | None, programme: str | None
) -> None:
    """Export the plan as CSV or Excel (both re-importable) or iCalendar (calendar apps).

    \b
    Example:
      streamer plan export --format ics --out plan.ics
    """
    config = app.config()
    if fmt == "xlsx" and out is None:
        raise UserError("--format xlsx writes a workbook: give --out FILE.xlsx")
    items = select(app.store(), config, start, end, programme)
    if fmt == "csv":
        payload = _csv_text(items, config.tz).encode("utf-8")
    elif fmt == "xlsx":
        payload = export_xlsx(items, config.tz)
    else:
        from streamer.clock import SystemClock

        payload = schedules.export_ics(items, config.tz, config.programmes, now=SystemClock().now())
    if out is None:
        sys.stdout.buffer.write(payload)
        sys.stdout.flush()
    else:
        write_atomic(out, payload)
        make_console(stderr=True).print(f"wrote {len(items)} broadcast(s) to {out}")


# -- helpers ----------------------------------------------------------------------
def _importer(
    file: Path, config: Config, new_id: IdFactory, allow_overlap: bool
) -> Callable[[Mapping[str, Broadcast]], list[Broadcast]]:
    """The plan change importing ``file``: a workbook when it is one, else CSV text."""
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise UserError(f"{file}: cannot read it ({exc.strerror or exc})") from None
    if data.startswith(XLSX_MAGIC):
        return lambda current: import_xlsx(
            data, str(file), current, config.programmes, config.tz, new_id,
            allow_overlap=allow_overlap,
        )  # fmt: skip
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UserError(f"{file}: cannot read it as UTF-8 text or .xlsx ({exc})") from None
    return lambda current: schedules.import_csv(
        io.StringIO(text, newline=""), current, config.programmes, config.tz, new_id,
        allow_overlap=allow_overlap,
    )  # fmt: skip


def select(
    store: Store,
    config: Config,
    start: str | None,
    end: str | None,
    programme: str | None,
) -> list[Broadcast]:
    """Broadcasts in the local-day range and programme asked for, by start time; a
    range reads only the archive it touches (``Store.broadcasts_between``)."""
    low = None if start is None else _day_start(start, "--from", config.tz)
    high = None if end is None else _day_start(end, "--to", config.tz) + timedelta(days=1)
    if low is not None and high is not None and high <= low:
        raise UserError(f"--to {end} is before --from {start}")
    if programme is not None:
        config.programme(programme)
    found = store.broadcasts_between(low, high).values()
    return sorted(
        (b for b in found if programme is None or b.programme == programme),
        key=lambda b: (b.start, b.programme, b.id),
    )


def _day_start(text: str, option: str, tz: ZoneInfo) -> datetime:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise UserError(f"{option}: {text!r} is not a date; use YYYY-MM-DD") from None
    return datetime.combine(day, time(0), tzinfo=tz)


def _csv_text(items: list[Broadcast], tz: ZoneInfo) -> str:
    buffer = io.StringIO(newline="")
    schedules.export_csv(items, tz, buffer)
    return buffer.getvalue()


def _json(item: Broadcast, tz: ZoneInfo) -> dict[str, object]:
    data = item.to_dict()
    data["start_local"] = format_local(item.start, tz)
    data["targets"] = [str(t) for t in item.targets]
    return data


def _show(items: list[Broadcast], config: Config, title: str, *, wide: bool = False) -> None:
    console = make_console()
    table = plan_table(
        items, config.tz, title=title, width=console.width, lang=config.language, wide=wide
    )
    print_wide(console, table, console.measure(table).maximum)


@plan.command(context_settings=CONTEXT)
@click.argument("broadcast_id")
@click.option(
    "--platform",
    type=click.Choice(["youtube"]),
    required=True,
    help="Where to create the scheduled broadcast.",
)
@click.option(
    "--privacy",
    type=click.Choice(["public", "unlisted", "private"]),
    default="public",
    show_default=True,
)
@pass_app
def publish(app: App, broadcast_id: str, platform: str, privacy: str) -> None:
    """Create the scheduled broadcast on the platform and store its video id.

    Uses the OAuth token file named by platforms.youtube.oauth_token_file.

    \b
    Example:
      streamer plan publish 7k2m9qxa --platform youtube --privacy public
    """
    from streamer.app.publish import publish as publish_broadcast
    from streamer.clock import SystemClock

    config = app.config()
    store = app.writable_store()  # before the platform call: its answer must be saved
    item, video_id = publish_broadcast(config, store, broadcast_id, privacy, SystemClock())
    make_console().print(f"published {item.id} on {platform} as video {video_id}")
