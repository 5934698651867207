"""``streamer init --simulator URL DIR``: a config and a plan for the rolling world."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from collectors.simulator import Scenario, Simulator
from collectors.simulator.rolling import PLATFORMS, RollingWorld
from streamer.app.cli_root import invoke
from streamer.app.daemon import Collector
from streamer.app.simworld import ENVIRON
from streamer.clock import SimulatedClock
from streamer.config import load_config
from streamer.models import StreamStatus
from streamer.store import config_store

START = datetime(2026, 5, 1, 9, 59, 31, tzinfo=UTC)


def test_init_then_one_cycle_matches_the_live_simulcast_everywhere(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """After init, one cycle finds both programmes live on all four platforms, matched."""
    clock = SimulatedClock(START)
    sim = Simulator(Scenario(), clock, rolling=RollingWorld(START))
    with sim.serve() as url:
        assert invoke(["init", "--simulator", url, str(tmp_path)]) == 0
        printed = capsys.readouterr().out
        config_path = tmp_path / "streamer.toml"
        text = config_path.read_text(encoding="utf-8")
        for name, value in ENVIRON.items():  # names in the config, values only printed
            assert name in text and value not in text and f"export {name}={value}" in printed
        config = load_config(config_path)
        plan = config_store(config).broadcasts()
        assert len(plan) >= 7 * 24 - 7 * 4  # a week, less its unplanned hours
        clock.advance(timedelta(minutes=2))
        with Collector(config, clock, ENVIRON) as collector:
            collector.collect_once()
        store = config_store(config)
        live = [s for s in store.streams().values() if s.status is StreamStatus.LIVE]
        first = {b.id for b in plan.values() if b.start <= clock.now()}
        assert len(first) == 2
        assert {(s.platform, s.broadcast_id in first) for s in live} == {
            (p, True) for p in PLATFORMS
        }
        assert len(live) == 2 * len(PLATFORMS)
        viewers = [
            snap.concurrent_viewers
            for snap in store.snapshots(START, clock.now() + timedelta(minutes=1))
            if snap.concurrent_viewers
        ]
        assert len(viewers) >= 2 * 3  # YouTube, Facebook, Twitch report viewers


def test_init_simulator_without_a_simulator_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """No simulator at the URL: one error line, exit 2, nothing written."""
    status = invoke(["init", "--simulator", "http://127.0.0.1:9", str(tmp_path / "x")])
    err = capsys.readouterr().err
    assert status == 2 and err.count("\n") == 1 and "no simulator answers" in err
    assert not (tmp_path / "x").exists()
