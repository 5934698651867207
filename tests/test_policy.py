"""The poll policy: when each stream is polled next, as a pure function of its facts."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from collectors.policy import next_discovery, next_poll, on_grid
from streamer.config import CollectorSettings
from streamer.models import Stream, StreamStatus

START = datetime(2026, 3, 14, 11, 0, tzinfo=UTC)
SETTINGS = CollectorSettings()  # live 60 s, upcoming 600 s, grace 30 min
MIN = timedelta(minutes=1)


def upcoming(start: datetime | None = START) -> Stream:
    return Stream("youtube", "policyVid01", "UCpolicy", scheduled_start=start)


def ended(end: datetime) -> Stream:
    return replace(
        upcoming(), status=StreamStatus.ENDED, actual_start=end - timedelta(hours=1), actual_end=end
    )


def walk(stream: Stream, first: datetime, until: datetime) -> list[datetime]:
    """Every poll time from ``first``, following ``next_poll``, up to ``until`` or done."""
    times: list[datetime] = []
    now: datetime | None = first
    while now is not None and now <= until:
        times.append(now)
        now = next_poll(stream, now, SETTINGS)
    return times


def steps(times: list[datetime]) -> list[timedelta]:
    return [b - a for a, b in itertools.pairwise(times)]


def test_upcoming_is_polled_every_ten_minutes_while_the_start_is_far() -> None:
    """Hours before the start: the next poll is upcoming_interval (10 min) later."""
    now = START - timedelta(hours=3)
    assert next_poll(upcoming(), now, SETTINGS) == now + timedelta(minutes=10)


def test_upcoming_slow_polls_land_exactly_on_the_lead_time() -> None:
    """The slow cadence stops at 15 min before the start, not up to 10 min past it."""
    now = START - timedelta(minutes=20)
    assert next_poll(upcoming(), now, SETTINGS) == START - timedelta(minutes=15)


@pytest.mark.parametrize("offset_min", [-15, -1, 0, 1, 29])
def test_upcoming_is_polled_every_minute_around_the_start(offset_min: int) -> None:
    """From 15 min before the start until grace (30 min) after it: every minute."""
    now = START + timedelta(minutes=offset_min)
    assert next_poll(upcoming(), now, SETTINGS) == now + MIN


@pytest.mark.parametrize("offset", [timedelta(minutes=30), timedelta(hours=5), timedelta(hours=24)])
def test_a_stream_still_upcoming_after_the_grace_goes_back_to_ten_minutes(
    offset: timedelta,
) -> None:
    """A probable no-show past the grace is polled every 10 min, not every minute."""
    now = START + offset
    assert next_poll(upcoming(), now, SETTINGS) == now + timedelta(minutes=10)


def test_a_no_show_is_given_up_a_day_after_its_start() -> None:
    """Still upcoming more than 24 h after the scheduled start: done (None)."""
    assert next_poll(upcoming(), START + timedelta(hours=24, seconds=1), SETTINGS) is None


def test_the_whole_upcoming_schedule_of_a_no_show() -> None:
    """10-min steps to start-15 min, 1-min steps to start+30 min, 10-min steps, then done."""
    times = walk(upcoming(), START - timedelta(hours=2, minutes=5), START + timedelta(days=2))
    gaps = steps(times)
    lead = times.index(START - timedelta(minutes=15))
    near_end = times.index(START + timedelta(minutes=30))
    # 8:55 is off the 10-minute grid: one short step onto it, 10-minute steps, and a
    # short one to land on the lead time (10:40 -> 10:45).
    assert gaps[0] == gaps[lead - 1] == timedelta(minutes=5)
    assert set(gaps[1 : lead - 1]) == {timedelta(minutes=10)}
    assert set(gaps[lead:near_end]) == {MIN}
    assert set(gaps[near_end:]) == {timedelta(minutes=10)}
    assert START + timedelta(hours=24) <= times[-1] <= START + timedelta(hours=24, minutes=10)


def test_upcoming_without_a_scheduled_start_is_polled_slowly() -> None:
    """No scheduled start to aim at: every upcoming_interval."""
    now = START
    assert next_poll(upcoming(None), now, SETTINGS) == now + timedelta(minutes=10)


@pytest.mark.parametrize("interval", [15, 60, 90])
def test_live_is_polled_every_live_interval(interval: int) -> None:
    """Live: the next poll is live_interval seconds later, whatever the times say."""
    settings = CollectorSettings(live_interval=interval)
    live = replace(upcoming(), status=StreamStatus.LIVE, actual_start=START)
    now = START + timedelta(minutes=42)
    assert next_poll(live, now, settings) == now + timedelta(seconds=interval)


def test_ended_gets_final_polls_after_the_end_then_none() -> None:
    """Ended: polls at +10 min, +1 h, +24 h, +7 d after actual_end, then done."""
    end = START + timedelta(hours=1)
    times = walk(ended(end), end + timedelta(seconds=40), end + timedelta(days=30))
    offsets = [t - end for t in times[1:]]
    assert offsets == [
        timedelta(minutes=10),
        timedelta(hours=1),
        timedelta(hours=24),
        timedelta(days=7),
    ]
    assert next_poll(ended(end), times[-1], SETTINGS) is None


def test_missing_is_done_at_once() -> None:
    """Deleted or private: no further poll."""
    missing = replace(upcoming(), status=StreamStatus.MISSING)
    assert next_poll(missing, START, SETTINGS) is None


@pytest.mark.parametrize(
    ("paused_until", "expected"),
    [
        (timedelta(minutes=30), timedelta(hours=1)),
        (timedelta(hours=3), timedelta(hours=24)),
        (timedelta(days=2), timedelta(days=7)),
        (timedelta(days=8), None),
    ],
)
def test_ended_resumes_on_the_right_final_poll_after_a_pause(
    paused_until: timedelta, expected: timedelta | None
) -> None:
    """A collector back after a pause skips the final polls it missed; none repeats."""
    end = START
    following = next_poll(ended(end), end + paused_until, SETTINGS)
    assert following == (None if expected is None else end + expected)


@pytest.mark.parametrize(
    ("back_at", "expected"),
    [
        (START - timedelta(hours=6), START - timedelta(hours=6) + timedelta(minutes=10)),
        (START - timedelta(minutes=40), START - timedelta(minutes=30)),
        (START - timedelta(minutes=35), START - timedelta(minutes=30)),  # onto the grid
        (START - timedelta(minutes=25), START - timedelta(minutes=20)),  # onto the grid
        (START - timedelta(minutes=5), START - timedelta(minutes=4)),
        (START + timedelta(hours=3), START + timedelta(hours=3, minutes=10)),
        (START + timedelta(days=3), None),
    ],
)
def test_upcoming_resumes_on_the_right_step_after_a_pause(
    back_at: datetime, expected: datetime | None
) -> None:
    """No counters: after any pause the next poll follows from the start and now alone."""
    assert next_poll(upcoming(), back_at, SETTINGS) == expected


def test_next_poll_is_always_after_now() -> None:
    """Whatever the state, a next poll is strictly later than the poll just made and at
    most a step away; there is one for a live stream always, for an upcoming one until
    a day after its start, for an ended one until its 7-day final poll: only then None."""
    end = START + timedelta(hours=1)
    finals = {end + timedelta(minutes=10), end + timedelta(hours=1), end + timedelta(days=1),
              end + timedelta(days=7)}  # fmt: skip
    live = replace(upcoming(), status=StreamStatus.LIVE, actual_start=START)
    for minutes in range(-180, 60 * 24 * 8, 7):
        now = START + timedelta(minutes=minutes)
        following = next_poll(live, now, SETTINGS)
        assert following is not None and now < following <= now + 1.5 * MIN, now
        assert following == on_grid(following, 60), now
        following = next_poll(upcoming(), now, SETTINGS)
        if now <= START + timedelta(hours=24):
            assert following is not None and now < following <= now + 15 * MIN, now
        else:
            assert following is None, now
        following = next_poll(ended(end), now, SETTINGS)
        if now < end + timedelta(days=7):
            assert following in finals and following > now, now
            assert following == min(t for t in finals if t > now), now
        else:
            assert following is None, now


@pytest.mark.parametrize(
    ("seconds_past", "expected"),
    [
        (0, timedelta(minutes=43)),  # on the grid: one interval later
        (20, timedelta(minutes=43)),  # a late cycle: back onto the grid
        (40, timedelta(minutes=44)),  # never sooner than half an interval
    ],
)
def test_live_polls_stay_on_the_interval_grid(seconds_past: int, expected: timedelta) -> None:
    """A cycle that ran late does not shift the stream's later polls off the grid."""
    live = replace(upcoming(), status=StreamStatus.LIVE, actual_start=START)
    now = START + timedelta(minutes=42, seconds=seconds_past)
    assert next_poll(live, now, SETTINGS) == START + expected


def test_simulcast_streams_live_a_minute_apart_share_their_polls() -> None:
    """Live every 5 min: streams first seen live at 11:01 and 11:02 are next due together."""
    settings = CollectorSettings(live_interval=300)
    live = replace(upcoming(), status=StreamStatus.LIVE, actual_start=START)
    first = next_poll(live, START + MIN, settings)
    second = next_poll(live, START + 2 * MIN, settings)
    assert first == second == START + timedelta(minutes=5)


def test_streams_ending_within_a_live_interval_share_their_final_polls() -> None:
    """Final polls are on the live grid: two ends 30 s apart get the same four polls."""
    settings = CollectorSettings(live_interval=300)

    def finals(end: datetime) -> list[datetime]:
        times, now = [], end + MIN
        while (now := next_poll(ended(end), now, settings)) is not None:  # type: ignore[assignment]
            times.append(now)
        return times

    assert finals(START + timedelta(seconds=10)) == finals(START + timedelta(seconds=40))
    assert finals(START + timedelta(seconds=10)) == [
        START + timedelta(minutes=15),
        START + timedelta(hours=1, minutes=5),
        START + timedelta(hours=24, minutes=5),
        START + timedelta(days=7, minutes=5),
    ]


def test_near_interval_sets_the_cadence_around_the_start() -> None:
    """near_interval = 300: every 5 minutes from 15 min before the start to the grace."""
    settings = CollectorSettings(near_interval=300)
    times = [START - timedelta(minutes=15)]
    while times[-1] < START + timedelta(minutes=30):
        following = next_poll(upcoming(), times[-1], settings)
        assert following is not None
        times.append(following)
    assert set(steps(times)[:-1]) == {timedelta(minutes=5)}


@pytest.mark.parametrize("lead", [15, 5])
def test_near_lead_sets_when_the_cadence_begins(lead: int) -> None:
    """From an hour before the start, the first near poll is ``near_lead`` before it."""
    settings = CollectorSettings(upcoming_interval=3600, near_interval=300, near_lead=lead)
    following = next_poll(upcoming(), START - timedelta(hours=1), settings)
    assert following == START - timedelta(minutes=lead)


def test_discovery_follows_its_own_grid() -> None:
    """Discovery every 300 s: after one at 11:03:30 the next is 11:10 (not 11:08:30)."""
    assert next_discovery(START + timedelta(minutes=3, seconds=30), 300) == START + 10 * MIN
    assert next_discovery(START + timedelta(minutes=2, seconds=30), 300) == START + 5 * MIN
    assert next_discovery(START, 300) == START + 5 * MIN


@given(
    st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
    ),
    st.sampled_from([1, 7, 60, 90, 300, 600, 3600, 86_400]),
)
def test_on_grid_is_the_first_multiple_at_or_after(earliest: datetime, seconds: int) -> None:
    """A whole multiple of the step since the epoch, no earlier and less than a step later."""
    point = on_grid(earliest, seconds)
    assert earliest <= point < earliest + timedelta(seconds=seconds)
    assert (point - datetime(1970, 1, 1, tzinfo=UTC)) % timedelta(seconds=seconds) == timedelta(0)
