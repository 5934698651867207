"""Today's snapshot partition and its tail: a cycle appends, it does not rewrite the day.

A collector cycle adds its snapshots and gaps to the UTC day's partition,
``snapshots/YYYY-MM-DD.json``. Rewriting that file whole every cycle was a quarter of
a 500-stream cycle by the evening (the day's 1.5 MB written, fsynced and renamed for
75 kB of new snapshots). So, as a month archive has its tail (``streamer.tinytail``),
the day has one: ``snapshots/YYYY-MM-DD.tail.jsonl``, one fsynced JSON line per cycle
(``{"snapshots": [...], "gaps": [...]}``), appended as an archive's tail is (the same
code: fsynced, a torn last line skipped by readers and cut by the next append).

The day as readers see it is the partition with the tail's documents added that it
does not hold yet, by their keys (a snapshot by stream and time, a gap by stream,
time and reason: ``DAY_KEYS``), in the tail's order. Snapshots and gaps are never
changed once written, so unlike an archive's tail nothing here is an update: a line
written twice (a cycle replayed after a crash before main was saved) reads as once.

Only the newest day written keeps a tail. The writer folds it (the partition
rewritten with the tail's documents, then the tail deleted) once it passes the store's
``day_fold_bytes`` (1 MiB: one rewrite per some 13 cycles of 500 snapshots), and as
soon as a cycle writes a later day, so every past day is one plain TinyDB file, as
before tails. Readers read the tail before the partition, so a fold between the two
shows the documents twice (and they count once), never not at all.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from pathlib import Path

from streamer.tinyfiles import AtomicJSONStorage, Data, Doc, TableKeys, Tables, insert_new
from streamer.tinytail import TAIL_SUFFIX, read_tail, tail_lines, tail_path

# The fields that identify a partition's document, by table.
DAY_KEYS: dict[str, tuple[str, ...]] = {
    "snapshots": ("stream", "ts"),
    "gaps": ("stream", "ts", "reason"),
}
DayTail = dict[str, list[Doc]]  # table -> documents, in the order appended


def parse_day_tail(raw: bytes, path: Path) -> DayTail:
    """The documents of a day tail's bytes by table, in order; a torn last line is
    skipped (it was never acknowledged)."""
    found: DayTail = {}
    for tables in tail_lines(raw, path):
        for name, docs in tables.items():
            found.setdefault(name, []).extend(docs)
    return found


def apply_day_tail(data: Data, tail: DayTail) -> Data:
    """The partition ``data`` with ``tail``'s documents it lacks added under the next
    ids (what a fold writes); ``data`` is left as it was."""
    if not tail:
        return data
    tables = Tables({name: dict(docs) for name, docs in data.items()})
    for name, docs in tail.items():
        insert_new(tables, name, docs, *DAY_KEYS[name])
    return tables.data


def read_day_tail(partition: Path) -> DayTail | None:
    """The documents of day partition ``partition``'s tail (``tinytail.tail_path``) by
    table; ``None`` when it has no tail file."""
    path = tail_path(partition)
    found = read_tail(path)
    return None if found is None else parse_day_tail(found[1], path)


def read_day(partition: Path, stored: Callable[[], Data] | None = None) -> Data:
    """Day partition ``partition`` as readers see it: its tail applied, the tail read
    first. ``stored``: the partition as stored, when the caller keeps it parsed (else
    the file is read). A tail without its partition reads as the tail."""
    tail = read_day_tail(partition)
    data = stored() if stored is not None else AtomicJSONStorage(partition).read() or {}
    return apply_day_tail(data, tail or {})


def stored_days(folder: Path) -> tuple[list[date], list[date]]:
    """The days of ``folder`` (``snapshots/``) with a partition or a tail, and those
    with a tail, each oldest first."""
    parts = {p.name[:10] for p in folder.glob("????-??-??.json")}
    tails = {p.name[:10] for p in folder.glob(f"????-??-??{TAIL_SUFFIX}")}
    return (
        [date.fromisoformat(day) for day in sorted(parts | tails)],
        [date.fromisoformat(day) for day in sorted(tails)],
    )


def with_tail(table: str, docs: list[Doc], tail: DayTail) -> list[Doc]:
    """``docs`` (a partition's ``table``) and the documents of ``tail`` they lack."""
    extra = tail.get(table)
    if not extra:
        return docs
    key = operator.itemgetter(*DAY_KEYS[table])
    seen = {key(doc) for doc in docs}
    fresh = {key(doc): doc for doc in extra if key(doc) not in seen}
    return [*docs, *fresh.values()]


def day_keys(data: Mapping[str, Mapping[str, Doc]]) -> dict[str, TableKeys]:
    """The keys (and next ids) of a day's tables as readers see them."""
    return {name: TableKeys.of(data.get(name, {}), *fields) for name, fields in DAY_KEYS.items()}


def fresh_docs(
    known: Mapping[str, TableKeys], tables: Mapping[str, Iterable[Doc]]
) -> dict[str, list[Doc]]:
    """The documents of ``tables`` whose keys ``known`` lacks (of two alike, the last),
    by table; tables with none are left out. ``known`` is not changed."""
    found: dict[str, list[Doc]] = {}
    for name, docs in tables.items():
        key = operator.itemgetter(*DAY_KEYS[name])
        seen = known[name].keys
        fresh = {key(doc): doc for doc in docs if key(doc) not in seen}
        if fresh:
            found[name] = list(fresh.values())
    return found


def remember(known: Mapping[str, TableKeys], added: Mapping[str, Sequence[Doc]]) -> None:
    """Add the keys of documents just written to ``known`` (``fresh_docs``'s result)."""
    for name, docs in added.items():
        key = operator.itemgetter(*DAY_KEYS[name])
        known[name].keys.update(key(doc) for doc in docs)
        known[name].next_id += len(docs)
