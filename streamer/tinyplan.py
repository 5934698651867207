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

Main's own broadcasts are decoded on demand too: main keeps a week of finished ones
(``PLAN_HORIZON``) that an edit of next week never needs, and decoding all of main's
plan was a third of an edit. The one question an edit asks every month, whether it
holds the id about to be handed out, is answered from the stored index's text when
the answer is no (``StoredIndex``), and by bisection of its sorted ids otherwise:
parsing a year of ids or building sets of them cost more than the rest of the
history's share of an edit.
"""

from __future__ import annotations

import os
import re
from bisect import bisect_left
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from math import inf
from pathlib import Path
from typing import Any

import orjson

from streamer.models import Broadcast, from_iso
from streamer.store import StoreError
from streamer.tinyfiles import Data, Doc, Stamp, stamp

INDEX_SUFFIX = ".plan.json"
_HEAD = b'{"source":['  # how ``MonthIndex.to_doc`` comes out of orjson
_MONTH_FILE = re.compile(r".{4}-.{2}\.json")  # what ``TinyStore`` globs: ``????-??.json``


@dataclass(frozen=True, slots=True)
class MonthIndex:
    """What a month archive holds of the plan, without its documents."""

    ids: Sequence[str]  # sorted
    series: Sequence[str]  # sorted
    until: float  # the latest end of its broadcasts (POSIX seconds), 0 when none

    @classmethod
    def of(cls, data: Data) -> MonthIndex:
        """The index of a parsed month archive."""
        docs = data.get("broadcasts", {}).values()
        return cls(
            sorted({d["id"] for d in docs}),
            sorted({d["series_id"] for d in docs if d.get("series_id")}),
            max((_end(doc) for doc in docs), default=0.0),
        )

    def to_doc(self, source: Stamp) -> dict[str, Any]:
        """The stored index, tied to the archive version ``source`` it describes."""
        return {
            "source": list(source),
            "ids": list(self.ids),
            "series": list(self.series),
            "until": self.until,
        }

    @classmethod
    def from_doc(cls, doc: Mapping[str, Any], source: Stamp) -> MonthIndex | None:
        """The stored index, or ``None`` when it describes another version of the archive."""
        if tuple(doc.get("source", ())) != tuple(source):
            return None
        # Sorted again: cheap on what ``to_doc`` wrote, and bisection relies on it.
        return cls(sorted(doc["ids"]), sorted(doc["series"]), float(doc["until"]))

    def has(self, key: object) -> bool:
        """Whether one of the month's broadcasts has id ``key``."""
        return _has(self.ids, key)


class StoredIndex:
    """A month's stored index as read, parsed only as far as a question needs.

    An edit asks every month whether it holds the id about to be handed out, and the
    answer is almost always no: a search of the stored text for the id as JSON tells
    that without parsing the month's thousands of ids (most of reading a year's
    indexes). Only an index in the form ``to_doc`` gives it through orjson qualifies:
    it starts with its source and ends with its latest end, which are checked.
    """

    __slots__ = ("_parsed", "_path", "_raw", "until")

    def __init__(self, path: Path, raw: bytes, until: float) -> None:
        self._path = path
        self._raw = raw
        self._parsed: MonthIndex | None = None
        self.until = until

    @classmethod
    def read(cls, path: Path, raw: bytes, source: Stamp) -> StoredIndex | None:
        """The index in ``raw`` when it is complete, in that form and of ``source``."""
        head_end = raw.find(b"]", len(_HEAD))  # the stamp holds numbers only
        tail = raw.rfind(b',"until":')  # the last key: a string would escape its quotes
        if not raw.startswith(_HEAD) or head_end < 0 or tail < 0 or not raw.endswith(b"}"):
            return None
        try:
            head = orjson.loads(raw[: head_end + 1] + b"}")
            until = orjson.loads(b"{" + raw[tail + 1 :])["until"]
        except (ValueError, LookupError, TypeError):
            return None
        if head != {"source": list(source)} or not isinstance(until, (int, float)):
            return None
        return cls(path, raw, float(until))

    @property
    def parsed(self) -> MonthIndex:
        """The whole index, parsed once."""
        if self._parsed is None:
            try:
                doc = orjson.loads(self._raw)
                self._parsed = MonthIndex(sorted(doc["ids"]), sorted(doc["series"]), self.until)
            except (ValueError, LookupError, TypeError) as exc:
                raise StoreError(f"{self._path} is damaged; delete it to have it rebuilt") from exc
        return self._parsed

    @property
    def ids(self) -> Sequence[str]:
        """The month's broadcast ids, sorted."""
        return self.parsed.ids

    @property
    def series(self) -> Sequence[str]:
        """The month's series ids, sorted."""
        return self.parsed.series

    def has(self, key: object) -> bool:
        """Whether one of the month's broadcasts has id ``key``."""
        if not isinstance(key, str) or orjson.dumps(key) not in self._raw:
            return False
        return self.parsed.has(key)


PlanIndex = MonthIndex | StoredIndex


def may_hold(index: PlanIndex | None, ids: set[str]) -> bool:
    """Whether the month this index describes may hold one of the broadcasts ``ids``:
    yes unless the index says otherwise. A missing or stale index (``None``) or a
    damaged one (an index is written without fsync) tells nothing: a reader parses
    the month, as it did before indexes; a plan edit rebuilds it."""
    if index is None:
        return True
    try:
        return not ids.isdisjoint(index.ids)
    except StoreError:
        return True


def _has(ordered: Sequence[str], key: object) -> bool:
    if not isinstance(key, str):
        return False
    at = bisect_left(ordered, key)
    return at < len(ordered) and ordered[at] == key


def _start(doc: Doc) -> float:
    """When a stored broadcast starts (POSIX seconds), without decoding the rest of it."""
    return from_iso(doc["start"]).timestamp()


def _end(doc: Doc) -> float:
    """When a stored broadcast ends (POSIX seconds), without decoding the rest of it."""
    return _start(doc) + 60.0 * float(doc["duration_min"])


def index_rel(archive_rel: str) -> str:
    """``archive/2025-01.json`` → ``archive/2025-01.plan.json``."""
    return archive_rel.removesuffix(".json") + INDEX_SUFFIX


def stored_indexes(folder: Path) -> dict[str, PlanIndex | None]:
    """The stored index of each month archive in ``folder`` by file name, oldest first;
    ``None`` when it is missing, unreadable or describes another version of its archive.

    One listing of the folder and one read per index: an edit reads every month's
    index, and globbing and joining paths per month cost more than parsing them.
    """
    names = sorted(entry.name for entry in os.scandir(folder) if _MONTH_FILE.fullmatch(entry.name))
    return {name: _stored(folder / index_rel(name), stamp(folder / name)) for name in names}


def _stored(path: Path, source: Stamp | None) -> PlanIndex | None:
    if source is None:  # the archive is gone: nothing to describe
        return None
    try:
        with open(path, "rb") as file:
            raw = file.read()
        return StoredIndex.read(path, raw, source) or MonthIndex.from_doc(orjson.loads(raw), source)
    except (OSError, ValueError, LookupError, TypeError, AttributeError):
        # Missing, or cut short by a power cut (it is written without fsync): rebuilt.
        return None


class ArchivedPlan(Mapping[str, Broadcast]):
    """The whole plan by id: main's working plan first, then the month archives; a
    broadcast is decoded only when a look-up or ``ending_after`` needs it (``NarrowPlan``)."""

    def __init__(
        self,
        working: Mapping[str, Doc],
        months: Mapping[str, PlanIndex],
        load: Callable[[str], Mapping[str, Broadcast]],
    ) -> None:
        """``working`` is main's stored broadcasts by id; ``load`` decodes a month archive."""
        self._working = working
        self._decoded: dict[str, Broadcast] = {}
        self._months = months
        self._load = load
        self._loaded: dict[str, Mapping[str, Broadcast]] = {}

    def _month(self, rel: str) -> Mapping[str, Broadcast]:
        found = self._loaded.get(rel)
        if found is None:
            found = self._loaded[rel] = self._load(rel)
        return found

    def _work(self, key: str) -> Broadcast:
        found = self._decoded.get(key)
        if found is None:
            found = self._decoded[key] = Broadcast.from_dict(self._working[key])
        return found

    def __getitem__(self, key: str) -> Broadcast:
        if key in self._working:
            return self._work(key)
        for rel, index in self._months.items():
            if index.has(key):
                return self._month(rel)[key]
        raise KeyError(key)

    def __contains__(self, key: object) -> bool:
        if key in self._working:
            return True
        return any(index.has(key) for index in self._months.values())

    def __iter__(self) -> Iterator[str]:
        yield from self._working
        seen = set(self._working)
        for index in self._months.values():
            fresh = [key for key in index.ids if key not in seen]
            seen.update(fresh)
            yield from fresh

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def ending_after(
        self, since: datetime, starting_before: datetime | None = None
    ) -> Iterator[Broadcast]:
        """The working broadcasts ending after ``since`` (and starting before
        ``starting_before``), and every archived month whose broadcasts reach past
        ``since`` (the working copy of a broadcast wins)."""
        moment = since.timestamp()
        before = inf if starting_before is None else starting_before.timestamp()
        for key, doc in self._working.items():
            start = _start(doc)
            if start < before and start + 60.0 * float(doc["duration_min"]) >= moment:
                yield self._work(key)
        for rel, index in self._months.items():
            if index.until > moment:
                month = self._month(rel)
                yield from (item for key, item in month.items() if key not in self._working)

    def series_ids(self) -> set[str]:
        """Every series id, the archived ones from the indexes."""
        docs = self._working.values()
        found = {doc["series_id"] for doc in docs if doc.get("series_id")}
        for index in self._months.values():
            found.update(index.series)
        return found
