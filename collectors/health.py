"""Channel health: which channels discovery could not read, and when to try them again.

A dead or refused channel (a terminated YouTube channel, a Page Graph refuses) is a
gap for that channel only. It is logged once when it starts failing, retried with a
growing backoff (the discovery interval, doubled at each failure, at most a day)
instead of at every discovery, and logged once more when it reads again. The record
lives in the store's meta (``channels:<platform>``, written in the cycle's one
commit), so a restarted collector honours the backoff, and ``streamer status``
shows it without asking the collector.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from collectors.base import PlatformError
from streamer.models import from_iso, to_iso

log = logging.getLogger("streamer.engine")

MAX_BACKOFF = timedelta(days=1)


def meta_name(platform: str) -> str:
    """The meta entry holding ``platform``'s channel health."""
    return f"channels:{platform}"


def discovered_meta(platform: str) -> str:
    """The meta entry holding ``platform``'s last discovery time (ISO 8601 UTC)."""
    return f"discovered:{platform}"


def cooldown_meta(platform: str) -> str:
    """The meta entry holding ``platform``'s cooldowns (``collectors.base.Cools``):
    ``{"token": end, "objects": {channel id: end}}``, ISO 8601 UTC."""
    return f"cooldowns:{platform}"


def cooling_until(stored: Any, channel: str | None, now: datetime) -> datetime | None:
    """From a stored cooldowns value: until when the token (``channel=None``) or one
    channel is throttled, if that is after ``now``; unreadable: ``None``."""
    try:
        value = stored.get("token") if channel is None else stored["objects"][channel]
        until = from_iso(value) if value is not None else None
    except (AttributeError, KeyError, TypeError, ValueError):
        return None
    return until if until is not None and until > now else None


STALE_AFTER = 3
"""How many intervals without a success make a platform stale (``/healthz``)."""


def stale_limit(live_interval: int, discovery_interval: int, live: bool) -> float:
    """Seconds without a success after which a platform is stale: three live intervals
    while it has a stream live, three discovery intervals (or live ones, if longer)
    while it has none. The ``/healthz`` rule, which the ``unhealthy`` alert shares."""
    interval = live_interval if live else max(live_interval, discovery_interval)
    return float(STALE_AFTER * interval)


def backoff(interval: int, attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failure in a row: ``interval`` seconds, doubled
    at each further failure, capped at ``MAX_BACKOFF``."""
    doubling: int = 2 ** min(max(attempts - 1, 0), 20)
    return min(timedelta(seconds=interval) * doubling, MAX_BACKOFF)


@dataclass(frozen=True, slots=True)
class ChannelFailure:
    """A channel discovery cannot read: why, since when, how often, when to try again."""

    platform: str
    channel: str  # the channel's id on its platform
    reason: str  # the error's short reason (not_found, rejected, permission...)
    message: str  # built by the adapter from safe parts: no key, no token
    since: datetime
    attempts: int
    retry_at: datetime

    @property
    def key(self) -> str:
        """``platform:channel``, as ``Channel.key``."""
        return f"{self.platform}:{self.channel}"

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON types, for the store's meta and ``status --format json``."""
        return {
            "reason": self.reason,
            "message": self.message,
            "since": to_iso(self.since),
            "attempts": self.attempts,
            "retry_at": to_iso(self.retry_at),
        }

    @classmethod
    def from_dict(cls, platform: str, channel: str, data: Mapping[str, Any]) -> ChannelFailure:
        """Inverse of ``to_dict``."""
        return cls(
            platform,
            channel,
            str(data["reason"]),
            str(data.get("message", "")),
            from_iso(data["since"]),
            int(data["attempts"]),
            from_iso(data["retry_at"]),
        )


@dataclass(slots=True)
class ChannelHealth:
    """One platform's channels: the failing ones and each one's last successful read."""

    platform: str
    failing: dict[str, ChannelFailure] = field(default_factory=dict)
    last_ok: dict[str, datetime] = field(default_factory=dict)
    saved: dict[str, Any] = field(default_factory=dict)  # the meta value as last stored

    @classmethod
    def load(cls, platform: str, stored: Any) -> ChannelHealth:
        """From the meta value (``None``, or one that cannot be read: a fresh record)."""
        health = cls(platform)
        if not isinstance(stored, dict):
            return health
        try:
            for channel, data in (stored.get("failing") or {}).items():
                health.failing[channel] = ChannelFailure.from_dict(platform, channel, data)
            health.last_ok = {c: from_iso(at) for c, at in (stored.get("ok") or {}).items()}
        except (KeyError, TypeError, ValueError, AttributeError):
            log.warning("%s: stored channel health unreadable; starting afresh", platform)
            return cls(platform)
        health.saved = health.to_meta()
        return health

    def to_meta(self) -> dict[str, Any]:
        """The meta value: plain JSON types."""
        return {
            "failing": {c: f.to_dict() for c, f in sorted(self.failing.items())},
            "ok": {c: to_iso(at) for c, at in sorted(self.last_ok.items())},
        }

    def must_save(self) -> bool:
        """Whether a channel started or stopped failing since the last save: that needs a
        write of its own. New read times alone do not: they are saved with the next
        cycle that writes anyway (at the latest with the platform's discovery time,
        stored once a discovery interval even when discoveries find nothing)."""
        return bool(self.to_meta()["failing"] != self.saved.get("failing", {}))

    def save(self) -> dict[str, Any]:
        """The meta value to write now, remembered as stored."""
        self.saved = self.to_meta()
        return self.saved

    def waiting(self, now: datetime) -> set[str]:
        """The failing channels whose next try has not come yet."""
        return {c for c, f in self.failing.items() if f.retry_at > now}

    def record(
        self,
        asked: Iterable[str],
        failures: Mapping[str, PlatformError],
        now: datetime,
        interval: int,
    ) -> list[ChannelFailure]:
        """Take in one discovery of the ``asked`` channels; returns this time's failures."""
        failed = []
        for channel in asked:
            exc = failures.get(channel)
            if exc is None:
                self._recovered(channel, now)
                continue
            before = self.failing.get(channel)
            attempts = 1 if before is None else before.attempts + 1
            failure = ChannelFailure(
                self.platform,
                channel,
                exc.reason,
                str(exc),
                now if before is None else before.since,
                attempts,
                now + backoff(interval, attempts),
            )
            self.failing[channel] = failure
            failed.append(failure)
            # Once when it starts failing; the next tries only at debug level.
            level = logging.WARNING if before is None else logging.DEBUG
            retry = to_iso(failure.retry_at)
            message = "channel %s failing (%s): %s; next try %s"
            log.log(level, message, failure.key, failure.reason, failure.message, retry)
        return failed

    def _recovered(self, channel: str, now: datetime) -> None:
        self.last_ok[channel] = now
        if (gone := self.failing.pop(channel, None)) is not None:
            log.info("channel %s readable again after %d failures since %s",
                     gone.key, gone.attempts, to_iso(gone.since))  # fmt: skip
