"""An ``Engine`` cycle on a store other collectors share (``streamer.sharing``).

``shared_cycle`` runs rounds: each claims this collector's share of the due streams
(``Sharing.round``), polls them (and discovers the platforms whose lease it holds),
then — ``settle``, between fetching and folding — takes the store's cycle lock and
re-reads the plan, streams and rollups, so its polls are folded into what the other
collectors committed meanwhile and its write loses none of theirs. The lock is held
until the commit; the leases are given back after it.

A store that cannot be reached (the database restarting) fails the round: the
streams that were due are remembered as gaps with reason ``store`` and written with
the next cycle that commits, so the outage shows in the history as what it was.
"""

from __future__ import annotations

import logging
from contextlib import ExitStack
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from collectors.cycle import STORE, CycleReport, CycleState, PlatformReport
from collectors.policy import on_grid
from streamer.models import Gap
from streamer.sharing import MAX_ROUNDS, Sharing
from streamer.store import StoreError

if TYPE_CHECKING:
    from collectors.engine import Engine

log = logging.getLogger("streamer.engine")
MICROSECOND = timedelta(microseconds=1)


def shared_cycle(engine: Engine, sharing: Sharing, now: datetime) -> CycleReport:
    """Rounds of this collector's share at ``now`` until nothing due is left unclaimed."""
    report: CycleReport | None = None
    try:
        for _ in range(MAX_ROUNDS):
            with sharing.round(now) as (leased, full), ExitStack() as hold:
                engine.leased = leased
                engine.hold = hold  # settle() enters the cycle lock into it
                _refresh_pauses(engine)
                report = _add(report, engine.cycle(now))
            if not full:
                break
    except StoreError:
        _remember_outage(engine, sharing, now)
        raise
    finally:
        engine.leased = engine.hold = None
    assert report is not None
    return report


def settle(engine: Engine, cycle: CycleState) -> None:
    """Take the cycle lock and re-read the working set the fold starts from."""
    assert engine.hold is not None and engine.sharing is not None  # in shared_cycle
    engine.hold.enter_context(engine.sharing.store.cycle_lock())
    store = engine.store
    fresh = CycleState(
        now=cycle.now,
        plan=store.broadcasts(include_archive=False),
        streams=store.streams(),
        rollups=store.rollups(),
        report=cycle.report,
    )
    cycle.plan, cycle.streams, cycle.rollups = fresh.plan, fresh.streams, fresh.rollups
    cycle.prior_rollups = dict(fresh.rollups)
    cycle.matched_at_start = fresh.matched_at_start
    cycle.unplanned_at_start = fresh.unplanned_at_start


def _refresh_pauses(engine: Engine) -> None:
    """Quota pauses and spent keys another collector stored hold here too (they share
    the keys): no request goes out on a key another collector found spent."""
    engine.restore_pauses()
    engine.restore_spent_keys()


def _remember_outage(engine: Engine, sharing: Sharing, now: datetime) -> None:
    """The streams due at ``now`` become ``store`` gaps, written with the next commit."""
    due = [s.key for s in engine.known.values() if not s.done and s.next_poll_at is not None
           and s.next_poll_at <= now]  # fmt: skip
    # At the tick's grid point: every collector that saw the outage records the same gap.
    at = on_grid(now - timedelta(seconds=sharing.tick) + MICROSECOND, sharing.tick)
    gaps = [Gap(key, at, STORE) for key in due]
    engine.remember(gaps)
    log.warning("store unreachable at %s: %d due polls recorded as gaps", now, len(gaps))


def _add(total: CycleReport | None, report: CycleReport) -> CycleReport:
    """The rounds of one tick as one report: counts summed, sets and maps merged, the
    state after the tick (``live``, ``failing``) from its last round."""
    if total is None:
        return report
    total.polled += report.polled
    total.snapshots += report.snapshots
    total.calls += report.calls
    total.quota_units += report.quota_units
    total.discovered += report.discovered
    total.errors.update(report.errors)
    total.live_viewers.update(report.live_viewers)
    total.live = report.live
    total.seconds += report.seconds
    total.ok_platforms |= report.ok_platforms
    for name, share in report.platforms.items():
        summed = total.platforms.setdefault(name, PlatformReport())
        summed.seconds += share.seconds
        summed.calls += share.calls
        summed.snapshots += share.snapshots
    total.units_by_key.update(report.units_by_key)
    total.channel_errors.update(report.channel_errors)
    total.failing = report.failing  # every channel failing after the tick's last round
    return total
