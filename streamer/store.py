"""The storage boundary: what every part of streamer may ask of the data folder.

``Store`` is a Protocol in domain terms (cycles, the plan, period reads, leases on
due work, meta, the outbox) so that a server database can stand behind it one day;
``SnapshotDays`` is the one named capability beyond it (list and forget snapshot
history by day, for prune and rebuild). The embedded default is ``TinyStore``
(streamer/tinystore.py, with streamer/tinyfiles.py the only modules that import
TinyDB); ``PgStore`` (streamer/pgstore.py) keeps it in a PostgreSQL database that
many processes share (``[store] url``); ``MemStore`` (streamer/memstore.py) keeps the
same in memory, and tests/test_store_contract.py is what every backend must pass.
``config_store(config)`` (or ``open_store(data_dir)``) is how code gets one.

Layout of a data folder (part of the documented interface)::

    streamer.json              the current plan, working-set streams and rollups, quota ledger
    snapshots/YYYY-MM-DD.json  one partition per UTC day: that day's snapshots and gaps
    archive/YYYY-MM.json       finished streams and their rollups, by month of start, and
                               finished broadcasts (with combined rollups), by planned start
    archive/YYYY-MM.tail.jsonl records (not broadcasts) moved to the month since the archive
                               was last written (streamer/tinytail.py); read as part of it

Nothing that every cycle rewrites grows with history: a cycle rewrites today's
partition and ``streamer.json``, and finished records leave the latter for the
archive. ``streamer prune`` deletes old partitions once their streams are done
(streamer/prune.py); rollups, streams and the plan are kept.

Every write is atomic (temp file, fsync, rename) and happens under a file lock held
across read → modify → write, so the daemon and CLI commands never lose each
other's updates and a crash never leaves a file half written.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from streamer.models import Broadcast, Gap, Snapshot, Stream
from streamer.rollups import Rollup
from streamer.simulcast import broadcast_key

if TYPE_CHECKING:
    from streamer.config import Config


class StoreError(Exception):
    """The data folder cannot be read or written (not a user mistake in input)."""


class StoreUnreachable(StoreError):
    """The database server cannot be reached or refused the connection (PgStore)."""


class StoreBusy(StoreError):
    """A lock could not be taken in time (another process holds it)."""


@dataclass(slots=True)
class CycleWrite:
    """Everything one collector cycle changes, saved in one store write.

    ``streams`` and ``rollups`` are upserts by stream key; a stream with ``done``
    set moves (with its rollup) from the working set to the month archive.
    ``broadcasts`` are status updates (live/held/missed) of planned broadcasts.
    ``quota`` adds units to the ledger: ``{(quota_day, key_name): units}``.
    ``meta`` sets small named values (as ``set_meta``) in the same write.
    ``events`` are alerts the cycle raised (``streamer.outbox``), added to the
    outbox unless their id is there already.
    ``now``, when given, is when the cycle ran: broadcasts finished (held, missed,
    cancelled) more than a week before it, with no stream left in the working set,
    move to the archive too, so the file every cycle rewrites stays small.
    """

    snapshots: Sequence[Snapshot] = ()
    gaps: Sequence[Gap] = ()
    streams: Sequence[Stream] = ()
    rollups: Mapping[str, Rollup] = field(default_factory=dict)
    broadcasts: Sequence[Broadcast] = ()
    quota: Mapping[tuple[str, str], int] = field(default_factory=dict)
    now: datetime | None = None
    meta: Mapping[str, Any] = field(default_factory=dict)
    events: Sequence[Mapping[str, Any]] = ()


@dataclass(frozen=True, slots=True)
class Partition:
    """One day's snapshot partition: the streams it holds records of, and how many."""

    day: date
    streams: frozenset[str]
    snapshots: int
    gaps: int


@dataclass(frozen=True, slots=True)
class PeriodRecords:
    """What a report on ``[start, end)`` reads from the store, archive included.

    ``broadcasts``: those planned to start in the span, and those the streams below
    are matched to. ``streams``: those that started in it (actual start, else
    scheduled start, else discovery; one with none of these always). ``rollups``:
    of these streams, and the combined rollups of these broadcasts and of the
    streams' unplanned broadcasts. A report widens its period by a margin, so that
    the streams matched to its broadcasts started inside (``reports.dataset``).
    """

    broadcasts: dict[str, Broadcast]
    streams: dict[str, Stream]
    rollups: dict[str, Rollup]


def stream_start(stream: Stream) -> datetime | None:
    """When a stream belongs in time: its actual start, else scheduled start, else discovery."""
    return stream.actual_start or stream.scheduled_start or stream.discovered_at


def period_of(
    start: datetime,
    end: datetime,
    broadcasts: Iterable[Broadcast],
    streams: Iterable[Stream],
    rollups: Mapping[str, Mapping[str, Any]],
    matched: Callable[[set[str]], Mapping[str, Broadcast]],
) -> PeriodRecords:
    """``PeriodRecords`` of ``[start, end)`` from candidates that include every record in it.

    ``rollups`` are the stored documents by key, decoded only when chosen;
    ``matched(ids)`` finds the broadcasts of these ids that are not among the candidates
    (planned outside the span, matched to a stream inside it).
    """
    plan = {b.id: b for b in broadcasts if start <= b.start < end}
    chosen: dict[str, Stream] = {}
    for stream in streams:
        began = stream_start(stream)
        if began is None or start <= began < end:
            chosen[stream.key] = stream
    wanted = {s.broadcast_id for s in chosen.values() if s.broadcast_id is not None}
    if wanted - plan.keys():
        plan.update(matched(wanted - plan.keys()))
    keys = {*chosen, *(broadcast_key(i) for i in plan)}
    keys |= {broadcast_key(s.unplanned_id) for s in chosen.values() if s.unplanned_id}
    # In stored order, as ``rollups()`` gives them: copies made in a set's order came out
    # scattered in memory, and a half-year report reading them ran measurably slower.
    found = {key: Rollup.from_doc(value) for key, value in rollups.items() if key in keys}
    return PeriodRecords(plan, chosen, found)


def snapshots_of(
    docs: Iterable[Mapping[str, Any]], streams: Iterable[str] | None
) -> list[Snapshot]:
    """Stored snapshot documents as snapshots (of ``streams`` only, when given), by time:
    what every backend's ``snapshots`` returns for its day documents."""
    wanted = None if streams is None else set(streams)
    found = [Snapshot.from_dict(d) for d in docs if wanted is None or d["stream"] in wanted]
    return sorted(found, key=lambda item: (item.ts, item.stream))


def gaps_of(docs: Iterable[Mapping[str, Any]]) -> list[Gap]:
    """Stored gap documents as gaps, by time (every backend's ``gaps``)."""
    return sorted((Gap.from_dict(doc) for doc in docs), key=lambda item: (item.ts, item.stream))


# A function run inside the broadcasts lock: it sees the current plan and returns
# the broadcasts to insert or replace. Raising aborts the change; nothing is written.
PlanChange = Callable[[Mapping[str, Broadcast]], Iterable[Broadcast]]


@runtime_checkable
class NarrowPlan(Protocol):
    """A plan (``Mapping`` by id) that can hand out part of itself without decoding the
    rest: a store whose history is archived offers it to ``change_plan``'s function."""

    def ending_after(
        self, since: datetime, starting_before: datetime | None = None
    ) -> Iterable[Broadcast]:
        """At least every broadcast that ends after ``since`` and, when given, starts
        before ``starting_before`` (maybe a few more)."""
        ...

    def series_ids(self) -> set[str]:
        """Every series id in the plan."""
        ...


def in_span(moment: datetime, start: datetime | None, end: datetime | None) -> bool:
    """Whether ``moment`` is in ``[start, end)`` (``None``: no bound), as
    ``Store.broadcasts_between`` selects a broadcast by its start."""
    return (start is None or moment >= start) and (end is None or moment < end)


def ending_after(
    plan: Mapping[str, Broadcast], since: datetime, starting_before: datetime | None = None
) -> Iterable[Broadcast]:
    """The broadcasts of ``plan`` that may end after ``since`` and start before
    ``starting_before`` (all, for a plain mapping): what a conflict check in that window
    or a series edit from ``since`` on has to look at."""
    if isinstance(plan, NarrowPlan):
        return plan.ending_after(since, starting_before)
    return plan.values()


def series_ids(plan: Mapping[str, Broadcast]) -> set[str]:
    """Every series id in ``plan``, without decoding an archive that has an index."""
    if isinstance(plan, NarrowPlan):
        return plan.series_ids()
    return {item.series_id for item in plan.values() if item.series_id is not None}


class Store(Protocol):
    """The operations streamer needs from its storage, in domain terms.

    Nothing here names files: where records live (TinyStore's working set, month
    archives and day partitions) is the backend's business. What a period report
    needs is one bounded read (``period_records``); due work is leased
    (``lease_due``) so that several workers could share a store one day.
    """

    # -- plan -------------------------------------------------------------------
    def change_plan(self, change: PlanChange) -> list[Broadcast]:
        """Run ``change`` on the whole plan under the lock; save and return its result."""
        ...

    def broadcasts(self, *, include_archive: bool = True) -> dict[str, Broadcast]:
        """The whole plan by id (a consistent read, no lock needed); without the archive,
        only the current plan (not yet finished, or finished within a week): what a
        collector cycle needs, at a cost that does not grow with history."""
        ...

    def broadcast(self, broadcast_id: str) -> Broadcast | None:
        """One planned broadcast, or ``None``: what ``broadcasts()`` has under that id,
        reading no more of the archive than it takes to find it."""
        ...

    def broadcasts_between(
        self, start: datetime | None, end: datetime | None
    ) -> dict[str, Broadcast]:
        """The broadcasts planned to start in ``[start, end)`` (``None``: no bound), as
        ``broadcasts()`` has them, reading only the archive the span touches: what
        ``plan list --from/--to`` needs, at a cost that does not grow with history."""
        ...

    # -- collection -------------------------------------------------------------
    def streams(self, *, include_archive: bool = False) -> dict[str, Stream]:
        """Streams by key: the working set, plus archived ones when asked."""
        ...

    def grouped_streams(self, groups: Collection[str]) -> dict[str, Stream]:
        """The streams, working or archived, that count in one of the broadcasts
        ``groups`` (planned or unplanned ids, ``unplanned.group_of``): what a collector
        regrouping a few broadcasts needs of the archive, without reading all of it."""
        ...

    def streams_of(self, keys: Collection[str]) -> dict[str, Stream]:
        """The streams of ``keys``, working or archived (an unknown key is left out):
        what pruning a day needs of the archive, without reading all of it."""
        ...

    def rollups(self, *, include_archive: bool = False) -> dict[str, Rollup]:
        """Rollups by stream key, like ``streams``."""
        ...

    def put_rollups(self, rollups: Mapping[str, Rollup]) -> None:
        """Replace rollups where they live (the working set or their month's archive)."""
        ...

    def commit_cycle(self, cycle: CycleWrite) -> None:
        """Save one collector cycle (see ``CycleWrite``) in one write.

        Snapshots are idempotent on ``(stream, ts)``: writing the same one twice
        (a cycle replayed after a crash) keeps one copy.
        """
        ...

    def snapshots(
        self, start: datetime, end: datetime, streams: Iterable[str] | None = None
    ) -> list[Snapshot]:
        """Snapshots with ``start <= ts < end`` (optionally of some streams), by time."""
        ...

    def gaps(self, start: datetime, end: datetime) -> list[Gap]:
        """Recorded gaps with ``start <= ts < end``."""
        ...

    # -- reports ----------------------------------------------------------------
    def period_records(self, start: datetime, end: datetime) -> PeriodRecords:
        """What a report on ``[start, end)`` reads, archive included (see ``PeriodRecords``)."""
        ...

    def window_mark(self, start: datetime, end: datetime) -> str | None:
        """A text that changes whenever what ``period_records(start, end)`` reads may
        have changed, so that what was worked out from those records can be kept and
        trusted while the mark is the same (``reports.digest``); ``None`` when the
        store cannot vouch for that (records of the window are still being written)."""
        ...

    def window_print(
        self, start: datetime, end: datetime, known: Mapping[str, tuple[str, str]] | None = None
    ) -> dict[str, tuple[str, str]] | None:
        """For a mark that changed: what the window's records give, by part of the store
        (each part's version and what it gives of the window), so that what was worked
        out under an older mark can be kept while its print is the same; ``known``, an
        earlier print, saves working a part out again while its version is the same.
        ``None`` when the store has no finer answer than its mark."""
        ...

    # -- due work ---------------------------------------------------------------
    def lease_due(
        self, now: datetime, limit: int | None = None
    ) -> AbstractContextManager[list[Stream]]:
        """Hold the working streams due for a poll at ``now`` for the ``with`` block.

        Due: not done, ``next_poll_at <= now``; earliest first, at most ``limit``.
        A stream leased and not yet released is given to no other lease (a server
        database: ``SELECT … FOR UPDATE SKIP LOCKED``; the embedded store, which one
        daemon owns at a time, keeps the leases in the process).
        """
        ...

    # -- outbox -----------------------------------------------------------------
    def outbox(self, *, include_archive: bool = False) -> list[dict[str, Any]]:
        """The alert events (``streamer.outbox``) by time raised: those of the
        last week and any still to send, plus the archived ones when asked."""
        ...

    def add_events(self, events: Sequence[Mapping[str, Any]]) -> None:
        """Add events raised outside a cycle (a scheduled report's delivery) in one short
        write; an id already in the outbox is left alone, as in ``commit_cycle``."""
        ...

    def change_event(
        self, event_id: str, change: Callable[[dict[str, Any]], dict[str, Any]]
    ) -> dict[str, Any] | None:
        """Replace one outbox event by ``change(event)`` under the lock (a short write);
        ``None`` when no such event is in the working outbox."""
        ...

    # -- quota ------------------------------------------------------------------
    def quota_used(self, quota_day: str) -> dict[str, int]:
        """Units charged on a Pacific-time quota day (``YYYY-MM-DD``), by key name."""
        ...

    # -- process coordination ------------------------------------------------------
    def daemon_lock(self) -> AbstractContextManager[None]:
        """Held for a daemon's whole life; a second daemon on the store gets StoreBusy."""
        ...

    # -- key/value state ----------------------------------------------------------
    def get_meta(self, name: str) -> Any:
        """A small named value (e.g. last discovery time per channel), or ``None``."""
        ...

    def set_meta(self, values: Mapping[str, Any]) -> None:
        """Save small named values in one write."""
        ...


@runtime_checkable
class SnapshotDays(Protocol):
    """The named capability to list and forget snapshot history by UTC day.

    Only ``streamer prune`` (forget old days) and ``rollup --rebuild`` (find the
    history's span) use it; a day is a partition file in TinyStore.
    """

    def partitions(self) -> list[date]:
        """The days that have snapshots or gaps, oldest first."""
        ...

    def partition(self, day: date) -> Partition:
        """Which streams have snapshots or gaps on ``day``, and how many."""
        ...

    def drop_partitions(self, days: Sequence[date], *, all_or_none: bool = True) -> list[date]:
        """Forget these days' snapshots and gaps, each day's taken without waiting.

        A day a writer holds is skipped, or with ``all_or_none`` raises ``StoreBusy``
        before anything is forgotten. Returns the days forgotten.
        """
        ...


class DayStore(Store, SnapshotDays, Protocol):
    """A store whose snapshot history can be listed and forgotten by day."""


class Leases:
    """Leases on due streams kept in one process: for a store one process owns at a time."""

    def __init__(self) -> None:
        """No stream leased."""
        self._held: set[str] = set()

    @contextmanager
    def lease(
        self, working: Iterable[Stream], now: datetime, limit: int | None
    ) -> Iterator[list[Stream]]:
        """Lease the due streams of ``working`` that no other lease holds (as ``lease_due``)."""
        due = [
            s
            for s in working
            if not s.done
            and s.next_poll_at is not None
            and s.next_poll_at <= now
            and s.key not in self._held
        ]
        due.sort(key=lambda s: (s.next_poll_at, s.key))
        taken = due[:limit] if limit is not None else due
        self._held.update(s.key for s in taken)
        try:
            yield taken
        finally:
            self._held.difference_update(s.key for s in taken)


def config_store(config: Config, *, long_lived: bool = False) -> DayStore:
    """The store a config names: the PostgreSQL database of ``[store] url`` when set
    (streamer/pgstore.py), else its ``data_dir``, written with its ``fsync``;
    ``long_lived``: for a daemon (``open_store``)."""
    if config.store.url is not None:
        from streamer.pgstore import PgStore

        return PgStore(config.store.url, password_env=config.store.password_env)
    return open_store(config.data_dir, fsync=config.fsync, long_lived=long_lived)


def open_store(data_dir: Path, *, fsync: bool = True, long_lived: bool = False) -> DayStore:
    """The embedded default store for ``data_dir`` (created if missing); ``fsync=False``:
    the config's ``fsync = false`` (writes survive a killed process, not a power cut);
    ``long_lived``: a daemon's, which keeps no month archive parsed between reads
    (``TinyStore``'s ``keep_archives``)."""
    from streamer.tinystore import TinyStore

    return TinyStore(data_dir, fsync=fsync, keep_archives=not long_lived)
