"""TinyDB's file format on disk: an atomic orjson storage, and edits by document.

``AtomicJSONStorage`` is a TinyDB ``Storage`` whose every write replaces the file
atomically; ``TinyStore`` reads through TinyDB with it. Writes edit the stored
documents directly (``{table: {id: doc}}``, ids as TinyDB gives them) inside a
``Tables`` session instead of through ``tinydb.Table``: iterating a table wraps every
document in a ``Document``, which profiling showed was half of a collector cycle's
time (docs/performance.md). The files stay plain TinyDB databases.
"""

from __future__ import annotations

import operator
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from tinydb import Storage

from streamer.files import replace_file
from streamer.gcpause import gc_paused
from streamer.store import StoreError

# Without the passthrough options orjson would quietly turn a datetime or a dataclass
# into a string or a dict that reads back as something else; refusing is clearer.
_DUMP_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS

Doc = dict[str, Any]
Data = dict[str, dict[str, Doc]]


class AtomicJSONStorage(Storage):
    """TinyDB storage in one orjson file, replaced atomically; a missing file is empty.

    A write goes to a temp file in the same folder, fsynced, renamed over the file, and
    the folder is fsynced too, so that the rename itself survives a power cut. With
    ``fsync=False`` both fsyncs are skipped: the rename is still atomic, so a killed
    process leaves the old file or the new one, but a power cut may lose recent writes.
    """

    def __init__(self, path: Path, *, fsync: bool = True) -> None:
        self.path = Path(path)
        self.fsync = fsync

    def read(self) -> Data | None:
        """The whole database, or ``None`` when the file does not exist yet."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise StoreError(f"cannot read {self.path}: {exc.strerror}") from exc
        try:
            # A file's documents form no cycle: collections during the parse (a fifth
            # to a quarter of a plan edit's parse of main) would free nothing.
            with gc_paused():
                return orjson.loads(raw) if raw else None
        except orjson.JSONDecodeError as exc:
            raise StoreError(f"{self.path} is not valid JSON ({exc})") from exc

    def write(self, data: Data) -> None:
        """Replace the file with ``data``, atomically."""
        self.write_version(data)

    def write_version(self, data: Data) -> Stamp:
        """``write``, returning the version written (see ``stamp``)."""
        try:
            payload = orjson.dumps(data, option=_DUMP_OPTIONS)
            return _replace_file(self.path, payload, fsync=self.fsync)
        except OSError as exc:
            raise StoreError(f"cannot write {self.path}: {exc.strerror}") from exc


# One ``"id":{...}`` of a table whose documents are flat (no object inside, outside a
# string): strings are matched whole, so a brace or quote in a title cannot end one.
# Runs of plain characters are taken at once and never given back (``++``, ``*+``):
# each alternative is decided by its first character, so that matches what a pattern
# taking a character at a time would, at a third of its time (a year's streams tables,
# 37,000 documents: 0.43 → 0.16 s).
_FLAT_DOC = re.compile(rb'"(?:[^"\\]++|\\.)*+":\{(?:[^{}"]++|"(?:[^"\\]++|\\.)*+")*+\}', re.DOTALL)
_CHUNK = 1 << 16
_LONGEST_DOC = 1 << 20  # a "document" longer than this is not a flat one: give up


def first_table(path: Path, table: str, keep: Callable[[Doc], bool]) -> dict[str, Doc] | None:
    """The documents of ``table`` that ``keep`` accepts, by id, read from the start of
    the file without parsing the rest of it; ``{}`` when there is no file.

    Only when the file starts with ``table`` of flat documents, compact, as
    ``AtomicJSONStorage`` writes a table put first: otherwise ``None``, and the caller
    parses the whole file. The file is read a chunk at a time and each document parsed
    on its own, so memory holds one chunk and the kept documents, not the file: a
    daemon regrouping a week looks for a few archived streams in a month of them, and
    parsing the whole month archive was most of its peak memory (docs/performance.md).
    """
    head = b'{"' + table.encode() + b'":{'
    try:
        source = path.open("rb")
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise StoreError(f"cannot read {path}: {exc.strerror}") from exc
    with source:
        buf, pos, ended = b"", len(head), False
        while len(buf) < len(head) + 1 and not ended:
            more = source.read(_CHUNK)
            buf, ended = buf + more, not more
        if not buf.startswith(head):
            return None
        found: dict[str, Doc] = {}
        while True:
            if buf[pos : pos + 1] == b"}":
                return found
            match = _FLAT_DOC.match(buf, pos)
            # A match that reaches the end of what was read may be cut: read on first.
            if match is None or match.end() == len(buf):
                if ended or len(buf) - pos > _LONGEST_DOC:
                    return None
                more = source.read(_CHUNK)
                buf, pos, ended = buf[pos:] + more, 0, not more
                continue
            try:
                ((doc_id, doc),) = orjson.loads(b"{" + match[0] + b"}").items()
            except (orjson.JSONDecodeError, ValueError):
                return None
            if keep(doc):
                found[doc_id] = doc
            pos = match.end()
            if buf[pos : pos + 1] == b",":
                pos += 1
            elif buf[pos : pos + 1] != b"}":
                return None


def put_first(tables: Tables, name: str) -> None:
    """Make ``name`` the first table of ``tables`` as written (``first_table``)."""
    if name in tables.data and next(iter(tables.data)) != name:
        tables.data = {name: tables.data.pop(name), **tables.data}
        tables.changed = True


Stamp = tuple[int, int, int]
"""A version of a data file: (inode, mtime in ns, size). Files are only ever replaced
whole by a rename, each time with a new inode, so an equal stamp means equal content."""


def stamp(path: Path) -> Stamp | None:
    """The version of the file at ``path`` now, or ``None`` when there is none."""
    try:
        return stat_stamp(path.stat())
    except FileNotFoundError:
        return None


def stat_stamp(stat: os.stat_result) -> Stamp:
    """The version (``stamp``) an ``os.stat`` result describes."""
    return (stat.st_ino, stat.st_mtime_ns, stat.st_size)


def _replace_file(path: Path, payload: bytes, *, fsync: bool = True) -> Stamp:
    # The temp name starts with the data file's name: start-up clean-up finds its lock.
    tmp = path.with_name(f"{path.name}.{os.urandom(4).hex()}.tmp")  # secrets' source
    written = stat_stamp(replace_file(path, tmp, payload, fsync=fsync))
    if fsync:
        fsync_folder(path.parent)
    return written


def fsync_folder(folder: Path) -> None:
    """Make renames and deletions in ``folder`` survive a power cut."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Tables:
    """One file's tables as stored (``{table: {id: doc}}``), written back once if changed."""

    def __init__(self, data: Data | None) -> None:
        self.data: Data = data or {}
        self.changed = False

    def table(self, name: str) -> dict[str, Doc]:
        """The documents of ``name`` by their TinyDB id (created empty if missing)."""
        return self.data.setdefault(name, {})


def upsert(tables: Tables, name: str, field: str, docs: Iterable[Mapping[str, Any]]) -> None:
    """Insert or replace ``docs`` by the value of ``field`` (of two with one key, the last).

    A replaced document keeps its id; new ones get the next ids, as TinyDB would give.
    """
    changed = {doc[field]: dict(doc) for doc in docs}
    if not changed:
        return
    table = tables.table(name)
    for doc_id, doc in table.items():
        if doc[field] in changed:
            table[doc_id] = changed.pop(doc[field])
    append(table, changed.values())
    tables.changed = True


def append(table: dict[str, Doc], docs: Iterable[Doc]) -> None:
    first = max(map(int, table), default=0) + 1  # TinyDB's own next-id rule
    table.update((str(doc_id), doc) for doc_id, doc in enumerate(docs, first))


@dataclass
class TableKeys:
    """A table's keys (the ``insert_new`` fields of each document) and next free id.

    A caller may keep them for the table it appends to every time (the day partition):
    scanning 9,500 snapshots for them was a tenth of a cycle's write.
    """

    keys: set[Any]
    next_id: int

    @classmethod
    def of(cls, table: Mapping[str, Doc], *fields: str) -> TableKeys:
        """The keys and next id of ``table`` as it is."""
        key = operator.itemgetter(*fields)
        return cls({key(doc) for doc in table.values()}, max(map(int, table), default=0) + 1)


def insert_new(
    tables: Tables, name: str, docs: Sequence[Doc], *fields: str, known: TableKeys | None = None
) -> None:
    """Insert docs whose ``fields`` match no stored doc, so a replay keeps one copy.

    Of two in ``docs`` with the same ``fields``, the last is inserted. ``known``: the
    table's keys and next id, if the caller kept them; updated with what is inserted.
    """
    key = operator.itemgetter(*fields)
    table = tables.table(name)
    if known is None:
        known = TableKeys.of(table, *fields)
    elif str(known.next_id) in table:  # kept keys behind the table: read them again,
        found = TableKeys.of(table, *fields)  # never write over a stored document
        known.keys, known.next_id = found.keys, found.next_id
    fresh = {key(doc): doc for doc in docs if key(doc) not in known.keys}
    if fresh:
        table.update((str(i), doc) for i, doc in enumerate(fresh.values(), known.next_id))
        known.keys.update(fresh)
        known.next_id += len(fresh)
        tables.changed = True


def pop(tables: Tables, name: str, field: str, value: str) -> list[Doc]:
    """Remove and return the documents of table ``name`` whose ``field`` is ``value``."""
    table = tables.table(name)
    found = [doc_id for doc_id, doc in table.items() if doc[field] == value]
    return [table.pop(doc_id) for doc_id in found]
