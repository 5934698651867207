"""Producers' planning: add, move and cancel broadcasts; recurring series; double
bookings; the plan as CSV and as an iCalendar file.

The core functions are pure over the current plan and return the broadcasts to
save, to run inside ``Store.change_plan``; bad input raises a one-line ``UserError``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from schedules.conflicts import Conflict, ConflictError, check_conflicts, find_conflict
from schedules.ids import default_id_factory, sequential_id_factory
from schedules.localtime import format_local, parse_local_start
from schedules.plans import PlanRequest, add, cancel, get, move, parse_target
from schedules.recurrence import MAX_OCCURRENCES, expand

if TYPE_CHECKING:
    from schedules.csvio import COLUMNS, export_csv, import_csv
    from schedules.ical import export_ics

# The file formats load on first use: icalendar and the CSV/Excel parts are a third of
# a report process's imports, and only ``plan export``/``plan import`` need them.
_LAZY = {
    "COLUMNS": "schedules.csvio",
    "export_csv": "schedules.csvio",
    "import_csv": "schedules.csvio",
    "export_ics": "schedules.ical",
}


def __getattr__(name: str) -> Any:
    """``COLUMNS``, ``export_csv``, ``import_csv`` and ``export_ics``, imported when asked."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'schedules' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


__all__ = [
    "COLUMNS",
    "MAX_OCCURRENCES",
    "Conflict",
    "ConflictError",
    "PlanRequest",
    "add",
    "cancel",
    "check_conflicts",
    "default_id_factory",
    "expand",
    "export_csv",
    "export_ics",
    "find_conflict",
    "format_local",
    "get",
    "import_csv",
    "move",
    "parse_local_start",
    "parse_target",
    "sequential_id_factory",
]
