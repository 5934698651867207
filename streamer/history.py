"""Since when a store holds collected data: the meta value ``recorded_since``.

Before the first collector ran, nothing was recorded: the days before are unknown,
not days with no broadcasts and no viewers. A report's change against a period
before that day would read "+5 broadcasts" where nothing was ever looked at, so
``reports.builders`` leaves such a change blank and says why.

The collector stores the value with its first write (``Engine``), as the UTC
instant of its first cycle, or earlier when the store already holds streams (one
filled by an older release, or by ``store copy``): then it is the earliest
discovery (or start) among them and the first day with snapshots. A store no
collector has written to yet has none, and a report then compares as it always did.
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

from streamer.models import from_iso
from streamer.store import SnapshotDays, Store, stream_start

RECORDED_SINCE = "recorded_since"


def recorded_since(store: Store) -> datetime | None:
    """The stored ``recorded_since``; ``None`` when absent or unreadable."""
    return parse(store.get_meta(RECORDED_SINCE))


def parse(value: Any) -> datetime | None:
    """A stored ``recorded_since`` value as a UTC instant, or ``None``."""
    if not isinstance(value, str):
        return None
    try:
        return from_iso(value)
    except ValueError:  # hand-edited, or no time zone: as if never set
        return None


def first_record(store: Store) -> datetime | None:
    """The earliest trace of collection in ``store``: the first discovery (or start)
    of any stream, archive included, and the first day with snapshots or gaps."""
    found: list[datetime] = []
    for stream in store.streams(include_archive=True).values():
        began = stream.discovered_at or stream_start(stream)
        if began is not None:
            found.append(began)
    days = store.partitions() if isinstance(store, SnapshotDays) else []
    if days:
        found.append(datetime.combine(days[0], time(), UTC))
    return min(found, default=None)
