"""Scheduled reports: cron in the configured zone, files named by report and period."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from streamer.app.daemon import safe_report
from streamer.clock import SimulatedClock
from streamer.config import load_config, starter_config
from streamer.cron import cron_trigger
from streamer.models import Broadcast, BroadcastStatus, Target
from streamer.store import open_store

JOBS = """
[[reports]]
name = "weekly"
cron = "0 9 * * 1"
kind = "summary"
period = "last-week"
formats = ["csv", "txt"]
out_dir = "out"
"""


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    path = tmp_path / "streamer.toml"
    path.write_text(starter_config() + JOBS, encoding="utf-8")
    store = open_store(load_config(path).data_dir)
    held = Broadcast(
        "AK-1", "adal-komek", "Legal advice", datetime(2026, 11, 24, 6, 0, tzinfo=UTC), 60,
        (Target("youtube", "UCadalKomek0000000000000"),), status=BroadcastStatus.HELD,
    )  # fmt: skip
    store.change_plan(lambda plan: [held])
    return path


def test_weekly_report_fires_monday_0900_local_and_writes_last_weeks_files(
    config_path: Path,
) -> None:
    """'0 9 * * 1' fires Monday 09:00 Asia/Almaty; the run writes weekly-<last week>.*."""
    config = load_config(config_path)
    job = config.reports[0]
    clock = SimulatedClock(datetime(2026, 11, 27, 12, 0, tzinfo=UTC))  # a Friday
    fire = cron_trigger(job.cron, config.tz).get_next_fire_time(None, clock.now())
    assert fire is not None
    assert fire.astimezone(config.tz).strftime("%A %Y-%m-%d %H:%M") == "Monday 2026-11-30 09:00"
    assert fire.astimezone(UTC) == datetime(2026, 11, 30, 4, 0, tzinfo=UTC)
    clock.set(fire)
    safe_report(job, config, open_store(config.data_dir), clock)
    out = config_path.parent / "out"
    assert sorted(p.name for p in out.iterdir()) == ["weekly-2026-W48.csv", "weekly-2026-W48.txt"]
    assert "Adal Komek" in (out / "weekly-2026-W48.txt").read_text(encoding="utf-8")


def test_a_failing_report_is_logged_and_does_not_raise(
    config_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A report job that fails is logged for the next fire; the daemon's tick is unharmed."""
    config = load_config(config_path)
    # The config refuses a bad period when it loads; a job can still fail when it runs.
    broken = replace(
        config.reports[0], name="broken", period="fortnight", out_dir=config_path.parent / "reports"
    )
    clock = SimulatedClock(datetime(2026, 11, 30, 4, 0, tzinfo=UTC))
    with caplog.at_level(logging.ERROR, logger="streamer.daemon"):
        safe_report(broken, config, open_store(config.data_dir), clock)
    assert any("broken" in r.getMessage() for r in caplog.records)
    assert not (config_path.parent / "reports").exists()


def test_a_week_of_fires_is_exactly_one_per_monday(config_path: Path) -> None:
    """Over four weeks the weekly job fires four times, always on Monday at 09:00 local."""
    config = load_config(config_path)
    trigger = cron_trigger(config.reports[0].cron, config.tz)
    moment = datetime(2026, 11, 1, tzinfo=UTC)
    fires = []
    while moment < datetime(2026, 11, 29, tzinfo=UTC):
        fire = trigger.get_next_fire_time(None, moment)
        assert fire is not None
        fires.append(fire.astimezone(config.tz))
        moment = fire + timedelta(seconds=1)
    fires = [f for f in fires if f < datetime(2026, 11, 29, tzinfo=UTC)]
    assert [f.strftime("%a %H:%M") for f in fires] == ["Mon 09:00"] * 4
