"""The plan a TinyStore ``change_plan`` shows: main's broadcasts, the archived ones on demand.

An edit needs the current plan, the ids it must not hand out again, and for its
conflict check the broadcasts around its own time. Archived broadcasts all finished
more than a week ago, yet every edit used to parse and decode every month archive:
at a year of history one edit cost 18× what it cost on an empty store. Beside each
month archive lies a small index of its broadcasts (``archive/YYYY-MM.plan.json``:
their ids, series ids and latest end, and the version of the archive it describes),
so an edit reads the indexes and parses a month only when it looks up one of that
month's broadcasts or works on a time they reach. An index whose archive changed
behind it (another writer, an older version) is rebuilt from the archive.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from streamer.models import Broadcast, from_iso
from streamer.tinyfiles import Data, Stamp

INDEX_SUFFIX = ".plan.json"


@dataclass(frozen=True, slots=True)
class MonthIndex:
    """What a month archive holds of the plan, without its documents."""

    ids: frozenset[str]
    series: frozenset[str]
    until: float  # the latest end of its broadcasts (POSIX seconds), 0 when none

    @classmethod
    def of(cls, data: Data) -> MonthIndex:
        """The index of a parsed month archive."""
        docs = data.get("broadcasts", {}).values()
        ends = (from_iso(d["start"]) + timedelta(minutes=d["duration_min"]) for d in docs)
        return cls(
            frozenset(d["id"] for d in docs),
            frozenset(d["series_id"] for d in docs if d.get("series_id")),
            max((end.timestamp() for end in ends), default=0.0),
        )

    def to_doc(self, source: Stamp) -> dict[str, Any]:
        """The stored index, tied to the archive version ``source`` it describes."""
        return {
            "source": list(source),
            "ids": sorted(self.ids),
            "series": sorted(self.series),
            "until": self.until,
        }

    @classmethod
    def from_doc(cls, doc: Mapping[str, Any], source: Stamp) -> MonthIndex | None:
        """The stored index, or ``None`` when it describes another version of the archive."""
        if tuple(doc.get("source", ())) != tuple(source):
            return None
        return cls(frozenset(doc["ids"]), frozenset(doc["series"]), float(doc["until"]))


def index_rel(archive_rel: str) -> str:
    """``archive/2025-01.json`` → ``archive/2025-01.plan.json``."""
    return archive_rel.removesuffix(".json") + INDEX_SUFFIX


class ArchivedPlan(Mapping[str, Broadcast]):
    """The whole plan by id: main's working plan first, then the month archives, each
    decoded only when a look-up or ``ending_after`` needs it (``NarrowPlan``)."""

    def __init__(
        self,
        working: Mapping[str, Broadcast],
        months: Mapping[str, MonthIndex],
        load: Callable[[str], Mapping[str, Broadcast]],
    ) -> None:
        self._working = working
        self._months = months
        self._load = load
        self._loaded: dict[str, Mapping[str, Broadcast]] = {}

    def _month(self, rel: str) -> Mapping[str, Broadcast]:
        found = self._loaded.get(rel)
        if found is None:
            found = self._loaded[rel] = self._load(rel)
        return found

    def __getitem__(self, key: str) -> Broadcast:
        if key in self._working:
            return self._working[key]
        for rel, index in self._months.items():
            if key in index.ids:
                return self._month(rel)[key]
        raise KeyError(key)

    def __contains__(self, key: object) -> bool:
        if key in self._working:
            return True
        return any(key in index.ids for index in self._months.values())

    def __iter__(self) -> Iterator[str]:
        yield from self._working
        seen = set(self._working)
        for index in self._months.values():
            fresh = index.ids - seen
            seen |= fresh
            yield from fresh

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def ending_after(self, since: datetime) -> Iterator[Broadcast]:
        """The working plan and every month whose broadcasts reach past ``since``."""
        yield from self._working.values()
        for rel, index in self._months.items():
            if index.until > since.timestamp():
                month = self._month(rel)
                yield from (item for key, item in month.items() if key not in self._working)

    def series_ids(self) -> set[str]:
        """Every series id, the archived ones from the indexes."""
        found = {item.series_id for item in self._working.values() if item.series_id}
        for index in self._months.values():
            found |= index.series
        return found
