"""Producers' planning: add, move and cancel broadcasts; recurring series; double
bookings; the plan as CSV and as an iCalendar file.

The core functions are pure over the current plan and return the broadcasts to
save, to run inside ``Store.change_plan``; bad input raises a one-line ``UserError``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from schedules.conflicts import Conflict, ConflictError, check_conflicts, find_conflict
    from schedules.csvio import COLUMNS, export_csv, import_csv
    from schedules.ical import export_ics
    from schedules.ids import default_id_factory, sequential_id_factory
    from schedules.localtime import format_local, parse_local_start
    from schedules.plans import PlanRequest, add, cancel, get, move, parse_target, stored
    from schedules.recurrence import MAX_OCCURRENCES, expand

# Every name loads on first use: a report needs ``schedules.localtime`` only, and the
# planning parts (ids, recurrence, plans: dateutil, secrets) and the file formats
# (icalendar, CSV/Excel) are a good part of a report process's imports.
_LAZY = {
    "Conflict": "schedules.conflicts",
    "ConflictError": "schedules.conflicts",
    "check_conflicts": "schedules.conflicts",
    "find_conflict": "schedules.conflicts",
    "COLUMNS": "schedules.csvio",
    "export_csv": "schedules.csvio",
    "import_csv": "schedules.csvio",
    "export_ics": "schedules.ical",
    "default_id_factory": "schedules.ids",
    "sequential_id_factory": "schedules.ids",
    "format_local": "schedules.localtime",
    "parse_local_start": "schedules.localtime",
    "PlanRequest": "schedules.plans",
    "add": "schedules.plans",
    "cancel": "schedules.plans",
    "get": "schedules.plans",
    "move": "schedules.plans",
    "parse_target": "schedules.plans",
    "stored": "schedules.plans",
    "MAX_OCCURRENCES": "schedules.recurrence",
    "expand": "schedules.recurrence",
}


def __getattr__(name: str) -> object:
    """A name of ``__all__``, imported from its module when first asked for."""
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
    "stored",
]
