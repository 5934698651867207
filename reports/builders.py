"""The three period reports as pure functions: Dataset + period → Report.

``summarise`` groups entries (by programme, platform, district, month or week) and
compares each group with the previous period of the same length; ``list_broadcasts``
gives one row per broadcast; ``adherence`` sets the plan against what went on air.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from reports.dataset import (
    GROUPS,
    Dataset,
    Selector,
    compared_period,
    cut,
    group_key,
    summary_days,
    within,
)
from reports.metrics import Entry, Totals, aggregate
from reports.periods import (
    NO_MATCH,
    Comparison,
    Period,
    compare,
    days_period,
    month_of,
    recorded,
    span_text,
    week_of,
)
from reports.quality import (
    gap_notes,
    gap_polls,
    low_platform_notes,
    merge_gaps,
    row_quality,
    second_stream_entries,
    stream_facts,
)
from reports.report import (
    ADHERENCE_COLUMNS,
    BROADCAST_COLUMNS,
    CHANGE_NOTE,
    CHANGES,
    SUMMARY_FIGURES,
    Note,
    Report,
    Row,
    notes_for,
    rounded,
    summary_columns,
)
from streamer.errors import UserError
from streamer.gcpause import gc_paused
from streamer.platforms import in_order

KINDS = ("summary", "broadcasts", "adherence")
LATE_START_MIN = 5.0  # a start more than this many minutes after the plan is late
EARLY_START_MIN = 5.0  # ... and more than this many minutes before it, early
OVERRUN_MIN = 10.0  # running this many minutes past the planned duration is an overrun


def summarise(
    data: Dataset,
    period: Period,
    tz: ZoneInfo,
    *,
    by: str = "programme",
    programme: str | None = None,
    platform: str | None = None,
    programmes: Sequence[str] = (),
    now: datetime | None = None,
) -> Report:
    """One row per group with counts, audience figures and the change against the
    previous period (for a month or week row: the month or week before it).

    ``programmes`` (the configured slugs) are listed even when they had nothing.
    Changes compare like for like (``periods.compare``): a period still in progress
    on ``now``'s local day (``None``: every day is past) is compared with the same
    number of days of the one before, and a footnote says so.
    """
    if by not in GROUPS:
        raise UserError(f"cannot group by {by!r}; use one of {', '.join(GROUPS)}")
    selector = Selector(data, tz)
    calendar = by in ("month", "week")
    # Each month (week) row compares with the month (week) before it, so the earlier
    # figures run from the one before the first row to the period's end; other rows
    # compare with the previous period. One selection over both is cut into each.
    compared = compared_period(period, by)
    span = selector.select(
        summary_days(period, by),
        programme=programme,
        platform=platform,
        per_platform=by == "platform",
    )
    current = cut(span, period, tz)
    groups = _grouped(current, by, tz)
    before = _grouped(cut(span, compared, tz), by, tz)
    keys = _keys(by, period, groups, programmes if programme is None else (programme,))
    today = None if now is None else now.astimezone(tz).date()
    since = None if data.recorded_since is None else data.recorded_since.astimezone(tz).date()
    rows, members, comparisons = [], [], []
    for key in keys:
        unit = _key_period(by, key) if calendar else period
        found = recorded(compare(unit, _overlap(unit, period), today), since)
        previous_key = unit.previous().label if calendar else key
        rows.append(_summary_row(by, key, groups[key], before[previous_key], found, tz))
        members.append(groups[key])
        comparisons.append(found)
    quality = row_quality(selector, members, tz, ("views",))
    for row, count in zip(rows, quality.provisional, strict=True):
        row["provisional_broadcasts"] = count
    return Report(
        kind="summary",
        columns=summary_columns(by),
        rows=rows,
        period=period,
        headlines=_headlines(
            # Headlines count broadcasts, not platforms, unless one platform is asked for.
            selector.select(period, programme=programme)
            if by == "platform" and platform is None
            else current,
            programme,
            programmes,
        ),
        notes=[
            *notes_for(members, [_float(r["coverage_pct"]) for r in rows]),
            *_comparison_notes(comparisons, by, since),
            *quality.notes,
            *gap_notes(quality.gaps, (by,)),
        ],
        subject=by,
        gaps=merge_gaps(quality.gaps),
    )


def list_broadcasts(
    data: Dataset,
    period: Period,
    tz: ZoneInfo,
    *,
    programme: str | None = None,
    platform: str | None = None,
    programmes: Sequence[str] = (),
) -> Report:
    """One row per broadcast of the period (and per unplanned stream), oldest first.

    ``final`` says whether its figures are final (``reports.quality``); a footnote
    says when provisional ones settle.
    """
    selector = Selector(data, tz)
    entries = selector.select(period, programme=programme, platform=platform)
    per_row = [[e] for e in entries]
    quality = row_quality(selector, per_row, tz, ("views",))  # missed polls, settling note
    by_broadcast = selector.by_broadcast()
    rows, row_platforms = [], []
    for entry, gaps in zip(entries, quality.gaps, strict=True):
        row = _broadcast_row(entry, tz)
        facts = stream_facts(selector, entry, by_broadcast)
        coverage = facts.coverage
        row["final"] = facts.final
        row["gap_polls"] = gap_polls(gaps)
        row["min_platform_coverage_pct"] = rounded(min(coverage.values(), default=None))
        rows.append(row)
        # Flagged when the broadcast's own coverage hides it (a low one has its note).
        row_platforms.append({} if entry.figures.low_coverage else coverage)
    return Report(
        kind="broadcasts",
        columns=BROADCAST_COLUMNS,
        rows=rows,
        period=period,
        headlines=_headlines(entries, programme, programmes),
        notes=[
            *notes_for(per_row, [_float(r["coverage_pct"]) for r in rows]),
            *quality.notes,
            *low_platform_notes(row_platforms),
            *gap_notes(quality.gaps, ("coverage_pct",)),
        ],
        gaps=merge_gaps(quality.gaps),
    )


def adherence(
    data: Dataset,
    period: Period,
    tz: ZoneInfo,
    *,
    programme: str | None = None,
    platform: str | None = None,
    programmes: Sequence[str] = (),
) -> Report:
    """Plan against air: late and early starts, no-shows, overruns, unplanned streams
    (a second stream on the channel of a planned broadcast's stream, at the same time,
    apart)."""
    selector = Selector(data, tz)
    entries = selector.select(period, programme=programme, platform=platform)
    second = second_stream_entries(selector, entries)
    rows = [_adherence_row(e, tz, e.id in second) for e in entries]
    row_gaps = row_quality(selector, [[e] for e in entries], tz, ()).gaps
    counts: dict[str, int] = defaultdict(int)
    for row in rows:
        for finding in str(row["findings"]).split(";"):
            counts[finding] += 1
    return Report(
        kind="adherence",
        columns=ADHERENCE_COLUMNS,
        rows=rows,
        period=period,
        headlines=_headlines(entries, programme, programmes),
        notes=gap_notes(row_gaps, ("broadcast_id",)),
        counts=dict(counts),
        gaps=merge_gaps(row_gaps),
    )


def findings(entry: Entry, second_stream: bool = False) -> list[str]:
    """What the plan-versus-air comparison found for one entry (one or more keys).

    ``second_stream``: the entry is an unplanned stream that was on air on the same
    channel as a planned broadcast's stream, at the same time (a rehearsal, a
    duplicate), so it was kept out of that broadcast's figures.
    """
    if entry.status == "unplanned" and second_stream:
        return ["second_stream"]
    if entry.status in ("unplanned", "cancelled"):
        return [entry.status]
    if entry.status == "missed":
        return ["no_show"]
    if entry.figures.actual_start is None:
        return ["pending"]
    found = []
    delay = entry.start_delay_min or 0.0
    if delay > LATE_START_MIN:
        found.append("late_start")
    elif delay < -EARLY_START_MIN:
        found.append("early_start")
    overrun = _overrun(entry)
    if overrun is not None and overrun > OVERRUN_MIN:
        found.append("overrun")
    return found or ["on_time"]


# -- rows ---------------------------------------------------------------------------


def _summary_row(
    by: str, key: str, mine: list[Entry], base: list[Entry], found: Comparison, tz: ZoneInfo
) -> Row:
    """A group's figures, and their changes over the days ``found`` compares."""
    row: Row = {by: key, **_figures(aggregate(mine))}
    if found.current is None or found.previous is None:
        row.update(dict.fromkeys(CHANGES.values()))
    else:
        # A partial period compares only its elapsed days (its plan for later days
        # too would count against fewer days before) with as many days before.
        now_figures = _figures(aggregate(within(mine, found.current, tz))) if found.partial else row
        if found.partial:
            base = within(base, found.previous, tz)
        previous = _figures(aggregate(base))
        for name in SUMMARY_FIGURES:
            column = CHANGES[name]
            row[column] = _change(
                now_figures[name], previous[name], relative=column.endswith("_pct")
            )
    row["change_days"] = None if found.current is None else span_text(found.current)
    row["change_base_days"] = None if found.previous is None else span_text(found.previous)
    row["change_blank_reason"] = found.reason or None
    return row


def _comparison_notes(
    comparisons: Sequence[Comparison], by: str, since: date | None = None
) -> list[Note]:
    """A footnote per partial comparison (the days compared) and per reason a change
    is blank, marking the rows' group names (``since``: the first day collected)."""
    partial: dict[tuple[str, str], list[int]] = {}
    blank: dict[str, list[int]] = {}
    for index, found in enumerate(comparisons):
        if found.partial and found.current is not None and found.previous is not None:
            pair = (span_text(found.current), span_text(found.previous))
            partial.setdefault(pair, []).append(index)
        elif found.reason:
            blank.setdefault(found.reason, []).append(index)
    notes = [
        Note(f"{CHANGE_NOTE}partial", {"current": days, "previous": base}, tuple(rows), (by,))
        for (days, base), rows in partial.items()
    ]
    day = {} if since is None else {"day": since.isoformat()}
    notes += [
        Note(
            f"{CHANGE_NOTE}{reason}", day if reason == "before_history" else {}, tuple(rows), (by,)
        )
        for reason in NO_MATCH
        if (rows := blank.get(reason))
    ]
    return notes


def _figures(totals: Totals) -> Row:
    return {
        "broadcasts_planned": totals.broadcasts_planned,
        "broadcasts_held": totals.broadcasts_held,
        "broadcasts_missed": totals.broadcasts_missed,
        "broadcasts_cancelled": totals.broadcasts_cancelled,
        "unplanned_streams": totals.unplanned_streams,
        "unplanned_broadcasts": totals.unplanned_broadcasts,
        "live_broadcasts": totals.live_broadcasts,
        "views": totals.views,
        "peak_concurrent": totals.peak_concurrent,
        "avg_concurrent": rounded(totals.avg_concurrent),
        "viewer_minutes": rounded(totals.viewer_minutes),
        "avg_start_delay_min": rounded(totals.avg_start_delay_min),
        "coverage_pct": rounded(totals.coverage_pct),
    }


def _change(current: object, before: object, *, relative: bool) -> int | float | None:
    """``current − before`` (counts, minutes, points) or the percent change (audiences).

    Unknown on either side, or a relative change from 0, is unknown: "+∞ %" helps nobody.
    """
    if not isinstance(current, int | float) or not isinstance(before, int | float):
        return None
    if relative:
        return None if before == 0 else rounded(100.0 * (current - before) / before)
    if isinstance(current, int) and isinstance(before, int):
        return current - before
    return rounded(current - before)


def _broadcast_row(entry: Entry, tz: ZoneInfo) -> Row:
    f = entry.figures
    return {
        "broadcast_id": entry.id,
        "programme": entry.programme,
        "title": entry.title,
        "district": entry.district,
        "planned_start": _local(entry.planned_start, tz),
        "actual_start": _local(f.actual_start, tz),
        "start_delay_min": rounded(entry.start_delay_min),
        "duration_min": rounded(f.duration_min),
        "status": entry.status,
        "platforms": ";".join(entry.platforms),
        "views": f.views,
        "peak_concurrent": f.peak_concurrent,
        "avg_concurrent": rounded(f.avg_concurrent),
        "viewer_minutes": rounded(f.viewer_minutes),
        "coverage_pct": rounded(f.coverage_pct),
    }


def _adherence_row(entry: Entry, tz: ZoneInfo, second_stream: bool = False) -> Row:
    return {
        "broadcast_id": entry.id,
        "programme": entry.programme,
        "title": entry.title,
        "planned_start": _local(entry.planned_start, tz),
        "actual_start": _local(entry.figures.actual_start, tz),
        "start_delay_min": rounded(entry.start_delay_min),
        "planned_duration_min": entry.planned_duration_min,
        "duration_min": rounded(entry.figures.duration_min),
        "overrun_min": rounded(_overrun(entry)),
        "status": entry.status,
        "platforms": ";".join(entry.platforms),
        "findings": ";".join(findings(entry, second_stream)),
    }


def _overrun(entry: Entry) -> float | None:
    duration = entry.figures.duration_min
    if duration is None or entry.planned_duration_min is None:
        return None
    return duration - entry.planned_duration_min


# -- grouping -----------------------------------------------------------------------


def _grouped(entries: list[Entry], by: str, tz: ZoneInfo) -> defaultdict[str, list[Entry]]:
    groups: defaultdict[str, list[Entry]] = defaultdict(list)
    for entry in entries:
        groups[group_key(entry, by, tz)].append(entry)
    return groups


def _keys(
    by: str, period: Period, groups: dict[str, list[Entry]], listed: Sequence[str]
) -> list[str]:
    """The rows of a summary: every month or week of the period, every configured
    programme, and whatever else the entries bring (platforms in the usual order)."""
    if by in ("month", "week"):
        return _calendar_keys(by, period)
    seen = [k for k, entries in groups.items() if entries]
    if by == "programme":
        return list(dict.fromkeys([*listed, *sorted(seen)]))
    if by == "platform":
        return in_order(set(seen))
    return sorted(seen)


def _calendar_keys(by: str, period: Period) -> list[str]:
    keys, day = [], period.start
    while day < period.end:
        current = _calendar_of(by, day)
        keys.append(current.label)
        day = current.end
    return keys


def _overlap(unit: Period, period: Period) -> Period:
    """The days of ``unit`` (a month or week row) that ``period`` holds."""
    return days_period(max(unit.start, period.start), min(unit.end, period.end))


def _calendar_of(by: str, day: date) -> Period:
    return month_of(day) if by == "month" else week_of(day)


def _key_period(by: str, key: str) -> Period:
    """The month or week a calendar group key (``2026-11``, ``2026-W48``) names."""
    if by == "month":
        year, month = key.split("-")
        return month_of(date(int(year), int(month), 1))
    year, week = key.split("-W")
    return week_of(date.fromisocalendar(int(year), int(week), 1))


def _headlines(
    entries: list[Entry], programme: str | None, programmes: Sequence[str]
) -> list[tuple[str, Totals]]:
    """Totals per programme for the headline lines, whatever the grouping.

    ``entries`` are what ``select`` gives for the period with the report's programme
    and platform (one per broadcast, or per platform when one is asked for).
    """
    per_programme: defaultdict[str, list[Entry]] = defaultdict(list)
    for entry in entries:
        per_programme[entry.programme].append(entry)
    listed = programmes if programme is None else (programme,)
    keys = list(dict.fromkeys([*listed, *sorted(k for k in per_programme if per_programme[k])]))
    return [(key, aggregate(per_programme[key])) for key in keys]


def _local(moment: datetime | None, tz: ZoneInfo) -> datetime | None:
    return None if moment is None else moment.astimezone(tz)


def _float(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def build(
    kind: str,
    data: Dataset,
    period: Period,
    tz: ZoneInfo,
    *,
    by: str = "programme",
    programme: str | None = None,
    platform: str | None = None,
    programmes: Sequence[str] = (),
    now: datetime | None = None,
) -> Report:
    """The report of ``kind`` (summary, broadcasts or adherence) for ``period``, as
    of ``now`` (which days have passed; ``None``: all of them)."""
    if kind not in KINDS:
        raise UserError(f"unknown report kind {kind!r}; use one of {', '.join(KINDS)}")
    with gc_paused():
        if kind == "summary":
            return summarise(
                data,
                period,
                tz,
                by=by,
                programme=programme,
                platform=platform,
                programmes=programmes,
                now=now,
            )
        builder = list_broadcasts if kind == "broadcasts" else adherence
        return builder(
            data, period, tz, programme=programme, platform=platform, programmes=programmes
        )
