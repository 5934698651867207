"""Horizontal bar panels sharing one list of rows: the drawing behind the report charts.

A ``BarChart`` is plain data (labels, numbers, colours, words); ``draw_bars`` puts it
on a matplotlib ``Figure``. Every bar carries its value as text. A figure that is not
known is a hatched grey band saying "n/a", and a row that has no figure for a reason
(a no-show, a missed broadcast) is a tinted band saying so: neither ever looks like
a bar of 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from reports.chart_text import shorten
from reports.fmt import Style
from reports.labels import label

MAX_BARS = 25  # more rows than this on one picture cannot be read at a glance
BAR_HEIGHT_IN = 0.34  # inches per row
HEADER_IN = 1.0  # title and subtitle above the panels
FOOTER_IN = 0.45  # the x axis below them
LEGEND_IN = 0.4  # a legend row under the axis
WIDTH_IN = 11.0
# A phone's chart (the HTML page below 640 px): 4.4 inches, shown about 360 px wide, so
# 9-point text stays near 10 px. Its panels stand one under another, and each row's
# label sits above its bar, cut to ``NARROW_LABEL`` characters.
NARROW_IN = 4.4
NARROW_ROW_IN = 0.5  # a label line and a bar
NARROW_PANEL_IN = 0.75  # a panel's title and its x axis
NARROW_LABEL = 56
NARROW_BAR_AT = 0.2  # a phone's bar sits this far below its row's centre, under its label
NARROW_BAR = 0.42  # its thickness, in rows
NARROW_LABEL_AT = -0.24  # and its label this far above the centre
NARROW_LABEL_INSET = 3.0  # points: a label starts clear of the axis line, not on it
INK, MUTED, NA = "#1a202c", "#4a5568", "#a0aec0"


@dataclass(frozen=True, slots=True)
class Bar:
    """One row: its label, a value per panel (``None``: n/a), a colour per panel, and
    a word shown instead of the values when the row has none (a status)."""

    label: str
    values: tuple[float | None, ...]
    colours: tuple[str, ...]
    note: str = ""


@dataclass(frozen=True, slots=True)
class BarChart:
    """What a report chart shows: title, subtitle, panel names, rows and a legend."""

    title: str
    subtitle: str
    panels: tuple[str, ...]
    bars: tuple[Bar, ...]
    legend: tuple[tuple[str, str], ...] = ()  # (words, colour)
    signed: bool = False  # values are changes (a start delay): shown with their sign
    empty: str = ""  # what an empty chart says instead of bars

    @property
    def height(self) -> float:
        """Inches: a fixed header and footer, and a band per row (at most ``MAX_BARS``)."""
        rows = max(3, len(self.bars))
        return HEADER_IN + FOOTER_IN + rows * BAR_HEIGHT_IN + (LEGEND_IN if self.legend else 0)

    @property
    def narrow_height(self) -> float:
        """Inches of the phone's chart: the header, each panel's rows, the legend."""
        rows = max(2, len(self.bars))
        panel = NARROW_PANEL_IN + rows * NARROW_ROW_IN
        legend = 2 * LEGEND_IN if self.legend else 0  # two entries a line
        return HEADER_IN + len(self.panels) * panel + legend


def draw_bars(figure: Any, chart: BarChart, style: Style, *, narrow: bool = False) -> None:
    """Draw ``chart`` on ``figure``: one panel per figure, row labels on the left; or,
    ``narrow``, panels one under another with each label above its bar."""
    if narrow:
        _draw_narrow(figure, chart, style)
        return
    axes_list = figure.subplots(1, len(chart.panels), sharey=True, squeeze=False)[0]
    positions = list(range(len(chart.bars)))
    for index, (axes, name) in enumerate(zip(axes_list, chart.panels, strict=True)):
        _panel(axes, chart, index, style)
        axes.set_title(name, fontsize=10, color=MUTED, loc="left")
    first = axes_list[0]
    first.set_yticks(positions, [bar.label for bar in chart.bars], fontsize=9)
    first.set_ylim(max(len(chart.bars), 1) - 0.5, -0.5)  # the first row on top
    if not chart.bars:
        _empty(first, chart)
    if chart.legend:
        _legend(figure, chart.legend)


def _draw_narrow(figure: Any, chart: BarChart, style: Style) -> None:
    """The phone's chart: a panel a figure, one under another, each row a line of label
    over its bar (``NARROW_BAR_AT`` below the row's centre)."""
    from matplotlib.transforms import offset_copy

    rows = max(len(chart.bars), 1)
    for index, name in enumerate(chart.panels):
        axes = figure.add_subplot(len(chart.panels), 1, index + 1)
        inset = offset_copy(axes.get_yaxis_transform(), fig=figure, x=NARROW_LABEL_INSET,
                            units="points")  # fmt: skip
        _panel(axes, chart, index, style, at=NARROW_BAR_AT, thickness=NARROW_BAR)
        axes.set_title(name, fontsize=10, color=MUTED, loc="left")
        axes.set_yticks([])
        axes.set_ylim(rows - 0.5, -0.5)  # the first row on top
        for row, bar in enumerate(chart.bars):
            axes.text(0.0, row + NARROW_LABEL_AT, shorten(bar.label, NARROW_LABEL), fontsize=9,
                      color=INK, va="center", ha="left", transform=inset)  # fmt: skip
        if not chart.bars:
            _empty(axes, chart)
    if chart.legend:
        _legend(figure, chart.legend, columns=2)


def _empty(axes: Any, chart: BarChart) -> None:
    """What an empty chart says, where its first row would be."""
    axes.text(0.02, 0, chart.empty, va="center", fontsize=10, color=MUTED,
              transform=axes.get_yaxis_transform())  # fmt: skip


def _panel(
    axes: Any,
    chart: BarChart,
    index: int,
    style: Style,
    *,
    at: float = 0.0,
    thickness: float = 0.7,
) -> None:
    """One figure's bars, values written at their ends, n/a and notes as bands (each
    ``thickness`` high, ``at`` below its row's centre)."""
    known = [b.values[index] for b in chart.bars if b.values[index] is not None and not b.note]
    low = min([0.0, *(v for v in known if v is not None)])
    high = max([0.0, *(v for v in known if v is not None)])
    span = (high - low) or 1.0
    # Room for the value text beyond the longest bar on either side.
    axes.set_xlim(low - (0.3 * span if low < 0 else 0), high + 0.3 * span)
    for row, bar in enumerate(chart.bars):
        value = bar.values[index]
        where = row + at
        if bar.note:
            _band(axes, where, bar.note, bar.colours[index], None, thickness)
        elif value is None:
            _band(axes, where, label("n/a", style.lang), NA, "////", thickness)
        else:
            axes.barh(where, value, height=thickness, color=bar.colours[index])
            words = _value_text(value, chart.signed, style)
            axes.annotate(
                words,
                (value, where),
                xytext=(-4 if value < 0 else 4, 0),
                textcoords="offset points",
                ha="right" if value < 0 else "left",
                va="center",
                fontsize=9,
                color=INK,
            )
    axes.axvline(0, color=MUTED, linewidth=0.8)
    axes.tick_params(axis="x", labelsize=8, colors=MUTED)
    axes.tick_params(axis="y", length=0)
    axes.xaxis.set_major_locator(_few_ticks())
    axes.xaxis.set_major_formatter(_number_formatter(style))
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.grid(axis="x", color="#e2e8f0", linewidth=0.6)
    axes.set_axisbelow(True)


def _band(
    axes: Any, row: float, words: str, colour: str, hatch: str | None, thickness: float = 0.7
) -> None:
    """A full-width band across the panel with ``words``: no figure here, and why."""
    low, high = row - thickness / 2, row + thickness / 2
    if hatch is None:
        axes.axhspan(low, high, color=colour, alpha=0.14, linewidth=0)
    else:
        axes.axhspan(low, high, facecolor="none", edgecolor="#cbd5e0", hatch=hatch, linewidth=0)
    axes.text(
        0.02,
        row,
        words,
        transform=axes.get_yaxis_transform(),
        va="center",
        fontsize=9,
        color=colour if hatch is None else MUTED,
        fontweight="bold" if hatch is None else "normal",
        bbox={"facecolor": "white", "edgecolor": "none", "pad": 1.0},
    )


def _value_text(value: float, signed: bool, style: Style) -> str:
    """Whole numbers: a viewer-minute or a minute of delay more says nothing here."""
    return style.signed(value) if signed and round(value) != 0 else style.number(value)


def _few_ticks() -> Any:
    from matplotlib.ticker import MaxNLocator

    # Grouped numbers ("60 000") are wide: four ticks never run into each other. Whole
    # ticks even where fewer than two fit (a panel of zeros spans 0 to 0.3): asked for
    # two, the locator fell back to 0, 0.08, 0.16, 0.24, all written "0".
    return MaxNLocator(nbins=4, integer=True, min_n_ticks=1)


def _number_formatter(style: Style) -> Any:
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda x, _pos: style.number(x))


def _legend(figure: Any, entries: Sequence[tuple[str, str]], columns: int = 4) -> None:
    from matplotlib.patches import Patch

    handles = [Patch(facecolor=colour, label=words) for words, colour in entries]
    figure.legend(
        handles=handles,
        loc="outside lower center",
        ncols=min(len(handles), columns),
        frameon=False,
        fontsize=9,
    )
