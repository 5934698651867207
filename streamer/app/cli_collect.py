"""``streamer collect``, ``run``, ``simulate``, ``quota``: the operators' commands."""

from __future__ import annotations

import errno
import time
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.table import Table

from streamer.app.clibase import CONTEXT, App, pass_app
from streamer.app.console import make_console
from streamer.clock import SystemClock
from streamer.errors import UserError

if TYPE_CHECKING:
    from collectors.simulator.rolling import RollingWorld


@click.command(context_settings=CONTEXT)
@click.option("--once", is_flag=True, required=True, help="Run one cycle and exit.")
@click.option("--log-level", default="INFO", show_default=True, help="DEBUG, INFO, WARNING...")
@pass_app
def collect(app: App, once: bool, log_level: str) -> None:
    """Run one discovery-and-poll cycle now and exit (for cron or a quick check).

    \b
    Example:
      YOUTUBE_API_KEY=... streamer collect --once
    """
    from streamer.app.daemon import Collector, configure_logging

    app.check_writable()  # before any request: a cycle that cannot be saved is wasted
    configure_logging(log_level)
    with Collector(app.config(), SystemClock()) as collector:
        report = collector.collect_once()
    click.echo(report.line())  # one line, never wrapped


@click.command(context_settings=CONTEXT)
@click.option("--log-level", default="INFO", show_default=True, help="DEBUG, INFO, WARNING...")
@pass_app
def run(app: App, log_level: str) -> int:
    """Run the collector service until SIGTERM or Ctrl-C (then finish the cycle and exit 0).

    Polls on the configured intervals, runs the [[reports]] jobs on their cron
    schedules, and logs one line per cycle. Only one daemon may run per data folder.

    \b
    Example:
      YOUTUBE_API_KEY=... streamer --config /etc/streamer/streamer.toml run
    """
    from streamer.app.daemon import configure_logging, run_daemon

    app.check_writable(app.config().reports)
    configure_logging(log_level)
    return run_daemon(app.config(), SystemClock())


@click.command(context_settings=CONTEXT)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8765,
    show_default=True,
    help="TCP port on 127.0.0.1 (0 = any).",
)
@click.option(
    "--scenario",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    default=None,
    help="Scenario JSON (docs/scenarios.md; default: a rolling world starting now).",
)
@click.option("--quota-limit", default=10_000, show_default=True, help="Daily units per API key.")
def simulate(port: int, scenario: Path | None, quota_limit: int) -> None:
    """Serve the platform simulator on loopback until Ctrl-C, on the real clock.

    Without --scenario it serves a rolling world on YouTube, Facebook, Instagram and
    Twitch: both programmes go live within two minutes, then one more broadcast
    every hour or so, for as long as it runs. 'streamer init --simulator URL DIR'
    writes a config and a plan for it.

    \b
    Example:
      streamer simulate --port 8765
    """
    from collectors.simulator import Scenario, Simulator
    from collectors.simulator.rolling import RollingWorld

    clock = SystemClock()
    rolling = RollingWorld(clock.now()) if scenario is None else None
    played = Scenario() if scenario is None else Scenario.from_file(scenario)
    simulator = Simulator(played, clock, quota_limit=quota_limit, rolling=rolling)
    console = make_console()
    with ExitStack() as serving:
        try:
            url = serving.enter_context(simulator.serve(port=port))
        except OSError as exc:
            raise UserError(_port_problem(port, exc)) from None
        if rolling is None:
            console.print(f"simulator serving {len(played.streams)} streams at [bold]{url}[/] "
                          "(Ctrl-C to stop)")  # fmt: skip
        else:
            for line in rolling_banner(url, rolling):
                console.print(line, markup=False, highlight=False, soft_wrap=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            console.print("simulator stopped")


def rolling_banner(url: str, rolling: RollingWorld) -> list[str]:
    """What ``simulate`` says about a rolling world: the URL and the config lines."""
    from streamer.app.simworld import ENVIRON, platform_tables

    first = rolling.start.astimezone().strftime("%H:%M")
    return [
        f"simulator serving a rolling world at {url} (Ctrl-C to stop)",
        f"both programmes go live at {first} on youtube, facebook, instagram and twitch;",
        "one more broadcast starts every hour or so.",
        "",
        "A config and a plan for it, in one command:",
        f"  streamer init --simulator {url} DIRECTORY",
        "",
        "or these lines in your config (channel ids: streamer init --simulator):",
        "",
        *platform_tables(url).splitlines(),
        "",
        "and these throwaway credentials (the simulator takes any):",
        *(f"  export {name}={value}" for name, value in ENVIRON.items()),
    ]


def _port_problem(port: int, exc: OSError) -> str:
    """One line for a port the simulator cannot listen on."""
    if exc.errno == errno.EADDRINUSE:
        return f"port {port} is in use; pick another with --port (0 = any free port)"
    return f"cannot listen on 127.0.0.1:{port} ({exc.strerror}); pick another with --port"


@click.command(context_settings=CONTEXT)
@pass_app
def quota(app: App) -> None:
    """Show today's YouTube quota use and a projection for the configured channels.

    The projection assumes the poll policy: discovery by the free channel feed,
    one videos.list unit per 50 streams per poll.

    \b
    Example:
      streamer quota
    """
    from collectors.quota import PROJECTION_SPAN, projection
    from collectors.youtube_quota import quota_day

    config = app.config()
    now = SystemClock().now()
    day = quota_day(now)
    youtube = config.platforms["youtube"]
    used = app.store().quota_used(day)
    table = Table(title=f"YouTube quota, day {day} (Pacific)", title_justify="left")
    table.add_column("key variable")
    table.add_column("units used", justify="right")
    table.add_column("daily limit", justify="right")
    for name in youtube.key_envs:
        table.add_row(name, f"{used.get(name, 0):,}", f"{youtube.quota_limit:,}")
    console = make_console()
    console.print(table)
    week = app.store().broadcasts_between(now, now + PROJECTION_SPAN)  # what it projects from
    estimate = projection(config, week.values(), now)
    console.print(
        f"projection: about {estimate.units_per_day:,} units/day "
        f"({estimate.explain}); limit {youtube.quota_limit * len(youtube.key_envs):,}"
    )


@click.command(context_settings=CONTEXT)
@click.option("--rebuild", is_flag=True, required=True, help="Recompute from snapshots.")
@click.option("--check", is_flag=True, help="Only compare; change nothing (exit 1 on a mismatch).")
@pass_app
def rollup(app: App, rebuild: bool, check: bool) -> int:
    """Recompute every rollup from the stored snapshots and compare with the kept ones.

    Reports read rollups that the collector updates incrementally; this proves they
    agree with the raw history (and repairs them unless --check is given).

    \b
    Example:
      streamer rollup --rebuild --check
    """
    from streamer.rebuild import rebuild_all

    config = app.config()
    store = app.store() if check else app.writable_store()
    result = rebuild_all(store, config.collector.live_interval)
    console = make_console()
    console.print(
        f"rebuilt {len(result.rollups)} rollups from {result.snapshots:,} snapshots; "
        f"{len(result.differing)} differed from the stored ones"
    )
    for key in result.differing[:20]:
        console.print(f"  differs: {key}")
    if check:
        return 1 if result.differing else 0
    if result.differing:
        store.put_rollups({k: result.rollups[k] for k in result.differing})
        console.print(f"replaced {len(result.differing)} rollups")
    return 0
