"""Report rows as the CSV/JSON columns of docs/reports.md would hold them, from the recomputation.

Minutes and percentages are rounded half away from zero to one decimal (issue #13);
times are ISO 8601 in the configured zone; unknown figures are ``None``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from tests.independent.entries import Entry
from tests.independent.figures import half_up
from tests.independent.summary import Totals

Row = dict[str, object]


def local(moment: datetime | None, tz: ZoneInfo) -> str | None:
    """A time as the reports write it: ISO 8601 in the configured zone."""
    return None if moment is None else moment.astimezone(tz).isoformat()


def row_key(row: Row) -> tuple[object, ...]:
    """What identifies a row in both computations: a planned broadcast by its id, an
    unplanned one (whose id the report makes) by programme, start and platforms."""
    if row["status"] == "unplanned":
        return ("unplanned", row["programme"], row["actual_start"], row["platforms"])
    return (row["broadcast_id"],)


def broadcast_row(entry: Entry, tz: ZoneInfo) -> Row:
    """``report broadcasts``' row for ``entry``, issue #13 columns included."""
    f = entry.figures
    return {
        "broadcast_id": entry.id,
        "programme": entry.programme,
        "title": entry.title,
        "district": entry.district,
        "planned_start": local(entry.planned_start, tz),
        "actual_start": local(f.start, tz),
        "start_delay_min": half_up(entry.start_delay_min),
        "duration_min": half_up(f.duration_min),
        "status": entry.status,
        "platforms": ";".join(entry.platforms),
        "views": f.views,
        "peak_concurrent": f.peak,
        "avg_concurrent": half_up(f.avg_concurrent),
        "viewer_minutes": half_up(f.viewer_minutes),
        "coverage_pct": half_up(f.coverage_pct),
        "final": entry.final,
        "gap_polls": entry.gap_polls,
        "min_platform_coverage_pct": half_up(entry.min_platform_coverage),
    }


def adherence_row(entry: Entry, tz: ZoneInfo) -> Row:
    """``report adherence``' row for ``entry``."""
    return {
        "broadcast_id": entry.id,
        "programme": entry.programme,
        "title": entry.title,
        "planned_start": local(entry.planned_start, tz),
        "actual_start": local(entry.figures.start, tz),
        "start_delay_min": half_up(entry.start_delay_min),
        "planned_duration_min": entry.planned_duration_min,
        "duration_min": half_up(entry.figures.duration_min),
        "overrun_min": half_up(entry.overrun_min),
        "status": entry.status,
        "platforms": ";".join(entry.platforms),
        "findings": ";".join(entry.findings()),
    }


def summary_row(key: str, current: Totals, before: Totals, *, unrecorded: bool = False) -> Row:
    """``report summary``' row for one group, with its changes against ``before``;
    ``unrecorded``: the previous period begins before collection did, so every change
    is blank (reason ``before_history``)."""
    row: Row = {"programme": key, **_figures(current)}
    if unrecorded:
        for name in COUNTS:
            row[f"{name}_change"] = None
        for name in RELATIVE:
            row[f"{name}_change_pct"] = None
        row["avg_start_delay_min_change"] = row["coverage_pct_change"] = None
        row["change_blank_reason"] = "before_history"
        return row
    previous = _figures(before)
    for name in COUNTS:
        row[f"{name}_change"] = _difference(row[name], previous[name])
    for name in RELATIVE:
        row[f"{name}_change_pct"] = _percent(current, before, name)
    row["avg_start_delay_min_change"] = _exact_difference(
        current.avg_start_delay_min, before.avg_start_delay_min
    )
    row["coverage_pct_change"] = _exact_difference(current.coverage_pct, before.coverage_pct)
    return row


COUNTS = (
    "broadcasts_planned",
    "broadcasts_held",
    "broadcasts_missed",
    "broadcasts_cancelled",
    "unplanned_streams",
)
RELATIVE = ("views", "peak_concurrent", "avg_concurrent", "viewer_minutes")


def _figures(totals: Totals) -> Row:
    return {
        "broadcasts_planned": totals.broadcasts_planned,
        "broadcasts_held": totals.broadcasts_held,
        "broadcasts_missed": totals.broadcasts_missed,
        "broadcasts_cancelled": totals.broadcasts_cancelled,
        "unplanned_streams": totals.unplanned_streams,
        "unplanned_broadcasts": totals.unplanned_broadcasts,
        "live_broadcasts": totals.live_broadcasts,
        "provisional_broadcasts": totals.provisional_broadcasts,
        "views": totals.views,
        "peak_concurrent": totals.peak_concurrent,
        "avg_concurrent": half_up(totals.avg_concurrent),
        "viewer_minutes": half_up(totals.viewer_minutes),
        "avg_start_delay_min": half_up(totals.avg_start_delay_min),
        "coverage_pct": half_up(totals.coverage_pct),
    }


def _difference(current: object, before: object) -> int | None:
    if not isinstance(current, int) or not isinstance(before, int):
        return None
    return current - before


def _exact_difference(current: object, before: object) -> float | None:
    if current is None or before is None:
        return None
    return half_up(current - before)  # type: ignore[operator]


def _percent(current: Totals, before: Totals, name: str) -> float | None:
    now, then = getattr(current, name), getattr(before, name)
    if now is None or then is None or then == 0:
        return None
    return half_up(100 * (now - then) / then)


def by_key(rows: Sequence[Row]) -> dict[tuple[object, ...], Row]:
    """Rows by ``row_key``."""
    return {row_key(row): row for row in rows}


def unrecorded(meta: dict[str, Any], first: date, last: date, tz: ZoneInfo) -> bool:
    """Whether the days a ``--from first --to last`` summary compares with (as many
    days just before ``first``) begin before the local day of ``recorded_since``."""
    stored = meta.get("recorded_since")
    if not isinstance(stored, str):
        return False
    since = datetime.fromisoformat(stored.replace("Z", "+00:00")).astimezone(tz).date()
    return first - timedelta(days=(last - first).days + 1) < since
