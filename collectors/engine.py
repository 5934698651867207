"""The polling engine: one collector cycle, from discovery to one store write.

``Engine.collect_once(now)``:

1. discovery, per platform when due: new streams on the programmes' channels,
   matched to the plan (``collectors.matching``);
2. due polls: streams whose durable ``next_poll_at`` has come, batched per platform
   up to the adapter's ``max_batch``;
3. each poll's snapshots folded into the streams' rollups, and each simulcast
   broadcast's combined concurrent viewers folded into its own rollup;
4. broadcast statuses moved on (planned → live → held, or missed after the grace);
5. everything saved in ONE ``store.commit_cycle``.

A platform error never escapes a cycle: the batch's due polls become gaps with
the error's reason and the other platforms go on. ``QuotaExhausted`` pauses the
platform until its reset (persisted, so a restart honours it); ``AuthFailed``
stops it until the credential is fixed and the collector restarted.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from collectors.base import AuthFailed, Platform, PlatformError, PollResult, QuotaExhausted, Usage
from collectors.matching import match
from collectors.policy import next_poll
from collectors.youtube import quota_day
from streamer import rollup
from streamer.config import CollectorSettings
from streamer.models import (
    Broadcast,
    BroadcastStatus,
    Channel,
    Gap,
    Programme,
    Snapshot,
    Stream,
    StreamStatus,
    from_iso,
    to_iso,
)
from streamer.simulcast import broadcast_key, combine_samples
from streamer.store import CycleWrite, Store

log = logging.getLogger("streamer.engine")
SEEN_LIMIT = 2000


@dataclass
class CycleReport:
    """What one cycle did, for the log line, the metrics and the demo's progress."""

    at: datetime
    polled: int = 0
    snapshots: int = 0
    discovered: int = 0
    calls: int = 0
    quota_units: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    live_viewers: dict[str, int | None] = field(default_factory=dict)
    ok_platforms: set[str] = field(default_factory=set)

    def line(self) -> str:
        """The one log line per cycle."""
        errors = ", ".join(f"{k}={v}" for k, v in sorted(self.errors.items())) or "none"
        return (
            f"cycle {to_iso(self.at)}: polled {self.polled} streams, wrote {self.snapshots} "
            f"snapshots, discovered {self.discovered}, {self.calls} calls, "
            f"{self.quota_units} quota units, errors: {errors}"
        )


@dataclass
class _Cycle:
    """The working state of one cycle, committed at its end."""

    now: datetime
    plan: dict[str, Broadcast]
    streams: dict[str, Stream]
    rollups: dict[str, dict[str, Any]]
    report: CycleReport
    snapshots: list[Snapshot] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)
    changed_streams: set[str] = field(default_factory=set)
    changed_rollups: set[str] = field(default_factory=set)
    changed_plan: set[str] = field(default_factory=set)
    quota: Counter[tuple[str, str]] = field(default_factory=Counter)
    meta: dict[str, Any] = field(default_factory=dict)
    # The rollups as read at the start of the cycle (folds replace, never mutate).
    prior_rollups: dict[str, dict[str, Any]] = field(default_factory=dict)


class Engine:
    """Discovers, matches, polls and records; one instance per collector process."""

    def __init__(
        self,
        store: Store,
        platforms: Mapping[str, Platform],
        programmes: Mapping[str, Programme],
        settings: CollectorSettings,
    ) -> None:
        self.store = store
        self.platforms = dict(platforms)
        self.settings = settings
        self.channels: dict[str, list[Channel]] = {}
        for programme in programmes.values():
            for channel in programme.channels:
                if channel.platform in self.platforms:
                    self.channels.setdefault(channel.platform, []).append(channel)
        self.stopped: dict[str, str] = {}
        self.last_discovery: dict[str, datetime] = {}
        self._due_at: datetime | None = None
        # A quota pause outlives the process: a restarted collector must not spend
        # requests that the platform will refuse until the reset.
        self.paused_until: dict[str, datetime] = {}
        for name in self.platforms:
            stored = store.get_meta(f"paused_until:{name}")
            if stored is not None:
                self.paused_until[name] = from_iso(stored)

    # -- the cycle ----------------------------------------------------------------
    def collect_once(self, now: datetime) -> CycleReport:
        """Run one discovery-and-poll cycle at ``now`` and save it in one write."""
        cycle = _Cycle(
            now=now,
            plan=self.store.broadcasts(),
            streams=self.store.streams(),
            rollups=self.store.rollups(),
            report=CycleReport(at=now),
        )
        cycle.prior_rollups = dict(cycle.rollups)
        for name, platform in self.platforms.items():
            if self._available(name, cycle):
                self._discover(name, platform, cycle)
        for name, platform in self.platforms.items():
            self._poll_due(name, platform, cycle)
        self._combine_simulcasts(cycle)
        self._update_plan(cycle)
        self._commit(cycle)
        self._due_at = self._plan_due(cycle)
        log.info(cycle.report.line())
        return cycle.report

    def next_due(self, now: datetime) -> datetime:
        """When something next needs doing: a poll, a discovery or a missed-check.

        Worked out from the last cycle's state, so asking costs no store read; a
        plan edited meanwhile by another process is seen at the next cycle.
        """
        interval = timedelta(seconds=self.settings.discovery_interval)
        # Nothing scheduled is not "due now": only polls and missed-checks count, and a
        # discovery only when its platform can run (not stopped, not paused for quota).
        candidates = [] if self._due_at is None else [self._due_at]
        for name in self.platforms:
            if name in self.stopped:
                continue
            last = self.last_discovery.get(name)
            due = now if last is None else last + interval
            paused = self.paused_until.get(name)
            candidates.append(due if paused is None else max(due, paused))
        return max(now, min(candidates, default=now + interval))

    def _plan_due(self, cycle: _Cycle) -> datetime | None:
        """The earliest next poll or missed-check after this cycle."""
        grace = timedelta(minutes=self.settings.grace)
        times = [s.next_poll_at for s in cycle.streams.values() if s.next_poll_at and not s.done]
        times += [
            b.end + grace
            for b in cycle.plan.values()
            if b.status is BroadcastStatus.PLANNED and b.end + grace > cycle.now
        ]
        return min(times, default=None)

    # -- availability ---------------------------------------------------------------
    def _available(self, name: str, cycle: _Cycle) -> bool:
        if name in self.stopped:
            return False
        paused = self.paused_until.get(name)
        return paused is None or paused <= cycle.now

    # -- discovery ------------------------------------------------------------------
    def _discover(self, name: str, platform: Platform, cycle: _Cycle) -> None:
        last = self.last_discovery.get(name)
        if last is not None and cycle.now - last < timedelta(
            seconds=self.settings.discovery_interval
        ):
            return
        remembered = list(self.store.get_meta(f"seen:{name}") or ())  # oldest first
        seen = set(remembered)
        known = seen | {s.external_id for s in cycle.streams.values() if s.platform == name}
        # An attempt counts, failed or not: a failing platform (its retries already
        # spent) is tried again at the next discovery interval, not at every cycle.
        self.last_discovery[name] = cycle.now
        try:
            found = platform.discover(self.channels.get(name, []), cycle.now, known)
        except PlatformError as exc:
            self._account(exc.usage, name, cycle)
            self._platform_failed(name, exc, cycle, [])
            return
        self._account(found.usage, name, cycle)
        cycle.report.ok_platforms.add(name)
        new = [s for s in found.streams if s.key not in cycle.streams]
        for stream in new:
            self._adopt(stream, cycle)
        if new:
            ids = [*remembered, *(s.external_id for s in new)][-SEEN_LIMIT:]
            cycle.meta[f"seen:{name}"] = ids

    def _adopt(self, stream: Stream, cycle: _Cycle) -> None:
        """Take a newly discovered stream into the working set, matched to the plan."""
        taken = {(s.broadcast_id, s.channel_key) for s in cycle.streams.values() if s.broadcast_id}
        window = timedelta(minutes=self.settings.match_window)
        broadcast_id = match(stream, cycle.plan, taken, window)  # type: ignore[arg-type]
        adopted = replace(
            stream, broadcast_id=broadcast_id, discovered_at=cycle.now, next_poll_at=cycle.now
        )
        cycle.streams[adopted.key] = adopted
        cycle.changed_streams.add(adopted.key)
        cycle.report.discovered += 1
        log.info(
            "discovered %s on %s (%s)",
            adopted.key,
            adopted.channel,
            f"broadcast {broadcast_id}" if broadcast_id else "unplanned",
        )

    # -- polling --------------------------------------------------------------------
    def _poll_due(self, name: str, platform: Platform, cycle: _Cycle) -> None:
        due = sorted(
            (
                s
                for s in cycle.streams.values()
                if s.platform == name
                and not s.done
                and s.next_poll_at is not None
                and s.next_poll_at <= cycle.now
            ),
            key=lambda s: s.key,
        )
        if not due:
            return
        if not self._available(name, cycle):
            self._skip(due, self._unavailable_reason(name), cycle)
            return
        for start in range(0, len(due), max(1, platform.max_batch)):
            batch = due[start : start + platform.max_batch]
            if not self._available(name, cycle):  # an earlier batch hit quota or auth
                self._skip(batch, self._unavailable_reason(name), cycle)
                continue
            self._poll_batch(name, platform, batch, cycle)

    def _unavailable_reason(self, name: str) -> str:
        return "auth" if name in self.stopped else "quota"

    def _poll_batch(
        self, name: str, platform: Platform, batch: Sequence[Stream], cycle: _Cycle
    ) -> None:
        try:
            result = platform.poll(batch, cycle.now)
        except PlatformError as exc:
            self._account(exc.usage, name, cycle)
            self._platform_failed(name, exc, cycle, batch)
            return
        self._account(result.usage, name, cycle)
        cycle.report.ok_platforms.add(name)
        self._apply(result, cycle)

    def _apply(self, result: PollResult, cycle: _Cycle) -> None:
        by_key: dict[str, list[Snapshot]] = {}
        for snap in result.snapshots:
            by_key.setdefault(snap.stream, []).append(snap)
        for update in result.updates:
            self._apply_stream(update, by_key.get(update.key, []), cycle)

    def _apply_stream(self, update: Stream, snaps: list[Snapshot], cycle: _Cycle) -> None:
        previous = cycle.streams.get(update.key, update)
        following = next_poll(update, cycle.now, self.settings)
        stream = replace(
            update,
            broadcast_id=previous.broadcast_id,
            discovered_at=previous.discovered_at,
            last_polled_at=cycle.now,
            next_poll_at=following,
            done=following is None,
            final_polls=previous.final_polls + (update.status is StreamStatus.ENDED),
        )
        if stream.broadcast_id is None and stream.status is not StreamStatus.MISSING:
            stream = self._rematch(stream, cycle)
        cycle.streams[stream.key] = stream
        cycle.changed_streams.add(stream.key)
        cycle.report.polled += 1
        if snaps:
            base = cycle.rollups.get(stream.key) or rollup.empty(
                stream.key, self.settings.live_interval
            )
            cycle.rollups[stream.key] = rollup.fold(base, snaps)
            cycle.changed_rollups.add(stream.key)
            cycle.snapshots.extend(snaps)
            cycle.report.snapshots += len(snaps)
            if stream.status is StreamStatus.LIVE:
                cycle.report.live_viewers[stream.key] = snaps[-1].concurrent_viewers

    def _rematch(self, stream: Stream, cycle: _Cycle) -> Stream:
        """An unplanned stream learns its start later; try matching it again then."""
        taken = {(s.broadcast_id, s.channel_key) for s in cycle.streams.values() if s.broadcast_id}
        window = timedelta(minutes=self.settings.match_window)
        found = match(stream, cycle.plan, taken, window)  # type: ignore[arg-type]
        return stream if found is None else replace(stream, broadcast_id=found)

    def _skip(self, streams: Iterable[Stream], reason: str, cycle: _Cycle) -> None:
        """Record due polls that cannot happen as gaps, and move their next poll on."""
        for stream in streams:
            cycle.gaps.append(Gap(stream.key, cycle.now, reason))
            following = next_poll(stream, cycle.now, self.settings) or cycle.now + timedelta(
                seconds=self.settings.live_interval
            )
            cycle.streams[stream.key] = replace(stream, next_poll_at=following)
            cycle.changed_streams.add(stream.key)
            base = cycle.rollups.get(stream.key) or rollup.empty(
                stream.key, self.settings.live_interval
            )
            cycle.rollups[stream.key] = rollup.fold_gaps(base, [Gap(stream.key, cycle.now, reason)])
            cycle.changed_rollups.add(stream.key)
            cycle.report.errors[f"{stream.platform}:{reason}"] += 1

    def _platform_failed(
        self, name: str, exc: PlatformError, cycle: _Cycle, batch: Sequence[Stream]
    ) -> None:
        if isinstance(exc, QuotaExhausted):
            self.paused_until[name] = exc.reset_at
            cycle.meta[f"paused_until:{name}"] = to_iso(exc.reset_at)
            log.warning("%s: quota exhausted; pausing until %s", name, to_iso(exc.reset_at))
        elif isinstance(exc, AuthFailed):
            self.stopped[name] = str(exc)
            log.error("%s stopped: %s", name, exc)
        else:
            log.warning("%s", exc)
        if batch:
            self._skip(batch, exc.reason, cycle)
        else:
            cycle.report.errors[f"{name}:{exc.reason}"] += 1

    def _account(self, usage: Usage | None, name: str, cycle: _Cycle) -> None:
        if usage is None:
            return
        cycle.report.calls += usage.calls
        cycle.report.quota_units += usage.quota_units
        day = quota_day(cycle.now)
        for credential, units in usage.units.items():
            cycle.quota[(day, credential)] += units

    # -- simulcast and plan -------------------------------------------------------------
    def _combine_simulcasts(self, cycle: _Cycle) -> None:
        """Fold each simulcast broadcast's combined samples into its own rollup.

        ``streamer.simulcast.combine_samples`` makes one point per sample time: the
        sum of the platforms' concurrent viewers, each platform's last reading
        standing in for at most one live interval, a platform that reports no
        viewers (Instagram) adding nothing rather than 0. Each stream's last reading
        from before this cycle comes from its rollup, so the result is exactly what
        ``streamer rollup --rebuild`` computes from the whole history.
        """
        fresh: dict[str, list[Snapshot]] = {}
        for snap in cycle.snapshots:
            fresh.setdefault(snap.stream, []).append(snap)
        members: dict[str, list[str]] = {}
        for stream in cycle.streams.values():
            if stream.broadcast_id:
                members.setdefault(stream.broadcast_id, []).append(stream.key)
        interval = self.settings.live_interval
        for broadcast_id, keys in members.items():
            if not any(k in fresh for k in keys):
                continue
            series = {
                k: [*rollup.last_snapshot(cycle.prior_rollups.get(k)), *fresh.get(k, [])]
                for k in keys
            }
            key = broadcast_key(broadcast_id)
            samples = combine_samples(series, interval, key)
            base = cycle.rollups.get(key) or rollup.empty(key, interval)
            cycle.rollups[key] = rollup.fold(base, samples)
            cycle.changed_rollups.add(key)

    def _update_plan(self, cycle: _Cycle) -> None:
        grace = timedelta(minutes=self.settings.grace)
        streams_of: dict[str, list[Stream]] = {}
        for stream in cycle.streams.values():
            if stream.broadcast_id:
                streams_of.setdefault(stream.broadcast_id, []).append(stream)
        for broadcast in cycle.plan.values():
            status = _broadcast_status(
                broadcast, streams_of.get(broadcast.id, []), cycle.now, grace
            )
            if status is not broadcast.status:
                cycle.plan[broadcast.id] = replace(broadcast, status=status)
                cycle.changed_plan.add(broadcast.id)
                log.info("broadcast %s is now %s", broadcast.id, status.value)

    def _commit(self, cycle: _Cycle) -> None:
        if not (
            cycle.snapshots
            or cycle.gaps
            or cycle.changed_streams
            or cycle.changed_plan
            or cycle.meta
            or cycle.quota  # units a discovery spent must reach the ledger too
        ):
            return
        self.store.commit_cycle(
            CycleWrite(
                snapshots=cycle.snapshots,
                gaps=cycle.gaps,
                streams=[cycle.streams[k] for k in sorted(cycle.changed_streams)],
                rollups={k: cycle.rollups[k] for k in sorted(cycle.changed_rollups)},
                broadcasts=[cycle.plan[k] for k in sorted(cycle.changed_plan)],
                quota=dict(cycle.quota),
            )
        )
        if cycle.meta:
            self.store.set_meta(cycle.meta)


def _broadcast_status(
    broadcast: Broadcast, streams: Sequence[Stream], now: datetime, grace: timedelta
) -> BroadcastStatus:
    """Where a broadcast stands given its matched streams (cancelled stays cancelled)."""
    if broadcast.status is BroadcastStatus.CANCELLED:
        return broadcast.status
    went_live = [s for s in streams if s.actual_start is not None]
    if any(s.status is StreamStatus.LIVE for s in went_live):
        return BroadcastStatus.LIVE
    if went_live:
        return BroadcastStatus.HELD
    # Only a planned broadcast can be missed: a held one whose streams have finished
    # and moved to the archive (out of ``streams``) stays held.
    if broadcast.status is BroadcastStatus.PLANNED and now >= broadcast.end + grace:
        return BroadcastStatus.MISSED
    return broadcast.status
