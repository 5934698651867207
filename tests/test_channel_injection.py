"""Hostile titles through every delivery channel, on the real path.

Each hostile title (``tests.helpers.hostile``) is put on a live, a late, a missed and an
unplanned stream and in a refused credential's detail; the collector's alert rules
raise the events, the outbox keeps them, the sender renders and sends them, and a
server on loopback receives them: the simulator's Telegram stand-in (which reads
``parse_mode=HTML`` as the Bot API does), a real SMTP server (aiosmtpd) and an HTTP
receiver for the webhook. What each server received must show the title as text.
"""

from __future__ import annotations

import base64
import html
import json
import re
import threading
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from collectors.alerts import Alerts
from collectors.cycle import CycleReport, CycleState
from collectors.simulator import Scenario, Simulator
from collectors.simulator.telegram_html import MAX_TEXT, parse_html
from streamer.app import demo
from streamer.app.daemon import make_sender, safe_report
from streamer.clock import SimulatedClock
from streamer.config import Config, load_config
from streamer.models import Broadcast, BroadcastStatus, Stream, StreamStatus, Target
from streamer.notify.base import Notice
from streamer.notify.email import EmailChannel
from streamer.notify.telegram import render_html
from streamer.notifyconf import EmailSettings
from streamer.outbox import SENT
from streamer.store import open_store
from streamer.timezones import zone
from tests.helpers.hostile import HOSTILE_TITLES
from tests.helpers.report_week import add_hostile_streams, seed_week
from tests.helpers.smtp_sink import Sink, smtp_sink

START = datetime(2026, 3, 3, 15, 0, tzinfo=zone("Asia/Almaty"))
NOW = START + timedelta(minutes=12)
TARGETS = (Target("youtube", demo.ANTIKOR_YT),)
ENV = {**demo.DEMO_ENVIRON, "TG_TOKEN": "123456:hostile-test", "HOOK_SECRET": "whsec-1"}
KINDS = ("live", "late", "missed", "unplanned", "unhealthy")
# What a message line must never carry: controls but tab and LF (NUL, ESC, CR, C1),
# line separators and the bidi embeddings, overrides and isolates.
FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
CUT = "…"
TITLES = sorted(HOSTILE_TITLES)


def letters(text: str) -> str:
    """The visible characters of ``text`` in order: no controls, formats or spaces."""
    return "".join(c for c in text if unicodedata.category(c)[0] not in "CZ")


def assert_shows(line: str, title: str) -> None:
    """``line`` shows ``title`` as text: every visible character, in order, nothing
    else (a cut title: its beginning and "…"), and nothing that acts on a reader."""
    assert not FORBIDDEN.search(line), f"control or bidi character in {line[:80]!r}"
    shown, whole = letters(line), letters(title)
    if shown.endswith(CUT) and not whole.endswith(CUT):
        assert whole.startswith(shown.removesuffix(CUT)) and len(shown) > 100
    else:
        assert shown == whole


def title_line(lines: list[str], kind: str) -> str:
    """The line of a message that carries the outside string (the title or detail)."""
    line = lines[1]  # after the subject
    return line.removeprefix("Credential refused: ") if kind == "unhealthy" else line


# -- the servers ------------------------------------------------------------------
@dataclass
class Hooks:
    """What the loopback webhook receiver got."""

    bodies: list[bytes] = field(default_factory=list)


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[Simulator, str, Sink, int, Hooks, str]]:
    """The Telegram stand-in, an SMTP server and a webhook receiver, all on loopback."""
    hooks = Hooks()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            hooks.bodies.append(self.rfile.read(int(self.headers["Content-Length"])))
            self.send_response(204)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    sim = Simulator(Scenario(), SimulatedClock(NOW))
    with sim.serve() as url, smtp_sink() as (sink, port):
        yield sim, url, sink, port, hooks, f"http://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()
    server.server_close()


def configured(folder: Path, servers: tuple[Any, ...], to: str, extra: str = "") -> Config:
    """The demo's config with the three channels on loopback, alerts ``to`` one, and
    ``extra`` (a report job)."""
    _sim, url, _sink, port, _hooks, hook_url = servers
    notify = f"""
[notify.telegram]
bot_token_env = "TG_TOKEN"
chat_ids = ["-1001"]
api_endpoint = "{url}"

[notify.email]
smtp_host = "127.0.0.1"
smtp_port = {port}
security = "none"
sender = "streamer@example.kz"
recipients = ["press@example.kz"]

[notify.webhook]
url = "{hook_url}"
secret_env = "HOOK_SECRET"

[alerts]
to = ["{to}"]
"""
    (folder / "streamer.toml").write_text(demo.demo_config(url, twitch=False) + notify + extra)
    return load_config(folder / "streamer.toml")


def raise_and_send(config: Config, title: str) -> list[str]:
    """Raise one event of each kind carrying ``title`` (the collector's rules), write
    them to the outbox and run the sender once; the ids sent, in outbox order."""

    def broadcast(ident: str, status: BroadcastStatus) -> Broadcast:
        return Broadcast(ident, "antikor-live", title, START, 60, TARGETS, status=status)

    plan = [broadcast("b-live", BroadcastStatus.LIVE), broadcast("b-late", BroadcastStatus.PLANNED),
            broadcast("b-missed", BroadcastStatus.MISSED)]  # fmt: skip
    streams = [
        Stream("youtube", "v1", demo.ANTIKOR_YT, "b-live", title, StreamStatus.LIVE),
        Stream("youtube", "v2", "UCsomeoneElse00000000000", None, title, StreamStatus.LIVE,
               actual_start=START),
    ]  # fmt: skip
    report = CycleReport(at=NOW, ok_platforms=set())
    cycle = CycleState(NOW, {b.id: b for b in plan}, {s.key: s for s in streams}, {}, report)
    cycle.changed_plan = {"b-live", "b-missed"}
    alerts = Alerts(config.notify.alerts, config.collector, ("youtube",))
    events = alerts.cycle_events(cycle, {"youtube": title}, {})
    assert sorted(e["kind"] for e in events) == sorted(
        k.replace("unplanned", "live") for k in KINDS
    )
    store = open_store(config.data_dir)
    store.add_events(events)
    sender = make_sender(config, store, SimulatedClock(NOW), ENV)
    assert sender is not None
    sender.run_once()
    outbox = store.outbox()
    states = {e["id"]: r["state"] for e in outbox for r in e["deliveries"].values()}
    reasons = {e["id"]: r["reason"] for e in outbox for r in e["deliveries"].values()}
    assert set(states.values()) == {SENT}, reasons
    return [e["id"] for e in outbox]


def kind_of(event_id: str) -> str:
    """The kind this test gave the event (an unplanned stream's ``live`` names its stream)."""
    kind, _, subject = event_id.partition(":")
    return "unplanned" if kind == "live" and subject.startswith("youtube:") else kind


# -- the tests --------------------------------------------------------------------
@pytest.mark.parametrize("name", TITLES)
def test_telegram_html_shows_a_hostile_title_as_plain_text(
    name: str, tmp_path: Path, servers: tuple[Any, ...]
) -> None:
    """Every alert carrying the title parses under parse_mode=HTML as the Bot API reads
    it, with no tag but streamer's own (b, a), the title entity-escaped, shown as text
    and within 4096 characters (a 10 kB title cut, the message still valid)."""
    sim, title = servers[0], HOSTILE_TITLES[name]
    before = len(sim.telegram.texts())
    ids = raise_and_send(configured(tmp_path, servers, "telegram"), title)
    texts = sim.telegram.texts()[before:]
    assert len(texts) == len(ids) == len(KINDS)
    for event_id, text in zip(ids, texts, strict=True):
        parsed = parse_html(text)
        assert set(parsed.tags) <= {"b", "a"}
        assert parsed.units() <= MAX_TEXT
        line = title_line(parsed.text.split("\n"), kind_of(event_id))
        assert_shows(line, title)
        assert html.escape(line) in text, "the title travels entity-escaped"


@pytest.mark.parametrize("name", TITLES)
def test_mail_shows_a_hostile_title_as_text_in_a_clean_subject_and_body(
    name: str, tmp_path: Path, servers: tuple[Any, ...]
) -> None:
    """Each alert mail: the Subject header is one line (no CR/LF injection), the text
    part has no control character but LF and tab, no bidi override, and shows the title."""
    sink, title = servers[2], HOSTILE_TITLES[name]
    before = len(sink.messages)
    ids = raise_and_send(configured(tmp_path, servers, "email"), title)
    assert len(sink.messages) - before == len(ids)
    for index, event_id in enumerate(ids, start=before):
        raw, mail = sink.messages[index], sink.parsed(index)
        subject = str(mail["Subject"])
        assert not FORBIDDEN.search(subject) and "\n" not in subject and "\t" not in subject
        assert len(raw.split(b"\r\n\r\n", 1)[0].split(b"\r\n")) < 20, "no header injected"
        body = mail.get_body(("plain",))
        assert isinstance(body, EmailMessage)
        text = body.get_content().replace("\r\n", "\n")  # the wire's line ending
        assert not FORBIDDEN.search(text)
        lines = [subject, *text.splitlines()]
        assert_shows(title_line(lines, kind_of(event_id)), title)
        assert mail.get_body(("html",)) is None  # an alert mail has no HTML part to escape


@pytest.mark.parametrize("name", TITLES)
def test_webhook_json_carries_a_hostile_title_as_data(
    name: str, tmp_path: Path, servers: tuple[Any, ...]
) -> None:
    """Each alert's body is valid UTF-8 JSON without NUL, decoding to the title as shown
    text; re-encoding the decoded document gives the exact bytes (data, not markup)."""
    hooks, title = servers[4], HOSTILE_TITLES[name]
    before = len(hooks.bodies)
    ids = raise_and_send(configured(tmp_path, servers, "webhook"), title)
    bodies = hooks.bodies[before:]
    assert len(bodies) == len(ids)
    for event_id, body in zip(ids, bodies, strict=True):
        assert b"\x00" not in body and b"\\u0000" not in body
        document = json.loads(body.decode("utf-8"))
        assert document["id"] == event_id
        again = json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        assert again.encode("utf-8") == body
        assert_shows(
            title_line([document["subject"], *document["lines"]], kind_of(event_id)), title
        )


REPORT_JOB = """
[[reports]]
name = "weekly"
cron = "0 9 * * MON"
kind = "broadcasts"
period = "last-week"
formats = ["html", "txt", "csv"]
out_dir = "out"
language = "kk"
deliver = ["telegram", "email", "webhook"]
"""
REPORT_NOW = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)  # Tuesday: "last-week" is 2026-W48
REPORT_FILES = ["weekly-2026-W48.csv", "weekly-2026-W48.html", "weekly-2026-W48.txt"]


class Markup(HTMLParser):
    """The elements and attributes of a mail's HTML part, as a mail client parses them."""

    def __init__(self, markup: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.feed(markup)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def test_a_report_of_hostile_titles_reaches_every_channel_as_text(
    tmp_path: Path, servers: tuple[Any, ...]
) -> None:
    """A scheduled report of a week with every hostile title, delivered to the three
    channels: Telegram's caption parses with <b> alone and the files arrive by name; the
    mail's subject is one line and its HTML body (the report page) has no element or
    handler from a title and no control or bidi character; the webhook's JSON is valid,
    without NUL, and carries each file's exact bytes."""
    sim, _url, sink, _port, hooks, _hook = servers
    config = configured(tmp_path, servers, "telegram", REPORT_JOB)
    seed_week(config.data_dir, planned_title=HOSTILE_TITLES["html-script"],
              unplanned_title=HOSTILE_TITLES["html-img"], instagram_done=True)  # fmt: skip
    add_hostile_streams(config.data_dir)
    store, clock = open_store(config.data_dir), SimulatedClock(REPORT_NOW)
    seen = len(sim.telegram.messages), len(sink.messages), len(hooks.bodies)
    safe_report(config.reports[0], config, store, clock)
    sender = make_sender(config, store, clock, ENV)
    assert sender is not None and sender.run_once()["sent"] == 3
    files = {path.name: path.read_bytes() for path in (config.data_dir.parent / "out").iterdir()}
    assert sorted(files) == REPORT_FILES

    received = sim.telegram.messages[seen[0] :]
    [caption] = [m.text for m in received if m.method == "sendMessage"]
    assert set(parse_html(caption).tags) <= {"b"}
    assert sorted(m.filename or "" for m in received if m.method == "sendDocument") == REPORT_FILES

    [raw] = sink.messages[seen[1] :]
    mail = sink.parsed(seen[1])
    assert mail["Subject"] == "Есеп weekly · 2026-W48"
    assert len(raw.split(b"\r\n\r\n", 1)[0].split(b"\r\n")) < 20
    part = mail.get_body(("html",))
    assert isinstance(part, EmailMessage)
    page = part.get_content()
    names = {tag for tag, _attrs in Markup(page).tags}
    assert not names & {"script", "img", "iframe", "object", "embed"}
    assert not any(a.startswith("on") for _tag, attrs in Markup(page).tags for a in attrs)
    assert not FORBIDDEN.search(page)
    assert html.escape(HOSTILE_TITLES["html-img"], quote=False) in page

    [body] = hooks.bodies[seen[2] :]
    assert b"\x00" not in body and b"\\u0000" not in body
    document = json.loads(body.decode("utf-8"))
    sent = {a["filename"]: base64.b64decode(a["content_base64"]) for a in document["attachments"]}
    assert sent == files


def test_a_mail_subject_with_a_line_break_is_one_header_line(servers: tuple[Any, ...]) -> None:
    """A subject holding CR/LF, a header and a bidi override is sent as one plain line:
    no header is added, no recipient either, and the mail still goes."""
    sink, port = servers[2], servers[3]
    settings = EmailSettings("127.0.0.1", "streamer@example.kz", ("press@example.kz",), port,
                             security="none")  # fmt: skip
    subject = "Live now: \u202eeciv da\u202c\r\nBcc: everyone@example.invalid"
    before = len(sink.messages)
    EmailChannel(settings, {}).send(Notice("live:x", "live", subject, ("line",)))
    mail = sink.parsed(before)
    assert mail["Subject"] == "Live now: eciv da  Bcc: everyone@example.invalid"
    assert mail["Bcc"] is None and sink.recipients[before] == ["press@example.kz"]


@pytest.mark.parametrize(
    "title", ['<&>"' * 3000, "😀" * 5000, "x" * 4090], ids=["markup", "emoji", "edge"]
)
def test_telegram_cuts_a_long_line_before_escaping_and_keeps_the_links(title: str) -> None:
    """A title whose escaping grows it fivefold, or of emoji (two UTF-16 units each), is
    cut whole characters at a time: the text parses, fits 4096 units, ends its title
    with "…" and still carries the links."""
    notice = Notice("live:b1", "live", "Live now: Antikor.Live", (title, "Planned for 15:00."),
                    (("YouTube", "https://www.youtube.com/watch?v=v1&t=1"),))  # fmt: skip
    text = render_html(notice)
    parsed = parse_html(text)
    assert parsed.units() <= MAX_TEXT and len(text.encode("utf-16-le")) // 2 <= MAX_TEXT
    subject, shown, planned, links = parsed.text.split("\n")
    assert shown.endswith(CUT) and title.startswith(shown.removesuffix(CUT))
    assert (subject, planned, links) == ("Live now: Antikor.Live", "Planned for 15:00.", "YouTube")
    assert parsed.tags == ["b", "a"]
