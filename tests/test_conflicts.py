"""Double bookings of a channel or a speaker are refused unless allowed."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from schedules.conflicts import check_conflicts, find_conflict
from schedules.ids import sequential_id_factory
from schedules.plans import PlanRequest, add
from streamer.errors import UserError
from streamer.models import Broadcast, BroadcastStatus, Channel, Programme, Target

ALMATY = ZoneInfo("Asia/Almaty")
ANTIKOR = Programme(
    "antikor-live",
    "Antikor.Live",
    channels=(Channel("youtube", "UCantikor"), Channel("facebook", "100antikor")),
)
ADAL = Programme("adal-komek", "Adal Komek", channels=(Channel("youtube", "UCadal"),))
PROGRAMMES = {p.slug: p for p in (ANTIKOR, ADAL)}
T0 = datetime(2025, 5, 6, 6, 0, tzinfo=UTC)  # 11:00 in Almaty


def broadcast(
    id: str,
    start_min: int = 0,
    duration_min: int = 60,
    channel: str = "youtube:UCantikor",
    speakers: tuple[str, ...] = (),
    status: BroadcastStatus = BroadcastStatus.PLANNED,
) -> Broadcast:
    platform, channel_id = channel.split(":")
    return Broadcast(
        id=id,
        programme="antikor-live",
        title=f"Эфир {id}",
        start=T0 + timedelta(minutes=start_min),
        duration_min=duration_min,
        targets=(Target(platform, channel_id),),
        speakers=speakers,
        status=status,
    )


def plan_of(*items: Broadcast) -> dict[str, Broadcast]:
    return {b.id: b for b in items}


def test_same_channel_overlap_names_both_broadcasts_and_local_times() -> None:
    """An overlap on one channel is refused with both ids, titles and local times."""
    existing = broadcast("a", 0)
    new = broadcast("b", 30)
    with pytest.raises(UserError) as info:
        check_conflicts([new], plan_of(existing), ALMATY)
    assert str(info.value) == (
        "b 'Эфир b' (2025-05-06 11:30–12:30) overlaps a 'Эфир a' (2025-05-06 11:00–12:00) "
        "on channel youtube:UCantikor; pick another time or allow the overlap"
    )


def test_back_to_back_and_other_channels_do_not_conflict() -> None:
    """One ending as the next starts, or the same time on another channel, is fine."""
    # "long" widens the look-back window, so the end of "a" itself must be compared.
    existing = plan_of(broadcast("a", 0), broadcast("long", -600, duration_min=300))
    assert find_conflict([broadcast("b", 60)], existing) is None
    assert find_conflict([broadcast("c", 0, channel="facebook:100antikor")], existing) is None


def test_a_speaker_in_two_places_at_once_is_refused() -> None:
    """The same speaker (any case or spacing) on two channels at once is a conflict."""
    existing = broadcast("a", 0, speakers=("Айгүл  Серікқызы",))
    new = broadcast("b", 59, channel="facebook:100antikor", speakers=("айгүл серікқызы",))
    conflict = find_conflict([new], plan_of(existing))
    assert conflict is not None
    assert (conflict.broadcast.id, conflict.other.id) == ("b", "a")
    assert conflict.resource == "speaker 'айгүл серікқызы'"


def test_cancelled_broadcasts_take_no_room() -> None:
    """A cancelled broadcast neither blocks nor is blocked."""
    cancelled = broadcast("a", 0, status=BroadcastStatus.CANCELLED)
    assert find_conflict([broadcast("b", 0)], plan_of(cancelled)) is None
    assert find_conflict([replace(cancelled, id="c")], plan_of(broadcast("b", 0))) is None


def test_a_changed_broadcast_does_not_clash_with_its_old_self() -> None:
    """Moving a broadcast by 30 minutes checks it against the others, not its old version."""
    old = broadcast("a", 0)
    assert (
        find_conflict([replace(old, start=old.start + timedelta(minutes=30))], plan_of(old)) is None
    )


def test_existing_overlaps_not_involving_the_change_are_ignored() -> None:
    """Overlaps already allowed in the plan do not block an unrelated new broadcast."""
    current = plan_of(broadcast("a", 0), broadcast("b", 10))
    assert find_conflict([broadcast("c", 120)], current) is None


def test_long_broadcast_earlier_in_the_plan_is_found() -> None:
    """A 10-hour broadcast started long before still blocks a short one inside it."""
    current = plan_of(broadcast("long", -300, duration_min=600), broadcast("x", -120, 30))
    conflict = find_conflict([broadcast("new", 200, 30)], current)
    assert conflict is not None and conflict.other.id == "long"


def test_series_overlapping_itself_is_refused_unless_allowed() -> None:
    """Hourly 90-minute occurrences overlap each other; allow_overlap lets them through."""
    request = PlanRequest(
        "antikor-live", "Марафон", "2025-05-06 11:00", 90, repeat="FREQ=HOURLY;COUNT=3"
    )
    with pytest.raises(
        UserError, match=r"11:00–12:30\) overlaps \w+ 'Марафон' \(2025-05-06 12:00–13:30\)"
    ):
        add({}, request, PROGRAMMES, ALMATY, sequential_id_factory())
    allowed = add(
        {}, replace(request, allow_overlap=True), PROGRAMMES, ALMATY, sequential_id_factory()
    )
    assert len(allowed) == 3


def test_add_refuses_an_overlap_with_the_plan_unless_allowed() -> None:
    """add checks new broadcasts against the existing plan; allow_overlap skips the check."""
    request = PlanRequest("antikor-live", "Эфир", "2025-05-06 11:30", 60)
    current = plan_of(broadcast("a", 0))
    with pytest.raises(UserError, match="overlaps a 'Эфир a'"):
        add(current, request, PROGRAMMES, ALMATY, sequential_id_factory())
    allowed = replace(request, allow_overlap=True)
    assert len(add(current, allowed, PROGRAMMES, ALMATY, sequential_id_factory())) == 1


def test_end_on_another_day_shows_the_date() -> None:
    """A broadcast running past midnight shows the end date in the message."""
    with pytest.raises(UserError, match=r"\(2025-05-06 23:00–2025-05-07 01:00\)"):
        check_conflicts([broadcast("b", 720, 120)], plan_of(broadcast("a", 750)), ALMATY)


def _brute_force(changes: list[Broadcast], current: dict[str, Broadcast]) -> bool:
    """Reference answer: does any change overlap any other plan item on a shared channel?"""
    plan = {**current, **{b.id: b for b in changes}}
    live = [b for b in plan.values() if b.status is not BroadcastStatus.CANCELLED]
    return any(
        a.id != b.id
        and a.start < b.end
        and b.start < a.end
        and {t.channel_key for t in a.targets} & {t.channel_key for t in b.targets}
        for a in changes
        if a.status is not BroadcastStatus.CANCELLED
        for b in live
    )


slots = st.tuples(
    st.integers(0, 2000),
    st.integers(1, 400),
    st.sampled_from(["youtube:UCantikor", "facebook:100antikor"]),
    st.booleans(),
)


@given(st.lists(slots, max_size=25), st.lists(slots, min_size=1, max_size=5))
def test_index_agrees_with_comparing_every_pair(
    existing: list[tuple[int, int, str, bool]], new: list[tuple[int, int, str, bool]]
) -> None:
    """The indexed search finds a conflict exactly when a pairwise comparison does."""

    def make(prefix: str, i: int, slot: tuple[int, int, str, bool]) -> Broadcast:
        start, duration, channel, cancelled = slot
        status = BroadcastStatus.CANCELLED if cancelled else BroadcastStatus.PLANNED
        return broadcast(f"{prefix}{i}", start, duration, channel, status=status)

    current = plan_of(*(make("e", i, s) for i, s in enumerate(existing)))
    changes = [make("n", i, s) for i, s in enumerate(new)]
    assert (find_conflict(changes, current) is not None) == _brute_force(changes, current)
