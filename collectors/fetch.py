"""One platform's share of a cycle, fetched in a worker thread: discovery, then due polls.

The engine builds a ``Job`` per platform from the cycle's state (frozen streams,
frozensets and tuples: copies, nothing the engine will change), ``fetch_all`` runs
the jobs in a thread each, and the engine applies the ``Outcome``s on its own thread
once every worker has returned, in platform order. Workers never touch the store or
the cycle's state; the only thing a worker shares is its adapter, and each adapter is
driven by exactly one thread (adapters are not thread-safe). So a slow platform costs
the cycle its own time, not the sum of everyone's.

A worker only talks to the network: adopting the streams it discovered (matching
them to the plan), folding snapshots and recording gaps is the engine's work.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import partial
from typing import TypeVar

from collectors.base import (
    AuthFailed,
    Discovery,
    Platform,
    PlatformError,
    PollResult,
    QuotaExhausted,
    Transient,
    isolated,
)
from streamer.clock import monotonic
from streamer.models import Channel, Stream

log = logging.getLogger("streamer.engine")
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Job:
    """What one platform is to do this cycle, given as immutable copies.

    ``channels`` is ``None`` when discovery is not due. ``known`` holds the external
    ids discovery need not report; ``existing`` the stream keys already in the
    working set (a newly found stream in it is not new). ``due`` are the streams
    whose poll has come, sorted by key; ``remembered`` the platform's seen ids, kept
    for the engine to extend.
    """

    name: str
    platform: Platform
    now: datetime
    channels: tuple[Channel, ...] | None
    known: frozenset[str]
    existing: frozenset[str]
    due: tuple[Stream, ...]
    remembered: tuple[str, ...] = ()


@dataclass(slots=True)
class Batch:
    """One poll call's streams and what became of them: a result, an error, or a skip."""

    streams: tuple[Stream, ...]
    result: PollResult | None = None
    error: PlatformError | None = None
    skipped: str | None = None  # the reason it was not sent (quota or auth earlier on)


@dataclass(slots=True)
class Outcome:
    """What a worker brings back for the engine to apply."""

    job: Job
    discovery: Discovery | None = None
    discovery_error: PlatformError | None = None
    new: list[Stream] = field(default_factory=list)
    first: PollResult | None = None  # new streams read by discovery itself: their first poll
    batches: list[Batch] = field(default_factory=list)
    seconds: float = 0.0  # the worker's wall time


def fetch_all(
    jobs: Sequence[Job], *, parallel: bool = True, pool: Executor | None = None
) -> list[Outcome]:
    """Run ``jobs`` and return their outcomes in the jobs' order.

    In parallel, each job runs in a thread of ``pool`` (the engine's long-lived pool:
    starting threads every cycle cost more than the requests) or, without one, of a
    pool made for this call. Each call waits for all its jobs, so an adapter is never
    driven by two threads at once. ``parallel=False`` runs them one after another on
    the caller's thread: the same outcomes, in a request order that does not depend
    on thread timing (for a simulator drawing random faults from one seeded generator).
    """
    if not parallel or len(jobs) <= 1:
        return [fetch(job) for job in jobs]
    if pool is not None:
        futures = [pool.submit(fetch, job) for job in jobs]
        return [future.result() for future in futures]
    with ThreadPoolExecutor(len(jobs), thread_name_prefix="streamer-fetch") as own:
        return [future.result() for future in [own.submit(fetch, job) for job in jobs]]


def fetch(job: Job) -> Outcome:
    """Discover (when due), then poll the due streams and the new ones in batches."""
    began = monotonic()
    outcome = Outcome(job)
    stopped: str | None = None
    due = list(job.due)
    if job.channels is not None:
        try:
            outcome.discovery = _guarded(job, "discovery", partial(_discover, job))
        except PlatformError as exc:
            outcome.discovery_error, stopped = exc, _stops(exc)
        else:
            outcome.new = [s for s in outcome.discovery.streams if s.key not in job.existing]
            outcome.first = _first_polls(outcome.discovery, outcome.new)
            read = {s.key for s in outcome.first.updates}
            due = _with_new(due, [s for s in outcome.new if s.key not in read], job.now)
    size = max(1, job.platform.max_batch)
    for start in range(0, len(due), size):
        batch = Batch(tuple(due[start : start + size]))
        outcome.batches.append(batch)
        if stopped is not None:  # quota or auth refused an earlier call: send nothing more
            batch.skipped = stopped
            continue
        try:
            batch.result = _guarded(job, "poll", partial(_poll, job, batch.streams))
        except PlatformError as exc:
            batch.error, stopped = exc, _stops(exc)
    outcome.seconds = monotonic() - began
    return outcome


def _discover(job: Job) -> Discovery:
    assert job.channels is not None
    return job.platform.discover(job.channels, job.now, job.known)


def _poll(job: Job, streams: tuple[Stream, ...]) -> PollResult:
    return job.platform.poll(streams, job.now)


def _first_polls(discovery: Discovery, new: list[Stream]) -> PollResult:
    """The new streams whose discovery answer was a snapshot too, as a poll's result:
    polling them again in the same cycle would spend a request (and quota) on what the
    discovery just read."""
    snapshots = {s.stream: s for s in discovery.snapshots}
    read = [s for s in new if s.key in snapshots]
    return PollResult(snapshots=[snapshots[s.key] for s in read], updates=read)


def _with_new(due: list[Stream], new: list[Stream], now: datetime) -> list[Stream]:
    """The due streams plus the newly found ones (due at once), sorted by key.

    Sorting the merged list keeps the batches exactly as a sequential engine made
    them; a stream found twice in one discovery is polled once.
    """
    merged = {s.key: s for s in due}
    for stream in new:
        merged.setdefault(stream.key, replace(stream, discovered_at=now, next_poll_at=now))
    return sorted(merged.values(), key=lambda s: s.key)


def _stops(exc: PlatformError) -> str | None:
    """The reason the platform's remaining calls are skipped after ``exc``, if any.

    Quota and auth refusals hold for every call. So does a transient failure that
    outlasted its retries (timeouts, 5xx, throttling): the platform is down or
    slowing us down, and trying every remaining batch would cost the cycle batches ×
    attempts × timeout (20 batches of a 1,000-stream YouTube poll: over 13 minutes at a
    10 s timeout) while the other platforms' results wait. The skipped polls become
    gaps with the same reason; the next cycle tries again.
    """
    if isinstance(exc, QuotaExhausted):
        return "quota"
    if isinstance(exc, AuthFailed):
        return "auth"
    if isinstance(exc, Transient) and not isolated(exc):  # one channel's limit: the rest go on
        return exc.reason
    return None


def _guarded(job: Job, what: str, call: Callable[[], T]) -> T:
    """``call()``, with any exception but a ``PlatformError`` turned into one (reason "error").

    A bug in one adapter must not cost the other platforms their cycle. Only the
    exception's type and where it was raised are logged, never its message: an HTTP
    library's message can carry a request URL with ``key=`` in it.
    """
    try:
        return call()
    except PlatformError:
        raise
    except Exception as exc:
        frame = traceback.extract_tb(exc.__traceback__)[-1]
        where = f"{frame.filename}:{frame.lineno}"
        log.error("%s: %s failed unexpectedly: %s at %s", job.name, what, type(exc).__name__, where)
        raise PlatformError(job.name, f"{what} failed: {type(exc).__name__}") from None
