"""Managers' reports: pure metric functions over rollups, rendering, CSV, charts, labels.

The usual path is ``Dataset.from_store`` → ``summarise`` / ``list_broadcasts`` /
``adherence`` (pure) → ``render_table`` / ``write_csv`` / ``report_json``. Charts
(``reports.charts``) need the optional matplotlib extra and are imported on demand.
"""

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from reports.builders import adherence, build, list_broadcasts, summarise
    from reports.dataset import Dataset, select
    from reports.export import read_csv, report_json, write_csv
    from reports.jobs import run_job
    from reports.periods import Period, parse_period, parse_range
    from reports.render import render_table, render_text
    from reports.report import Report

# Loaded on first use (PEP 562): ``import reports.fmt`` need not load every report
# module, and the CLI's start-up is part of what a user waits for.
_HOMES = {
    "adherence": "reports.builders",
    "build": "reports.builders",
    "list_broadcasts": "reports.builders",
    "summarise": "reports.builders",
    "Dataset": "reports.dataset",
    "select": "reports.dataset",
    "read_csv": "reports.export",
    "report_json": "reports.export",
    "write_csv": "reports.export",
    "run_job": "reports.jobs",
    "Period": "reports.periods",
    "parse_period": "reports.periods",
    "parse_range": "reports.periods",
    "render_table": "reports.render",
    "render_text": "reports.render",
    "Report": "reports.report",
}

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


def __getattr__(name: str) -> object:
    """One of ``__all__``, imported from its module on first use."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(home), name)
