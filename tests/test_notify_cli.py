"""``streamer notify test`` against the Telegram stand-in, ``streamer notify list``."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from collectors.simulator import Scenario, Simulator
from streamer.app.cli import run
from streamer.clock import SimulatedClock
from streamer.outbox import new_event, with_delivery
from streamer.store import CycleWrite
from streamer.timezones import zone
from streamer.tinystore import TinyStore

TOKEN = "123456:cli-test-token"
AT = datetime(2026, 3, 3, 15, 0, tzinfo=zone("Asia/Almaty"))


def _config(tmp_path: Path, endpoint: str, webhook: bool = False) -> str:
    text = (f'data_dir = "data"\n[notify.telegram]\nbot_token_env = "TG_TOKEN"\n'
            f'chat_ids = ["-1001"]\napi_endpoint = "{endpoint}"\n')  # fmt: skip
    if webhook:  # nothing listens on port 9: refused
        text += '[notify.webhook]\nurl = "http://127.0.0.1:9/hook"\nsecret_env = "HOOK"\n'
    path = tmp_path / "streamer.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_notify_test_says_what_each_channel_answered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """One line per channel; exit 1 when one failed, 0 with ``--to`` the working one;
    the stand-in got the test message and no line holds the token."""
    monkeypatch.setenv("TG_TOKEN", TOKEN)
    monkeypatch.setenv("HOOK", "hook-secret")
    sim = Simulator(Scenario(streams=[]), SimulatedClock(AT))
    with sim.serve() as url:
        config = _config(tmp_path, url, webhook=True)
        assert run(["--config", config, "notify", "test"]) == 1
        both = capsys.readouterr().out.splitlines()
        assert run(["--config", config, "notify", "test", "--to", "telegram"]) == 0
        one = capsys.readouterr().out.splitlines()
    assert both[0] == "telegram: ok, message 1 to -1001"
    assert both[1].startswith("webhook: failed, ") and len(both) == 2
    assert one == ["telegram: ok, message 2 to -1001"]
    assert sim.telegram.texts()[0].startswith("<b>streamer: test message</b>")
    assert TOKEN not in "".join(both + one)


def test_notify_test_to_an_unconfigured_channel_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--to email`` without ``[notify.email]``: one clear line, status 2."""
    config = _config(tmp_path, "http://127.0.0.1:9")
    assert run(["--config", config, "notify", "test", "--to", "email"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no [notify.email] table" in err


def _outbox(tmp_path: Path) -> None:
    long_id = "live:" + "u-youtube-" + "x" * 60
    events = [
        new_event("live:b1", "live", AT, {"title": "t"}, ["telegram", "email"]),
        new_event(long_id, "live", AT + timedelta(minutes=1), {"title": "t"}, ["telegram"]),
    ]
    store = TinyStore(tmp_path / "data")
    store.commit_cycle(CycleWrite(events=events))
    reason = "sendMessage: 400 Bad Request: chat not found " + "and more " * 20
    sent = {"state": "sent", "attempts": 1, "reason": "message 7"}
    refused = {"state": "failed", "attempts": 2, "reason": reason}
    store.change_event("live:b1", lambda e: with_delivery(e, "telegram", **sent))
    store.change_event("live:b1", lambda e: with_delivery(e, "email", **refused))


def test_notify_list_fits_80_columns_and_json_is_the_outbox(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A row per event and channel within 80 columns, a failure's reason on the next
    line (a sent one's receipt left out); ``--format json`` is the whole outbox."""
    config = _config(tmp_path, "http://127.0.0.1:9")
    assert run(["--config", config, "notify", "list"]) == 0
    assert capsys.readouterr().out == "the outbox is empty\n"
    _outbox(tmp_path)
    assert run(["--config", config, "notify", "list"]) == 0
    rows = capsys.readouterr().out.splitlines()
    assert len(rows) == 4 and max(len(row) for row in rows) <= 80
    assert rows[0].split()[1:] == ["live:b1", "telegram", "sent", "1"]
    assert rows[1].split()[1:] == ["live:b1", "email", "failed", "2"]
    assert rows[2].startswith("  sendMessage: 400 Bad Request: chat not found and more")
    assert rows[3].split()[2:] == ["telegram", "pending", "0"]
    assert run(["--config", config, "notify", "list", "--format", "json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [e["id"] for e in listed] == [e["id"] for e in TinyStore(tmp_path / "data").outbox()]
    assert listed[0]["deliveries"]["email"]["state"] == "failed"
