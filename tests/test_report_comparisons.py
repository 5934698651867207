"""Like-for-like changes: a period in progress against the same days before it.

A hand-made plan in Almaty time: one Antikor.Live broadcast every day at 12:00 from
1 October to 6 December 2026, each on YouTube with 100 views (200 on 1 October,
so that a whole month and its first days differ), plus one planned for 20 December
that has not happened yet, and one for 30 March 2027 whose February has fewer days.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from reports.builders import summarise
from reports.dataset import Dataset
from reports.fmt import Style
from reports.periods import Period, compare, days_period, month_of, parse_period, week_of
from reports.render import render_text
from reports.report import Report
from streamer.models import Broadcast, BroadcastStatus, Snapshot, Stream, StreamStatus, Target
from streamer.rollup import rebuild

TZ = ZoneInfo("Asia/Almaty")
CHANNEL = "UCantikorLive00000000000"


def _noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, 0, tzinfo=TZ).astimezone(UTC)


def _world() -> Dataset:
    broadcasts, streams, rollups = {}, {}, {}
    day = date(2026, 10, 1)
    while day <= date(2026, 12, 6):
        bid = f"AL-{day.isoformat()}"
        start = _noon(day)
        broadcasts[bid] = Broadcast(
            bid,
            "antikor-live",
            "Antikor",
            start,
            60,
            (Target("youtube", CHANNEL),),
            status=BroadcastStatus.HELD,
        )
        stream = Stream(
            "youtube",
            f"v{day:%m%d}",
            CHANNEL,
            broadcast_id=bid,
            status=StreamStatus.ENDED,
            actual_start=start,
            actual_end=start + timedelta(minutes=60),
            done=True,
        )
        views = 200 if day.day == 1 and day.month == 10 else 100
        snaps = [
            Snapshot(stream.key, start + timedelta(minutes=m), StreamStatus.LIVE, 10, views)
            for m in range(1, 61)
        ]
        streams[stream.key] = stream
        rollups[stream.key] = rebuild(stream.key, 60, snaps)
        day += timedelta(days=1)
    for bid, day in (("AL-later", date(2026, 12, 20)), ("AL-march", date(2027, 3, 30))):
        broadcasts[bid] = Broadcast(
            bid, "antikor-live", "Antikor", _noon(day), 60, (Target("youtube", CHANNEL),)
        )
    return Dataset(broadcasts, streams, rollups, {f"youtube:{CHANNEL}": "antikor-live"})


DATA = _world()
ON_6_DEC = datetime(2026, 12, 6, 15, 0, tzinfo=TZ)


def _summary(period: str, now: datetime | None, by: str = "programme") -> Report:
    return summarise(DATA, parse_period(period, ON_6_DEC, TZ), TZ, by=by, now=now)


def test_a_month_in_progress_is_compared_with_the_same_days_of_the_month_before() -> None:
    """On 6 Dec, December's changes are 1–6 Dec against 1–6 Nov; its later plan is left out."""
    row = _summary("2026-12", ON_6_DEC).rows[0]
    assert (row["broadcasts_planned"], row["views"]) == (7, 600)
    assert row["broadcasts_planned_change"] == 0  # 20 Dec is not set against 7 Nov
    assert row["views_change_pct"] == 0.0
    assert (row["change_days"], row["change_base_days"]) == (
        "2026-12-01/2026-12-06",
        "2026-11-01/2026-11-06",
    )
    assert row["change_blank_reason"] is None


def test_a_finished_month_is_compared_with_the_whole_month_before() -> None:
    """November after it ended: 30 broadcasts against October's 31, 3,000 views against 3,200."""
    row = _summary("2026-11", datetime(2026, 12, 6, tzinfo=TZ)).rows[0]
    # (3,000 − 3,200) / 3,200 = −6.25 %: halves round away from zero
    assert (row["broadcasts_held_change"], row["views_change_pct"]) == (-1, -6.3)
    assert (row["change_days"], row["change_base_days"]) == (
        "2026-11-01/2026-11-30",
        "2026-10-01/2026-10-31",
    )


def test_the_footnote_says_which_days_were_compared() -> None:
    """The console marks the row and names both spans of days, in the report's language."""
    report = _summary("2026-12", ON_6_DEC)
    text = render_text(report, Style("en", TZ, {}))
    # Spans as the language writes them (Babel's intervals: thin spaces round the dash).
    assert "changes compare 1\u2009–\u20096 Dec 2026 with as many days" in text
    assert "(1\u2009–\u20096 Nov 2026)" in text
    ru = render_text(report, Style("ru", TZ, {}))
    assert "1—6 дек. 2026\u202fг." in ru and "(1—6 нояб. 2026\u202fг.)" in ru
    assert "antikor-live¹" in text


def test_months_inside_a_week_compare_only_what_has_matching_days() -> None:
    """--by month over 30 Nov–6 Dec: November holds only its last day (blank, with the
    reason); December holds its first six days, set against 1–6 Nov, not all November."""
    report = _summary("2026-W49", None, by="month")
    november, december = report.rows
    assert november["views_change_pct"] is None and november["broadcasts_held_change"] is None
    assert november["change_blank_reason"] == "partial_start"
    assert december["views_change_pct"] == 0.0  # the old comparison said −80 %
    assert december["change_base_days"] == "2026-11-01/2026-11-06"
    text = render_text(report, Style("en", TZ, {}))
    assert "change n/a: the report holds part of this period, not from its first day" in text


def test_a_previous_month_too_short_leaves_the_change_blank() -> None:
    """On 30 March, 30 days have passed and February had 28: no matching span."""
    row = _summary("2027-03", datetime(2027, 3, 30, 18, 0, tzinfo=TZ)).rows[0]
    assert row["views_change_pct"] is None and row["broadcasts_planned_change"] is None
    assert row["change_blank_reason"] == "previous_shorter"
    assert row["change_days"] is None and row["change_base_days"] is None


def test_months_not_begun_have_no_change() -> None:
    """Q4 by month on 20 Nov: November against 1–20 Oct; December has not begun."""
    rows = _summary("2026-Q4", datetime(2026, 11, 20, 9, 0, tzinfo=TZ), by="month").rows
    october, november, december = rows
    assert october["change_blank_reason"] is None and october["views_change_pct"] is None
    assert november["change_base_days"] == "2026-10-01/2026-10-20"
    assert november["views_change_pct"] == pytest.approx(100 * (2000 - 2100) / 2100, abs=0.05)
    assert december["change_blank_reason"] == "not_started"
    assert december["broadcasts_planned_change"] is None


@pytest.mark.parametrize(
    ("unit", "today", "current", "previous", "reason"),
    [
        (month_of(date(2026, 12, 1)), date(2026, 12, 6), (1, 6), (1, 6), ""),
        (month_of(date(2026, 12, 1)), date(2027, 1, 2), (1, 31), (1, 30), ""),
        (week_of(date(2026, 12, 2)), date(2026, 12, 2), (30, 2), (23, 25), ""),
        (month_of(date(2027, 3, 1)), date(2027, 3, 29), None, None, "previous_shorter"),
        (month_of(date(2027, 3, 1)), date(2027, 3, 28), (1, 28), (1, 28), ""),
        (month_of(date(2027, 3, 1)), date(2027, 2, 28), None, None, "not_started"),
    ],
)
def test_compare_spans(
    unit: Period,
    today: date,
    current: tuple[int, int] | None,
    previous: tuple[int, int] | None,
    reason: str,
) -> None:
    """``compare`` pairs the elapsed days (today included) with as many days before."""
    found = compare(unit, unit, today)
    days = None if found.current is None else (found.current.start.day, found.current.last_day.day)
    before = (
        None if found.previous is None else (found.previous.start.day, found.previous.last_day.day)
    )
    assert (days, before, found.reason) == (current, previous, reason)


def test_compare_refuses_a_unit_the_report_cuts_at_its_start() -> None:
    """A month the report holds from its 30th day has no "same days" before it."""
    unit = month_of(date(2026, 11, 1))
    found = compare(unit, days_period(date(2026, 11, 30), date(2026, 12, 1)))
    assert (found.current, found.reason) == (None, "partial_start")
