"""Report output as bytes, ready for ``streamer.files.write_atomic``.

Rendering to bytes first, writing second, is what lets a command or a scheduled
job check and build everything before it touches a file.
"""

from __future__ import annotations

import io

from reports.export import report_json, report_xlsx, write_csv
from reports.fmt import Style
from reports.html import html_report
from reports.render import render_text
from reports.report import Report

FORMATS = ("table", "csv", "json", "txt", "xlsx", "html")


def render_bytes(report: Report, fmt: str, style: Style) -> bytes:
    """The report in ``fmt``: ``csv``, ``json``, ``xlsx``, ``html``, or ``txt``/``table`` as
    plain text."""
    if fmt == "csv":
        buffer = io.StringIO(newline="")
        write_csv(report.rows, buffer, report.columns)
        return buffer.getvalue().encode("utf-8")
    if fmt == "json":
        return report_json(report, style)
    if fmt == "xlsx":
        return report_xlsx(report, style.tz)
    if fmt == "html":
        return html_report(report, style)
    return render_text(report, style).encode("utf-8")
