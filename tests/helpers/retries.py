"""The retry switch for tests, always put back: ``with instant_retries(): ...``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from streamer import retry


@contextmanager
def instant_retries(on: bool = True) -> Iterator[None]:
    """Backoffs off (``on``) or on while open; the switch is restored as it was on exit,
    so no test leaks its setting into the next."""
    previous = retry.is_instant()
    retry.set_instant(on)
    try:
        yield
    finally:
        retry.set_instant(previous)
