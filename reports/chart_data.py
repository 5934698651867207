"""What each report's chart shows, as a ``BarChart``: pure functions over report rows.

- **summary**: live broadcasts, views, peak concurrent and viewer-minutes per group.
- **broadcasts**: views and peak concurrent per broadcast, coloured by status.
- **adherence**: start delay and overrun per broadcast, coloured by finding.

At most ``MAX_BARS`` rows go on a picture; when there are more, the subtitle says
which ones were kept (the most viewed, the latest, or the off-plan ones first).
"""

from __future__ import annotations

from collections.abc import Sequence

from reports.chart_bars import MAX_BARS, Bar, BarChart
from reports.chart_text import broadcast_text, group_text, text, title
from reports.fmt import Style
from reports.labels import label
from reports.report import Report, Row

BLUE = "#2b6cb0"
# Okabe–Ito colours: told apart with the common colour-vision deficiencies too.
FINDING_COLOURS = {
    "on_time": "#009e73",
    "late_start": "#e69f00",
    "early_start": "#56b4e9",
    "no_show": "#d55e00",
    "overrun": "#cc79a7",
    "unplanned": "#0072b2",
    "second_stream": "#8c6d31",
    "cancelled": "#718096",
    "pending": "#a0aec0",
}
STATUS_COLOURS = {
    "held": BLUE,
    "live": "#009e73",
    "unplanned": "#e69f00",
    "missed": "#d55e00",
    "cancelled": "#718096",
    "planned": "#a0aec0",
}
NO_FIGURES = ("missed", "cancelled", "planned")  # statuses with nothing to count yet
SUMMARY_FIGURES = ("live_broadcasts", "views", "peak_concurrent", "viewer_minutes")
# Findings that make a row a band (no start to measure) rather than bars.
BAND_FINDINGS = ("no_show", "unplanned", "second_stream", "cancelled", "pending")


def bar_chart(report: Report, style: Style) -> BarChart:
    """The chart of a summary, broadcasts or adherence report."""
    if report.kind == "summary":
        return summary_chart(report, style)
    if report.kind == "adherence":
        return adherence_chart(report, style)
    return broadcasts_chart(report, style)


def summary_chart(report: Report, style: Style) -> BarChart:
    """Four panels per group; more groups than fit: the latest months or weeks, or the
    groups with the most views."""
    by = report.columns[0]
    rows = report.rows
    note = ""
    if len(rows) > MAX_BARS:
        calendar = by in ("month", "week")
        rows = rows[-MAX_BARS:] if calendar else _most_viewed(rows)
        note = text(
            "latest" if calendar else "top",
            style.lang,
            shown=MAX_BARS,
            total=style.number(len(report.rows)),
        )
    bars = tuple(
        Bar(
            group_text(by, str(row[by]), style),
            tuple(_summary_value(row, key) for key in SUMMARY_FIGURES),
            (BLUE,) * len(SUMMARY_FIGURES),
        )
        for row in rows
    )
    return BarChart(
        empty=text("empty", style.lang),
        title=title("title.summary", report.period, style),
        subtitle=_join(text(f"by.{by}", style.lang), note),
        panels=tuple(text(key, style.lang) for key in SUMMARY_FIGURES),
        bars=bars,
    )


def broadcasts_chart(report: Report, style: Style) -> BarChart:
    """Views and peak concurrent per broadcast; a missed one says so instead of a 0."""
    rows = report.rows
    note = text("all", style.lang, total=style.number(len(rows)))
    if len(rows) > MAX_BARS:
        rows = _most_viewed(rows)
        note = text("top", style.lang, shown=MAX_BARS, total=style.number(len(report.rows)))
    # A report without a status column (a generic one) gets plain bars and no legend.
    statuses = list(dict.fromkeys(str(row["status"]) for row in rows if row.get("status")))
    bars = tuple(_broadcast_bar(row, style) for row in rows)
    return BarChart(
        empty=text("empty", style.lang),
        title=title("title.broadcasts", report.period, style),
        subtitle=note,
        panels=(label("views", style.lang), label("peak_concurrent", style.lang)),
        bars=bars,
        legend=tuple(
            (label(f"status.{s}", style.lang), STATUS_COLOURS.get(s, BLUE)) for s in statuses
        ),
    )


def adherence_chart(report: Report, style: Style) -> BarChart:
    """Start delay and overrun per broadcast in their findings' colours; the legend
    counts every finding of the report, shown or not."""
    rows = report.rows
    note = text("all", style.lang, total=style.number(len(rows)))
    if len(rows) > MAX_BARS:
        off_plan = [r for r in rows if _findings(r) != ["on_time"]][:MAX_BARS]
        on_time = [r for r in rows if _findings(r) == ["on_time"]][: MAX_BARS - len(off_plan)]
        kept = {id(r) for r in off_plan + on_time}
        rows = [r for r in rows if id(r) in kept]  # still in date order
        note = text(
            "off_plan_first", style.lang, shown=MAX_BARS, total=style.number(len(report.rows))
        )
    counts = report.counts or _count(report.rows)
    legend = tuple(
        (f"{label(f'finding.{key}', style.lang)} ({counts[key]})", colour)
        for key, colour in FINDING_COLOURS.items()
        if counts.get(key)
    )
    return BarChart(
        empty=text("empty", style.lang),
        title=title("title.adherence", report.period, style),
        subtitle=note,
        panels=(label("start_delay_min", style.lang), label("overrun_min", style.lang)),
        bars=tuple(_adherence_bar(row, style) for row in rows),
        legend=legend,
        signed=True,
    )


def _summary_value(row: Row, key: str) -> float | None:
    if key == "live_broadcasts" and "live_broadcasts" not in row:
        # Times on air: broadcasts held plus unplanned streams (as the headline counts).
        return _number(row.get("broadcasts_held")) + _number(row.get("unplanned_streams"))
    value = row.get(key)
    return float(value) if isinstance(value, int | float) else None


def _broadcast_bar(row: Row, style: Style) -> Bar:
    status = str(row.get("status") or "")
    colour = STATUS_COLOURS.get(status, BLUE)
    note = label(f"status.{status}", style.lang) if status in NO_FIGURES else ""
    values = tuple(_known(row.get(k)) for k in ("views", "peak_concurrent"))
    return Bar(broadcast_text(row, style), values, (colour, colour), note)


def _adherence_bar(row: Row, style: Style) -> Bar:
    found = _findings(row)
    band = next((f for f in BAND_FINDINGS if f in found), None)
    if band is not None:
        colour = FINDING_COLOURS[band]
        words = label(f"finding.{band}", style.lang)
        return Bar(broadcast_text(row, style), (None, None), (colour, colour), words)
    delay = next((f for f in ("late_start", "early_start") if f in found), "on_time")
    overrun = "overrun" if "overrun" in found else "on_time"
    values = (_known(row.get("start_delay_min")), _known(row.get("overrun_min")))
    colours = (FINDING_COLOURS[delay], FINDING_COLOURS[overrun])
    return Bar(broadcast_text(row, style), values, colours)


def _findings(row: Row) -> list[str]:
    return str(row.get("findings") or "").split(";")


def _count(rows: Sequence[Row]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for row in rows:
        for key in _findings(row):
            counts[key] = counts.get(key, 0) + 1
    return counts


def _most_viewed(rows: Sequence[Row]) -> list[Row]:
    """The ``MAX_BARS`` rows with the most views, most first (unknown views last)."""
    return sorted(rows, key=lambda r: -_number(r.get("views")))[:MAX_BARS]


def _known(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def _number(value: object) -> float:
    return float(value) if isinstance(value, int | float) else 0.0


def _join(*parts: str) -> str:
    return " · ".join(p for p in parts if p)
