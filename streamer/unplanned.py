"""Unplanned broadcasts: the unplanned streams of one programme that are one event.

A programme that goes live without a plan usually does so everywhere at once:
the same title, the same minute, on YouTube, Facebook, Instagram and Twitch. Those
are one *unplanned broadcast*, not four. The rule (the README's definitions say
the same): unplanned streams of one programme that went live, whose starts all lie
within ``match_window`` of each other, are one unplanned broadcast. Its streams
are combined exactly like a planned simulcast's (``streamer.simulcast``: concurrent
viewers summed at aligned times, a channel's streams counted once per moment, views
summed), under the rollup key ``broadcast:<id>``.

Why the collector groups them, not the reports: the combined audience needs the
streams' samples side by side, and reports read rollups, never snapshots. So the
engine gives each unplanned stream its ``unplanned_id`` every cycle (``assign``),
folds the combined rollup as it does for a planned broadcast, and
``streamer rollup --rebuild`` recomputes it from the streams that carry the id.

The id is ``u-`` and 8 characters of the plan's alphabet derived from the key of the group's first
stream (the earliest start), so it never reads as a number, and the same streams
get the same id in any run. Once given it sticks: a stream that joins later (found
late, even with an earlier start) takes the group's id, it does not change it.
A stream that is matched to the plan after all leaves its group.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

from streamer.idalphabet import ALPHABET
from streamer.models import Stream
from streamer.simulcast import on_air, overlap

PREFIX = "u-"
ID_CHARS = 8


def unplanned_broadcast_id(lead_key: str) -> str:
    """The id of an unplanned broadcast whose first stream is ``lead_key``."""
    import hashlib  # here: 4 ms of imports (OpenSSL) a report does not need

    number = int.from_bytes(hashlib.blake2b(lead_key.encode(), digest_size=5).digest(), "big")
    # The plan's alphabet (no i, l, o, u): 40 bits, 8 characters read aloud as easily.
    chars = [ALPHABET[(number >> (5 * i)) & 31] for i in reversed(range(ID_CHARS))]
    return PREFIX + "".join(chars)


def is_unplanned_id(text: str) -> bool:
    """Whether ``text`` names an unplanned broadcast (``u-…``)."""
    return text.startswith(PREFIX)


def group_of(stream: Stream) -> str | None:
    """The broadcast whose combined figures ``stream`` counts in: planned or unplanned."""
    return stream.broadcast_id or stream.unplanned_id


def assign(
    streams: Iterable[Stream], window: timedelta, programme_of: Mapping[str, str]
) -> dict[str, str | None]:
    """The unplanned broadcast of every stream in ``streams`` (key -> id; ``None``:
    planned, or not on air yet).

    Streams that have an id keep it; the others, earliest start first, join the
    group of their programme whose streams all started within ``window`` of theirs
    (the one whose first start is nearest), unless a stream of that group on the
    same channel overlaps theirs (two streams at once on one channel are two
    events); else they start a group of their own. ``programme_of`` maps a channel
    key to its programme; a channel of none is a programme of its own.
    """
    found: dict[str, str | None] = {}
    groups: dict[tuple[str, str], list[tuple[datetime, Stream]]] = {}
    waiting: list[tuple[datetime, str, Stream]] = []
    for stream in streams:
        aired = on_air(stream) if stream.broadcast_id is None else None
        if aired is None:
            found[stream.key] = None
        elif stream.unplanned_id is not None:
            owner = programme_of.get(stream.channel_key, stream.channel_key)
            groups.setdefault((owner, stream.unplanned_id), []).append((aired[0], stream))
        else:
            waiting.append((aired[0], stream.key, stream))
    for start, _, stream in sorted(waiting, key=lambda item: item[:2]):
        owner = programme_of.get(stream.channel_key, stream.channel_key)
        best: tuple[timedelta, str] | None = None
        for (programme, group_id), members in groups.items():
            if programme == owner and _fits(start, stream, members, window):
                nearest = (abs(start - min(m[0] for m in members)), group_id)
                best = nearest if best is None or nearest < best else best
        group_id = unplanned_broadcast_id(stream.key) if best is None else best[1]
        groups.setdefault((owner, group_id), []).append((start, stream))
    for (_, group_id), members in groups.items():
        found.update((member.key, group_id) for _, member in members)
    return found


def _fits(
    start: datetime, stream: Stream, members: list[tuple[datetime, Stream]], window: timedelta
) -> bool:
    """Whether ``stream`` (starting at ``start``) may join a group of ``members``."""
    for begun, member in members:
        if abs(start - begun) > window:
            return False
        if member.channel_key == stream.channel_key and overlap(member, stream):
            return False
    return True
