"""The one retry policy: what is retried, how long it waits, and the instant switch."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from collectors.base import (
    AuthFailed,
    BadPayload,
    PlatformError,
    QuotaExhausted,
    Transient,
)
from streamer import retry
from streamer.clock import SimulatedClock
from streamer.retry import Policy, retry_after_seconds, retrying

pytestmark = pytest.mark.usefixtures("clock_waits")

T0 = datetime(2026, 3, 14, 12, 0, tzinfo=UTC)
NO_JITTER = Policy(attempts=4, initial=1.0, maximum=30.0, jitter=0.0)


@pytest.fixture
def clock() -> SimulatedClock:
    return SimulatedClock(T0)


def failing(*errors: Exception, result: str = "ok") -> tuple[Callable[[], str], list[int]]:
    """A call that raises ``errors`` one per attempt, then returns ``result``."""
    calls: list[int] = []

    def call() -> str:
        calls.append(1)
        if len(calls) <= len(errors):
            raise errors[len(calls) - 1]
        return result

    return call, calls


def transient(retry_after: float | None = None) -> Transient:
    return Transient("youtube", "videos.list: HTTP 503", retry_after=retry_after)


def waited(clock: SimulatedClock) -> float:
    return (clock.now() - T0).total_seconds()


def test_transient_errors_are_retried_until_the_call_succeeds(clock: SimulatedClock) -> None:
    """Two transient faults, then success: three attempts and the call's value."""
    call, calls = failing(transient(), transient())
    assert retrying(call, clock=clock, policy=NO_JITTER) == "ok"
    assert len(calls) == 3


def test_backoff_doubles_between_attempts(clock: SimulatedClock) -> None:
    """Without jitter the waits are 1 s then 2 s: exponential from ``initial``."""
    delays: list[float] = []
    call, _ = failing(transient(), transient())
    retrying(call, clock=clock, policy=NO_JITTER, on_retry=lambda n, e, d: delays.append(d))
    assert delays == [1.0, 2.0]
    assert waited(clock) == 3.0


def test_the_last_error_is_raised_unchanged_once_attempts_run_out(clock: SimulatedClock) -> None:
    """After ``attempts`` tries the last Transient itself comes out, not a wrapper."""
    last = transient()
    call, calls = failing(transient(), transient(), last)
    with pytest.raises(Transient) as caught:
        retrying(call, attempts=3, clock=clock, policy=NO_JITTER)
    assert caught.value is last
    assert len(calls) == 3


@pytest.mark.parametrize(
    "error",
    [
        QuotaExhausted("youtube", T0 + timedelta(hours=3)),
        AuthFailed("youtube", "YOUTUBE_API_KEY", "keyInvalid"),
        PlatformError("youtube", "refused: HTTP 404", reason="rejected"),
    ],
)
def test_quota_auth_and_refusals_are_never_retried(
    clock: SimulatedClock, error: PlatformError
) -> None:
    """Waiting does not fix a spent quota, a bad key or a refusal: one attempt only."""
    call, calls = failing(error)
    with pytest.raises(type(error)):
        retrying(call, clock=clock)
    assert len(calls) == 1
    assert waited(clock) == 0


def test_a_bad_payload_gets_one_second_try(clock: SimulatedClock) -> None:
    """A garbled body is retried once; the second one in a row is the answer."""
    call, calls = failing(BadPayload("youtube", "x"), BadPayload("youtube", "y"))
    with pytest.raises(BadPayload, match="y"):
        retrying(call, attempts=5, clock=clock)
    assert len(calls) == 2


def test_a_bad_payload_once_then_success_returns(clock: SimulatedClock) -> None:
    """One garbled body between transient faults still ends in success."""
    call, calls = failing(transient(), BadPayload("youtube", "x"), transient())
    assert retrying(call, clock=clock, policy=NO_JITTER) == "ok"
    assert len(calls) == 4


def test_retry_after_replaces_the_backoff(clock: SimulatedClock) -> None:
    """A platform that asks for 7 s gets exactly 7 s, not the 1 s backoff."""
    call, _ = failing(transient(retry_after=7))
    retrying(call, clock=clock, policy=NO_JITTER)
    assert waited(clock) == 7.0


def test_a_retry_after_beyond_the_longest_wait_is_not_waited_for(clock: SimulatedClock) -> None:
    """Asked to wait 10 minutes, the policy gives up so the engine records a gap."""
    call, calls = failing(transient(retry_after=600))
    with pytest.raises(Transient):
        retrying(call, clock=clock, policy=Policy(longest_wait=60))
    assert len(calls) == 1
    assert waited(clock) == 0


def test_instant_mode_skips_every_wait(clock: SimulatedClock) -> None:
    """``set_instant(True)``: the same retries, no time passes even on a given clock."""
    retry.set_instant(True)
    call, calls = failing(transient(retry_after=30), transient())
    assert retrying(call, clock=clock) == "ok"
    assert len(calls) == 3
    assert waited(clock) == 0
    assert retry.is_instant()


def test_on_retry_hears_each_failed_attempt(clock: SimulatedClock) -> None:
    """The hook gets the attempt number, the error and the wait, before each backoff."""
    seen: list[tuple[int, str, float]] = []
    call, _ = failing(transient(), Transient("youtube", "timed out", reason="timeout"))
    retrying(
        call,
        clock=clock,
        policy=NO_JITTER,
        on_retry=lambda n, error, delay: seen.append((n, error.reason, delay)),
    )
    assert seen == [(1, "transient", 1.0), (2, "timeout", 2.0)]


@given(attempt=st.integers(min_value=1, max_value=200))
def test_backoff_is_jittered_exponential_and_capped(attempt: int) -> None:
    """Every wait lies between the exponential step and step + jitter, never above the cap."""
    policy = Policy(initial=0.5, maximum=20.0, jitter=1.0)
    step = min(0.5 * 2.0 ** min(attempt - 1, 100), 20.0)
    assert step <= policy.backoff(attempt) <= min(step + 1.0, 20.0)


def test_pause_sleeps_on_the_given_clock(clock: SimulatedClock) -> None:
    """``pause`` is the one sleep: it moves the injected clock by the delay."""
    retry.pause(2.5, clock)
    assert waited(clock) == 2.5


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Retry-After": "7"}, 7.0),
        ({"retry-after": " 0 "}, 0.0),
        ({"Retry-After": "Sat, 14 Mar 2026 12:00:30 GMT"}, 30.0),
        ({"Retry-After": "Sat, 14 Mar 2026 11:00:00 GMT"}, 0.0),
        ({"Ratelimit-Reset": str(int(T0.timestamp()) + 12)}, 12.0),
        ({"RateLimit-Reset": "5"}, 5.0),
        ({"Retry-After": "soon"}, None),
        ({"Ratelimit-Reset": "-3"}, None),
        ({}, None),
    ],
)
def test_retry_after_seconds_reads_the_headers(headers: dict[str, str], expected: float) -> None:
    """Seconds, HTTP dates and Twitch's reset epoch become a delay; junk becomes None."""
    assert retry_after_seconds(headers, T0) == expected
