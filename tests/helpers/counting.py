"""Stores that count: ``commit_cycle`` calls (the one-write-per-cycle tests), and the
month archives a read parses (the tests of reads bounded by period or by index)."""

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


class ParsingStore(TinyStore):
    """A TinyStore that lists the month archives it parses, in order (``parsed``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.parsed: list[str] = []

    def _parsed(self, rel: str) -> Any:
        if rel.startswith("archive/"):  # main is read by every read
            self.parsed.append(rel)
        return super()._parsed(rel)
