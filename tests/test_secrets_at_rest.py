"""Secrets at rest: a private data folder, no secret in any file, only variable names in
the config (a value that looks like a token where a name belongs is refused)."""

from __future__ import annotations

import io
import os
import stat
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from rich.console import Console

from collectors.simulator import Simulator
from streamer.app.cli import run
from streamer.app.daemon import Collector
from streamer.app.demo import (
    DEMO_ENVIRON,
    demo_scenario,
    plan_week,
    play,
    report_week,
    write_config,
)
from streamer.clock import SimulatedClock
from streamer.store import config_store, open_store
from streamer.timezones import zone

MONDAY = date(2026, 11, 30)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def test_a_new_data_folder_is_private_and_its_files_follow_the_umask(
    tmp_path: Path, umask_022: None
) -> None:
    """open_store makes data/ 0700; its files are 0644 under umask 022 (unreachable)."""
    data = tmp_path / "data"
    store = open_store(data)
    store.change_plan(lambda current: [])
    assert mode(data) == 0o700
    files = [p for p in data.rglob("*") if p.is_file()]
    assert files and {mode(p) for p in files} == {0o644}


def test_an_existing_data_folder_keeps_its_mode(tmp_path: Path, umask_022: None) -> None:
    """A folder the operator made (a shared volume, say) is not chmod-ed behind their back."""
    data = tmp_path / "data"
    data.mkdir(mode=0o750)
    open_store(data)
    assert mode(data) == 0o750


def test_a_demo_day_leaves_no_secret_in_any_file(tmp_path: Path, umask_022: None) -> None:
    """A demo Monday (plan, collection, reports): no file holds an environment value;
    streamer.toml names the variables; the data folder is 0700."""
    tz = zone("Asia/Almaty")
    clock = SimulatedClock(datetime.combine(MONDAY, time(9), tzinfo=tz))
    scenario = demo_scenario(MONDAY)
    console = Console(file=io.StringIO(), width=120)
    with Simulator(scenario, clock).serve() as endpoint:
        config = write_config(tmp_path, endpoint)
        plan_week(config, MONDAY)
        with Collector(config, clock, DEMO_ENVIRON, parallel=False) as collector:
            assert play(collector, clock, clock.now() + timedelta(hours=4), console) > 0
    store = config_store(config)
    assert store.streams()  # the collector really found and stored streams
    report_week(store, config, MONDAY, tmp_path, console)
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.suffix == ".csv" for p in files) and any("data" in p.parts for p in files)
    leaks = {
        str(path.relative_to(tmp_path)): name
        for path in files
        for name, value in DEMO_ENVIRON.items()
        if value.encode() in path.read_bytes()
    }
    assert leaks == {}
    toml = (tmp_path / "streamer.toml").read_text(encoding="utf-8")
    assert all(name in toml for name in DEMO_ENVIRON)
    assert mode(config.data_dir) == 0o700


@pytest.mark.parametrize(
    "value",
    [
        "AIzaSyA1b2C3d4E5f6G7h8I9j0KLmnOpQrStUvW",  # a YouTube API key's shape
        "EAAGm0PX4ZCpsBAKZAZBq0ZBl8ZCkZBiWQ1yZAZA",  # a Graph access token's shape
        "k3j5h2g7f8d9s0a1q2w3e4r5t6y7u8",  # a Twitch client secret's shape
        "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw",  # a Telegram bot token's shape
        "youtube_api_key",  # lower case: not how variables are named here
        "1YOUTUBE",
    ],
)
def test_a_token_where_a_variable_name_belongs_is_refused_unechoed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], value: str
) -> None:
    """*_env takes an upper-case NAME; anything shaped like a token exits 2 without echo."""
    path = tmp_path / "streamer.toml"
    path.write_text(f'[platforms.youtube]\napi_key_env = "{value}"\n', encoding="utf-8")
    assert run(["--config", str(path), "plan", "list"]) == 2
    out, err = capsys.readouterr()
    assert "api_key_env" in err and "NAME of an environment variable" in err
    assert value not in out + err


def test_a_config_readable_by_others_that_names_variables_is_accepted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A 0644 streamer.toml holding only *_env names loads: it holds no secret."""
    path = tmp_path / "streamer.toml"
    path.write_text(
        f'data_dir = "{tmp_path / "data"}"\n[platforms.youtube]\napi_key_env = "YOUTUBE_API_KEY"\n',
        encoding="utf-8",
    )
    path.chmod(0o644)
    assert run(["--config", str(path), "plan", "list"]) == 0, capsys.readouterr().err
