"""The sender: delivers the outbox's pending events, apart from the collector's cycles.

``Sender.run_once()`` walks the outbox and, for each delivery due, writes the attempt
(``sending``, attempts + 1), calls the channel, and writes the answer at once: ``sent``
with the channel's receipt, ``pending`` with the next try after a ``TemporaryFailure``
(Telegram's ``retry_after`` when given, else a doubling backoff), ``failed`` with the
reason after a ``PermanentFailure`` or a day of temporary ones. Each write is one short
store write under the store's lock; no lock is held while a channel is called, so a
slow channel never holds up a collector cycle.

Once per channel: an event is written once (its id), a delivery is sent only while
``pending``, and ``sent`` is written right after the channel answers. A process killed
before it asked the channel leaves ``sending``, and the next run sends it (nothing
lost). The one window left: killed after the channel accepted the message but before
``sent`` was written (milliseconds), the next run sends it again, logged as "may
arrive twice". Telegram offers no idempotency key to close it; the webhook carries
the event id (``Notice.id``) so a receiver can drop the repeat.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any

from streamer.clock import Clock
from streamer.models import from_iso, to_iso
from streamer.notify.base import Channel, DeliveryError, Notice, PermanentFailure, TemporaryFailure
from streamer.outbox import (
    FAILED,
    GIVE_UP_AFTER,
    PENDING,
    SENDING,
    SENT,
    due,
    retry_delay,
    with_delivery,
)
from streamer.store import Store

log = logging.getLogger("streamer.notify")

Render = Callable[[Mapping[str, Any]], Notice]
Count = Callable[[str, str], None]  # (channel, result): the metric


class Sender:
    """Sends due deliveries through ``channels``; one per process (the daemon's job)."""

    def __init__(
        self,
        store: Store,
        channels: Mapping[str, Channel],
        render: Render,
        clock: Clock,
        count: Count | None = None,
    ) -> None:
        self.store = store
        self.channels = dict(channels)
        self.render = render
        self.clock = clock
        self.count = count

    def run_once(self) -> Counter[str]:
        """Try every delivery due now; returns how many were sent, retried, failed."""
        results: Counter[str] = Counter()
        for event in self.store.outbox():
            for channel in due(event, self.clock.now()):
                if channel in self.channels:  # else its table is gone: left pending
                    results[self._deliver(event, channel)] += 1
        return results

    def _deliver(self, event: Mapping[str, Any], channel: str) -> str:
        """One delivery attempt, recorded before and after; returns its result."""
        record = event["deliveries"][channel]
        now = self.clock.now()
        if now - from_iso(event["at"]) > GIVE_UP_AFTER:
            reason = f"gave up after {record['attempts']} tries: {record['reason'] or 'none'}"
            return self._finish(event["id"], channel, FAILED, reason, "failed")
        if record["state"] == SENDING:
            log.warning("%s: %s was being sent when a process stopped; sending again "
                        "(may arrive twice)", channel, event["id"])  # fmt: skip
        attempts = int(record["attempts"]) + 1
        self._mark(event["id"], channel, state=SENDING, attempts=attempts, next_try=to_iso(now))
        try:
            receipt = self.channels[channel].send(self.render(event))
        except TemporaryFailure as exc:
            wait = retry_delay(attempts, exc.retry_after)
            next_try = to_iso(self.clock.now() + wait)
            log.warning("%s: %s not sent (%s); next try %s", channel, event["id"], exc.reason,
                        next_try)  # fmt: skip
            self._mark(event["id"], channel, state=PENDING, next_try=next_try, reason=exc.reason)
            self._count(channel, "retry")
            return "retry"
        except PermanentFailure as exc:
            log.error("%s: %s refused for good: %s", channel, event["id"], exc.reason)
            return self._finish(event["id"], channel, FAILED, exc.reason, "failed")
        except (DeliveryError, Exception) as exc:  # a channel's bug: never the daemon's end
            log.exception("%s: %s failed unexpectedly", channel, event["id"])
            next_try = to_iso(self.clock.now() + retry_delay(attempts, None))
            reason = f"unexpected {type(exc).__name__}"
            self._mark(event["id"], channel, state=PENDING, next_try=next_try, reason=reason)
            self._count(channel, "retry")
            return "retry"
        result = self._finish(event["id"], channel, SENT, receipt, "sent")
        log.info("%s: %s sent (%s)", channel, event["id"], receipt)  # after: a shorter window
        return result

    def _finish(self, event_id: str, channel: str, state: str, reason: str, result: str) -> str:
        at = to_iso(self.clock.now()) if state == SENT else None
        self._mark(event_id, channel, state=state, reason=reason[:200], sent_at=at)
        self._count(channel, result)
        return result

    def _mark(self, event_id: str, channel: str, **changes: Any) -> None:
        """Write one delivery's new state: one short write under the store's lock."""
        self.store.change_event(event_id, lambda event: with_delivery(event, channel, **changes))

    def _count(self, channel: str, result: str) -> None:
        if self.count is not None:
            self.count(channel, result)


def pending_total(outbox: list[dict[str, Any]]) -> int:
    """Deliveries not yet sent or failed, over the whole outbox."""
    return sum(r["state"] in (PENDING, SENDING) for e in outbox for r in e["deliveries"].values())
