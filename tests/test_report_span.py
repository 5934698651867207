"""What a period report reads: only the days its kind uses.

A summary compares each row with earlier days, so it reads them too; a list of
broadcasts or their adherence compares with nothing, and reading the previous
half-year for it doubled what a half-year report read a year into the service. The
reports built from these bounded reads equal those built from the whole history, on
a generated store of two months (``bench.generate``). A stream matched to a
broadcast no month holds no longer has the lookup parse every month archive: the
months' plan indexes say none holds it.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from helpers.counting import ParsingStore

from bench import generate, reports_scale
from reports.builders import build
from reports.dataset import Dataset, Selector, compared_period, cut, report_span, within
from reports.periods import days_period, month_of, week_of
from streamer.config import Config
from streamer.models import Broadcast, BroadcastStatus, Stream, Target
from streamer.store import CycleWrite
from streamer.tinyplan import INDEX_SUFFIX
from streamer.tinystore import TinyStore

MONTH = month_of(date(2025, 2, 1))
MARGIN = timedelta(days=9)  # OFFSET_SPAN + MATCH_SPAN


@pytest.mark.parametrize("kind", ["broadcasts", "adherence"])
def test_a_list_reads_its_period_only(kind: str) -> None:
    """From the period's first local day (less the margins) to its end, whatever ``by``."""
    tz = ZoneInfo("Asia/Almaty")
    low, high = report_span(MONTH, tz, kind, "month")
    start, end = MONTH.utc_bounds(tz)
    assert (low, high) == (start - MARGIN, end + MARGIN)


@pytest.mark.parametrize(
    ("by", "first"),
    [
        ("programme", date(2025, 1, 1)),  # the previous month
        ("platform", date(2025, 1, 1)),
        ("month", date(2025, 1, 1)),  # the month before the first row's
        ("week", date(2025, 1, 20)),  # the week before 1 February's (Monday 27 January)
    ],
)
def test_a_summary_reads_what_it_compares_with(by: str, first: date) -> None:
    tz = ZoneInfo("Asia/Almaty")
    assert compared_period(MONTH, by).start == first
    low, _ = report_span(MONTH, tz, "summary", by)
    assert low == days_period(first, MONTH.end).utc_bounds(tz)[0] - MARGIN


def test_a_week_summary_by_programme_no_longer_reads_the_month_before() -> None:
    """Its rows compare with the week before; the month before that was read for nothing."""
    week = week_of(date(2025, 2, 12))
    low, _ = report_span(week, ZoneInfo("UTC"), "summary", "programme")
    assert low == datetime(2025, 2, 3, tzinfo=UTC) - MARGIN


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Config]:
    """1 January to 3 March 2025 as ``make bench`` generates it (Almaty time)."""
    folder = tmp_path_factory.mktemp("span")
    generate.write_history(folder, 62)
    return folder, reports_scale._config(folder)


@pytest.mark.parametrize(
    ("kind", "by"),
    [
        ("broadcasts", "programme"),
        ("adherence", "programme"),
        ("summary", "programme"),
        ("summary", "week"),
        ("summary", "month"),
        ("summary", "platform"),
    ],
)
def test_bounded_reads_give_the_whole_historys_report(
    generated: tuple[Path, Config], kind: str, by: str
) -> None:
    folder, config = generated
    store = TinyStore(folder)
    kw: dict[str, Any] = {"by": by, "programmes": tuple(config.programmes)}
    bounded = Dataset.from_store(store, config, MONTH, kind=kind, by=by)
    whole = Dataset.from_store(store, config)
    expected = build(kind, whole, MONTH, config.tz, **kw)
    found = build(kind, bounded, MONTH, config.tz, **kw)
    assert found.rows and found.rows == expected.rows
    assert found.notes == expected.notes and found.headlines == expected.headlines
    # Outside the span only broadcasts a stream inside is matched to (planned far off).
    read_from = report_span(MONTH, config.tz, kind, by)[0]
    early = {i for i, b in bounded.broadcasts.items() if b.start < read_from}
    assert early <= {s.broadcast_id for s in bounded.streams.values()}
    unmatched = [b.start for i, b in bounded.broadcasts.items() if i not in early]
    if kind == "summary":  # February's rows compare with January's (or its last week's)
        assert min(unmatched) < datetime(2025, 1, 28, tzinfo=UTC)
    else:  # February's list reads none of January but its last days (the margins)
        assert min(unmatched) >= datetime(2025, 1, 22, 19, tzinfo=UTC)


# -- a broadcast no month holds ----------------------------------------------------------
T0 = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def _planned(broadcast_id: str, start: datetime) -> Broadcast:
    item = Broadcast(broadcast_id, "antikor-live", "Антикор", start, 60, (Target("youtube", "UC"),))
    return dataclasses.replace(item, status=BroadcastStatus.HELD)


def _done(external_id: str, start: datetime, broadcast_id: str) -> Stream:
    return Stream("youtube", external_id, "UC", broadcast_id, actual_start=start, done=True)


def test_a_broadcast_no_month_holds_does_not_parse_every_month(data_dir: Path) -> None:
    store = TinyStore(data_dir)
    months = [T0 - 60 * DAY, T0 - 30 * DAY, T0, T0 + 30 * DAY]
    store.change_plan(lambda plan: [_planned(f"b{n}", at) for n, at in enumerate(months)])
    streams = [_done(f"v{n}", at, f"b{n}") for n, at in enumerate(months)]
    streams.append(_done("v-lost", T0, "gone"))  # matched to a broadcast no longer planned
    store.commit_cycle(CycleWrite(streams=streams, now=T0 + 90 * DAY))
    archives = sorted(p.name for p in (data_dir / "archive").glob("????-??.json"))
    assert len(archives) == 4 and all(
        (data_dir / "archive" / name.replace(".json", INDEX_SUFFIX)).exists() for name in archives
    )
    counting = ParsingStore(data_dir)
    found = counting.period_records(T0 - DAY, T0 + DAY)
    assert set(found.streams) == {"youtube:v2", "youtube:v-lost"}
    assert set(found.broadcasts) == {"b2"}
    assert counting.parsed == [f"archive/{T0:%Y-%m}.json"]  # not the other three
    # Without its index a month is parsed, as before indexes: the same records.
    (data_dir / "archive" / archives[0].replace(".json", INDEX_SUFFIX)).unlink()
    counting = ParsingStore(data_dir)
    assert counting.period_records(T0 - DAY, T0 + DAY) == found
    assert counting.parsed == [f"archive/{T0:%Y-%m}.json", f"archive/{archives[0]}"]


def test_a_damaged_index_has_the_month_parsed(data_dir: Path) -> None:
    """An index is written without fsync: one whose head and end survived a power cut
    but not its middle says nothing, and the month is parsed, not the report failed."""
    store = TinyStore(data_dir)
    store.change_plan(lambda plan: [_planned("far", T0 - 60 * DAY), _planned("b", T0)])
    streams = [_done("v-far", T0, "far"), _done("v", T0, "b")]  # matched far off
    store.commit_cycle(CycleWrite(streams=streams, now=T0 + 90 * DAY))
    index = data_dir / "archive" / f"{T0 - 60 * DAY:%Y-%m}{INDEX_SUFFIX}"
    raw = index.read_bytes()
    head, tail = raw.index(b"]") + 1, raw.rindex(b',"until":')
    index.write_bytes(raw[:head] + b"\0" * (tail - head) + raw[tail:])
    counting = ParsingStore(data_dir)
    found = counting.period_records(T0 - DAY, T0 + DAY)
    assert set(found.broadcasts) == {"far", "b"}
    assert f"archive/{T0 - 60 * DAY:%Y-%m}.json" in counting.parsed


def test_cutting_selects_order_gives_what_looking_at_each_entry_gives(
    generated: tuple[Path, Config],
) -> None:
    """``cut`` (bisected) equals ``within`` (each entry judged) on the two months'
    entries, for every week and month, single days and short spans, both ends."""
    folder, config = generated
    data = Dataset.from_store(TinyStore(folder), config)
    everything = days_period(date(2024, 12, 1), date(2025, 4, 1))
    selector = Selector(data, config.tz)
    for per_platform in (False, True):
        entries = selector.select(everything, per_platform=per_platform)
        assert len(entries) > 1000
        day = date(2024, 12, 20)
        periods = []
        while day < date(2025, 3, 10):
            periods += [week_of(day), month_of(day), days_period(day, day + timedelta(days=1)),
                        days_period(day, day + timedelta(days=3))]  # fmt: skip
            day += timedelta(days=5)
        for period in periods:
            expected = within(entries, period, config.tz)
            assert cut(entries, period, config.tz) == expected, period.label
