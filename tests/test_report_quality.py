"""Provisional figures and missed polls in the reports, from streams and rollups.

A hand-made December 2026 in Almaty time, reported on 6 December:

- B1, 1 Dec 12:00, on YouTube 12:00–13:00, every poll made: final.
- B2, 4 Dec 12:00, on YouTube and Facebook 12:00–13:00. YouTube is done; Facebook
  awaits its +7-day poll (due 11 Dec) and missed polls from 12:21 to 12:44 (4 for
  ``timeout``, 20 for ``quota``): it covered 34 of 60 minutes, while the combined
  figure (YouTube carries it) covers 59.
- B3, 2 Dec, missed (no stream): final, nothing can come.
- B4, 20 Dec, planned: not final, not provisional either (not on air yet).
- U1, an unplanned YouTube stream on 5 Dec 18:00–19:00, awaiting its final polls
  (due 12 Dec), with 2 ``rate_limit`` gaps.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import orjson

from collectors.policy import FINAL_POLLS
from reports.builders import adherence, list_broadcasts, summarise
from reports.dataset import Dataset
from reports.export import read_csv, report_json, write_csv
from reports.fmt import Style
from reports.periods import parse_period
from reports.quality import LAST_FINAL_POLL
from reports.render import render_text
from streamer.models import Broadcast, BroadcastStatus, Gap, Snapshot, Stream, StreamStatus, Target
from streamer.rollup import fold_gaps, rebuild
from streamer.simulcast import broadcast_key, rebuild_combined

TZ = ZoneInfo("Asia/Almaty")
YT, FB = "UCantikorLive00000000000", "100000000000001"
NOW = datetime(2026, 12, 6, 15, 0, tzinfo=TZ)


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ).astimezone(UTC)


def _stream(platform: str, ext: str, bid: str | None, start: datetime, done: bool) -> Stream:
    channel = YT if platform == "youtube" else FB
    return Stream(
        platform,
        ext,
        channel,
        broadcast_id=bid,
        title=f"Stream {ext}",
        status=StreamStatus.ENDED,
        actual_start=start,
        actual_end=start + timedelta(minutes=60),
        done=done,
    )


def _snaps(stream: Stream, minutes: list[int], viewers: int, views: int) -> list[Snapshot]:
    assert stream.actual_start is not None
    start = stream.actual_start
    return [
        Snapshot(stream.key, start + timedelta(minutes=m), StreamStatus.LIVE, viewers, views)
        for m in minutes
    ]


def _gaps(stream: Stream, reasons: dict[str, int]) -> list[Gap]:
    assert stream.actual_start is not None
    return [
        Gap(stream.key, stream.actual_start + timedelta(minutes=30), reason)
        for reason, polls in reasons.items()
        for _ in range(polls)
    ]


def _plan(bid: str, start: str, status: BroadcastStatus, platforms: tuple[str, ...]) -> Broadcast:
    targets = tuple(Target(p, YT if p == "youtube" else FB) for p in platforms)
    return Broadcast(bid, "antikor-live", f"Title {bid}", _at(start), 60, targets, status=status)


def _world() -> Dataset:
    held = BroadcastStatus.HELD
    plans = [
        _plan("B1", "2026-12-01 12:00", held, ("youtube",)),
        _plan("B2", "2026-12-04 12:00", held, ("youtube", "facebook")),
        _plan("B3", "2026-12-02 12:00", BroadcastStatus.MISSED, ("youtube",)),
        _plan("B4", "2026-12-20 12:00", BroadcastStatus.PLANNED, ("youtube",)),
    ]
    b1 = _stream("youtube", "b1", "B1", _at("2026-12-01 12:00"), True)
    b2y = _stream("youtube", "b2", "B2", _at("2026-12-04 12:00"), True)
    b2f = _stream("facebook", "b2", "B2", _at("2026-12-04 12:00"), False)
    u1 = _stream("youtube", "u1", None, _at("2026-12-05 18:00"), False)
    every = list(range(1, 61))
    snaps = {
        b1.key: _snaps(b1, every, 100, 1000),
        b2y.key: _snaps(b2y, every, 100, 1000),
        b2f.key: _snaps(b2f, [*range(1, 21), *range(45, 61)], 50, 400),
        u1.key: _snaps(u1, every, 10, 100),
    }
    gaps = {b2f.key: {"timeout": 4, "quota": 20}, u1.key: {"rate_limit": 2}}
    rollups = {
        key: fold_gaps(
            rebuild(key, 60, items), _gaps(next(s for s in (b2f, u1) if s.key == key), gaps[key])
        )
        if key in gaps
        else rebuild(key, 60, items)
        for key, items in snaps.items()
    }
    rollups[broadcast_key("B2")] = rebuild_combined(
        "B2", 60, {b2y.key: snaps[b2y.key], b2f.key: snaps[b2f.key]}
    )
    return Dataset(
        {b.id: b for b in plans},
        {s.key: s for s in (b1, b2y, b2f, u1)},
        rollups,
        {f"youtube:{YT}": "antikor-live", f"facebook:{FB}": "antikor-live"},
    )


DATA = _world()
DECEMBER = parse_period("2026-12", NOW, TZ)


def test_the_last_final_poll_is_the_collectors() -> None:
    """Settling is reckoned from the collector's own last final poll (+7 days)."""
    assert FINAL_POLLS[-1] == LAST_FINAL_POLL


def test_broadcasts_say_which_figures_are_final() -> None:
    """Final once every stream is done, or nothing can come; not while a poll is due."""
    rows = {r["broadcast_id"]: r["final"] for r in list_broadcasts(DATA, DECEMBER, TZ).rows}
    assert rows == {"B1": True, "B3": True, "B2": False, "youtube:u1": False, "B4": False}


def test_summary_counts_provisional_broadcasts() -> None:
    """B2 and the unplanned stream are on air with final polls due; B4 has not aired."""
    row = summarise(DATA, DECEMBER, TZ, now=NOW).rows[0]
    assert row["provisional_broadcasts"] == 2


def test_console_says_when_the_figures_settle() -> None:
    """The footnote gives the day of the last pending final poll: U1's, 12 Dec."""
    for report in (summarise(DATA, DECEMBER, TZ, now=NOW), list_broadcasts(DATA, DECEMBER, TZ)):
        text = render_text(report, Style("en", TZ, {}))
        assert "provisional: 2 broadcast(s) await their final polls" in text
        assert "the figures settle on 12 Dec 2026" in text


def test_final_reads_back_from_csv_and_is_a_json_boolean() -> None:
    """CSV writes true/false and reads them back; JSON carries booleans."""
    report = list_broadcasts(DATA, DECEMBER, TZ)
    buffer = StringIO(newline="")
    write_csv(report.rows, buffer, report.columns)
    assert "final" in buffer.getvalue().splitlines()[0]
    buffer.seek(0)
    _, rows = read_csv(buffer)
    assert [r["final"] for r in rows] == [r["final"] for r in report.rows]
    assert b'"final": false' in report_json(report)


def test_broadcast_rows_count_missed_polls_and_the_weakest_platform() -> None:
    """B2: 24 missed polls; Facebook covered 34 of 60 minutes while the combined 98 %."""
    rows = {r["broadcast_id"]: r for r in list_broadcasts(DATA, DECEMBER, TZ).rows}
    b2 = rows["B2"]
    assert (b2["gap_polls"], b2["coverage_pct"]) == (24, 98.3)
    assert b2["min_platform_coverage_pct"] == round(100 * 34 / 60, 1)
    assert (rows["youtube:u1"]["gap_polls"], rows["B1"]["gap_polls"]) == (2, 0)
    assert rows["B1"]["min_platform_coverage_pct"] == 98.3
    assert rows["B3"]["min_platform_coverage_pct"] is None  # no stream, nothing measured


def test_json_carries_the_periods_gaps_by_platform_and_reason() -> None:
    """Every period report's JSON: {platform: {reason: polls}}, only the period's."""
    expected = {"youtube": {"rate_limit": 2}, "facebook": {"quota": 20, "timeout": 4}}
    for report in (
        summarise(DATA, DECEMBER, TZ, now=NOW),
        summarise(DATA, DECEMBER, TZ, by="platform", now=NOW),
        list_broadcasts(DATA, DECEMBER, TZ),
        adherence(DATA, DECEMBER, TZ),
    ):
        assert orjson.loads(report_json(report))["gaps"] == expected
    first_week = parse_period("2026-W49", NOW, TZ)  # 30 Nov–6 Dec holds them all
    assert list_broadcasts(DATA, first_week, TZ).gaps == expected
    before = parse_period("2026-11", NOW, TZ)
    assert orjson.loads(report_json(list_broadcasts(DATA, before, TZ)))["gaps"] == {}


def test_console_lists_gaps_and_flags_a_weak_platform() -> None:
    """Footnotes name each platform's missed polls and a platform under 80 %."""
    text = render_text(list_broadcasts(DATA, DECEMBER, TZ), Style("en", TZ, {}))
    assert "Facebook missed 24 polls (quota used up 20, timeout 4) — B2" in text
    assert "YouTube missed 2 polls (rate limit 2) — youtube:u1" in text
    assert "Facebook covered less than 80% of the broadcast" in text
    summary = render_text(summarise(DATA, DECEMBER, TZ, now=NOW), Style("ru", TZ, {}))
    assert "Facebook: пропущено опросов — 24 (квота исчерпана 20, тайм-аут 4)" in summary
    kazakh = render_text(summarise(DATA, DECEMBER, TZ, now=NOW), Style("kk", TZ, {}))
    assert "Facebook: деректер үзілісі — 24 сұрау (квота таусылды 20, уақыт шегі 4)" in kazakh


def test_missed_polls_are_told_at_80_columns_without_their_column() -> None:
    """At 80 columns the list drops its coverage column, which the missed-polls and
    weak-platform footnotes mark: they are still printed, unmarked (they name their
    rows), so a reader at a narrow terminal learns that polls were missed."""
    for lang, gaps in (("ru", "Facebook: пропущено опросов — 24"), ("en", "Facebook missed 24")):
        text = render_text(list_broadcasts(DATA, DECEMBER, TZ), Style(lang, TZ, {}), width=80)
        lines = text.splitlines()
        assert all(len(line) <= 80 for line in lines)
        hidden = next(line for line in lines if line.startswith("* "))
        assert ("охват данных" if lang == "ru" else "coverage") in hidden
        [told] = [line for line in lines if gaps in line]
        assert told.startswith("• ") and told.endswith("— B2")
        assert sum(line.startswith("• ") for line in lines) == 3  # two platforms' gaps, one weak
        wide = render_text(list_broadcasts(DATA, DECEMBER, TZ), Style(lang, TZ, {}), width=200)
        assert not any(line.startswith("• ") for line in wide.splitlines())  # marked there


def test_every_gap_reason_a_collector_records_reads_in_each_language() -> None:
    """The footnote writes each reason the collectors record in the report's language
    (no code left in a Kazakh or Russian footnote); a reason it does not know, as is."""
    from collectors import base
    from collectors.cycle import STORE
    from reports.labels import LANGS, gap_reasons

    recorded = {STORE} | {
        cls.reason
        for cls in vars(base).values()
        if isinstance(cls, type) and hasattr(cls, "reason")
    }
    recorded |= {"timeout", "rate_limit", "throttled", "permission", "blocked", "rejected",
                 "not_found"}  # fmt: skip  # given to Transient / PlatformError by adapters
    for reason in sorted(recorded):
        for lang in LANGS:
            text = gap_reasons(f"{reason}:3", lang)
            assert text.endswith(" 3") and (lang == "en" or reason not in text), (reason, lang)
    assert gap_reasons("quota:20,timeout:4", "ru") == "квота исчерпана 20, тайм-аут 4"
    assert gap_reasons("future_reason:1", "kk") == "future_reason 1"
