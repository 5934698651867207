"""Charts as PNG or SVG with matplotlib, an optional extra (``pip install 'streamer[charts]'``).

Only the object-oriented API (``matplotlib.figure.Figure``) is used: no pyplot, no
backend state. The few settings a chart needs (the font, SVG text as text) are set
around each drawing under a lock, so charts are safe inside the daemon's threads.
Charts are drawn into memory; the caller writes the bytes (atomically) once all else
worked. ``report_chart(report, style)`` and ``curve_chart(curve, style)`` give SVG
by default; ``inline_svg`` makes that fit inside an HTML page.

Text is set in DejaVu Sans, which matplotlib bundles and which has every Kazakh and
Russian letter, so a chart reads the same on any machine. In SVG, text stays text
(selectable, searchable, checked by the tests) rather than outlines.
"""

from __future__ import annotations

import io
import re
import textwrap
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from reports.chart_bars import INK, MUTED, NA, NARROW_IN, WIDTH_IN, BarChart, draw_bars
from reports.chart_data import bar_chart
from reports.chart_text import short_title, text
from reports.curve import TOTAL, Curve
from reports.fmt import Style
from reports.labels import label
from reports.report import CHANGE_NOTE, Report
from streamer.errors import UserError
from streamer.models import StreamStatus
from streamer.platforms import LABELS

FORMATS = {".png": "png", ".svg": "svg"}
DPI = 100  # an 11-inch chart is 1,100 pixels wide
TITLE_IN = 0.8  # inches kept above the panels for the title and subtitle
TITLE_LINE_IN = 0.24  # a further line of a phone chart's title
NARROW_TITLE = 36  # characters of a phone chart's title a line
# A saved chart's notes under its panels: 8.5 points, wrapped to the chart's width.
MAX_NOTES = 5
NOTE_POINTS = 8.5
NOTE_SPACING = 1.3
NOTE_LINE_IN = NOTE_POINTS * NOTE_SPACING / 72  # inches a line
NOTES_PAD_IN = 0.25  # above and below the notes
NOTE_CHARS = 140  # characters a line on the 11-inch chart
NOTE_CHARS_NARROW = 56  # and on the phone's
# rcParams apply to the whole process, so each chart sets them under this lock.
_LOCK = threading.Lock()
_RC: dict[Any, Any] = {
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans"],
    "svg.fonttype": "none",  # <text> elements, not glyph outlines
    "svg.hashsalt": "streamer",  # the same ids on every run: byte-identical SVG
}
CURVE_COLOURS = {
    TOTAL: INK,
    "youtube": "#c53030",
    "facebook": "#2b6cb0",
    "instagram": "#b83280",
    "twitch": "#6b46c1",
}


def chart_format(path: Path) -> str:
    """``png`` or ``svg`` from the file name; a UserError if unsupported or not installed."""
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise UserError(f"--chart {path}: name the file .png or .svg")
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise UserError(
            "--chart needs matplotlib, an optional extra: pip install 'streamer[charts]'"
        ) from None
    return fmt


def report_chart(report: Report, style: Style, fmt: str = "svg", *, narrow: bool = False) -> bytes:
    """The chart of a summary, broadcasts or adherence report as PNG or SVG bytes;
    ``narrow``: the phone's (``NARROW_IN`` wide, panels one under another).

    A chart saved on its own is what gets pasted into a slide or a message, without
    the table and its footnotes: it carries the report's notes under its panels
    (``chart_notes``), so its figures keep their caveats (missed polls, low coverage,
    provisional figures, a platform that does not report one). The HTML page draws
    its charts without them (``drawn_chart``): its notes are under its table.
    """
    chart = bar_chart(report, style)
    return drawn_chart(chart, style, fmt, narrow=narrow, notes=chart_notes(report, style))


def drawn_chart(
    chart: BarChart,
    style: Style,
    fmt: str = "svg",
    *,
    narrow: bool = False,
    notes: Sequence[str] = (),
) -> bytes:
    """``chart`` drawn as ``report_chart`` draws it: a page drawing it twice (wide and
    for a phone) builds it once; ``notes``, each wrapped under the panels."""
    width = NOTE_CHARS_NARROW if narrow else NOTE_CHARS
    footer = [line for note in notes for line in textwrap.wrap(note, width, subsequent_indent="  ")]
    if narrow:
        return _render(chart.title, chart.subtitle, chart.narrow_height, fmt,
                       lambda f: draw_bars(f, chart, style, narrow=True), NARROW_IN,
                       footer)  # fmt: skip
    return _render(
        chart.title,
        chart.subtitle,
        chart.height,
        fmt,
        lambda f: draw_bars(f, chart, style),
        footer=footer,
    )


def chart_notes(report: Report, style: Style) -> list[str]:
    """The report's footnotes a chart on its own shows, as the table writes them (rows
    named): all but those on changes, which a chart does not draw; ``MAX_NOTES`` at
    most, then how many more the report has."""
    from reports.render import note_text  # the table's footnote words

    notes = [note for note in report.notes if not note.key.startswith(CHANGE_NOTE)]
    shown = [f"• {note_text(note, report, style)}" for note in notes[:MAX_NOTES]]
    if len(notes) > MAX_NOTES:
        shown.append(f"• {text('more_notes', style.lang, count=len(notes) - MAX_NOTES)}")
    return shown


def curve_chart(curve: Curve, style: Style, fmt: str = "svg") -> bytes:
    """Concurrent viewers over local time, one line per platform and the total, as
    PNG or SVG bytes; a curve without live readings says so in words."""
    heading = f"{label('title.curve', style.lang)} — {style.programme(curve.programme)}"
    return _render(
        heading, _curve_subtitle(curve, style), 5.0, fmt, lambda f: _draw_curve(f, curve, style)
    )


def inline_svg(payload: bytes, css_class: str = "", prefix: str = "") -> str:
    """An SVG chart as an ``<svg>`` element for an HTML page: no XML prolog, doctype,
    metadata or style sheet; ``css_class`` on the element, ``prefix`` before each of
    its ids (and every reference to one).

    Matplotlib's metadata names the generator with web addresses (nothing to show),
    and its style sheet says ``*{...}``, which inline would reach the whole page: the
    page's own style sheet gives its charts that rule instead. Two charts of one page
    draw the same hatches and clips under the same ids; a reference finds the first in
    the page, which the browser does not paint when its chart is hidden.
    """
    document = payload.decode("utf-8")
    element = document[document.index("<svg") :]
    element = re.sub(r"<metadata>.*?</metadata>\s*", "", element, flags=re.DOTALL)
    element = re.sub(r"<style[^>]*>[^<]*</style>\s*", "", element)
    if prefix:
        element = re.sub(r'\bid="([^"]+)"', rf'id="{prefix}\1"', element)
        element = re.sub(r"url\(#([^)]+)\)", rf"url(#{prefix}\1)", element)
        element = re.sub(r'href="#([^"]+)"', rf'href="#{prefix}\1"', element)
    if css_class:
        element = element.replace("<svg ", f'<svg class="{css_class}" ', 1)
    return element


def _render(
    heading: str,
    subtitle: str,
    height: float,
    fmt: str,
    draw: Callable[[Any], None],
    width: float = WIDTH_IN,
    footer: Sequence[str] = (),
) -> bytes:
    # A phone's chart wraps its title (12 points, NARROW_TITLE characters a line); each
    # line more adds to the band above the panels. The footer's lines (notes) add a
    # band below them, under the legend.
    narrow = width < WIDTH_IN
    lines = (textwrap.wrap(heading, NARROW_TITLE) or [""]) if narrow else [heading]
    extra = TITLE_LINE_IN * (len(lines) - 1)
    below = NOTES_PAD_IN + NOTE_LINE_IN * len(footer) if footer else 0.0
    height += extra + below
    with _settings():
        from matplotlib.figure import Figure
        from matplotlib.layout_engine import ConstrainedLayoutEngine

        # The title block sits in a fixed band; the panels fill what is left, above
        # the notes' band when there are notes (a subfigure of its own, so that the
        # panels' legend stays with them).
        layout = ConstrainedLayoutEngine(rect=(0, 0, 1, 1 - (TITLE_IN + extra) / height))
        figure = Figure(figsize=(width, height), dpi=DPI, layout=layout)
        panels: Any = figure
        if footer:
            above = height - TITLE_IN - extra - below
            parts: Any = figure.subfigures(2, 1, height_ratios=(above, below))
            panels, notes = parts
            notes.text(0.01, 1 - NOTES_PAD_IN / 2 / below, "\n".join(footer), va="top",
                       fontsize=NOTE_POINTS, color=MUTED, linespacing=NOTE_SPACING)  # fmt: skip
        size = 12 if narrow else 14
        if len(lines) == 1:
            figure.text(0.01, 1 - 0.28 / height, lines[0], fontsize=size, weight="bold", color=INK)
        else:  # hung from the top edge, as the single line's first pixel is
            figure.text(0.01, 1 - 0.1 / height, "\n".join(lines), fontsize=size, weight="bold",
                        color=INK, va="top", linespacing=1.25)  # fmt: skip
        figure.text(0.01, 1 - (0.58 + extra) / height, subtitle, fontsize=10, color=MUTED)
        draw(panels)
        return _save(figure, fmt)


@contextmanager
def _settings() -> Iterator[None]:
    from matplotlib import rc_context

    with _LOCK, rc_context(_RC):
        yield


def _draw_curve(figure: Any, curve: Curve, style: Style) -> None:
    axes = figure.add_subplot()
    if curve.planned is not None:
        start, end = (t.astimezone(style.tz) for t in curve.planned)
        axes.axvspan(start, end, color="#edf2f7", label=text("plan", style.lang), linewidth=0)
    drawn = 0
    for key, snaps in [(TOTAL, curve.total), *curve.series.items()]:
        drawn += _curve_line(axes, key, snaps, style)
    if not drawn:
        _no_live_data(axes, curve, style)
    axes.set_ylabel(label("concurrent_viewers", style.lang), color=MUTED)
    axes.set_xlabel(f"{text('local_time', style.lang)}, {style.tz.key}", color=MUTED)
    axes.set_ylim(bottom=0)
    axes.yaxis.set_major_formatter(_number_formatter(style))
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.grid(axis="y", color="#e2e8f0", linewidth=0.6)
    if axes.get_legend_handles_labels()[0]:
        # Beside the plot, where it never hides a line or the peak.
        figure.legend(loc="outside right upper", fontsize=9, frameon=False)
    low, high = axes.get_xlim()
    axes.set_xlim(low - (high - low) * 0.03, high + (high - low) * 0.03)
    _local_time_axis(axes, style)


def _curve_line(axes: Any, key: str, snaps: Any, style: Style) -> int:
    """Plot one platform (or the total); a platform without readings joins the legend
    as "n/a". Returns 1 when a line was drawn."""
    name = label("total", style.lang) if key == TOTAL else LABELS.get(key, key)
    points = [
        (s.ts.astimezone(style.tz), s.concurrent_viewers)
        for s in snaps
        if s.status is StreamStatus.LIVE and s.concurrent_viewers is not None
    ]
    if not points:
        if key != TOTAL:
            axes.plot([], [], color=NA, linestyle=":", label=f"{name}: {label('n/a', style.lang)}")
        return 0
    xs, ys = zip(*points, strict=True)
    total = key == TOTAL
    axes.plot(xs, ys, label=name, color=CURVE_COLOURS.get(key), linewidth=2.4 if total else 1.3)
    if total:
        peak = max(points, key=lambda p: p[1])
        words = f"{label('peak', style.lang)} {style.number(peak[1])} · {peak[0]:%H:%M}"
        axes.annotate(
            words, peak, xytext=(0, 8), textcoords="offset points", ha="center", fontsize=9
        )
        axes.set_ylim(top=peak[1] * 1.18)
    return 1


def _no_live_data(axes: Any, curve: Curve, style: Style) -> None:
    """Words across an empty plot: nothing was measured on air (and the status why)."""
    words = text("no_live_data", style.lang)
    if curve.status:
        words += f"\n{label('status', style.lang)}: {label(f'status.{curve.status}', style.lang)}"
    axes.text(
        0.5, 0.55, words, transform=axes.transAxes, ha="center", va="center", fontsize=12, color=INK
    )
    axes.set_yticks([])
    axes.set_ylim(0, 1)


def _curve_subtitle(curve: Curve, style: Style) -> str:
    moments = [s.ts for s in curve.total] or ([curve.planned[0]] if curve.planned else [])
    day = style.day(moments[0].astimezone(style.tz).date()) if moments else ""
    name = short_title({"title": curve.title, "programme": curve.programme}, style, 70)
    return " · ".join(p for p in (day, name, curve.subject) if p)


def _number_formatter(style: Style) -> Any:
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda x, _pos: style.number(x))


def _local_time_axis(axes: Any, style: Style) -> None:
    from matplotlib.dates import DateFormatter

    axes.xaxis.set_major_formatter(DateFormatter("%H:%M", tz=style.tz))  # type: ignore[no-untyped-call]


def _save(figure: Any, fmt: str) -> bytes:
    buffer = io.BytesIO()
    # A fixed date keeps SVG output byte-identical from run to run.
    metadata = {"Date": None} if fmt == "svg" else {}
    figure.savefig(buffer, format=fmt, metadata=metadata)
    return buffer.getvalue()
