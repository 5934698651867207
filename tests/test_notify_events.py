"""The alert rules of ``collectors.alerts.Alerts``, one cycle at a time."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from collectors.alerts import HEALTH_META, Alerts
from collectors.cycle import CycleReport, CycleState
from streamer.config import CollectorSettings
from streamer.models import Broadcast, BroadcastStatus, Stream, StreamStatus, Target
from streamer.notifyconf import AlertSettings
from streamer.timezones import zone

START = datetime(2026, 3, 3, 15, 0, tzinfo=zone("Asia/Almaty"))
TARGETS = (Target("youtube", "UCa"), Target("facebook", "100"))


def _broadcast(status: BroadcastStatus = BroadcastStatus.PLANNED) -> Broadcast:
    return Broadcast("b1", "antikor-live", "Ask the service", START, 60, TARGETS, status=status)


def _cycle(
    now: datetime,
    plan: Iterable[Broadcast] = (),
    streams: Iterable[Stream] = (),
    changed: Iterable[str] = (),
    ok: Iterable[str] = (),
) -> CycleState:
    report = CycleReport(at=now, ok_platforms=set(ok))
    cycle = CycleState(now, {b.id: b for b in plan}, {s.key: s for s in streams}, {}, report)
    cycle.changed_plan = set(changed)
    return cycle


def _alerts(**kwargs: Any) -> Alerts:
    settings = AlertSettings(to=("telegram",), late_after_min=10)
    return Alerts(settings, CollectorSettings(), ("youtube",), **kwargs)


def _ids(alerts: Alerts, cycle: CycleState, stopped: Mapping[str, str] | None = None) -> list[str]:
    """The ids of the cycle's events, the cycle taken as saved."""
    events = alerts.cycle_events(cycle, stopped or {}, {})
    alerts.committed()
    return [e["id"] for e in events]


def test_a_simulcast_going_live_is_one_live_alert_once() -> None:
    """Two platforms live for one broadcast: one ``live`` naming both, never again."""
    live = _broadcast(BroadcastStatus.LIVE)
    streams = [
        Stream("youtube", "v1", "UCa", "b1", status=StreamStatus.LIVE),
        Stream("facebook", "9001", "100", "b1", status=StreamStatus.LIVE),
    ]
    alerts = _alerts()
    events = alerts.cycle_events(_cycle(START, [live], streams, ["b1"]), {}, {})
    alerts.committed()
    assert [e["id"] for e in events] == ["live:b1"]
    assert events[0]["data"]["platforms"] == ["facebook", "youtube"]
    assert len(events[0]["data"]["links"]) == 2
    assert _ids(alerts, _cycle(START + timedelta(minutes=1), [live], streams, ["b1"])) == []


def test_late_fires_once_at_late_after_min() -> None:
    """Not live 9 minutes after the start: nothing; at 10: ``late`` once."""
    alerts, planned = _alerts(), [_broadcast()]
    assert _ids(alerts, _cycle(START + timedelta(minutes=9), planned)) == []
    assert _ids(alerts, _cycle(START + timedelta(minutes=10), planned)) == ["late:b1"]
    assert _ids(alerts, _cycle(START + timedelta(minutes=20), planned)) == []


def test_a_broadcast_first_seen_after_its_end_is_missed_not_late() -> None:
    """Marked missed at the first cycle after end plus grace: ``missed`` alone."""
    missed = _broadcast(BroadcastStatus.MISSED)
    after = START + timedelta(minutes=60 + 30 + 5)
    assert _ids(_alerts(), _cycle(after, [missed], changed=["b1"])) == ["missed:b1"]
    stale = after + timedelta(days=1, minutes=1)  # old news: nothing at all
    assert _ids(_alerts(), _cycle(stale, [missed], changed=["b1"])) == []


def test_a_cycle_not_saved_raises_its_events_again() -> None:
    """Without ``committed`` (the cycle's write failed) the next cycle raises them."""
    alerts, planned = _alerts(), [_broadcast()]
    late = START + timedelta(minutes=12)
    assert [e["id"] for e in alerts.cycle_events(_cycle(late, planned), {}, {})] == ["late:b1"]
    assert _ids(alerts, _cycle(late + timedelta(minutes=1), planned)) == ["late:b1"]


def test_unhealthy_and_recovered_once_each_per_outage_across_a_restart() -> None:
    """A refused key: ``unhealthy`` once; a restarted collector (ids and health from the
    store) raises no second one, and says ``recovered`` once when it answers again."""
    refused = {"youtube": "401 key refused"}
    first = _alerts()
    cycle = _cycle(START)
    assert _ids(first, cycle, refused) == ["unhealthy:youtube:2026-03-03T10:00:00Z"]
    health = cycle.meta[HEALTH_META]
    assert _ids(first, _cycle(START + timedelta(minutes=1)), refused) == []
    restarted = _alerts(raised=first.raised, health=health)
    assert _ids(restarted, _cycle(START + timedelta(minutes=2)), refused) == []
    back = _cycle(START + timedelta(minutes=3), ok=["youtube"])
    assert _ids(restarted, back) == ["recovered:youtube:2026-03-03T10:00:00Z"]
    assert back.meta[HEALTH_META] == {}
    assert _ids(restarted, _cycle(START + timedelta(minutes=4), ok=["youtube"])) == []
