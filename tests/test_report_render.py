"""Report building and console rendering, in Kazakh, Russian and English.

One hand-made month (November 2026, Almaty time) with answers worked out by hand:

- AL-1 Antikor.Live, planned 30 Nov 11:00, on air 11:07–12:07 on YouTube (100
  viewers), Facebook (50) and Instagram (no counts); a sample each minute from
  11:08 to 12:07: 59 covered minutes of 60, 150 × 59 = 8,850 viewer-minutes,
  views 1,000 + 500 (Instagram n/a).
- AL-2 Antikor.Live, 2 Nov, a no-show.  AL-0 Antikor.Live, 15 Oct, for the change:
  on time, 80 viewers, 4,720 viewer-minutes, 800 views.
- AK-1 Adal Komek, 10 Nov 15:00, on air 15:02–16:02 on YouTube, 20 viewers, but
  samples only in minutes 1–10 and 50–60: 19 covered minutes (low coverage), 300 views.
- AK-2 Adal Komek, 12 Nov, cancelled.  An unplanned Adal Komek stream on 20 Nov,
  10:00–10:30, 10 viewers, 29 covered minutes, 100 views.
"""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from rich.console import Console

from reports.builders import adherence, build, findings, list_broadcasts, summarise
from reports.curve import build_curve, render_curve, sparkline
from reports.dataset import Dataset, channel_programmes, select
from reports.fmt import Style
from reports.periods import parse_period
from reports.render import render_table, render_text
from reports.report import Note, Report
from streamer.config import Config, load_config, starter_config
from streamer.models import (
    Broadcast,
    BroadcastStatus,
    Snapshot,
    Stream,
    StreamStatus,
    Target,
)
from streamer.rollup import rebuild
from streamer.simulcast import broadcast_key, rebuild_combined

TZ = ZoneInfo("Asia/Almaty")
NOW = datetime(2026, 12, 5, 6, 0, tzinfo=UTC)
AL = {
    "youtube": "UCantikorLive00000000000",
    "facebook": "100000000000001",
    "instagram": "17841400000000001",
}
AK_YT = "UCadalKomek0000000000000"
LANGS = ("kk", "ru", "en")


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ).astimezone(UTC)


def plan(
    id_: str,
    programme: str,
    start: str,
    status: BroadcastStatus,
    platforms: dict[str, str],
    district: str = "",
) -> Broadcast:
    targets = tuple(Target(p, c) for p, c in platforms.items())
    return Broadcast(
        id_, programme, f"Title {id_}", local(start), 60, targets, district=district, status=status
    )


def aired(
    platform: str,
    channel: str,
    ext: str,
    broadcast: str | None,
    start: datetime,
    minutes: int,
    viewers: int | None,
    views: int | None,
    sampled: range | list[int] | None = None,
) -> tuple[Stream, list[Snapshot]]:
    """A finished stream and one live snapshot per sampled minute (default every minute)."""
    item = Stream(
        platform,
        ext,
        channel,
        broadcast_id=broadcast,
        title=f"Stream {ext}",
        status=StreamStatus.ENDED,
        actual_start=start,
        actual_end=start + timedelta(minutes=minutes),
        done=True,
    )
    snaps = [
        Snapshot(item.key, start + timedelta(minutes=m), StreamStatus.LIVE, viewers, views)
        for m in (sampled or range(1, minutes + 1))
    ]
    return item, snaps


def scenario_parts() -> tuple[list[Broadcast], list[tuple[Stream, list[Snapshot]]]]:
    """The month described in the module docstring, as plan and aired streams."""
    plans = [
        plan(
            "AL-0",
            "antikor-live",
            "2026-10-15 11:00",
            BroadcastStatus.HELD,
            {"youtube": AL["youtube"]},
        ),
        plan("AL-1", "antikor-live", "2026-11-30 11:00", BroadcastStatus.HELD, AL, "Turkestan"),
        plan(
            "AL-2",
            "antikor-live",
            "2026-11-02 11:00",
            BroadcastStatus.MISSED,
            {"youtube": AL["youtube"]},
        ),
        plan(
            "AK-1",
            "adal-komek",
            "2026-11-10 15:00",
            BroadcastStatus.HELD,
            {"youtube": AK_YT},
            "Shymkent",
        ),
        plan(
            "AK-2", "adal-komek", "2026-11-12 15:00", BroadcastStatus.CANCELLED, {"youtube": AK_YT}
        ),
    ]
    start = local("2026-11-30 11:07")
    streams = [
        aired("youtube", AL["youtube"], "al0", "AL-0", local("2026-10-15 11:00"), 60, 80, 800),
        aired("youtube", AL["youtube"], "al1", "AL-1", start, 60, 100, 1000),
        aired("facebook", AL["facebook"], "al1", "AL-1", start, 60, 50, 500),
        aired("instagram", AL["instagram"], "al1", "AL-1", start, 60, None, None),
        aired(
            "youtube",
            AK_YT,
            "ak1",
            "AK-1",
            local("2026-11-10 15:02"),
            60,
            20,
            300,
            [*range(1, 11), *range(50, 61)],
        ),
        aired("youtube", AK_YT, "u1", None, local("2026-11-20 10:00"), 30, 10, 100),
    ]
    return plans, streams


def rollups_of(
    plans: list[Broadcast], streams: list[tuple[Stream, list[Snapshot]]]
) -> dict[str, dict[str, Any]]:
    """Per-stream rollups and the combined rollup of each simulcast, as the engine keeps them."""
    rollups = {s.key: rebuild(s.key, 60, snaps) for s, snaps in streams}
    for item in plans:
        members = {s.key: snaps for s, snaps in streams if s.broadcast_id == item.id}
        if len(members) > 1:
            rollups[broadcast_key(item.id)] = rebuild_combined(item.id, 60, members)
    return rollups


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Config:
    path = tmp_path_factory.mktemp("cfg") / "streamer.toml"
    path.write_text(starter_config(), encoding="utf-8")
    return load_config(path)


@pytest.fixture(scope="module")
def data(config: Config) -> Dataset:
    plans, streams = scenario_parts()
    return Dataset(
        broadcasts={b.id: b for b in plans},
        streams={s.key: s for s, _ in streams},
        rollups=rollups_of(plans, streams),
        channel_programmes=channel_programmes(config),
    )


NOVEMBER = parse_period("2026-11", NOW, TZ)
PROGRAMMES = ("antikor-live", "adal-komek")


def show(report: Report, config: Config, lang: str, width: int = 120) -> str:
    buffer = io.StringIO()
    render_table(report, Console(file=buffer, width=width), Style(lang, TZ, config.programmes))
    return buffer.getvalue()


# -- figures ---------------------------------------------------------------------------


def test_summary_by_programme_matches_the_hand_worked_month(data: Dataset) -> None:
    """Counts, simulcast sums, coverage and changes against October, per programme."""
    rows = {r["programme"]: r for r in summarise(data, NOVEMBER, TZ, programmes=PROGRAMMES).rows}
    al, ak = rows["antikor-live"], rows["adal-komek"]
    assert [
        al[k]
        for k in (
            "broadcasts_planned",
            "broadcasts_held",
            "broadcasts_missed",
            "broadcasts_cancelled",
            "unplanned_streams",
        )
    ] == [2, 1, 1, 0, 0]
    assert (al["views"], al["peak_concurrent"], al["avg_concurrent"]) == (1500, 150, 150.0)
    assert (al["viewer_minutes"], al["avg_start_delay_min"], al["coverage_pct"]) == (
        8850.0,
        7.0,
        98.3,
    )
    assert (al["broadcasts_planned_change"], al["broadcasts_held_change"]) == (1, 0)
    assert al["views_change_pct"] == al["viewer_minutes_change_pct"] == 87.5
    assert (al["avg_start_delay_min_change"], al["coverage_pct_change"]) == (7.0, 0.0)
    assert [
        ak[k]
        for k in (
            "broadcasts_planned",
            "broadcasts_held",
            "broadcasts_missed",
            "broadcasts_cancelled",
            "unplanned_streams",
        )
    ] == [2, 1, 0, 1, 1]
    assert (ak["views"], ak["peak_concurrent"], ak["viewer_minutes"]) == (400, 20, 670.0)
    assert (ak["avg_concurrent"], ak["coverage_pct"], ak["avg_start_delay_min"]) == (
        14.0,
        53.3,
        2.0,
    )
    assert ak["views_change_pct"] is None  # nothing in October to compare with


def test_summary_by_platform_uses_each_platforms_own_figures(data: Dataset) -> None:
    """YouTube counts three broadcasts; Instagram held one but has no viewer figures."""
    rows = {r["platform"]: r for r in summarise(data, NOVEMBER, TZ, by="platform").rows}
    assert list(rows) == ["youtube", "facebook", "instagram"]
    assert (rows["youtube"]["broadcasts_planned"], rows["youtube"]["views"]) == (4, 1400)
    assert rows["facebook"]["viewer_minutes"] == 2950.0
    assert rows["instagram"]["broadcasts_held"] == 1
    assert (rows["instagram"]["views"], rows["instagram"]["peak_concurrent"]) == (None, None)


def test_summary_by_month_lists_every_month_and_compares_with_the_month_before(
    data: Dataset,
) -> None:
    """Q4 by month: October, November, December; November's change is against October."""
    q4 = parse_period("2026-Q4", NOW, TZ)
    rows = summarise(data, q4, TZ, by="month").rows
    assert [r["month"] for r in rows] == ["2026-10", "2026-11", "2026-12"]
    assert rows[0]["views"] == 800 and rows[2]["broadcasts_planned"] == 0
    assert rows[1]["views_change_pct"] == pytest.approx((1900 - 800) / 800 * 100, abs=0.05)
    assert rows[2]["broadcasts_planned_change"] == -4


def test_summary_by_week_and_district(data: Dataset) -> None:
    """Weeks are ISO weeks of the planned (or actual) local start; districts as planned."""
    weeks = {r["week"]: r for r in summarise(data, NOVEMBER, TZ, by="week").rows}
    assert next(iter(weeks)) == "2026-W44" and "2026-W49" in weeks
    assert weeks["2026-W49"]["views"] == 1500
    districts = {
        r["district"]: r["broadcasts_planned"]
        for r in summarise(data, NOVEMBER, TZ, by="district").rows
    }
    assert districts == {"": 2, "Shymkent": 1, "Turkestan": 1}


def test_filters_by_programme_and_platform(data: Dataset) -> None:
    """--programme keeps one programme; --platform keeps that platform's figures."""
    only = summarise(data, NOVEMBER, TZ, programme="adal-komek", programmes=PROGRAMMES)
    assert [r["programme"] for r in only.rows] == ["adal-komek"]
    facebook = list_broadcasts(data, NOVEMBER, TZ, platform="facebook")
    assert [(r["broadcast_id"], r["views"]) for r in facebook.rows] == [("AL-1", 500)]


def test_broadcast_rows_one_per_broadcast_and_unplanned_stream(data: Dataset) -> None:
    """Rows in planned-time order; local times; Instagram's n/a left out of the sums."""
    rows = list_broadcasts(data, NOVEMBER, TZ).rows
    assert [r["broadcast_id"] for r in rows] == ["AL-2", "AK-1", "AK-2", "youtube:u1", "AL-1"]
    al1 = rows[-1]
    assert al1["planned_start"] == datetime(2026, 11, 30, 11, 0, tzinfo=TZ)
    assert isinstance(al1["actual_start"], datetime)
    assert al1["actual_start"].utcoffset() == timedelta(hours=5)
    assert (al1["start_delay_min"], al1["duration_min"], al1["status"]) == (7.0, 60.0, "held")
    assert al1["platforms"] == "youtube;facebook;instagram"
    assert (al1["views"], al1["peak_concurrent"], al1["coverage_pct"]) == (1500, 150, 98.3)
    assert rows[0]["views"] is None and rows[0]["status"] == "missed"
    assert rows[3]["status"] == "unplanned" and rows[3]["programme"] == "adal-komek"


def test_adherence_finds_late_starts_no_shows_cancellations_and_unplanned(data: Dataset) -> None:
    """AL-1 started 7 minutes late; AL-2 never went on air; AK-1 (2 min) was on time."""
    report = adherence(data, NOVEMBER, TZ)
    found = {r["broadcast_id"]: r["findings"] for r in report.rows}
    assert found == {
        "AL-2": "no_show",
        "AK-1": "on_time",
        "AK-2": "cancelled",
        "youtube:u1": "unplanned",
        "AL-1": "late_start",
    }
    assert report.counts == {
        "no_show": 1,
        "on_time": 1,
        "cancelled": 1,
        "unplanned": 1,
        "late_start": 1,
    }


def test_an_overrun_and_an_early_start_are_findings(data: Dataset) -> None:
    """75 minutes for a 60-minute plan is an overrun; 6 minutes early is an early start."""
    entry = select(data, NOVEMBER, TZ, programme="antikor-live")[-1]
    assert entry.planned_start is not None
    longer = replace(
        entry,
        figures=replace(
            entry.figures,
            actual_start=entry.planned_start - timedelta(minutes=6),
            actual_end=entry.planned_start + timedelta(minutes=75),
        ),
    )
    assert findings(longer) == ["early_start", "overrun"]


# -- console ---------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("kind", ["summary", "broadcasts", "adherence"])
def test_every_report_renders_in_every_language_within_120_columns(
    data: Dataset, config: Config, kind: str, lang: str
) -> None:
    """Headlines first, then the table; no line is wider than the console."""
    text = show(build(kind, data, NOVEMBER, TZ, programmes=PROGRAMMES), config, lang)
    lines = text.splitlines()
    first = {
        "kk": "Antikor.Live: 1 тікелей эфир, 1\u00a0500 қаралым",
        "ru": "Antikor.Live: 1 прямой эфир, 1\u00a0500 просмотров",
        "en": "Antikor.Live: 1 live broadcast, 1,500 views",
    }[lang]
    assert lines[0] == first
    assert lines[1].startswith(
        {"kk": "Адал көмек: 2", "ru": "Адал комек: 2", "en": "Adal Komek: 2"}[lang]
    )
    assert max(len(line.rstrip()) for line in lines) <= 120
    assert {"kk": "кезең: 2026-11", "ru": "период: 2026-11", "en": "period: 2026-11"}[lang] in text


def test_a_cell_with_two_notes_marks_them_apart() -> None:
    """Two notes on one cell read "¹,²", not "¹²" (twelve); a cell with one keeps "¹"."""
    notes = (
        Note("first note — {items}", {}, (0, 1), ("title",)),
        Note("second note — {items}", {}, (0,), ("title",)),
    )
    rows = [{"broadcast_id": "X-1", "title": "One"}, {"broadcast_id": "X-2", "title": "Two"}]
    built = Report(kind="broadcasts", columns=("broadcast_id", "title"), rows=rows, notes=notes)
    text = render_text(built, Style("en", TZ), width=80)
    assert "One¹,²" in text and re.search("Two¹(?![,²])", text)
    assert "¹ first note — X-1, X-2" in text and "² second note — X-1" in text


@pytest.mark.parametrize(
    ("lang", "more"),
    [("en", "and 1,194 more"), ("ru", "и ещё 1\u00a0194"), ("kk", "және тағы 1\u00a0194")],
)
def test_a_footnote_names_six_rows_and_counts_the_rest_in_words(lang: str, more: str) -> None:
    """A footnote names its first six rows; the rest it counts in the language ("… and
    1,194 more"), digits grouped as in the table, not as a bare "(+1194)"."""
    rows = [{"broadcast_id": f"X-{n}", "title": f"T{n}"} for n in range(1200)]
    note = Note("first note — {items}", {}, tuple(range(1200)), ("title",))
    built = Report(kind="broadcasts", columns=("broadcast_id", "title"), rows=rows, notes=(note,))
    text = render_text(built, Style(lang, TZ), width=80)
    assert f"¹ first note — X-0, X-1, X-2, X-3, X-4, X-5 {more}\n" in text


@pytest.mark.parametrize(
    ("lang", "instagram", "coverage"),
    [
        ("en", "Instagram does not report views", "coverage below 80%"),
        ("ru", "Instagram не сообщает показатель «просмотры»", "охват данных ниже 80%"),
        ("kk", "Instagram «қаралым» көрсеткішін бермейді", "қамту 80%-дан төмен"),
    ],
)
def test_footnotes_explain_low_coverage_and_platforms_without_figures(
    data: Dataset, config: Config, lang: str, instagram: str, coverage: str
) -> None:
    """The summary marks Antikor.Live's figures (Instagram) and Adal Komek's (53% coverage)."""
    text = show(summarise(data, NOVEMBER, TZ, programmes=PROGRAMMES), config, lang)
    notes = [line for line in text.splitlines() if line[:1] in "¹²³"]
    views_note = next(n for n in notes if instagram in n and n.endswith("Antikor.Live"))
    adal = {"kk": "Адал көмек", "ru": "Адал комек", "en": "Adal Komek"}[lang]
    assert any(coverage in n and n.endswith(adal) for n in notes)
    # The views cell (1,500 / 1 500) carries the mark of the note that explains it.
    assert re.search(f"1[,\u00a0]500{views_note[0]}", text)


def test_numbers_and_dates_follow_the_language(data: Dataset, config: Config) -> None:
    """8,850 / 8 850; 30 Nov / 30 нояб. / 30 қар.; statuses translated."""
    shown = {lang: show(list_broadcasts(data, NOVEMBER, TZ), config, lang) for lang in LANGS}
    assert "8,850" in shown["en"] and "30 Nov 11:00" in shown["en"] and "held" in shown["en"]
    assert (
        "8\u00a0850" in shown["ru"]
        and "30 нояб. 11:00" in shown["ru"]
        and "проведено" in shown["ru"]
    )
    assert "30 қар. 11:00" in shown["kk"] and "өткізілмеді" in shown["kk"]


def test_plain_text_has_no_terminal_codes(data: Dataset, config: Config) -> None:
    """Scheduled txt files hold the console report without colour codes."""
    text = render_text(
        summarise(data, NOVEMBER, TZ, programmes=PROGRAMMES), Style("en", TZ, config.programmes)
    )
    assert "\x1b[" not in text
    assert text.startswith("Antikor.Live: 1 live broadcast, 1,500 views\n")


def test_half_year_headline_prints_the_articles_figures(config: Config) -> None:
    """64 and 278 broadcasts in 2020-H1 with 85,412 and 127,388 views print as the article does."""
    plans, streams = [], []
    for programme, count, views, channel in (
        ("antikor-live", 64, 85_412, AL["youtube"]),
        ("adal-komek", 278, 127_388, AK_YT),
    ):
        for n in range(count):
            start = datetime(2020, 1, 6, 6, tzinfo=UTC) + timedelta(hours=12 * n)
            share = views // count + (views % count if n == 0 else 0)
            plans.append(
                Broadcast(
                    f"{programme}-{n}",
                    programme,
                    "t",
                    start,
                    60,
                    (Target("youtube", channel),),
                    status=BroadcastStatus.HELD,
                )
            )
            streams.append(
                aired(
                    "youtube", channel, f"{programme}-{n}", f"{programme}-{n}", start, 2, 5, share
                )
            )
    data = Dataset(
        {b.id: b for b in plans},
        {s.key: s for s, _ in streams},
        rollups_of(plans, streams),
        channel_programmes(config),
    )
    report = summarise(data, parse_period("2020-H1", NOW, TZ), TZ, programmes=PROGRAMMES)
    assert show(report, config, "en").splitlines()[:2] == [
        "Antikor.Live: 64 live broadcasts, over 85,000 views",
        "Adal Komek: 278 live broadcasts, over 127,000 views",
    ]
    assert show(report, config, "kk").splitlines()[:2] == [
        "Antikor.Live: 64 тікелей эфир, 85\u00a0000-нан астам қаралым",
        "Адал көмек: 278 тікелей эфир, 127\u00a0000-нан астам қаралым",
    ]
    assert (
        show(report, config, "ru").splitlines()[0]
        == "Antikor.Live: 64 прямых эфира, более 85\u00a0000 просмотров"
    )


# -- curve -----------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_curve_draws_total_and_each_platform_with_instagram_as_na(
    config: Config, lang: str
) -> None:
    """The total and YouTube/Facebook get sparklines; Instagram says n/a."""
    _, streams = scenario_parts()
    members = [pair for pair in streams if pair[0].broadcast_id == "AL-1"]
    snaps = sorted((s for _, ss in members for s in ss), key=lambda s: s.ts)
    curve = build_curve("AL-1", "Title AL-1", "antikor-live", [s for s, _ in members], snaps, 60)
    console = Console(file=io.StringIO(), width=120)
    render_curve(curve, console, Style(lang, TZ, config.programmes))
    lines = console.file.getvalue().splitlines()  # type: ignore[attr-defined]
    assert lines[0].startswith("AL-1 · Antikor.Live")
    na = {"kk": "қолжетімсіз", "ru": "н/д", "en": "n/a"}[lang]
    assert any(line.startswith("Instagram") and line.rstrip().endswith(na) for line in lines)
    peak = {"kk": "ең жоғары 100 · 11:08", "ru": "пик 100 · 11:08", "en": "peak 100 · 11:08"}[lang]
    assert any(
        line.startswith("YouTube") and "▆▆▆" in line and line.endswith(peak) for line in lines
    )
    assert max(len(line) for line in lines) <= 120
    assert "11:08" in lines[-2] and "12:07" in lines[-2]


def test_sparkline_scales_to_the_peak_and_leaves_gaps_blank() -> None:
    """0 → ▁, the peak → █; a slot with no reading for over an interval stays blank."""
    t0 = datetime(2026, 11, 30, 6, tzinfo=UTC)
    snaps = [
        Snapshot("y", t0 + timedelta(minutes=m), StreamStatus.LIVE, v)
        for m, v in [(0, 0), (1, 60), (9, 140)]
    ]
    line = sparkline(snaps, t0, t0 + timedelta(minutes=9), 9, 140, 60)
    assert line[0] == "▁" and line[1] == "▄" and line[-1] == "█"
    assert line[4] == " "


def test_a_district_row_without_a_district_is_named_in_the_language(data: Dataset) -> None:
    """Broadcasts planned without a district (and unplanned ones) make a row that the
    table, its footnotes and the chart name "not given", never a bare "—" that reads as
    the footnote's own dash ("… — —, Turkestan")."""
    report = summarise(data, NOVEMBER, TZ, by="district")
    assert "" in [r["district"] for r in report.rows]  # CSV and JSON keep the empty key
    for lang, name in (("kk", "белгісіз"), ("ru", "не указан"), ("en", "not given")):
        style = Style(lang, TZ)
        assert style.group("district", "") == name
        assert style.group("district", "Turkestan") == "Turkestan"
        text = render_text(report, style)
        assert f" {name}" in text and "— —" not in text


def test_style_programme_falls_back_to_the_slug(config: Config) -> None:
    """A programme no longer configured shows its slug; an empty one a dash."""
    style = Style("ru", TZ, config.programmes)
    assert (style.programme("adal-komek"), style.programme("old"), style.programme("")) == (
        "Адал комек",
        "old",
        "—",
    )


@pytest.mark.parametrize("lang", LANGS)
def test_a_footnote_of_columns_left_out_for_the_width_is_left_out_too(
    data: Dataset, config: Config, lang: str
) -> None:
    """Narrow, the broadcasts table leaves the peak column out (views still fit): the note
    on it goes too, and the marks count from ¹ again, so every footnote printed marks a
    cell shown. A wide table shows the column and every note."""
    report = list_broadcasts(data, NOVEMBER, TZ)
    width = {"kk": 66, "ru": 66, "en": 62}[lang]
    narrow, wide = show(report, config, lang, width=width), show(report, config, lang, 250)
    peak = {"kk": "«бір мезгілдегі", "ru": "«зрители онлайн»", "en": "concurrent viewers"}[lang]
    notes = {
        text: [line for line in text.splitlines() if line[:1] and line[0] in "¹²³⁴"]
        for text in (narrow, wide)
    }
    assert len(notes[wide]) == 3 and peak in notes[wide][1]
    views = notes[wide][2].split(" — ")[0][2:]
    assert len(notes[narrow]) == 1 and notes[narrow][0].startswith(f"¹ {views[:30]}")
    table = narrow.split("\n¹ ")[0]
    assert re.search("500¹", table) and "²" not in narrow and "³" not in narrow
