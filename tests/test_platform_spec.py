"""Platforms are descriptors in one registry: a fifth one works end to end when registered.

``helpers.fake_platform`` is written as a new platform would be (settings, adapter
builder and simulator routes, named by one ``PlatformSpec``); registering it is the
only change: no other file knows it.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from helpers import fake_platform
from helpers.fake_platform import SPEC, TOKEN, VkSettings

from collectors.alerts import stream_link
from collectors.simulator import Scenario, SimStream, Simulator
from collectors.youtube_quota import quota_day as youtube_quota_day
from streamer import platforms
from streamer.app.cli import run
from streamer.app.daemon import Collector
from streamer.clock import SimulatedClock
from streamer.config import load_config
from streamer.errors import ConfigError
from streamer.models import Stream
from streamer.platforms import PlatformSpec
from streamer.store import open_store

# 16:00 UTC: 27 Nov in Tokyo (the fake platform's quota zone), 26 Nov in UTC and Pacific.
NOW = datetime(2026, 11, 26, 16, 0, tzinfo=UTC)
ENVIRON = {"SIM_VK_TOKEN": TOKEN}
STREAM = SimStream(
    platform="vkvideo",
    channel="vk-club",
    video_id="vk-0001",
    title="Вечерний эфир",
    scheduled_start=NOW,
    actual_start=NOW + timedelta(minutes=1),
    actual_end=NOW + timedelta(minutes=20),
    peak_viewers=400,
    final_views=2_000,
)


def config_text(url: str) -> str:
    """A programme with its one channel on the fake platform, served at ``url``."""
    return (
        'data_dir = "data"\ntimezone = "UTC"\n'
        '[[programmes]]\nslug = "club"\nname = "Club"\n'
        'channels = [{ platform = "vkvideo", id = "vk-club" }]\n'
        f'[platforms.vkvideo]\ntoken_env = "SIM_VK_TOKEN"\napi_endpoint = "{url}"\n'
    )


@pytest.fixture
def vk() -> Iterator[PlatformSpec]:
    """The fake platform, registered for one test."""
    with platforms.registered(SPEC) as spec:
        yield spec


def test_a_registered_platform_is_configured_collected_charged_and_reported(
    vk: PlatformSpec,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Registered, the fifth platform's table parses into its settings; the collector
    builds its adapter, discovers and polls its stream on the simulator's route; its
    units land on its own quota day (Tokyo); reports show its label and short code."""
    clock = SimulatedClock(NOW)
    sim = Simulator(Scenario(streams=[STREAM], seed=5), clock)
    path = tmp_path / "streamer.toml"
    with sim.serve() as url:
        path.write_text(config_text(url), encoding="utf-8")
        config = load_config(path)
        assert config.platforms["vkvideo"] == VkSettings("SIM_VK_TOKEN", url)
        with Collector(config, clock, ENVIRON, parallel=False) as collector:
            for _ in range(30):
                collector.collect_once()
                clock.advance(timedelta(minutes=1))
        calls = sim.stats.requests["/vk/streams"]
    store = open_store(config.data_dir)
    stream = store.streams()["vkvideo:vk-0001"]
    assert (stream.status.value, stream.title) == ("ended", "Вечерний эфир")
    assert stream.unplanned_id is not None
    assert store.quota_used("2026-11-27") == {"SIM_VK_TOKEN": calls}
    assert "SIM_VK_TOKEN" not in store.quota_used("2026-11-26")

    monkeypatch.setenv("STREAMER_CONFIG", str(path))
    monkeypatch.setenv("COLUMNS", "160")
    monkeypatch.setattr("streamer.app.cli_report.CLOCK", SimulatedClock(NOW + timedelta(days=2)))
    by_platform = _report(capsys, "summary", "--by", "platform")
    listing = _report(capsys, "broadcasts")
    assert "VK Video" in by_platform and " VK " in listing.replace("│", " ")


def _report(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """``streamer report ARGV`` for 26-27 Nov on the console; what it printed."""
    code = run(["report", *argv, "--from", "2026-11-26", "--to", "2026-11-27"])
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


def test_its_table_is_checked_by_the_generic_rules(vk: PlatformSpec, tmp_path: Path) -> None:
    """The fake platform's settings get the same one-line checks as the built-in ones:
    a misspelt key is named with a hint, a ``*_env`` value must be a variable name."""
    path = tmp_path / "streamer.toml"
    cases = {
        '[platforms.vkvideo]\ntokn_env = "X"\n': "platforms.vkvideo.tokn_env: unknown key; "
        "did you mean 'token_env'?",
        '[platforms.vkvideo]\ntoken_env = "not a name"\n': "platforms.vkvideo.token_env:",
        '[platforms.vkvideo]\napi_endpoint = "vk.example"\n': "is not a URL",
    }
    for text, problem in cases.items():
        path.write_text(text, encoding="utf-8")
        with pytest.raises(ConfigError) as caught:
            load_config(path)
        assert problem in str(caught.value) and "\n" not in str(caught.value)
    path.write_text("", encoding="utf-8")
    assert load_config(path).platforms["vkvideo"] == VkSettings()


def test_an_unregistered_platform_is_unknown(tmp_path: Path) -> None:
    """Without its spec, ``[platforms.vkvideo]`` and a channel on it are config errors."""
    path = tmp_path / "streamer.toml"
    path.write_text("[platforms.vkvideo]\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"platforms\.vkvideo: unknown key"):
        load_config(path)
    path.write_text(config_text("http://127.0.0.1:9").split("[platforms")[0], encoding="utf-8")
    with pytest.raises(ConfigError, match="'vkvideo' is not allowed; use one of youtube, "):
        load_config(path)


def test_registration_refuses_a_taken_name_or_code(vk: PlatformSpec) -> None:
    """Names and short codes are unique; a registered platform comes last in the order,
    with its label, code and stream link."""
    assert platforms.names() == ("youtube", "facebook", "instagram", "twitch", "vkvideo")
    assert (platforms.LABELS["vkvideo"], platforms.CODES["vkvideo"]) == ("VK Video", "VK")
    link = stream_link(Stream("vkvideo", "v1", "club"))
    assert link == "https://vk.example/video/v1"
    with pytest.raises(ValueError, match="registered already"):
        platforms.register(SPEC)
    with pytest.raises(ValueError, match="short code 'YT' is taken"):
        platforms.register(PlatformSpec("yt2", "YT2", "YT", VkSettings))
    assert platforms.in_order({"zz", "vkvideo", "youtube"}) == ["youtube", "vkvideo", "zz"]


def test_each_platform_has_its_own_quota_day() -> None:
    """YouTube's day turns at midnight Pacific (as ``collectors.youtube_quota``), the
    others' at midnight UTC."""
    before = datetime(2026, 3, 9, 6, 59, tzinfo=UTC)  # 23:59 PDT on 8 March
    for moment in (before, before + timedelta(minutes=1)):
        youtube = platforms.spec("youtube").quota_day(moment)
        assert youtube == youtube_quota_day(moment)
    assert platforms.spec("youtube").quota_day(before) == "2026-03-08"
    assert platforms.spec("twitch").quota_day(before) == "2026-03-09"


def test_a_twitch_only_collector_does_not_load_the_google_client(tmp_path: Path) -> None:
    """Adapters are imported from their specs when built: Twitch alone leaves the
    Google client (and the YouTube adapter) unloaded."""
    path = tmp_path / "streamer.toml"
    path.write_text(
        '[[programmes]]\nslug = "p"\nchannels = [{ platform = "twitch", id = "chan" }]\n',
        encoding="utf-8",
    )
    script = (
        "import sys\nfrom contextlib import ExitStack\nfrom pathlib import Path\n"
        "from collectors.registry import build_platforms\n"
        "from streamer.clock import SystemClock\nfrom streamer.config import load_config\n"
        "with ExitStack() as stack:\n"
        f"    built = build_platforms(load_config(Path({str(path)!r})),"
        " {'TWITCH_CLIENT_ID': 'i', 'TWITCH_CLIENT_SECRET': 's'}, SystemClock(), stack)\n"
        "loaded = [m in sys.modules for m in ('googleapiclient', 'collectors.youtube')]\n"
        "print(sorted(built), *loaded)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert done.stdout.split() == ["['twitch']", "False", "False"]


ROOT = Path(fake_platform.__file__).resolve().parents[2]
