"""TinyStore: the embedded ``Store`` in TinyDB files (the only module importing TinyDB).

Every write replaces its file atomically, so readers and crashes see the old file or
the new one, never half of one; it holds the file's lock across re-read → modify →
write, so two processes never write back stale copies; and snapshots live in one
partition per UTC day, so a cycle rewrites today's partition, not the whole history.
Lock files are ``locks/<file>.lock`` (``locks/snapshots-2024-05-01.json.lock``); a
multi-file write takes main's lock first, then the others sorted, so none deadlock.
"""

from __future__ import annotations

import operator
import os
import secrets
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager, suppress
from datetime import date, datetime, timedelta
from pathlib import Path
from types import MappingProxyType
from typing import Any

import orjson
from filelock import FileLock, Timeout
from tinydb import Storage, TinyDB
from tinydb.middlewares import Middleware
from tinydb.table import Document, Table

from streamer.clock import as_utc
from streamer.models import Broadcast, Gap, Snapshot, Stream, from_iso
from streamer.store import CycleWrite, PlanChange, StoreBusy, StoreError

MAIN = "streamer.json"
SNAPSHOTS = "snapshots"
ARCHIVE = "archive"
LOCKS = "locks"
DEFAULT_LOCK_TIMEOUT = 10.0

# Without the passthrough options orjson would quietly turn a datetime or a dataclass
# into a string or a dict that reads back as something else; refusing is clearer.
_DUMP_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS

Tables = dict[str, dict[str, Any]]
Doc = dict[str, Any]
ByKey = dict[str, Doc]
Moves = dict[str, tuple[list[Doc], list[Doc]]]  # archive file -> (streams, rollups)
Days = dict[str, tuple[list[Snapshot], list[Gap]]]  # partition file -> (snapshots, gaps)


class AtomicJSONStorage(Storage):
    """TinyDB storage in one orjson file, replaced atomically; a missing file is empty.

    A write goes to a temp file in the same folder, fsynced, renamed over the file, and
    the folder is fsynced too, so that the rename itself survives a power cut.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def read(self) -> Tables | None:
        """The whole database, or ``None`` when the file does not exist yet."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise StoreError(f"cannot read {self.path}: {exc.strerror}") from exc
        try:
            return orjson.loads(raw) if raw else None
        except orjson.JSONDecodeError as exc:
            raise StoreError(f"{self.path} is not valid JSON ({exc})") from exc

    def write(self, data: Tables) -> None:
        """Replace the file with ``data``, atomically."""
        try:
            _replace_file(self.path, orjson.dumps(data, option=_DUMP_OPTIONS))
        except OSError as exc:
            raise StoreError(f"cannot write {self.path}: {exc.strerror}") from exc


def _replace_file(path: Path, payload: bytes) -> None:
    # The temp name starts with the data file's name: start-up clean-up finds its lock.
    tmp = path.with_name(f"{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with os.fdopen(fd, "wb") as out:
            out.write(payload)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


class _OneWrite(Middleware):
    """Buffer a session: TinyDB writes after every table operation, this once on commit."""

    def __init__(self, storage_cls: type[Storage]) -> None:
        super().__init__(storage_cls)
        self._data: Tables | None = None
        self._loaded = self._dirty = False

    def read(self) -> Tables | None:
        if not self._loaded:
            self._data, self._loaded = self.storage.read(), True
        return self._data

    def write(self, data: Tables) -> None:
        self._data, self._dirty = data, True

    def commit(self) -> None:
        if self._dirty:
            self.storage.write(self._data or {})
            self._dirty = False


class TinyStore:
    """The embedded ``Store``: ``streamer.json``, day partitions and month archives."""

    def __init__(self, data_dir: Path, *, lock_timeout: float = DEFAULT_LOCK_TIMEOUT) -> None:
        """Open (creating if missing) the data folder and remove a killed writer's temp files."""
        self.data_dir = Path(data_dir)
        self.lock_timeout = lock_timeout
        for folder in (SNAPSHOTS, ARCHIVE, LOCKS):
            (self.data_dir / folder).mkdir(parents=True, exist_ok=True)
        self._remove_leftover_temp_files()

    def change_plan(self, change: PlanChange) -> list[Broadcast]:
        """Run ``change`` on the current plan under the lock; save and return its result.

        If ``change`` raises, nothing is written and the exception propagates. It must
        not write to the store itself: it would wait for the lock its caller holds.
        """
        with self._locked([MAIN]), self._session(MAIN) as db:
            table = db.table("broadcasts")
            current = {doc["id"]: Broadcast.from_dict(doc) for doc in table}
            changed = list(change(MappingProxyType(current)))
            _upsert(table, "id", [item.to_dict() for item in changed])
        return changed

    def broadcasts(self) -> dict[str, Broadcast]:
        """The whole plan, by id."""
        return {doc["id"]: Broadcast.from_dict(doc) for doc in self._read(MAIN, "broadcasts")}

    def broadcast(self, broadcast_id: str) -> Broadcast | None:
        """One planned broadcast, or ``None``."""
        return self.broadcasts().get(broadcast_id)

    def streams(self, *, include_archive: bool = False) -> dict[str, Stream]:
        """Streams by key: the working set, plus the archived ones when asked."""
        docs = self._read_with_archive("streams", include_archive)
        return {doc["key"]: Stream.from_dict(doc) for doc in docs}

    def rollups(self, *, include_archive: bool = False) -> dict[str, dict[str, Any]]:
        """Rollups by stream key, like ``streams``."""
        docs = self._read_with_archive("rollups", include_archive)
        return {doc["key"]: doc["value"] for doc in docs}

    def commit_cycle(self, cycle: CycleWrite) -> None:
        """Save one collector cycle: one write per touched file, main last.

        A snapshot already in its UTC day's partition (same stream and ts) is skipped, as
        is a gap (same stream, ts, reason); done streams and rollups move to the archive.
        """
        with self._locked([MAIN]), self._session(MAIN) as main:
            streams, rollups = _merged_state(main, cycle)
            moves = _take_done(streams, rollups)
            days = _by_day(cycle.snapshots, cycle.gaps)
            # Partitions and archives before main, which records that a cycle happened
            # (next poll times, quota): after a crash in between, main says "not yet", the
            # replay skips the snapshots already saved, and a done stream is in its archive
            # before it leaves main. The other order would lose what main says is saved.
            with self._locked(sorted([*days, *moves])):
                for rel, (snapshots, gaps) in days.items():
                    self._append_partition(rel, snapshots, gaps)
                for rel, (done, done_rollups) in moves.items():
                    self._archive(rel, done, done_rollups)
            _save_state(main, cycle, streams, rollups, moved=bool(moves))

    def put_rollups(self, rollups: Mapping[str, Mapping[str, Any]]) -> None:
        """Replace rollups where they live: their month's archive, else the working set."""
        where: dict[str, list[str]] = {}
        for path in sorted((self.data_dir / ARCHIVE).glob("????-??.json")):
            rel = f"{ARCHIVE}/{path.name}"
            keys = [doc["key"] for doc in self._read(rel, "rollups") if doc["key"] in rollups]
            if keys:
                where[rel] = keys
        archived = {key for keys in where.values() for key in keys}
        with self._locked([MAIN, *sorted(where)]):
            for rel, keys in where.items():
                with self._session(rel) as db:
                    _upsert(db.table("rollups"), "key", [_rollup_doc(k, rollups) for k in keys])
            with self._session(MAIN) as db:
                rest = [_rollup_doc(k, rollups) for k in rollups if k not in archived]
                _upsert(db.table("rollups"), "key", rest)

    def snapshots(
        self, start: datetime, end: datetime, streams: Iterable[str] | None = None
    ) -> list[Snapshot]:
        """Snapshots with ``start <= ts < end`` (optionally of some streams), by time."""
        wanted = None if streams is None else set(streams)
        docs = self._day_docs("snapshots", start, end)
        found = [Snapshot.from_dict(d) for d in docs if wanted is None or d["stream"] in wanted]
        return sorted(found, key=lambda item: (item.ts, item.stream))

    def gaps(self, start: datetime, end: datetime) -> list[Gap]:
        """Recorded gaps with ``start <= ts < end``, by time."""
        found = [Gap.from_dict(doc) for doc in self._day_docs("gaps", start, end)]
        return sorted(found, key=lambda item: (item.ts, item.stream))

    def partitions(self) -> list[date]:
        """The days that have a snapshot partition, oldest first."""
        files = (self.data_dir / SNAPSHOTS).glob("????-??-??.json")
        return sorted(date.fromisoformat(path.stem) for path in files)

    def quota_used(self, quota_day: str) -> dict[str, int]:
        """Units charged on a Pacific-time quota day (``YYYY-MM-DD``), by key name."""
        ledger = self._read(MAIN, "quota")
        return {doc["key"]: doc["units"] for doc in ledger if doc["day"] == quota_day}

    def get_meta(self, name: str) -> Any:
        """A small named value, or ``None`` when it was never set."""
        values = {doc["name"]: doc["value"] for doc in self._read(MAIN, "meta")}
        return values.get(name)

    def set_meta(self, values: Mapping[str, Any]) -> None:
        """Save small named values (plain JSON types) in one write."""
        docs = [{"name": name, "value": value} for name, value in values.items()]
        with self._locked([MAIN]), self._session(MAIN) as db:
            _upsert(db.table("meta"), "name", docs)

    @contextmanager
    def daemon_lock(self) -> Iterator[None]:
        """Hold ``locks/daemon.lock`` for a daemon's life; ``StoreBusy`` if another has it."""
        lock = self._lock("daemon", timeout=0)
        try:
            lock.acquire()
        except Timeout as exc:
            raise StoreBusy(f"another streamer daemon is running on {self.data_dir}") from exc
        try:
            yield
        finally:
            lock.release()

    def _lock(self, rel: str, timeout: float) -> FileLock:
        return FileLock(self.data_dir / LOCKS / f"{rel.replace('/', '-')}.lock", timeout=timeout)

    @contextmanager
    def _locked(self, rels: Sequence[str]) -> Iterator[None]:
        """Hold the locks of ``rels`` in the order given (main first, then sorted)."""
        with ExitStack() as held:
            for rel in rels:
                try:
                    held.enter_context(self._lock(rel, self.lock_timeout))
                except Timeout as exc:
                    busy = f"{self.data_dir / rel} is locked by another streamer process"
                    raise StoreBusy(f"{busy}; gave up after {self.lock_timeout:g} s") from exc
            yield

    @contextmanager
    def _session(self, rel: str) -> Iterator[TinyDB]:
        """Read → modify → write ``rel`` once, saved only if the block succeeds.

        Opened inside the caller's lock, never kept: it starts from the last writer's file.
        """
        buffer = _OneWrite(AtomicJSONStorage)
        yield TinyDB(self.data_dir / rel, storage=buffer)
        buffer.commit()

    def _read(self, rel: str, table: str) -> list[Document]:
        # No lock: files are only replaced whole, so a read sees one version. A fresh
        # TinyDB per read (an open one would serve the old file), with nothing to close.
        return TinyDB(self.data_dir / rel, storage=AtomicJSONStorage).table(table).all()

    def _read_with_archive(self, table: str, include_archive: bool) -> list[Document]:
        # Main is read before the archives: a stream moved in between was written to its
        # archive before it left main, so it is seen once or twice, never missed. Later
        # documents win in the callers' dicts, so main's copy comes last.
        working = self._read(MAIN, table)
        if not include_archive:
            return working
        months = sorted((self.data_dir / ARCHIVE).glob("????-??.json"))
        archived = [doc for path in months for doc in self._read(f"{ARCHIVE}/{path.name}", table)]
        return archived + working

    def _day_docs(self, table: str, start: datetime, end: datetime) -> list[Document]:
        """Documents with ``start <= ts < end``, read from the overlapping partitions only."""
        start, end = as_utc(start), as_utc(end)
        last_day = (end - timedelta(microseconds=1)).date()  # end is exclusive
        days = [d for d in self.partitions() if start.date() <= d <= last_day]
        docs = (doc for day in days for doc in self._read(_day_file(day), table))
        return [doc for doc in docs if start <= from_iso(doc["ts"]) < end]

    def _append_partition(self, rel: str, snapshots: list[Snapshot], gaps: list[Gap]) -> None:
        with self._session(rel) as db:
            _insert_new(db.table("snapshots"), [s.to_dict() for s in snapshots], "stream", "ts")
            _insert_new(db.table("gaps"), [g.to_dict() for g in gaps], "stream", "ts", "reason")

    def _archive(self, rel: str, streams: list[Doc], rollups: list[Doc]) -> None:
        with self._session(rel) as db:
            _upsert(db.table("streams"), "key", streams)
            _upsert(db.table("rollups"), "key", rollups)

    def _remove_leftover_temp_files(self) -> None:
        """Delete ``*.tmp`` left by a killed writer; a live writer's (lock held) stays."""
        # Only our own temp names (``<data file>.<random>.tmp``) in our own folders.
        for folder in (self.data_dir, self.data_dir / SNAPSHOTS, self.data_dir / ARCHIVE):
            for tmp in folder.glob("*.json.*.tmp"):
                rel = tmp.relative_to(self.data_dir).with_name(tmp.name.rsplit(".", 2)[0])
                with suppress(Timeout), self._lock(rel.as_posix(), timeout=0):
                    tmp.unlink(missing_ok=True)


def _rollup_doc(key: str, rollups: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    return {"key": key, "value": dict(rollups[key])}


def _upsert(table: Table, field: str, docs: Iterable[Mapping[str, Any]]) -> None:
    """Insert or replace ``docs`` by the value of ``field`` (of two with one key, the last)."""
    changed = {doc[field]: doc for doc in docs}
    if changed:
        _replace(table, ({doc[field]: doc for doc in table} | changed).values())


def _replace(table: Table, docs: Iterable[Mapping[str, Any]]) -> None:
    """Make ``docs`` the whole content of ``table``; ids are renumbered (none is referred to).

    Plain dict copies, because TinyDB would insert a ``Document`` under its old id.
    """
    table.truncate()
    table.insert_multiple([dict(doc) for doc in docs])


def _insert_new(table: Table, docs: Sequence[Doc], *fields: str) -> None:
    """Insert docs whose ``fields`` match no stored doc, so a replay keeps one copy.

    Of two in ``docs`` with the same ``fields``, the last is inserted.
    """
    key = operator.itemgetter(*fields)
    seen = {key(doc) for doc in table}
    fresh = {key(doc): doc for doc in docs if key(doc) not in seen}
    if fresh:
        table.insert_multiple(fresh.values())


def _merged_state(main: TinyDB, cycle: CycleWrite) -> tuple[ByKey, ByKey]:
    """The working-set streams and rollups (as documents by key) with the cycle applied."""
    streams = {doc["key"]: dict(doc) for doc in main.table("streams")}
    streams.update((s.key, s.to_dict()) for s in cycle.streams)
    rollups = {doc["key"]: dict(doc) for doc in main.table("rollups")}
    rollups.update((key, {"key": key, "value": dict(v)}) for key, v in cycle.rollups.items())
    return streams, rollups


def _take_done(streams: ByKey, rollups: ByKey) -> Moves:
    """Take done streams and their rollups out of the working set, by archive file.

    All done streams in main, not only this cycle's: a move cut short by a crash ends
    next cycle. One with no date at all has no month to go to, so it stays.
    """
    moves: Moves = {}
    for key, doc in list(streams.items()):
        month = _archive_month(doc) if doc["done"] else None
        if month is not None:
            done, done_rollups = moves.setdefault(f"{ARCHIVE}/{month}.json", ([], []))
            done.append(streams.pop(key))
            if key in rollups:
                done_rollups.append(rollups.pop(key))
    return moves


def _archive_month(doc: Mapping[str, Any]) -> str | None:
    """``YYYY-MM`` of the stream's actual start, else scheduled start, else discovery."""
    for field in ("actual_start", "scheduled_start", "discovered_at"):
        if doc.get(field):
            return from_iso(doc[field]).strftime("%Y-%m")
    return None


def _by_day(snapshots: Iterable[Snapshot], gaps: Iterable[Gap]) -> Days:
    """Group a cycle's snapshots and gaps by partition file (their ts's UTC date)."""
    days: Days = {}
    for snapshot in snapshots:
        days.setdefault(_day_file(as_utc(snapshot.ts).date()), ([], []))[0].append(snapshot)
    for gap in gaps:
        days.setdefault(_day_file(as_utc(gap.ts).date()), ([], []))[1].append(gap)
    return days


def _save_state(
    main: TinyDB, cycle: CycleWrite, streams: ByKey, rollups: ByKey, moved: bool
) -> None:
    """Write the cycle's share of main (buffered: the session saves it once)."""
    if cycle.streams or moved:
        _replace(main.table("streams"), streams.values())
    if cycle.rollups or moved:
        _replace(main.table("rollups"), rollups.values())
    _upsert(main.table("broadcasts"), "id", [b.to_dict() for b in cycle.broadcasts])
    if cycle.quota:
        _add_quota(main.table("quota"), cycle.quota)


def _add_quota(table: Table, charges: Mapping[tuple[str, str], int]) -> None:
    """Add units to the ledger, one document per (quota day, key name)."""
    ledger = {doc["id"]: dict(doc) for doc in table}
    for (day, key), units in charges.items():
        entry = ledger.setdefault(f"{day}/{key}", {"id": f"{day}/{key}", "day": day, "key": key})
        entry["units"] = entry.get("units", 0) + units
    _replace(table, ledger.values())


def _day_file(day: date) -> str:
    return f"{SNAPSHOTS}/{day.isoformat()}.json"
