"""`streamer plan publish`: liveBroadcasts.insert through the real client, id stored."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest

from collectors.simulator import Scenario, SimStream, Simulator
from streamer.app.cli import run
from streamer.clock import SystemClock
from streamer.config import starter_config

CHANNEL = "UCantikorLive00000000000"


@pytest.fixture
def setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    scenario = Scenario(
        streams=[
            SimStream(
                channel=CHANNEL,
                video_id="existing001",
                title="old",
                scheduled_start=datetime(2030, 1, 1, tzinfo=UTC),
            )
        ],
        seed=1,
    )
    simulator = Simulator(scenario, SystemClock(), oauth_channel=CHANNEL)
    with simulator.serve() as url:
        token = tmp_path / "token.json"
        token.write_text(
            json.dumps({"client_id": "cid", "client_secret": "csecret",
                        "refresh_token": "rtoken", "token": "ya29.secret-token",
                        "expiry": "2099-01-01T00:00:00Z"}),
        )  # fmt: skip
        token.chmod(0o600)
        text = (
            starter_config()
            .replace('api_endpoint = "https://youtube.googleapis.com"', f'api_endpoint = "{url}"')
            .replace('# oauth_token_file = "youtube-token.json"', 'oauth_token_file = "token.json"')
        )
        config = tmp_path / "streamer.toml"
        config.write_text(text, encoding="utf-8")
        monkeypatch.setenv("STREAMER_CONFIG", str(config))
        yield simulator, token


def add_one(capsys: pytest.CaptureFixture[str]) -> str:
    code = run(["plan", "add", "--programme", "antikor-live", "--title", "Ask the inspector",
                "--start", "2030-01-15 15:00", "--duration", "60"])  # fmt: skip
    assert code == 0
    return capsys.readouterr().out.strip().splitlines()[-1]


def test_publish_creates_the_broadcast_and_stores_its_video_id(
    setup,
    capsys: pytest.CaptureFixture[str],  # type: ignore[no-untyped-def]
) -> None:
    """The inserted broadcast's id lands on the YouTube target; 50 units are ledgered."""
    simulator, _ = setup
    broadcast_id = add_one(capsys)
    assert run(["plan", "publish", broadcast_id, "--platform", "youtube"]) == 0
    out = capsys.readouterr().out
    assert "published" in out
    run(["plan", "list", "--format", "json"])
    item = orjson.loads(capsys.readouterr().out)[0]
    youtube = [t for t in item["targets"] if t.startswith("youtube:")]
    video_id = youtube[0].rsplit(":", 1)[1]
    inserted = [s for s in simulator.streams() if s.video_id == video_id]
    assert inserted and inserted[0].title == "Ask the inspector"
    assert inserted[0].scheduled_start == datetime(2030, 1, 15, 10, 0, tzinfo=UTC)
    assert run(["quota"]) == 0
    assert "secret-token" not in capsys.readouterr().out


def test_publishing_twice_is_refused(setup, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    """A broadcast already on YouTube is not inserted a second time (exit 2, one line)."""
    broadcast_id = add_one(capsys)
    assert run(["plan", "publish", broadcast_id, "--platform", "youtube"]) == 0
    capsys.readouterr()
    assert run(["plan", "publish", broadcast_id, "--platform", "youtube"]) == 2
    err = capsys.readouterr().err
    assert "already published" in err and err.count("\n") == 1


def test_missing_token_file_is_a_user_error(
    setup,
    capsys: pytest.CaptureFixture[str],  # type: ignore[no-untyped-def]
) -> None:
    """No token file: one line naming the file, exit 2, plan unchanged."""
    _, token = setup
    broadcast_id = add_one(capsys)
    token.unlink()
    assert run(["plan", "publish", broadcast_id, "--platform", "youtube"]) == 2
    assert "token.json" in capsys.readouterr().err
