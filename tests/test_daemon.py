"""The collector service from the command line: ``collect --once`` and ``run``.

The simulator is served from the test process on the real clock; ``run`` is a real
subprocess (the console script's ``streamer.app.cli:main``) stopped with SIGTERM.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO

import httpx
import pytest
from helpers.configs import KEY_NAMES, simulator_config
from helpers.loopback import Served, live_now
from prometheus_client.parser import text_string_to_metric_families

from collectors.simulator import FaultRule, Scenario, Simulator
from streamer.app.cli import run
from streamer.clock import SystemClock
from streamer.tinystore import TinyStore

CHANNEL = "UCdaemonTestChannel00001"
KEY_ENV = KEY_NAMES["youtube"]["api_key_env"]
KEY = "AIzaFAKE-daemon-secret-4f2a9c"
TIMEOUT = "[collector]\nrequest_timeout = 0.5\n"
PROGRAMME = ("antikor-live", "Antikor.Live", (("youtube", CHANNEL),))
VIDEOS = "/youtube/v3/videos"
START_TIMEOUT = 20.0  # seconds for the subprocess to import, start and log a cycle


@pytest.fixture
def served(serve: Callable[[Simulator], Served]) -> Served:
    """The simulator on loopback and the real clock, with one stream live right now."""
    live = live_now(CHANNEL, "daemonVid01", final_views=1000)
    return serve(Simulator(Scenario(streams=[live], seed=5), SystemClock()))


@pytest.fixture
def config(tmp_path: Path, served: Served) -> Path:
    """A YouTube-only streamer.toml pointing at the simulator."""
    path = tmp_path / "streamer.toml"
    path.write_text(simulator_config(served.url, programmes=[PROGRAMME], extra=TIMEOUT), "utf-8")
    return path


def start_daemon(config: Path, log: IO[bytes]) -> subprocess.Popen[bytes]:
    """``streamer --config CONFIG run`` as the console script runs it, logging to ``log``."""
    env = {k: v for k, v in os.environ.items() if k != "STREAMER_CONFIG"}
    env[KEY_ENV] = KEY
    command = [sys.executable, "-c", "from streamer.app.cli import main; main()"]
    return subprocess.Popen(
        [*command, "--config", str(config), "run"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=config.parent,
    )


def wait_for(path: Path, text: str, process: subprocess.Popen[bytes]) -> str:
    """The log once it contains ``text``; fails if the process exits or time runs out."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        content = path.read_text(encoding="utf-8", errors="replace")
        if text in content:
            return content
        assert process.poll() is None, f"daemon exited early:\n{content}"
        time.sleep(0.05)
    raise AssertionError(f"no {text!r} in the daemon's log within {START_TIMEOUT} s")


@contextmanager
def running(config: Path) -> Iterator[tuple[subprocess.Popen[bytes], Path]]:
    """A started ``streamer run`` and its log file; killed on the way out if still alive."""
    log_path = config.parent / "daemon.log"
    with log_path.open("wb") as log:
        process = start_daemon(config, log)
        try:
            yield process, log_path
        finally:
            if process.poll() is None:
                process.kill()
            process.wait(timeout=10)


@pytest.fixture
def daemon(config: Path) -> Iterator[tuple[subprocess.Popen[bytes], Path]]:
    """A running ``streamer run`` that has logged its first cycle."""
    with running(config) as (process, log_path):
        wait_for(log_path, "cycle ", process)
        yield process, log_path


def test_collect_once_runs_one_cycle_and_prints_its_line(
    config: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``collect --once`` discovers and polls the live stream, exits 0, prints one cycle line."""
    monkeypatch.setenv(KEY_ENV, KEY)
    assert run(["--config", str(config), "collect", "--once"]) == 0
    out = capsys.readouterr().out
    [line] = [line for line in out.splitlines() if line.startswith("cycle ")]
    assert "polled 1 streams, wrote 1 snapshots, discovered 1" in line
    assert "errors: none" in line
    assert KEY not in out


def test_collect_once_without_the_key_is_one_line_exit_2(
    config: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The key variable unset: exit 2, one stderr line naming the variable, nothing polled."""
    monkeypatch.delenv(KEY_ENV, raising=False)
    assert run(["--config", str(config), "collect", "--once"]) == 2
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1
    assert captured.err.startswith("streamer: error: ")
    assert KEY_ENV in captured.err
    assert "Traceback" not in captured.err
    assert "cycle " not in captured.out


def test_run_stops_cleanly_on_sigterm(daemon: tuple[subprocess.Popen[bytes], Path]) -> None:
    """SIGTERM: exit 0 within 5 s; the log has a cycle line, no traceback, never the key."""
    process, log_path = daemon
    process.send_signal(signal.SIGTERM)
    started = time.monotonic()
    assert process.wait(timeout=5) == 0
    assert time.monotonic() - started < 5
    log = log_path.read_text(encoding="utf-8")
    assert "cycle " in log and "polled 1 streams" in log
    assert "stopped cleanly" in log
    assert "Traceback" not in log
    assert KEY not in log


def test_sigterm_mid_cycle_lets_the_cycle_finish_and_be_saved(served: Served, config: Path) -> None:
    """SIGTERM while the first cycle waits on a timed-out call: it finishes, is saved, exit 0."""
    served.sim.faults.add(FaultRule(kind="timeout", path_prefix=VIDEOS, times=1, delay=1.5))
    with running(config) as (process, log_path):
        deadline = time.monotonic() + START_TIMEOUT
        while served.sim.stats.faults["timeout"] == 0 and time.monotonic() < deadline:
            assert process.poll() is None, log_path.read_text(encoding="utf-8")
            time.sleep(0.02)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=5) == 0
    log = log_path.read_text(encoding="utf-8")
    assert log.index("signal 15") < log.index("cycle ")  # the cycle ended after the signal
    assert "polled 1 streams, wrote 1 snapshots, discovered 1" in log
    assert "Traceback" not in log
    stored = TinyStore(config.parent / "data").streams()
    assert [s.external_id for s in stored.values()] == ["daemonVid01"]


def test_run_survives_a_second_signal_while_stopping(
    daemon: tuple[subprocess.Popen[bytes], Path],
) -> None:
    """SIGTERM then Ctrl-C at once (an impatient operator): still a clean exit 0."""
    process, log_path = daemon
    process.send_signal(signal.SIGTERM)
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=5) == 0
    log = log_path.read_text(encoding="utf-8")
    assert "Traceback" not in log
    assert "stopped cleanly" in log


def test_a_second_run_on_the_same_folder_is_refused(
    daemon: tuple[subprocess.Popen[bytes], Path],
    config: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """While a daemon runs, another ``run`` on its data folder exits non-zero in one line."""
    process, _ = daemon
    monkeypatch.setenv(KEY_ENV, KEY)
    status = run(["--config", str(config), "run"])
    err = capsys.readouterr().err
    assert status != 0
    assert err.count("\n") == 1
    assert "another streamer daemon is running" in err
    assert str(config.parent / "data") in err
    assert process.poll() is None  # the first one is untouched


def free_port() -> int:
    """A loopback TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_run_serves_metrics_and_health_on_loopback(config: Path) -> None:
    """``[metrics] port`` set: /metrics has the cycle's figures, /healthz says ok, no key."""
    port = free_port()
    with config.open("a", encoding="utf-8") as toml:
        toml.write(f"\n[metrics]\nport = {port}\n")
    with running(config) as (process, log_path):
        wait_for(log_path, "cycle ", process)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", trust_env=False) as client:
            # The cycle line is logged just before the report reaches the metrics.
            deadline = time.monotonic() + START_TIMEOUT
            while "streamer_cycles_total 0.0" in (metrics := client.get("/metrics")).text:
                assert time.monotonic() < deadline, metrics.text
                time.sleep(0.05)
            health = client.get("/healthz")
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=5) == 0
    assert f"metrics on http://127.0.0.1:{port}/metrics" in log_path.read_text(encoding="utf-8")
    assert (health.status_code, health.text) == (200, "ok\n")
    samples = {
        s.name: s.value for f in text_string_to_metric_families(metrics.text) for s in f.samples
    }
    assert samples["streamer_cycles_total"] >= 1
    assert samples["streamer_concurrent_viewers"] > 0
    assert samples["streamer_quota_units_total"] >= 1
    assert KEY not in metrics.text


def test_run_with_the_metrics_port_taken_is_one_line_exit_2(
    config: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Another program holds the metrics port: exit 2, one line naming host and port."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        with config.open("a", encoding="utf-8") as toml:
            toml.write(f"\n[metrics]\nport = {port}\n")
        monkeypatch.setenv(KEY_ENV, KEY)
        assert run(["--config", str(config), "run"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert f"cannot listen on 127.0.0.1:{port}" in err


def test_the_collect_tick_fires_on_the_poll_grid() -> None:
    """A 60 s tick fires on whole minutes: first at 10:04:00 when asked at 10:03:17, and
    after a run at 10:04:50 (the start-up cycle) at 10:05:00, not 10:05:50."""
    from streamer.app.daemon import collect_trigger

    started = datetime(2026, 3, 2, 10, 3, 17, tzinfo=UTC)
    trigger = collect_trigger(60)
    fire = trigger.get_next_fire_time(None, started)
    fires = []
    for _ in range(3):
        assert fire is not None
        fires.append(fire)
        fire = trigger.get_next_fire_time(fire, fire + timedelta(seconds=1))
    assert fires == [started.replace(minute=m, second=0) for m in (4, 5, 6)]
    off_grid = started.replace(minute=4, second=50)
    assert trigger.get_next_fire_time(off_grid, off_grid) == started.replace(minute=5, second=0)
