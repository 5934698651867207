"""Alerts end to end: events raised by the collector, delivered once per channel."""

from __future__ import annotations

import logging
from collections import Counter
from datetime import date, datetime, time, timedelta
from pathlib import Path

import httpx
import pytest

from collectors.simulator import DEFAULT_DAILY_QUOTA, FaultRule, Simulator, demo_week
from streamer.app import demo
from streamer.app.daemon import Collector, make_sender
from streamer.clock import SimulatedClock
from streamer.config import Config, load_config
from streamer.models import to_iso
from streamer.notify.base import Attachment, Notice, PermanentFailure, TemporaryFailure
from streamer.notify.messages import notice
from streamer.notify.telegram import TelegramChannel, render_html
from streamer.notifyconf import TelegramSettings
from streamer.outbox import new_event
from streamer.store import CycleWrite, Store
from streamer.timezones import zone
from streamer.tinystore import TinyStore

MONDAY = date(2026, 3, 2)
TZ = zone("Asia/Almaty")
TOKEN = "123456:SECRET-bot-token"
ENV = {**demo.DEMO_ENVIRON, "TG_TOKEN": TOKEN}


def demo_loaded(folder: Path) -> Config:
    """The demo's config (its two programmes), platforms at a closed port."""
    (folder / "streamer.toml").write_text(demo.demo_config("http://127.0.0.1:9"))
    return load_config(folder / "streamer.toml")


def _at(day: int, hour: int) -> datetime:
    return datetime.combine(MONDAY + timedelta(days=day), time(hour), tzinfo=TZ)


def _play(collector: Collector, clock: SimulatedClock, until: datetime, sender: object) -> None:
    while clock.now() < until:
        collector.collect_once()
        sender.run_once()  # type: ignore[attr-defined]
        due = collector.engine.next_due(clock.now())
        clock.set(min(until, max(due, clock.now() + timedelta(seconds=1))))


def test_each_event_reaches_telegram_once_across_a_restart_429s_and_an_hour_down(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A day and a half with 429s, Telegram down an hour and a restart: every event
    the collector raised is sent, and the stand-in received each exactly once."""
    caplog.set_level(logging.INFO)
    clock = SimulatedClock(_at(2, 0))
    scenario = demo_week(
        MONDAY, "Asia/Almaty", adal_channel=demo.ADAL_YT, antikor_channel=demo.ANTIKOR_YT,
        adal_facebook="100000000000002", antikor_facebook="100000000000001",
        adal_instagram="17841400000000002", antikor_instagram="17841400000000001",
    )  # fmt: skip
    sim = Simulator(scenario, clock, quota_limit=DEFAULT_DAILY_QUOTA)
    with sim.serve() as url:
        notify = (
            f'\n[notify.telegram]\nbot_token_env = "TG_TOKEN"\nchat_ids = ["-1001"]\n'
            f'api_endpoint = "{url}"\n[alerts]\nto = ["telegram"]\n'
        )
        (tmp_path / "streamer.toml").write_text(demo.demo_config(url, twitch=False) + notify)
        config = load_config(tmp_path / "streamer.toml")
        demo.plan_week(config, MONDAY)
        # Telegram down 11:00-12:00 Wednesday (its late and live alerts wait); 429s throughout.
        down = FaultRule(kind="http503", path_prefix="/bot", start=_at(2, 11), end=_at(2, 12))
        sim.faults.add(down)
        sim.faults.add(FaultRule(kind="http429", path_prefix="/bot", rate=0.4, retry_after=5))
        sim.faults.add(FaultRule(kind="http503", path_prefix="/v", start=_at(2, 2), end=_at(2, 3)))
        for until in (_at(3, 0), _at(3, 13)):  # a restart at midnight: a new collector and sender
            with Collector(config, clock, ENV, parallel=False) as collector:
                _play(collector, clock, until, make_sender(config, collector.store, clock, ENV))
        store = TinyStore(config.data_dir)
        outbox = store.outbox()
        expected = Counter(
            notice(e, config.language, config.programmes, config.tz).subject for e in outbox
        )
        received = Counter(t.split("</b>")[0].removeprefix("<b>") for t in sim.telegram.texts())
    kinds = Counter(e["kind"] for e in outbox)
    assert {"live", "late", "missed", "unhealthy", "recovered"} <= set(kinds)
    assert all(e["deliveries"]["telegram"]["state"] == "sent" for e in outbox)
    assert len(sim.telegram.texts()) == len(outbox)
    assert received == expected
    assert sim.stats.faults["http429"] > 0 and sim.stats.faults["http503"] > 0
    assert TOKEN not in caplog.text and TOKEN not in (config.data_dir / "streamer.json").read_text()


def test_the_same_event_id_written_twice_is_one_event(store: Store) -> None:
    """A replayed cycle's event is a no-op: the first copy and its deliveries stay."""
    at = datetime(2026, 3, 2, 6, tzinfo=TZ)
    event = new_event("live:b1", "live", at, {"title": "x"}, ["telegram"])
    store.commit_cycle(CycleWrite(events=[event]))
    store.change_event("live:b1", lambda e: {**e, "deliveries": {"telegram": {
        **e["deliveries"]["telegram"], "state": "sent"}}})  # fmt: skip
    store.commit_cycle(CycleWrite(events=[event]))
    (only,) = store.outbox()
    assert only["deliveries"]["telegram"]["state"] == "sent" and only["at"] == to_iso(at)


def _channel(handler: object) -> TelegramChannel:
    settings = TelegramSettings(chat_ids=("-1001",), api_endpoint="https://tg.example")
    return TelegramChannel(settings, TOKEN, transport=httpx.MockTransport(handler))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("status", "body", "error", "retry_after"),
    [
        (429, {"ok": False, "description": "Too Many Requests", "parameters": {"retry_after": 9}},
         TemporaryFailure, 9.0),
        (502, {"ok": False, "description": "Bad Gateway"}, TemporaryFailure, None),
        (401, {"ok": False, "description": "Unauthorized"}, PermanentFailure, None),
        (400, {"ok": False, "description": "Bad Request: chat not found"}, PermanentFailure, None),
    ],
)  # fmt: skip
def test_telegram_answers_map_to_delivery_errors_without_the_token(
    status: int, body: dict[str, object], error: type[Exception], retry_after: float | None
) -> None:
    """429 waits retry_after, 5xx retries, 400/401 fail for good; no reason holds the token."""
    with pytest.raises(error) as caught:
        _channel(lambda request: httpx.Response(status, json=body)).send(Notice("x", "live", "s"))
    assert TOKEN not in str(caught.value)
    assert getattr(caught.value, "retry_after", None) == retry_after


def test_a_retry_after_a_429_on_the_second_chat_sends_only_what_is_left() -> None:
    """Two chats and a file: Telegram refuses the second chat's message once (429); the
    retry sends that message and the file to the second chat, and nothing to the first
    again."""
    calls: list[tuple[str, str]] = []
    refused = [True]

    def answer(request: httpx.Request) -> httpx.Response:
        method = request.url.path.rsplit("/", 1)[-1]
        chat = "-1002" if b"-1002" in request.content else "-1001"
        if method == "sendMessage" and chat == "-1002" and refused.pop() if refused else False:
            body = {
                "ok": False,
                "description": "Too Many Requests",
                "parameters": {"retry_after": 1},
            }
            return httpx.Response(429, json=body)
        calls.append((method, chat))
        return httpx.Response(200, json={"ok": True, "result": {"message_id": len(calls)}})

    settings = TelegramSettings(chat_ids=("-1001", "-1002"), api_endpoint="https://tg.example")
    channel = TelegramChannel(settings, TOKEN, transport=httpx.MockTransport(answer))
    report = Notice(
        "report:w:1", "report", "s", attachments=(Attachment("a.csv", b"x", "text/csv"),)
    )
    with pytest.raises(TemporaryFailure):
        channel.send(report)
    assert calls == [("sendMessage", "-1001"), ("sendDocument", "-1001")]
    receipt = channel.send(report)
    assert calls[2:] == [("sendMessage", "-1002"), ("sendDocument", "-1002")]
    assert receipt == "message 1 to -1001, message 3 to -1002"


def test_telegram_escapes_outside_text() -> None:
    """A platform's title with HTML in it is escaped in the message."""
    sent: list[bytes] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request.content)
        return httpx.Response(200, json={"ok": True, "result": {"message_id": 7}})

    receipt = _channel(answer).send(Notice("x", "live", "Live: <b>A&B</b>", ("<script>",)))
    assert receipt == "message 7 to -1001"
    assert b"&lt;b&gt;A&amp;B&lt;/b&gt;" in sent[0] and b"&lt;script&gt;" in sent[0]


def test_a_live_message_names_each_platform_once_with_its_link(tmp_path: Path) -> None:
    """Three lines on a phone: subject, title, the links on one line; a platform with
    no link of its own (Instagram) keeps the plain list of platforms."""
    config = demo_loaded(tmp_path)
    links = [["youtube", "https://y.example/v"], ["facebook", "https://f.example/v"]]
    data = {"broadcast": "b1", "programme": "antikor-live", "title": "Ask the service",
            "platforms": ["facebook", "youtube"], "links": links}  # fmt: skip
    event = {"id": "live:b1", "kind": "live", "data": data}
    text = render_html(notice(event, "en", config.programmes, config.tz))
    assert text == ('<b>Live now: Antikor.Live</b>\nAsk the service\n<a href="https://y.example/v">'
                    'YouTube</a> · <a href="https://f.example/v">Facebook</a>')  # fmt: skip
    data = {**data, "platforms": ["instagram", "youtube"], "links": data["links"][:1]}
    lines = notice({**event, "data": data}, "ru", config.programmes, config.tz).lines
    assert lines == ("Ask the service", "Instagram · YouTube")
