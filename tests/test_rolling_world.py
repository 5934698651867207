"""The rolling world ``streamer simulate`` serves by default, on a simulated clock."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from collectors.simulator import Simulator
from collectors.simulator.facebook import fb_video_id
from collectors.simulator.rolling import KEEP, PLATFORMS, PROGRAMMES, RollingWorld
from collectors.simulator.routing import Request
from collectors.simulator.scenario import Scenario, SimStream
from streamer.clock import SimulatedClock
from streamer.models import StreamStatus

START = datetime(2026, 5, 1, 9, 59, 31, tzinfo=UTC)


def _world(start: datetime = START) -> tuple[SimulatedClock, Simulator]:
    clock = SimulatedClock(start)
    return clock, Simulator(Scenario(), clock, rolling=RollingWorld(start))


def _live(sim: Simulator, now: datetime) -> set[tuple[str, str]]:
    return {
        (s.platform, s.channel)
        for s in sim.streams()
        if s.state_at(now) is StreamStatus.LIVE and s.exists_at(now)
    }


def test_both_programmes_go_live_on_every_platform_within_two_minutes() -> None:
    """Two minutes after start-up each programme is live on all four platforms."""
    clock, sim = _world()
    assert _live(sim, clock.now()) == set()
    clock.advance(timedelta(minutes=2))
    expected = {(p, prog.channels[p]) for prog in PROGRAMMES for p in PLATFORMS}
    assert _live(sim, clock.now()) == expected


def _youtube_starts(sim: Simulator) -> list[SimStream]:
    return [s for s in sim.streams() if s.platform == "youtube"]


def test_one_more_broadcast_starts_every_hour() -> None:
    """Each hour after the opening simulcast brings exactly one more YouTube broadcast."""
    clock, sim = _world()
    clock.advance(timedelta(hours=30))
    streams = _youtube_starts(sim)
    for hour in range(1, 25):
        begin = START.replace(second=0) + timedelta(hours=hour, minutes=1)  # the world's hours
        within = [
            s for s in streams
            if begin <= (s.scheduled_start or s.actual_start or begin) < begin + timedelta(hours=1)
        ]  # fmt: skip
        assert len(within) == 1, hour


def test_special_events_happen_within_the_first_six_hours() -> None:
    """A late start, a no-show, an unplanned and a deleted stream occur by hour six."""
    clock, sim = _world()
    clock.advance(timedelta(hours=6))
    now = clock.now()
    early = [s for s in _youtube_starts(sim) if (s.scheduled_start or s.visible_from) < now]
    late = [
        s for s in early
        if s.actual_start and s.scheduled_start
        and s.actual_start - s.scheduled_start >= timedelta(minutes=10)
    ]  # fmt: skip
    no_show = [s for s in early if s.scheduled_start and not s.actual_start and not s.deleted_at]
    unplanned = [s for s in early if s.scheduled_start is None and s.actual_start]
    deleted = [s for s in early if s.deleted_at and s.deleted_at < now]
    assert (len(late), len(no_show), len(unplanned), len(deleted)) == (1, 1, 1, 1)
    # The unplanned stream was never listed before it went live.
    assert unplanned[0].visible_from == unplanned[0].actual_start


def test_views_keep_arriving_after_the_end() -> None:
    """An ended broadcast's views grow for days after it, as the demo's do."""
    clock, sim = _world()
    clock.advance(timedelta(hours=2))
    first = next(s for s in _youtube_starts(sim) if s.actual_end and s.actual_end < clock.now())
    assert first.actual_end is not None
    at_end = sim.world.reading(first, first.actual_end).views
    later = sim.world.reading(first, first.actual_end + timedelta(days=2)).views
    assert 0 < at_end < later <= first.final_views


def test_facebook_insights_answer_for_a_video_that_arrived_later() -> None:
    """A Facebook video announced after start-up has its views served like the first ones."""
    clock, sim = _world()
    clock.advance(timedelta(days=2))
    newer = max(
        (s for s in sim.streams() if s.platform == "facebook" and s.actual_end),
        key=lambda s: s.visible_from,
    )
    assert newer.visible_from > START  # not in the world the routes were built from
    clock.set(newer.actual_end + timedelta(hours=1))  # type: ignore[operator]
    path = f"/v19.0/{fb_video_id(newer.video_id)}/video_insights"
    query = {"access_token": ["t"], "metric": ["total_video_views"]}
    reply = sim.handle(Request("GET", path, query))
    assert reply.response is not None and reply.response.status == 200
    views = json.loads(reply.response.body)["data"][0]["values"][0]["value"]
    assert views == sim.world.reading(newer, clock.now()).views > 0


def test_memory_stays_bounded_over_weeks() -> None:
    """Streams are dropped a while after their end: weeks of running hold no more."""
    clock, sim = _world()
    counts = []
    for _ in range(24 * 21):
        clock.advance(timedelta(hours=1))
        counts.append(len(sim.streams()))
    oldest = min(s.actual_end or s.deleted_at or s.scheduled_start for s in sim.streams())  # type: ignore[type-var]
    assert oldest is not None and clock.now() - oldest <= KEEP + timedelta(hours=2)
    # Nine days of slots (eight kept, one announced ahead), four platforms, one a slot.
    bound = (KEEP.days + 1) * 24 * len(PLATFORMS) + 4 * len(PLATFORMS)
    assert max(counts[24 * 14 :]) <= bound
    assert max(counts[24 * 14 :]) - min(counts[24 * 14 :]) <= 2 * len(PLATFORMS)


def test_plan_route_lists_the_scheduled_broadcasts() -> None:
    """``/_sim/plan`` names the programmes' channels and every planned start."""
    clock, sim = _world()
    reply = sim.handle(Request("GET", "/_sim/plan", {"days": ["1"]}))
    assert reply.response is not None and reply.response.status == 200
    plan = json.loads(reply.response.body)
    assert [p["channels"] for p in plan["programmes"]] == [p.channels for p in PROGRAMMES]
    clock.advance(timedelta(days=1))
    scheduled = sorted(
        s.scheduled_start for s in _youtube_starts(sim)
        if s.scheduled_start and s.scheduled_start < START + timedelta(days=1)
    )  # fmt: skip
    served = sorted(datetime.fromisoformat(b["start"]) for b in plan["broadcasts"])
    assert served == scheduled
