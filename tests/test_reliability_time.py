"""Promise 6: time is handled right.

A plan across a historic offset change (Almaty, 2024-03-01) and a DST change keeps its
wall-clock time; the YouTube quota day turns at midnight Pacific (PST and PDT) in the
ledger; and a clock that goes backwards between runs neither duplicates nor loses polls.
"""

from __future__ import annotations

import contextlib
import io
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from helpers.reliability import MONDAY, TZ, world

from collectors.youtube_quota import quota_day, quota_reset
from streamer.app.cli import run
from streamer.clock import SimulatedClock, as_utc
from streamer.tinystore import TinyStore

TUESDAY = MONDAY + timedelta(days=1)
CONFIG = """\
data_dir = "data"
timezone = "{tz}"

[[programmes]]
slug = "adal-komek"
name = "Adal Komek"
channels = [{{ platform = "youtube", id = "UCadalKomek0000000000000" }}]
"""


def planned_utc(tmp_path: Path, tz: str, start: str, rule: str) -> list[datetime]:
    """Add a series through the CLI in zone ``tz``; its starts in UTC, in order."""
    path = tmp_path / "streamer.toml"
    path.write_text(CONFIG.format(tz=tz), encoding="utf-8")
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        status = run(["--config", str(path), "plan", "add", "--programme", "adal-komek",
                      "--title", "t", "--start", start, "--duration", "60",
                      "--repeat", rule])  # fmt: skip
    assert status == 0, err.getvalue()
    return sorted(b.start for b in TinyStore(tmp_path / "data").broadcasts().values())


def test_a_series_across_almatys_2024_offset_change_keeps_11_local(tmp_path: Path) -> None:
    """Kazakhstan moved from UTC+6 to UTC+5 on 2024-03-01: 11:00 is 05:00 UTC, then 06:00."""
    starts = planned_utc(tmp_path, "Asia/Almaty", "2024-02-28 11:00", "FREQ=DAILY;COUNT=4")
    assert [s.astimezone(UTC).hour for s in starts] == [5, 5, 6, 6]
    assert {s.astimezone(ZoneInfo("Asia/Almaty")).hour for s in starts} == {11}


def test_a_weekly_series_across_a_dst_change_keeps_its_wall_clock(tmp_path: Path) -> None:
    """Berlin goes to summer time on 2026-03-29: 11:00 is 10:00 UTC, then 09:00 UTC."""
    starts = planned_utc(tmp_path, "Europe/Berlin", "2026-03-22 11:00", "FREQ=WEEKLY;COUNT=2")
    assert [s.astimezone(UTC).hour for s in starts] == [10, 9]


@pytest.mark.parametrize(
    ("now", "day", "reset"),
    [
        ("2026-03-03T07:59:59Z", "2026-03-02", "2026-03-03T08:00:00Z"),  # PST: UTC-8
        ("2026-03-03T08:00:00Z", "2026-03-03", "2026-03-04T08:00:00Z"),
        ("2026-03-08T07:59:00Z", "2026-03-07", "2026-03-08T08:00:00Z"),  # the DST night
        ("2026-03-08T08:00:00Z", "2026-03-08", "2026-03-09T07:00:00Z"),  # then PDT: UTC-7
        ("2026-11-01T06:59:00Z", "2026-10-31", "2026-11-01T07:00:00Z"),
        ("2026-11-01T07:00:00Z", "2026-11-01", "2026-11-02T08:00:00Z"),  # back to PST
    ],
)
def test_the_quota_day_turns_at_midnight_pacific(now: str, day: str, reset: str) -> None:
    """The quota day and its reset follow Pacific time through both DST changes."""
    moment = datetime.fromisoformat(now)
    assert quota_day(moment) == day
    assert as_utc(quota_reset(moment)) == datetime.fromisoformat(reset)


def test_the_ledger_splits_units_at_midnight_pacific(tmp_path: Path) -> None:
    """A run across 08:00 UTC (midnight PST) charges each unit to the day it was spent."""
    begin = datetime.combine(TUESDAY, time(12, 40), tzinfo=TZ)  # 07:40 UTC
    with world(tmp_path, start=begin) as w:
        w.play(begin + timedelta(minutes=40))
        before, after = w.store.quota_used("2026-03-02"), w.store.quota_used("2026-03-03")
        charged = sum(w.sim.stats.quota_units.values())
    assert before.get("REL_YOUTUBE_KEY", 0) > 0 and after.get("REL_YOUTUBE_KEY", 0) > 0
    assert before["REL_YOUTUBE_KEY"] + after["REL_YOUTUBE_KEY"] == charged


class SteppedClock(SimulatedClock):
    """A simulated clock that can be stepped back, as NTP may step a machine's clock."""

    def step_back(self, delta: timedelta) -> None:
        with self._lock:
            self._now -= delta


def test_a_clock_stepped_back_between_runs_neither_duplicates_nor_loses_polls(
    tmp_path: Path,
) -> None:
    """After a restart with the clock 10.5 min earlier, the live streams are polled at
    once (not only when the clock catches up) and no snapshot is saved twice."""
    begin = datetime.combine(TUESDAY, time(11, 10), tzinfo=TZ)
    clock = SteppedClock(begin)
    with world(tmp_path, start=begin, clock=clock) as w:
        w.play(begin + timedelta(minutes=15))
        live = {k for k, s in w.store.streams().items() if s.status.value == "live"}
        assert live
        window = (begin - timedelta(hours=1), begin + timedelta(hours=2))
        earlier = {(s.stream, s.ts) for s in w.store.snapshots(*window)}
        clock.step_back(timedelta(minutes=10, seconds=30))
        w.restart()
        w.play(clock.now() + timedelta(minutes=3))
        snaps = w.store.snapshots(*window)
    keys = [(s.stream, s.ts) for s in snaps]
    assert len(keys) == len(set(keys))
    polled_after = {stream for stream, ts in set(keys) - earlier}
    assert live <= polled_after, sorted(live - polled_after)
