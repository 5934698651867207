"""The demo: the half-year scenario's shape, the folder guard, truth against the report."""

from __future__ import annotations

import io
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from rich.console import Console

from collectors.simulator import Scenario, SimStream, Simulator
from collectors.simulator.scenarios import HALF_YEAR_FATES, half_year_range
from reports.fmt import Style
from streamer.app import demo_half_year
from streamer.app.cli import run
from streamer.app.demo import ANTIKOR_YT, run_demo
from streamer.app.demo_half_year import (
    HALF_YEAR_CHANNELS,
    Tally,
    half_year_scenario,
    plan_half_year,
    run_half_year,
    simulator_truth,
    truth_table,
    write_half_year_config,
)
from streamer.clock import SimulatedClock
from streamer.models import BroadcastStatus
from streamer.store import open_store

ZONE = "Asia/Almaty"
# Five days holding a late start (Adal Komek, 28 Feb), an unplanned stream (Adal
# Komek on Facebook, 1 Mar) and a no-show (Antikor.Live, 3 Mar).
WINDOW = (date(2020, 2, 28), date(2020, 3, 3))


def _fates(streams: list[SimStream]) -> Counter[str]:
    """How many no-shows, late starts (over 5 min) and unplanned streams, per channel."""
    found: Counter[str] = Counter()
    for s in streams:
        if s.scheduled_start is None:
            found[f"unplanned:{s.channel}"] += 1
        elif s.platform != "youtube":
            continue
        elif s.actual_start is None:
            found[f"no-show:{s.channel}"] += 1
        elif s.actual_start - s.scheduled_start > timedelta(minutes=5):
            found[f"late:{s.channel}"] += 1
    return found


def test_half_year_builder_matches_the_article(tmp_path: Path) -> None:
    """64 + 278 live broadcasts in January–June 2020 with views just over 85,000 / 127,000."""
    first, last = half_year_range(2020)
    scenario = half_year_scenario(2020, ZONE, first, last)
    zone = ZoneInfo(ZONE)
    moments = [m for s in scenario.streams for m in (s.scheduled_start, s.actual_end) if m]
    assert all(first <= m.astimezone(zone).date() <= last for m in moments)
    after = datetime(2020, 7, 9, tzinfo=UTC)  # a week past the last end: views are final
    truths = Simulator(scenario, SimulatedClock(after)).ground_truth().values()
    tally = simulator_truth(truths, write_half_year_config(tmp_path))
    assert tally["antikor-live"].live_broadcasts == 64
    assert tally["adal-komek"].live_broadcasts == 278
    assert 85_000 < (tally["antikor-live"].views or 0) < 86_000
    assert 127_000 < (tally["adal-komek"].views or 0) < 128_000
    fates = _fates(list(scenario.streams))
    antikor = HALF_YEAR_FATES["antikor-live"]
    assert fates[f"no-show:{ANTIKOR_YT}"] == antikor.no_shows
    assert fates[f"late:{ANTIKOR_YT}"] == antikor.late_starts
    assert sum(n for k, n in fates.items() if k.startswith("unplanned:")) == 3


def test_truth_counts_an_unplanned_simulcast_once(tmp_path: Path) -> None:
    """Unplanned streams that went live at one moment on three platforms aired once;
    one at another moment is another; a planned simulcast is one however carried."""
    start = datetime(2020, 3, 7, 14, 0, tzinfo=UTC)

    def aired(platform: str, channel: str, video: str, at: datetime, planned: bool) -> SimStream:
        return SimStream(
            platform=platform, channel=channel, video_id=video, title=video,
            scheduled_start=at if planned else None, actual_start=at,
            actual_end=at + timedelta(hours=1), peak_viewers=50, final_views=200,
        )  # fmt: skip

    fb, ig = HALF_YEAR_CHANNELS["antikor_facebook"], HALF_YEAR_CHANNELS["antikor_instagram"]
    later = start + timedelta(days=1)
    streams = [
        aired("youtube", ANTIKOR_YT, "unplannedV1", start, planned=False),
        aired("facebook", fb, "1000000000000071", start, planned=False),
        aired("instagram", ig, "17900000000000071", start, planned=False),
        aired("facebook", fb, "1000000000000072", later, planned=False),
        aired("youtube", ANTIKOR_YT, "plannedVid1", later, planned=True),
        aired("facebook", fb, "1000000000000073", later, planned=True),
    ]
    after = later + timedelta(days=8)
    truths = Simulator(Scenario(streams=streams), SimulatedClock(after)).ground_truth().values()
    tally = simulator_truth(truths, write_half_year_config(tmp_path))
    assert tally["antikor-live"].live_broadcasts == 3
    assert tally["adal-komek"].live_broadcasts == 0


@pytest.mark.parametrize(
    ("first", "last", "count"),
    [
        (*half_year_range(2020), 65 + 286),
        # A slice whose first Monday is not the half-year's: the fortnightly Saturday
        # keeps the half-year's fortnights (18 Jan, not 11 Jan), as the scenario airs it.
        (date(2020, 1, 6), date(2020, 1, 19), 5 + 22),
    ],
)
def test_half_year_plan_matches_the_scenario_slots(
    tmp_path: Path, first: date, last: date, count: int
) -> None:
    """The planned series (RRULEs) give exactly the slots the simulator airs."""
    config = write_half_year_config(tmp_path)
    assert plan_half_year(config, first, last) == count
    planned = {b.start for b in open_store(config.data_dir).broadcasts().values()}
    scenario = half_year_scenario(2020, ZONE, first, last)
    scheduled = {s.scheduled_start for s in scenario.streams if s.scheduled_start}
    assert planned == scheduled


def test_demo_refuses_a_folder_it_did_not_make(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--dir on a non-empty folder without the demo's marker exits 2 and deletes nothing."""
    keep = tmp_path / "thesis.txt"
    keep.write_text("precious")
    assert run(["demo", "--half-year", "--dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not made by 'streamer demo'" in err
    assert keep.read_text() == "precious"


def test_demo_exits_1_when_truth_and_report_differ(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A disagreement between the simulator and the report fails the command."""
    monkeypatch.setattr(demo_half_year, "run_half_year", lambda directory: False)
    assert run(["demo", "--half-year", "--dir", str(tmp_path / "d")]) == 1


def test_truth_table_marks_a_difference(tmp_path: Path) -> None:
    """One view off on one programme gives a ✗ on its row and no agreement."""
    config = write_half_year_config(tmp_path)
    style = Style("en", config.tz, config.programmes)
    truth = {"antikor-live": Tally(64, 85_321), "adal-komek": Tally(278, 127_400)}
    report = {"antikor-live": Tally(64, 85_320), "adal-komek": Tally(278, 127_400)}
    table, agree = truth_table(truth, report, style)
    out = io.StringIO()
    Console(file=out, width=120).print(table)
    assert not agree
    assert "✗" in out.getvalue() and "✓" in out.getvalue()


def test_truth_equals_the_report_on_a_few_days(tmp_path: Path) -> None:
    """Five days with a late start, a no-show and an unplanned stream: the report's
    headline equals the simulator's ground truth, programme by programme."""
    first, last = WINDOW
    fates = _fates(list(half_year_scenario(2020, ZONE, first, last).streams))
    assert {k.split(":")[0] for k in fates} == {"late", "no-show", "unplanned"}
    out = io.StringIO()
    agree = run_half_year(tmp_path / "demo", Console(file=out, width=120), first=first, last=last)
    text = out.getvalue()
    assert agree, text
    assert "✗" not in text and text.count("✓") == 2
    assert "the report agrees exactly with the simulator" in text


@pytest.mark.slow
def test_week_demo_shows_each_alert_and_where_it_went(tmp_path: Path) -> None:
    """The week's alerts on an 80-column screen: a live alert per held broadcast, one
    for Saturday's unplanned simulcast, a missed alert per missed broadcast, each sent
    to Telegram once; the bot token stays out of the config file."""
    out = io.StringIO()
    run_demo(tmp_path / "demo", Console(file=out, width=80), today=date(2026, 11, 23))
    text = out.getvalue()
    section = text[text.index("Alerts this week") : text.index("alerts\n") + 7]
    assert max(len(line) for line in section.splitlines()) <= 80
    store = open_store(tmp_path / "demo" / "data")
    outbox = store.outbox()
    plan = store.broadcasts().values()
    planned_live = {e["data"]["broadcast"] for e in outbox if e["kind"] == "live" and
                    "broadcast" in e["data"]}  # fmt: skip
    assert planned_live == {b.id for b in plan if b.status is BroadcastStatus.HELD}
    missed = {e["data"]["broadcast"] for e in outbox if e["kind"] == "missed"}
    assert missed == {b.id for b in plan if b.status is BroadcastStatus.MISSED} and missed
    (unplanned,) = [e for e in outbox if e["kind"] == "live" and "broadcast" not in e["data"]]
    assert len(unplanned["data"]["platforms"]) >= 2  # a simulcast: one alert
    assert "│ Sat 19:00 │ live   │ Antikor.Live (unplanned) │ telegram │ sent  │" in section
    assert all(e["deliveries"]["telegram"]["state"] == "sent" for e in outbox)
    assert f"received {len(outbox)} messages for {len(outbox)} alerts" in section
    assert "demo-telegram-token" not in (tmp_path / "demo" / "streamer.toml").read_text()
    # The plan it starts with is fitted to the screen as `plan list` is: whole ids and
    # programmes, the columns left out named (they were squeezed to "b…" and "adal-…").
    shown = text[text.index("Plan for the week") : text.index("collecting")]
    assert max(len(line) for line in shown.splitlines()) <= 80
    for item in plan:
        assert f" {item.id} " in shown and f" {item.programme} " in shown
    assert "b…" not in shown
    assert "every column: streamer plan list --wide" in " ".join(shown.split())
