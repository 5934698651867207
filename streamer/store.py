"""The storage boundary: what every part of streamer may ask of the data folder.

``Store`` is a Protocol so that a server database can stand behind the same
interface one day; the embedded default is ``TinyStore`` (streamer/tinystore.py),
the only module that imports TinyDB. ``open_store(data_dir)`` is how code gets one.

Layout of a data folder (part of the documented interface)::

    streamer.json              broadcasts, working-set streams and rollups, quota ledger
    snapshots/YYYY-MM-DD.json  one partition per UTC day: that day's snapshots and gaps
    archive/YYYY-MM.json       finished streams and their rollups, by month of start

Every write is atomic (temp file, fsync, rename) and happens under a file lock held
across read → modify → write, so the daemon and CLI commands never lose each
other's updates and a crash never leaves a file half written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Protocol

from streamer.models import Broadcast, Gap, Snapshot, Stream


class StoreError(Exception):
    """The data folder cannot be read or written (not a user mistake in input)."""


class StoreBusy(StoreError):
    """A lock could not be taken in time (another process holds it)."""


@dataclass(slots=True)
class CycleWrite:
    """Everything one collector cycle changes, saved in one store write.

    ``streams`` and ``rollups`` are upserts by stream key; a stream with ``done``
    set moves (with its rollup) from the working set to the month archive.
    ``broadcasts`` are status updates (live/held/missed) of planned broadcasts.
    ``quota`` adds units to the ledger: ``{(quota_day, key_name): units}``.
    """

    snapshots: Sequence[Snapshot] = ()
    gaps: Sequence[Gap] = ()
    streams: Sequence[Stream] = ()
    rollups: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    broadcasts: Sequence[Broadcast] = ()
    quota: Mapping[tuple[str, str], int] = field(default_factory=dict)


# A function run inside the broadcasts lock: it sees the current plan and returns
# the broadcasts to insert or replace. Raising aborts the change; nothing is written.
PlanChange = Callable[[Mapping[str, Broadcast]], Iterable[Broadcast]]


class Store(Protocol):
    """The operations streamer needs from its storage."""

    data_dir: Path

    # -- plan -------------------------------------------------------------------
    def change_plan(self, change: PlanChange) -> list[Broadcast]:
        """Run ``change`` on the current plan under the lock; save and return its result."""
        ...

    def broadcasts(self) -> dict[str, Broadcast]:
        """The whole plan, by id (a consistent read, no lock needed)."""
        ...

    def broadcast(self, broadcast_id: str) -> Broadcast | None:
        """One planned broadcast, or ``None``."""
        ...

    # -- collection -------------------------------------------------------------
    def streams(self, *, include_archive: bool = False) -> dict[str, Stream]:
        """Streams by key: the working set, plus archived ones when asked."""
        ...

    def rollups(self, *, include_archive: bool = False) -> dict[str, dict[str, Any]]:
        """Rollups by stream key, like ``streams``."""
        ...

    def put_rollups(self, rollups: Mapping[str, Mapping[str, Any]]) -> None:
        """Replace rollups where they live (the working set or their month's archive)."""
        ...

    def commit_cycle(self, cycle: CycleWrite) -> None:
        """Save one collector cycle: snapshots to their day partitions, state to main.

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

    def partitions(self) -> list[date]:
        """The days that have a snapshot partition, oldest first."""
        ...

    # -- quota ------------------------------------------------------------------
    def quota_used(self, quota_day: str) -> dict[str, int]:
        """Units charged on a Pacific-time quota day (``YYYY-MM-DD``), by key name."""
        ...

    # -- process coordination ------------------------------------------------------
    def daemon_lock(self) -> AbstractContextManager[None]:
        """Held for a daemon's whole life; a second daemon on the folder gets StoreBusy."""
        ...

    # -- key/value state ----------------------------------------------------------
    def get_meta(self, name: str) -> Any:
        """A small named value (e.g. last discovery time per channel), or ``None``."""
        ...

    def set_meta(self, values: Mapping[str, Any]) -> None:
        """Save small named values in one write."""
        ...


def open_store(data_dir: Path) -> Store:
    """The embedded default store for ``data_dir`` (created if missing)."""
    from streamer.tinystore import TinyStore

    return TinyStore(data_dir)
