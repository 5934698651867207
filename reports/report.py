"""A built report: typed rows under stable column keys, plus what the console adds.

Rows are plain dicts keyed by the documented snake_case columns, holding ``str``,
``bool``, ``int``, ``float`` (rounded to one decimal), aware ``datetime`` (already in the
configured zone) or ``None`` for an unknown figure. CSV, JSON and the console
table all render the same rows; only the console shows headlines and footnotes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from reports.metrics import LOW_COVERAGE_PCT, Entry, Totals
from reports.periods import Period

Cell = str | bool | int | float | datetime | None
Row = dict[str, Cell]

COUNTS = (
    "broadcasts_planned",
    "broadcasts_held",
    "broadcasts_missed",
    "broadcasts_cancelled",
    "unplanned_streams",
)
AUDIENCE = ("views", "peak_concurrent", "avg_concurrent", "viewer_minutes")
FIGURES = (*COUNTS, *AUDIENCE, "avg_start_delay_min", "coverage_pct")
# Figures added after the first release: after the documented columns and their
# changes, so a reader that takes the columns by position still finds its own.
ADDED_COUNTS = ("unplanned_broadcasts", "live_broadcasts")
SUMMARY_FIGURES = (*FIGURES, *ADDED_COUNTS)
# How a summary figure's change against the previous period is given: a difference
# for counts, minutes and percentage points, a relative change for audience sizes.
CHANGES = {
    **{name: f"{name}_change" for name in COUNTS},
    **{name: f"{name}_change_pct" for name in AUDIENCE},
    "avg_start_delay_min": "avg_start_delay_min_change",
    "coverage_pct": "coverage_pct_change",
    **{name: f"{name}_change" for name in ADDED_COUNTS},
}
# What a summary row's changes compare: its days and the days before them (ISO 8601
# ``first/last``, both included), or why the changes are blank (``periods.NO_MATCH``).
COMPARISON_COLUMNS = ("change_days", "change_base_days", "change_blank_reason")
BROADCAST_COLUMNS = (
    "broadcast_id",
    "programme",
    "title",
    "district",
    "planned_start",
    "actual_start",
    "start_delay_min",
    "duration_min",
    "status",
    "platforms",
    "views",
    "peak_concurrent",
    "avg_concurrent",
    "viewer_minutes",
    "coverage_pct",
    "final",
    "gap_polls",
    "min_platform_coverage_pct",
)
ADHERENCE_COLUMNS = (
    "broadcast_id",
    "programme",
    "title",
    "planned_start",
    "actual_start",
    "start_delay_min",
    "planned_duration_min",
    "duration_min",
    "overrun_min",
    "status",
    "platforms",
    "findings",
)
CURVE_COLUMNS = ("time", "platform", "concurrent_viewers", "views")
# Columns whose cells hold a time, an integer or a float (the rest are text).
TIME_COLUMNS = frozenset({"planned_start", "actual_start", "time"})
INT_COLUMNS = frozenset(
    {
        *COUNTS,
        *ADDED_COUNTS,
        "views",
        "peak_concurrent",
        "planned_duration_min",
        "concurrent_viewers",
        *(CHANGES[n] for n in (*COUNTS, *ADDED_COUNTS)),
        "provisional_broadcasts",
        "gap_polls",
    }
)
BOOL_COLUMNS = frozenset({"final"})
FLOAT_COLUMNS = frozenset(
    {
        "avg_concurrent",
        "viewer_minutes",
        "avg_start_delay_min",
        "coverage_pct",
        "start_delay_min",
        "duration_min",
        "overrun_min",
        "min_platform_coverage_pct",
        *(CHANGES[n] for n in FIGURES[len(COUNTS) :]),
    }
)
# Figures marked by each kind of footnote.
VIEWER_FIGURES = ("peak_concurrent", "avg_concurrent", "viewer_minutes")


def summary_columns(by: str) -> tuple[str, ...]:
    """The columns of a summary grouped ``by``: the group key, figures, changes and what
    the changes compare; then the columns added since, in the order they came."""
    return (
        by,
        *FIGURES,
        *(CHANGES[n] for n in FIGURES),
        *COMPARISON_COLUMNS,
        "provisional_broadcasts",
        *ADDED_COUNTS,
        *(CHANGES[n] for n in ADDED_COUNTS),
    )


def column_kind(column: str) -> str:
    """``time``, ``int``, ``float``, ``bool`` or ``str``: how a column's cells are typed."""
    if column in TIME_COLUMNS:
        return "time"
    if column in BOOL_COLUMNS:
        return "bool"
    if column in INT_COLUMNS:
        return "int"
    return "float" if column in FLOAT_COLUMNS else "str"


# The key prefix of a summary's notes on its changes (the comparison with the period
# before): a chart, which draws no changes, leaves them out.
CHANGE_NOTE = "note.change_"


@dataclass(frozen=True, slots=True)
class Note:
    """A footnote: a label key with its fields, and the cells it explains."""

    key: str
    params: Mapping[str, str]
    rows: tuple[int, ...]
    columns: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Report:
    """Rows of one kind of report, with the headlines and footnotes the console shows."""

    kind: str
    columns: tuple[str, ...]
    rows: list[Row]
    period: Period | None = None
    headlines: Sequence[tuple[str, Totals]] = ()
    notes: Sequence[Note] = ()
    counts: Mapping[str, int] = field(default_factory=dict)
    subject: str = ""
    # Missed polls of the period's broadcasts: platform → reason → polls.
    gaps: Mapping[str, Mapping[str, int]] = field(default_factory=dict)


def shows_changes(report: Report) -> bool:
    """Whether any row has a change to show (none before the first collection, say):
    the console and the page explain "+n / −n" only then."""
    changes = [c for c in CHANGES.values() if c in report.columns]
    return any(row.get(c) is not None for row in report.rows for c in changes)


def rounded(value: float | None, digits: int = 1) -> float | None:
    """``value`` rounded half up for a report cell (``None`` stays unknown): what
    ``half_up`` gives, as a float.

    A float whose shortest form has no more than ``digits`` decimals is already
    rounded (most figures are whole or tenths): it is kept. Any other float in plain
    decimal form is rounded on its digits, without a Decimal (a year's list of
    broadcasts rounds some 60,000 figures): the kept digits as an integer, one more
    when the first dropped digit is 5 or over, divided by ``10**digits`` — a correctly
    rounded division, so the nearest float to the decimal, as ``float(Decimal)`` is."""
    if value is None:
        return None
    if type(value) is float:
        text = repr(value)
        point = text.find(".")
        if point >= 0 and "e" not in text:
            cut = point + 1 + digits
            if len(text) <= cut:
                return value
            negative = text[0] == "-"
            kept = int(text[negative:point] + text[point + 1 : cut]) + (text[cut] >= "5")
            scale: int = 10**digits  # int / int: the correctly rounded quotient
            result = kept / scale
            return -result if negative else result
    elif type(value) is int:
        return float(value)
    return float(half_up(value, digits))


def half_up(value: float, digits: int = 0) -> Decimal:
    """``value`` rounded to ``digits`` decimals, halves away from zero (2.5 → 3, −2.5 → −3).

    Python's ``round`` and Babel round halves to even (2.5 → 2), which reads as a
    mistake in a report. The float's shortest decimal form is what is rounded, so
    2.675 gives 2.68 as a reader expects, not 2.67 from its binary value.
    """
    # float(): numpy scalars (matplotlib tick values) repr as "np.float64(...)".
    exact = Decimal(repr(float(value)))
    return exact.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)


def notes_for(
    per_row: Sequence[Iterable[Entry]], row_coverage: Sequence[float | None]
) -> list[Note]:
    """Footnotes for rows built from the given entries.

    Low coverage is judged on each row's own coverage figure; a platform that did
    not report a figure, or a simulcast lacking its combined rollup, marks every
    row holding such an entry.
    """
    notes: list[Note] = []
    low = tuple(
        i for i, pct in enumerate(row_coverage) if pct is not None and pct < LOW_COVERAGE_PCT
    )
    if low:
        threshold = f"{LOW_COVERAGE_PCT:g}%"
        notes.append(
            Note(
                "note.low_coverage",
                {"threshold": threshold},
                low,
                (*VIEWER_FIGURES[1:], "coverage_pct"),
            )
        )
    unreported: dict[tuple[str, str], list[int]] = {}
    no_combined: list[int] = []
    for index, entries in enumerate(per_row):
        listed = list(entries)
        for pair in sorted({p for e in listed for p in e.figures.unreported}):
            unreported.setdefault(pair, []).append(index)
        if any(e.figures.no_combined for e in listed):
            no_combined.append(index)
    for (figure, platform), rows in sorted(unreported.items()):
        columns = ("views",) if figure == "views" else VIEWER_FIGURES
        notes.append(
            Note("note.unreported", {"platform": platform, "figure": figure}, tuple(rows), columns)
        )
    if no_combined:
        notes.append(Note("note.no_combined", {}, tuple(no_combined), VIEWER_FIGURES))
    return notes
