"""Which planned broadcast a stream belongs to.

The rule (the README's "Matching streams to the plan" says the same):

1. A target that names a video id takes that video, and only it: no other stream
   on its channel is ever added to that broadcast.
2. A target given by channel only takes one *lead* stream on that channel: the one
   whose start (actual, else scheduled) is closest to the planned start, within
   ``window``. A stream that went live comes before a deleted one, and both before
   one that never went live. Each stream leads one broadcast at most, and pairs
   are taken closest first, so the order streams were found in does not matter.
3. A stream that follows the broadcast's streams on that channel without
   overlapping any of them (an encoder reconnect that made the platform open a new
   video), at most ``RECONNECT_GAP`` from the nearest, joins the broadcast too.
4. Anything else is unplanned (``None``); a stream that overlaps a broadcast's
   stream on the same channel is the "second stream on the same channel".

Overlap is only known over time (the first stream may end after the second
started), so ``assign`` is run again every cycle over the working streams with what
is known then; a stream's broadcast is final once its streams have ended.
Cancelled broadcasts take nothing, not even a video id named on them.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

from streamer.models import Broadcast, BroadcastStatus, Stream, StreamStatus
from streamer.simulcast import gap, on_air, overlap

Match = dict[str, str | None]  # stream key -> broadcast id (None: unplanned)
# An encoder reconnect opens the new video within minutes; a stream further from
# the last one is a new broadcast (or an unplanned one), not a continuation.
RECONNECT_GAP = timedelta(minutes=10)


def match(
    stream: Stream,
    plan: Mapping[str, Broadcast],
    taken: Iterable[tuple[str, str]],
    window: timedelta,
) -> str | None:
    """A first guess at ``stream``'s broadcast when it is found (``None``: unplanned).

    ``taken`` holds ``(broadcast_id, channel_key)`` pairs already matched to other
    streams, so two streams on one channel do not claim one broadcast. The cycle's
    ``assign`` over all the working streams has the last word.
    """
    open_plan = _open(plan)
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
        if (broadcast.id, stream.channel_key) in busy or not _by_channel(broadcast, stream):
            continue
        distance = abs(moment - broadcast.start)
        if distance <= window and (best is None or distance < best[0]):
            best = (distance, broadcast.id)
    return None if best is None else best[1]


def assign(plan: Mapping[str, Broadcast], streams: Iterable[Stream], window: timedelta) -> Match:
    """The broadcast of every stream in ``streams`` by the rule above (key -> id)."""
    named: dict[tuple[str, str], str] = {}
    by_channel: dict[str, list[Broadcast]] = {}
    for broadcast in _open(plan):
        for target in broadcast.targets:
            if target.external_id is not None:
                named.setdefault((target.platform, target.external_id), broadcast.id)
            else:
                by_channel.setdefault(target.channel_key, []).append(broadcast)
    found: Match = {}
    unnamed: dict[str, list[Stream]] = {}
    streams = list(streams)
    wanted = {s.channel_key for s in streams}
    by_channel = {k: v for k, v in by_channel.items() if k in wanted}
    for stream in streams:
        owner = named.get((stream.platform, stream.external_id))
        found[stream.key] = owner
        if owner is None and stream.channel_key in by_channel:
            unnamed.setdefault(stream.channel_key, []).append(stream)
    for channel, candidates in unnamed.items():
        found.update(_on_channel(candidates, by_channel[channel], window))
    return found


def _on_channel(streams: list[Stream], broadcasts: list[Broadcast], window: timedelta) -> Match:
    """Leads first (closest start), then the streams that follow them."""
    members = _leads(streams, broadcasts, window)
    found: Match = {s.key: None for s in streams}
    for broadcast_id, chain in members.items():
        found.update(dict.fromkeys((s.key for s in chain), broadcast_id))
    rest = sorted((s for s in streams if found[s.key] is None and on_air(s)), key=_start)
    if not rest:
        return found
    starts = {b.id: b.start for b in broadcasts if b.id in members}
    joined = True
    while joined:  # a join can bring the next stream of a chain within reach
        joined = False
        for stream in rest:
            if found[stream.key] is None:
                chosen = _follows(stream, members, starts)
                if chosen is not None:
                    members[chosen].append(stream)
                    found[stream.key] = chosen
                    joined = True
    return found


def _leads(
    streams: list[Stream], broadcasts: list[Broadcast], window: timedelta
) -> dict[str, list[Stream]]:
    """Each broadcast's lead stream: pairs within ``window``, best first, each side once."""
    # A channel's plan may hold half a year: only the broadcasts near a stream are tried.
    ordered = sorted(broadcasts, key=lambda b: b.start)
    starts = [b.start for b in ordered]
    pairs = []
    for stream in streams:
        moment = stream.actual_start or stream.scheduled_start
        if moment is None:
            continue
        near = ordered[bisect_left(starts, moment - window) : bisect_right(starts, moment + window)]
        for broadcast in near:
            distance = abs(moment - broadcast.start)
            if distance <= window:
                rank = (_rank(stream), distance, broadcast.start, broadcast.id, stream.key)
                pairs.append((rank, stream, broadcast.id))
    pairs.sort(key=lambda pair: pair[0])
    leads: dict[str, list[Stream]] = {}
    used: set[str] = set()
    for _, stream, broadcast_id in pairs:
        if stream.key not in used and broadcast_id not in leads:
            leads[broadcast_id] = [stream]
            used.add(stream.key)
    return leads


def _follows(
    stream: Stream,
    members: Mapping[str, list[Stream]],
    starts: Mapping[str, datetime],
) -> str | None:
    """The broadcast ``stream`` continues: no overlap with any of its streams on the
    channel, the nearest of them within ``RECONNECT_GAP`` (the nearest such chain)."""
    best: tuple[timedelta, datetime, str] | None = None
    for broadcast_id, chain in members.items():
        if any(overlap(stream, member) for member in chain):
            continue
        gaps = [g for member in chain if (g := gap(stream, member)) is not None]
        if gaps and min(gaps) <= RECONNECT_GAP:
            candidate = (min(gaps), starts[broadcast_id], broadcast_id)
            best = candidate if best is None or candidate < best else best
    return None if best is None else best[2]


def _rank(stream: Stream) -> int:
    """0: went live; 1: went live, then deleted; 2: never went live."""
    if stream.actual_start is None:
        return 2
    return 1 if stream.status is StreamStatus.MISSING else 0


def _start(stream: Stream) -> tuple[datetime, str]:
    aired = on_air(stream)
    assert aired is not None  # only streams that went live are sorted by start
    return aired[0], stream.key


def _open(plan: Mapping[str, Broadcast]) -> list[Broadcast]:
    return [b for b in plan.values() if b.status is not BroadcastStatus.CANCELLED]


def _by_channel(broadcast: Broadcast, stream: Stream) -> bool:
    """Whether ``broadcast`` has a channel-only target on ``stream``'s channel."""
    return any(
        t.channel_key == stream.channel_key and t.external_id is None for t in broadcast.targets
    )
