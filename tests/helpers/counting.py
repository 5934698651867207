"""A store wrapper that counts ``commit_cycle`` calls, for the one-write-per-cycle tests."""

from __future__ import annotations

from typing import Any

from streamer.store import CycleWrite
from streamer.tinystore import TinyStore


class CountingStore:
    """A TinyStore that counts ``commit_cycle`` calls (everything else passes through)."""

    def __init__(self, inner: TinyStore) -> None:
        self.inner = inner
        self.commits = 0

    def commit_cycle(self, cycle: CycleWrite) -> None:
        self.commits += 1
        self.inner.commit_cycle(cycle)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)
