"""Which planned broadcast a stream belongs to.

First by a known video id on one of the broadcast's targets; else by channel and
a start (actual, else scheduled) within ``window`` of the planned start, the
closest one winning, and a broadcast already matched on that channel not taken
twice. A stream that matches nothing is kept as unplanned (``broadcast_id`` None).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import timedelta

from streamer.models import Broadcast, BroadcastStatus, Stream


def match(
    stream: Stream,
    plan: Mapping[str, Broadcast],
    taken: Iterable[tuple[str, str]],
    window: timedelta,
) -> str | None:
    """The id of the broadcast ``stream`` belongs to, or ``None`` for unplanned.

    ``taken`` holds ``(broadcast_id, channel_key)`` pairs already matched to other
    streams, so two streams on one channel do not claim one broadcast.
    """
    # Cancelled broadcasts are never matched, not even by a video id named on them.
    open_plan = [b for b in plan.values() if b.status is not BroadcastStatus.CANCELLED]
    for broadcast in open_plan:
        for target in broadcast.targets:
            if target.platform == stream.platform and target.external_id == stream.external_id:
                return broadcast.id
    moment = stream.actual_start or stream.scheduled_start
    if moment is None:
        return None
    busy = set(taken)
    best: tuple[timedelta, str] | None = None
    for broadcast in open_plan:
        if (broadcast.id, stream.channel_key) in busy:
            continue
        if not any(t.channel_key == stream.channel_key for t in broadcast.targets):
            continue
        distance = abs(moment - broadcast.start)
        if distance <= window and (best is None or distance < best[0]):
            best = (distance, broadcast.id)
    return None if best is None else best[1]
