"""Report charts read at a glance: the words, values and colours drawn, in three languages.

Charts are rendered to SVG (text kept as ``<text>`` elements) and the text is read
back, so each test checks what a reader would see; PNG tests check size and that
every Kazakh and Russian letter has a glyph.
"""

from __future__ import annotations

import itertools
import re
import struct
import warnings
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from reports.chart_bars import MAX_BARS, NARROW_LABEL, draw_bars
from reports.chart_data import FINDING_COLOURS, bar_chart
from reports.charts import curve_chart, drawn_chart, inline_svg, report_chart
from reports.curve import Curve
from reports.fmt import Style
from reports.periods import Period, days_period, month_of
from reports.report import (
    ADHERENCE_COLUMNS,
    BROADCAST_COLUMNS,
    Note,
    Report,
    Row,
    summary_columns,
)
from streamer.models import Programme, Snapshot, StreamStatus

TZ = ZoneInfo("Asia/Almaty")
WEEK = days_period(date(2026, 11, 30), date(2026, 12, 7))
PROGRAMMES = {"adal-komek": Programme("adal-komek", "Adal Komek", names={"kk": "Адал көмек"})}
KAZAKH = "әғқңөұүһі"


def style(lang: str = "en") -> Style:
    return Style(lang, TZ, PROGRAMMES)


SVG = "{http://www.w3.org/2000/svg}"


def svg_texts(payload: bytes) -> list[str]:
    """Every piece of text drawn in an SVG chart (Babel's thin and narrow no-break
    spaces read as plain spaces here)."""
    root = ET.fromstring(payload)
    texts = ["".join(node.itertext()) for node in root.iter("{http://www.w3.org/2000/svg}text")]
    return [plain(t) for t in texts]


def plain(value: str) -> str:
    return value.replace("\u2009", " ").replace("\u202f", " ").replace("\xa0", " ")


def png_size(payload: bytes) -> tuple[int, int]:
    assert payload[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", payload[16:24])
    return width, height


def platform_summary() -> Report:
    rows: list[Row] = []
    for platform, views, peak in (("youtube", 4118, 341), ("instagram", None, None)):
        rows.append(
            {
                "platform": platform,
                "broadcasts_held": 5,
                "unplanned_streams": 1,
                "views": views,
                "peak_concurrent": peak,
                "viewer_minutes": None if views is None else 54482.5,
            }
        )
    return Report("summary", summary_columns("platform"), rows, period=WEEK)


def broadcast_row(n: int, status: str = "held", **extra: object) -> Row:
    start = datetime(2026, 11, 30, 6, tzinfo=UTC) + timedelta(hours=n)
    row: Row = {
        "broadcast_id": f"{n:08d}",
        "programme": "adal-komek",
        "title": f"Adal Komek: free legal advice, part {n} on tenancy and inheritance",
        "planned_start": start.astimezone(TZ),
        "actual_start": start.astimezone(TZ),
        "status": status,
        "platforms": "youtube;instagram",
        "views": 100 * n,
        "peak_concurrent": 10 * n,
    }
    row.update(extra)
    return row


def adherence_row(n: int, findings: str, delay: float | None, overrun: float | None) -> Row:
    return {
        **broadcast_row(n),
        "start_delay_min": delay,
        "overrun_min": overrun,
        "status": "missed" if findings == "no_show" else "held",
        "findings": findings,
    }


def adherence_report(rows: list[Row]) -> Report:
    counts: dict[str, int] = {}
    for row in rows:
        for key in str(row["findings"]).split(";"):
            counts[key] = counts.get(key, 0) + 1
    return Report("adherence", ADHERENCE_COLUMNS, rows, period=WEEK, counts=counts)


def test_summary_chart_prints_values_and_na_with_human_dates() -> None:
    """A summary chart shows live broadcasts, views, peak and viewer-minutes with their
    values on the bars, Instagram's unknown figures as "n/a", and the period as dates."""
    texts = svg_texts(report_chart(platform_summary(), style("en"), "svg"))
    joined = "\n".join(texts)
    for words in ("live broadcasts", "views", "peak concurrent", "viewer-minutes"):
        assert words in texts
    # viewer-minutes 54,482.5 round half up
    assert {"6", "4,118", "341", "54,483", "YouTube", "Instagram"} <= set(texts)
    assert texts.count("n/a") == 3  # views, peak concurrent, viewer-minutes
    assert "Summary: 30 Nov" in joined and "6 Dec 2026" in joined
    assert "2026-11-30" not in joined and "by platform" in texts


def test_month_title_reads_as_a_month_in_each_language() -> None:
    """A month's chart is titled with the month's name in the report's language."""
    report = Report("summary", summary_columns("programme"), [], period=month_of(date(2026, 11, 1)))
    titles = {
        lang: [t for t in svg_texts(report_chart(report, style(lang))) if "2026" in t]
        for lang in ("en", "ru", "kk")
    }
    assert titles == {
        "en": ["Summary: November 2026"],
        "ru": ["Сводный отчёт: Ноябрь 2026"],
        "kk": ["Жиынтық есеп: Қараша 2026"],
    }


def test_broadcast_bars_carry_date_and_short_title_and_status_words() -> None:
    """Broadcast bars are labelled with local date, time and a shortened title; a missed
    broadcast says "missed" rather than drawing a bar of 0."""
    rows = [broadcast_row(1), broadcast_row(2, "missed", views=0, peak_concurrent=None)]
    report = Report("broadcasts", BROADCAST_COLUMNS, rows, period=WEEK)
    texts = svg_texts(report_chart(report, style("en")))
    assert "30 Nov 12:00 · Adal Komek: free legal advice, part 1…" in texts
    assert texts.count("missed") == 3  # a band in each panel and the legend
    assert {"100", "10", "held"} <= set(texts)
    assert bar_chart(report, style("en")).bars[1].note == "missed"


def test_at_most_25_bars_and_the_subtitle_says_which() -> None:
    """A month of broadcasts draws the 25 most viewed, and the subtitle says so."""
    rows = [broadcast_row(n) for n in range(1, 61)]
    report = Report("broadcasts", BROADCAST_COLUMNS, rows, period=WEEK)
    chart = bar_chart(report, style("en"))
    assert len(chart.bars) == MAX_BARS
    assert chart.bars[0].values[0] == 6000  # the most viewed first
    texts = svg_texts(report_chart(report, style("en")))
    assert "the 25 with the most views of 60" in texts
    assert len([t for t in texts if "free legal advice" in t]) == MAX_BARS


def test_png_size_is_bounded_for_a_month() -> None:
    """A chart of a busy month stays a readable picture, not a 2,250-pixel strip."""
    rows = [broadcast_row(n) for n in range(1, 91)]
    report = Report("broadcasts", BROADCAST_COLUMNS, rows, period=WEEK)
    payload = report_chart(report, style("en"), "png")
    width, height = png_size(payload)
    assert width == 1100 and height <= 1100
    assert len(payload) < 250_000


def test_adherence_categories_have_their_own_colours_and_a_counted_legend() -> None:
    """On time, late, no-show, overrun, unplanned and second streams are told apart by
    colour, named in a legend with their counts; a no-show is a band saying so."""
    rows = [
        adherence_row(1, "on_time", 0.0, 1.0),
        adherence_row(2, "late_start;overrun", 17.0, 25.0),
        adherence_row(3, "no_show", None, None),
        adherence_row(4, "unplanned", None, None),
        adherence_row(5, "second_stream", None, None),
    ]
    payload = report_chart(adherence_report(rows), style("en"))
    texts = svg_texts(payload)
    for entry in (
        "on time (1)",
        "late start (1)",
        "overrun (1)",
        "no-show (1)",
        "unplanned (1)",
        "second stream on the same channel (1)",
    ):
        assert entry in texts
    assert {"+17", "+25", "no-show"} <= set(texts)
    assert len(set(FINDING_COLOURS.values())) == len(FINDING_COLOURS)
    svg = payload.decode()
    for key in ("on_time", "late_start", "no_show", "overrun", "unplanned", "second_stream"):
        assert FINDING_COLOURS[key] in svg


def test_adherence_keeps_off_plan_rows_when_cut() -> None:
    """With more than 25 rows, every off-plan broadcast is kept and on-time ones fill up."""
    rows = [adherence_row(n, "on_time", 0.0, 0.0) for n in range(1, 40)]
    rows[30] = adherence_row(31, "no_show", None, None)
    chart = bar_chart(adherence_report(rows), style("en"))
    assert len(chart.bars) == MAX_BARS
    assert any(bar.note == "no-show" for bar in chart.bars)
    assert chart.subtitle == "25 of 39: off-plan first"


def curve(status: str, readings: list[tuple[int, int | None]]) -> Curve:
    start = datetime(2026, 12, 3, 10, tzinfo=UTC)
    snaps = [
        Snapshot("youtube:v1", start + timedelta(minutes=m), StreamStatus.LIVE, v, 100 + m)
        for m, v in readings
    ]
    ig = [Snapshot("instagram:m1", start, StreamStatus.LIVE, None, None)]
    return Curve(
        "AK-5",
        "Adal Komek: free legal advice",
        "adal-komek",
        {"youtube": snaps, "instagram": ig},
        snaps,
        60,
        planned=(start, start + timedelta(hours=1)),
        status=status,
    )


def test_curve_without_live_data_says_so() -> None:
    """A missed broadcast's curve explains that nothing was measured, and why."""
    texts = svg_texts(curve_chart(curve("missed", []), style("en")))
    joined = "\n".join(texts)
    assert "No live data: no concurrent viewers were measured" in joined
    assert "status: missed" in joined
    assert "Instagram: n/a" in texts and "YouTube: n/a" in texts


def test_curve_names_the_peak_and_the_day() -> None:
    """A curve names its peak and time, its day, title and the zone of its time axis."""
    texts = svg_texts(curve_chart(curve("held", [(0, 50), (5, 120), (10, 80)]), style("ru")))
    assert "пик 120 · 15:05" in texts
    assert "3 дек. 2026 г. · Adal Komek: free legal advice · AK-5" in texts
    assert "местное время, Asia/Almaty" in texts
    assert "Instagram: н/д" in texts


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_kazakh_and_russian_letters_have_glyphs(lang: str) -> None:
    """Every Kazakh letter renders in the PNG: matplotlib reports no missing glyph."""
    rows = [broadcast_row(1, title=f"Тегін заң кеңесі {KAZAKH} {KAZAKH.upper()} ёЁ")]
    report = Report("broadcasts", BROADCAST_COLUMNS, rows, period=WEEK)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        report_chart(report, style(lang), "png")
    assert [str(w.message) for w in caught] == []
    assert any(KAZAKH in t for t in svg_texts(report_chart(report, style(lang))))


def test_svg_is_byte_identical_and_inlines() -> None:
    """The same report draws the same SVG bytes; inline_svg gives an <svg> element."""
    first = report_chart(platform_summary(), style("kk"))
    assert first == report_chart(platform_summary(), style("kk"))
    element = inline_svg(first)
    assert element.startswith("<svg") and "<?xml" not in element
    assert "қолжетімсіз" in element  # n/a in Kazakh, as text


def test_period_less_report_gets_a_plain_title() -> None:
    """A report without a period is titled by its kind alone."""
    report = Report("broadcasts", BROADCAST_COLUMNS, [broadcast_row(1)], period=None)
    assert bar_chart(report, style("en")).title == "Broadcasts"


def test_week_groups_read_as_days() -> None:
    """A summary by week labels each bar with the week's number and its days."""
    period = Period(date(2026, 11, 23), date(2026, 12, 7), "days", "x")
    rows: list[Row] = [{"week": "2026-W48", "views": 5}, {"week": "2026-W49", "views": None}]
    chart = bar_chart(Report("summary", summary_columns("week"), rows, period=period), style())
    labels = [plain(bar.label) for bar in chart.bars]
    assert labels == ["week 48: 23 – 29 Nov", "week 49: 30 Nov – 6 Dec"]


def test_the_phone_chart_stacks_its_panels_with_labels_over_the_bars() -> None:
    """``narrow``: 4.4 inches wide, a panel under another (each panel's title lower
    than the last), every row's label written once per panel, cut to fit; a long
    Kazakh title wraps instead of running off the right edge."""
    rows = [broadcast_row(n) for n in range(1, 9)]
    rows[2] = {**rows[2], "title": "Адал көмек: Түркістан облысының тұрғындарына тегін заң кеңесі"}
    report = Report("broadcasts", BROADCAST_COLUMNS, rows, period=WEEK)
    payload = report_chart(report, style("kk"), narrow=True)
    root = ET.fromstring(payload)
    assert root.get("width") == "316.8pt"  # 4.4 in
    texts = svg_texts(payload)
    chart = bar_chart(report, style("kk"))
    for bar in chart.bars:
        shown = bar.label if len(bar.label) <= NARROW_LABEL else bar.label[:20]
        assert sum(t.startswith(plain(shown)) for t in texts) == len(chart.panels), bar.label
    assert all(len(t) <= NARROW_LABEL for t in texts)
    titles = [t for t in texts if t in chart.panels]
    assert titles == list(chart.panels)
    # The wide chart of the same report is 11 inches, labels whole beside the bars.
    assert ET.fromstring(report_chart(report, style("kk"))).get("width") == "792pt"


def test_a_phone_charts_labels_start_clear_of_the_axis_line() -> None:
    """Drawn, each row's label begins a few points right of its panel's axis line,
    not on it (the first letter used to touch the line)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    report = Report("broadcasts", BROADCAST_COLUMNS, [broadcast_row(n) for n in range(1, 4)])
    chart = bar_chart(report, style("en"))
    figure = Figure(figsize=(4.4, chart.narrow_height), dpi=100)
    canvas = FigureCanvasAgg(figure)
    draw_bars(figure, chart, style("en"), narrow=True)
    canvas.draw()
    renderer = canvas.get_renderer()
    shown = {plain(bar.label)[: NARROW_LABEL - 1] for bar in chart.bars}
    for axes in figure.axes:
        line = axes.spines["left"].get_window_extent(renderer).x1
        labels = [t for t in axes.texts if t.get_text()[: NARROW_LABEL - 1] in shown]
        assert len(labels) == len(chart.bars)
        assert all(t.get_window_extent(renderer).x0 >= line + 2 for t in labels)


def test_two_charts_inline_in_one_page_keep_their_own_ids() -> None:
    """The phone's chart beside the wide one: its ids and every reference to them take
    the prefix, so no id is in the page twice and each chart finds its own hatches."""
    report = platform_summary()  # "n/a" bands: hatch patterns with ids
    wide = inline_svg(report_chart(report, style("en")), "wide")
    narrow = inline_svg(report_chart(report, style("en"), narrow=True), "narrow", "n-")
    ids = re.findall(r'\bid="([^"]+)"', wide + narrow)
    assert ids and len(ids) == len(set(ids))
    for ref in re.findall(r"url\(#([^)]+)\)|href=\"#([^\"]+)\"", narrow):
        assert "".join(ref).startswith("n-")
    assert wide.startswith('<svg class="wide" ') and narrow.startswith('<svg class="narrow" ')


@pytest.mark.parametrize(
    ("platforms", "ends"),
    [("youtube", " · YouTube"), ("youtube;facebook;instagram;twitch", " · YT FB IG TW")],
)
def test_an_unplanned_label_names_its_platforms_within_the_title_limit(
    platforms: str, ends: str
) -> None:
    """One platform by name, a simulcast by codes; the title is cut to leave them room,
    so a four-platform label no longer squeezes the panels beside it."""
    from reports.chart_text import SHORT_TITLE, short_title

    title = "Antikor.Live: жедел эфир 05.12.2026 — сұрақтарға жауап"
    row = {"title": title, "status": "unplanned", "platforms": platforms}
    label = short_title(row, style())
    assert label.endswith(ends) and label.startswith("Antikor.Live:")
    assert len(label) <= SHORT_TITLE
    planned = short_title({**row, "status": "held"}, style())
    assert planned.startswith("Antikor.Live: жедел эфир") and len(planned) <= SHORT_TITLE


def test_a_panel_of_zeros_has_one_tick_not_four_written_0() -> None:
    """Every broadcast on time, none over its duration: the overrun panel is all zeros.
    Its axis shows one tick, 0, not four fractional ticks each written "0"."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    rows = [adherence_row(1, "on_time", 0.0, 0.0), adherence_row(2, "late_start", 3.0, 0.0)]
    chart = bar_chart(adherence_report(rows), style("ru"))
    figure = Figure(figsize=(11, chart.height), dpi=100)
    canvas = FigureCanvasAgg(figure)
    draw_bars(figure, chart, style("ru"))
    canvas.draw()
    delay, overrun = figure.axes
    shown = [
        [t.get_text() for t in axes.get_xticklabels() if axes.get_xlim()[0] <= t.get_position()[0]
         <= axes.get_xlim()[1]]
        for axes in (delay, overrun)
    ]  # fmt: skip
    assert shown == [["0", "1", "2", "3"], ["0"]]


def gap_note(rows: tuple[int, ...]) -> Note:
    params = {"platform": "youtube", "polls": "9", "reasons": "rate_limit:3,store:4,timeout:2"}
    return Note("note.gaps", params, rows, ("coverage_pct",))


def test_a_chart_on_its_own_carries_the_reports_notes_below_its_legend() -> None:
    """A chart saved on its own (pasted into a slide) keeps its figures' caveats: the
    report's notes, as the table words them, under the legend; not the notes on
    changes, which a chart does not draw. The page's chart leaves them to the page."""
    rows = [broadcast_row(1), broadcast_row(2, "missed", views=0, peak_concurrent=None)]
    change = Note("note.change_not_started", {}, (0,), ("views",))
    report = Report(
        "broadcasts", BROADCAST_COLUMNS, rows, period=WEEK, notes=(gap_note((0, 1)), change)
    )
    payload = report_chart(report, style("ru"))
    texts = svg_texts(payload)
    note = (
        "• YouTube: пропущено опросов — 9 (лимит запросов 3, не сохранено 4, тайм-аут 2)"
        " — 00000001, 00000002"
    )
    assert note in texts
    assert not any("изменени" in t for t in texts)
    # Drawn below the legend ("проведено", "не состоялось"), not over it.
    root = ET.fromstring(payload)
    tops = {plain("".join(n.itertext())): float(n.get("y", "0")) for n in root.iter(f"{SVG}text")}
    assert tops[note] > tops["проведено"] > tops["100"]  # note, legend, then a bar's value
    page_chart = svg_texts(drawn_chart(bar_chart(report, style("ru")), style("ru")))
    assert not any(t.startswith("•") for t in page_chart)


def test_a_chart_names_at_most_five_notes_and_counts_the_rest() -> None:
    """Seven notes: five as written, then how many more the report has; each wrapped to
    the chart's width; the picture grows by the notes' lines."""
    rows = [broadcast_row(n) for n in range(1, 8)]
    notes = tuple(gap_note((n,)) for n in range(7))
    report = Report("broadcasts", BROADCAST_COLUMNS, rows, period=WEEK, notes=notes)
    texts = svg_texts(report_chart(report, style("en")))
    bullets = [t for t in texts if t.startswith("•")]
    assert len(bullets) == 6 and bullets[-1] == "• 2 more notes in the report"
    bare = replace(report, notes=())
    assert (
        png_size(report_chart(report, style("en"), "png"))[1]
        > png_size(report_chart(bare, style("en"), "png"))[1]
    )


@pytest.mark.parametrize("narrow", [False, True])
def test_a_long_note_wraps_within_the_picture(narrow: bool) -> None:
    """A Kazakh note naming many rows wraps onto indented lines, and no line's ink
    reaches the picture's right edge."""
    import io

    from matplotlib.image import imread

    rows = [broadcast_row(n) for n in range(1, 40)]
    notes = (gap_note(tuple(range(39))),)
    report = Report("broadcasts", BROADCAST_COLUMNS, rows, period=WEEK, notes=notes)
    texts = svg_texts(report_chart(report, style("kk"), narrow=narrow))
    first = next(i for i, text in enumerate(texts) if text.startswith("•"))
    lines = [texts[first], *itertools.takewhile(lambda t: t.startswith("  "), texts[first + 1 :])]
    # The rows past the sixth counted in words: "… және тағы 33" ("and 33 more").
    assert len(lines) >= 2 and " ".join(map(str.strip, lines)).endswith("00000006 және тағы 33")
    pixels = imread(io.BytesIO(report_chart(report, style("kk"), "png", narrow=narrow)))
    band = pixels[-int(len(lines) * 14) :, :, :3]  # the notes: some 14 px a line
    inked = (band.min(axis=2) < 0.6).any(axis=0).nonzero()[0]
    assert inked.size and inked.max() < pixels.shape[1] - 8


def test_a_cut_chart_groups_the_digits_of_its_total() -> None:
    """The subtitle of a chart cut to 25 bars counts the rows as the tables do."""
    rows = [broadcast_row(n) for n in range(1, 1201)]
    report = Report("broadcasts", BROADCAST_COLUMNS, rows, period=WEEK)
    assert (
        bar_chart(report, style("ru")).subtitle == "25 из 1\xa0200 с наибольшим числом просмотров"
    )
    assert bar_chart(report, style("en")).subtitle == "the 25 with the most views of 1,200"
