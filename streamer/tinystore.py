"""TinyStore: the embedded ``Store`` in TinyDB files (the only module importing TinyDB).

Every write replaces its file atomically, so readers and crashes see the old file or
the new one, never half of one; it holds the file's lock across re-read → modify →
write, so two processes never write back stale copies; and snapshots live in one
partition per UTC day, so a cycle appends to today's partition (its tail:
``streamer.tinyday``), not the whole history.
Lock files are ``locks/<file>.lock`` (``locks/snapshots-2024-05-01.json.lock``); a
multi-file write takes main's lock first, then the others sorted, so none deadlock.

Nothing in main grows with history: done streams, their rollups and (given the
cycle's ``now``) finished plan entries and old quota ledger rows move to their month's
archive (the rules of a cycle's write: ``streamer.tinycycle``). Writes work on
the storage's documents (``{table: {id: doc}}``, TinyDB's file format) rather than
through ``tinydb.Table``: iterating a table wraps every document in a ``Document``,
which profiling showed was half of a cycle's time; reads still go through TinyDB.
"""

from __future__ import annotations

import fnmatch
import os
import zlib
from bisect import bisect_left
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, ExitStack, contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, TypeGuard

import orjson
from tinydb import TinyDB

from streamer.clock import as_utc
from streamer.models import Broadcast, Gap, Snapshot, Stream, from_iso, to_iso
from streamer.rollups import Rollup
from streamer.simulcast import broadcast_key
from streamer.store import (
    CycleWrite,
    Leases,
    Partition,
    PeriodRecords,
    PlanChange,
    StoreBusy,
    StoreError,
    gaps_of,
    in_span,
    period_of,
    snapshots_of,
)
from streamer.tinycycle import (
    ARCHIVE,
    SNAPSHOTS,
    UNPLANNED_COMBINED,
    add_events,
    apply_state,
    by_day,
    day_file,
    rollup_doc,
    stream_start_text,
    take_done,
    take_finished_plan,
    take_old_outbox,
    take_old_quota,
)
from streamer.tinyday import (
    DAY_KEYS,
    day_keys,
    fresh_docs,
    read_day,
    read_day_tail,
    remember,
    stored_days,
    with_tail,
)
from streamer.tinyfiles import (
    AtomicJSONStorage,
    Data,
    Doc,
    Stamp,
    TableKeys,
    Tables,
    first_table,
    fsync_folder,
    insert_new,
    put_first,
    stamp,
    upsert,
)
from streamer.tinyplan import (
    INDEX_SUFFIX,
    ArchivedPlan,
    MonthIndex,
    PlanIndex,
    index_rel,
    may_hold,
    stored_indexes,
)
from streamer.tinytail import (
    FOLD_BYTES,
    TAIL_TABLES,
    append_tail,
    apply_tail,
    key_field,
    parse_tail,
    read_month,
    read_tail,
    remove_tail,
    tail_path,
)

MAIN = "streamer.json"
DayVersion = tuple[Stamp | None, Stamp | None]  # a day partition's and its tail's
LOCKS = "locks"
DEFAULT_LOCK_TIMEOUT = 10.0
KEPT_LOCKS = 16  # FileLock objects kept for reuse (main, today's partition, archives)

if TYPE_CHECKING:
    from filelock import FileLock


class TinyStore:
    """The embedded ``Store``: ``streamer.json``, day partitions and month archives."""

    def __init__(
        self,
        data_dir: Path,
        *,
        lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
        fsync: bool = True,
        fold_bytes: int = FOLD_BYTES,
        keep_archives: bool = True,
        day_fold_bytes: int = FOLD_BYTES,
    ) -> None:
        """Open (creating if missing) the data folder and remove a killed writer's temp files.

        ``fsync=False`` writes without fsync (``AtomicJSONStorage``): as safe against a
        killed process, not against a power cut. ``fold_bytes``: the size at which a
        month's tail is folded into its archive (``streamer.tinytail``);
        ``day_fold_bytes``, today's tail into its partition (``streamer.tinyday``).
        ``keep_archives``: keep each month archive parsed until it changes, so that a
        report reading the plan, the streams and the rollups in turn parses it once.
        A daemon opens its store without: a nightly prune or a scheduled report reads
        every month it covers, and kept, a year of them held some 200 MB for the
        daemon's life.
        """
        self.data_dir = Path(data_dir)
        self.lock_timeout = lock_timeout
        self.fsync = fsync
        self.fold_bytes = fold_bytes
        self.day_fold_bytes = day_fold_bytes
        self.keep_archives = keep_archives
        # Month archives with their tails applied, by (archive, tail) version.
        self._merged: dict[str, tuple[tuple[Stamp, Stamp], Data]] = {}
        # The keys of the day written last, by the versions of its partition and tail
        # as written (``_append_partition``).
        self._partition_keys: dict[str, tuple[DayVersion, dict[str, TableKeys]]] = {}
        # Days whose partition has a tail (``streamer.tinyday``); ``None``: not looked yet.
        self._day_tails: set[str] | None = None
        # Parsed files by their version (main and the archives), and main's documents
        # decoded into model objects (see ``_working``).
        self._file_cache: dict[str, tuple[Stamp, Data]] = {}
        self._file_locks: dict[str, FileLock] = {}
        self._decoded: dict[str, dict[str, tuple[Doc, Any]]] = {}
        # Main's times and broadcast ids (``_main_reach``), for the parse they came from.
        self._reach: tuple[Data, _MainReach] | None = None
        self._twice: tuple[object, frozenset[str]] | None = None
        # A new data folder is private: only its owner may list or read it. Files in
        # it follow the umask (0644 under the usual 022) and are unreachable for
        # others through the 0700 folder; an existing folder's mode is the operator's.
        self.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._leases = Leases()
        for folder in (SNAPSHOTS, ARCHIVE, LOCKS):
            (self.data_dir / folder).mkdir(parents=True, exist_ok=True)
        self._remove_leftover_temp_files()

    def change_plan(self, change: PlanChange) -> list[Broadcast]:
        """Run ``change`` on the whole plan (archive included) under the lock; save its result.

        Changed broadcasts are saved in main, where the working copy wins over an archived
        one. If ``change`` raises, nothing is written and the exception propagates. It
        must not write to the store itself: it would wait for the lock its caller holds.
        """
        with self._locked([MAIN]), self._tables(MAIN) as main:
            # Archives are only rewritten under main's lock, which is held: a stable view.
            # Main's broadcasts and the archives are decoded only as far as ``change``
            # asks (``ArchivedPlan``).
            working = {doc["id"]: doc for doc in main.table("broadcasts").values()}
            current = ArchivedPlan(working, self._plan_indexes(), self._archived_plan)
            changed = list(change(current))
            upsert(main, "broadcasts", "id", [item.to_dict() for item in changed])
        return changed

    def broadcasts(self, *, include_archive: bool = True) -> dict[str, Broadcast]:
        """The plan by id: the whole of it, or only main's working plan (what a cycle needs)."""
        if not include_archive:
            return self._working("broadcasts", "id", Broadcast.from_dict)
        docs = self._read_with_archive("broadcasts", include_archive)
        return {doc["id"]: Broadcast.from_dict(doc) for doc in docs}

    def broadcast(self, broadcast_id: str) -> Broadcast | None:
        """One planned broadcast, or ``None``: main's copy, else the latest month
        archive's, as ``broadcasts()`` has them; a month is parsed only when its plan
        index may hold the id (``tinyplan.may_hold``). Main is read first, as in
        ``_read_with_archive``: a broadcast archived in between is then found there."""
        for doc in self._main("broadcasts"):
            if doc["id"] == broadcast_id:
                return Broadcast.from_dict(doc)
        holds = self._plan_check()
        for rel in reversed(self._archive_files()):
            if holds(rel, {broadcast_id}):
                for doc in self._parsed(rel).get("broadcasts", {}).values():
                    if doc["id"] == broadcast_id:
                        return Broadcast.from_dict(doc)
        return None

    def broadcasts_between(
        self, start: datetime | None, end: datetime | None
    ) -> dict[str, Broadcast]:
        """The broadcasts planned to start in ``[start, end)`` (``None``: no bound), as
        ``broadcasts()`` has them, parsing the month archives of the span only.

        A broadcast is archived in the month it starts in, so those months hold every
        archived one inside. Main's copy wins over an archived one; of two archived
        copies (a cancelled broadcast planned again, and held, in another month) the
        later month's, which is parsed only when its plan index may hold one of the ids.
        """
        start = None if start is None else as_utc(start)
        end = None if end is None else as_utc(end)
        working = self._main("broadcasts")  # first: see ``_read_with_archive``
        months = self._archive_files()
        span = _months(start, end)
        inside = [rel for rel in months if _month_of(rel) in span]
        docs: dict[str, Doc] = {}
        for rel in inside:
            plan = self._parsed(rel).get("broadcasts", {}).values()
            docs.update((doc["id"], doc) for doc in plan)
        later = [rel for rel in months if rel > inside[-1]] if docs else []
        holds, ids = self._plan_check(), set(docs)
        for rel in later:
            if holds(rel, ids):
                for doc in self._parsed(rel).get("broadcasts", {}).values():
                    if doc["id"] in ids:
                        docs[doc["id"]] = doc
        docs.update((doc["id"], doc) for doc in working)
        return {
            doc["id"]: Broadcast.from_dict(doc)
            for doc in docs.values()
            if in_span(from_iso(doc["start"]), start, end)
        }

    def streams(self, *, include_archive: bool = False) -> dict[str, Stream]:
        """Streams by key: the working set, plus the archived ones when asked."""
        if not include_archive:
            return self._working("streams", "key", Stream.from_dict)
        docs = self._read_with_archive("streams", include_archive)
        return {doc["key"]: Stream.from_dict(doc) for doc in docs}

    def grouped_streams(self, groups: Collection[str]) -> dict[str, Stream]:
        """The streams, working or archived, that count in one of the broadcasts
        ``groups`` (planned or unplanned ids), read as ``_streams_where`` reads."""
        wanted = set(groups)
        return self._streams_where(
            lambda doc: (doc.get("broadcast_id") or doc.get("unplanned_id")) in wanted
        )

    def streams_of(self, keys: Collection[str]) -> dict[str, Stream]:
        """The streams of ``keys``, working or archived (an unknown key is left out),
        read as ``_streams_where`` reads."""
        wanted = set(keys)
        return self._streams_where(lambda doc: doc["key"] in wanted)

    def _streams_where(self, keep: Callable[[Doc], bool]) -> dict[str, Stream]:
        """The streams whose newest stored document ``keep`` accepts, decoded.

        A month archive is read only as far as its streams, the first table of the file
        as ``_fold`` writes it, keeping just the documents asked for (a month written
        otherwise is parsed whole, as ``streams`` does).
        """
        found: dict[str, Doc] = {}
        for rel in self._archive_files():
            found.update((doc["key"], doc) for doc in self._archived_streams(rel, keep))
        for doc in self._main("streams"):  # main last: its copy wins, as in ``streams``
            found.pop(doc["key"], None)
            if keep(doc):
                found[doc["key"]] = doc
        return {key: Stream.from_dict(doc) for key, doc in found.items()}

    def rollups(self, *, include_archive: bool = False) -> dict[str, Rollup]:
        """Rollups by stream key, like ``streams``."""
        if not include_archive:
            return self._working("rollups", "key", _rollup)
        docs = self._read_with_archive("rollups", include_archive)
        return {doc["key"]: _rollup(doc) for doc in docs}

    def commit_cycle(self, cycle: CycleWrite) -> None:
        """Save one collector cycle: one write per touched file, main last.

        A snapshot already in its UTC day's partition (same stream and ts) is skipped, as
        is a gap (same stream, ts, reason); done streams and rollups move to the archive,
        and so do finished broadcasts ``PLAN_HORIZON`` after their end when ``cycle.now``
        is given.
        """
        with self._locked([MAIN]), self._tables(MAIN) as main:
            apply_state(main, cycle)
            moves = take_done(main)
            if cycle.now is not None:
                take_finished_plan(main, as_utc(cycle.now), moves)
                take_old_quota(main, as_utc(cycle.now), moves)
                take_old_outbox(main, as_utc(cycle.now), moves)
            days = by_day(cycle.snapshots, cycle.gaps)
            newest = max(days, default=None)
            # A day before the newest written keeps no tail (``streamer.tinyday``).
            past = self._tails_before(newest)
            stale = self._archived_elsewhere(moves)
            # Partitions and archives before main, which records that a cycle happened
            # (next poll times, quota): after a crash in between, main says "not yet", the
            # replay skips the snapshots already saved, and a done stream is in its archive
            # before it leaves main. The other order would lose what main says is saved.
            with self._locked(sorted({*days, *moves, *past, *stale})):
                for rel, (snapshots, gaps) in days.items():
                    self._append_partition(rel, snapshots, gaps, newest=rel == newest)
                for rel in past:
                    self._fold_day(rel, {}, None)
                # Before the new copies: a crash in between leaves main's, which wins.
                for rel, ids in stale.items():
                    self._drop_plan(rel, ids)
                for rel, tables in moves.items():
                    self._archive(rel, tables)

    def period_records(self, start: datetime, end: datetime) -> PeriodRecords:
        """What a report on ``[start, end)`` reads: main and the archives of its months.

        Streams and broadcasts are archived by the month they started in (planned, for
        a broadcast), so only those months are parsed; a stream's broadcast planned in
        another month is looked up in the other archives, nearest first, skipping those
        whose plan index (``streamer.tinyplan``) says they hold none of the ids sought:
        an id that no month holds would otherwise have every month parsed.
        """
        start, end = as_utc(start), as_utc(end)
        months = self._archive_files()
        inside = [rel for rel in months if _month_of(rel) in _months(start, end)]
        # Main is read first (``_read_with_archive``) and put last: its working copy of
        # a broadcast edited after it was archived wins, as in ``broadcasts()``.
        working = {table: self._main(table) for table in ("broadcasts", "streams", "rollups")}
        docs: dict[str, list[Doc]] = {table: [] for table in working}
        for rel in inside:
            data = self._parsed(rel)
            for table, found in docs.items():
                found += data.get(table, {}).values()
        for table, found in docs.items():
            found += working[table]
        # One copy of each record, the last (main's) winning, before any is judged by
        # its time: an archived copy must not stand in for one that moved out of the span.
        plan_docs = {doc["id"]: doc for doc in docs["broadcasts"]}.values()
        stream_docs = {doc["key"]: doc for doc in docs["streams"]}.values()
        rollups = {doc["key"]: doc["value"] for doc in docs["rollups"]}

        def matched(ids: set[str]) -> dict[str, Broadcast]:
            found = {
                doc["id"]: Broadcast.from_dict(doc)
                for doc in docs["broadcasts"]
                if doc["id"] in ids
            }
            month = _month_number(start)
            others = sorted(set(months) - set(inside), key=lambda r: abs(_month_of(r) - month))
            holds = self._plan_check()
            for rel in others:
                sought = ids - found.keys()
                if not sought:
                    break
                if not holds(rel, sought):
                    continue
                for doc in self._parsed(rel).get("broadcasts", {}).values():
                    if doc["id"] in ids and doc["id"] not in found:
                        found[doc["id"]] = Broadcast.from_dict(doc)
            return found

        # A month archive holds the whole month: decode only what may start in the span
        # (a week's report reads two or three months), and let ``period_of`` choose.
        low, high = to_iso(start - _SLACK), to_iso(end + _SLACK)
        return period_of(
            start,
            end,
            [Broadcast.from_dict(doc) for doc in plan_docs
             if _may_fall_in(doc.get("start"), low, high)],
            [Stream.from_dict(doc) for doc in stream_docs
             if _may_fall_in(stream_start_text(doc), low, high)],
            rollups,
            matched,
        )  # fmt: skip

    def window_mark(self, start: datetime, end: datetime) -> str | None:
        """A text that changes whenever what ``period_records(start, end)`` reads may
        have changed (``Store.window_mark``).

        The window's records are in the month archives it touches, and those files are
        only replaced whole or their tails appended to: their versions are the mark.
        Main changes every cycle, so it is not part of the mark; instead there is no
        mark while main holds anything of the window (``_MainReach``): a broadcast or
        stream starting in it, or a working copy of a broadcast one of its months
        archives, nor while one of its months archives a broadcast that another month
        archives too (``_archived_twice``). Main's rollups of no record of its own may
        be any window's: their checksum is part of every mark.
        """
        versions = self._window_versions(as_utc(start), as_utc(end))
        if versions is None:
            return None
        return f"tinydb:{versions}:{self._main_reach().orphans}"

    def _window_versions(
        self, start: datetime, end: datetime
    ) -> list[tuple[str, Stamp | None, Stamp | None]] | None:
        """The month archives ``[start, end)`` (UTC) touches, each with the versions of
        the archive and its tail; ``None`` when the store cannot vouch for the window
        (``window_mark``)."""
        reach = self._main_reach()
        if reach.everywhere or reach.starts_in(to_iso(start - _SLACK), to_iso(end + _SLACK)):
            return None
        months = _months(start, end)
        inside = [rel for rel in self._archive_files() if _month_of(rel) in months]
        if not self._archived_twice().isdisjoint(inside):
            return None
        ids = reach.ids
        indexes = stored_indexes(self.data_dir / ARCHIVE) if ids else {}
        for rel in inside if ids else ():
            index = indexes.get(rel.removeprefix(f"{ARCHIVE}/"))
            if index is None:  # no index to ask: look at the month itself, and index it
                archived = self._indexed(rel).get("broadcasts", {}).values()
                if any(doc["id"] in ids for doc in archived):
                    return None
            elif may_hold(index, ids):
                return None
        return [
            (rel, stamp(self.data_dir / rel), stamp(tail_path(self.data_dir / rel)))
            for rel in inside
        ]

    def window_print(
        self, start: datetime, end: datetime, known: Mapping[str, tuple[str, str]] | None = None
    ) -> dict[str, tuple[str, str]] | None:
        """What ``period_records(start, end)`` reads, file by file, for a mark that
        changed (``Store.window_print``): each file's versions and what it gives.

        A month the window holds whole gives its versions, as in the mark. A month it
        only reaches into by its margins gives a checksum of the records a read of the
        window may take there (``_reach_print``): the month after a closed one is the
        month being collected, whose archive changes every day, and those changes are
        that month's own records. Main gives the checksum of its orphan rollups. A
        month whose versions are those of ``known`` (an earlier print) keeps its
        checksum there without a parse. ``None`` whenever ``window_mark`` is."""
        start, end = as_utc(start), as_utc(end)
        inside = self._window_versions(start, end)
        if inside is None:
            return None
        low, high = to_iso(start - _SLACK), to_iso(end + _SLACK)
        found: dict[str, tuple[str, str]] = {}
        for rel, archive, tail in inside:
            number, versions = _month_of(rel), repr((archive, tail))
            if start <= _month_start(number) and _month_start(number + 1) <= end:
                found[rel] = (versions, versions)
            elif known is not None and known.get(rel, ("",))[0] == versions:
                found[rel] = known[rel]
            else:
                found[rel] = (versions, _reach_print(self._parsed(rel), low, high))
        found[MAIN] = ("", self._main_reach().orphans)
        return found

    def _archived_twice(self) -> frozenset[str]:
        """The month archives holding a broadcast that another month holds too, worked
        out once per version of the archives.

        A cycle archives a broadcast once (``_archived_elsewhere``), but a folder written
        before kept the old copy of a broadcast edited, after it was archived, to start
        in another month: a read of the old month alone still finds it there, and the
        other month's version is not part of the old one's mark."""
        months = self._archive_files()
        versions = tuple(stamp(self.data_dir / rel) for rel in months)
        if self._twice is not None and self._twice[0] == (months, versions):
            return self._twice[1]
        indexes = stored_indexes(self.data_dir / ARCHIVE) if months else {}
        holder: dict[str, str] = {}
        twice: set[str] = set()
        for rel in months:
            ids = _index_ids(indexes.get(rel.removeprefix(f"{ARCHIVE}/")))
            if ids is None:  # no index to ask, or a damaged one: the month itself tells
                ids = MonthIndex.of(self._indexed(rel)).ids
            for ident in ids:
                other = holder.setdefault(ident, rel)
                if other != rel:
                    twice.update((rel, other))
        found = frozenset(twice)
        self._twice = ((months, versions), found)
        return found

    def _main_reach(self) -> _MainReach:
        """``_MainReach`` of main as parsed now, worked out once per version of main."""
        main = self._parsed(MAIN)
        if self._reach is None or self._reach[0] is not main:
            self._reach = (main, _MainReach.of(main))
        return self._reach[1]

    @contextmanager
    def lease_due(self, now: datetime, limit: int | None = None) -> Iterator[list[Stream]]:
        """Lease the due working streams: one daemon owns the folder (``daemon_lock``),
        so leases kept in this process are all the exclusion needed."""
        with self._leases.lease(self.streams().values(), now, limit) as due:
            yield due

    def put_rollups(self, rollups: Mapping[str, Rollup]) -> None:
        """Replace rollups where they live: their month's archive, else the working set."""
        where: dict[str, list[str]] = {}
        for rel in self._archive_files():
            docs = self._parsed(rel).get("rollups", {}).values()
            keys = [doc["key"] for doc in docs if doc["key"] in rollups]
            if keys:
                where[rel] = keys
        archived = {key for keys in where.values() for key in keys}
        with self._locked([MAIN, *sorted(where)]):
            for rel, keys in where.items():
                self._fold(rel, {"rollups": [rollup_doc(k, rollups) for k in keys]})
            with self._tables(MAIN) as main:
                rest = [rollup_doc(k, rollups) for k in rollups if k not in archived]
                upsert(main, "rollups", "key", rest)

    def snapshots(
        self, start: datetime, end: datetime, streams: Iterable[str] | None = None
    ) -> list[Snapshot]:
        """Snapshots with ``start <= ts < end`` (optionally of some streams), by time."""
        return snapshots_of(self._day_docs("snapshots", start, end), streams)

    def gaps(self, start: datetime, end: datetime) -> list[Gap]:
        """Recorded gaps with ``start <= ts < end``, by time."""
        return gaps_of(self._day_docs("gaps", start, end))

    def partitions(self) -> list[date]:
        """The days that have a snapshot partition (or only its tail), oldest first."""
        return stored_days(self.data_dir / SNAPSHOTS)[0]

    def partition(self, day: date) -> Partition:
        """Which streams have snapshots or gaps in ``day``'s partition, and how many."""
        data = read_day(self.data_dir / day_file(day))
        snaps, gaps = data.get("snapshots", {}), data.get("gaps", {})
        streams = {doc["stream"] for table in (snaps, gaps) for doc in table.values()}
        return Partition(day, frozenset(streams), len(snaps), len(gaps))

    def drop_partitions(self, days: Sequence[date], *, all_or_none: bool = True) -> list[date]:
        """Delete these days' partitions, each under its lock taken without waiting.

        A partition whose lock a writer holds is skipped, or with ``all_or_none`` raises
        ``StoreBusy`` before anything is deleted. Returns the days deleted.
        """
        with ExitStack() as held:
            taken = []
            for day in days:
                rel = day_file(day)
                try:
                    held.enter_context(self._lock(rel, timeout=0))
                except _filelock().Timeout as exc:
                    if all_or_none:
                        raise StoreBusy(f"{self.data_dir / rel} is being written") from exc
                    continue
                taken.append(day)
            for day in taken:
                rel = day_file(day)
                # The tail first: a partition left alone reads as it did, a tail alone
                # would hold part of a day that prune believes gone.
                tail_path(self.data_dir / rel).unlink(missing_ok=True)
                (self.data_dir / rel).unlink(missing_ok=True)
                if self._day_tails is not None:
                    self._day_tails.discard(rel)
            fsync_folder(self.data_dir / SNAPSHOTS)  # the deletions survive a power cut
        return taken

    def quota_used(self, quota_day: str) -> dict[str, int]:
        """Units charged on a Pacific-time quota day (``YYYY-MM-DD``), by key name."""
        ledger = self._main("quota")
        return {doc["key"]: doc["units"] for doc in ledger if doc["day"] == quota_day}

    def outbox(self, *, include_archive: bool = False) -> list[dict[str, Any]]:
        """The alert events by time raised: the working outbox, plus archived ones when asked."""
        docs = self._read_with_archive("outbox", include_archive)
        by_id = {doc["id"]: doc for doc in docs}  # main's copy last: it wins
        return sorted((dict(doc) for doc in by_id.values()), key=lambda d: (d["at"], d["id"]))

    def add_events(self, events: Sequence[Mapping[str, Any]]) -> None:
        """Add outbox events under main's lock; ids already there are left alone."""
        with self._locked([MAIN]), self._tables(MAIN) as main:
            add_events(main, events)

    def change_event(
        self, event_id: str, change: Callable[[dict[str, Any]], dict[str, Any]]
    ) -> dict[str, Any] | None:
        """Replace one working outbox event by ``change(event)``, under main's lock."""
        with self._locked([MAIN]), self._tables(MAIN) as main:
            outbox = main.table("outbox")
            for doc_id, doc in outbox.items():
                if doc["id"] == event_id:
                    outbox[doc_id] = changed = change(dict(doc))
                    main.changed = True
                    return changed
        return None

    def get_meta(self, name: str) -> Any:
        """A small named value, or ``None`` when it was never set."""
        values = {doc["name"]: doc["value"] for doc in self._main("meta")}
        return values.get(name)

    def set_meta(self, values: Mapping[str, Any]) -> None:
        """Save small named values (plain JSON types) in one write."""
        docs = [{"name": name, "value": value} for name, value in values.items()]
        with self._locked([MAIN]), self._tables(MAIN) as main:
            upsert(main, "meta", "name", docs)

    @contextmanager
    def daemon_lock(self) -> Iterator[None]:
        """Hold ``locks/daemon.lock`` for a daemon's life; ``StoreBusy`` if another has it."""
        lock = _filelock().FileLock(self._lock_path("daemon"), timeout=0)
        try:
            lock.acquire()
        except _filelock().Timeout as exc:
            raise StoreBusy(f"another streamer daemon is running on {self.data_dir}") from exc
        try:
            yield
        finally:
            lock.release()

    def writers_held(self) -> AbstractContextManager[None]:
        """Hold main's lock, which every writer takes first: nothing in the folder is
        written meanwhile (``StoreBusy`` after ``lock_timeout``). For ``store backup``."""
        return self._locked([MAIN])

    def _lock(self, rel: str, timeout: float) -> AbstractContextManager[None]:
        """Hold ``rel``'s lock (``Timeout`` after ``timeout`` s), through a kept ``FileLock``.

        Making a ``FileLock`` resolves and registers its path, which was a third of
        taking it; a cycle takes two or three, so the store keeps them (the few in use).
        """
        lock = self._file_locks.get(rel)
        if lock is None:
            if len(self._file_locks) >= KEPT_LOCKS:  # yesterday's partitions and the like
                for old in [k for k, v in self._file_locks.items() if not v.is_locked]:
                    del self._file_locks[old]
            lock = self._file_locks[rel] = _filelock().FileLock(self._lock_path(rel))
        return _acquired(lock, timeout)

    def _lock_path(self, rel: str) -> Path:
        return self.data_dir / LOCKS / f"{rel.replace('/', '-')}.lock"

    @contextmanager
    def _locked(self, rels: Sequence[str]) -> Iterator[None]:
        """Hold the locks of ``rels`` in the order given (main first, then sorted)."""
        with ExitStack() as held:
            for rel in rels:
                try:
                    held.enter_context(self._lock(rel, self.lock_timeout))
                except _filelock().Timeout as exc:
                    busy = f"{self.data_dir / rel} is locked by another streamer process"
                    raise StoreBusy(f"{busy}; gave up after {self.lock_timeout:g} s") from exc
            yield

    @contextmanager
    def _tables(self, rel: str) -> Iterator[Tables]:
        """Read → modify → write ``rel`` once, saved only if the block succeeds and changed it.

        Opened inside the caller's lock, never kept: it starts from the last writer's file.
        Main and a day partition start from the cached parse when the file is still the
        version parsed or written last (no parse per cycle, see ``_keep``); the copy is
        of its tables, not its documents, so edits must replace a document, never change
        one in place. What is written
        becomes the cached version, so the next read or write needs no parse either.
        """
        storage = AtomicJSONStorage(self.data_dir / rel, fsync=self.fsync)
        kept = rel == MAIN or rel.startswith(f"{SNAPSHOTS}/")
        cached = self._file_cache.get(rel) if kept else None
        if cached is not None and cached[0] == stamp(storage.path):
            tables = Tables({name: dict(docs) for name, docs in cached[1].items()})
        else:
            tables = Tables(storage.read())
        yield tables
        if tables.changed:
            written = storage.write_version(tables.data)
            if kept:
                self._keep(rel, written, tables.data)

    def _keep(self, rel: str, written: Stamp, data: Data) -> None:
        """Cache what was just written to main or a partition: the next cycle's write
        starts from it instead of parsing the file again (a 2 MB day was a quarter of a
        cycle). Only the last partition written is kept: a daemon writes today's, and a
        day's worth of snapshots is the same size at any length of history."""
        if rel != MAIN:
            for old in [k for k in self._file_cache if k.startswith(f"{SNAPSHOTS}/")]:
                del self._file_cache[old]
        self._file_cache[rel] = (written, data)

    def _read(self, rel: str, table: str) -> list[Doc]:
        """Day partition ``rel``'s ``table``, its tail's documents added, the tail read
        first (``streamer.tinyday``).

        No lock: files are only replaced whole and tails only grow, so a read sees one
        version of each. A fresh TinyDB per read (an open one would serve the old file),
        with nothing to close."""
        tail = read_day_tail(self.data_dir / rel)
        stored = TinyDB(self.data_dir / rel, storage=AtomicJSONStorage).table(table).all()
        return with_tail(table, list(stored), tail or {})

    def _archive_files(self) -> list[str]:
        return [
            f"{ARCHIVE}/{p.name}" for p in sorted((self.data_dir / ARCHIVE).glob("????-??.json"))
        ]

    def _read_archives(self, table: str) -> list[Doc]:
        """``table`` of every month archive, each file parsed once while it is unchanged.

        A report reads broadcasts, streams and rollups one after the other; parsing
        every month three times was most of its read time. A file is only ever
        replaced whole, so an unchanged (inode, mtime, size) means unchanged content.
        """
        docs: list[Doc] = []
        for rel in self._archive_files():
            docs += self._parsed(rel).get(table, {}).values()
        return docs

    def _archived_streams(self, rel: str, keep: Callable[[Doc], bool]) -> list[Doc]:
        """The streams of month archive ``rel`` (its tail applied) that ``keep`` accepts;
        the tail is read first, as ``_month`` does."""
        path = tail_path(self.data_dir / rel)
        found = read_tail(path)
        stored = first_table(self.data_dir / rel, "streams", keep)
        if stored is None:
            return list(filter(keep, self._parsed(rel).get("streams", {}).values()))
        newer = parse_tail(found[1], path).get("streams", {}) if found else {}
        older = [doc for doc in stored.values() if doc["key"] not in newer]
        return older + list(filter(keep, newer.values()))  # a tail's copy wins

    def _main(self, table: str) -> list[Doc]:
        """``table`` of ``streamer.json``, from the parse cached until the file changes."""
        return list(self._parsed(MAIN).get(table, {}).values())

    def _parsed(self, rel: str) -> Data:
        """The file ``rel`` as stored (a month archive with its tail applied), parsed
        again only when it was replaced (or its tail grew) since.

        The collector reads the plan, streams and rollups of ``streamer.json`` every
        cycle; parsing it once per change, not once per read, keeps a cycle's reads
        cheap. Callers must not modify what they get.
        """
        if not rel.startswith(f"{ARCHIVE}/"):
            return self._versioned(rel)[1]
        if not self.keep_archives:
            return read_month(self.data_dir / rel)
        return self._month(rel)

    def _month(self, rel: str) -> Data:
        """Month archive ``rel`` with its tail applied, merged again only when either
        changed; the tail is read before the archive (``streamer.tinytail``)."""
        path = tail_path(self.data_dir / rel)
        # Unchanged since the last merge (both versions as cached): no read at all. The
        # tail is looked at first, as below, so a fold in between is a miss, not a gap.
        seen = stamp(path)
        cached = self._merged.get(rel)
        if seen and cached and cached[0] == (stamp(self.data_dir / rel), seen):
            return cached[1]
        found = read_tail(path)
        source, data = self._versioned(rel)
        if found is None:
            return data
        version = (source, found[0])
        if cached is None or cached[0] != version:
            cached = self._merged[rel] = (version, apply_tail(data, parse_tail(found[1], path)))
        return cached[1]

    def _versioned(self, rel: str) -> tuple[Stamp, Data]:
        """``rel`` parsed, with the version it was parsed from (see ``_parsed``)."""
        now = stamp(self.data_dir / rel)
        if now is None:
            self._file_cache.pop(rel, None)
            return (0, 0, 0), {}
        cached = self._file_cache.get(rel)
        if cached is None or cached[0] != now:
            cached = (now, AtomicJSONStorage(self.data_dir / rel).read() or {})
            self._file_cache[rel] = cached
        return cached

    def _working(self, table: str, field: str, decode: Callable[[Doc], Any]) -> dict[str, Any]:
        """Main's ``table`` decoded into model objects, each document decoded once.

        A cycle reads the working plan and streams; decoding every broadcast of a
        half-year plan each cycle (ISO times, tuples) cost more than the rest of the
        cycle's reads. A document that is the same object as last time (main re-used
        from the cache, the document untouched) keeps its decoded object; the objects
        are frozen, so sharing them is safe.
        """
        docs = self._parsed(MAIN).get(table, {}).values()
        before = self._decoded.get(table, {})
        now: dict[str, tuple[Doc, Any]] = {}
        for doc in docs:
            hit = before.get(doc[field])
            now[doc[field]] = hit if hit is not None and hit[0] is doc else (doc, decode(doc))
        self._decoded[table] = now
        return {key: value for key, (_, value) in now.items()}

    def _read_with_archive(self, table: str, include_archive: bool) -> list[Doc]:
        # Main is read before the archives: a record moved in between was written to its
        # archive before it left main, so it is seen once or twice, never missed. Later
        # documents win in the callers' dicts, so main's copy comes last.
        working = self._main(table)
        return self._read_archives(table) + working if include_archive else working

    def _day_docs(self, table: str, start: datetime, end: datetime) -> list[Doc]:
        """Documents with ``start <= ts < end``, read from the overlapping partitions only."""
        start, end = as_utc(start), as_utc(end)
        last_day = (end - timedelta(microseconds=1)).date()  # end is exclusive
        days = [d for d in self.partitions() if start.date() <= d <= last_day]
        docs = (doc for day in days for doc in self._read(day_file(day), table))
        return [doc for doc in docs if start <= from_iso(doc["ts"]) < end]

    def _append_partition(
        self, rel: str, snapshots: list[Snapshot], gaps: list[Gap], *, newest: bool
    ) -> None:
        """Add what is new to day partition ``rel`` (its lock held): appended to its tail
        when the day is the ``newest`` this cycle writes, its partition exists and the
        tail is under ``day_fold_bytes``; otherwise written into the partition, the tail
        folded in (``streamer.tinyday``). The day's keys are kept with the versions
        written, so the next cycle neither parses the day nor scans it for them."""
        path = self.data_dir / rel
        tail = tail_path(path)
        kept = self._partition_keys.pop(rel, None)  # back only once this write succeeded
        self._partition_keys.clear()
        version = (stamp(path), stamp(tail))
        known = kept[1] if kept is not None and kept[0] == version else day_keys(self._day(rel))
        docs = {"snapshots": [s.to_dict() for s in snapshots], "gaps": [g.to_dict() for g in gaps]}
        fresh = fresh_docs(known, docs)
        if fresh and newest and version[0] is not None and _size(version[1]) < self.day_fold_bytes:
            append_tail(tail, fresh, fsync=self.fsync)
            remember(known, fresh)
            if self._day_tails is not None:
                self._day_tails.add(rel)
        elif fresh:
            self._fold_day(rel, fresh, known)
        self._partition_keys[rel] = ((stamp(path), stamp(tail)), known)

    def _fold_day(
        self, rel: str, fresh: Mapping[str, list[Doc]], known: Mapping[str, TableKeys] | None
    ) -> None:
        """Write day partition ``rel`` with its tail's and ``fresh``'s documents (its
        lock held), then delete the tail: a crash between leaves them in both, and they
        read as once. ``known``: the day's keys as readers see it (partition and tail),
        which ``fresh`` was chosen against; updated with ``fresh``."""
        tail = read_day_tail(self.data_dir / rel)
        with self._tables(rel) as db:
            for name, docs in (tail or {}).items():
                insert_new(db, name, docs, *DAY_KEYS[name])
            for name, docs in fresh.items():
                keys = None if known is None else known[name]
                insert_new(db, name, docs, *DAY_KEYS[name], known=keys)
        if tail is not None:
            remove_tail(tail_path(self.data_dir / rel), fsync=self.fsync)
        if self._day_tails is not None:
            self._day_tails.discard(rel)

    def _day(self, rel: str) -> Data:
        """Day partition ``rel`` with its tail applied, the partition from the parse
        cached while it is unchanged (the tail read first)."""
        return read_day(self.data_dir / rel, lambda: self._versioned(rel)[1])

    def _tails_before(self, newest: str | None) -> list[str]:
        """The days before ``newest`` (a partition file) that have a tail, the folder
        looked at once per store, then kept up to date by this store's writes."""
        if newest is None:
            return []
        if self._day_tails is None:
            self._day_tails = {day_file(day) for day in stored_days(self.data_dir / SNAPSHOTS)[1]}
        return sorted(rel for rel in self._day_tails if rel < newest)

    def _archive(self, rel: str, tables: Mapping[str, list[Doc]]) -> None:
        """Move ``tables``' documents to month archive ``rel`` (its lock held): those of
        ``TAIL_TABLES`` (streams, rollups, quota rows, outbox events) are appended to its
        tail while the archive exists and the tail is under ``fold_bytes``; anything else
        (a broadcast) rewrites the archive, folding the tail in."""
        archive = self.data_dir / rel
        path = tail_path(archive)
        size = (stamp(path) or (0, 0, 0))[2]
        if set(tables) <= TAIL_TABLES and archive.exists() and size < self.fold_bytes:
            append_tail(path, tables, fsync=self.fsync)
            return
        self._fold(rel, tables)

    def _archived_elsewhere(
        self, moves: Mapping[str, Mapping[str, list[Doc]]]
    ) -> dict[str, set[str]]:
        """The month archives holding an older copy of a broadcast that ``moves`` archives
        in another month (edited, after it was archived, to start there), with those ids:
        each broadcast is archived once, so a read of either month finds it as it is now.
        Only months whose plan index may hold one of the ids are parsed (main's lock held:
        no archive moves)."""
        going = {
            rel: {doc["id"] for doc in tables.get("broadcasts", ())}
            for rel, tables in moves.items()
        }
        ids = set().union(*going.values())
        if not ids:
            return {}
        indexes = self._plan_indexes()
        stale: dict[str, set[str]] = {}
        for rel in self._archive_files():
            sought = ids - going.get(rel, set())
            if sought and may_hold(indexes.get(rel), sought):
                held = {doc["id"] for doc in self._parsed(rel).get("broadcasts", {}).values()}
                if held & sought:
                    stale[rel] = held & sought
        return stale

    def _drop_plan(self, rel: str, ids: set[str]) -> None:
        """Remove month archive ``rel``'s copies of the broadcasts ``ids`` (its lock held);
        broadcasts are never in a tail, so the archive alone is rewritten."""
        with self._tables(rel) as db:
            plan = db.table("broadcasts")
            for doc_id in [doc_id for doc_id, doc in plan.items() if doc["id"] in ids]:
                del plan[doc_id]
                db.changed = True
        self._write_index(rel, db.data)

    def _fold(self, rel: str, tables: Mapping[str, list[Doc]]) -> None:
        """Rewrite month archive ``rel`` with its tail's and ``tables``' documents, and
        delete the tail after the archive, so a crash between leaves them in both.

        While a tail exists, ``tables``' tail documents are appended to it first: its last
        line then holds the newest of each record, so a tail left by a crash before its
        deletion repeats the archive instead of undoing what this fold wrote over it."""
        path = tail_path(self.data_dir / rel)
        rest = dict(tables)
        if path.exists() and (ours := {n: rest.pop(n) for n in tables if n in TAIL_TABLES}):
            append_tail(path, ours, fsync=self.fsync)
        found = read_tail(path)
        tail = parse_tail(found[1], path) if found else {}
        with self._tables(rel) as db:
            for name, docs in tail.items():
                upsert(db, name, key_field(name), list(docs.values()))
            for name, found_docs in rest.items():
                upsert(db, name, key_field(name), found_docs)
            put_first(db, "streams")  # what ``grouped_streams`` reads without the rest
        self._write_index(rel, db.data)
        if found is not None:
            remove_tail(path, fsync=self.fsync)

    def _plan_check(self) -> Callable[[str, set[str]], bool]:
        """``tinyplan.may_hold`` by month archive: whether ``rel`` may hold one of the
        broadcast ids. The stored indexes are read on the first question, and a missing
        or stale one is not rebuilt (a read takes no lock): its month may hold anything."""
        indexes: dict[str, PlanIndex | None] | None = None

        def check(rel: str, ids: set[str]) -> bool:
            nonlocal indexes
            if indexes is None:  # once, even when the folder holds none
                indexes = stored_indexes(self.data_dir / ARCHIVE)
            return may_hold(indexes.get(rel.removeprefix(f"{ARCHIVE}/")), ids)

        return check

    def _plan_indexes(self) -> dict[str, PlanIndex]:
        """Each month archive's plan index; one that is missing or describes another
        version of its archive is rebuilt and saved (main's lock held: no archive moves)."""
        found: dict[str, PlanIndex] = {}
        for name, index in stored_indexes(self.data_dir / ARCHIVE).items():
            rel = f"{ARCHIVE}/{name}"
            found[rel] = index or self._write_index(rel, self._parsed(rel))
        return found

    def _write_index(self, rel: str, data: Data, source: Stamp | None = None) -> MonthIndex:
        """Save the plan index of month archive ``rel`` as it is now (its lock held), or
        as the version ``source`` that ``data`` was parsed from.

        Without fsync: an index is rebuilt from its archive whenever it does not describe
        the archive's current version, so losing it costs one parse, never a record.
        """
        index = MonthIndex.of(data)
        source = source or stamp(self.data_dir / rel)
        if source is not None:
            storage = AtomicJSONStorage(self.data_dir / index_rel(rel), fsync=False)
            with suppress(StoreError):  # only a cache: the next reader rebuilds it
                storage.write(index.to_doc(source))
        return index

    def _indexed(self, rel: str) -> Data:
        """Month archive ``rel`` parsed, its plan index saved when it has none that
        describes this version (a copied or restored folder: every inode is new), so
        that the next reader need not parse it. No lock is taken: the index is tied to
        the version seen before the parse, and saved only if that is still the file's
        after it; an index that cannot be written is simply not kept."""
        before = stamp(self.data_dir / rel)
        data = self._parsed(rel)
        if before is not None and before == stamp(self.data_dir / rel):
            self._write_index(rel, data, before)
        return data

    def _archived_plan(self, rel: str) -> dict[str, Broadcast]:
        """The broadcasts of month archive ``rel``, decoded."""
        docs = self._parsed(rel).get("broadcasts", {}).values()
        return {doc["id"]: Broadcast.from_dict(doc) for doc in docs}

    def _remove_leftover_temp_files(self) -> None:
        """Delete ``*.tmp`` left by a killed writer; a live writer's (lock held) stays."""
        # Only our own temp names (``<data file>.<random>.tmp``) in our own folders.
        for folder in (self.data_dir, self.data_dir / SNAPSHOTS, self.data_dir / ARCHIVE):
            for tmp in _temp_files(folder):
                rel = tmp.relative_to(self.data_dir).with_name(tmp.name.rsplit(".", 2)[0])
                with (
                    suppress(_filelock().Timeout),
                    self._lock(_writer_lock(rel.as_posix()), timeout=0),
                ):
                    tmp.unlink(missing_ok=True)


def _filelock() -> ModuleType:
    """``filelock``, imported on first use: 10 ms of imports a report never needs (it
    reads without locks), which is a fiftieth of the whole report process."""
    import filelock

    return filelock


@contextmanager
def _acquired(lock: FileLock, timeout: float) -> Iterator[None]:
    lock.acquire(timeout=timeout)
    try:
        yield
    finally:
        lock.release()


def _writer_lock(rel: str) -> str:
    """The file whose lock a writer of ``rel`` holds: its own, or for a month archive's
    plan index its archive's (the index is written under the archive's lock)."""
    if rel.startswith(f"{ARCHIVE}/") and rel.endswith(INDEX_SUFFIX):
        return rel.removesuffix(INDEX_SUFFIX) + ".json"
    return rel


def _temp_files(folder: Path) -> list[Path]:
    """``folder``'s ``*.json.*.tmp`` files. Every store (each CLI command) looks at start:
    a glob matched a year of day partitions one by one against the pattern; the names
    filtered by their ending first cost a fraction of that."""
    names = [name for name in os.listdir(folder) if name.endswith(".tmp")]
    return [folder / name for name in fnmatch.filter(names, "*.json.*.tmp")]


def _rollup(doc: Doc) -> Rollup:
    """A stored rollup record (``{"key", "value"}``) as its ``Rollup``."""
    return Rollup.from_doc(doc["value"])


# More than a time's text can be off from the bounds it is compared with (those have
# fractions of a second the stored texts drop).
_SLACK = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class _MainReach:
    """What of main may belong to any window, for ``window_mark``: the sorted start
    texts of its broadcasts and streams, its broadcast ids, ``everywhere`` when a record
    may belong to any window (a stream with no start, or a time stored in another
    shape), and ``orphans``: a checksum of the rollups of no record in main, which may
    be any window's (an unplanned broadcast's combined rollup, which goes to the archive
    with its last stream, ``tinycycle.take_done``, was left there by earlier releases)."""

    starts: list[str]
    ids: set[str]
    everywhere: bool
    orphans: str

    @classmethod
    def of(cls, main: Data) -> _MainReach:
        streams = main.get("streams", {}).values()
        plan = main.get("broadcasts", {}).values()
        texts = [stream_start_text(doc) for doc in streams]
        texts += [doc.get("start") for doc in plan]
        owned = _rollup_keys(plan, streams)
        orphans = sorted(
            (doc["key"], doc) for doc in main.get("rollups", {}).values() if doc["key"] not in owned
        )
        return cls(
            sorted(text for text in texts if _in_stored_shape(text)),
            {doc["id"] for doc in plan},
            not all(_in_stored_shape(text) for text in texts),
            f"{len(orphans)}:{_checksum(orphans)}",
        )

    def starts_in(self, low: str, high: str) -> bool:
        """Whether a start text lies in ``[low, high)``."""
        at = bisect_left(self.starts, low)
        return at < len(self.starts) and self.starts[at] < high


def _may_fall_in(text: object, low: str, high: str) -> bool:
    """Whether a stored time may fall in ``[low, high)`` (texts as ``to_iso`` writes
    them): false only for a text of that one shape (``2025-03-01T05:00:00Z``) outside
    them, as such texts order as their times do; anything else is decoded and judged."""
    return not _in_stored_shape(text) or low <= text < high


def _index_ids(index: PlanIndex | None) -> Sequence[str] | None:
    """A month's broadcast ids from its plan index; ``None`` when it has none to give
    (missing, stale or damaged)."""
    try:
        return None if index is None else index.ids
    except StoreError:
        return None


def _in_stored_shape(text: object) -> TypeGuard[str]:
    """Whether ``text`` is a time as the store writes it (``2025-03-01T05:00:00Z``):
    such texts order as their times do."""
    return type(text) is str and len(text) == 20 and text[10] == "T" and text[19] == "Z"


def _month_of(rel: str) -> int:
    """``archive/2024-05.json`` as a month number (year * 12 + month)."""
    year, month = rel.removeprefix(f"{ARCHIVE}/").removesuffix(".json").split("-")
    return int(year) * 12 + int(month)


def _months(start: datetime | None, end: datetime | None) -> range:
    """The month numbers (as ``_month_of``) that ``[start, end)`` touches, a day wider
    (``None``: no bound): a broadcast is archived by the month of its start as stored,
    in any UTC offset."""
    low = 0 if start is None else _month_number(start - timedelta(days=1))
    high = 10**6 if end is None else _month_number(end + timedelta(days=1)) + 1
    return range(low, high)


def _month_number(moment: datetime) -> int:
    return moment.year * 12 + moment.month


def _month_start(number: int) -> datetime:
    """The first instant (UTC) of month ``number`` (as ``_month_of``)."""
    year, month = divmod(number - 1, 12)
    return datetime(year, month + 1, 1, tzinfo=UTC)


def _reach_print(data: Data, low: str, high: str) -> str:
    """A checksum of what a read of ``[low, high)`` (stored texts, a day wider than the
    window) may take from a month archive it reaches into (``window_print``), chosen as
    ``period_records`` chooses: broadcasts and streams that may start in it, their
    rollups and combined rollups. An unplanned broadcast's combined rollup may lie in
    the month after its streams (``tinycycle.take_done``): every one of the month's
    not clearly begun after the span counts."""
    plan = [
        d for d in data.get("broadcasts", {}).values() if _may_fall_in(d.get("start"), low, high)
    ]
    streams = [
        d for d in data.get("streams", {}).values() if _may_fall_in(stream_start_text(d), low, high)
    ]
    keys = _rollup_keys(plan, streams)
    after = to_iso(from_iso(high) + _SLACK)
    rollups = [
        d
        for d in data.get("rollups", {}).values()
        if d["key"] in keys or (d["key"].startswith(UNPLANNED_COMBINED) and _not_after(d, after))
    ]
    chosen = [
        sorted(plan, key=lambda d: str(d["id"])),
        sorted(streams, key=lambda d: str(d["key"])),
        sorted(rollups, key=lambda d: str(d["key"])),
    ]
    return _checksum(chosen)


def _rollup_keys(plan: Iterable[Doc], streams: Iterable[Doc]) -> set[str]:
    """The keys of the rollups of these stored broadcasts and streams, as a period read
    takes them (``store.period_of``): each stream's own, each broadcast's combined one
    and that of each stream's unplanned broadcast."""
    streams = list(streams)
    keys = {doc["key"] for doc in streams}
    keys |= {broadcast_key(doc["id"]) for doc in plan}
    keys |= {broadcast_key(doc["unplanned_id"]) for doc in streams if doc.get("unplanned_id")}
    return keys


def _checksum(value: object) -> str:
    """Length and two checksums of ``value`` as sorted-key JSON: what a mark or print
    holds of documents instead of the documents."""
    dumped = orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    return f"{len(dumped)}:{zlib.crc32(dumped)}:{zlib.adler32(dumped)}"


def _not_after(doc: Doc, after: str) -> bool:
    """Whether a combined rollup may have begun before ``after``: its first live point
    is not a stored time at or after it (none at all counts)."""
    first = (doc.get("value") or {}).get("first_live_at")
    return not _in_stored_shape(first) or first < after


def _size(version: Stamp | None) -> int:
    """The size of the file a ``stamp`` describes (0 for none)."""
    return 0 if version is None else version[2]
