"""How far a report's figures can be trusted: provisional views, missed polls.

Both come from what the store already keeps for each stream, never from raw
snapshots: ``Stream.done`` (its last poll, the final one a week after the end, is
made) and the rollup's ``gaps`` (polls that were due and did not happen, counted
by reason). Definitions (documented in the README):

- an entry's figures are **final** once every stream it draws on is done; an
  entry with no stream is final once nothing can come (missed, cancelled);
- a **provisional** entry went on air (held, live or unplanned) and is not final;
  its views settle at its last pending final poll, ``LAST_FINAL_POLL`` after the
  end of its last stream;
- ``gap_polls`` counts an entry's missed polls over all its platforms;
  ``min_platform_coverage_pct`` is the lowest coverage of any one platform that
  reports viewers (a combined figure can hide one platform's hole).
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import accumulate
from zoneinfo import ZoneInfo

from reports.dataset import Dataset, Selector, StreamFacts
from reports.metrics import HELD, LOW_COVERAGE_PCT, Entry, sequential_figures
from reports.report import Note
from streamer.models import Stream, StreamStatus
from streamer.platforms import in_order, names
from streamer.simulcast import on_air

# The last of the collector's final polls comes this long after a stream's end
# (collectors.policy.FINAL_POLLS[-1]; a test keeps the two equal).
LAST_FINAL_POLL = timedelta(days=7)
ON_AIR = (*HELD, "unplanned")
NOTHING_TO_COME = ("missed", "cancelled")
_STILL_ON_AIR = datetime.max.replace(tzinfo=UTC)  # the end of a stream not over yet

Gaps = dict[str, dict[str, int]]  # platform → reason → missed polls
_NO_STREAMS: list[Stream] = []


def entry_streams(
    selector: Selector, entry: Entry, by_broadcast: Mapping[str | None, list[Stream]] | None = None
) -> list[Stream]:
    """The streams an entry's figures come from (of its platforms only); pass
    ``selector.by_broadcast()`` as ``by_broadcast`` when asking for many entries."""
    if entry.status == "unplanned":
        # An unplanned broadcast (``u-…``) or a lone stream under its own key.
        members = selector.unplanned().get(entry.id, _NO_STREAMS)
        return [s for s in members if s.platform in entry.platforms]
    members = (by_broadcast or selector.by_broadcast()).get(entry.id, _NO_STREAMS)
    if len(entry.platforms) > 1:
        return members  # every platform of the broadcast, so every stream of it
    return [s for s in members if s.platform in entry.platforms]


def is_final(entry: Entry, streams: Sequence[Stream]) -> bool:
    """Whether nothing is left to poll for the entry (see the module docstring)."""
    if not streams:
        return entry.status in NOTHING_TO_COME
    return all(s.done for s in streams)


def is_provisional(entry: Entry, streams: Sequence[Stream]) -> bool:
    """On air, with final polls still to come."""
    return entry.status in ON_AIR and not is_final(entry, streams)


def settles(selector: Selector, streams: Iterable[Stream]) -> tuple[datetime | None, bool]:
    """When the last pending final poll of ``streams`` is due, and whether one is still
    live (then it is later: a week after an end not known yet)."""
    latest: datetime | None = None
    live = False
    for stream in streams:
        if stream.done:
            continue
        live = live or stream.status is StreamStatus.LIVE
        end = stream.actual_end or selector.stream_figures(stream).actual_end
        if end is not None and (latest is None or end + LAST_FINAL_POLL > latest):
            latest = end + LAST_FINAL_POLL
    return latest, live


def stream_gaps(selector: Selector, streams: Iterable[Stream]) -> Gaps:
    """Missed polls by platform and reason, from the streams' rollups."""
    found: Gaps = {}
    rollups = selector.data.rollups
    for stream in streams:
        kept = rollups.get(stream.key)
        counts = None if kept is None else kept.gaps
        if counts:
            mine = found.setdefault(stream.platform, {})
            for reason, polls in counts.items():
                mine[reason] = mine.get(reason, 0) + int(polls)
    return found


def merge_gaps(parts: Iterable[Mapping[str, Mapping[str, int]]]) -> Gaps:
    """Gap counts added up, platforms in the usual order, reasons sorted."""
    found = [part for part in parts if part]
    if not found:  # most rows: a half-year's list merges 20,000 of them
        return {}
    total: defaultdict[str, defaultdict[str, int]] = defaultdict(lambda: defaultdict(int))
    for part in found:
        for platform, reasons in part.items():
            for reason, polls in reasons.items():
                total[platform][reason] += polls
    order = in_order(set(total))
    return {p: dict(sorted(total[p].items())) for p in order}


def gap_polls(gaps: Mapping[str, Mapping[str, int]]) -> int:
    """All missed polls in ``gaps``."""
    return sum(sum(reasons.values()) for reasons in gaps.values())


def platform_coverage(selector: Selector, streams: Sequence[Stream]) -> dict[str, float]:
    """Coverage percent of each platform that reports viewers, from its own streams."""
    by_platform: defaultdict[str, list[Stream]] = defaultdict(list)
    for stream in streams:
        by_platform[stream.platform].append(stream)
    found = {}
    for platform, mine in by_platform.items():
        figures = sequential_figures([selector.stream_figures(s) for s in mine])
        pct = figures.coverage_pct
        if pct is not None:
            found[platform] = pct
    return found


def stream_facts(
    selector: Selector, entry: Entry, by_broadcast: Mapping[str | None, list[Stream]] | None = None
) -> StreamFacts:
    """What ``entry``'s streams say of its coverage and finality: kept with it when it
    comes from a digest (``Selector.kept_facts``), else found in them (``entry_streams``);
    its missed polls are ``row_quality``'s."""
    kept = selector.kept_facts(entry)
    if kept is not None:
        return kept
    streams = entry_streams(selector, entry, by_broadcast)
    return StreamFacts(platform_coverage(selector, streams), is_final(entry, streams))


def second_stream_entries(selector: Selector, entries: Iterable[Entry]) -> set[str]:
    """The ids of the unplanned ``entries`` that were a second stream: kept with them
    when they come from a digest (``Selector.kept_second_streams``), else found in the
    records (``second_streams``)."""
    kept: set[str] = set()
    fresh: list[str] = []
    for entry in entries:
        if entry.status != "unplanned":
            continue
        if selector.is_kept(entry):
            kept.add(entry.id)
        else:
            fresh.append(entry.id)
    return (kept & selector.kept_second_streams()) | second_streams(selector.data, fresh)


def second_streams(data: Dataset, unplanned: Iterable[str]) -> set[str]:
    """Those of the ``unplanned`` broadcast ids (or lone stream keys) with a stream that
    overlaps a matched stream on its channel (``streamer.simulcast.overlap``): a second
    stream (a rehearsal, a duplicate) beside a planned broadcast's."""
    wanted = set(unplanned)
    if not wanted:
        return set()
    matched: defaultdict[str, list[tuple[datetime, datetime | None]]] = defaultdict(list)
    extras: defaultdict[str, list[Stream]] = defaultdict(list)
    for stream in data.streams.values():
        if stream.broadcast_id in data.broadcasts:
            aired = on_air(stream)
            if aired is not None:
                matched[stream.channel_key].append(aired)
        elif (stream.unplanned_id or stream.key) in wanted:
            extras[stream.unplanned_id or stream.key].append(stream)
    on_channel = {channel: _Aired(times) for channel, times in matched.items()}

    def beside_matched(stream: Stream) -> bool:
        aired, channel = on_air(stream), on_channel.get(stream.channel_key)
        return aired is not None and channel is not None and channel.overlaps(*aired)

    return {group_id for group_id, streams in extras.items() if any(map(beside_matched, streams))}


class _Aired:
    """The times a channel's streams were on air, to ask whether any overlaps a time
    (as ``overlap`` judges) without looking at each: sorted by start, with the latest
    end so far (one still on air ends after all)."""

    def __init__(self, times: list[tuple[datetime, datetime | None]]) -> None:
        times.sort(key=lambda aired: aired[0])
        self.starts = [start for start, _ in times]
        self.latest = list(accumulate((end or _STILL_ON_AIR for _, end in times), max))

    def overlaps(self, start: datetime, end: datetime | None) -> bool:
        """Whether a stream on air from ``start`` to ``end`` (``None``: still) overlaps one
        of them: one starting before ``end`` ends after ``start`` (or has not ended)."""
        before = len(self.starts) if end is None else bisect_left(self.starts, end)
        return bool(before) and start < self.latest[before - 1]


def low_platforms(coverage: Mapping[str, float]) -> list[str]:
    """Platforms that covered less than ``LOW_COVERAGE_PCT`` of their stream."""
    return [p for p, pct in coverage.items() if pct < LOW_COVERAGE_PCT]


def gap_notes(
    per_row: Sequence[Mapping[str, Mapping[str, int]]], columns: tuple[str, ...]
) -> list[Note]:
    """A footnote per platform that missed polls: how many, why, and in which rows
    (marking ``columns`` of them)."""
    rows: defaultdict[str, list[int]] = defaultdict(list)
    for index, gaps in enumerate(per_row):
        for platform in gaps:
            rows[platform].append(index)
    total = merge_gaps(per_row)
    return [
        Note(
            "note.gaps",
            {
                "platform": platform,
                "polls": str(sum(reasons.values())),
                # By code; the footnote writes them in its language (labels.gap_reasons).
                "reasons": ",".join(f"{reason}:{polls}" for reason, polls in reasons.items()),
            },
            tuple(rows[platform]),
            columns,
        )
        for platform, reasons in total.items()
    ]


def low_platform_notes(per_row: Sequence[Mapping[str, float]]) -> list[Note]:
    """A footnote per platform that covered less than ``LOW_COVERAGE_PCT`` of a
    broadcast, marking its rows' coverage (a combined figure can hide the hole)."""
    rows: defaultdict[str, list[int]] = defaultdict(list)
    for index, coverage in enumerate(per_row):
        for platform in low_platforms(coverage):
            rows[platform].append(index)
    threshold = f"{LOW_COVERAGE_PCT:g}%"
    return [
        Note(
            "note.platform_low_coverage",
            {"platform": platform, "threshold": threshold},
            tuple(rows[platform]),
            ("coverage_pct",),
        )
        for platform in names()
        if platform in rows
    ]


@dataclass(frozen=True, slots=True)
class RowQuality:
    """Per report row: provisional entries and missed polls; the settling footnote."""

    provisional: list[int]
    gaps: list[Gaps]
    notes: list[Note]


def row_quality(
    selector: Selector, per_row: Sequence[Iterable[Entry]], tz: ZoneInfo, columns: tuple[str, ...]
) -> RowQuality:
    """Provisional entries and missed polls per row, in one pass over their streams,
    and the footnote saying when provisional figures settle (marking ``columns``)."""
    counts: list[int] = []
    row_gaps: list[Gaps] = []
    latest: datetime | None = None
    live = False
    rollups = selector.data.rollups
    # Few streams miss polls: find those once rather than look at every rollup.
    gapped = {key for key, r in rollups.items() if r.gaps}
    by_broadcast = selector.by_broadcast()
    for entries in per_row:
        count = 0
        gaps: list[Mapping[str, Mapping[str, int]]] = []
        for entry in entries:
            kept = selector.kept_gaps(entry)
            if kept is not None:  # a kept month's entry: its facts were kept with it
                gaps.append(kept)
                continue
            streams = entry_streams(selector, entry, by_broadcast)
            if gapped and any(s.key in gapped for s in streams):
                gaps.append(stream_gaps(selector, streams))
            if entry.status in ON_AIR and not is_final(entry, streams):
                count += 1
                when, on_air = settles(selector, streams)
                live = live or on_air
                if when is not None and (latest is None or when > latest):
                    latest = when
        counts.append(count)
        row_gaps.append(merge_gaps(gaps))
    rows = tuple(i for i, count in enumerate(counts) if count)
    if not rows:
        return RowQuality(counts, row_gaps, [])
    params = {"count": str(sum(counts))}
    if live or latest is None:
        return RowQuality(counts, row_gaps, [Note("note.provisional_live", params, rows, columns)])
    params["day"] = latest.astimezone(tz).date().isoformat()
    return RowQuality(counts, row_gaps, [Note("note.provisional", params, rows, columns)])
