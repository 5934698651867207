"""Injected faults: which requests fail, and how.

A ``FaultRule`` says what goes wrong (``kind``), where (``path_prefix``), how often
(``rate``: a probability drawn from the simulator's seeded generator; ``times``:
the next N matching requests) and when (``start``/``end``, on the simulated
clock: "the platform is down for a day"). Rules are checked in the order added;
the first that fires wins. How a fault looks on the wire is up to the platform
(``routing.FaultStyle``) and the server (timeouts, cut bodies).
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, get_args

from streamer.clock import as_utc

FaultKind = Literal[
    "quota",
    "http429",
    "http500",
    "http503",
    "timeout",
    "malformed",
    "truncated",
    "key_invalid",
    "throttled",
]
FAULT_KINDS: tuple[str, ...] = get_args(FaultKind)

TRANSPORT_KINDS = frozenset({"timeout", "malformed", "truncated"})
"""Kinds the server produces itself; the others are error responses a platform renders."""


@dataclass(frozen=True, slots=True)
class FaultRule:
    """One kind of failure for requests whose path starts with ``path_prefix``.

    With neither ``rate`` nor ``times`` the rule fires on every matching request in
    its window. ``delay`` is the real time (seconds) a ``timeout`` holds the
    connection before closing it unanswered: keep it above the client's timeout.
    ``retry_after`` is the ``Retry-After`` header of an ``http429``. ``regain_minutes``
    is the ``estimated_time_to_regain_access`` a ``throttled`` fault reports: the
    per-object rate limit of Graph's Business Use Case (code 80001 on a Page, 80002 on
    an Instagram account, with ``X-Business-Use-Case-Usage``). It is meant for Graph
    paths: Helix, the Google APIs and the feed answer it with their generic 503.
    """

    kind: FaultKind
    path_prefix: str = "/"
    rate: float | None = None
    times: int | None = None
    start: datetime | None = None
    end: datetime | None = None
    delay: float = 2.0
    retry_after: int = 1
    regain_minutes: int = 10

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; one of {', '.join(FAULT_KINDS)}")
        if self.rate is not None and not 0.0 <= self.rate <= 1.0:
            raise ValueError("rate is a probability between 0 and 1")
        if self.times is not None and self.times < 0:
            raise ValueError("times cannot be negative")
        if self.delay < 0 or self.retry_after < 0 or self.regain_minutes < 0:
            raise ValueError("delay, retry_after and regain_minutes cannot be negative")
        for name in ("start", "end"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, as_utc(value))

    def matches(self, path: str, now: datetime) -> bool:
        """Whether a request for ``path`` at simulated time ``now`` is in scope."""
        if not path.startswith(self.path_prefix):
            return False
        if self.start is not None and now < self.start:
            return False
        return self.end is None or now < self.end


@dataclass(slots=True)
class _Armed:
    rule: FaultRule
    remaining: int | None


class FaultSet:
    """The simulator's fault rules (``sim.faults``). Thread-safe."""

    def __init__(self, seed: int = 0) -> None:
        # Seeded, and drawn only for matching requests, so a sequential client sees
        # the same faults on every run.
        self._rng = random.Random(seed)
        self._armed: list[_Armed] = []
        self._lock = threading.Lock()

    def add(self, rule: FaultRule) -> FaultRule:
        """Arm ``rule`` after the existing ones; returns it for ``remove``."""
        with self._lock:
            self._armed.append(_Armed(rule, rule.times))
        return rule

    def remove(self, rule: FaultRule) -> None:
        """Disarm ``rule`` (the first armed copy of it)."""
        with self._lock:
            for index, armed in enumerate(self._armed):
                if armed.rule == rule:
                    del self._armed[index]
                    return
        raise ValueError("that fault rule is not armed")

    def clear(self) -> None:
        """Disarm every rule."""
        with self._lock:
            self._armed.clear()

    @property
    def rules(self) -> tuple[FaultRule, ...]:
        """The armed rules, in the order they are checked."""
        with self._lock:
            return tuple(armed.rule for armed in self._armed)

    def pick(self, path: str, now: datetime) -> FaultRule | None:
        """The rule that fires for this request, if any (consuming one of its ``times``)."""
        with self._lock:
            for armed in self._armed:
                if armed.remaining == 0 or not armed.rule.matches(path, now):
                    continue
                rate = armed.rule.rate
                if rate is not None and self._rng.random() >= rate:
                    continue
                if armed.remaining is not None:
                    armed.remaining -= 1
                return armed.rule
        return None
