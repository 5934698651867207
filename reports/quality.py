"""How far a report's figures can be trusted: provisional views, missed polls.

Both come from what the store already keeps for each stream, never from raw
snapshots: ``Stream.done`` (its last poll, the final one a week after the end, is
made) and the rollup's ``gaps`` (polls that were due and did not happen, counted
by reason). Definitions (documented in the README):

- an entry's figures are **final** once every stream it draws on is done; an
  entry with no stream is final once nothing can come (missed, cancelled);
- a **provisional** entry went on air (held, live or unplanned) and is not final;
  its views settle at its last pending final poll, ``LAST_FINAL_POLL`` after the
  end of its last stream;
- ``gap_polls`` counts an entry's missed polls over all its platforms;
  ``min_platform_coverage_pct`` is the lowest coverage of any one platform that
  reports viewers (a combined figure can hide one platform's hole).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from reports.dataset import Selector
from reports.metrics import HELD, Entry
from reports.report import Note
from streamer.models import Stream, StreamStatus

# The last of the collector's final polls comes this long after a stream's end
# (collectors.policy.FINAL_POLLS[-1]; a test keeps the two equal).
LAST_FINAL_POLL = timedelta(days=7)
ON_AIR = (*HELD, "unplanned")
NOTHING_TO_COME = ("missed", "cancelled")

Gaps = dict[str, dict[str, int]]  # platform → reason → missed polls


def entry_streams(selector: Selector, entry: Entry) -> list[Stream]:
    """The streams an entry's figures come from (of its platforms only)."""
    if entry.status == "unplanned":
        found = selector.data.streams.get(entry.id)
        return [] if found is None else [found]
    members = selector.by_broadcast().get(entry.id, [])
    return [s for s in members if s.platform in entry.platforms]


def is_final(entry: Entry, streams: Sequence[Stream]) -> bool:
    """Whether nothing is left to poll for the entry (see the module docstring)."""
    if not streams:
        return entry.status in NOTHING_TO_COME
    return all(s.done for s in streams)


def is_provisional(entry: Entry, streams: Sequence[Stream]) -> bool:
    """On air, with final polls still to come."""
    return entry.status in ON_AIR and not is_final(entry, streams)


def settles(selector: Selector, streams: Iterable[Stream]) -> tuple[datetime | None, bool]:
    """When the last pending final poll of ``streams`` is due, and whether one is still
    live (then it is later: a week after an end not known yet)."""
    latest: datetime | None = None
    live = False
    for stream in streams:
        if stream.done:
            continue
        live = live or stream.status is StreamStatus.LIVE
        end = stream.actual_end or selector.stream_figures(stream).actual_end
        if end is not None and (latest is None or end + LAST_FINAL_POLL > latest):
            latest = end + LAST_FINAL_POLL
    return latest, live


def provisional(
    selector: Selector, per_row: Sequence[Iterable[Entry]], tz: ZoneInfo, columns: tuple[str, ...]
) -> tuple[list[int], list[Note]]:
    """Provisional entries per row, and the footnote saying when their figures settle
    (marking ``columns`` of the rows holding one)."""
    counts: list[int] = []
    latest: datetime | None = None
    live = False
    for entries in per_row:
        count = 0
        for entry in entries:
            streams = entry_streams(selector, entry)
            if is_provisional(entry, streams):
                count += 1
                when, on_air = settles(selector, streams)
                live = live or on_air
                if when is not None and (latest is None or when > latest):
                    latest = when
        counts.append(count)
    rows = tuple(i for i, count in enumerate(counts) if count)
    if not rows:
        return counts, []
    params = {"count": str(sum(counts))}
    if live or latest is None:
        return counts, [Note("note.provisional_live", params, rows, columns)]
    params["day"] = latest.astimezone(tz).date().isoformat()
    return counts, [Note("note.provisional", params, rows, columns)]
