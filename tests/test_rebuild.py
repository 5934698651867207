"""Incremental rollups agree with a rebuild from the stored snapshots, simulcast included."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from helpers.retries import instant_retries
from rich.console import Console

from collectors.simulator import Simulator
from streamer.app.cli import run
from streamer.app.daemon import Collector
from streamer.app.demo import (
    DEMO_ENVIRON,
    demo_scenario,
    plan_week,
    play,
    write_config,
)
from streamer.clock import SimulatedClock
from streamer.store import open_store

MONDAY = date(2026, 11, 23)
ALMATY = ZoneInfo("Asia/Almaty")


@pytest.fixture(scope="module")
def collected(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Monday 09:00 to Tuesday 18:00 of the demo week, collected on four platforms."""
    folder = tmp_path_factory.mktemp("week")
    clock = SimulatedClock(datetime.combine(MONDAY, time(9), tzinfo=ALMATY))
    scenario = demo_scenario(MONDAY)
    simulator = Simulator(scenario, clock)
    with instant_retries(), simulator.serve() as endpoint:
        config = write_config(folder, endpoint)
        plan_week(config, MONDAY)
        finish = datetime.combine(MONDAY + timedelta(days=1), time(18), tzinfo=ALMATY)
        with Collector(config, clock, DEMO_ENVIRON) as collector:
            play(collector, clock, finish, Console(file=io.StringIO()))
    return folder / "streamer.toml"


def test_incremental_rollups_equal_the_rebuild(
    collected: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`rollup --rebuild --check` finds no difference after a day and a half, four platforms."""
    assert run(["--config", str(collected), "rollup", "--rebuild", "--check"]) == 0
    out = capsys.readouterr().out
    assert "0 differed" in out
    rollups = open_store(collected.parent / "data").rollups(include_archive=True)
    held = ["broadcast:b0000002", "broadcast:b0000003", "broadcast:b0000008"]  # Mon, Tue, Tue
    assert all(rollups[k].peak_concurrent for k in held)
    assert all(rollups[k].viewer_minutes > 0 for k in held)


def test_a_damaged_rollup_is_found_and_repaired(
    collected: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A rollup changed behind the collector's back differs; --rebuild puts it right."""
    store = open_store(collected.parent / "data")
    key = next(k for k in store.rollups() if k.startswith("youtube:"))
    damaged = replace(store.rollups()[key], peak_concurrent=1)
    store.put_rollups({key: damaged})
    assert run(["--config", str(collected), "rollup", "--rebuild", "--check"]) == 1
    assert key in capsys.readouterr().out
    assert run(["--config", str(collected), "rollup", "--rebuild"]) == 0
    assert run(["--config", str(collected), "rollup", "--rebuild", "--check"]) == 0
    assert store.rollups()[key].peak_concurrent != 1
