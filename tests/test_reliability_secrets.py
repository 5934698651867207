"""Promise 5: secrets stay secret.

A faulty four-platform run (transient faults, a rejected key, a rejected token) logs at
DEBUG, writes its store and a report; then every log line, message, report and stored
file is searched for each secret value. Servers bind loopback unless told otherwise.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import urllib.parse
from datetime import datetime, time, timedelta
from pathlib import Path

import pytest
from helpers.reliability import MONDAY, SECRETS, TZ, FaultPlan, world

from collectors.simulator import FaultRule, Scenario, Simulator
from collectors.youtube import load_user_credentials
from streamer.app.cli import run
from streamer.app.daemon import configure_logging
from streamer.clock import SimulatedClock
from streamer.config import MetricsSettings, load_config

TUESDAY = MONDAY + timedelta(days=1)


def leaks(text: str) -> list[str]:
    """The secret variables whose value (plain or URL-encoded) appears in ``text``."""
    found = []
    for name, value in SECRETS.items():
        if value in text or urllib.parse.quote(value) in text or value[:12] in text:
            found.append(name)
    return found


def test_a_faulty_run_leaks_no_secret_anywhere(tmp_path: Path) -> None:
    """Logs at DEBUG, cycle lines, errors, the store and a report hold no key or token."""
    begin = datetime.combine(TUESDAY, time(10, 45), tzinfo=TZ)
    faults = FaultPlan(rate=0.2, delay=0.1)
    captured = io.StringIO()
    handler = logging.StreamHandler(captured)
    configure_logging("DEBUG")
    logging.getLogger().addHandler(handler)
    for name in ("httpx", "httpcore", "googleapiclient", "urllib3"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    lines = []
    try:
        with world(tmp_path, start=begin, faults=faults, timeout=0.05) as w:
            w.sim.faults.add(
                FaultRule("key_invalid", "/helix/", start=begin + timedelta(minutes=30))
            )
            w.sim.faults.add(FaultRule("key_invalid", "/youtube/v3/videos",
                                       start=begin + timedelta(minutes=50)))  # fmt: skip
            while w.clock.now() < begin + timedelta(hours=1, minutes=15):
                lines.append(w.collector.collect_once().line())
                w.clock.set(w.collector.engine.next_due(w.clock.now()))
            stopped = dict(w.collector.engine.stopped)
            out, err = io.StringIO(), io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                status = run(["--config", str(w.config.path), "report", "broadcasts",
                              "--period", "2026-03", "--format", "csv",
                              "--out", str(tmp_path / "report.csv")])  # fmt: skip
    finally:
        logging.getLogger().removeHandler(handler)
    assert status == 0, err.getvalue()
    assert {"twitch", "youtube"} <= set(stopped)  # the error paths really ran
    assert any("REL_TWITCH_ID" in why or "REL_TWITCH_SECRET" in why for why in stopped.values())
    log_text = captured.getvalue()
    assert "HTTP" in log_text or "timed out" in log_text  # faults were logged
    outputs = {"log": log_text, "cycle lines": "\n".join(lines), "stopped": str(stopped),
               "cli": out.getvalue() + err.getvalue()}  # fmt: skip
    for path in tmp_path.rglob("*"):
        if path.is_file():
            outputs[str(path)] = path.read_bytes().decode("utf-8", "replace")
    assert {where: leaks(text) for where, text in outputs.items() if leaks(text)} == {}


def test_secrets_are_read_from_the_environment_not_the_config(tmp_path: Path) -> None:
    """A secret pasted into the config where a variable name belongs is refused, unechoed."""
    path = tmp_path / "streamer.toml"
    path.write_text(f'[platforms.youtube]\napi_key_env = "{SECRETS["REL_YOUTUBE_KEY"]}-x"\n')
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        assert run(["--config", str(path), "plan", "list"]) == 2
    assert "api_key_env" in err.getvalue() and not leaks(err.getvalue())


def test_a_token_file_readable_by_others_is_warned_about(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """An OAuth token file with mode 0644 logs a warning naming the file, not its content."""
    token = tmp_path / "token.json"
    secret = "1//refreshSECRETtoken"
    token.write_text(
        '{"client_id": "c", "client_secret": "s", "refresh_token": "' + secret + '",'
        ' "type": "authorized_user"}'
    )
    os.chmod(token, 0o644)
    with caplog.at_level(logging.WARNING):
        load_user_credentials(token)
    assert "chmod 600" in caplog.text and str(token) in caplog.text
    assert secret not in caplog.text
    caplog.clear()
    os.chmod(token, 0o600)
    with caplog.at_level(logging.WARNING):
        load_user_credentials(token)
    assert "chmod" not in caplog.text


def test_the_metrics_endpoint_and_the_simulator_bind_loopback_by_default(tmp_path: Path) -> None:
    """Metrics default to 127.0.0.1; the simulator refuses a public address unless allowed."""
    assert MetricsSettings().host == "127.0.0.1"
    path = tmp_path / "streamer.toml"
    path.write_text("[metrics]\nport = 9109\n")
    assert load_config(path).metrics.host == "127.0.0.1"
    sim = Simulator(Scenario(), SimulatedClock(datetime(2026, 3, 2).astimezone()))
    with pytest.raises(ValueError, match="loopback"):
        sim.serve(host="0.0.0.0").__enter__()
    with sim.serve() as url:
        assert url.startswith("http://127.0.0.1:")
