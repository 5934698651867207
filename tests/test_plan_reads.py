"""Reading part of the plan reads part of the archive.

``plan list --from/--to`` and ``plan export`` with a range read the plan through
``Store.broadcasts_between``, and ``plan show`` through ``Store.broadcast``. On
TinyDB each used to parse every month archive: a week's list took 1.1 s a year into
the service. Now a span parses the months it touches, and one broadcast the month its
plan index names (the contract suite checks both give what the whole plan has).
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path

from helpers.counting import ParsingStore

from streamer.models import Broadcast, BroadcastStatus, Target
from streamer.store import CycleWrite
from streamer.tinyplan import INDEX_SUFFIX
from streamer.tinystore import TinyStore

T0 = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)
MONTHS = [T0 - 60 * DAY, T0 - 30 * DAY, T0, T0 + 30 * DAY]  # January to April


def _held(broadcast_id: str, start: datetime) -> Broadcast:
    item = Broadcast(broadcast_id, "antikor-live", "Антикор", start, 60, (Target("youtube", "UC"),))
    return dataclasses.replace(item, status=BroadcastStatus.HELD)


def _archived(data_dir: Path) -> None:
    """Four months of held broadcasts, every one archived (with its month's index)."""
    store = TinyStore(data_dir)
    plan = [_held(f"b{n}-{d}", at + d * DAY) for n, at in enumerate(MONTHS) for d in range(3)]
    store.change_plan(lambda current: plan)
    store.commit_cycle(CycleWrite(now=T0 + 90 * DAY))
    assert not TinyStore(data_dir).broadcasts(include_archive=False)


def test_a_span_parses_the_months_it_touches(data_dir: Path) -> None:
    _archived(data_dir)
    store = ParsingStore(data_dir)
    found = store.broadcasts_between(T0 - DAY, T0 + 2 * DAY)
    assert sorted(found) == ["b2-0", "b2-1"]
    assert store.parsed == [f"archive/{T0:%Y-%m}.json"]


def test_one_broadcast_parses_the_month_its_index_names(data_dir: Path) -> None:
    _archived(data_dir)
    store = ParsingStore(data_dir)
    item = store.broadcast("b0-1")
    assert item is not None and item.start == MONTHS[0] + DAY
    assert store.parsed == [f"archive/{MONTHS[0]:%Y-%m}.json"]
    store.parsed.clear()
    assert store.broadcast("nobody") is None and store.parsed == []


def test_without_indexes_every_month_is_looked_in(data_dir: Path) -> None:
    """A store an older release wrote has no plan indexes: its months are parsed, as
    before, and the answers are the same."""
    _archived(data_dir)
    for index in (data_dir / "archive").glob(f"*{INDEX_SUFFIX}"):
        index.unlink()
    store = ParsingStore(data_dir)
    item = store.broadcast("b0-1")
    assert item is not None and item.id == "b0-1"
    assert len(store.parsed) == 4  # the latest month first, down to January
    assert sorted(store.broadcasts_between(T0 - DAY, T0 + 2 * DAY)) == ["b2-0", "b2-1"]


def test_the_quota_projection_reads_the_week_it_projects_from(data_dir: Path) -> None:
    """``streamer quota`` projects from the next ``PROJECTION_SPAN`` of the plan and now
    reads only that span: the same projection as from the whole plan, which also holds
    a broadcast just before now, one just past the span and a year of archive."""
    from collectors.quota import PROJECTION_SPAN, projection
    from streamer.config import Config

    _archived(data_dir)
    now = T0 + 100 * DAY
    store = TinyStore(data_dir)
    ahead = [_held(f"w{n}", now + n * 11 * timedelta(hours=1)) for n in range(16)]
    edges = [_held("before", now - timedelta(minutes=1)), _held("after", now + PROJECTION_SPAN)]
    store.change_plan(lambda plan: [*ahead, *edges])
    config = Config(path=data_dir / "streamer.toml", data_dir=data_dir)
    week = store.broadcasts_between(now, now + PROJECTION_SPAN)
    assert sorted(week) == sorted(b.id for b in ahead)
    expected = projection(config, store.broadcasts().values(), now)
    assert projection(config, week.values(), now) == expected
    assert expected.explain.startswith(f"{len(ahead) / 7:.1f} YouTube broadcasts/day")
