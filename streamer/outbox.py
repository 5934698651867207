"""The outbox: events as the store keeps them, and the rules of their deliveries.

An event is one document of ``streamer.json``'s ``outbox`` table, written in the same
``commit_cycle`` as the cycle that raised it, under a stable id (``live:<broadcast>``,
``late:<broadcast>``, ``unhealthy:<platform>:<since>``...)::

    {"id": "live:b1", "kind": "live", "at": "2026-...Z", "data": {...},
     "deliveries": {"telegram": {"state": "pending", "attempts": 0,
                                 "next_try": "2026-...Z", "reason": "", "sent_at": null}}}

One delivery record per (event, channel). ``state`` is ``pending``, ``sending`` (an
attempt started: the sender writes it before the call, so an attempt cut short by a
crash is known), ``sent`` or ``failed``. ``reason`` is safe text (a channel's
``DeliveryError.reason``: never a token). Writing an id that is already there is a
no-op, so a cycle replayed after a restart raises nothing twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from streamer.models import from_iso, to_iso

PENDING, SENDING, SENT, FAILED = "pending", "sending", "sent", "failed"
STATES = (PENDING, SENDING, SENT, FAILED)
FIRST_RETRY = timedelta(minutes=1)
MAX_RETRY = timedelta(hours=1)
GIVE_UP_AFTER = timedelta(days=1)
"""A delivery still failing temporarily a day after its event is marked failed: a
"went live" a day late is noise, and the outbox must not retry for ever."""

Event = dict[str, Any]


def new_event(
    event_id: str, kind: str, at: datetime, data: Mapping[str, Any], channels: Iterable[str]
) -> Event:
    """An event as the outbox keeps it, with a pending delivery per channel."""
    deliveries = {
        channel: {
            "state": PENDING,
            "attempts": 0,
            "next_try": to_iso(at),
            "reason": "",
            "sent_at": None,
        }
        for channel in channels
    }
    return {"id": event_id, "kind": kind, "at": to_iso(at), "data": dict(data),
            "deliveries": deliveries}  # fmt: skip


def due(event: Mapping[str, Any], now: datetime) -> list[str]:
    """The channels ``event`` should be tried on at ``now``: pending ones whose time has
    come, and ones left ``sending`` by a process that stopped mid-attempt."""
    found = []
    for channel, record in event["deliveries"].items():
        if record["state"] == SENDING or (
            record["state"] == PENDING and from_iso(record["next_try"]) <= now
        ):
            found.append(channel)
    return found


def retry_delay(attempts: int, retry_after: float | None) -> timedelta:
    """The wait after the ``attempts``-th failed try: what the other side asked for
    (Telegram's ``retry_after``), else a minute doubled at each try, at most an hour."""
    if retry_after is not None and retry_after > 0:
        return min(timedelta(seconds=retry_after), MAX_RETRY)
    doubling: int = 2 ** min(max(attempts - 1, 0), 10)
    return min(FIRST_RETRY * doubling, MAX_RETRY)


def with_delivery(event: Mapping[str, Any], channel: str, **changes: Any) -> Event:
    """A copy of ``event`` with ``channel``'s delivery record changed (the store's
    documents are replaced, never changed in place)."""
    deliveries = dict(event["deliveries"])
    deliveries[channel] = {**deliveries[channel], **changes}
    return {**event, "deliveries": deliveries}


def finished(event: Mapping[str, Any]) -> bool:
    """Every delivery of ``event`` is sent or failed: nothing left to do."""
    return all(r["state"] in (SENT, FAILED) for r in event["deliveries"].values())
