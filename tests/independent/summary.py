"""Group totals (the summary's rows) and the headline, from ``entries``' entries.

docs/reports.md "Per group": planned counts every plan entry; held counts held and live ones;
views and viewer-minutes are sums of the known; the peak is the largest entry peak;
average and coverage use only entries that report viewers; the start delay is the mean
over held entries whose start is known. Issue #13 adds ``unplanned_broadcasts``,
``live_broadcasts`` (held + unplanned broadcasts) and ``provisional_broadcasts``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from tests.independent.entries import Entry

HELD = ("held", "live")


@dataclass(frozen=True)
class Totals:
    """One summary row's figures, exact."""

    broadcasts_planned: int
    broadcasts_held: int
    broadcasts_missed: int
    broadcasts_cancelled: int
    unplanned_streams: int
    unplanned_broadcasts: int
    provisional_broadcasts: int
    views: int | None
    peak_concurrent: int | None
    viewer_minutes: Fraction | None
    covered_minutes: Fraction
    live_minutes: Fraction
    avg_start_delay_min: Fraction | None

    @property
    def live_broadcasts(self) -> int:
        """Held plus unplanned broadcasts: the times the programme went on air."""
        return self.broadcasts_held + self.unplanned_broadcasts

    @property
    def avg_concurrent(self) -> Fraction | None:
        """Total viewer-minutes ÷ total covered minutes."""
        if self.viewer_minutes is None or self.covered_minutes <= 0:
            return None
        return self.viewer_minutes / self.covered_minutes

    @property
    def coverage_pct(self) -> Fraction | None:
        """Total covered minutes ÷ total live minutes, entries reporting viewers only."""
        if self.viewer_minutes is None or self.live_minutes <= 0:
            return None
        return 100 * self.covered_minutes / self.live_minutes


def totals(entries: Sequence[Entry]) -> Totals:
    """What ``entries`` add up to."""
    statuses = [e.status for e in entries]
    reporting = [e.figures for e in entries if e.figures.viewer_minutes is not None]
    views = [e.figures.views for e in entries if e.figures.views is not None]
    delays = [d for e in entries if e.status in HELD and (d := e.start_delay_min) is not None]
    return Totals(
        broadcasts_planned=sum(s != "unplanned" for s in statuses),
        broadcasts_held=sum(s in HELD for s in statuses),
        broadcasts_missed=statuses.count("missed"),
        broadcasts_cancelled=statuses.count("cancelled"),
        unplanned_streams=sum(e.unplanned_streams for e in entries),
        unplanned_broadcasts=statuses.count("unplanned"),
        provisional_broadcasts=sum(not e.final for e in entries),
        views=sum(views) if views else None,
        peak_concurrent=max((f.peak for f in reporting if f.peak is not None), default=None),
        viewer_minutes=(
            sum((f.viewer_minutes for f in reporting if f.viewer_minutes), Fraction(0))
            if reporting
            else None
        ),
        covered_minutes=sum((f.covered_minutes for f in reporting), Fraction(0)),
        live_minutes=sum((f.live_minutes or Fraction(0) for f in reporting), Fraction(0)),
        avg_start_delay_min=sum(delays, Fraction(0)) / len(delays) if delays else None,
    )


def by_programme(entries: Sequence[Entry], programmes: Sequence[str]) -> dict[str, Totals]:
    """Totals per programme: the configured ones first, then any other, sorted."""
    keys = list(dict.fromkeys([*programmes, *sorted({e.programme for e in entries})]))
    return {key: totals([e for e in entries if e.programme == key]) for key in keys}


def headline(name: str, live_broadcasts: int, views: int | None) -> str:
    """docs/reports.md: "Antikor.Live: 64 live broadcasts, over 85,000 views" (English)."""
    noun = "live broadcast" if live_broadcasts == 1 else "live broadcasts"
    if views is None:
        return f"{name}: {live_broadcasts:,} {noun}, views n/a"
    step = 1000 if views >= 10_000 else 100 if views >= 1000 else 1
    shown = views // step * step
    if shown < views:
        said = f"over {shown:,} views"
    else:
        said = f"{shown:,} {'view' if shown == 1 else 'views'}"
    return f"{name}: {live_broadcasts:,} {noun}, {said}"
