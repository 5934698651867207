"""``streamer demo --half-year``: January–June shaped like the source article, with the
simulator's ground truth set beside the report's headline.

A wiring module like ``streamer.app.demo``, whose folder, clock-jumping loop and chart it
shares.
"""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from functools import partial
from pathlib import Path

from rich.console import Console
from rich.table import Table

import schedules
from collectors.simulator import DEFAULT_DAILY_QUOTA, Scenario, SimStream, Simulator
from collectors.simulator.curves import TAIL
from collectors.simulator.scenarios import (
    HALF_YEAR_SERIES,
    VIEW_PLATFORMS,
    half_year,
    half_year_range,
)
from collectors.simulator.truth import StreamTruth
from reports.builders import build
from reports.dataset import Dataset
from reports.export import read_csv
from reports.fmt import Style
from reports.output import render_bytes
from reports.periods import Period, days_period
from reports.render import render_table
from streamer.app.console import make_console
from streamer.app.daemon import Collector
from streamer.app.demo import (
    ADAL_YT,
    ANTIKOR_YT,
    DEMO_ENVIRON,
    _add,
    collected_table,
    demo_config,
    play,
    prepare_folder,
)
from streamer.clock import SimulatedClock, monotonic
from streamer.config import Config, load_config
from streamer.files import write_atomic
from streamer.platforms import LABELS
from streamer.store import Store, config_store
from streamer.timezones import zone as time_zone

# -- the half-year ------------------------------------------------------------------

HALF_YEAR_COLLECTOR = {
    "live_interval": 600,
    "discovery_interval": 21_600,
    "upcoming_interval": 21_600,
    "near_interval": 300,
    "near_lead": 5,
}
"""``[collector]`` of the half-year demo (seconds). The defaults (60, 300, 600, 60)
would take about half an hour of wall time for six months; these keep every figure
the headline counts exact (a broadcast is held if any poll sees it live or ended;
views come from the final poll a week after the end) and make the concurrent figures
coarser: a live sample every 10 minutes, so coverage is about 81 % (88 % at 5
minutes, a third more time). Start times come from the platforms' own fields, not
from when a poll saw the start. An upcoming stream is polled every 6 hours until 5
minutes before its start, then every 5 minutes, so a start is seen within 5 minutes:
the half-year has no early starts (the default lead, 15 minutes, is for them).

Channels are discovered every 6 hours on every platform. YouTube's feed and a Page's
live_videos list ended streams too, so an unplanned one is still found (after it
ended: views, no live samples). Planned streams are looked for every
``near_interval`` from ``near_lead`` before their start, on the awaited channels only,
whatever the routine: that finds a planned Instagram live within 5 minutes. Instagram
lists a live only while it is live, so an UNPLANNED Instagram live shorter than the
routine interval would be missed: a real deployment keeps Instagram's routine
interval shorter than such lives (the default is 300 s); the half-year's unplanned
streams are on Facebook, as in the scenario."""

HALF_YEAR_COMMENT = (
    "Written by `streamer demo --half-year`: both programmes on YouTube, Facebook and\n"
    "# Instagram (as in the source article), polled more coarsely than the defaults."
)
HALF_YEAR_CHANNELS = {
    "antikor_youtube": ANTIKOR_YT,
    "antikor_facebook": "100000000000001",
    "antikor_instagram": "17841400000000001",
    "adal_youtube": ADAL_YT,
    "adal_facebook": "100000000000002",
    "adal_instagram": "17841400000000002",
}
ARTICLE_YEAR = 2020  # the source article covers the first half of 2020


@dataclass(frozen=True, slots=True)
class Tally:
    """One programme's live broadcasts and views, as the simulator or the report has them."""

    live_broadcasts: int
    views: int | None


def write_half_year_config(directory: Path, endpoint: str = "http://127.0.0.1:9") -> Config:
    """Write the half-year demo's streamer.toml and load it back (so it is validated)."""
    path = directory / "streamer.toml"
    text = demo_config(
        endpoint,
        comment=HALF_YEAR_COMMENT,
        collector=HALF_YEAR_COLLECTOR,
        twitch=False,
        fsync=False,
    )
    path.write_text(text, encoding="utf-8")
    return load_config(path)


def half_year_scenario(year: int, tz: str, first: date, last: date) -> Scenario:
    """The half-year scenario on the demo's channels, cut to the days ``first``..``last``."""
    full = half_year(
        year, tz,
        adal_channel=ADAL_YT, antikor_channel=ANTIKOR_YT,
        adal_facebook=HALF_YEAR_CHANNELS["adal_facebook"],
        antikor_facebook=HALF_YEAR_CHANNELS["antikor_facebook"],
        adal_instagram=HALF_YEAR_CHANNELS["adal_instagram"],
        antikor_instagram=HALF_YEAR_CHANNELS["antikor_instagram"],
    )  # fmt: skip
    zone = time_zone(tz)

    def inside(stream: SimStream) -> bool:
        moment = stream.scheduled_start or stream.actual_start
        return moment is not None and first <= moment.astimezone(zone).date() <= last

    return dataclasses.replace(full, streams=[s for s in full.streams if inside(s)])


def plan_half_year(config: Config, first: date, last: date) -> int:
    """Plan ``HALF_YEAR_SERIES`` from ``first`` to ``last`` into the store; returns how many.

    Fortnightly series keep the half-year's fortnights in a slice of it, as the
    simulator's scenario does.
    """
    store = config_store(config)
    new_id = schedules.sequential_id_factory()
    season_start = half_year_range(first.year)[0]
    planned = 0
    for series in HALF_YEAR_SERIES:
        days = series.dates(first, last, since=season_start)
        if not days:
            continue
        request = schedules.PlanRequest(
            programme=series.programme,
            title=series.title,
            start=datetime.combine(days[0], series.at),
            duration_min=series.duration_min,
            repeat=series.rrule(last),
            district="Turkestan",
        )
        made = store.change_plan(partial(_add, request=request, config=config, new_id=new_id))
        planned += len(made)
    return planned


def simulator_truth(truths: Iterable[StreamTruth], config: Config) -> dict[str, Tally]:
    """Per programme, what the simulator knows happened: broadcasts that went live and
    final views summed over the platforms whose APIs report views.

    A planned broadcast is its streams sharing one scheduled start on the programme's
    channels (a simulcast), held when any of them went live. Unplanned streams (no
    scheduled start) that went live at one moment on the programme's channels are
    one more live broadcast: the simulator airs an unplanned simulcast as streams
    with the same start, and it aired once, however many platforms carried it.
    """
    owner = {(c.platform, c.id): slug for slug, p in config.programmes.items() for c in p.channels}
    held: dict[str, set[datetime]] = {slug: set() for slug in config.programmes}
    unplanned: dict[str, set[datetime]] = {slug: set() for slug in config.programmes}
    views = dict.fromkeys(config.programmes, 0)
    for truth in truths:
        slug = owner.get((truth.platform, truth.channel))
        if slug is None:
            continue
        if truth.platform in VIEW_PLATFORMS:
            views[slug] += truth.views
        if not truth.held:
            continue
        if truth.scheduled_start is None:
            assert truth.actual_start is not None  # held: it went live
            unplanned[slug].add(truth.actual_start)
        else:
            held[slug].add(truth.scheduled_start)
    return {slug: Tally(len(held[slug]) + len(unplanned[slug]), views[slug]) for slug in held}


def report_tally(summary_csv: bytes) -> dict[str, Tally]:
    """Per programme, the ``live_broadcasts`` and ``views`` of the summary CSV the demo
    wrote (the figures its headline states)."""
    _, rows = read_csv(io.StringIO(summary_csv.decode("utf-8"), newline=""))
    tally = {}
    for row in rows:
        live, views = row["live_broadcasts"], row["views"]
        assert isinstance(live, int) and (views is None or isinstance(views, int))
        tally[str(row["programme"])] = Tally(live, views)
    return tally


def truth_table(
    truth: Mapping[str, Tally], reported: Mapping[str, Tally], style: Style
) -> tuple[Table, bool]:
    """Ground truth beside the report's headline, per programme; and whether all agree."""
    table = Table(
        title="Simulator ground truth vs the report's headline",
        title_justify="left",
        header_style="bold",
        caption=(
            "live broadcasts: planned ones that went live plus unplanned ones (each once, "
            "however many platforms carried it); report: live_broadcasts and views of the "
            "summary CSV; views: final totals on "
            f"{' and '.join(LABELS[p] for p in VIEW_PLATFORMS)} "
            "(Instagram's API gives none)"
        ),
        caption_justify="left",
    )
    table.add_column("programme")
    for figure in ("live broadcasts", "views"):
        for side in ("simulator", "report"):
            table.add_column(f"{figure}\n{side}", justify="right")
    table.add_column("agree", justify="center")
    agree = True
    for slug in dict.fromkeys([*truth, *reported]):
        known, shown = truth.get(slug), reported.get(slug)
        same = known == shown
        agree = agree and same
        table.add_row(
            style.programme(slug),
            _figure(None if known is None else known.live_broadcasts, style),
            _figure(None if shown is None else shown.live_broadcasts, style),
            _figure(None if known is None else known.views, style),
            _figure(None if shown is None else shown.views, style),
            "[green]✓[/]" if same else "[bold red]✗[/]",
        )
    return table, agree


def _figure(value: int | None, style: Style) -> str:
    return "—" if value is None else style.number(value)


def run_half_year(
    directory: Path,
    console: Console | None = None,
    *,
    year: int = ARTICLE_YEAR,
    first: date | None = None,
    last: date | None = None,
) -> bool:
    """Plan, collect and report January–June of ``year`` (or the days ``first``..``last``)
    and set the report's headline against the simulator's ground truth.

    Returns whether they agree exactly, programme by programme.
    """
    console = console or make_console()
    started = monotonic()
    folder = prepare_folder(directory)
    console.print(f"demo data folder: [bold]{folder}[/]")
    start, end = half_year_range(year)
    first, last = first or start, last or end
    tz_name = "Asia/Almaty"
    tz = time_zone(tz_name)
    begin = datetime.combine(first - timedelta(days=1), time(0), tzinfo=tz)
    # Views keep arriving for a week after a broadcast ends, and the last final poll
    # is at +7 days: run until the midnight after that for the last day's broadcasts.
    finish = datetime.combine(last + TAIL + timedelta(days=1), time(0), tzinfo=tz)
    clock = SimulatedClock(begin)
    scenario = half_year_scenario(year, tz_name, first, last)
    simulator = Simulator(scenario, clock, quota_limit=DEFAULT_DAILY_QUOTA)
    with simulator.serve() as endpoint:
        config = write_half_year_config(folder, endpoint)
        planned = plan_half_year(config, first, last)
        console.print(
            f"planned {planned} broadcasts from {first:%d %b %Y} to {last:%d %b %Y}; "
            "collecting from YouTube, Facebook and Instagram with coarser polls than the "
            "defaults: live every {live_interval} s, upcoming every {upcoming_interval} s "
            "({near_interval} s around a start); channels discovered every "
            "{discovery_interval} s (every {near_interval} s for a planned stream not found "
            "yet)".format(**HALF_YEAR_COLLECTOR)
        )
        # The simulator answers from this same process: platform threads would only
        # queue behind one another for the interpreter, so the demo polls in turn.
        with Collector(config, clock, DEMO_ENVIRON, parallel=False) as collector:
            cycles = play(collector, clock, finish, console)
        truths = simulator.ground_truth().values()
    store = config_store(config)
    console.print(collected_table(store, config, begin, finish, title="Collected"))
    console.print(
        f"{cycles} collector cycles over {(finish - begin).days} simulated days in "
        f"{monotonic() - started:.1f} s (simulator answered {simulator.stats.total_requests} "
        "requests)"
    )
    period = days_period(first, last + timedelta(days=1))
    summary_csv = report_period(store, config, period, folder, console)
    style = Style(config.language, config.tz, config.programmes)
    table, agree = truth_table(simulator_truth(truths, config), report_tally(summary_csv), style)
    console.print(table)
    console.print(
        "[green]the report agrees exactly with the simulator[/]"
        if agree
        else "[bold red]the report does NOT agree with the simulator[/]"
    )
    console.print(f"demo finished in {monotonic() - started:.1f} s")
    return agree


def report_period(
    store: Store, config: Config, period: Period, folder: Path, console: Console
) -> bytes:
    """The period's summary by programme and by month on screen; summary, broadcasts
    and adherence as CSV files. Returns the summary CSV by programme."""
    data = Dataset.from_store(store, config)
    style = Style(config.language, config.tz, config.programmes)
    out_dir = folder / "reports"
    slugs = tuple(config.programmes)
    summary = build("summary", data, period, config.tz, programmes=slugs)
    render_table(summary, console, style)
    console.print()
    by_month = build("summary", data, period, config.tz, by="month", programmes=slugs)
    render_table(replace(by_month, headlines=()), console, style)
    console.print()
    written, files = [], {}
    for name, report in (
        ("summary", summary),
        ("summary-by-month", by_month),
        ("broadcasts", build("broadcasts", data, period, config.tz, programmes=slugs)),
        ("adherence", build("adherence", data, period, config.tz, programmes=slugs)),
    ):
        path = out_dir / f"{name}-{period.label}.csv"
        files[name] = render_bytes(report, "csv", style)
        write_atomic(path, files[name], create_folder=True)
        written.append(path)
    for path in written:
        console.print(f"wrote [bold]{path}[/]")
    return files["summary"]
