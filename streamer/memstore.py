"""MemStore: a ``Store`` in memory, for tests and as the second backend of the contract.

It keeps what TinyStore keeps, as the same documents (``streamer.tinycycle`` decides
what a cycle changes and what leaves the working set), without files: the working
set, one archive instead of month files, and snapshots by UTC day. A lock makes each
write atomic for threads; nothing outlives the process.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from types import MappingProxyType
from typing import Any

from streamer.clock import as_utc
from streamer.models import Broadcast, Gap, Snapshot, Stream, from_iso
from streamer.rollups import Rollup
from streamer.store import (
    CycleWrite,
    Leases,
    Partition,
    PeriodRecords,
    PlanChange,
    StoreBusy,
    gaps_of,
    in_span,
    period_of,
    snapshots_of,
)
from streamer.tinycycle import (
    add_events,
    apply_state,
    by_day,
    rollup_doc,
    take_done,
    take_finished_plan,
    take_old_outbox,
    take_old_quota,
)
from streamer.tinyfiles import Doc, Tables, insert_new, upsert
from streamer.unplanned import group_of

_KEYS = {"broadcasts": "id", "quota": "id", "outbox": "id"}  # others: "key"


class MemStore:
    """The whole store in memory: a working set, an archive and snapshots by day."""

    def __init__(self) -> None:
        """An empty store."""
        self._lock = threading.RLock()
        self._daemon = threading.Lock()
        self._main = Tables(None)
        self._archive = Tables(None)
        self._days: dict[date, Tables] = {}
        self._leases = Leases()

    def change_plan(self, change: PlanChange) -> list[Broadcast]:
        """Run ``change`` on the whole plan under the lock; save its result in the working set."""
        with self._lock:
            docs = [*self._docs("broadcasts", archive=True)]
            current = {doc["id"]: Broadcast.from_dict(doc) for doc in docs}
            changed = list(change(MappingProxyType(current)))
            upsert(self._main, "broadcasts", "id", [item.to_dict() for item in changed])
        return changed

    def broadcasts(self, *, include_archive: bool = True) -> dict[str, Broadcast]:
        """The plan by id: all of it, or the working plan only."""
        docs = self._docs("broadcasts", archive=include_archive)
        return {doc["id"]: Broadcast.from_dict(doc) for doc in docs}

    def broadcast(self, broadcast_id: str) -> Broadcast | None:
        """One planned broadcast, or ``None``."""
        return self.broadcasts().get(broadcast_id)

    def broadcasts_between(
        self, start: datetime | None, end: datetime | None
    ) -> dict[str, Broadcast]:
        """The broadcasts planned to start in ``[start, end)`` (``None``: no bound)."""
        return {key: b for key, b in self.broadcasts().items() if in_span(b.start, start, end)}

    def streams(self, *, include_archive: bool = False) -> dict[str, Stream]:
        """Streams by key: the working set, plus the archived ones when asked."""
        docs = self._docs("streams", archive=include_archive)
        return {doc["key"]: Stream.from_dict(doc) for doc in docs}

    def grouped_streams(self, groups: Collection[str]) -> dict[str, Stream]:
        """The streams, working or archived, of the broadcasts ``groups``."""
        wanted = set(groups)
        return self._streams_where(lambda key, stream: group_of(stream) in wanted)

    def streams_of(self, keys: Collection[str]) -> dict[str, Stream]:
        """The streams of ``keys``, working or archived."""
        wanted = set(keys)
        return self._streams_where(lambda key, stream: key in wanted)

    def _streams_where(self, keep: Callable[[str, Stream], bool]) -> dict[str, Stream]:
        everything = self.streams(include_archive=True).items()
        return {key: stream for key, stream in everything if keep(key, stream)}

    def rollups(self, *, include_archive: bool = False) -> dict[str, Rollup]:
        """Rollups by stream key, like ``streams``."""
        docs = self._docs("rollups", archive=include_archive)
        return {doc["key"]: Rollup.from_doc(doc["value"]) for doc in docs}

    def put_rollups(self, rollups: Mapping[str, Rollup]) -> None:
        """Replace rollups where they live: the archive, else the working set."""
        with self._lock:
            archived = {doc["key"] for doc in self._archive.table("rollups").values()}
            there = [rollup_doc(k, rollups) for k in rollups if k in archived]
            upsert(self._archive, "rollups", "key", there)
            rest = [rollup_doc(k, rollups) for k in rollups if k not in archived]
            upsert(self._main, "rollups", "key", rest)

    def commit_cycle(self, cycle: CycleWrite) -> None:
        """Save one collector cycle, by the same rules as TinyStore (``tinycycle``)."""
        json.dumps(dict(cycle.meta))  # TypeError before anything changes, as in ``set_meta``
        with self._lock:
            apply_state(self._main, cycle)
            moves = take_done(self._main)
            if cycle.now is not None:
                now = as_utc(cycle.now)
                take_finished_plan(self._main, now, moves)
                take_old_quota(self._main, now, moves)
                take_old_outbox(self._main, now, moves)
            for tables in moves.values():
                for name, docs in tables.items():
                    upsert(self._archive, name, _KEYS.get(name, "key"), docs)
            for snapshots, gaps in by_day(cycle.snapshots, cycle.gaps).values():
                first = snapshots[0].ts if snapshots else gaps[0].ts
                day = self._days.setdefault(as_utc(first).date(), Tables(None))
                insert_new(day, "snapshots", [s.to_dict() for s in snapshots], "stream", "ts")
                insert_new(day, "gaps", [g.to_dict() for g in gaps], "stream", "ts", "reason")

    def snapshots(
        self, start: datetime, end: datetime, streams: Iterable[str] | None = None
    ) -> list[Snapshot]:
        """Snapshots with ``start <= ts < end`` (optionally of some streams), by time."""
        return snapshots_of(self._day_docs("snapshots", start, end), streams)

    def gaps(self, start: datetime, end: datetime) -> list[Gap]:
        """Recorded gaps with ``start <= ts < end``, by time."""
        return gaps_of(self._day_docs("gaps", start, end))

    def period_records(self, start: datetime, end: datetime) -> PeriodRecords:
        """What a report on ``[start, end)`` reads (``PeriodRecords``)."""
        plan = self.broadcasts()
        return period_of(
            as_utc(start),
            as_utc(end),
            plan.values(),
            self.streams(include_archive=True).values(),
            {doc["key"]: doc["value"] for doc in self._docs("rollups", archive=True)},
            lambda ids: {i: plan[i] for i in ids if i in plan},
        )

    def window_mark(self, start: datetime, end: datetime) -> str | None:
        """Nothing in memory outlives the process: no mark (``Store.window_mark``)."""
        return None

    def window_print(
        self, start: datetime, end: datetime, known: Mapping[str, tuple[str, str]] | None = None
    ) -> dict[str, tuple[str, str]] | None:
        """Nothing in memory outlives the process: no print (``Store.window_print``)."""
        return None

    @contextmanager
    def lease_due(self, now: datetime, limit: int | None = None) -> Iterator[list[Stream]]:
        """Lease the due working streams; a stream leased is given to no other lease."""
        with self._lock:
            working = self.streams().values()
        with self._leases.lease(working, now, limit) as due:
            yield due

    def outbox(self, *, include_archive: bool = False) -> list[dict[str, Any]]:
        """The alert events by time raised: the working outbox, plus archived ones when asked."""
        by_id = {doc["id"]: doc for doc in self._docs("outbox", archive=include_archive)}
        return sorted((dict(doc) for doc in by_id.values()), key=lambda d: (d["at"], d["id"]))

    def add_events(self, events: Sequence[Mapping[str, Any]]) -> None:
        """Add outbox events; ids already there are left alone."""
        with self._lock:
            add_events(self._main, events)

    def change_event(
        self, event_id: str, change: Callable[[dict[str, Any]], dict[str, Any]]
    ) -> dict[str, Any] | None:
        """Replace one working outbox event by ``change(event)``."""
        with self._lock:
            outbox = self._main.table("outbox")
            for doc_id, doc in outbox.items():
                if doc["id"] == event_id:
                    outbox[doc_id] = changed = change(dict(doc))
                    return changed
        return None

    def quota_used(self, quota_day: str) -> dict[str, int]:
        """Units charged on a Pacific-time quota day (``YYYY-MM-DD``), by key name."""
        ledger = self._docs("quota", archive=False)
        return {doc["key"]: doc["units"] for doc in ledger if doc["day"] == quota_day}

    @contextmanager
    def daemon_lock(self) -> Iterator[None]:
        """Held for a daemon's life; ``StoreBusy`` while another holds it."""
        if not self._daemon.acquire(blocking=False):
            raise StoreBusy("another streamer daemon is running on this store")
        try:
            yield
        finally:
            self._daemon.release()

    def get_meta(self, name: str) -> Any:
        """A small named value, or ``None`` when it was never set."""
        values = {doc["name"]: doc["value"] for doc in self._docs("meta", archive=False)}
        return values.get(name)

    def set_meta(self, values: Mapping[str, Any]) -> None:
        """Save small named values in one write."""
        json.dumps(dict(values))  # TypeError on what JSON cannot hold, as a file store would
        docs = [{"name": name, "value": value} for name, value in values.items()]
        with self._lock:
            upsert(self._main, "meta", "name", docs)

    # -- SnapshotDays ---------------------------------------------------------------
    def partitions(self) -> list[date]:
        """The days that have snapshots or gaps, oldest first."""
        return sorted(self._days)

    def partition(self, day: date) -> Partition:
        """Which streams have snapshots or gaps on ``day``, and how many."""
        tables = self._days.get(day, Tables(None))
        snaps, gaps = tables.table("snapshots"), tables.table("gaps")
        streams = {doc["stream"] for table in (snaps, gaps) for doc in table.values()}
        return Partition(day, frozenset(streams), len(snaps), len(gaps))

    def drop_partitions(self, days: Sequence[date], *, all_or_none: bool = True) -> list[date]:
        """Forget these days' snapshots and gaps (no writer holds a day in memory)."""
        with self._lock:
            for day in days:
                self._days.pop(day, None)
        return list(days)

    def _docs(self, table: str, *, archive: bool) -> list[Doc]:
        with self._lock:
            working = list(self._main.table(table).values())
            return [*self._archive.table(table).values(), *working] if archive else working

    def _day_docs(self, table: str, start: datetime, end: datetime) -> list[Doc]:
        start, end = as_utc(start), as_utc(end)
        with self._lock:
            docs = [
                doc
                for day, tables in self._days.items()
                if start.date() <= day <= end.date()
                for doc in tables.table(table).values()
            ]
        return [doc for doc in docs if start <= from_iso(doc["ts"]) < end]
