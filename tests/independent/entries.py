"""What a report counts: planned broadcasts and unplanned broadcasts, with their figures.

- A planned broadcast's streams are those the collector matched to it (``broadcast_id``);
  its status is recomputed: cancelled stays cancelled, held once a stream went live,
  missed when none did by its planned end plus ``grace``.
- Issue #13: unplanned streams of one programme whose starts lie within
  ``match_window`` of each other (of the group's first) are one unplanned broadcast,
  combined like a planned simulcast. Legacy: one entry per unplanned stream.
- Final (issue #13): every stream of it that went live has made its last final poll.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from fractions import Fraction

from tests.independent.figures import (
    ORDER,
    Figures,
    Rules,
    broadcast_figures,
    platform_figures,
)
from tests.independent.raw import Doc, Folder, when


@dataclass(frozen=True)
class Entry:
    """One row of a broadcasts report (all platforms, or one with ``platform``)."""

    id: str
    programme: str
    title: str
    status: str
    platforms: tuple[str, ...]
    figures: Figures
    streams: tuple[Doc, ...]
    district: str = ""
    planned_start: datetime | None = None
    planned_duration_min: int | None = None
    unplanned_streams: int = 0
    final: bool = True
    gap_polls: int = 0
    min_platform_coverage: Fraction | None = None
    second_stream: bool = False

    @property
    def when(self) -> datetime | None:
        """Planned start, else actual start: what places the entry in a period."""
        return self.planned_start or self.figures.start

    @property
    def start_delay_min(self) -> Fraction | None:
        """Actual − planned start."""
        if self.planned_start is None or self.figures.start is None:
            return None
        return Fraction(int((self.figures.start - self.planned_start).total_seconds()), 60)

    @property
    def overrun_min(self) -> Fraction | None:
        """Duration − planned duration."""
        duration = self.figures.duration_min
        if duration is None or self.planned_duration_min is None:
            return None
        return duration - self.planned_duration_min

    def findings(self) -> list[str]:
        """The adherence findings of the table in docs/reports.md."""
        if self.status == "unplanned":
            return ["second_stream"] if self.second_stream else ["unplanned"]
        if self.status == "cancelled":
            return ["cancelled"]
        if self.status == "missed":
            return ["no_show"]
        if self.figures.start is None:
            return ["pending"]
        found = []
        delay = self.start_delay_min or Fraction(0)
        if delay > 5:
            found.append("late_start")
        elif delay < -5:
            found.append("early_start")
        overrun = self.overrun_min
        if overrun is not None and overrun > 10:
            found.append("overrun")
        return found or ["on_time"]


class World:
    """A data folder's entries under one set of rules."""

    def __init__(self, folder: Folder, now: datetime, rules: Rules = Rules()) -> None:
        self.folder = folder
        self.now = now
        self.rules = rules
        self.interval = folder.settings.live_interval_s
        self.by_broadcast: dict[str | None, list[Doc]] = defaultdict(list)
        for stream in folder.streams.values():
            matched = stream.get("broadcast_id") in folder.broadcasts
            self.by_broadcast[stream["broadcast_id"] if matched else None].append(stream)

    def local_day(self, moment: datetime) -> date:
        """The local date of a moment in the configured zone."""
        return moment.astimezone(self.folder.settings.tz).date()

    def entries(self, first: date, last: date, platform: str | None = None) -> list[Entry]:
        """Entries whose planned (else actual) start falls on ``first``..``last`` local days,
        oldest first; with ``platform``, each with that platform's figures only."""
        found = [
            e
            for e in [*self.planned(platform), *self.unplanned(platform)]
            if e.when is not None and first <= self.local_day(e.when) <= last
        ]
        return sorted(found, key=lambda e: (e.when, e.id))

    # -- planned ------------------------------------------------------------------

    def planned(self, platform: str | None) -> list[Entry]:
        """Every plan entry (per platform: one per platform it targets or was seen on)."""
        found = []
        for item in self.folder.broadcasts.values():
            members = self.by_broadcast.get(item["id"], [])
            used = {t["platform"] for t in item["targets"]} | {s["platform"] for s in members}
            platforms = tuple(p for p in ORDER if p in used)
            status = self._status(item, members)
            if platform is None:
                found.append(self._planned(item, status, platforms, members, False))
            elif platform in platforms:
                mine = [s for s in members if s["platform"] == platform]
                found.append(
                    self._planned(item, self._status_on(status, mine), (platform,), mine, True)
                )
        return found

    def _status(self, item: Doc, members: list[Doc]) -> str:
        if item["status"] == "cancelled":
            return "cancelled"
        if any(s["status"] == "live" for s in members):
            return "live"
        if any(self._went_live(s) for s in members):
            return "held"
        start = when(item["start"])
        assert start is not None
        over = start + timedelta(minutes=item["duration_min"] + self.folder.settings.grace_min)
        return "missed" if self.now >= over else "planned"

    def _status_on(self, status: str, mine: list[Doc]) -> str:
        """docs/reports.md: held on a platform when a stream went live there; missed there when the
        broadcast is over without one; cancelled with the broadcast."""
        if status == "cancelled":
            return "cancelled"
        if any(self._went_live(s) for s in mine):
            return "live" if any(s["status"] == "live" for s in mine) else "held"
        return "missed" if status in ("held", "missed") else "planned"

    def _went_live(self, stream: Doc) -> bool:
        snaps = self.folder.snapshots.get(stream["key"], [])
        return stream.get("actual_start") is not None or any(d["status"] == "live" for d in snaps)

    def _planned(
        self,
        item: Doc,
        status: str,
        platforms: tuple[str, ...],
        members: list[Doc],
        one_platform: bool,
    ) -> Entry:
        return Entry(
            id=item["id"],
            programme=item["programme"],
            title=item["title"],
            status=status,
            platforms=platforms,
            figures=self._figures(members, one_platform),
            streams=tuple(members),
            district=item.get("district", ""),
            planned_start=when(item["start"]),
            planned_duration_min=item["duration_min"],
            **self._extras(members),
        )

    # -- unplanned ----------------------------------------------------------------

    def unplanned(self, platform: str | None) -> list[Entry]:
        """Unplanned streams that went live, one entry per stream (legacy) or grouped
        into unplanned broadcasts (issue #13)."""
        by_programme: dict[str, list[tuple[datetime, Doc]]] = defaultdict(list)
        owners = self.folder.settings.channel_programme
        for stream in self.by_broadcast.get(None, []):
            figures = self._figures([stream])
            if figures.start is not None:
                owner = owners.get(f"{stream['platform']}:{stream['channel']}", "")
                by_programme[owner].append((figures.start, stream))
        found = []
        for programme, started in by_programme.items():
            for group in self._groups(sorted(started, key=lambda p: (p[0], p[1]["key"]))):
                mine = [s for s in group if platform in (None, s["platform"])]
                if mine:
                    found.append(self._unplanned(programme, group, mine, platform is not None))
        return found

    def _groups(self, started: list[tuple[datetime, Doc]]) -> list[list[Doc]]:
        if self.rules.legacy:
            return [[stream] for _, stream in started]
        window = timedelta(minutes=self.folder.settings.match_window_min)
        groups: list[tuple[datetime, list[Doc]]] = []
        for start, stream in started:
            if groups and start - groups[-1][0] <= window:
                groups[-1][1].append(stream)
            else:
                groups.append((start, [stream]))
        return [streams for _, streams in groups]

    def _unplanned(
        self, programme: str, group: list[Doc], mine: list[Doc], one_platform: bool
    ) -> Entry:
        first = group[0]
        platforms = {s["platform"] for s in mine}
        return Entry(
            id=first["key"],  # the report's id is its own; rows are matched by start
            programme=programme,
            title=first.get("title", ""),
            status="unplanned",
            platforms=tuple(p for p in ORDER if p in platforms),
            figures=self._figures(mine, one_platform),
            streams=tuple(mine),
            unplanned_streams=len(mine),
            second_stream=any(self._second(s) for s in mine),
            **self._extras(mine),
        )

    def _second(self, stream: Doc) -> bool:
        """On air on its channel at the same time as a planned broadcast's stream."""
        a = self._figures([stream])
        for item_id, others in self.by_broadcast.items():
            for other in others if item_id is not None else []:
                if other["platform"] != stream["platform"] or other["channel"] != stream["channel"]:
                    continue
                b = self._figures([other])
                if a.start and b.start and a.end and b.end and a.start < b.end and b.start < a.end:
                    return True
        return False

    # -- figures ------------------------------------------------------------------

    def _figures(self, members: list[Doc], one_platform: bool = False) -> Figures:
        """Combined figures (streams of one channel counted once at each moment), or with
        ``one_platform`` that platform's streams in turn."""
        pick = platform_figures if one_platform and members else broadcast_figures
        return pick(members, self.folder.snapshots, self.interval, self.rules)

    def _extras(self, members: list[Doc]) -> dict[str, object]:
        """``final``, ``gap_polls`` and ``min_platform_coverage`` (issue #13)."""
        gaps = sum(len(self.folder.gaps.get(s["key"], [])) for s in members)
        final = all(s.get("done", False) for s in members if self._went_live(s))
        per_platform = [
            platform_figures(
                [s for s in members if s["platform"] == p],
                self.folder.snapshots,
                self.interval,
                self.rules,
            ).coverage_pct
            for p in ORDER
            if any(s["platform"] == p for s in members)
        ]
        known = [pct for pct in per_platform if pct is not None]
        return {
            "final": final,
            "gap_polls": gaps,
            "min_platform_coverage": min(known, default=None),
        }
