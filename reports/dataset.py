"""What a report reads, and which broadcasts and streams belong to a period.

``Dataset`` is one consistent read of the store (plan, streams and rollups,
archive included); ``select`` turns it into ``Entry`` units for a period. A
planned broadcast belongs to the period holding its planned start (local date);
an unplanned stream to the one holding its actual start. Nothing here touches
snapshots: reports read rollups only, so a half-year costs no more than a week.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from reports.metrics import (
    Entry,
    Figures,
    combined_figures,
    sequential_figures,
    stream_figures,
)
from reports.periods import Period
from streamer.config import Config
from streamer.models import PLATFORMS, Broadcast, BroadcastStatus, Stream, StreamStatus
from streamer.simulcast import broadcast_key
from streamer.store import Store

GROUPS = ("programme", "platform", "district", "month", "week")


@dataclass(frozen=True, slots=True)
class Dataset:
    """The plan, the streams and their rollups, and which programme owns each channel."""

    broadcasts: Mapping[str, Broadcast]
    streams: Mapping[str, Stream]
    rollups: Mapping[str, Mapping[str, Any]]
    channel_programmes: Mapping[str, str]

    @classmethod
    def from_store(cls, store: Store, config: Config) -> Dataset:
        """Read everything a report needs, archive included."""
        return cls(
            broadcasts=store.broadcasts(),
            streams=store.streams(include_archive=True),
            rollups=store.rollups(include_archive=True),
            channel_programmes=channel_programmes(config),
        )


def channel_programmes(config: Config) -> dict[str, str]:
    """Channel key ``platform:id`` → programme slug, to place unplanned streams."""
    return {c.key: p.slug for p in config.programmes.values() for c in p.channels}


def select(
    data: Dataset,
    period: Period,
    tz: ZoneInfo,
    *,
    programme: str | None = None,
    platform: str | None = None,
    per_platform: bool = False,
) -> list[Entry]:
    """The entries of ``period``, oldest first.

    With ``per_platform`` (implied by ``platform``) each broadcast gives one entry
    per platform it targets, with that platform's own figures; otherwise one entry
    with the simulcast figures.
    """
    per_platform = per_platform or platform is not None
    by_broadcast = _streams_by_broadcast(data)
    found: list[Entry] = []
    for item in data.broadcasts.values():
        if period.contains(item.start, tz) and programme in (None, item.programme):
            members = by_broadcast.get(item.id, [])
            if per_platform:
                found += [
                    _platform_entry(data, item, p, members)
                    for p in _platforms(item, members)
                    if platform in (None, p)
                ]
            else:
                found.append(_broadcast_entry(data, item, members))
    for stream in by_broadcast.get(None, []):
        entry = _unplanned_entry(data, stream)
        if _wanted(entry, period, tz, programme, platform):
            found.append(entry)
    return sorted(found, key=lambda e: (e.when is None, e.when, e.id))


def group_key(entry: Entry, by: str, tz: ZoneInfo) -> str:
    """The group an entry falls in: its programme, platform, district, month or week."""
    if by == "programme":
        return entry.programme
    if by == "platform":
        return entry.platforms[0] if entry.platforms else ""
    if by == "district":
        return entry.district
    when = entry.when.astimezone(tz).date() if entry.when else None
    if when is None:
        return ""
    if by == "month":
        return f"{when:%Y-%m}"
    year, week, _ = when.isocalendar()
    return f"{year}-W{week:02d}"


def _streams_by_broadcast(data: Dataset) -> dict[str | None, list[Stream]]:
    """Streams by matched broadcast; ``None`` holds unplanned ones (and orphans)."""
    grouped: dict[str | None, list[Stream]] = defaultdict(list)
    for stream in data.streams.values():
        matched = stream.broadcast_id in data.broadcasts
        grouped[stream.broadcast_id if matched else None].append(stream)
    return grouped


def _platforms(item: Broadcast, members: list[Stream]) -> tuple[str, ...]:
    """Platforms a broadcast targets or was seen on, in the usual order."""
    used = {t.platform for t in item.targets} | {s.platform for s in members}
    return tuple(p for p in PLATFORMS if p in used) + tuple(sorted(used - set(PLATFORMS)))


def _broadcast_entry(data: Dataset, item: Broadcast, members: list[Stream]) -> Entry:
    figures = [stream_figures(s, data.rollups.get(s.key)) for s in members]
    combined = combined_figures(figures, data.rollups.get(broadcast_key(item.id)))
    return _planned(item, item.status.value, _platforms(item, members), combined)


def _platform_entry(data: Dataset, item: Broadcast, platform: str, members: list[Stream]) -> Entry:
    """A broadcast as seen on one platform, with a status of its own there."""
    mine = [s for s in members if s.platform == platform]
    parts = [stream_figures(s, data.rollups.get(s.key)) for s in mine]
    figures = sequential_figures(parts) if parts else Figures()
    return _planned(item, _platform_status(item, mine, figures), (platform,), figures)


def _platform_status(item: Broadcast, mine: list[Stream], figures: Figures) -> str:
    """Held there if a stream went live there; missed there if the broadcast is over
    (held elsewhere or missed) without one; cancelled with the broadcast."""
    if item.status is BroadcastStatus.CANCELLED:
        return "cancelled"
    if figures.actual_start is not None:
        return "live" if any(s.status is StreamStatus.LIVE for s in mine) else "held"
    if item.status in (BroadcastStatus.HELD, BroadcastStatus.MISSED):
        return "missed"
    return "planned"


def _planned(item: Broadcast, status: str, platforms: tuple[str, ...], figures: Figures) -> Entry:
    return Entry(
        id=item.id,
        programme=item.programme,
        title=item.title,
        status=status,
        platforms=platforms,
        figures=figures,
        district=item.district,
        planned_start=item.start,
        planned_duration_min=item.duration_min,
    )


def _unplanned_entry(data: Dataset, stream: Stream) -> Entry:
    return Entry(
        id=stream.key,
        programme=data.channel_programmes.get(stream.channel_key, ""),
        title=stream.title,
        status="unplanned",
        platforms=(stream.platform,),
        figures=stream_figures(stream, data.rollups.get(stream.key)),
    )


def _wanted(
    entry: Entry, period: Period, tz: ZoneInfo, programme: str | None, platform: str | None
) -> bool:
    """An unplanned stream counts once it went live, in the period of its actual start."""
    start = entry.figures.actual_start
    return (
        start is not None
        and period.contains(start, tz)
        and programme in (None, entry.programme)
        and platform in (None, entry.platforms[0])
    )
