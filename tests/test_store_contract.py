"""The Store contract every backend must pass, run on each one by the ``store`` fixture
(TinyStore on real files, MemStore in memory): cycles, the plan, period reads, meta,
the outbox, the quota ledger and leases on due work."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from streamer.models import Broadcast, BroadcastStatus, Gap, Snapshot, Stream, StreamStatus, Target
from streamer.rollups import Rollup
from streamer.store import CycleWrite, DayStore

T0 = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def planned(broadcast_id: str, start: datetime, **changes: Any) -> Broadcast:
    """A planned YouTube broadcast at ``start``."""
    target = (Target("youtube", "UCantikor"),)
    item = Broadcast(broadcast_id, "antikor-live", "Антикор", start, 60, target)
    return dataclasses.replace(item, **changes)


def live(external_id: str, start: datetime, **changes: Any) -> Stream:
    """A YouTube stream that went live at ``start``."""
    return Stream("youtube", external_id, "UCantikor", actual_start=start, **changes)


def snap(key: str, ts: datetime, views: int = 10) -> Snapshot:
    """A live snapshot of ``key`` at ``ts``."""
    return Snapshot(key, ts, StreamStatus.LIVE, concurrent_viewers=3, views=views)


def peak(key: str, viewers: int) -> Rollup:
    return Rollup(key, 60, peak_concurrent=viewers)


def event(event_id: str, at: datetime = T0) -> dict[str, Any]:
    """An outbox event with nothing delivered yet."""
    return {"id": event_id, "at": at.isoformat(), "kind": "test", "deliveries": {}}


def test_replayed_cycle_keeps_one_copy_of_each_snapshot_gap_and_event(store: DayStore) -> None:
    """Committing the same cycle twice (a replay after a crash) stores each record once."""
    cycle = CycleWrite(
        snapshots=[snap("youtube:v1", T0), snap("youtube:v1", T0 + timedelta(minutes=1))],
        gaps=[Gap("youtube:v1", T0, "quota")],
        streams=[live("v1", T0)],
        rollups={"youtube:v1": peak("youtube:v1", 3)},
        events=[event("e1")],
    )
    store.commit_cycle(cycle)
    store.commit_cycle(cycle)
    assert [s.ts for s in store.snapshots(T0, T0 + DAY)] == [T0, T0 + timedelta(minutes=1)]
    assert store.gaps(T0, T0 + DAY) == [Gap("youtube:v1", T0, "quota")]
    assert [e["id"] for e in store.outbox()] == ["e1"]
    assert store.streams() == {"youtube:v1": live("v1", T0)}
    assert store.rollups() == {"youtube:v1": peak("youtube:v1", 3)}


def test_snapshot_reads_are_bounded_and_filtered_by_stream(store: DayStore) -> None:
    """``snapshots`` gives ``start <= ts < end`` of the streams asked for, by time."""
    times = [T0 - DAY, T0, T0 + DAY]
    store.commit_cycle(CycleWrite(snapshots=[snap(k, t) for t in times for k in ("a", "b")]))
    found = store.snapshots(T0, T0 + DAY, streams=["b"])
    assert [(s.stream, s.ts) for s in found] == [("b", T0)]
    assert store.partitions() == sorted({t.date() for t in times})


def test_done_stream_leaves_the_working_set_but_stays_readable(store: DayStore) -> None:
    """A done stream and its rollup leave the working set and stay in the archive."""
    store.commit_cycle(
        CycleWrite(
            streams=[live("v1", T0, done=True)], rollups={"youtube:v1": peak("youtube:v1", 1)}
        )
    )
    assert store.streams() == {} and store.rollups() == {}
    assert list(store.streams(include_archive=True)) == ["youtube:v1"]
    assert store.rollups(include_archive=True) == {"youtube:v1": peak("youtube:v1", 1)}
    store.put_rollups({"youtube:v1": peak("youtube:v1", 2)})
    assert store.rollups(include_archive=True) == {"youtube:v1": peak("youtube:v1", 2)}


def test_plan_changes_are_saved_and_a_failed_change_saves_nothing(store: DayStore) -> None:
    """``change_plan`` sees the plan, saves what it returns; raising leaves the plan as it was."""
    store.change_plan(lambda plan: [planned("b1", T0), planned("b2", T0 + DAY)])
    seen: list[str] = []

    def rename(plan: Any) -> list[Broadcast]:
        seen.extend(sorted(plan))
        return [planned("b1", T0, title="new")]

    store.change_plan(rename)
    assert seen == ["b1", "b2"] and store.broadcast("b1") == planned("b1", T0, title="new")

    def fail(plan: Any) -> list[Broadcast]:
        raise ValueError("no")

    with pytest.raises(ValueError, match="no"):
        store.change_plan(fail)
    assert set(store.broadcasts()) == {"b1", "b2"} and store.broadcast("b9") is None


def test_status_from_a_cycle_changes_only_the_status(store: DayStore) -> None:
    """A cycle's broadcast update sets its status; a producer's rename since survives."""
    store.change_plan(lambda plan: [planned("b1", T0)])
    store.change_plan(lambda plan: [planned("b1", T0, title="renamed")])
    store.commit_cycle(CycleWrite(broadcasts=[planned("b1", T0, status=BroadcastStatus.LIVE)]))
    item = store.broadcast("b1")
    assert item is not None and item.status is BroadcastStatus.LIVE and item.title == "renamed"


def test_period_records_hold_what_touches_the_span(store: DayStore) -> None:
    """Broadcasts planned and streams started in the span, the broadcasts those streams
    are matched to, and the rollups of all of them; nothing from elsewhere."""
    store.change_plan(
        lambda plan: [
            planned("in", T0),
            planned("before", T0 - 40 * DAY, status=BroadcastStatus.HELD),
            planned("after", T0 + 40 * DAY),
        ]
    )
    streams = [
        live("v-in", T0, broadcast_id="in"),
        live("v-early", T0 + 2 * DAY, broadcast_id="before", done=True),  # matched far off
        live("v-old", T0 - 40 * DAY, broadcast_id="before", done=True),
        live("v-free", T0 + DAY, unplanned_id="u-1"),
    ]
    rollups = {f"youtube:{s.external_id}": peak(f"youtube:{s.external_id}", 1) for s in streams}
    rollups |= {
        key: peak(key, n)
        for n, key in enumerate(("broadcast:in", "broadcast:after", "broadcast:u-1"), 1)
    }
    store.commit_cycle(CycleWrite(streams=streams, rollups=rollups, now=T0 + 50 * DAY))
    found = store.period_records(T0 - DAY, T0 + 5 * DAY)
    assert set(found.broadcasts) == {"in", "before"}
    assert set(found.streams) == {"youtube:v-in", "youtube:v-early", "youtube:v-free"}
    assert set(found.rollups) == {
        "youtube:v-in",
        "youtube:v-early",
        "youtube:v-free",
        "broadcast:in",
        "broadcast:u-1",
    }
    assert found.streams["youtube:v-in"] == live("v-in", T0, broadcast_id="in")


def test_a_window_mark_holds_while_its_records_do(store: DayStore) -> None:
    """``window_mark``: the same text while nothing the window's read returns changes,
    another (or none) once a record of the window changes, a broadcast planned far off
    included; a store may have none (memory); records elsewhere leave it alone."""
    old = T0 - 40 * DAY
    store.change_plan(lambda plan: [planned("old", old, status=BroadcastStatus.HELD)])
    done = live("v-old", old, broadcast_id="old", done=True)
    rollups = {done.key: peak(done.key, 5), "broadcast:old": peak("broadcast:old", 5)}
    store.commit_cycle(CycleWrite(streams=[done], rollups=rollups, now=T0))
    window = (old - DAY, old + DAY)
    mark = store.window_mark(*window)
    if mark is None:
        return  # this store keeps no digest
    assert store.window_mark(*window) == mark
    later = live("v-now", T0, done=False)
    store.commit_cycle(CycleWrite(streams=[later], rollups={later.key: peak(later.key, 1)}, now=T0))
    assert store.window_mark(*window) == mark  # the working set changed, not the window
    more = {done.key: peak(done.key, 9)}
    store.commit_cycle(CycleWrite(streams=[done], rollups=more, now=T0 + DAY))
    assert store.window_mark(*window) != mark  # a rollup of the window changed
    mark = store.window_mark(*window)
    store.change_plan(
        lambda plan: [planned("old", old, title="Renamed", status=BroadcastStatus.HELD)]
    )
    assert store.window_mark(*window) != mark


def test_a_span_of_the_plan_and_one_broadcast_read_as_the_whole_plan_has_them(
    store: DayStore,
) -> None:
    """``broadcasts_between`` is the whole plan cut to the span and ``broadcast`` its
    entry, archive included: archived, working and changed copies alike. A cancelled
    broadcast is archived, planned again for another month, held and archived there;
    its newer copy is the one read, in either month's span."""
    store.change_plan(
        lambda plan: [
            planned("old", T0 - 40 * DAY, status=BroadcastStatus.HELD),
            planned("gone", T0 - 70 * DAY, status=BroadcastStatus.CANCELLED),
            planned("near", T0 + 2 * DAY),
            planned("later", T0 + 40 * DAY),
        ]
    )
    store.commit_cycle(CycleWrite(now=T0))  # "old" and "gone" leave the working plan
    store.change_plan(
        lambda plan: [planned("gone", T0 - 20 * DAY, status=BroadcastStatus.HELD, revision=1)]
    )
    store.commit_cycle(CycleWrite(now=T0))  # its new copy is archived in its new month
    whole = store.broadcasts()
    assert whole["gone"].start == T0 - 20 * DAY
    spans = [
        (T0 - 75 * DAY, T0 - 60 * DAY),  # the cancelled copy's month: nothing there now
        (T0 - 25 * DAY, T0 - 15 * DAY),
        (T0 - 45 * DAY, T0 + 3 * DAY),
        (T0, None),
        (None, T0),
        (None, None),
    ]
    for start, end in spans:
        expected = {
            key: item
            for key, item in whole.items()
            if (start is None or item.start >= start) and (end is None or item.start < end)
        }
        assert store.broadcasts_between(start, end) == expected, (start, end)
    for key, item in whole.items():
        assert store.broadcast(key) == item
    assert store.broadcast("nobody") is None


def test_meta_round_trips_and_overwrites(store: DayStore) -> None:
    """Meta values read back as set; a second set replaces; unknown names are None."""
    assert store.get_meta("last") is None
    store.set_meta({"last": "2025-03-10", "n": 1})
    store.commit_cycle(CycleWrite(meta={"n": 2}))
    assert (store.get_meta("last"), store.get_meta("n")) == ("2025-03-10", 2)


def test_outbox_adds_once_and_changes_in_place(store: DayStore) -> None:
    """An id already in the outbox is left alone; ``change_event`` replaces one event."""
    store.add_events([event("e2", T0 + DAY), event("e1")])
    store.add_events([{**event("e1"), "kind": "again"}])
    assert [(e["id"], e["kind"]) for e in store.outbox()] == [("e1", "test"), ("e2", "test")]
    changed = store.change_event("e1", lambda e: {**e, "deliveries": {"hook": "sent"}})
    assert changed is not None and store.outbox()[0]["deliveries"] == {"hook": "sent"}
    assert store.change_event("nope", lambda e: e) is None


def test_quota_ledger_adds_per_day_and_key(store: DayStore) -> None:
    """Charges add up per (quota day, key name); other days are apart."""
    store.commit_cycle(CycleWrite(quota={("2025-03-10", "main"): 5, ("2025-03-09", "main"): 1}))
    store.commit_cycle(CycleWrite(quota={("2025-03-10", "main"): 2, ("2025-03-10", "spare"): 3}))
    assert store.quota_used("2025-03-10") == {"main": 7, "spare": 3}
    assert store.quota_used("2025-03-11") == {}


def test_leases_give_due_streams_once_until_released(store: DayStore) -> None:
    """Due streams, earliest first, up to ``limit``; a held one goes to no other lease."""
    streams = [
        live("late", T0, next_poll_at=T0 - timedelta(minutes=1)),
        live("early", T0, next_poll_at=T0 - timedelta(minutes=5)),
        live("later", T0, next_poll_at=T0 + timedelta(minutes=5)),
        live("done", T0, next_poll_at=T0 - DAY, done=True),
        live("none", T0),
    ]
    store.commit_cycle(CycleWrite(streams=streams))
    with store.lease_due(T0, limit=1) as first:
        assert [s.external_id for s in first] == ["early"]
        with store.lease_due(T0) as second:
            assert [s.external_id for s in second] == ["late"]
    with store.lease_due(T0) as again:
        assert [s.external_id for s in again] == ["early", "late"]


def test_daemon_lock_excludes_a_second_holder(store: DayStore) -> None:
    """While the daemon lock is held, taking it again raises StoreBusy."""
    from streamer.store import StoreBusy

    with store.daemon_lock(), pytest.raises(StoreBusy), store.daemon_lock():
        pass
    with store.daemon_lock():
        pass


def test_grouped_streams_are_those_of_the_broadcasts_asked_working_or_archived(
    store: DayStore,
) -> None:
    """``grouped_streams`` gives the streams, done or not, that count in one of the groups
    asked for: their planned broadcast, else their unplanned one."""
    store.commit_cycle(
        CycleWrite(
            streams=[
                live("a1", T0, broadcast_id="b1", done=True),
                live("a2", T0, broadcast_id="b2", done=True),
                live("a3", T0, unplanned_id="u1", done=True),
                live("w1", T0, broadcast_id="b1"),
                live("w2", T0, broadcast_id="b3", unplanned_id="u1"),  # b3 is its group
                live("w3", T0),
            ]
        )
    )
    found = store.grouped_streams({"b1", "u1"})
    assert sorted(found) == ["youtube:a1", "youtube:a3", "youtube:w1"]
    everything = store.streams(include_archive=True)
    assert found == {k: everything[k] for k in found}
    assert store.grouped_streams(["b3"]) == {"youtube:w2": everything["youtube:w2"]}
    assert store.grouped_streams([]) == {}


def test_streams_of_gives_the_streams_asked_for_working_or_archived(store: DayStore) -> None:
    """``streams_of`` gives each stream asked for, done or not; unknown keys are left out."""
    store.commit_cycle(
        CycleWrite(streams=[live("a1", T0, done=True), live("a2", T0, done=True), live("w1", T0)])
    )
    found = store.streams_of(["youtube:a1", "youtube:w1", "youtube:nobody"])
    everything = store.streams(include_archive=True)
    assert found == {k: everything[k] for k in ("youtube:a1", "youtube:w1")}
    assert found["youtube:a1"].done and store.streams_of(set()) == {}
