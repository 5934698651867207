"""A report as one self-contained HTML file: headline, chart, table, footnotes.

The page has everything inline (style sheet, SVG chart), needs no script and
makes no request, so it can be mailed, shared or printed to PDF. It renders any
``Report`` generically — headline lines, its columns under their labels, its
rows, its footnotes — so a column or footnote a builder adds shows up here too.

Every string from outside (stream titles come from the platforms, programme
names and districts from the config) goes through ``escape``: markup is only ever
built by ``tag``, which escapes each text child and attribute value. ``Markup``
marks text already safe (built by ``tag``, or SVG drawn by matplotlib).
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from dataclasses import replace

from reports.curve import TOTAL, Curve
from reports.fmt import Style
from reports.html_page import CSS, html_label
from reports.labels import headline, label
from reports.periods import Period
from reports.render import COUNT_ORDER, MARK_SEPARATOR, change_text, note_text
from reports.report import (
    CHANGES,
    COMPARISON_COLUMNS,
    Cell,
    Note,
    Report,
    Row,
    column_kind,
    shows_changes,
)
from streamer import safe_text
from streamer.models import StreamStatus
from streamer.platforms import LABELS

NBSP = "\u00a0"
UNKNOWN = "—"  # an unknown figure; the legend under the table says it means n/a


class Markup(str):
    """HTML that is safe as it is: built by ``tag``, never taken from outside."""

    __slots__ = ()


def escape(text: object) -> Markup:
    """``text`` as HTML text: ``<``, ``>``, ``&`` and quotes escaped (Markup kept)."""
    return text if isinstance(text, Markup) else Markup(html.escape(str(text), quote=True))


def tag(name: str, *children: object, **attrs: str | None) -> Markup:
    """``<name attrs>children</name>``: attribute values and text children escaped.

    ``class_`` gives ``class``, ``data_label`` gives ``data-label``; a ``None``
    value leaves the attribute out.
    """
    parts = [
        f' {key.rstrip("_").replace("_", "-")}="{escape(value)}"'
        for key, value in attrs.items()
        if value is not None
    ]
    return Markup(f"<{name}{''.join(parts)}>{join(children)}</{name}>")


def join(children: Iterable[object]) -> Markup:
    """Children side by side, each escaped unless already Markup."""
    return Markup("".join(escape(child) for child in children))


# -- the chart: one small function, the only place that knows the chart module ---


def chart_svg(report: Report, style: Style, curve: Curve | None = None) -> Markup | None:
    """The report's chart as inline SVG; ``None`` when matplotlib is not installed."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return None
    from reports.chart_data import bar_chart
    from reports.charts import curve_chart, drawn_chart, inline_svg

    if curve is not None:
        return Markup(inline_svg(curve_chart(curve, style, "svg")))
    # A bar chart twice: the page shows the narrow one below 640 px (a phone), where the
    # wide one's text would be a third of its size.
    chart = bar_chart(report, style)
    wide = inline_svg(drawn_chart(chart, style), "wide")
    narrow = inline_svg(drawn_chart(chart, style, narrow=True), "narrow", "n-")
    return Markup(wide + narrow)


# -- pages -------------------------------------------------------------------------


def html_report(report: Report, style: Style) -> bytes:
    """A period report (summary, broadcasts, adherence) as a self-contained page."""
    period = report.period
    if period is not None and period.start.year == period.last_day.year:
        style = replace(style, with_year=False)  # the period line gives the year
    intro = [] if period is None else [tag("p", _period_line(period, style), class_="period")]
    lines = [
        headline(style.programme(programme), totals.live_broadcasts, totals.views, style.lang)
        for programme, totals in report.headlines
    ]
    if lines:
        intro.append(tag("ul", *(tag("li", line) for line in lines), class_="headlines"))
    if report.counts:
        intro.append(_counts(report, style))
    title = label(f"title.{report.kind}", style.lang)
    name = title if period is None else f"{title} — {period.label}"
    return page(title, style, intro, chart_svg(report, style), report, name=name)


def _period_line(period: Period, style: Style) -> str:
    """ "period: 30 Nov – 6 Dec 2026 (2026-W49)": the days first, a named period after."""
    days = style.span(period.start, period.last_day)
    named = "" if period.kind == "days" else f" ({period.label})"  # days: --from/--to
    return f"{label('period', style.lang)}: {days}{named}"


def html_curve(curve: Curve, report: Report, style: Style) -> bytes:
    """A broadcast's viewer curve: who and what, the peaks, the chart, the readings."""
    intro = [
        tag(
            "p",
            f"{style.programme(curve.programme)} · {safe_text.shown(curve.title)}",
            class_="intro",
        ),
        tag("ul", *(tag("li", line) for line in _peaks(curve, style)), class_="headlines"),
    ]
    title = f"{label('title.curve', style.lang)} — {curve.subject}"
    return page(title, style, intro, chart_svg(report, style, curve), report)


def page(
    title: str,
    style: Style,
    intro: Sequence[Markup],
    chart: Markup | None,
    report: Report,
    *,
    name: str = "",
) -> bytes:
    """The whole document: the intro and the chart, then the table and its footnotes.

    ``name`` is the document's name (a browser tab, a saved PDF), ``title`` by default.
    """
    lang = style.lang
    figure = (
        tag("p", html_label("no_charts", lang), class_="note")
        if chart is None
        else tag("figure", chart)
    )
    first = tag("section", tag("h1", title), *intro, figure, class_="first")
    table = tag(
        "section",
        tag("h2", html_label("table", lang)),
        tag("div", _table(report, style), class_="scroll"),
        tag("p", _legend(report, style), class_="legend"),
        _notes(report, style),
    )
    footer = tag("footer", f"{html_label('zone', lang)}: {style.tz.key} · streamer")
    head = join(
        [
            Markup('<meta charset="utf-8">'),
            Markup('<meta name="viewport" content="width=device-width, initial-scale=1">'),
            tag("title", name or title),
            tag("style", Markup(CSS)),
        ]
    )
    document = tag("html", tag("head", head), tag("body", first, table, footer), lang=lang)
    return f"<!DOCTYPE html>\n{document}\n".encode()


# -- the table ---------------------------------------------------------------------


# Summary columns the page leaves to CSV and JSON, as the console does: the unplanned
# streams (the page counts unplanned broadcasts), and the days a change compares,
# which a footnote names in words where they are not the whole periods.
PAGE_HIDDEN = {"summary": frozenset({"unplanned_streams", *COMPARISON_COLUMNS})}


def _table(report: Report, style: Style) -> Markup:
    # A change column shows under its figure, as on the console.
    under = {change for figure, change in CHANGES.items() if figure in report.columns}
    hidden = under | PAGE_HIDDEN.get(report.kind, frozenset())
    columns = [c for c in report.columns if c not in hidden]
    marks = _marks(report.notes)
    head = tag("thead", tag("tr", *(_th(c, style) for c in columns)))
    body = tag(
        "tbody",
        *(
            tag(
                "tr",
                *(
                    _td(report, style, row, column, marks.get((index, column), ()), i == 0)
                    for i, column in enumerate(columns)
                ),
            )
            for index, row in enumerate(report.rows)
        ),
    )
    return tag("table", head, body)


def _th(column: str, style: Style) -> Markup:
    numeric = column_kind(column) in ("int", "float")
    return tag("th", label(column, style.lang), class_="num" if numeric else None, scope="col")


def _td(
    report: Report, style: Style, row: Row, column: str, marks: Sequence[int], first: bool
) -> Markup:
    value = row.get(column)
    kind = column_kind(column)
    classes = ["num" if kind in ("int", "float") else kind if kind == "time" else column]
    if first:
        classes.append("first")
    content: list[object] = [_value(report, style, column, value)]
    if marks:  # one superscript, its links apart: "1,2", not "12"
        links = [tag("a", str(n), href=f"#note-{n}") for n in marks]
        apart = [part for link in links for part in (MARK_SEPARATOR, link)][1:]
        content.append(tag("sup", *apart))
    change = CHANGES.get(column)
    if change is not None and change in report.columns and row.get(change) is not None:
        content.append(tag("span", change_text(style, change, row[change]), class_="change"))
    # One span holds the cell, so a phone's card shows it as one piece beside its label.
    cell = tag("span", *content, class_="v")
    return tag("td", cell, class_=" ".join(classes), data_label=label(column, style.lang))


def _value(report: Report, style: Style, column: str, value: Cell) -> Markup:
    if value is None or (column == "district" and value == ""):  # a plan without one
        return tag("span", UNKNOWN, class_="na", title=label("n/a", style.lang))
    if report.kind == "summary" and column == report.subject:
        return escape(style.group(column, str(value)))
    if column == "status" and isinstance(value, str):
        return tag("span", style.cell(column, value), class_=f"chip {value}")
    if column == "findings" and isinstance(value, str):
        keys = [key for key in value.split(";") if key]
        chips = (tag("span", label(f"finding.{k}", style.lang), class_=f"chip {k}") for k in keys)
        return join(chips)
    if column == "platform" and value == TOTAL:
        return escape(label("total", style.lang))
    if column == "broadcast_id" and isinstance(value, str):
        # A stream key (instagram:85075392842981857) may break after its platform, and
        # nowhere else: not at the hyphen of an unplanned broadcast's u-4e8wpjg7.
        *heads, last = value.split(":")
        parts = [tag("span", f"{part}:", class_="id") for part in heads]
        return Markup("<wbr>".join([*parts, tag("span", last, class_="id")]))
    text = style.cell(column, value)
    if column_kind(column) == "time":
        # A narrow column may put the time of day under the date, never split the date.
        day, _, clock = text.rpartition(" ")
        text = f"{day.replace(' ', NBSP)} {clock}"
    return escape(text)


def _legend(report: Report, style: Style) -> str:
    legend = f"{UNKNOWN}: {label('n/a', style.lang)}"
    if shows_changes(report):
        legend = f"+n / −n: {label('change', style.lang)}; {legend}"
    return legend


# -- counts, peaks and footnotes ----------------------------------------------------


def _counts(report: Report, style: Style) -> Markup:
    chips = [
        tag(
            "li",
            f"{label(f'finding.{key}', style.lang)}: {style.number(report.counts[key])}",
            class_=f"chip {key}",
        )
        for key in COUNT_ORDER
        if report.counts.get(key)
    ]
    return tag("ul", *chips, class_="counts")


def _peaks(curve: Curve, style: Style) -> list[str]:
    """ "YouTube: peak 150 · 11:42" per line (the total first); n/a without readings."""
    lines = []
    for key, snaps in [(TOTAL, curve.total), *curve.series.items()]:
        name = label("total", style.lang) if key == TOTAL else LABELS.get(key, key)
        known = [
            s for s in snaps if s.concurrent_viewers is not None and s.status is StreamStatus.LIVE
        ]
        if not known:
            lines.append(f"{name}: {label('n/a', style.lang)}")
            continue
        peak = max(known, key=lambda s: s.concurrent_viewers or 0)
        at = peak.ts.astimezone(style.tz)
        number = style.number(peak.concurrent_viewers or 0)
        lines.append(f"{name}: {label('peak', style.lang)} {number} · {at:%H:%M}")
    return lines


def _marks(notes: Sequence[Note]) -> dict[tuple[int, str], tuple[int, ...]]:
    """Footnote numbers by (row, column): 1 for the first note, 2 for the second..."""
    marks: dict[tuple[int, str], tuple[int, ...]] = {}
    for number, note in enumerate(notes, start=1):
        for row in note.rows:
            for column in note.columns:
                marks[(row, column)] = (*marks.get((row, column), ()), number)
    return marks


def _notes(report: Report, style: Style) -> Markup:
    if not report.notes:
        return Markup("")
    items = (
        tag("li", note_text(note, report, style), id=f"note-{number}")
        for number, note in enumerate(report.notes, start=1)
    )
    return join([tag("h2", html_label("notes", style.lang)), tag("ol", *items, class_="notes")])
