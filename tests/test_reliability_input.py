"""Promise 4: bad input is refused cleanly.

Property-based: each bad CSV import, config file, RRULE, date, period, id or CLI argument
ends with exit status 2 and one stderr line naming the problem, and the folder (config
and data) is byte-for-byte unchanged. Hostile platform payloads (huge or deeply nested
JSON, negative or non-numeric counts, XML entity expansion) are ``BadPayload``.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from googleapiclient.http import HttpMockSequence
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from collectors.base import BadPayload
from collectors.facebook import FacebookAdapter
from collectors.twitch import TwitchAdapter
from collectors.youtube import YouTubeAdapter
from collectors.youtube_parse import parse_feed
from streamer.app.cli import run
from streamer.models import Broadcast, Stream, StreamStatus, Target
from streamer.tinystore import TinyStore

settings.register_profile(
    "reliability",
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
RELIABLE = settings.get_profile("reliability")

CONFIG = """\
data_dir = "data"
timezone = "Asia/Almaty"

[[programmes]]
slug = "adal-komek"
name = "Adal Komek"
channels = [{ platform = "youtube", id = "UCadalKomek0000000000000" }]
"""
HEADER = "id,programme,title,start,duration_min,targets,topic,speakers,district,status,series_id"
GOOD_ROW = ["", "adal-komek", "Free advice", "2026-03-02 11:00", "60",
            "youtube:UCadalKomek0000000000000", "", "", "", "planned", ""]  # fmt: skip


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A config and a data folder holding one broadcast."""
    root = tmp_path_factory.mktemp("input")
    (root / "streamer.toml").write_text(CONFIG, encoding="utf-8")
    start = datetime(2026, 3, 2, 6, tzinfo=UTC)
    item = Broadcast("7k2m9qxa", "adal-komek", "Kept", start, 60,
                     (Target("youtube", "UCadalKomek0000000000000"),))  # fmt: skip
    TinyStore(root / "data").change_plan(lambda _plan: [item])
    return root


def fingerprint(root: Path) -> dict[str, str]:
    """Every file under ``root`` (the scratch folder aside) by its content hash."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "scratch" not in p.parts
    }


def refused(folder: Path, *args: str, config: Path | None = None) -> str:
    """Run the CLI; assert exit 2, one stderr line, nothing changed; return the line."""
    before = fingerprint(folder)
    err, out = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        status = run(["--config", str(config or folder / "streamer.toml"), *args])
    line = err.getvalue()
    assert status == 2, (args, line, out.getvalue())
    assert line.endswith("\n") and line.count("\n") == 1, line
    assert line.startswith("streamer: error: ")
    assert fingerprint(folder) == before
    return line


def scratch(folder: Path, name: str, content: str | bytes) -> Path:
    path = folder / "scratch" / name
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return path


# -- CSV imports -------------------------------------------------------------------
BAD_CELLS = {
    1: st.sampled_from(["nope", "", "adal komek"]),
    3: st.text(max_size=20).filter(
        lambda t: not re.fullmatch(r"\s*\d{4}-\d\d-\d\d \d\d:\d\d\s*", t)
    ),
    4: st.one_of(st.integers(max_value=0).map(str), st.text(alphabet="abc-.,", min_size=1)),
    5: st.sampled_from(["", "myspace:x", "youtube", "youtube:"]),
    9: st.sampled_from(["live", "held", "missed", "done", "?"]),
}


@RELIABLE
@given(column=st.sampled_from(sorted(BAD_CELLS)), data=st.data())
def test_a_bad_csv_cell_is_one_line_naming_the_line(folder: Path, column: int, data: Any) -> None:
    """A CSV with one bad cell in its third row is refused whole, naming line 3."""
    row = list(GOOD_ROW)
    row[column] = data.draw(BAD_CELLS[column])
    cells = ",".join('"' + c.replace('"', '""') + '"' for c in row)
    good = ",".join(GOOD_ROW).replace("11:00", "13:00")
    csv = scratch(folder, "plan.csv", f"{HEADER}\n{good}\n{cells}\n")
    assert "line 3" in refused(folder, "plan", "import", str(csv))


@RELIABLE
@given(text=st.text(max_size=200))
def test_arbitrary_text_as_a_csv_import_is_refused(folder: Path, text: str) -> None:
    """Any text that does not start with the header is refused with one line."""
    assume(not text.lstrip("\ufeff").startswith(HEADER[:10]))
    refused(folder, "plan", "import", str(scratch(folder, "junk.csv", text)))


# -- config files ------------------------------------------------------------------
BAD_CONFIG_LINES = st.sampled_from([
    'timezone = "Mars/Olympus"', 'language = "xx"', "retention_days = -1", "data_dir = 5",
    "[collector]\nlive_interval = 0", '[collector]\nlive_interval = "fast"',
    "[metrics]\nport = 70000", '[platforms.youtube]\napi_key_env = "AIza-real-key"',
    '[platforms.youtube]\napi_endpoint = "ftp://x"',
    "[platforms.myspace]", '[[reports]]\nname = "w"\ncron = "0 9 * * 1"\nkind = "pie"', "bogus = 1",
    "[collector]\nrequest_timeout = nan", "[collector]\nrequest_timeout = inf",
    "[collector]\nrequest_timeout = true",
])  # fmt: skip


@RELIABLE
@given(extra=BAD_CONFIG_LINES)
def test_a_bad_config_value_is_one_line_naming_the_key(folder: Path, extra: str) -> None:
    """A config with one bad setting is refused with the file and key named."""
    broken = scratch(folder, "bad.toml", CONFIG + "\n" + extra + "\n")
    line = refused(folder, "plan", "list", config=broken)
    assert "bad.toml" in line


@RELIABLE
@given(blob=st.binary(max_size=300))
def test_garbage_as_a_config_file_is_one_line(folder: Path, blob: bytes) -> None:
    """Random bytes as the config file: one line, exit 2."""
    try:
        import tomllib

        assume(not isinstance(tomllib.loads(blob.decode()), dict))
    except (UnicodeDecodeError, ValueError):
        pass
    refused(folder, "plan", "list", config=scratch(folder, "garbage.toml", blob))


# -- RRULEs, dates, periods, ids, arguments ---------------------------------------
RRULE_PARTS = st.lists(
    st.sampled_from(["FREQ=DAILY", "FREQ=WEEKLY", "FREQ=SECONDLY", "COUNT=0", "COUNT=5000",
                     "UNTIL=1999-01-01", "BYDAY=XX", "INTERVAL=-1", "BYHOUR=25", "COUNT=x", "=",
                     "FREQ=MINUTELY;COUNT=3", "UNTIL=20260301T000000Z", "RRULE:"]),
    min_size=1, max_size=3,
)  # fmt: skip


@RELIABLE
@given(parts=RRULE_PARTS)
def test_a_bad_rrule_is_refused(folder: Path, parts: list[str]) -> None:
    """An RRULE without an end, too long, or invalid: exit 2, naming the rule."""
    rule = ";".join(parts)
    # The only valid rule these parts can make: three occurrences a minute apart (an
    # "RRULE:" prefix and stray semicolons around it are accepted as RFC 5545 text).
    assume(rule.removeprefix("RRULE:").strip(";") != "FREQ=MINUTELY;COUNT=3")
    line = refused(folder, "plan", "add", "--programme", "adal-komek", "--title", "t",
                   "--start", "2026-03-09 11:00", "--duration", "30", "--repeat", rule,
                   "--allow-overlap")  # fmt: skip
    assert "repeat" in line.lower() or "rrule" in line.lower() or rule[:8] in line


def is_iso_date(text: str) -> bool:
    try:
        date.fromisoformat(text.strip())
    except ValueError:
        return False
    return True


@RELIABLE
@given(text=st.text(max_size=15))
def test_a_bad_date_is_refused(folder: Path, text: str) -> None:
    """``plan list --from`` with anything but a date: exit 2, quoting the option."""
    assume(not is_iso_date(text) and not text.startswith("-"))
    assert "--from" in refused(folder, "plan", "list", "--from", text)


PERIOD = re.compile(r"\d{4}(-(\d\d|W\d\d|Q[1-4]|H[12]))?|last-(week|month)")


@RELIABLE
@given(
    text=st.one_of(
        st.text(max_size=12), st.from_regex(r"\d{4}-(W5[4-9]|Q[05-9]|H[03]|1[3-9])", fullmatch=True)
    )
)
def test_a_bad_period_is_refused(folder: Path, text: str) -> None:
    """``report summary --period`` with a bad period: exit 2, one line."""
    assume(not PERIOD.fullmatch(text.strip()) and not text.startswith("-"))
    refused(folder, "report", "summary", "--period", text)


@RELIABLE
@given(text=st.text(min_size=1, max_size=12))
def test_an_unknown_or_malformed_id_is_refused(folder: Path, text: str) -> None:
    """``plan show`` / ``plan cancel`` with an id that is not in the plan: exit 2."""
    assume(text != "7k2m9qxa" and not text.startswith("-"))
    refused(folder, "plan", "cancel", text)


ARGS = st.lists(st.sampled_from(["--programme", "adal-komek", "--title", "--start", "x",
                                 "--duration", "-5", "0", "--bogus", "--repeat", "--target",
                                 "nope:", "--allow-overlap"]), max_size=6)  # fmt: skip


@RELIABLE
@given(args=ARGS)
def test_bad_plan_add_arguments_are_one_line(folder: Path, args: list[str]) -> None:
    """``plan add`` with missing or bad arguments: exit 2, one line, nothing saved."""
    refused(folder, "plan", "add", *args)


# -- hostile payloads ------------------------------------------------------------------
NOW = datetime(2026, 3, 2, 6, 30, tzinfo=UTC)
DEEP = b"[" * 100_000 + b"]" * 100_000
HUGE = b'{"data": [' + b'"x",' * 5_000_000 + b'"x"]}'


def youtube_with(body: bytes) -> YouTubeAdapter:
    wire = HttpMockSequence([({"status": "200"}, body)] * 2)
    rss = httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(404)))
    return YouTubeAdapter([("YT_KEY", "k")], rss_client=rss, http=lambda: wire)


def httpx_with(body: bytes) -> httpx.Client:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/token"):
            return httpx.Response(200, json={"access_token": "t", "expires_in": 3600})
        return httpx.Response(200, content=body, headers={"content-type": "application/json"})

    return httpx.Client(transport=httpx.MockTransport(answer))


def yt_item(**stats: Any) -> bytes:
    import json

    item = {"id": "abcdefghijk", "liveStreamingDetails": {"actualStartTime": "2026-03-02T06:00:00Z",
            "concurrentViewers": stats.pop("viewers", "10")}, "statistics": stats}  # fmt: skip
    return json.dumps({"items": [item]}).encode()


PLATFORMS: dict[str, Callable[[bytes], Callable[[], Any]]] = {
    "youtube": lambda body: lambda: youtube_with(body).poll(
        [Stream("youtube", "abcdefghijk", "UCx", status=StreamStatus.LIVE)], NOW),
    "facebook": lambda body: lambda: FacebookAdapter(httpx_with(body), ("FB", "t")).poll(
        [Stream("facebook", "1", "100", status=StreamStatus.LIVE)], NOW),
    "twitch": lambda body: lambda: TwitchAdapter(httpx_with(body), ("ID", "i"), ("S", "s")).poll(
        [Stream("twitch", "1", "login", status=StreamStatus.LIVE)], NOW),
}  # fmt: skip


@pytest.mark.usefixtures("instant_backoff")
@pytest.mark.parametrize("platform", sorted(PLATFORMS))
@pytest.mark.parametrize(
    "body", [DEEP, HUGE, b"\x00\xff{", b"[1,2]"], ids=["deep", "huge", "binary", "list"]
)
def test_hostile_json_is_a_bad_payload(platform: str, body: bytes) -> None:
    """Deeply nested, huge, binary or non-object JSON: ``BadPayload``, nothing else."""
    if platform == "youtube" and body is HUGE:
        body = b'{"items": [' + b'"x",' * 5_000_000 + b'"x"]}'
    with pytest.raises(BadPayload):
        PLATFORMS[platform](body)()


@pytest.mark.parametrize(
    "stats",
    [{"viewCount": "-5"}, {"viewCount": "lots"}, {"likeCount": "1_000"}, {"viewers": "-1"},
     {"viewCount": " 7"}, {"commentCount": 1.5}, {"viewCount": "9" * 5000}],
)  # fmt: skip
@pytest.mark.usefixtures("instant_backoff")
def test_youtube_counts_that_are_not_counts_are_bad_payloads(stats: dict[str, Any]) -> None:
    """A negative, non-numeric or odd-looking counter from videos.list is a ``BadPayload``."""
    with pytest.raises(BadPayload):
        PLATFORMS["youtube"](yt_item(**stats))()


@pytest.mark.usefixtures("instant_backoff")
@pytest.mark.parametrize("viewers", [-3, "12", 1.5, True, None])
def test_twitch_viewer_counts_that_are_not_counts_are_bad_payloads(viewers: Any) -> None:
    """``viewer_count`` negative, a string, a float or a bool: ``BadPayload``."""
    import json

    item = {"id": "1", "user_id": "9", "user_login": "login", "type": "live",
            "viewer_count": viewers, "started_at": "2026-03-02T06:00:00Z"}  # fmt: skip
    client = httpx_with(json.dumps({"data": [item]}).encode())
    adapter = TwitchAdapter(client, ("ID", "i"), ("S", "s"))
    with pytest.raises(BadPayload):
        adapter.poll([Stream("twitch", "1", "login", status=StreamStatus.LIVE)], NOW)


@pytest.mark.usefixtures("instant_backoff")
@pytest.mark.parametrize("live_views", [-1, "many", 2.5, True])
def test_facebook_counts_that_are_not_counts_are_bad_payloads(live_views: Any) -> None:
    """``live_views`` negative or not a number: ``BadPayload``."""
    import json

    item = {"id": "1", "status": "LIVE", "live_views": live_views,
            "broadcast_start_time": "2026-03-02T06:00:00+0000"}  # fmt: skip
    adapter = FacebookAdapter(httpx_with(json.dumps({"data": [item]}).encode()), ("FB", "t"))
    with pytest.raises(BadPayload):
        adapter.poll([Stream("facebook", "1", "100", status=StreamStatus.LIVE)], NOW)


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<feed xmlns="http://www.w3.org/2005/Atom"><title>&lol3;</title></feed>"""
EXTERNAL = b"""<?xml version="1.0"?><!DOCTYPE f [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<feed xmlns="http://www.w3.org/2005/Atom"><title>&x;</title></feed>"""


@pytest.mark.parametrize("xml", [BILLION_LAUGHS, EXTERNAL, b"<feed", b"\x00" * 10])
def test_rss_entity_tricks_are_bad_payloads(xml: bytes) -> None:
    """Entity expansion, external entities, cut or binary XML in the feed: ``BadPayload``."""
    with pytest.raises(BadPayload):
        parse_feed(xml)
