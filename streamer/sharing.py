"""Many collectors on one database: who polls what, who discovers, who sends.

A store that ``SharedWork`` describes (``PgStore``) may be shared by any number of
``streamer run`` / ``collect --once`` processes, on one machine or many. Each collector
has a ``Sharing``, which per cycle:

- renews its heartbeat lease (``collector:<holder>``, three ticks long) and counts the
  live collectors, so it claims its share of the due streams: ``ceil(due / live)``,
  due counted leased or not. The claim is ``lease_due`` (``FOR UPDATE SKIP LOCKED``,
  marked ``leased_until``): no stream is given to two collectors, and a killed
  collector's streams are claimable again after ``LEASE_SHARE`` of a live interval,
  so the others poll them at their next tick. A collector whose share was full claims
  again (another round) until nothing due is left unclaimed;
- leases discovery (every platform's) for the longest discovery interval: one collector
  discovers, the others skip it until the lease lapses (its holder died);
- folds and commits under the store's ``cycle_lock``, after re-reading the working set
  (``Engine``), so cycles that share broadcasts' combined rollups never lose an update.

The daemon's report jobs, alert sender and prune run on the leader only (the holder of
the ``leader`` lease, renewed whenever it runs one). The quota ledger is one table added
to atomically, and quota pauses are stored: every collector reads them each cycle.

Collectors must collect the same things: the first to start stores a fingerprint of
the settings that decide what is collected (programmes, channels, intervals; never a
secret), and a collector with another one refuses to start while one with the stored
fingerprint is alive (``ConfigError``, one line). With none alive, a changed config is
adopted: stop every collector, change every config alike, start them again. A collector
joins under the cycle lock (check, then heartbeat), so two starting at once are judged
one after the other.

The embedded TinyStore is not shared: one daemon at a time (``daemon_lock``).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import secrets
import socket
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import asdict
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, runtime_checkable

from streamer.errors import ConfigError

if TYPE_CHECKING:
    from streamer.clock import Clock
    from streamer.config import Config

FINGERPRINT = "config_fingerprint"  # meta
LEASE_SHARE = 0.75  # a stream lease lasts this share of the live interval
HEARTBEAT_TICKS = 3  # a collector counts as alive this many ticks after its last cycle
LEADER_SECONDS = 120.0  # the leader renews at every job run (the sender: every 15 s)
MAX_ROUNDS = 10  # claims per tick: a share, then what others left, a few times over
T = TypeVar("T")


def collect_tick(config: Config) -> int:
    """Seconds between poll ticks: ``live_interval``, kept within 5..60."""
    return max(5, min(60, config.collector.live_interval))


@runtime_checkable
class SharedWork(Protocol):
    """A store several collector processes share (``PgStore``)."""

    lease_seconds: int

    def claim(self, name: str, holder: str, seconds: float, now: datetime) -> bool:
        """Take or renew the named lease from ``now``; False while another holder has it."""
        ...

    def release(self, name: str, holder: str) -> None:
        """Give the named lease up."""
        ...

    def holders(self, prefix: str, now: datetime) -> int:
        """Leases named ``prefix…`` held at ``now``."""
        ...

    def due_count(self, now: datetime) -> int:
        """Working streams due at ``now``, leased or not."""
        ...

    def lease_groups(self, now: datetime, limit: int) -> AbstractContextManager[list[str]]:
        """Claim due streams no live lease holds, whole broadcasts at a time: their keys."""
        ...

    def cycle_lock(self) -> AbstractContextManager[None]:
        """Held from a cycle's re-read of the working set to its commit."""
        ...

    def first_meta(self, name: str, value: Any) -> Any:
        """Set meta ``name`` unless set; the stored value."""
        ...

    def set_meta(self, values: Mapping[str, Any]) -> None:
        """Save small named values (``Store.set_meta``)."""
        ...


def fingerprint(config: Config) -> str:
    """A digest of what decides what is collected: programmes and their channels, the
    platforms' discovery intervals and the ``[collector]`` intervals (no secret)."""
    what = {
        "programmes": sorted(
            (p.slug, sorted(c.key for c in p.channels)) for p in config.programmes.values()
        ),
        "collector": asdict(config.collector),  # type: ignore[call-overload]
        "discovery": {n: config.discovery_interval(n) for n in config.platforms_in_use()},
    }
    return hashlib.sha256(json.dumps(what, sort_keys=True, default=str).encode()).hexdigest()


class Sharing:
    """One collector's part in sharing a store with others (see the module docstring)."""

    def __init__(self, store: SharedWork, config: Config, clock: Clock) -> None:
        """Join: refuse (``ConfigError``) if live collectors collect by another config."""
        self.store, self.clock = store, clock
        self.tick = collect_tick(config)
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
        store.lease_seconds = max(1, int(config.collector.live_interval * LEASE_SHARE))
        # Check and heartbeat at once: two collectors starting together with different
        # configs could otherwise each find none alive, and both stay.
        with store.cycle_lock():
            self._check(fingerprint(config))
            self.heartbeat()

    def _check(self, mine: str) -> None:
        stored = self.store.first_meta(FINGERPRINT, mine)
        if stored == mine:
            return
        if self.store.holders("collector:", self.clock.now()):
            raise ConfigError(
                "this config collects other programmes, channels or intervals than the "
                "collectors already sharing the database; give every collector the same config"
            )
        self.store.set_meta({FINGERPRINT: mine})  # none alive: this config is adopted

    def heartbeat(self) -> None:
        """Say this collector is alive, for its share and the fingerprint check."""
        seconds = self.tick * HEARTBEAT_TICKS
        self.store.claim(f"collector:{self.holder}", self.holder, seconds, self.clock.now())

    def share(self, now: datetime) -> int:
        """How many due streams this collector claims in one round."""
        self.heartbeat()
        live = max(1, self.store.holders("collector:", now))
        return max(1, math.ceil(self.store.due_count(now) / live))

    @contextmanager
    def round(self, now: datetime) -> Iterator[tuple[set[str], bool]]:
        """Claim a share of the due streams for the block: their keys, and whether the
        share was full (another round may find more)."""
        limit = self.share(now)
        with self.store.lease_groups(now, limit) as taken:
            yield set(taken), len(taken) >= limit

    def discovers(self, seconds: float, now: datetime) -> bool:
        """Whether this collector discovers at ``now`` (holds the discovery lease for
        ``seconds``, the longest discovery interval). One lease for every platform: a
        simulcast found on several platforms at once is then folded by one collector,
        as its first readings come with the discovery."""
        return self.store.claim("discovery", self.holder, seconds, now)

    def leader(self) -> bool:
        """Whether this collector runs the once-only jobs (holds the leader lease)."""
        return self.store.claim("leader", self.holder, LEADER_SECONDS, self.clock.now())

    def only_leader(self, job: Callable[..., T]) -> Callable[..., T | None]:
        """``job`` run on the leader only; elsewhere a no-op."""

        def gated(*args: Any, **kwargs: Any) -> T | None:
            return job(*args, **kwargs) if self.leader() else None

        return gated

    def leave(self) -> None:
        """Give up the heartbeat and leadership (a clean stop)."""
        for name in (f"collector:{self.holder}", "leader"):
            self.store.release(name, self.holder)


def sharing_for(store: object, config: Config, clock: Clock) -> Sharing | None:
    """A ``Sharing`` when ``store`` is shared (PostgreSQL), else ``None``."""
    return Sharing(store, config, clock) if isinstance(store, SharedWork) else None
