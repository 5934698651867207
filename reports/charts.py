"""Charts as PNG or SVG with matplotlib, an optional extra (``pip install 'streamer[charts]'``).

Only the object-oriented API (``matplotlib.figure.Figure``) is used: no pyplot, no
global backend state, so charts are safe inside the daemon's threads. Charts are
drawn into memory; the caller writes the bytes (atomically) once all else worked.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from reports.curve import TOTAL, Curve
from reports.fmt import PLATFORM_NAMES, Style
from reports.labels import label
from reports.report import Report
from streamer.errors import UserError
from streamer.models import StreamStatus

FORMATS = {".png": "png", ".svg": "svg"}


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


def report_chart(report: Report, style: Style, fmt: str) -> bytes:
    """A bar chart of the report: views per group, views per broadcast, or start delays."""
    if report.kind == "adherence":
        figure_key, values = "start_delay_min", "start_delay_min"
    else:
        figure_key, values = "views", "views"
    first = report.columns[0]
    names = [
        style.group(first, str(row[first])) if report.kind == "summary" else str(row[first])
        for row in report.rows
    ]
    numbers = [
        float(v) if isinstance(v := row.get(values), int | float) else 0.0 for row in report.rows
    ]
    figure, axes = _figure(max(4.0, 0.35 * len(names) + 1.5))
    axes.barh(names, numbers, color="#2b6cb0")
    axes.invert_yaxis()
    axes.set_xlabel(label(figure_key, style.lang))
    title = label(f"title.{report.kind}", style.lang)
    axes.set_title(title if report.period is None else f"{title} — {report.period.label}")
    return _save(figure, fmt)


def curve_chart(curve: Curve, style: Style, fmt: str) -> bytes:
    """Concurrent viewers over local time: one line per platform and the total."""
    figure, axes = _figure(4.5)
    lines = [(TOTAL, curve.total), *curve.series.items()]
    for key, snaps in lines:
        points = [
            (s.ts.astimezone(style.tz), s.concurrent_viewers)
            for s in snaps
            if s.status is StreamStatus.LIVE and s.concurrent_viewers is not None
        ]
        if points:
            name = label("total", style.lang) if key == TOTAL else PLATFORM_NAMES.get(key, key)
            xs, ys = zip(*points, strict=True)
            axes.plot(xs, ys, label=name, linewidth=2.2 if key == TOTAL else 1.2)
    axes.set_ylabel(label("concurrent_viewers", style.lang))
    axes.set_title(f"{curve.subject} · {style.programme(curve.programme)}")
    if axes.lines:
        axes.legend()
    _local_time_axis(axes, style)
    return _save(figure, fmt)


def _figure(height: float) -> tuple[Any, Any]:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(10, height), layout="constrained")
    return figure, figure.add_subplot()


def _local_time_axis(axes: Any, style: Style) -> None:
    from matplotlib.dates import DateFormatter

    axes.xaxis.set_major_formatter(DateFormatter("%H:%M", tz=style.tz))  # type: ignore[no-untyped-call]


def _save(figure: Any, fmt: str) -> bytes:
    buffer = io.BytesIO()
    # A fixed date keeps SVG output byte-identical from run to run.
    metadata = {"Date": None} if fmt == "svg" else {}
    figure.savefig(buffer, format=fmt, metadata=metadata)
    return buffer.getvalue()
