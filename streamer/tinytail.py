"""A month archive's tail: records moved to the month since the archive was last written.

A cycle in which streams finish moves them, with their rollups, to their month's
archive. Rewriting a multi-MB ``archive/YYYY-MM.json`` for a few streams made such a
cycle cost two to three steady ones, so the moves are appended instead to the
month's tail, ``archive/YYYY-MM.tail.jsonl`` beside it; so are old quota ledger rows
and outbox events. Broadcasts are not (the plan index describes the archive file,
``streamer.tinyplan``): moving one rewrites the archive. A tail holds one JSON line
per write (``{table: [documents]}``), fsynced; a new tail is created with a folder
fsync. The month as readers see it is the archive with its tail applied (``apply_tail``: an
upsert by key, later lines winning). The tail is folded into the archive — the
archive rewritten with the tail's records, then the tail deleted — once it passes
``FOLD_BYTES``, and whenever the archive is rewritten anyway.

Crash rules. A tail only ever grows under its archive's lock, and its records are
upserts, so a line written twice (a cycle replayed after a crash before main was
saved) reads as once. A line cut by a power cut mid-append was never acknowledged:
readers skip a last line with no newline, and the next append cuts it off first.
A fold writes the archive before deleting the tail, and readers read the tail
before the archive: they see the records in one or both, never in neither.

The day partitions of snapshots have tails too, appended and read by the same code
here; what a day's tail holds and when it is folded is ``streamer.tinyday``'s.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

import orjson

from streamer.store import StoreError
from streamer.tinyfiles import (
    AtomicJSONStorage,
    Data,
    Doc,
    Stamp,
    Tables,
    fsync_folder,
    stat_stamp,
    upsert,
)

TAIL_SUFFIX = ".tail.jsonl"
TAIL_TABLES = frozenset({"streams", "rollups", "quota", "outbox"})  # not the plan
FOLD_BYTES = 1 << 20  # a tail this big is folded: ~1,000 finished streams with rollups

Tail = dict[str, dict[str, Doc]]  # table -> key -> document, the last written winning
_fdatasync = getattr(os, "fdatasync", os.fsync)  # macOS has only fsync


def tail_path(archive: Path) -> Path:
    """``archive/2025-01.json`` → ``archive/2025-01.tail.jsonl``."""
    return archive.with_name(archive.name.removesuffix(".json") + TAIL_SUFFIX)


def key_field(table: str) -> str:
    """The field a stored document of ``table`` is keyed by."""
    return "id" if table in ("broadcasts", "quota", "outbox") else "key"


def parse_tail(raw: bytes, path: Path) -> Tail:
    """The records of a tail's bytes, by table and key; a torn last line is skipped."""
    found: Tail = {}
    for tables in tail_lines(raw, path):
        for name, docs in tables.items():
            table = found.setdefault(name, {})
            table.update((doc[key_field(name)], doc) for doc in docs)
    return found


def tail_lines(raw: bytes, path: Path) -> Iterator[dict[str, list[Doc]]]:
    """Each whole line of a tail's bytes (``path``'s, for the error): the documents
    appended at once, by table. A torn last line (no newline) was never acknowledged
    and is skipped."""
    for line in raw[: raw.rfind(b"\n") + 1].splitlines():
        try:
            yield orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            raise StoreError(f"{path} is not valid JSON lines ({exc})") from exc


def read_tail(path: Path) -> tuple[Stamp, bytes] | None:
    """The tail file's version (``tinyfiles.stamp``) and bytes, or ``None`` when there is
    none. Its size grows with every append, so an append is a new version."""
    try:
        with path.open("rb") as source:
            return stat_stamp(os.fstat(source.fileno())), source.read()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise StoreError(f"cannot read {path}: {exc.strerror}") from exc


def apply_tail(data: Data, tail: Tail) -> Data:
    """The archive ``data`` with ``tail``'s records upserted; ``data`` is left as it was."""
    if not tail:
        return data
    tables = Tables({name: dict(docs) for name, docs in data.items()})
    for name, docs in tail.items():
        upsert(tables, name, key_field(name), docs.values())
    return tables.data


def read_month(archive: Path) -> Data:
    """Month archive ``archive`` as readers see it: with its tail applied, the tail read
    first (see the module)."""
    path = tail_path(archive)
    found = read_tail(path)
    data = AtomicJSONStorage(archive).read() or {}
    return apply_tail(data, parse_tail(found[1], path)) if found else data


def append_tail(path: Path, tables: Mapping[str, Iterable[Doc]], *, fsync: bool) -> None:
    """Append one line of ``tables``' documents to the tail at ``path`` (its lock held).
    On disk when it returns, unless ``fsync`` is off. A failure (a disk full mid-line
    leaves a torn line, cut by the next append) is a ``StoreError``."""
    line = orjson.dumps({name: list(docs) for name, docs in tables.items()}) + b"\n"
    try:
        if _append(path, line, fsync=fsync) and fsync:
            fsync_folder(path.parent)  # the new file's name survives a power cut
    except OSError as exc:
        raise StoreError(f"cannot write {path}: {exc.strerror}") from exc


def _append(path: Path, line: bytes, *, fsync: bool) -> bool:
    """Write ``line`` at the end of ``path`` (created if missing); whether it was created."""
    try:
        fd, created = os.open(path, os.O_RDWR | os.O_APPEND), False
    except FileNotFoundError:
        fd, created = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_EXCL, 0o666), True
    try:
        _cut_torn_line(fd)
        view = memoryview(line)
        while view:
            view = view[os.write(fd, view) :]
        if fsync:
            _fdatasync(fd)
    finally:
        os.close(fd)
    return created


def _cut_torn_line(fd: int) -> None:
    """Cut a last line left without its newline (a power cut mid-append): never acked."""
    size = os.fstat(fd).st_size
    if size and os.pread(fd, 1, size - 1) != b"\n":
        raw = os.pread(fd, size, 0)
        os.ftruncate(fd, raw.rfind(b"\n") + 1)


def remove_tail(path: Path, *, fsync: bool) -> None:
    """Delete a tail folded into its archive (the archive already written)."""
    path.unlink(missing_ok=True)
    if fsync:
        fsync_folder(path.parent)
