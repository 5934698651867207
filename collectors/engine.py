"""The polling engine: one collector cycle, from discovery to one store write.

``Engine.collect_once(now)``:

1. per platform, in a worker thread each (``collectors.fetch``): discovery when due,
   then the due polls (streams whose durable ``next_poll_at`` has come, and the
   streams just found), batched up to the adapter's ``max_batch``;
2. once every worker is back, on the engine's thread and in platform order: new
   streams matched to the plan (``collectors.matching``) and adopted, each poll's
   snapshots folded into the streams' rollups, failed polls recorded as gaps;
3. unplanned streams grouped into unplanned broadcasts (``streamer.unplanned``), and
   each broadcast's combined concurrent viewers folded into its own rollup;
4. broadcast statuses moved on (planned → live → held, or missed after the grace);
5. everything saved in ONE ``store.commit_cycle``.

Platforms run concurrently, so a slow or failing platform costs the cycle its own
time (its timeouts and retries), not the others' too. All the cycle's state is
changed on the engine's thread only, after the workers have returned, so results
are applied in the same order whatever the threads' timing.

A platform error never escapes a cycle: the batch's due polls become gaps with
the error's reason and the other platforms go on; an error of one channel only
(``PollResult.failures``: a Page Graph throttles) is a gap for its streams alone.
``QuotaExhausted`` pauses the platform until its reset, Graph's cooldowns
(``collectors.base.Cools``) hold as long as Graph asked, and a YouTube key found
spent is skipped until its reset (``collectors.base.SpendsKeys``): all persisted, so a
restart (and, sharing a store, every collector) honours them; ``AuthFailed`` stops it
until the credential is fixed and the collector restarted.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from collectors.alerts import Alerts
from collectors.base import (
    AuthFailed,
    Cools,
    Platform,
    PlatformError,
    PollResult,
    QuotaExhausted,
    Remembers,
    SpendsKeys,
    Usage,
    spent_keys_meta,
)
from collectors.cycle import (
    STORE,
    CycleReport,
    CycleState,
    LiveStream,
    PlatformReport,
    combine_simulcasts,
    group_unplanned,
    live_streams,
    rematch,
    update_plan,
)
from collectors.fetch import Batch, Job, Outcome, fetch_all
from collectors.health import ChannelHealth, cooldown_meta, discovered_meta, meta_name
from collectors.matching import match
from collectors.policy import next_discovery, next_poll
from collectors.schedule import awaited_channels, awaited_due, plan_due
from collectors.unsaved import UnsavedGaps
from streamer import history, rollup
from streamer import platforms as registry
from streamer.clock import monotonic
from streamer.config import CollectorSettings
from streamer.models import (
    Channel,
    Gap,
    Programme,
    Snapshot,
    Stream,
    StreamStatus,
    from_iso,
    to_iso,
)
from streamer.store import CycleWrite, Store, StoreError

if TYPE_CHECKING:
    from contextlib import ExitStack

    from streamer.sharing import Sharing

__all__ = ["CycleReport", "Engine", "LiveStream", "PlatformReport"]

log = logging.getLogger("streamer.engine")
SEEN_LIMIT = 2000


class Engine:
    """Discovers, matches, polls and records; one instance per collector process."""

    def __init__(
        self,
        store: Store,
        platforms: Mapping[str, Platform],
        programmes: Mapping[str, Programme],
        settings: CollectorSettings,
        *,
        parallel: bool = True,
        discovery_intervals: Mapping[str, int] | None = None,
        alerts: Alerts | None = None,
        unsaved: UnsavedGaps | None = None,
    ) -> None:
        """``parallel=False`` polls the platforms one after another (see ``fetch_all``);
        ``discovery_intervals``: seconds between routine discoveries by platform, where
        one differs from ``settings.discovery_interval``; ``alerts``: raises each
        cycle's alert events into the outbox, in the cycle's write; ``unsaved``: where
        gaps a failed write left outlive the process (``collectors.unsaved``)."""
        self.store = store
        self.alerts = alerts
        # Set when the store is shared with other collectors (collectors/shared.py): the
        # streams this round leased, and what a store outage left unsaved (as gaps).
        self.sharing: Sharing | None = None
        self.leased: set[str] | None = None
        self.hold: ExitStack | None = None
        self._unsaved_files = unsaved
        # An ordered set: over a long outage it holds every tick's gaps, and each tick
        # asks whether its own are among them.
        self.unsaved: dict[Gap, None] = dict.fromkeys(() if unsaved is None else unsaved.load())
        self.known: dict[str, Stream] = {}
        self.platforms = dict(platforms)
        self.settings = settings
        own = discovery_intervals or {}
        self.discovery_every = {n: own.get(n, settings.discovery_interval) for n in platforms}
        self._awaited_at: dict[str, datetime] = {}  # a planned stream not yet found
        self.parallel = parallel
        self._pool: ThreadPoolExecutor | None = None  # one thread per platform, made on use
        self.channels: dict[str, list[Channel]] = {}
        self.programme_of: dict[str, str] = {}  # channel key -> programme slug
        for programme in programmes.values():
            for channel in programme.channels:
                self.programme_of.setdefault(channel.key, programme.slug)
                if channel.platform in self.platforms:
                    self.channels.setdefault(channel.platform, []).append(channel)
        self.stopped: dict[str, str] = {}
        # The last discovery outlives the process, so collect --once from cron keeps
        # the discovery interval instead of discovering at every run.
        self._discovered = {n: _stored_time(store.get_meta(discovered_meta(n))) for n in platforms}
        self.last_discovery = {n: at for n, at in self._discovered.items() if at is not None}
        self._due_at: datetime | None = None
        self._began = 0.0  # monotonic start of the running cycle
        # A quota pause outlives the process: a restarted collector must not spend
        # requests that the platform will refuse until the reset.
        self.paused_until: dict[str, datetime] = {}
        self.restore_pauses()
        # Failing channels and their backoff outlive the process too.
        self.health = {n: ChannelHealth.load(n, store.get_meta(meta_name(n))) for n in platforms}
        self._stop_stored = {n for n in platforms if store.get_meta(f"stopped:{n}")}
        # What discovery learned about channels (fetch apart from save: the adapter
        # gets it from here, and hands back what it knows after each discovery).
        self._memory: dict[str, Any] = {}
        self._cooling: dict[str, Any] = {}  # Graph's cooldowns, as last stored
        for name, platform in self.platforms.items():
            if isinstance(platform, Remembers):
                self._memory[name] = store.get_meta(f"discovery:{name}")
                platform.restore(self._memory[name])
            if isinstance(platform, Cools):
                self._cooling[name] = store.get_meta(cooldown_meta(name)) or {}
                platform.restore_cooldowns(self._cooling[name])
        self._spent: dict[str, Any] = {}  # spent API keys, as last stored or read
        self.restore_spent_keys()
        # Stored with the first write: reports compare nothing with the days before it.
        self._since_stored = history.recorded_since(store) is not None

    # -- the cycle ----------------------------------------------------------------
    def collect_once(self, now: datetime) -> CycleReport:
        """Run one discovery-and-poll cycle at ``now`` and save it in one write (on a
        shared store: rounds of this collector's share, ``collectors.shared``)."""
        if self.sharing is not None:
            from collectors.shared import shared_cycle

            return shared_cycle(self, self.sharing, now)
        return self.cycle(now)

    def cycle(self, now: datetime) -> CycleReport:
        """One cycle at ``now`` over the due streams (those leased, when sharing)."""
        began = self._began = monotonic()
        cycle = CycleState(
            now=now,
            # The working plan only: finished broadcasts in the archive need no polls.
            plan=self.store.broadcasts(include_archive=False),
            streams=self.store.streams(),
            rollups=self.store.rollups(),
            report=CycleReport(at=now),
        )
        cycle.prior_rollups = dict(cycle.rollups)
        self._run_platforms(cycle)
        self._fold_plan(cycle)
        try:
            self._commit(cycle)
        except StoreError:
            if self.sharing is None:  # a shared store's rounds remember their own outage
                self._remember_lost(cycle)
            raise
        self._due_at = self._plan_due(cycle)
        self._awaited_at = {}  # read by next_due and by the next cycle's jobs
        for name in self.platforms:
            awaited = self._awaited_due(name, cycle)
            if awaited is not None:
                self._awaited_at[name] = awaited
        cycle.report.live = live_streams(cycle, self.programme_of)
        cycle.report.failing = [f for h in self.health.values() for f in h.failing.values()]
        cycle.report.seconds = monotonic() - began
        self.known = cycle.streams
        log.info(cycle.report.line())
        return cycle.report

    def _run_platforms(self, cycle: CycleState) -> None:
        """Fetch every platform's share in its own thread, then apply them in order."""
        blocked = {n: self._unavailable_reason(n) for n in self.platforms}
        blocked = {n: why for n, why in blocked.items() if not self._available(n, cycle)}
        jobs = [self._job(n, p, cycle) for n, p in self.platforms.items() if n not in blocked]
        busy = [job for job in jobs if job.channels is not None or job.due]
        if self._pool is None and self.parallel and len(self.platforms) > 1:
            self._pool = ThreadPoolExecutor(len(self.platforms), "streamer-fetch")
        fetched = fetch_all(busy, parallel=self.parallel, pool=self._pool)
        if self.sharing is not None:  # others' cycles committed meanwhile: fold into theirs
            from collectors.shared import settle

            settle(self, cycle)
        outcomes = {o.job.name: o for o in fetched}
        for name in self.platforms:  # platform order, whatever order the workers ended in
            if name in outcomes:
                self._apply_outcome(outcomes[name], cycle)
            elif name in blocked:  # paused or stopped: its due polls are gaps, no request
                self._skip(self._due(name, cycle), blocked[name], cycle)

    def close(self) -> None:
        """Stop the platform threads (idle between cycles); the engine can still run after."""
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None

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
            due = now if last is None else next_discovery(last, self.discovery_every[name])
            due = min(due, self._awaited_at.get(name, due))
            paused = self.paused_until.get(name)
            candidates.append(due if paused is None else max(due, paused))
        return max(now, min(candidates, default=now + interval))

    def _plan_due(self, cycle: CycleState) -> datetime | None:
        """The earliest next poll or missed-check after this cycle."""
        return plan_due(cycle, timedelta(minutes=self.settings.grace))

    def _awaited_due(self, name: str, cycle: CycleState) -> datetime | None:
        """When ``name`` should next be discovered for a planned stream not found yet."""
        last = self.last_discovery.get(name)
        routine = cycle.now if last is None else next_discovery(last, self.discovery_every[name])
        return awaited_due(cycle, name, last, routine, self.settings)

    # -- availability ---------------------------------------------------------------
    def _available(self, name: str, cycle: CycleState) -> bool:
        if name in self.stopped:
            return False
        paused = self.paused_until.get(name)
        return paused is None or paused <= cycle.now

    # -- the workers' jobs, and applying what they bring back ----------------------
    def _job(self, name: str, platform: Platform, cycle: CycleState) -> Job:
        """What ``name`` is to fetch this cycle, as copies a worker thread may read."""
        due = tuple(self._due(name, cycle))
        existing = frozenset(k for k, s in cycle.streams.items() if s.platform == name)
        last = self.last_discovery.get(name)
        routine = last is None or cycle.now >= next_discovery(last, self.discovery_every[name])
        # Worked out at the end of the last cycle, like next_due: the plan walked once.
        awaited = self._awaited_at.get(name)
        if not routine and (awaited is None or cycle.now < awaited):
            return Job(name, platform, cycle.now, None, frozenset(), existing, due)
        waiting = self.health[name].waiting(cycle.now)  # failing, backing off
        channels = tuple(c for c in self.channels.get(name, []) if c.id not in waiting)
        if not routine:  # only for planned streams not found yet: their channels alone
            wanted = awaited_channels(cycle, name, self.settings)
            channels = tuple(c for c in channels if c.key in wanted)
            if not channels:  # found since the last cycle worked out the time
                return Job(name, platform, cycle.now, None, frozenset(), existing, due)
        if self.sharing is not None and not self.sharing.discovers(
            max(self.discovery_every.values()), cycle.now
        ):
            return Job(name, platform, cycle.now, None, frozenset(), existing, due)  # another's
        remembered = tuple(self.store.get_meta(f"seen:{name}") or ())  # oldest first
        own = {cycle.streams[k].external_id for k in existing}
        # An attempt counts, failed or not: a failing platform (its retries already
        # spent) is tried again at the next discovery interval, not at every cycle.
        self.last_discovery[name] = cycle.now
        known = frozenset(remembered) | own
        return Job(name, platform, cycle.now, channels, known, existing, due, remembered)

    def _due(self, name: str, cycle: CycleState) -> list[Stream]:
        """``name``'s streams whose poll has come, by key (the batches' order)."""
        mine = (s for s in cycle.streams.values() if s.platform == name and not s.done)
        if self.leased is not None:  # sharing: this collector's share only
            mine = (s for s in mine if s.key in self.leased)
        return sorted((s for s in mine if _is_due(s, cycle.now)), key=lambda s: s.key)

    def _apply_outcome(self, outcome: Outcome, cycle: CycleState) -> None:
        """Fold one platform's discovery and polls into the cycle, in call order."""
        name = outcome.job.name
        cycle.report.platforms[name] = PlatformReport(seconds=outcome.seconds)
        if outcome.discovery_error is not None:
            self._account(outcome.discovery_error.usage, name, cycle)
            self._platform_failed(name, outcome.discovery_error, cycle, [])
        elif outcome.discovery is not None:
            self._account(outcome.discovery.usage, name, cycle)
            cycle.report.ok_platforms.add(name)
            self._channels_read(outcome, cycle)
            self._adopt_all(outcome, cycle)
            if outcome.first is not None:  # discovery's answer was their first poll
                self._apply(outcome.first, cycle)
        for batch in outcome.batches:
            if batch.skipped is not None:
                self._skip(batch.streams, batch.skipped, cycle)
            elif batch.error is not None:
                self._account(batch.error.usage, name, cycle)
                self._platform_failed(name, batch.error, cycle, batch.streams)
            elif batch.result is not None:
                self._account(batch.result.usage, name, cycle)
                cycle.report.ok_platforms.add(name)
                self._apply(batch.result, cycle)
                self._channel_gaps(batch, cycle)
        self._store_cooldowns(name, cycle)
        self._store_spent_keys(name, cycle)
        if name in self._stop_stored and name in cycle.report.ok_platforms:
            self._stop_stored.discard(name)  # an auth stop of an earlier run is over
            cycle.meta[f"stopped:{name}"] = None

    def _store_cooldowns(self, name: str, cycle: CycleState) -> None:
        """Store the adapter's cooldowns when one started or grew longer (adapters are
        idle now: every worker is back). One that merely ran out is left in the store
        until the next change: a restored cooldown that is over is ignored."""
        platform = self.platforms[name]
        if not isinstance(platform, Cools):
            return
        now, stored = platform.cooldowns(), self._cooling.get(name) or {}
        grown = now.get("token", "") > stored.get("token", "") or any(
            end > (stored.get("objects") or {}).get(o, "")
            for o, end in (now.get("objects") or {}).items()
        )
        if grown:
            self._cooling[name] = cycle.meta[cooldown_meta(name)] = now

    def restore_pauses(self) -> None:
        """Read the stored quota pauses into ``paused_until``: at start, and on a shared
        store every round, since a pause another collector stored holds here too."""
        for name in self.platforms:
            stored = self.store.get_meta(f"paused_until:{name}")
            if stored is not None:
                self.paused_until[name] = from_iso(stored)

    def restore_spent_keys(self) -> None:
        """Hand the stored spent API keys to the adapters (``SpendsKeys``): at start, and
        on a shared store every round, since other collectors spend the same keys."""
        for name, platform in self.platforms.items():
            if isinstance(platform, SpendsKeys):
                platform.restore_spent_keys(self.store.get_meta(spent_keys_meta(name)))
                self._spent[name] = platform.spent_keys()

    def _store_spent_keys(self, name: str, cycle: CycleState) -> None:
        """Store the adapter's spent keys when it found one spent (adapters are idle now)."""
        platform = self.platforms[name]
        if not isinstance(platform, SpendsKeys) or platform.spent_keys() == self._spent[name]:
            return
        # Another collector may have stored a key since this one read them; sharing, this
        # runs under the cycle lock (``settle``), so merging in a fresh read loses none.
        platform.restore_spent_keys(self.store.get_meta(spent_keys_meta(name)))
        self._spent[name] = cycle.meta[spent_keys_meta(name)] = platform.spent_keys()

    def _channels_read(self, outcome: Outcome, cycle: CycleState) -> None:
        """Record which channels the discovery read and which failed (with backoff)."""
        name, discovery = outcome.job.name, outcome.discovery
        assert discovery is not None and outcome.job.channels is not None
        asked = [c.id for c in outcome.job.channels]
        health = self.health[name]
        for failure in health.record(
            asked, discovery.failures, cycle.now, self.discovery_every[name]
        ):
            cycle.report.channel_errors[(name, failure.channel, failure.reason)] += 1
        if health.must_save():  # else saved with the cycle's other changes, if any
            cycle.meta[meta_name(name)] = health.save()
        if discovery.memory is not None and discovery.memory != self._memory.get(name):
            self._memory[name] = cycle.meta[f"discovery:{name}"] = discovery.memory

    def _adopt_all(self, outcome: Outcome, cycle: CycleState) -> None:
        """Adopt the streams a discovery found, and remember their ids."""
        for stream in outcome.new:
            self._adopt(stream, cycle)
        if outcome.new:
            ids = [*outcome.job.remembered, *(s.external_id for s in outcome.new)]
            cycle.meta[f"seen:{outcome.job.name}"] = ids[-SEEN_LIMIT:]

    def _adopt(self, stream: Stream, cycle: CycleState) -> None:
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
    def _unavailable_reason(self, name: str) -> str:
        return "auth" if name in self.stopped else "quota"

    def _apply(self, result: PollResult, cycle: CycleState) -> None:
        by_key: dict[str, list[Snapshot]] = {}
        for snap in result.snapshots:
            by_key.setdefault(snap.stream, []).append(snap)
        for update in result.updates:
            self._apply_stream(update, by_key.get(update.key, []), cycle)

    def _apply_stream(self, update: Stream, snaps: list[Snapshot], cycle: CycleState) -> None:
        previous = cycle.streams.get(update.key, update)
        following = next_poll(update, cycle.now, self.settings)
        stream = replace(
            update,
            broadcast_id=previous.broadcast_id,
            unplanned_id=previous.unplanned_id,
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
            share = cycle.report.platforms.setdefault(stream.platform, PlatformReport())
            share.snapshots += len(snaps)

    def _rematch(self, stream: Stream, cycle: CycleState) -> Stream:
        """An unplanned stream learns its start later; try matching it again then."""
        taken = {(s.broadcast_id, s.channel_key) for s in cycle.streams.values() if s.broadcast_id}
        window = timedelta(minutes=self.settings.match_window)
        found = match(stream, cycle.plan, taken, window)  # type: ignore[arg-type]
        return stream if found is None else replace(stream, broadcast_id=found)

    def _skip(self, streams: Iterable[Stream], reason: str, cycle: CycleState) -> None:
        """Record due polls that cannot happen as gaps, and move their next poll on."""
        for polled in streams:
            # The cycle's own copy: a worker's copy of a stream found this cycle does
            # not carry the broadcast it was matched to since.
            stream = cycle.streams.get(polled.key, polled)
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

    def _channel_gaps(self, batch: Batch, cycle: CycleState) -> None:
        """The streams a poll could not read for their own channel's sake: a gap each."""
        assert batch.result is not None
        failures = batch.result.failures
        for exc in {id(e): e for e in failures.values()}.values():  # once per channel
            log.warning("%s", exc)
        for stream in batch.streams:
            if (failure := failures.get(stream.key)) is not None:
                self._skip([stream], failure.reason, cycle)

    def _platform_failed(
        self, name: str, exc: PlatformError, cycle: CycleState, batch: Sequence[Stream]
    ) -> None:
        if isinstance(exc, QuotaExhausted):
            self.paused_until[name] = exc.reset_at
            cycle.meta[f"paused_until:{name}"] = to_iso(exc.reset_at)
            log.warning("%s: quota exhausted; pausing until %s", name, to_iso(exc.reset_at))
        elif isinstance(exc, AuthFailed):
            self.stopped[name] = str(exc)
            self._stop_stored.add(name)  # for ``streamer status``
            cycle.meta[f"stopped:{name}"] = {"at": to_iso(cycle.now), "message": str(exc)}
            log.error("%s stopped: %s", name, exc)
        else:
            log.warning("%s", exc)
        if batch:
            self._skip(batch, exc.reason, cycle)
        else:
            cycle.report.errors[f"{name}:{exc.reason}"] += 1

    def _account(self, usage: Usage | None, name: str, cycle: CycleState) -> None:
        if usage is None:
            return
        cycle.report.calls += usage.calls
        cycle.report.quota_units += usage.quota_units
        cycle.report.platforms.setdefault(name, PlatformReport()).calls += usage.calls
        day = registry.spec(name).quota_day(cycle.now)  # the day its quota resets on
        for credential, units in usage.units.items():
            cycle.report.units_by_key[credential] += units
            if units:  # Graph and feeds charge none: no ledger row, so no write for it
                cycle.quota[(day, credential)] += units

    def _discovery_times(self, cycle: CycleState, writes: bool) -> None:
        """Store each platform's last discovery time with a cycle that writes anyway; in a
        quiet one only when the stored time is an interval old (a new process would
        discover again at once): at most one extra write per platform and interval.
        The channels' last successful reads ride along with it."""
        for name, at in self.last_discovery.items():
            stored = self._discovered.get(name)
            if at == stored:
                continue
            interval = timedelta(seconds=self.discovery_every[name])
            if writes or stored is None or cycle.now - stored >= interval:
                self._discovered[name] = at
                cycle.meta[discovered_meta(name)] = to_iso(at)

    # -- simulcast and plan -------------------------------------------------------------
    def _fold_plan(self, cycle: CycleState) -> None:
        """Who each stream belongs to, simulcast sums and statuses, from the cycle's streams."""
        window = timedelta(minutes=self.settings.match_window)
        rematch(cycle, window)
        group_unplanned(cycle, window, self.programme_of)
        combine_simulcasts(cycle, self.settings.live_interval, self.store)
        for broadcast_id, status in update_plan(cycle, timedelta(minutes=self.settings.grace)):
            log.info("broadcast %s is now %s", broadcast_id, status.value)

    def _remember_lost(self, cycle: CycleState) -> None:
        """A cycle whose write failed (the store busy past its lock's timeout, or full):
        each stream it polled gets a gap with reason ``store`` at the cycle's time, and
        its own gaps are kept. ``unsaved`` holds them for the next cycle that commits;
        that cycle polls the streams again (their stored state is as before)."""
        polled = sorted({snap.stream for snap in cycle.snapshots})
        lost = [*cycle.gaps, *(Gap(key, cycle.now, STORE) for key in polled)]
        self.remember(lost)
        log.warning(
            "the store did not take the cycle at %s: %d polls kept as gaps for the next write",
            to_iso(cycle.now),
            len(lost),
        )

    def remember(self, gaps: Iterable[Gap]) -> None:
        """Add ``gaps`` (those not remembered already) to ``unsaved``, and keep them on
        disk where the engine has a place for them, so they outlive the process."""
        new = [gap for gap in dict.fromkeys(gaps) if gap not in self.unsaved]
        self.unsaved.update(dict.fromkeys(new))
        if self._unsaved_files is not None:
            self._unsaved_files.keep(new)

    def _fold_unsaved(self, cycle: CycleState) -> None:
        """Count the gaps an earlier failed write left (``unsaved``) in their streams'
        rollups, as ``rollup --rebuild`` counts them from the stored gaps.

        A gap already stored is dropped: on a shared store every collector that saw an
        outage remembers the same gaps, and the first to commit wrote them (this runs
        under the cycle lock). A stream no longer in the working set (archived meanwhile)
        keeps its rollup; the gap is still written.
        """
        first = min(gap.ts for gap in self.unsaved).replace(microsecond=0)
        last = max(gap.ts for gap in self.unsaved)
        stored = {_gap_key(gap) for gap in self.store.gaps(first, last + timedelta(seconds=1))}
        fresh: dict[tuple[str, str, str], Gap] = {}
        for gap in self.unsaved:
            if _gap_key(gap) not in stored:
                fresh.setdefault(_gap_key(gap), gap)
        self.unsaved = dict.fromkeys(fresh.values())
        by_stream: dict[str, list[Gap]] = {}
        for gap in self.unsaved:
            by_stream.setdefault(gap.stream, []).append(gap)
        for key in by_stream.keys() & cycle.streams.keys():
            gaps = by_stream[key]
            base = cycle.rollups.get(key) or rollup.empty(key, self.settings.live_interval)
            cycle.rollups[key] = rollup.fold_gaps(base, gaps)
            cycle.changed_rollups.add(key)

    def _unsaved_written(self) -> None:
        self.unsaved = {}
        if self._unsaved_files is not None:
            self._unsaved_files.written()

    def _commit(self, cycle: CycleState) -> None:
        carried = bool(self.unsaved)
        if carried:
            self._fold_unsaved(cycle)
        events = []
        if self.alerts is not None:
            events = self.alerts.cycle_events(cycle, self.stopped, self.paused_until)
        writes = bool(
            events
            or cycle.snapshots
            or cycle.gaps
            or self.unsaved
            or cycle.changed_streams
            or cycle.changed_plan
            or cycle.meta
            or cycle.quota  # units a discovery spent must reach the ledger too
        )
        self._discovery_times(cycle, writes)
        if not (writes or cycle.meta):
            if carried:  # every one was stored already (another collector wrote them)
                self._unsaved_written()
            return
        # For `streamer watch`: the last cycle that wrote, how long it took (up to its
        # write) and the gaps it recorded. Rides along; never a write of its own.
        cycle.meta[LAST_CYCLE] = {
            "at": to_iso(cycle.now),
            "seconds": round(monotonic() - self._began, 3),
            "polled": cycle.report.polled,
            "gaps": len(cycle.gaps),
        }
        for name, health in self.health.items():  # a quiet discovery's reads ride along
            if health.to_meta() != health.saved:
                cycle.meta[meta_name(name)] = health.save()
        if not self._since_stored:
            earlier = history.first_record(self.store)
            since = cycle.now if earlier is None else min(earlier, cycle.now)
            cycle.meta[history.RECORDED_SINCE] = to_iso(since)
        self.store.commit_cycle(
            CycleWrite(
                snapshots=cycle.snapshots,
                gaps=[*cycle.gaps, *self.unsaved],  # a store outage's polls, as gaps
                streams=[cycle.streams[k] for k in sorted(cycle.changed_streams)],
                rollups={k: cycle.rollups[k] for k in sorted(cycle.changed_rollups)},
                broadcasts=[cycle.plan[k] for k in sorted(cycle.changed_plan)],
                quota=dict(cycle.quota),
                now=cycle.now,
                meta=dict(cycle.meta),  # a quota pause and seen ids: in the same write
                events=events,  # alerts: written with the cycle that raised them
            )
        )
        if carried:
            self._unsaved_written()
        self._since_stored = True
        if self.alerts is not None:
            self.alerts.committed()


LAST_CYCLE = "last_cycle"
"""Meta record of the last cycle that wrote: ``at``, ``seconds``, ``polled``, ``gaps``."""


def _stored_time(value: Any) -> datetime | None:
    try:
        return from_iso(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _is_due(stream: Stream, now: datetime) -> bool:
    """Whether ``stream``'s poll has come at ``now``.

    A last poll later than ``now`` means the clock was stepped back (NTP, a restored
    VM): the schedule made on the old clock would leave the stream unpolled until the
    clock caught up, so it is polled at once and rescheduled from ``now``.
    """
    if stream.next_poll_at is None:
        return False
    stepped_back = stream.last_polled_at is not None and stream.last_polled_at > now
    return stream.next_poll_at <= now or stepped_back


def _gap_key(gap: Gap) -> tuple[str, str, str]:
    """A gap as the store keeps it apart from others: its time to the second."""
    return gap.stream, to_iso(gap.ts), gap.reason
