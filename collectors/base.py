"""The platform protocol every adapter implements, and the errors every adapter raises.

An adapter turns one platform's API into model objects: ``discover`` finds streams on
channels, ``poll`` reads a batch of streams into snapshots. Adapters fetch and never
save: the collector engine stores what they return and records a gap, with the
error's ``reason``, for every poll that raised. Adding a platform is one module that
satisfies ``Platform``, a simulator route and its spec in ``streamer.platforms``
(docs/architecture.md, "Adding a platform").

Discovery returns ``Stream`` objects rather than a separate "discovered" record: an
adapter learns enough while discovering (YouTube asks ``videos.list`` whether a new
video is a live stream at all) to fill in the stream's facts, and the engine stores
streams, so one type saves a conversion.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from streamer.models import Channel, Snapshot, Stream
from streamer.retry import RetryLater, RetryOnce


@dataclass(slots=True)
class Usage:
    """Requests sent and quota units spent, per credential, for the log and the ledger.

    ``units`` is keyed by the *name* of the credential (the environment variable that
    holds an API key), never by the secret. Every request sent is counted, failed
    ones included: YouTube charges for those too.
    """

    calls: int = 0
    units: dict[str, int] = field(default_factory=dict)

    def charge(self, credential: str, units: int) -> None:
        """Count one request that cost ``units`` on ``credential``."""
        self.calls += 1
        self.units[credential] = self.units.get(credential, 0) + units

    @property
    def quota_units(self) -> int:
        """Units spent across all credentials."""
        return sum(self.units.values())


@dataclass(slots=True)
class Discovery:
    """What ``discover`` found: streams the caller did not know, and what it cost.

    ``failures`` names the channels (by id) that could not be read, with the error:
    a dead or refused channel is a gap for that channel only, and the others'
    discovery goes on (see ``isolated``). ``snapshots`` are first snapshots of found
    streams read from the same answer (YouTube's ``videos.list``): those streams need
    no poll in the same cycle. ``memory`` is what the adapter knows about the channels
    after this discovery (``Remembers``), for the engine to store; ``None``: nothing.
    """

    streams: list[Stream] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)
    failures: dict[str, PlatformError] = field(default_factory=dict)
    snapshots: list[Snapshot] = field(default_factory=list)
    memory: dict[str, Any] | None = None


@dataclass(slots=True)
class PollResult:
    """What one ``poll`` read.

    ``updates`` holds the polled streams with the platform's facts refreshed (status,
    title, scheduled/actual start and end) by ``dataclasses.replace``, so the
    engine's own fields (``next_poll_at``, ``final_polls``...) come back unchanged.
    ``missing`` names the external ids the platform no longer shows (deleted or made
    private); their updates have status ``missing`` and they get no snapshot.
    ``failures`` names the streams (by key) that could not be read because their own
    channel is rate limited (``ChannelThrottled``), with the error: they have
    no update and no snapshot, the engine records a gap for each, and the batch's
    other streams count as read (``by_channel``).
    """

    snapshots: list[Snapshot] = field(default_factory=list)
    updates: list[Stream] = field(default_factory=list)
    missing: set[str] = field(default_factory=set)
    usage: Usage = field(default_factory=Usage)
    failures: dict[str, PlatformError] = field(default_factory=dict)

    @property
    def quota_units(self) -> int:
        """Units spent by this poll."""
        return self.usage.quota_units

    @property
    def calls(self) -> int:
        """Requests this poll sent, retries included."""
        return self.usage.calls


class Platform(Protocol):
    """One platform's API, as the collector engine sees it.

    Both methods raise ``PlatformError`` subclasses only (never the HTTP library's
    own exceptions), after the retries of ``streamer.retry`` are spent. A raised
    error carries the ``usage`` of the failed call, so the ledger stays right. An
    error of one channel only (``isolated``) need not be raised: ``Discovery.failures``
    and ``PollResult.failures`` carry it, and the other channels' results go on.
    """

    name: str
    """The platform's name in registry (``streamer.platforms.names()``: ``youtube``...)."""

    max_batch: int
    """Most streams one ``poll`` call reads in one request. The engine passes at most
    this many per call, so a failure costs a gap for one batch, not for all."""

    def discover(
        self, channels: Sequence[Channel], now: datetime, known: Collection[str] = ()
    ) -> Discovery:
        """Streams on ``channels`` that are not among the ``known`` external ids."""
        ...

    def poll(self, streams: Sequence[Stream], now: datetime) -> PollResult:
        """Read ``streams`` once: a snapshot each, their refreshed facts, the missing."""
        ...


@runtime_checkable
class Cools(Protocol):
    """An adapter that slows itself down for a while (Graph's cooldowns). The engine
    stores ``cooldowns()`` after each cycle and hands them back to a new process, so a
    restarted collector (``collect --once`` from cron) does not ask a throttled platform
    or channel again before its time; the adapter never touches the store."""

    def cooldowns(self) -> dict[str, Any]:
        """The cooldowns still running, as plain JSON types (``{}``: none)."""
        ...

    def restore_cooldowns(self, stored: Any) -> None:
        """Take back stored ``cooldowns()`` (``None``, unreadable or over: ignored)."""
        ...


@runtime_checkable
class Remembers(Protocol):
    """An adapter whose discovery learns lasting facts about channels (YouTube: uploads
    playlists, walked channels, uploads that are not streams). Adapters never touch
    the store: the engine hands it what was stored, and stores ``Discovery.memory``."""

    def restore(self, memory: Any) -> None:
        """Take back a stored ``Discovery.memory`` (``None`` or unreadable: start afresh)."""
        ...


@runtime_checkable
class SpendsKeys(Protocol):
    """An adapter with several API keys that learns when one is spent (YouTube's
    ``quotaExceeded``). Keys are named by a digest of their value, never the value.
    The engine stores ``spent_keys()`` when it changes and hands the stored value back
    at start (and, on a shared store, every round), so no collector, restarted or
    running elsewhere, sends a request on a key another one found spent."""

    def spent_keys(self) -> dict[str, Any]:
        """Spent keys by digest, ``{"env": variable, "until": reset}`` (ISO 8601 UTC)."""
        ...

    def restore_spent_keys(self, stored: Any) -> None:
        """Take stored ``spent_keys()`` in (unreadable, over or not configured: ignored)."""
        ...


def spent_keys_meta(platform: str) -> str:
    """The meta entry holding ``platform``'s ``SpendsKeys.spent_keys()``."""
    return f"spent_keys:{platform}"


class PlatformError(Exception):
    """A platform call failed; ``reason`` is the short word recorded as the gap reason.

    Messages are built by the adapters from safe parts (method name, HTTP status,
    the API's error reason) and never contain a key or a token; never pass an HTTP
    library's exception text, which can carry the request URL with ``key=``.
    """

    reason = "error"

    def __init__(self, platform: str, message: str, *, reason: str | None = None) -> None:
        super().__init__(f"{platform}: {message}")
        self.platform = platform
        if reason is not None:
            self.reason = reason
        self.usage: Usage | None = None  # filled in by the adapter before it re-raises


@contextmanager
def charged(usage: Usage) -> Iterator[None]:
    """Attach ``usage`` (spent so far) to any ``PlatformError`` leaving the block."""
    try:
        yield
    except PlatformError as exc:
        exc.usage = usage
        raise


def isolated(exc: PlatformError) -> bool:
    """Whether ``exc`` concerns one channel only (not found, refused, malformed answer,
    a rate limit of that channel alone: ``ChannelThrottled``).

    Quota and auth refusals hold for every call, and any other transient failure that
    outlasted its retries means the platform is down or slowing us down: those stop
    the platform's discovery and polls as a whole.
    """
    if isinstance(exc, ChannelThrottled):
        return True
    return not isinstance(exc, QuotaExhausted | AuthFailed | Transient)


def each_channel(
    found: Discovery, channels: Iterable[Channel], read: Callable[[Channel], None]
) -> None:
    """``read(channel)`` for each channel; a channel's own failure goes to ``found.failures``.

    A platform-wide failure (see ``isolated``) is raised, ending the discovery.
    """
    for channel in channels:
        try:
            read(channel)
        except PlatformError as exc:
            if not isolated(exc):
                raise
            found.failures[channel.id] = exc


def by_channel(
    result: PollResult,
    streams: Iterable[Stream],
    read: Callable[[str, list[Stream], PollResult], None],
) -> None:
    """``read(channel, its streams, into)`` for each channel of ``streams``, in order.

    A channel's own rate limit (``ChannelThrottled``) is recorded for each of its
    streams in ``result.failures``, and what was read of that channel before it is
    dropped; any other failure is raised, ending the poll (the batch's gaps).
    """
    grouped: dict[str, list[Stream]] = {}
    for stream in streams:
        grouped.setdefault(stream.channel, []).append(stream)
    for channel, wanted in grouped.items():
        part = PollResult(usage=result.usage)  # one ledger: a failed call still counts
        try:
            read(channel, wanted, part)
        except ChannelThrottled as exc:
            exc.usage = result.usage
            result.failures |= dict.fromkeys((s.key for s in wanted), exc)
            continue
        result.snapshots += part.snapshots
        result.updates += part.updates
        result.missing |= part.missing


class QuotaExhausted(PlatformError):
    """Every credential's quota is spent; nothing will succeed before ``reset_at``."""

    reason = "quota"

    def __init__(self, platform: str, reset_at: datetime) -> None:
        message = f"quota exhausted on every key until {reset_at.isoformat()}"
        super().__init__(platform, message)
        self.reset_at = reset_at


class AuthFailed(PlatformError):
    """The platform rejected a credential; ``env_var`` names where to fix it.

    ``env_var`` is the environment variable holding the secret (or, for a token file,
    the setting that names the file). The message names it and never the secret.
    """

    reason = "auth"

    def __init__(self, platform: str, env_var: str, detail: str) -> None:
        message = f"the credential in {env_var} was rejected ({detail}); set a valid one there"
        super().__init__(platform, message)
        self.env_var = env_var


class Transient(PlatformError, RetryLater):
    """A fault worth retrying: 429, 5xx, timeout, dropped or truncated connection.

    ``retry_after`` is the delay in seconds the platform asked for (``Retry-After``,
    ``Ratelimit-Reset``), when it asked.
    """

    reason = "transient"

    def __init__(
        self,
        platform: str,
        message: str,
        *,
        reason: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(platform, message, reason=reason)
        self.retry_after = retry_after


class ChannelThrottled(Transient):
    """A rate limit of one channel (a Page, an Instagram account: Graph's Business Use
    Case limits), not of the token: that channel's calls wait, the others go on."""

    def __init__(
        self, platform: str, message: str, *, channel: str, retry_after: float | None = None
    ) -> None:
        super().__init__(platform, message, reason="throttled", retry_after=retry_after)
        self.channel = channel


class BadPayload(PlatformError, RetryOnce):
    """A successful response whose body is not what the API documents (tried once more)."""

    reason = "bad_payload"
