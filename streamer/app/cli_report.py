"""``streamer report``: audience reports for managers (a thin layer over ``reports``).

Each command resolves its options (period, filters, language), reads the store
once, builds a report with a pure function and renders it: a console table, CSV
or JSON on stdout or in ``--out FILE``, and a chart with ``--chart``. Every check
runs before anything is written, so a mistake exits 2 with one line and no file.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click
from rich.console import Console

from reports.builders import build
from reports.dataset import GROUPS
from reports.digest import report_dataset
from reports.fmt import Style
from reports.periods import Period, current_month, parse_period, parse_range
from reports.render import plain_text, render_table
from reports.report import Report
from streamer.app.clibase import CONTEXT, App, pass_app
from streamer.app.console import make_console
from streamer.clock import Clock, SystemClock
from streamer.config import Config
from streamer.errors import UserError
from streamer.files import write_atomic
from streamer.models import LANGUAGES
from streamer.periodnames import FORMS
from streamer.platforms import names as platform_names

if TYPE_CHECKING:
    from reports.curve import Curve

CLOCK: Clock = SystemClock()  # tests put a SimulatedClock here

F = TypeVar("F", bound=Callable[..., Any])


def _period_options(func: F) -> F:
    """--period / --from / --to and the programme and platform filters."""
    options = [
        click.option("--period", help=f"Period: {FORMS} (default: this month)."),
        click.option("--from", "date_from", metavar="YYYY-MM-DD", help="First local day."),
        click.option("--to", "date_to", metavar="YYYY-MM-DD", help="Last local day (included)."),
        click.option("--programme", metavar="SLUG", help="Only this programme."),
        click.option("--platform", type=click.Choice(platform_names()), help="Only this platform."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _output_options(func: F) -> F:
    """--format, --out, --lang and --chart."""
    options = [
        click.option(
            "--format",
            "fmt",
            type=click.Choice(["table", "csv", "json", "xlsx", "html"]),
            default="table",
            show_default=True,
            help="Output format (xlsx: an Excel workbook, needs --out; html: one "
            "self-contained page with the chart).",
        ),
        click.option(
            "--out",
            type=click.Path(path_type=Path, dir_okay=False),
            help="Write to FILE instead of stdout (table: plain text).",
        ),
        click.option("--lang", type=click.Choice(LANGUAGES), help="Language (default: config)."),
        click.option(
            "--chart",
            type=click.Path(path_type=Path, dir_okay=False),
            help="Also draw a chart to FILE.png or FILE.svg (needs matplotlib).",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _wide_option(func: F) -> F:
    """--wide: every column of the console table, however wide the terminal."""
    return click.option(
        "--wide",
        is_flag=True,
        help="Show every table column even if the table is wider than the terminal "
        "(by default the lowest-priority columns drop out and a footnote names them).",
    )(func)


def _report_options(func: F) -> F:
    """A period report's options: period and filters, output, --wide, --no-digests."""
    return _period_options(_output_options(_wide_option(_digests_option(func))))


def _digests_option(func: F) -> F:
    """--no-digests: every record of the period read, not the digests of closed months."""
    return click.option(
        "--no-digests",
        "no_digests",
        is_flag=True,
        help="Read every record of the period, not the digests kept of closed months "
        "(the figures are the same; this is slower).",
    )(func)


@click.group(context_settings=CONTEXT)
def report() -> None:
    """Audience reports: summaries, broadcasts, plan adherence, viewer curves.

    \b
    Example:
      streamer report summary --period 2026-H1 --lang kk
    """


@report.command(context_settings=CONTEXT)
@click.option(
    "--by",
    type=click.Choice(GROUPS),
    default="programme",
    show_default=True,
    help="Group rows by this.",
)
@_report_options
@pass_app
def summary(app: App, /, by: str, **options: Any) -> None:
    """Broadcasts planned/held/missed, views, viewers, delays per group, with changes.

    \b
    Example:
      streamer report summary --period 2026-Q4 --by month --format csv --out q4.csv
    """
    _period_report(app, "summary", by, options)


@report.command(context_settings=CONTEXT)
@_report_options
@pass_app
def broadcasts(app: App, /, **options: Any) -> None:
    """One row per broadcast (and per unplanned stream) with its audience.

    \b
    Example:
      streamer report broadcasts --period last-month --programme adal-komek
    """
    _period_report(app, "broadcasts", "programme", options)


@report.command(context_settings=CONTEXT)
@_report_options
@pass_app
def adherence(app: App, /, **options: Any) -> None:
    """Plan against air: late starts, no-shows, overruns, unplanned streams.

    \b
    Example:
      streamer report adherence --from 2026-11-01 --to 2026-11-30 --lang ru
    """
    _period_report(app, "adherence", "programme", options)


@report.command(context_settings=CONTEXT)
@click.argument("broadcast_id")
@_output_options
@pass_app
def curve(
    app: App, broadcast_id: str, fmt: str, out: Path | None, lang: str | None, chart: Path | None
) -> None:
    """Concurrent viewers over time per platform for BROADCAST_ID (or a stream key).

    \b
    Example:
      streamer report curve AL-2026-11-30-1100 --chart curve.png
    """
    from reports.charts import curve_chart
    from reports.curve import curve_report, render_curve
    from reports.html import html_curve

    config = app.config()
    chart_fmt = _check_outputs(out, chart, fmt)
    style = Style(lang or config.language, config.tz, config.programmes)
    found = _load_curve(app, config, broadcast_id)
    files = {} if chart is None else {chart: curve_chart(found, style, chart_fmt)}
    rows = curve_report(found, config.tz)
    _emit(
        rows,
        style,
        fmt,
        out,
        files,
        table=lambda console: render_curve(found, console, style),
        html=lambda: html_curve(found, rows, style),
    )


@report.command("run", context_settings=CONTEXT)
@click.argument("name")
@pass_app
def run_now(app: App, name: str) -> None:
    """Run the scheduled report job NAME from the config now, and list its files.

    \b
    Example:
      streamer report run weekly
    """
    config = app.config()
    job = next((j for j in config.reports if j.name == name), None)
    if job is None:
        known = ", ".join(j.name for j in config.reports) or "none configured"
        raise UserError(f"no [[reports]] job named {name!r}; known: {known}")
    from reports.jobs import run_job  # its own modules only when a job runs

    app.check_writable([job])
    console = make_console()
    for path in run_job(job, app.store(), config, CLOCK.now()):
        console.print(f"wrote {path}", markup=False)


def resolve_period(
    period: str | None, date_from: str | None, date_to: str | None, now: datetime, config: Config
) -> Period:
    """The period from --period or --from/--to (this month when neither is given)."""
    if period is not None and (date_from or date_to):
        raise UserError("give either --period or --from/--to, not both")
    if period is not None:
        return parse_period(period, now, config.tz)
    if date_to is not None and date_from is None:
        raise UserError("--to needs --from (the first day of the range)")
    if date_from is not None:
        return parse_range(date_from, date_to, now, config.tz)
    return current_month(now, config.tz)


def _period_report(app: App, kind: str, by: str, options: dict[str, Any]) -> None:
    config = app.config()
    now = CLOCK.now()
    period = resolve_period(
        options["period"], options["date_from"], options["date_to"], now, config
    )
    if options["programme"] is not None:
        config.programme(options["programme"])  # an unknown slug is a UserError
    chart_fmt = _check_outputs(options["out"], options["chart"], options["fmt"])
    style = Style(options["lang"] or config.language, config.tz, config.programmes)
    built = build(
        kind,
        report_dataset(
            app.store(),
            config,
            period,
            kind=kind,
            by=by,
            now=now,
            digests=not options["no_digests"],
        ),
        period,
        config.tz,
        by=by,
        programme=options["programme"],
        platform=options["platform"],
        programmes=tuple(config.programmes),
        now=now,
    )
    chart, files = options["chart"], {}
    if chart is not None:
        from reports.charts import report_chart

        files[chart] = report_chart(built, style, chart_fmt)
    _emit(
        built,
        style,
        options["fmt"],
        options["out"],
        files,
        table=lambda console: render_table(built, console, style, wide=options["wide"]),
    )


def _check_outputs(out: Path | None, chart: Path | None, fmt: str) -> str:
    """Refuse outputs that cannot be written before anything is; the chart format."""
    if fmt == "xlsx" and out is None:
        raise UserError("--format xlsx writes a workbook: give --out FILE.xlsx")
    for option, path in (("--out", out), ("--chart", chart)):
        if path is not None and not path.resolve().parent.is_dir():
            raise UserError(f"{option} {path}: folder {path.resolve().parent} does not exist")
    if chart is None:
        return ""
    from reports.charts import chart_format

    return chart_format(chart)


def _emit(
    built: Report,
    style: Style,
    fmt: str,
    out: Path | None,
    files: dict[Path, bytes],
    *,
    table: Callable[[Console], None],
    html: Callable[[], bytes] | None = None,
) -> None:
    """Write --out and --chart files (atomically), else print to stdout."""

    def body() -> bytes:
        if fmt == "html" and html is not None:
            return html()
        from reports.output import render_bytes  # CSV, JSON, HTML, xlsx: not for a table

        return render_bytes(built, fmt, style)

    if out is not None:
        files[out] = plain_text(table).encode("utf-8") if fmt == "table" else body()
    for path, payload in files.items():
        write_atomic(path, payload)
    if out is None and fmt == "table":
        table(make_console())
    elif out is None:
        click.echo(body().decode("utf-8"), nl=False)
    notice = make_console(stderr=True)
    for path in files:
        notice.print(f"wrote {path}", markup=False)


def _load_curve(app: App, config: Config, subject: str) -> Curve:
    """The curve of a broadcast id (planned or unplanned), or of a stream key: the
    plan entry and streams read as ``Store.broadcast`` and ``grouped_streams`` read
    them, not the whole history."""
    from reports.curve import build_curve, window
    from reports.dataset import channel_programmes
    from streamer.unplanned import is_unplanned_id

    store = app.store()
    item = store.broadcast(subject)
    # An unplanned broadcast's streams by its id; a stream key is read alone.
    grouped = store.grouped_streams({subject}) if item or is_unplanned_id(subject) else {}
    if item is not None:
        streams = [s for s in grouped.values() if s.broadcast_id == subject]
        title, programme, planned = item.title, item.programme, (item.start, item.end)
        status = str(item.status)
    elif any(s.unplanned_id == subject for s in grouped.values()):
        streams = [s for s in grouped.values() if s.unplanned_id == subject]
        streams.sort(key=lambda s: (s.actual_start is None, s.actual_start, s.key))
        title, planned, status = streams[0].title, None, "unplanned"
        programme = channel_programmes(config).get(streams[0].channel_key, "")
    elif (stream := store.streams_of([subject]).get(subject)) is not None:
        streams, title, planned, status = [stream], stream.title, None, ""
        programme = channel_programmes(config).get(stream.channel_key, "")
    else:
        raise UserError(
            f"unknown broadcast {subject!r}; see the ids in 'streamer report broadcasts'"
        )
    start, end = window(planned, streams, CLOCK.now())
    snapshots = store.snapshots(start, end, [s.key for s in streams])
    interval = config.collector.live_interval
    return build_curve(
        subject, title, programme, streams, snapshots, interval, planned=planned, status=status
    )
