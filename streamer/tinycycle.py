"""What one collector cycle's write does to ``streamer.json``, as edits of its tables.

``TinyStore.commit_cycle`` reads main, applies the cycle's state here (streams,
rollups, broadcast statuses, meta, quota), then takes out what no longer belongs in
the working set — done streams with their rollups, broadcasts finished more than
``PLAN_HORIZON`` ago, old quota ledger rows — as moves to the month archives, and
groups the snapshots and gaps by day partition. Plain functions over ``Tables``, so
the store keeps the files, locks and caches and this module the rules.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from streamer.clock import as_utc
from streamer.models import Broadcast, BroadcastStatus, Gap, Snapshot, from_iso
from streamer.outbox import finished
from streamer.rollups import Rollup
from streamer.simulcast import broadcast_key
from streamer.store import CycleWrite
from streamer.tinyfiles import Doc, Tables, pop, upsert
from streamer.unplanned import PREFIX as UNPLANNED_PREFIX

SNAPSHOTS = "snapshots"
ARCHIVE = "archive"

# Finished broadcasts leave main this long after their planned end: past the last
# final poll (+7 days) of any stream matched to them, with a day's margin.
PLAN_HORIZON = timedelta(days=8)
# The key prefix of an unplanned broadcast's combined rollup.
UNPLANNED_COMBINED = broadcast_key(UNPLANNED_PREFIX)
FINISHED = {
    s.value for s in (BroadcastStatus.HELD, BroadcastStatus.MISSED, BroadcastStatus.CANCELLED)
}

Moves = dict[str, dict[str, list[Doc]]]  # archive file -> table -> documents to upsert
Days = dict[str, tuple[list[Snapshot], list[Gap]]]  # partition file -> (snapshots, gaps)


def rollup_doc(key: str, rollups: Mapping[str, Rollup]) -> dict[str, Any]:
    """The stored document of ``rollups[key]``: its key and ``Rollup.to_doc``."""
    return {"key": key, "value": rollups[key].to_doc()}


def apply_state(main: Tables, cycle: CycleWrite) -> None:
    """Upsert the cycle's streams, rollups and broadcasts into main, add its quota."""
    upsert(main, "streams", "key", [s.to_dict() for s in cycle.streams])
    upsert(main, "rollups", "key", [rollup_doc(k, cycle.rollups) for k in cycle.rollups])
    _set_statuses(main, cycle.broadcasts)
    if cycle.meta:
        upsert(main, "meta", "name", [{"name": k, "value": v} for k, v in cycle.meta.items()])
    if cycle.quota:
        _add_quota(main, cycle.quota)
    if cycle.events:
        add_events(main, cycle.events)


def add_events(main: Tables, events: Sequence[Mapping[str, Any]]) -> None:
    """Add the cycle's alert events to the outbox; an id already there is left alone
    (its deliveries may be under way), so a replayed cycle raises nothing twice."""
    outbox = main.table("outbox")
    known = {doc["id"] for doc in outbox.values()}
    new = [dict(event) for event in events if event["id"] not in known]
    if new:
        upsert(main, "outbox", "id", new)


def _set_statuses(main: Tables, changed: Sequence[Broadcast]) -> None:
    """Apply the collector's status changes to the plan as it is now, under the lock.

    Only the status: a producer may have moved, renamed or cancelled the broadcast
    in another process since the cycle read the plan, and that edit must survive.
    A cancelled broadcast stays cancelled.
    """
    if not changed:
        return
    plan = main.table("broadcasts")
    by_id = {doc["id"]: doc_id for doc_id, doc in plan.items()}
    for broadcast in changed:
        doc_id = by_id.get(broadcast.id)
        if doc_id is None:
            continue
        doc = plan[doc_id]
        if doc.get("status") not in ("cancelled", broadcast.status.value):
            # A new document: cached copies of main share the old one (``_tables``).
            # A status change is a new revision (the calendar's SEQUENCE).
            revision = int(doc.get("revision", 0)) + 1
            plan[doc_id] = {**doc, "status": broadcast.status.value, "revision": revision}
            main.changed = True


def take_done(main: Tables) -> Moves:
    """Take done streams and their rollups out of the working set, by archive file, and
    the combined rollup of an unplanned broadcast with its last stream.

    All done streams in main, not only this cycle's: a move cut short by a crash ends
    next cycle. One with no date at all has no month to go to, so it stays.
    """
    moves: Moves = {}
    streams, going = main.table("streams"), {}
    leaving: dict[str, datetime] = {}  # unplanned id -> the earliest start leaving now
    for doc_id, doc in list(streams.items()):
        began = _stream_began(doc) if doc["done"] else None
        if began is not None:
            going[doc["key"]] = rel = f"{ARCHIVE}/{began:%Y-%m}.json"
            moves.setdefault(rel, {}).setdefault("streams", []).append(streams.pop(doc_id))
            if group := doc.get("unplanned_id"):
                leaving[group] = min(leaving.get(group, began), began)
    if going:  # their rollups in one pass over the table, not one per stream
        rollups, still = main.table("rollups"), None
        for doc_id, doc in list(rollups.items()):
            target = going.get(doc["key"])
            if target is None and doc["key"].startswith(UNPLANNED_COMBINED):
                still = _working_groups(main) if still is None else still
                target = _combined_archive(doc, leaving, still)
            if target is not None:
                moves.setdefault(target, {}).setdefault("rollups", []).append(rollups.pop(doc_id))
        main.changed = True
    return moves


def _working_groups(main: Tables) -> set[str | None]:
    """The unplanned broadcasts with a stream left in main, and the plan's ids: no
    planned id reads "u-", but a planned broadcast's combined rollup goes with the
    broadcast (``take_finished_plan``), never before."""
    groups = {doc.get("unplanned_id") for doc in main.table("streams").values()}
    return groups | {doc["id"] for doc in main.table("broadcasts").values()}


def _combined_archive(
    doc: Doc, leaving: Mapping[str, datetime], still: set[str | None]
) -> str | None:
    """Where the combined rollup ``doc`` of an unplanned broadcast goes once none of its
    streams is ``still`` in main: the archive of the month it began in, where a report
    on its time (``Entry.when``: its earliest start) looks. That is the earliest of its
    streams ``leaving`` now and its first live point: one of its streams may have left
    before, and its streams start within ``match_window`` of each other, so at most a
    month apart across a night. ``None`` while a stream of it is in main, or when it
    has no time at all (no stream ever gave it a sample).

    Left in main, such a rollup stayed there for ever (as an earlier release left them:
    they go at the next cycle that archives a stream, by their first live point, else
    their last sample), and a rollup of no record of main's is part of every window's
    mark (``TinyStore.window_mark``): each unplanned simulcast that ended had every
    month's digest built again."""
    group = doc["key"].removeprefix(broadcast_key(""))
    if group in still:
        return None
    value = doc.get("value") or {}
    first = value.get("first_live_at")
    times = [from_iso(str(first))] if first else []
    if group in leaving:
        times.append(leaving[group])
    elif not times and value.get("last_sample_at"):
        times.append(from_iso(str(value["last_sample_at"])))
    return f"{ARCHIVE}/{min(times):%Y-%m}.json" if times else None


def take_finished_plan(main: Tables, now: datetime, moves: Moves) -> None:
    """Move broadcasts over ``PLAN_HORIZON`` past their end, with no stream left in main.

    Only held, missed and cancelled ones: nothing will change them again, and main (which
    every cycle rewrites) stays the size of the current plan, not of its history. A
    simulcast's combined rollup goes with its broadcast.
    """
    working = {doc["broadcast_id"] for doc in main.table("streams").values()}
    plan = main.table("broadcasts")
    for doc_id, doc in list(plan.items()):
        if doc["status"] not in FINISHED or doc["id"] in working:
            continue  # most of the plan is still to come: no date to parse
        start = from_iso(doc["start"])
        if start + timedelta(minutes=doc["duration_min"]) + PLAN_HORIZON < now:
            move = moves.setdefault(f"{ARCHIVE}/{start:%Y-%m}.json", {})
            move.setdefault("broadcasts", []).append(plan.pop(doc_id))
            combined = pop(main, "rollups", "key", broadcast_key(doc["id"]))
            move.setdefault("rollups", []).extend(combined)
            main.changed = True


def take_old_quota(main: Tables, now: datetime, moves: Moves) -> None:
    """Move quota ledger rows of days over ``PLAN_HORIZON`` old to their month's archive.

    Only today's row is read (``quota_used``); kept in main, a row a day would make
    every cycle's write grow with history.
    """
    oldest = (now - PLAN_HORIZON).date().isoformat()
    ledger = main.table("quota")
    for doc_id, doc in list(ledger.items()):
        if doc["day"] < oldest:
            move = moves.setdefault(f"{ARCHIVE}/{doc['day'][:7]}.json", {})
            move.setdefault("quota", []).append(ledger.pop(doc_id))
            main.changed = True


def take_old_outbox(main: Tables, now: datetime, moves: Moves) -> None:
    """Move outbox events ``PLAN_HORIZON`` old whose deliveries are all done (sent or
    failed) to their month's archive: main stays the size of a week's alerts."""
    oldest = now - PLAN_HORIZON
    outbox = main.table("outbox")
    for doc_id, doc in list(outbox.items()):
        if finished(doc) and from_iso(doc["at"]) < oldest:
            move = moves.setdefault(f"{ARCHIVE}/{doc['at'][:7]}.json", {})
            move.setdefault("outbox", []).append(outbox.pop(doc_id))
            main.changed = True


def _stream_began(doc: Mapping[str, Any]) -> datetime | None:
    """The stored stream's actual start, else scheduled start, else discovery: its
    archive is that month's."""
    began = stream_start_text(doc)
    return None if began is None else from_iso(began)


def stream_start_text(doc: Mapping[str, Any]) -> str | None:
    """A stored stream's ``store.stream_start`` as the document holds it: its actual
    start, else scheduled start, else discovery (``None``: none of them)."""
    for field in ("actual_start", "scheduled_start", "discovered_at"):
        if doc.get(field):
            return str(doc[field])
    return None


def by_day(snapshots: Iterable[Snapshot], gaps: Iterable[Gap]) -> Days:
    """Group a cycle's snapshots and gaps by partition file (their ts's UTC date)."""
    days: Days = {}
    for snapshot in snapshots:
        days.setdefault(day_file(as_utc(snapshot.ts).date()), ([], []))[0].append(snapshot)
    for gap in gaps:
        days.setdefault(day_file(as_utc(gap.ts).date()), ([], []))[1].append(gap)
    return days


def _add_quota(main: Tables, charges: Mapping[tuple[str, str], int]) -> None:
    """Add units to the ledger, one document per (quota day, key name)."""
    ledger = {doc["id"]: doc for doc in main.table("quota").values()}
    docs = []
    for (day, key), units in charges.items():
        entry = dict(ledger.get(f"{day}/{key}", {"id": f"{day}/{key}", "day": day, "key": key}))
        entry["units"] = entry.get("units", 0) + units
        docs.append(entry)
    upsert(main, "quota", "id", docs)


def day_file(day: date) -> str:
    return f"{SNAPSHOTS}/{day.isoformat()}.json"
