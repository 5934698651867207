"""APScheduler itself on a simulated clock: its job store, triggers, coalescing and
misfire checks, stepped by the test instead of a thread waiting on the wall clock.

APScheduler 3 reads ``datetime.now`` in the scheduler (which jobs are due, how long to
wait) and in the executor (the misfire check); ``on_clock`` points both at a
``SimulatedClock``. ``SteppedScheduler`` runs jobs in the stepping thread (APScheduler's
``DebugExecutor``, which goes through the same ``run_job`` as the thread pool) and
``play`` wakes it when it asked to be woken, moving the clock there.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, tzinfo
from typing import Any

import apscheduler.executors.base
import apscheduler.schedulers.base
import pytest
from apscheduler.executors.debug import DebugExecutor
from apscheduler.schedulers.base import BaseScheduler

from streamer.clock import SimulatedClock


@contextmanager
def on_clock(clock: SimulatedClock) -> Iterator[None]:
    """APScheduler's ``datetime.now`` answers from ``clock`` while open."""

    class ClockDatetime(datetime):
        @classmethod
        def now(cls, tz: tzinfo | None = None) -> datetime:  # type: ignore[override]
            return clock.now() if tz is None else clock.now().astimezone(tz)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(apscheduler.schedulers.base, "datetime", ClockDatetime)
        patch.setattr(apscheduler.executors.base, "datetime", ClockDatetime)
        yield


class SteppedScheduler(BaseScheduler):
    """A scheduler with no thread of its own: ``play`` processes its jobs."""

    def _create_default_executor(self) -> Any:
        return DebugExecutor()

    def shutdown(self, wait: bool = True) -> None:
        """Stop the executors and job stores (nothing to join)."""
        super().shutdown(wait)

    def wakeup(self) -> None:
        """Nothing to wake: ``play`` asks for due jobs at every step."""

    def play(self, clock: SimulatedClock, until: datetime) -> int:
        """Process due jobs and sleep (on ``clock``) as long as the scheduler asks, until
        ``until``; returns the number of wake-ups."""
        steps = 0
        while clock.now() < until:
            wait = self._process_jobs()
            assert wait is not None, "no job left to wait for"
            clock.set(min(until, clock.now() + timedelta(seconds=wait)))
            steps += 1
            assert steps < 1_000_000, "the scheduler never moved the clock"
        return steps
