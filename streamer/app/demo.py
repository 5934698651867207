"""The demo: a week (or, with ``--half-year``, January to June) of both programmes
planned, collected through the platform simulator and reported, in a fresh folder.

Like ``cli.py`` and ``daemon.py``, this module wires the packages together.

The half-year replays the source article's period (64 Antikor.Live and 278 Adal
Komek broadcasts, over 85,000 and 127,000 views) and checks the report's headline
against the simulator's own ground truth, which must agree exactly. To run in
under a minute it polls more coarsely than the defaults (``HALF_YEAR_COLLECTOR``:
live streams every 5 minutes, discovery and upcoming streams hourly) and leaves
Twitch out (the article's programmes were on YouTube, Facebook and Instagram);
the engine already jumps the simulated clock to the next due poll.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Mapping
from datetime import date, datetime, time, timedelta
from functools import partial
from pathlib import Path

from rich.console import Console
from rich.progress import Progress, TextColumn
from rich.table import Table

import schedules
from collectors.simulator import DEFAULT_DAILY_QUOTA, Scenario, Simulator, demo_week
from reports.builders import build
from reports.charts import report_chart
from reports.dataset import Dataset
from reports.fmt import Style
from reports.output import render_bytes
from reports.periods import days_period
from reports.render import render_table
from reports.report import Report
from streamer.app.console import make_console, plan_table
from streamer.app.daemon import SEND_EVERY, Collector, make_sender
from streamer.app.demo_alerts import TELEGRAM, TOKEN_ENVIRON, alerts_table
from streamer.clock import SimulatedClock, monotonic
from streamer.config import Config, load_config
from streamer.errors import UserError
from streamer.files import write_atomic
from streamer.models import Broadcast, BroadcastStatus
from streamer.notify.sender import Sender
from streamer.store import Store, config_store
from streamer.timezones import zone

MARKER = ".streamer-demo"
ADAL_YT = "UCadalKomek0000000000000"
ANTIKOR_YT = "UCantikorLive00000000000"

_NO_FSYNC = """\
# A demo folder, thrown away: writes stay atomic, without fsync (a power cut could
# lose the last ones; a killed process loses nothing saved).
fsync = false
"""
_CONFIG = """\
# {comment}
data_dir = "data"
timezone = "Asia/Almaty"
language = "en"
{fsync}{collector}
[[programmes]]
slug = "antikor-live"
name = "Antikor.Live"
channels = [
  {{ platform = "youtube",   id = "UCantikorLive00000000000", label = "Antikor.Live YouTube" }},
  {{ platform = "facebook",  id = "100000000000001",          label = "Antikor.Live Facebook" }},
  {{ platform = "instagram", id = "17841400000000001",        label = "Antikor.Live Instagram" }},
{twitch_channel}]

[[programmes]]
slug = "adal-komek"
name = "Adal Komek"
names = {{ kk = "Адал көмек", ru = "Адал комек", en = "Adal Komek" }}
channels = [
  {{ platform = "youtube",   id = "UCadalKomek0000000000000", label = "Adal Komek YouTube" }},
  {{ platform = "facebook",  id = "100000000000002",          label = "Adal Komek Facebook" }},
  {{ platform = "instagram", id = "17841400000000002",        label = "Adal Komek Instagram" }},
]

[platforms.youtube]
api_key_env = "STREAMER_DEMO_YOUTUBE_KEY"
api_endpoint = "{endpoint}"
rss_endpoint = "{endpoint}"

[platforms.facebook]
access_token_env = "STREAMER_DEMO_FACEBOOK_TOKEN"
api_endpoint = "{endpoint}"

[platforms.instagram]
access_token_env = "STREAMER_DEMO_INSTAGRAM_TOKEN"
api_endpoint = "{endpoint}"
{twitch_platform}"""

_TWITCH_CHANNEL = (
    '  { platform = "twitch",    id = "antikorlive",'
    '              label = "Antikor.Live Twitch" },\n'
)
_TWITCH_PLATFORM = """
[platforms.twitch]
client_id_env = "STREAMER_DEMO_TWITCH_ID"
client_secret_env = "STREAMER_DEMO_TWITCH_SECRET"
api_endpoint = "{endpoint}"
auth_endpoint = "{endpoint}"
"""
_COLLECTOR = """
[collector]
# Seconds between polls of a live stream, channel discoveries, polls of an upcoming
# stream, and polls around its planned start; the defaults are 60, 300, 600 and 60.
live_interval = {live_interval}
discovery_interval = {discovery_interval}
upcoming_interval = {upcoming_interval}
near_interval = {near_interval}
# Minutes before a planned start from which it is watched that often (default 15).
near_lead = {near_lead}
"""


def demo_config(
    endpoint: str,
    *,
    comment: str = "Written by `streamer demo`: both programmes on their demo channels.",
    collector: Mapping[str, int] | None = None,
    twitch: bool = True,
    fsync: bool = True,
    alerts: bool = False,
) -> str:
    """The text of a demo streamer.toml with every platform pointed at ``endpoint``;
    ``fsync=False`` for a folder that is thrown away (``fsync = false``); ``alerts``
    adds ``[notify.telegram]`` at the simulator's Bot API stand-in and ``[alerts]``."""
    text = _CONFIG.format(
        comment=comment,
        fsync="" if fsync else _NO_FSYNC,
        endpoint=endpoint,
        collector="" if collector is None else _COLLECTOR.format(**collector),
        twitch_channel=_TWITCH_CHANNEL if twitch else "",
        twitch_platform=_TWITCH_PLATFORM.format(endpoint=endpoint) if twitch else "",
    )
    return text + (TELEGRAM.format(endpoint=endpoint) if alerts else "")


# The simulator accepts any credentials; these are not secrets.
DEMO_ENVIRON = {
    "STREAMER_DEMO_YOUTUBE_KEY": "demo-youtube-key",
    "STREAMER_DEMO_FACEBOOK_TOKEN": "demo-facebook-token",
    "STREAMER_DEMO_INSTAGRAM_TOKEN": "demo-instagram-token",
    "STREAMER_DEMO_TWITCH_ID": "demo-twitch-client",
    "STREAMER_DEMO_TWITCH_SECRET": "demo-twitch-secret",
    **TOKEN_ENVIRON,
}

# The demo week: Adal Komek every weekday at 11:00, Antikor.Live on Tuesday and
# Thursday at 15:00, an hour each (local time).
WEEK = (
    (
        "adal-komek",
        "Adal Komek: free legal advice",
        time(11, 0),
        "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;COUNT=5",
    ),
    (
        "antikor-live",
        "Antikor.Live: ask the anti-corruption service",
        time(15, 0),
        "FREQ=WEEKLY;BYDAY=TU,TH;COUNT=2",
    ),
)


def demo_scenario(monday: date) -> Scenario:
    """The demo week starting ``monday``, on the channels the demo's config names."""
    return demo_week(
        monday, "Asia/Almaty", adal_channel=ADAL_YT, antikor_channel=ANTIKOR_YT,
        adal_facebook="100000000000002", antikor_facebook="100000000000001",
        adal_instagram="17841400000000002", antikor_instagram="17841400000000001",
        antikor_twitch="antikorlive",
    )  # fmt: skip


def prepare_folder(directory: Path) -> Path:
    """A fresh demo folder; refuses to wipe a folder the demo did not make."""
    if directory.exists() and any(directory.iterdir()):
        if not (directory / MARKER).exists():
            raise UserError(
                f"{directory} is not empty and was not made by 'streamer demo'; pick another --dir"
            )
        shutil.rmtree(directory)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / MARKER).write_text("made by streamer demo; deleted and rebuilt on every run\n")
    return directory.resolve()


def write_config(directory: Path, endpoint: str = "http://127.0.0.1:9") -> Config:
    """Write the demo's streamer.toml and load it back (so it is validated)."""
    path = directory / "streamer.toml"
    path.write_text(demo_config(endpoint, alerts=True), encoding="utf-8")
    return load_config(path)


def week_monday(today: date) -> date:
    """The Monday of ``today``'s week."""
    return today - timedelta(days=today.weekday())


def plan_week(config: Config, monday: date) -> list[schedules.PlanRequest]:
    """Plan the demo week into the config's store; returns the requests made."""
    store = config_store(config)
    new_id = schedules.sequential_id_factory()
    requests = []
    for slug, title, at, rule in WEEK:
        first = monday + timedelta(days=0 if slug == "adal-komek" else 1)
        request = schedules.PlanRequest(
            programme=slug,
            title=title,
            start=datetime.combine(first, at),
            duration_min=60,
            repeat=rule,
            district="Turkestan",
        )
        store.change_plan(partial(_add, request=request, config=config, new_id=new_id))
        requests.append(request)
    return requests


def _add(
    current: Mapping[str, Broadcast],
    request: schedules.PlanRequest,
    config: Config,
    new_id: Callable[[], str],
) -> list[Broadcast]:
    return schedules.add(current, request, config.programmes, config.tz, new_id)


def run_demo(directory: Path, console: Console | None = None, today: date | None = None) -> None:
    """Plan the demo week, collect it through the simulator, print what was collected."""
    console = console or make_console()
    started = monotonic()
    folder = prepare_folder(directory)
    console.print(f"demo data folder: [bold]{folder}[/]")
    monday = week_monday(today or date.today())
    tz = zone("Asia/Almaty")
    begin = datetime.combine(monday - timedelta(days=1), time(0), tzinfo=tz)
    finish = datetime.combine(monday + timedelta(days=7), time(0), tzinfo=tz)
    clock = SimulatedClock(begin)
    simulator = Simulator(demo_scenario(monday), clock, quota_limit=DEFAULT_DAILY_QUOTA)
    with simulator.serve() as endpoint:
        config = write_config(folder, endpoint)
        plan_week(config, monday)
        store = config_store(config)
        items = sorted(store.broadcasts().values(), key=lambda b: b.start)
        title = f"Plan for the week of {monday}"
        width, lang = console.width, config.language  # fitted as `plan list` fits it
        table = plan_table(items, config.tz, title, width=width, lang=lang,
                           dropped="note.dropped_plan")  # fmt: skip
        console.print(table)
        # The simulator answers from this same process: platform threads would only
        # queue behind one another for the interpreter, so the demo polls in turn.
        with Collector(config, clock, DEMO_ENVIRON, parallel=False) as collector:
            sender = make_sender(config, collector.store, clock, DEMO_ENVIRON)
            cycles = play(collector, clock, finish, console, sender)
    store = config_store(config)
    console.print(collected_table(store, config, begin, finish))
    console.print(
        f"{cycles} collector cycles over a simulated week in {monotonic() - started:.1f} s "
        f"(simulator answered {simulator.stats.total_requests} requests)"
    )
    console.print(alerts_table(store, config))
    console.print(
        f"the Telegram stand-in received {len(simulator.telegram.texts())} messages "
        f"for {len(store.outbox())} alerts"
    )
    report_week(store, config, monday, folder, console)
    console.print(f"demo finished in {monotonic() - started:.1f} s")


def report_week(store: Store, config: Config, monday: date, folder: Path, console: Console) -> None:
    """The week's summary and adherence on screen, as CSV files, and one chart."""
    period = days_period(monday, monday + timedelta(days=7))
    data = Dataset.from_store(store, config)
    style = Style(config.language, config.tz, config.programmes)
    out_dir = folder / "reports"
    written = []
    for kind in ("summary", "adherence"):
        report = build(kind, data, period, config.tz, programmes=tuple(config.programmes))
        render_table(report, console, style)
        console.print()
        path = out_dir / f"{kind}-{period.label}.csv"
        write_atomic(path, render_bytes(report, "csv", style), create_folder=True)
        written.append(path)
        if kind == "summary":
            chart = _chart(report, style, out_dir / f"{kind}-{period.label}.png")
            written += [chart] if chart else []
    for path in written:
        console.print(f"wrote [bold]{path}[/]")
    if not any(path.suffix == ".png" for path in written):
        console.print(f"no chart: {NO_CHARTS}", markup=False, soft_wrap=True)


NO_CHARTS = "matplotlib is missing; pip install 'streamer[charts]' for charts"


def _chart(report: Report, style: Style, path: Path) -> Path | None:
    """A PNG chart when matplotlib (the ``charts`` extra) is installed, else ``None``."""
    try:
        payload = report_chart(report, style, "png")
    except ImportError:  # the plain ``pip install .``: charts are an optional extra
        return None
    write_atomic(path, payload, create_folder=True)
    return path


def play(
    collector: Collector,
    clock: SimulatedClock,
    finish: datetime,
    console: Console,
    sender: Sender | None = None,
) -> int:
    """Run collector cycles, jumping the clock to the next due one, until ``finish``;
    the alert ``sender``, when given, after a cycle at most every ``SEND_EVERY`` s and
    once at the end, as the daemon runs it."""
    begin = clock.now()
    next_send = begin
    total = (finish - begin).total_seconds()
    cycles = 0
    columns = (*Progress.get_default_columns(), TextColumn("{task.fields[now]}"))
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task("collecting", total=total, now="")
        while clock.now() < finish:
            collector.collect_once()
            cycles += 1
            if sender is not None and clock.now() >= next_send:
                sender.run_once()
                next_send = clock.now() + timedelta(seconds=SEND_EVERY)
            due = collector.engine.next_due(clock.now())
            clock.set(min(finish, max(due, clock.now() + timedelta(seconds=1))))
            local_now = clock.now().astimezone(collector.config.tz)
            progress.update(
                task,
                completed=(clock.now() - begin).total_seconds(),
                now=f"{local_now:%a %d %b %H:%M}",
            )
    if sender is not None:
        sender.run_once()
    return cycles


def collected_table(
    store: Store, config: Config, begin: datetime, end: datetime, title: str = "Collected this week"
) -> Table:
    """Snapshots, streams and broadcast statuses per programme."""
    plan = store.broadcasts()
    streams = store.streams(include_archive=True)
    snapshots = store.snapshots(begin, end + timedelta(days=8))
    table = Table(title=title, title_justify="left", header_style="bold")
    for column in (
        "programme",
        "broadcasts",
        "held",
        "missed",
        "streams",
        "unplanned",
        "snapshots",
    ):
        table.add_column(column, justify="left" if column == "programme" else "right")
    for slug, programme in config.programmes.items():
        channel_keys = {c.key for c in programme.channels}
        mine = {k: s for k, s in streams.items() if s.channel_key in channel_keys}
        own = [b for b in plan.values() if b.programme == slug]
        table.add_row(
            programme.name,
            str(len(own)),
            str(sum(b.status is BroadcastStatus.HELD for b in own)),
            str(sum(b.status is BroadcastStatus.MISSED for b in own)),
            str(len(mine)),
            str(sum(s.broadcast_id is None for s in mine.values())),
            str(sum(s.stream in mine for s in snapshots)),
        )
    return table
