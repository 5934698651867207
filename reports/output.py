"""Report output as bytes, ready for ``streamer.files.write_atomic``.

Rendering to bytes first, writing second, is what lets a command or a scheduled
job check and build everything before it touches a file.
"""

from __future__ import annotations

import io

from reports.export import report_json, write_csv
from reports.fmt import Style
from reports.render import render_text
from reports.report import Report

FORMATS = ("table", "csv", "json", "txt")


def render_bytes(report: Report, fmt: str, style: Style) -> bytes:
    """The report in ``fmt``: ``csv``, ``json``, or ``txt``/``table`` as plain text."""
    if fmt == "csv":
        buffer = io.StringIO(newline="")
        write_csv(report.rows, buffer, report.columns)
        return buffer.getvalue().encode("utf-8")
    if fmt == "json":
        return report_json(report, style)
    return render_text(report, style).encode("utf-8")
