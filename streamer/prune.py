"""Retention: removing old snapshot partitions once their rollups are final.

Reports read rollups, never raw snapshots, so a day's partition is only needed
while something may still be folded from it. A partition may go when every
stream with a snapshot or gap in it is *done* (its final polls made, ``done`` set,
usually moved to the month archive): its rollup will not change again. A stream
the store has no record of blocks too, unless the partition is older than
``FINAL_HORIZON`` — the longest a stream is polled after its end — so a snapshot
written just before its stream's record (the crash window of a cycle) is safe.

Rollups, streams and the plan are never touched: only ``snapshots/YYYY-MM-DD.json``
files are deleted, each under its own lock taken without waiting, so a partition
a writer (the daemon's cycle) is appending to is refused, never cut under it.
``streamer prune`` is strict (all or nothing, one line saying why); the daemon's
``retention_days`` job is lenient: it removes what may go and reports the rest.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from streamer.clock import as_utc
from streamer.errors import UserError
from streamer.models import Stream
from streamer.store import DayStore, Partition, StoreBusy

FINAL_HORIZON = timedelta(days=8)  # the +7-day final poll, and a day's margin
PRUNED_META = "pruned_before"  # meta: snapshots before this day are gone (for rebuilds)


class PruneRefused(UserError):
    """Some partition before the cutoff may not be removed yet; nothing was removed."""


@dataclass
class PruneResult:
    """What a prune removed (or would remove, in a dry run) and what it kept, and why."""

    before: date
    dry_run: bool = False
    removed: list[date] = field(default_factory=list)
    snapshots: int = 0
    kept: dict[date, str] = field(default_factory=dict)

    def line(self) -> str:
        """One line for the CLI and the daemon's log."""
        verb = "would remove" if self.dry_run else "removed"
        span = f" ({self.removed[0]} … {self.removed[-1]})" if self.removed else ""
        kept = f"; kept {len(self.kept)} not yet final" if self.kept else ""
        return (
            f"{verb} {len(self.removed)} snapshot partitions before {self.before}{span}, "
            f"{self.snapshots:,} snapshots; rollups and plans untouched{kept}"
        )


def retention_cutoff(now: datetime, retention_days: int) -> date:
    """The first UTC day kept by ``retention_days`` (partitions before it may go)."""
    return as_utc(now).date() - timedelta(days=retention_days)


def prune_before(
    store: DayStore, before: date, now: datetime, *, dry_run: bool = False, strict: bool = True
) -> PruneResult:
    """Remove the snapshot partitions of days before ``before`` whose streams are all done.

    ``strict``: refuse (``PruneRefused``, nothing removed) if any such partition is not
    final or is locked by a writer; otherwise remove those that may go and list the
    rest in ``kept``. Today's partition (UTC) and later ones are never removed.
    """
    today = as_utc(now).date()
    if before > today:
        raise UserError(f"--before {before} is after today ({today}); today's snapshots stay")
    result = PruneResult(before=before, dry_run=dry_run)
    days = [d for d in store.partitions() if d < before]
    if not days:
        return result
    parts = [store.partition(day) for day in days]
    # Only these streams: reading every archived one held a year of them in memory.
    known = store.streams_of({key for part in parts for key in part.streams})
    ready: dict[date, Partition] = {}
    for day, part in zip(days, parts, strict=True):
        why = _not_final(part, known, old=day < today - FINAL_HORIZON)
        if why is None:
            ready[day] = part
        else:
            result.kept[day] = why
    if strict and result.kept:
        first = min(result.kept)
        count = f"{len(result.kept)} partitions before {before} are not final"
        raise PruneRefused(f"cannot prune {first}: {result.kept[first]} ({count}); nothing removed")
    _remove(store, ready, result, strict=strict)
    return result


def _not_final(part: Partition, known: Mapping[str, Stream], *, old: bool) -> str | None:
    """Why ``part`` must stay (a stream not done, or unknown and recent), or ``None``."""
    for key in sorted(part.streams):
        stream = known.get(key)
        if stream is None and not old:
            return f"stream {key} has no record yet"
        if stream is not None and not stream.done:
            return f"stream {key} is still polled (not done)"
    return None


def _remove(
    store: DayStore, ready: dict[date, Partition], result: PruneResult, *, strict: bool
) -> None:
    """Delete the ready partitions, each under its lock taken without waiting."""
    if result.dry_run:
        result.removed = sorted(ready)
        result.snapshots = sum(p.snapshots for p in ready.values())
        return
    try:
        dropped = store.drop_partitions(sorted(ready), all_or_none=strict)
    except StoreBusy as exc:  # strict: one was being written; none were deleted
        raise PruneRefused(f"{exc}; nothing removed (try again when the cycle is over)") from exc
    for day in sorted(ready):
        if day in dropped:
            result.removed.append(day)
            result.snapshots += ready[day].snapshots
        else:
            result.kept[day] = "locked by a writer"
    if result.removed:
        # ``rollup --rebuild`` must not trust history before this day: it is gone.
        after = max(result.removed) + timedelta(days=1)
        stored = store.get_meta(PRUNED_META)
        if stored is None or date.fromisoformat(stored) < after:
            store.set_meta({PRUNED_META: after.isoformat()})
