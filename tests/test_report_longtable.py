"""Long report tables drawn by ``reports.longtable`` read exactly as rich's table.

Each report of the hand-made month (and of the month with very long Kazakh titles)
is rendered twice: with the long-table path for every table and with rich's own
table for every table. The plain text must be identical, in each language and width;
on a colour console the visible text is identical and the styles are still there.
A cell rich would lay out differently (a character two columns wide) sends the table
to rich.
"""

from __future__ import annotations

import io
import re
from dataclasses import replace

import pytest
from rich.console import Console

from reports import longtable
from reports.builders import build
from reports.dataset import Dataset, channel_programmes
from reports.fmt import Style
from reports.render import render_table
from reports.report import Report
from streamer.config import Config, load_config, starter_config
from tests.test_report_render import NOVEMBER, NOW, PROGRAMMES, TZ, rollups_of, scenario_parts

ANSI = re.compile(r"\x1b\[[0-9;]*m")
KINDS = ("summary", "broadcasts", "adherence")
LONG_TITLE = "Адал көмек: Түркістан облысының тұрғындарына арналған тегін заң кеңесі"


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Config:
    """The starter config (its programmes name the hand-made month's channels)."""
    path = tmp_path_factory.mktemp("cfg") / "streamer.toml"
    path.write_text(starter_config(), encoding="utf-8")
    return load_config(path)


@pytest.fixture(scope="module")
def data(config: Config) -> Dataset:
    """The hand-made November of ``tests.test_report_render``."""
    plans, streams = scenario_parts()
    return Dataset(
        {b.id: b for b in plans},
        {s.key: s for s, _ in streams},
        rollups_of(plans, streams),
        channel_programmes(config),
    )


def drawn(
    report: Report, config: Config, lang: str, width: int, *, long: bool, colour: bool = False
) -> str:
    """The console report, every table long-drawn (``long``) or every one by rich."""
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, force_terminal=colour, color_system="standard"
                      if colour else None, highlight=False, soft_wrap=False)  # fmt: skip
    limit = 0 if long else 10**9
    saved, longtable.LONG_ROWS = longtable.LONG_ROWS, limit
    try:
        render_table(report, console, Style(lang, TZ, config.programmes))
    finally:
        longtable.LONG_ROWS = saved
    return buffer.getvalue()


def month(data: Dataset, kind: str) -> Report:
    """The report of ``kind`` over the hand-made November."""
    return build(kind, data, NOVEMBER, TZ, by="programme", programmes=PROGRAMMES, now=NOW)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("lang", ["en", "ru", "kk"])
@pytest.mark.parametrize("width", [80, 120, 160])
def test_long_table_text_is_riches_text(
    data: Dataset,
    config: Config,
    kind: str,
    lang: str,
    width: int,
) -> None:
    """Every report kind, language and width: the long-drawn table prints the same text."""
    report = month(data, kind)
    assert drawn(report, config, lang, width, long=True) == drawn(
        report, config, lang, width, long=False
    )


@pytest.mark.parametrize("kind", ["broadcasts", "adherence"])
def test_long_titles_wrap_the_same(config: Config, data: Dataset, kind: str) -> None:
    """Titles wrapped over several lines (and shortened with "…") give the same rows."""
    plans, streams = scenario_parts()
    titled = [replace(b, title=LONG_TITLE * (1 + i % 3)) for i, b in enumerate(plans)]
    long_data = Dataset(
        {b.id: b for b in titled},
        {s.key: s for s, _ in streams},
        rollups_of(titled, streams),
        data.channel_programmes,
    )
    report = month(long_data, kind)
    text = drawn(report, config, "kk", 100, long=True)
    assert "…" in text
    assert text == drawn(report, config, "kk", 100, long=False)


@pytest.mark.parametrize("kind", KINDS)
def test_colour_console_shows_the_same_text_with_styles(
    data: Dataset,
    config: Config,
    kind: str,
) -> None:
    """On a colour terminal the visible text is the same, drawn with the same styles."""
    report = month(data, kind)
    fast = drawn(report, config, "en", 120, long=True, colour=True)
    slow = drawn(report, config, "en", 120, long=False, colour=True)
    assert ANSI.sub("", fast) == ANSI.sub("", slow)
    assert set(ANSI.findall(fast)) == set(ANSI.findall(slow))
    assert "\x1b[1m" in fast  # the bold header


def test_a_double_width_title_goes_to_rich(config: Config, data: Dataset) -> None:
    """A title of characters two columns wide is laid out by rich, as before."""
    plans, streams = scenario_parts()
    titled = [replace(b, title="直播节目" * 8) for b in plans]
    wide = Dataset(
        {b.id: b for b in titled},
        {s.key: s for s, _ in streams},
        rollups_of(titled, streams),
        data.channel_programmes,
    )
    report = month(wide, "broadcasts")
    assert drawn(report, config, "en", 120, long=True) == drawn(
        report, config, "en", 120, long=False
    )


@pytest.mark.parametrize("long", [True, False])
def test_titles_that_look_like_markup_print_as_written(
    config: Config, data: Dataset, long: bool
) -> None:
    """Cells are kept as plain strings where they have no style; neither table reads
    one as rich markup: a title with brackets prints as it was written."""
    plans, streams = scenario_parts()
    title = "[bold red]Адал[/] [link=x]ok[/link] :smile:"
    titled = [replace(b, title=title) for b in plans]
    marked = Dataset(
        {b.id: b for b in titled},
        {s.key: s for s, _ in streams},
        rollups_of(titled, streams),
        data.channel_programmes,
    )
    text = drawn(month(marked, "broadcasts"), config, "en", 200, long=long)
    assert title in text


@pytest.mark.parametrize("width", [5, 12, 22, 40])
@pytest.mark.parametrize(
    "text",
    [LONG_TITLE, LONG_TITLE * 2, "a " * 40, "x" * 70, "one\ntwo three four five six seven", ""],
)
def test_shorten_gives_a_string_the_text_it_gives_rich_text(text: str, width: int) -> None:
    """A plain cell is wrapped and shortened exactly as the same text in rich ``Text``."""
    from rich.text import Text

    from reports.layout import shorten

    as_str = shorten(text, width)
    as_text = shorten(Text(text, style="bold"), width)
    assert isinstance(as_str, str)
    assert isinstance(as_text, Text)
    assert as_str == as_text.plain
    assert all(len(line) <= width for line in as_str.split("\n")) or "\n" in text


@pytest.mark.parametrize("lang", ["en", "kk"])
@pytest.mark.parametrize("width", [80, 160])
@pytest.mark.parametrize("colour", [False, True])
def test_a_long_plan_list_reads_as_riches_table(lang: str, width: int, colour: bool) -> None:
    """``plan list`` draws a long plan the same way: the same text as rich's table (and
    on a colour console the same styles), a title with brackets as written."""
    from streamer.app.console import plan_table

    plans, _ = scenario_parts()
    titled = [replace(b, title=f"[b]{b.title}[/b] {LONG_TITLE[: 20 * i]}") for i, b in
              enumerate(plans)]  # fmt: skip

    def drawn_plan(limit: int) -> str:
        buffer = io.StringIO()
        console = Console(file=buffer, width=width, force_terminal=colour, highlight=False,
                          color_system="standard" if colour else None, soft_wrap=False)  # fmt: skip
        saved, longtable.LONG_ROWS = longtable.LONG_ROWS, limit
        try:
            console.print(plan_table(titled, TZ, "plan", width=width, lang=lang))
        finally:
            longtable.LONG_ROWS = saved
        return buffer.getvalue()

    fast, slow = drawn_plan(0), drawn_plan(10**9)
    assert ANSI.sub("", fast) == ANSI.sub("", slow)
    assert set(ANSI.findall(fast)) == set(ANSI.findall(slow))
    assert "[b]" in ANSI.sub("", fast)


def test_fit_formats_no_column_past_the_first_that_does_not_fit() -> None:
    """Columns come in by priority until one does not fit; that one is measured, the
    ones after it are never formatted (``LazyCells``), and what is shown is the same
    as with cells made up front."""
    from reports.layout import Column, LazyCells, fit

    formatted: list[str] = []

    def cells(key: str, text: str) -> LazyCells:
        def make() -> list[str]:
            formatted.append(key)
            return [text] * 3

        return LazyCells(make)

    specs = [("a", "x" * 10), ("b", "y" * 30), ("c", "z" * 10), ("d", "w" * 5)]
    lazy = [Column(key, key, cells(key, text)) for key, text in specs]
    fitted = fit(lazy, 40, ("a", "b", "c", "d"), wide=False)
    assert [c.key for c in fitted.shown] == ["a"] and formatted == ["a", "b"]
    eager = [Column(key, key, [text] * 3) for key, text in specs]
    again = fit(eager, 40, ("a", "b", "c", "d"), wide=False)
    assert again.widths == fitted.widths and [c.key for c in again.dropped] == ["b", "c", "d"]
    assert fit(lazy, 40, ("a", "b", "c", "d"), wide=True).widths == [10, 30, 10, 5]
