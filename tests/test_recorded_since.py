"""A summary never compares with days before anything was collected.

The collector stores ``recorded_since`` (``streamer.history``) with its first write;
a summary whose previous period begins before that local day leaves its changes
blank (``change_blank_reason`` ``before_history``) and a footnote names the day, in
place of "+5 broadcasts" against a week nobody looked at. The real google client
against the simulator on loopback, on TinyDB and on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from helpers.configs import ENVIRON, simulator_config
from helpers.pg import pg_schema
from helpers.retries import instant_retries

from collectors.simulator import Scenario, SimStream, Simulator
from reports.builders import summarise
from reports.dataset import Dataset
from reports.fmt import Style
from reports.periods import Period, week_of
from reports.render import render_text
from streamer.app.daemon import Collector
from streamer.clock import SimulatedClock
from streamer.config import Config, load_config
from streamer.history import RECORDED_SINCE, first_record, recorded_since
from streamer.models import Stream, StreamStatus, to_iso
from streamer.pgstore import PgStore
from streamer.store import CycleWrite, Store
from streamer.tinystore import TinyStore

# Thursday 3 December 2026, 10:00 in Almaty: the week began on Monday 30 November.
T0 = datetime(2026, 12, 3, 5, 0, tzinfo=UTC)
CHANNEL = "UCrecordedSinceChannel01"
TIMEOUT = "[collector]\nrequest_timeout = 0.25\n"
PROGRAMME = ("adal-komek", "Adal Komek", [("youtube", CHANNEL)])


def served(stack: ExitStack, folder: Path, clock: SimulatedClock) -> Config:
    """A simulator with one stream live at T0, and the config pointing at it."""
    stream = SimStream(
        channel=CHANNEL,
        video_id="sinceVid001",
        title="Адал көмек",
        scheduled_start=T0 - timedelta(minutes=5),
        actual_start=T0 - timedelta(minutes=5),
        actual_end=T0 + timedelta(hours=1),
        peak_viewers=120,
        final_views=400,
    )
    sim = Simulator(Scenario(streams=[stream], seed=3), clock)
    stack.enter_context(instant_retries())
    endpoint = stack.enter_context(sim.serve())
    return write(folder, endpoint)


def write(folder: Path, endpoint: str) -> Config:
    """The one-channel config on the simulator at ``endpoint`` (short timeouts)."""
    path = folder / "streamer.toml"
    text = simulator_config(endpoint, programmes=[PROGRAMME], extra=TIMEOUT)
    path.write_text(text, encoding="utf-8")
    return load_config(path)


def summary(store: Store, config: Config, period: Period, now: datetime) -> dict[str, object]:
    """The summary's only row, and its footnotes' keys and fields, as a dict."""
    data = Dataset.from_store(store, config, period)
    report = summarise(data, period, config.tz, programmes=tuple(config.programmes), now=now)
    (row,) = report.rows
    return {
        "row": row,
        "notes": {n.key: dict(n.params) for n in report.notes},
        "text": render_text(report, Style("en", config.tz, config.programmes)),
    }


def collect_twice(collector: Collector, clock: SimulatedClock) -> None:
    """Two cycles a minute apart (the second must not move ``recorded_since``)."""
    assert collector.collect_once().snapshots == 1
    clock.advance(timedelta(minutes=1))
    collector.collect_once()


def check_reports(store: Store, config: Config, clock: SimulatedClock) -> None:
    """This week's changes blank, named in a footnote; a later week's shown."""
    assert recorded_since(store) == T0
    this_week = summary(store, config, week_of(date(2026, 11, 30)), clock.now())
    row = this_week["row"]
    assert isinstance(row, dict)
    assert row["live_broadcasts"] == 1
    assert row["live_broadcasts_change"] is None and row["views_change_pct"] is None
    assert row["change_blank_reason"] == "before_history"
    notes = this_week["notes"]
    assert isinstance(notes, dict) and notes["note.change_before_history"] == {"day": "2026-12-03"}
    text = str(this_week["text"])
    assert "collected only since 3 Dec 2026" in text
    assert "+n / −n" not in text  # no change shown: the legend leaves it out
    later = summary(store, config, week_of(date(2026, 12, 14)), T0 + timedelta(days=20))
    later_row = later["row"]
    assert isinstance(later_row, dict)
    # The week before (7–13 December) was collected: nothing aired, which is a figure.
    assert later_row["live_broadcasts_change"] == 0
    assert later_row["change_blank_reason"] is None
    assert "note.change_before_history" not in later["notes"]  # type: ignore[operator]


def test_the_first_write_stores_when_collection_began(tmp_path: Path) -> None:
    """On TinyDB: stored at the first cycle, kept by later ones and by a new collector;
    the report of the week it began in shows no change."""
    clock = SimulatedClock(T0)
    with ExitStack() as stack:
        config = served(stack, tmp_path, clock)
        store = TinyStore(config.data_dir)
        assert recorded_since(store) is None
        with Collector(config, clock, ENVIRON, store) as collector:
            collect_twice(collector, clock)
        clock.advance(timedelta(minutes=1))
        with Collector(config, clock, ENVIRON, TinyStore(config.data_dir)) as again:
            again.collect_once()
        check_reports(TinyStore(config.data_dir), config, clock)


@pytest.fixture
def url(pg_url: str) -> Iterator[str]:
    """A fresh migrated schema on the test server."""
    with pg_schema(pg_url) as scoped:
        yield scoped


def test_the_first_write_stores_when_collection_began_on_postgresql(
    tmp_path: Path, url: str
) -> None:
    """The same on a PostgreSQL store."""
    clock = SimulatedClock(T0)
    with ExitStack() as stack:
        config = served(stack, tmp_path, clock)
        store = PgStore(url)
        stack.callback(store.close)
        with Collector(config, clock, ENVIRON, store) as collector:
            collect_twice(collector, clock)
        check_reports(store, config, clock)


def test_a_store_filled_before_gets_its_earliest_discovery(tmp_path: Path) -> None:
    """A store an older release filled (streams, no ``recorded_since``): the first
    write stores the earliest discovery among its streams, archived ones included."""
    clock = SimulatedClock(T0)
    with ExitStack() as stack:
        config = served(stack, tmp_path, clock)
        store = TinyStore(config.data_dir)
        found = T0 - timedelta(days=40)
        old = Stream(
            platform="youtube",
            external_id="oldVid00001",
            channel=CHANNEL,
            status=StreamStatus.ENDED,
            actual_start=found + timedelta(minutes=30),
            actual_end=found + timedelta(hours=2),
            discovered_at=found,
            done=True,  # archived with the write
        )
        store.commit_cycle(CycleWrite(streams=[old], now=found + timedelta(days=9)))
        assert first_record(store) == found
        with Collector(config, clock, ENVIRON, store) as collector:
            collector.collect_once()
        assert store.get_meta(RECORDED_SINCE) == to_iso(found)


@pytest.mark.parametrize("stored", [None, "soon", 17, "2026-12-03T10:00:00"])
def test_a_missing_or_unreadable_value_compares_as_before(tmp_path: Path, stored: object) -> None:
    """No value, or one that is not a time with a zone: the changes are shown, as
    they were before the value existed."""
    store = TinyStore(tmp_path / "data")
    store.set_meta({RECORDED_SINCE: stored})
    assert recorded_since(store) is None
    config = write(tmp_path, "http://127.0.0.1:9")
    found = summary(store, config, week_of(date(2026, 11, 30)), T0)
    row = found["row"]
    assert isinstance(row, dict)
    assert row["live_broadcasts_change"] == 0 and row["change_blank_reason"] is None
