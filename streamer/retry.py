"""The one retry policy: every retried call in streamer goes through here.

Jittered exponential backoff, capped, honouring the delay the other side asks for
(``Retry-After``, ``Ratelimit-Reset``). What is worth retrying is said by the error's
class, not by this module: a ``RetryLater`` is retried with backoff (after its
``retry_after`` when it has one), a ``RetryOnce`` gets one second try (a garbled 200
body is sometimes a proxy's hiccup; twice in a row, it is the answer), anything else
goes up at once (a refused credential or a spent quota: waiting will not fix them).
The platform adapters' ``Transient`` and ``BadPayload`` (``collectors.base``) are
these two; the notify channels' delivery retries are the outbox's (``streamer.outbox``).

Built on tenacity rather than stamina: stamina (26.1) sleeps through tenacity's
default ``time.sleep`` and offers no way to pass another, while the house rule is
that only ``streamer.clock`` sleeps. Every backoff here goes through ``pause``, which
asks the injected ``Clock`` (a ``SimulatedClock`` just moves forward), and one switch,
``set_instant(True)``, turns every backoff off for tests.

Callers map their HTTP library's exceptions to their own errors *inside* the retried
call, so this module only ever sees errors that say whether to retry.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from functools import partial
from typing import TypedDict, TypeVar

import tenacity

from streamer.clock import Clock, SystemClock

T = TypeVar("T")

OnRetry = Callable[[int, Exception, float], None]
"""Called before each backoff with (attempt that failed, its error, seconds to wait)."""


class RetryLater(Exception):
    """A fault worth retrying with backoff (429, 5xx, timeout, dropped connection).

    ``retry_after`` is the delay in seconds the other side asked for, when it asked.
    """

    retry_after: float | None = None


class RetryOnce(Exception):
    """A fault worth one second try only: an answer that does not parse."""


@dataclass(frozen=True, slots=True)
class Policy:
    """Backoff numbers, in seconds. The defaults suit a collector that polls each minute.

    The wait before retry *n* is ``min(maximum, initial * 2**(n-1) + uniform(0,
    jitter))``: about 1, 2, 4 s with the default 4 attempts. A requested
    delay replaces the backoff; one longer than ``longest_wait`` is not waited for:
    the error goes up and the engine records a gap rather than stall a cycle.
    """

    attempts: int = 4
    initial: float = 1.0
    maximum: float = 30.0
    jitter: float = 1.0
    longest_wait: float = 60.0

    def backoff(self, attempt: int) -> float:
        """The jittered wait after failed attempt number ``attempt`` (1-based)."""
        grown = self.initial * 2.0 ** (attempt - 1) + random.uniform(0, self.jitter)
        return min(self.maximum, grown)


DEFAULT = Policy()
_SYSTEM_CLOCK = SystemClock()
_instant = False


def set_instant(on: bool) -> None:
    """Turn every backoff off (``True``) or back on: the one switch for tests."""
    global _instant
    _instant = on


def is_instant() -> bool:
    """Whether backoffs are currently off."""
    return _instant


def pause(seconds: float, clock: Clock | None = None) -> None:
    """Wait ``seconds`` on ``clock`` (the system clock by default): every backoff's sleep."""
    if not _instant and seconds > 0:
        (clock or _SYSTEM_CLOCK).sleep(seconds)


def retrying(
    call: Callable[[], T],
    *,
    attempts: int | None = None,
    on_retry: OnRetry | None = None,
    clock: Clock | None = None,
    policy: Policy = DEFAULT,
) -> T:
    """Call ``call()`` until it returns, retrying ``RetryLater`` faults with backoff.

    ``attempts`` counts every try (first included) and defaults to the policy's.
    The last error is raised unchanged once attempts run out.
    """
    sleep = partial(pause, clock=clock)
    for attempt in tenacity.Retrying(sleep=sleep, **_policy_arguments(policy, attempts, on_retry)):
        with attempt:
            return call()
    raise AssertionError("unreachable: tenacity re-raises the last error")


class _Arguments(TypedDict):
    stop: tenacity.stop.stop_base
    wait: Callable[[tenacity.RetryCallState], float]
    retry: Callable[[tenacity.RetryCallState], bool]
    before_sleep: Callable[[tenacity.RetryCallState], None] | None
    reraise: bool


def _policy_arguments(policy: Policy, attempts: int | None, on_retry: OnRetry | None) -> _Arguments:
    """The policy as tenacity arguments."""
    return {
        "stop": tenacity.stop_after_attempt(attempts or policy.attempts),
        "wait": partial(_delay, policy),
        "retry": _RetryDecision(policy),
        "before_sleep": None if on_retry is None else _report(on_retry),
        "reraise": True,  # the last error itself, not tenacity's RetryError
    }


class _RetryDecision:
    """Whether a failed attempt is worth another: counts bad payloads across attempts."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.bad_payloads = 0

    def __call__(self, state: tenacity.RetryCallState) -> bool:
        error = _error_of(state)
        if isinstance(error, RetryLater):
            asked = error.retry_after
            return asked is None or asked <= self.policy.longest_wait
        if isinstance(error, RetryOnce):
            self.bad_payloads += 1
            return self.bad_payloads == 1
        return False


def _delay(policy: Policy, state: tenacity.RetryCallState) -> float:
    """The requested delay when the other side gave one, else the jittered backoff."""
    error = _error_of(state)
    if isinstance(error, RetryLater) and error.retry_after is not None:
        return max(0.0, error.retry_after)
    return policy.backoff(state.attempt_number)


def _report(on_retry: OnRetry) -> Callable[[tenacity.RetryCallState], None]:
    def before_sleep(state: tenacity.RetryCallState) -> None:
        error = _error_of(state)
        delay = state.next_action.sleep if state.next_action else 0.0
        if isinstance(error, Exception):
            on_retry(state.attempt_number, error, delay)

    return before_sleep


def _error_of(state: tenacity.RetryCallState) -> BaseException | None:
    return None if state.outcome is None else state.outcome.exception()


def retry_after_seconds(headers: Mapping[str, str], now: datetime) -> float | None:
    """The delay a response asks for, in seconds, or ``None`` when it asks for none.

    ``Retry-After`` holds seconds or an HTTP date. ``Ratelimit-Reset`` holds the Unix
    time the bucket refills (Twitch); a small value is read as seconds from now, the
    form of the IETF RateLimit draft. A header that does not parse is ignored.
    """
    lowered = {name.lower(): value for name, value in headers.items()}
    if (value := lowered.get("retry-after")) is not None:
        return _seconds_or_date(value.strip(), now)
    if (value := lowered.get("ratelimit-reset")) is not None:
        return _epoch_or_seconds(value.strip(), now)
    return None


def _seconds_or_date(value: str, now: datetime) -> float | None:
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return None if moment.tzinfo is None else max(0.0, (moment - now).total_seconds())


def _epoch_or_seconds(value: str, now: datetime) -> float | None:
    if not value.isdigit():
        return None
    number = float(value)
    is_epoch = number > 1_000_000_000
    return max(0.0, number - now.timestamp()) if is_epoch else number
