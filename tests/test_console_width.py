"""Console reports at 80, 100 and 120 columns in kk, ru and en: nothing split, nothing cut.

Every report the console prints (summary by each grouping, broadcasts, adherence,
curve, plan list, plan show) is rendered at each width and language, on the week
demo (collected once for the module) and on a month whose titles are very long
Kazakh text. Each shown cell must appear whole on one line (figures, ids, times,
statuses), header words whole, titles wrapped at words (or shortened with "…"),
and the columns left out must be named in the footnote.
"""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from rich.console import Console

from reports.builders import build
from reports.curve import build_curve, render_curve
from reports.dataset import Dataset
from reports.fmt import Style
from reports.labels import label
from reports.layout import ELLIPSIS, PRIORITY, Column, Fitted, fit, plain, shorten
from reports.periods import parse_range
from reports.render import fit_columns, render_table
from reports.report import Report
from streamer.app.console import plan_columns, plan_table, show_grid
from streamer.config import Config, load_config
from streamer.models import Broadcast
from streamer.store import open_store
from tests.helpers.independent_worlds import Collected, week_demo
from tests.test_report_render import NOVEMBER, NOW, TZ, rollups_of, scenario_parts

WIDTHS = (80, 100, 120)
LANGS = ("kk", "ru", "en")
GROUPS = ("programme", "platform", "district", "month", "week")
LONG_TITLE = (
    "Адал көмек: Түркістан облысының тұрғындарына арналған тегін заң кеңесі және"
    " азаматтық істер бойынша сұрақтарға жауаптар"
)
LONG_WORD = "Сыбайластыққақарсықызметагенттігініңтікелейэфирі"


class Demo:
    """The week demo's folder, read once: config, data and the report period."""

    def __init__(self, collected: Collected) -> None:
        self.collected = collected
        self.config: Config = load_config(collected.config)
        self.data = Dataset.from_store(open_store(self.config.data_dir), self.config)
        self.period = parse_range(str(collected.first), str(collected.last), NOW, self.config.tz)

    def report(self, kind: str, by: str = "programme") -> Report:
        """The report of ``kind`` over the demo's week."""
        programmes = tuple(self.config.programmes)
        return build(kind, self.data, self.period, self.config.tz, by=by,
                     programmes=programmes, now=self.collected.finished)  # fmt: skip


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    """The simulator's week demo, collected once for the module."""
    return Demo(week_demo(tmp_path_factory.mktemp("week") / "demo"))


@pytest.fixture(scope="module")
def long_titles(demo: Demo) -> Dataset:
    """A hand-made month whose broadcasts have very long Kazakh titles."""
    plans, streams = scenario_parts()
    titled = [replace(b, title=LONG_WORD if i % 2 else LONG_TITLE) for i, b in enumerate(plans)]
    return Dataset(
        broadcasts={b.id: b for b in titled},
        streams={s.key: s for s, _ in streams},
        rollups=rollups_of(titled, streams),
        channel_programmes=demo.data.channel_programmes,
    )


def console(width: int) -> tuple[Console, io.StringIO]:
    buffer = io.StringIO()
    return Console(file=buffer, width=width, color_system=None, highlight=False), buffer


def check_whole(out: str, fitted: Fitted, width: int, lang: str) -> None:
    """Every shown cell and header word of ``fitted`` appears whole in ``out``."""
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= width, out
    padded = [f" {line} " for line in lines]
    rule = next(i for i, line in enumerate(lines) if "───" in line)
    header_tokens = {t for line in lines[:rule] for t in line.split()}
    for column, size in zip(fitted.shown, fitted.widths, strict=True):
        for word in column.header.split():
            assert word in header_tokens, f"header word {word!r} split:\n{out}"
        for cell in column.cells:
            shown = plain(shorten(cell, size) if column.wraps else cell)
            for part in shown.split("\n"):
                assert any(f" {part} " in line for line in padded), f"{part!r} split:\n{out}"
            if column.wraps:
                check_words(shown, plain(cell))
    if fitted.dropped:
        flat = " ".join(" ".join(lines).split())
        for column in fitted.dropped:
            assert label(column.key, lang) in flat, f"{column.key} not named:\n{out}"
        assert "--wide" in flat and "--format csv" in flat


def check_words(shown: str, full: str) -> None:
    """A wrapped title shows whole words of the title, a cut one only before "…"."""
    words = full.split()
    for token in shown.split():
        if token.endswith(ELLIPSIS):
            assert any(w.startswith(token[:-1]) for w in words), token
        else:
            assert token in words, token


def check_priority(fitted: Fitted, kind: str) -> None:
    """What drops out is the tail of the documented order; the first column stays."""
    order = [k for k in PRIORITY[kind] if k in {c.key for c in (*fitted.shown, *fitted.dropped)}]
    dropped = [c.key for c in fitted.dropped]
    assert order[: len(order) - len(dropped)] + dropped == order
    assert fitted.shown and order[0] in {c.key for c in fitted.shown}


def reports(demo: Demo) -> list[Report]:
    return [
        *(demo.report("summary", by) for by in GROUPS),
        demo.report("broadcasts"),
        demo.report("adherence"),
    ]


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("width", WIDTHS)
def test_demo_reports_fit_every_width_whole(demo: Demo, width: int, lang: str) -> None:
    """Summary (by programme, platform, district, month, week), broadcasts and adherence
    of the week demo fit the width with every header word and figure whole."""
    style = Style(lang, demo.config.tz, demo.config.programmes)
    for built in reports(demo):
        out_console, buffer = console(width)
        render_table(built, out_console, style)
        fitted = fit_columns(built, style, width)
        check_whole(buffer.getvalue(), fitted, width, lang)
        check_priority(fitted, built.kind)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("width", WIDTHS)
def test_long_kazakh_titles_wrap_at_words_or_end_in_ellipsis(
    long_titles: Dataset, demo: Demo, width: int, lang: str
) -> None:
    """Very long titles (and a title that is one long word) wrap at words or end in "…"."""
    style = Style(lang, TZ, demo.config.programmes)
    for kind in ("broadcasts", "adherence"):
        built = build(kind, long_titles, NOVEMBER, TZ, now=NOW)
        out_console, buffer = console(width)
        render_table(built, out_console, style)
        out = buffer.getvalue()
        check_whole(out, fit_columns(built, style, width), width, lang)
        assert "Түркістан" in out and ELLIPSIS in out  # wrapped words; the long word cut


def test_wide_shows_every_column_past_the_terminal(demo: Demo) -> None:
    """--wide keeps every column (the table is wider than 80) and says nothing is missing."""
    style = Style("kk", demo.config.tz, demo.config.programmes)
    built = demo.report("summary")
    out_console, buffer = console(80)
    render_table(built, out_console, style, wide=True)
    fitted = fit_columns(built, style, 80, wide=True)
    assert not fitted.dropped and fitted.width > 80
    assert fit_columns(built, style, 80).dropped  # without --wide some drop out at 80
    out = buffer.getvalue()
    assert "--wide" not in out
    check_whole(out, fitted, fitted.width, "kk")


@pytest.mark.parametrize("lang", LANGS)
def test_adherence_keeps_the_start_delay_at_80_columns(demo: Demo, lang: str) -> None:
    """The delay, the figure adherence is read for, stays at 80 columns in every
    language: the findings ("начало с опозданием") wrap at words before it drops out."""
    style = Style(lang, demo.config.tz, demo.config.programmes)
    fitted = fit_columns(demo.report("adherence"), style, 80)
    shown = [c.key for c in fitted.shown]
    assert "start_delay_min" in shown and "findings" in shown, shown


def test_a_phrase_column_narrows_to_its_longest_word_before_a_figure_drops() -> None:
    """Findings narrow to their longest word to keep a figure of higher priority, and
    take spare width back before a title grows past ``WRAP_MIN``; with room for all,
    nothing wraps."""
    title = Column("title", "title", [("a b " * 8).strip()])  # 31 characters
    findings = Column("findings", "findings", ["late start of the broadcast", "on time"])
    delay = Column("start_delay_min", "delay", ["17"], numeric=True)
    order = ("title", "findings", "start_delay_min")
    narrow = fit([title, findings, delay], 22 + 2 + 9 + 2 + 5 + 2, order, False)
    assert [c.key for c in narrow.shown] == ["title", "findings", "start_delay_min"]
    assert narrow.widths == [22, 9, 5]  # "broadcast" is the longest word
    roomy = fit([title, findings, delay], 22 + 2 + 20 + 2 + 5 + 2, order, False)
    assert roomy.widths == [22, 20, 5]  # the findings first, up to their width
    whole = fit([title, findings, delay], 80, order, False)
    assert whole.widths == [31, 27, 5]
    assert fit([title, findings, delay], 36, order, False).dropped == [delay]


def test_summary_headers_are_short_and_explained(demo: Demo) -> None:
    """A short header is explained in the legend ("plan = planned"), in the language."""
    for lang, pair in (("en", "plan = planned"), ("ru", "план = запланировано")):
        out_console, buffer = console(100)
        render_table(demo.report("summary"), out_console, Style(lang, demo.config.tz))
        assert pair in " ".join(buffer.getvalue().split())


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("width", WIDTHS)
def test_plan_list_fits_with_local_time(demo: Demo, width: int, lang: str) -> None:
    """plan list: ids, local starts and statuses whole; titles at words; local time shown."""
    items = sorted(demo.data.broadcasts.values(), key=lambda b: b.start)
    items += [long_plan(items[0], LONG_TITLE, "x1"), long_plan(items[0], LONG_WORD, "x2")]
    tz = demo.config.tz
    out_console, buffer = console(width)
    out_console.print(plan_table(items, tz, "plan", width=width, lang=lang))
    fitted = fit(plan_columns(items, tz, lang), width, PRIORITY["plan"], False)
    check_whole(buffer.getvalue(), fitted, width, lang)
    check_priority(fitted, "plan")
    assert f"{items[0].start.astimezone(tz):%Y-%m-%d %H:%M}" in buffer.getvalue()


def long_plan(item: Broadcast, title: str, suffix: str) -> Broadcast:
    return replace(item, id=item.id + suffix, title=title, start=item.start + timedelta(hours=1))


@pytest.mark.parametrize("width", WIDTHS)
def test_plan_show_gives_local_start_first_and_never_splits_words(demo: Demo, width: int) -> None:
    """plan show: the local start before the UTC one; the long title wraps at words."""
    item = long_plan(next(iter(demo.data.broadcasts.values())), LONG_TITLE, "x")
    out_console, buffer = console(width)
    out_console.print(show_grid(item, demo.config.tz))
    out = buffer.getvalue()
    assert out.index(f"start ({demo.config.tz.key})") < out.index("start (UTC)")
    tokens = set(out.split())
    assert all(word in tokens for word in LONG_TITLE.split())
    assert max(len(line) for line in out.splitlines()) <= width


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("width", WIDTHS)
def test_curve_fits_with_its_peak_whole(demo: Demo, width: int, lang: str) -> None:
    """The viewer curve's sparkline fits the width; the peak figure is on one line."""
    store = open_store(demo.config.data_dir)
    item = next(b for b in demo.data.broadcasts.values() if b.status == "held")
    streams = [s for s in demo.data.streams.values() if s.broadcast_id == item.id]
    snaps = store.snapshots(item.start - timedelta(hours=1), item.end + timedelta(hours=2),
                            [s.key for s in streams])  # fmt: skip
    interval = demo.config.collector.live_interval
    curve = build_curve(item.id, item.title, item.programme, streams, snaps, interval,
                        planned=(item.start, item.end))  # fmt: skip
    out_console, buffer = console(width)
    render_curve(curve, out_console, Style(lang, demo.config.tz, demo.config.programmes))
    lines = buffer.getvalue().splitlines()
    assert max(len(line) for line in lines) <= width
    assert any(re.search(r"\d", line) for line in lines[1:])


def test_demo_folder_is_the_week(demo: Demo) -> None:
    """The fixture holds the demo's week: every report above has rows to show."""
    assert Path(demo.collected.config).exists()
    assert all(r.rows for r in reports(demo))
