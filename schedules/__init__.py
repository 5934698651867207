"""Producers' planning: add, move and cancel broadcasts; recurring series; double
bookings; the plan as CSV and as an iCalendar file.

The core functions are pure over the current plan and return the broadcasts to
save, to run inside ``Store.change_plan``; bad input raises a one-line ``UserError``.
"""

from schedules.conflicts import Conflict, ConflictError, check_conflicts, find_conflict
from schedules.csvio import COLUMNS, export_csv, import_csv
from schedules.ical import export_ics
from schedules.ids import default_id_factory, sequential_id_factory
from schedules.localtime import format_local, parse_local_start
from schedules.plans import PlanRequest, add, cancel, get, move, parse_target
from schedules.recurrence import MAX_OCCURRENCES, expand

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
