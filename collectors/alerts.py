"""The alert events one collector cycle raises, from what the cycle already knows.

``Alerts.cycle_events(cycle, stopped, paused_until)`` runs once per cycle, on the
engine's thread, after the plan's statuses moved on and before the cycle's one
write, which carries the events into the outbox (``streamer.outbox``):

- ``live:<broadcast>`` when a planned broadcast's status became live (once per
  broadcast, however many platforms carry it); ``live:<stream key>`` for a stream
  nobody planned, the first cycle it is seen live;
- ``late:<broadcast>`` when a planned broadcast is still not live ``late_after_min``
  after its start, and not yet past its end plus grace (then it is ``missed``: a
  broadcast first seen after that gets ``missed`` alone, never ``late`` as well);
- ``missed:<broadcast>`` when it was marked missed, unless that was over a day after
  its end plus grace (a plan imported with old broadcasts raises no flood);
- ``unhealthy:<platform>:<since>`` when a platform's credential was refused, its
  quota ran out (paused until the reset) or it went stale by the ``/healthz`` rule;
  ``recovered:<platform>:<since>`` when it answers again.

Which platforms are unhealthy is kept in the store's meta (``alerts:health``, in the
same write as the events), so a restarted collector says "recovered" for an episode
an earlier run began, and raises no second "unhealthy" for it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from collectors.cycle import CycleState
from collectors.health import stale_limit
from streamer import platforms as registry
from streamer.config import CollectorSettings
from streamer.models import Broadcast, BroadcastStatus, Stream, StreamStatus, to_iso
from streamer.notifyconf import AlertSettings
from streamer.outbox import Event, new_event

HEALTH_META = "alerts:health"
MISSED_STALE = timedelta(days=1)
"""A broadcast marked missed this long after its end plus grace is old news."""


def stream_link(stream: Stream) -> str | None:
    """The public page of a live stream, where the platform has a stable one."""
    known = stream.platform in registry.names()
    link = registry.spec(stream.platform).link if known else None  # from its spec
    if link is None:
        return None
    return link.format(channel=stream.channel, external_id=stream.external_id)


class Alerts:
    """Works out each cycle's events; one per engine, state kept across its cycles."""

    def __init__(
        self,
        settings: AlertSettings,
        collector: CollectorSettings,
        platforms: Iterable[str],
        raised: Iterable[str] = (),
        health: Mapping[str, Any] | None = None,
        programme_of: Mapping[str, str] | None = None,
    ) -> None:
        """``raised``: the event ids already in the outbox; ``health``: the stored
        ``alerts:health`` meta (the unhealthy platforms an earlier run saw);
        ``programme_of``: channel key to programme slug (for unplanned streams)."""
        self.settings = settings
        self.programme_of = dict(programme_of or {})
        self._also_raised: set[str] = set()
        self.collector = collector
        self.platforms = tuple(platforms)
        self.raised = set(raised)
        self.health: dict[str, dict[str, Any]] = dict(health or {})
        self.last_ok: dict[str, datetime] = {}  # from the first cycle, like /healthz
        self._pending: tuple[set[str], dict[str, dict[str, Any]]] = (set(), self.health)

    def cycle_events(
        self, cycle: CycleState, stopped: Mapping[str, str], paused_until: Mapping[str, datetime]
    ) -> list[Event]:
        """The events of ``cycle``, new ids only; sets ``cycle.meta`` when health moved.

        Nothing is taken as raised until ``committed``: a cycle whose write failed is
        worked out again by the next, and its events with it.
        """
        health = {k: dict(v) for k, v in self.health.items()}
        found = [
            *self._broadcast_events(cycle),
            *self._health_events(cycle, stopped, paused_until, health),
        ]
        self._pending = ({e["id"] for e in found} | self._also_raised, health)
        self._also_raised = set()
        return [e for e in found if e["kind"] in self.settings.events]

    def committed(self) -> None:
        """The cycle's write succeeded: its events are raised, its health is current."""
        ids, self.health = self._pending
        self.raised |= ids

    # -- broadcasts -------------------------------------------------------------
    def _broadcast_events(self, cycle: CycleState) -> list[Event]:
        events = []
        now, grace = cycle.now, timedelta(minutes=self.collector.grace)
        late = timedelta(minutes=self.settings.late_after_min)
        for broadcast_id in sorted(cycle.changed_plan):
            broadcast = cycle.plan[broadcast_id]
            if broadcast.status is BroadcastStatus.LIVE:
                events.append(self._live(cycle, broadcast))
            elif broadcast.status is BroadcastStatus.MISSED and now <= (
                broadcast.end + grace + MISSED_STALE
            ):
                events.append(self._event("missed", broadcast_id, now, _about(broadcast)))
        for broadcast in cycle.plan.values():
            if (
                broadcast.status is BroadcastStatus.PLANNED
                and broadcast.start + late <= now < broadcast.end + grace
            ):
                data = {**_about(broadcast), "late_min": int((now - broadcast.start) / _MINUTE)}
                events.append(self._event("late", broadcast.id, now, data))
        events += self._unplanned(cycle)
        return [e for e in events if e["id"] not in self.raised]

    def _unplanned(self, cycle: CycleState) -> list[Event]:
        """One ``live`` per programme for the streams nobody planned that went live this
        cycle (a simulcast is one message); each stream's own id is taken as raised."""
        fresh: dict[str, list[Stream]] = {}
        for stream in sorted(cycle.streams.values(), key=lambda s: s.key):
            if (
                stream.status is StreamStatus.LIVE
                and not stream.broadcast_id
                and not stream.done
                and f"live:{stream.key}" not in self.raised
            ):
                slug = self.programme_of.get(stream.channel_key, "")
                fresh.setdefault(slug, []).append(stream)
        events = []
        for slug, streams in sorted(fresh.items()):
            data = {
                "programme": slug,
                "title": next((s.title for s in streams if s.title), ""),
                "start": _iso(streams[0].actual_start),
                "platforms": sorted({s.platform for s in streams}),
                "links": _links(streams),
            }
            events.append(self._event("live", streams[0].key, cycle.now, data))
            self._also_raised.update(f"live:{s.key}" for s in streams)
        return events

    def _live(self, cycle: CycleState, broadcast: Broadcast) -> Event:
        mine = sorted(
            (s for s in cycle.streams.values() if s.broadcast_id == broadcast.id),
            key=lambda s: s.platform,
        )
        on_air = [s for s in mine if s.status is StreamStatus.LIVE] or mine
        data = {
            **_about(broadcast),
            "platforms": sorted({s.platform for s in on_air}),
            "links": _links(on_air),
        }
        return self._event("live", broadcast.id, cycle.now, data)

    def _event(self, kind: str, subject: str, at: datetime, data: Mapping[str, Any]) -> Event:
        return new_event(f"{kind}:{subject}", kind, at, data, self.settings.to)

    # -- platforms --------------------------------------------------------------
    def _health_events(
        self,
        cycle: CycleState,
        stopped: Mapping[str, str],
        paused_until: Mapping[str, datetime],
        health: dict[str, dict[str, Any]],
    ) -> list[Event]:
        now, events = cycle.now, []
        live_on = {s.platform for s in cycle.streams.values() if s.status is StreamStatus.LIVE}
        for name in self.platforms:
            if name in cycle.report.ok_platforms:
                self.last_ok[name] = now
            last_ok = self.last_ok.setdefault(name, now)
            problem = self._problem(name, now, last_ok, live_on, stopped, paused_until)
            episode = health.get(name)
            if problem is not None and episode is None:
                reason, detail = problem
                since = last_ok if reason == "stale" else now
                health[name] = {"since": to_iso(since), "reason": reason, "detail": detail}
                data = {"platform": name, **health[name]}
                events.append(self._event("unhealthy", f"{name}:{to_iso(since)}", now, data))
            elif problem is None and episode is not None and name in cycle.report.ok_platforms:
                del health[name]
                data = {"platform": name, **episode}
                events.append(self._event("recovered", f"{name}:{episode['since']}", now, data))
        if events:
            cycle.meta[HEALTH_META] = health
        return [e for e in events if e["id"] not in self.raised]

    def _problem(
        self,
        name: str,
        now: datetime,
        last_ok: datetime,
        live_on: set[str],
        stopped: Mapping[str, str],
        paused_until: Mapping[str, datetime],
    ) -> tuple[str, str] | None:
        """Why ``name`` is unhealthy now (reason, safe detail), or ``None``."""
        if name in stopped:
            return "auth", stopped[name]
        paused = paused_until.get(name)
        if paused is not None and paused > now:
            return "quota", to_iso(paused)
        settings = self.collector
        limit = stale_limit(settings.live_interval, settings.discovery_interval, name in live_on)
        if (now - last_ok).total_seconds() > limit:
            return "stale", to_iso(last_ok)
        return None


_MINUTE = timedelta(minutes=1)


def _about(broadcast: Broadcast) -> dict[str, Any]:
    return {
        "broadcast": broadcast.id,
        "programme": broadcast.programme,
        "title": broadcast.title,
        "start": to_iso(broadcast.start),
        "platforms": sorted({t.platform for t in broadcast.targets}),
    }


def _links(streams: Iterable[Stream]) -> list[list[str]]:
    return [[s.platform, link] for s in streams if (link := stream_link(s)) is not None]


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else to_iso(moment)


def stored_health(value: Any) -> dict[str, Any]:
    """The ``alerts:health`` meta as stored, or empty when missing or unreadable."""
    if not isinstance(value, dict):
        return {}
    return {k: v for k, v in value.items() if isinstance(v, dict) and "since" in v}
