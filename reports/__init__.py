"""Managers' reports: pure metric functions over rollups, rendering, CSV, charts, labels.

The usual path is ``Dataset.from_store`` → ``summarise`` / ``list_broadcasts`` /
``adherence`` (pure) → ``render_table`` / ``write_csv`` / ``report_json``. Charts
(``reports.charts``) need the optional matplotlib extra and are imported on demand.
"""

from reports.builders import adherence, build, list_broadcasts, summarise
from reports.dataset import Dataset, select
from reports.export import read_csv, report_json, write_csv
from reports.jobs import run_job
from reports.periods import Period, parse_period, parse_range
from reports.render import render_table, render_text
from reports.report import Report

__all__ = [
    "Dataset",
    "Period",
    "Report",
    "adherence",
    "build",
    "list_broadcasts",
    "parse_period",
    "parse_range",
    "read_csv",
    "render_table",
    "render_text",
    "report_json",
    "run_job",
    "select",
    "summarise",
    "write_csv",
]
