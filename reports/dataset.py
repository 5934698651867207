"""What a report reads, and which broadcasts and streams belong to a period.

``Dataset`` is one consistent read of the store (plan, streams and rollups,
archive included; for a period report, only what touches its span); ``select``
turns it into ``Entry`` units for a period. A planned broadcast belongs to the
period holding its planned start (local date); an unplanned broadcast
(``streamer.unplanned``) to the one holding its actual start. Nothing here
touches snapshots: reports read rollups only, so a half-year costs no more than
a week.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from reports.metrics import (
    Entry,
    Figures,
    combined_figures,
    sequential_figures,
    stream_figures,
)
from reports.periods import Period, days_period, month_of, week_of
from streamer.config import Config
from streamer.fastbuild import builder
from streamer.gcpause import gc_paused
from streamer.history import recorded_since
from streamer.models import Broadcast, BroadcastStatus, Stream, StreamStatus
from streamer.platforms import in_order
from streamer.rollups import Rollup
from streamer.simulcast import broadcast_key
from streamer.store import Store
from streamer.unplanned import is_unplanned_id

GROUPS = ("programme", "platform", "district", "month", "week")
# More than any two UTC offsets of one zone ever differ by (they span -12 h to +14 h).
OFFSET_SPAN = timedelta(days=2)
# Far more than a stream starts from the broadcast it is matched to (``match_window``,
# minutes) or from the other streams of its unplanned broadcast.
MATCH_SPAN = timedelta(days=7)
_NO_STREAMS: list[Stream] = []
_NO_GAPS: Mapping[str, Mapping[str, int]] = {}
_NO_COVERAGE: Mapping[str, float] = {}
# Platform sets in the usual order: there are only a handful, and every entry asks.
_PLATFORM_ORDERS: dict[frozenset[str], tuple[str, ...]] = {}


@dataclass(frozen=True, slots=True)
class Dataset:
    """The plan, the streams and their rollups, and which programme owns each channel;
    since when the store has collected (``streamer.history``; ``None``: not known)."""

    broadcasts: Mapping[str, Broadcast]
    streams: Mapping[str, Stream]
    rollups: Mapping[str, Rollup]
    channel_programmes: Mapping[str, str]
    recorded_since: datetime | None = None
    digest: Digested | None = None

    @classmethod
    def from_store(
        cls,
        store: Store,
        config: Config,
        period: Period | None = None,
        *,
        kind: str = "summary",
        by: str = "programme",
    ) -> Dataset:
        """Read what a report needs, archive included: for ``period`` (and, for a
        summary grouped ``by``, the days its changes compare with: ``report_span``),
        or the whole history."""
        with gc_paused():
            since = recorded_since(store)
            if period is not None:
                found = store.period_records(*report_span(period, config.tz, kind, by))
                return cls(
                    found.broadcasts,
                    found.streams,
                    found.rollups,
                    channel_programmes(config),
                    since,
                )
            return cls(
                broadcasts=store.broadcasts(),
                streams=store.streams(include_archive=True),
                rollups=store.rollups(include_archive=True),
                channel_programmes=channel_programmes(config),
                recorded_since=since,
            )


@dataclass(frozen=True, slots=True)
class Digested:
    """The entries of closed months, kept by ``reports.digest``: a dataset that has
    them holds records only for the days from ``until`` (a local day), and
    ``Selector.select`` takes the days from ``start`` to ``until`` from here.

    ``whole`` and ``per_platform()`` are what ``select`` gives for those months without
    filters (oldest first; the latter decoded when first asked for: only a report by
    platform needs it); ``gaps`` the missed polls of each entry's streams by
    ``(id, platforms)``, for entries that missed any (``reports.quality``). None of
    them is provisional: a month is kept only once all of it is final. ``lists()``
    gives what the lists of broadcasts ask of the kept entries' streams besides (made
    when first asked for: a summary never asks).
    """

    start: date
    until: date
    whole: Sequence[Entry]
    per_platform: Callable[[], Sequence[Entry]]
    gaps: Mapping[tuple[str, tuple[str, ...]], Mapping[str, Mapping[str, int]]]
    lists: Callable[[], ListFacts]


@dataclass(frozen=True, slots=True)
class ListFacts:
    """What the lists of broadcasts ask of kept entries' streams (``reports.quality``),
    by ``(id, platforms)`` of the whole and per-platform entries: each one's coverage
    per platform that reports viewers (``platform_coverage``; missing: none), those
    not final by ``(id, platforms, status)`` (a broadcast without a stream still
    ``planned``), and the ids of the unplanned entries that were a second stream
    (``second_streams``).
    """

    coverage: Mapping[tuple[str, tuple[str, ...]], Mapping[str, float]]
    unsettled: frozenset[tuple[str, tuple[str, ...], str]]
    second_streams: frozenset[str]


@dataclass(frozen=True, slots=True)
class StreamFacts:
    """What an entry's streams say of its figures besides its missed polls
    (``reports.quality.stream_facts``): coverage per platform, whether final."""

    coverage: Mapping[str, float]
    final: bool


def report_span(
    period: Period, tz: ZoneInfo, kind: str = "summary", by: str = "programme"
) -> tuple[datetime, datetime]:
    """The instants whose records a report of ``kind`` on ``period`` may use.

    For a summary, from the start of what it compares with (``compared_period``) to
    the period's end; a list of broadcasts or their adherence compares with nothing,
    so from the period's start. In UTC, widened by ``OFFSET_SPAN`` (the local days at
    either end) and ``MATCH_SPAN`` (streams matched to a broadcast start near it, and
    an unplanned broadcast's streams start near each other).
    """
    first = compared_period(period, by).start if kind == "summary" else period.start
    low, _ = days_period(first, period.end).utc_bounds(tz)
    _, high = period.utc_bounds(tz)
    margin = OFFSET_SPAN + MATCH_SPAN
    return low - margin, high + margin


def summary_days(period: Period, by: str) -> Period:
    """The days a summary of ``period`` grouped ``by`` selects: those it compares with
    (``compared_period``) and its own."""
    compared = compared_period(period, by)
    return days_period(min(period.start, compared.start), max(period.end, compared.end))


def compared_period(period: Period, by: str) -> Period:
    """The days a summary grouped ``by`` compares ``period``'s rows with: the previous
    period, or for month (week) rows, from the month (week) before the first row's to
    the period's end (each row compares with the one before it)."""
    if by == "month":
        return days_period(month_of(period.start).previous().start, period.end)
    if by == "week":
        return days_period(week_of(period.start).previous().start, period.end)
    return period.previous()


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
    return Selector(data, tz).select(
        period, programme=programme, platform=platform, per_platform=per_platform
    )


def within(entries: Iterable[Entry], period: Period, tz: ZoneInfo) -> list[Entry]:
    """Those of ``entries`` (from ``select``) that ``select`` gives for ``period``.

    An entry belongs to the period holding its ``when`` (planned start, or the actual
    start of an unplanned stream), so selecting a longer span once and cutting it
    gives what selecting each period would, in the same order.
    """
    inside = _in_period(period, tz)
    return [e for e in entries if e.when is not None and inside(e.when)]


def cut(entries: Sequence[Entry], period: Period, tz: ZoneInfo) -> list[Entry]:
    """``within`` for ``entries`` in ``select``'s order (by time, timeless last): only
    the entries near the period's ends are looked at one by one; those between are
    sliced out whole (a half-year summary cuts 20,000 entries twice)."""
    low, high = period.utc_bounds(tz)
    near_low, near_high = low - OFFSET_SPAN, high + OFFSET_SPAN
    sure_low, sure_high = low + OFFSET_SPAN, high - OFFSET_SPAN
    if sure_low >= sure_high:  # a period of a few days: every entry in it is near an end
        sure_low = sure_high = near_high
    a, b, c, d = (
        bisect_left(entries, moment, key=_time_key)
        for moment in (near_low, sure_low, sure_high, near_high)
    )
    inside = _in_period(period, tz)
    head = [e for e in entries[a:b] if inside(_time_key(e))]
    tail = [e for e in entries[c:d] if inside(_time_key(e))]
    return [*head, *entries[b:c], *tail]


class Selector:
    """``select`` over one dataset, several times: figures are worked out once.

    Each stream's figures (and each simulcast's) are kept by key, so a report that
    selects its period, the previous one and the headlines parses every rollup once.
    """

    def __init__(self, data: Dataset, tz: ZoneInfo) -> None:
        self.data = data
        self.tz = tz
        self._by_broadcast: dict[str | None, list[Stream]] | None = None
        self._stream_figures: dict[str, Figures] = {}
        self._combined: dict[str, Figures] = {}
        self._unplanned: dict[str, list[Stream]] | None = None
        # The first instant not kept in a digest: entries before it are the digest's.
        digest = data.digest
        kept = None if digest is None else days_period(digest.until, digest.until)
        self._kept_until = None if kept is None else kept.utc_bounds(tz)[0]

    def select(
        self,
        period: Period,
        *,
        programme: str | None = None,
        platform: str | None = None,
        per_platform: bool = False,
    ) -> list[Entry]:
        """As ``select``, on this selector's dataset and zone."""
        per_platform = per_platform or platform is not None
        digest = self.data.digest
        if digest is None:
            return self._select(period, programme, platform, per_platform)
        kept = digest.per_platform() if per_platform else digest.whole
        unfiltered = programme is None and platform is None
        if unfiltered and period.start <= digest.start and digest.until <= period.end:
            found = list(kept)  # every kept day in the period: every kept entry is
        else:
            inside = _in_period(period, self.tz)
            found = [
                e
                for e in kept
                if (programme is None or e.programme == programme)
                and (platform is None or e.platforms[0] == platform)
                and e.when is not None
                and inside(e.when)
            ]
        if period.end > digest.until:
            fresh = days_period(max(period.start, digest.until), period.end)
            found += self._select(fresh, programme, platform, per_platform)
            found.sort(key=_order)  # stable: a broadcast's platforms keep their order
        return found

    def kept_gaps(self, entry: Entry) -> Mapping[str, Mapping[str, int]] | None:
        """The missed polls kept with ``entry`` when it comes from a digest (empty for
        none; a kept entry is never provisional), ``None`` for one built from records."""
        digest = self.data.digest
        if digest is None or not self.is_kept(entry):
            return None
        return digest.gaps.get((entry.id, entry.platforms), _NO_GAPS)

    def kept_facts(self, entry: Entry) -> StreamFacts | None:
        """What was kept of ``entry``'s streams for the lists when it comes from a digest
        (what ``reports.quality`` would find in them), ``None`` for one built from
        records."""
        digest = self.data.digest
        if digest is None or not self.is_kept(entry):
            return None
        lists = digest.lists()
        return StreamFacts(
            lists.coverage.get((entry.id, entry.platforms), _NO_COVERAGE),
            (entry.id, entry.platforms, entry.status) not in lists.unsettled,
        )

    def kept_second_streams(self) -> frozenset[str]:
        """The kept unplanned entries that were a second stream (``ListFacts``)."""
        digest = self.data.digest
        return frozenset() if digest is None else digest.lists().second_streams

    def is_kept(self, entry: Entry) -> bool:
        """Whether ``entry`` comes from the digest (it falls before its first unkept instant)."""
        when, until = entry.when, self._kept_until
        return until is not None and when is not None and when < until

    def _select(
        self, period: Period, programme: str | None, platform: str | None, per_platform: bool
    ) -> list[Entry]:
        """``select`` on this selector's records."""
        by_broadcast = self.by_broadcast()
        inside = _in_period(period, self.tz)
        found: list[Entry] = []
        for item in self.data.broadcasts.values():
            if (programme is None or programme == item.programme) and inside(item.start):
                members = by_broadcast.get(item.id, _NO_STREAMS)
                if per_platform:
                    found += [
                        self._platform_entry(item, p, members)
                        for p in _platforms(item, members)
                        if platform in (None, p)
                    ]
                else:
                    found.append(self._broadcast_entry(item, members))
        channel_programmes = self.data.channel_programmes
        for group_id, streams in self.unplanned().items():
            # An unplanned broadcast counts once it went live, in the period of its start.
            owner = channel_programmes.get(streams[0].channel_key, "")
            if programme not in (None, owner):
                continue
            aired = [s for s in streams if self.stream_figures(s).actual_start is not None]
            shown = [s for s in aired if platform in (None, s.platform)]
            if not shown:
                continue
            if per_platform:
                entries = [
                    self._unplanned_entry(
                        group_id, owner, [s for s in shown if s.platform == p], whole=False
                    )
                    for p in _platforms(None, shown)
                ]
            else:
                entries = [self._unplanned_entry(group_id, owner, shown)]
            found += [e for e in entries if e.when is not None and inside(e.when)]
        found.sort(key=_order)
        return found

    def unplanned(self) -> dict[str, list[Stream]]:
        """Unplanned streams by unplanned broadcast, each list earliest start first.

        A stream stored without an ``unplanned_id`` (one that never went live, or
        collected before unplanned broadcasts existed) stands alone, under its key.
        """
        if self._unplanned is None:
            groups: dict[str, list[Stream]] = defaultdict(list)
            for stream in self.by_broadcast().get(None, _NO_STREAMS):
                groups[stream.unplanned_id or stream.key].append(stream)
            for streams in groups.values():
                streams.sort(key=self._start_order)
            self._unplanned = dict(groups)
        return self._unplanned

    def _start_order(self, stream: Stream) -> tuple[bool, datetime | None, str]:
        start = self.stream_figures(stream).actual_start
        return start is None, start, stream.key

    def by_broadcast(self) -> dict[str | None, list[Stream]]:
        """Streams by matched broadcast; ``None`` holds unplanned ones (and orphans)."""
        if self._by_broadcast is None:
            self._by_broadcast = _streams_by_broadcast(self.data)
        return self._by_broadcast

    def stream_figures(self, stream: Stream) -> Figures:
        """``metrics.stream_figures`` of ``stream`` with its rollup, worked out once."""
        key = stream.key
        figures = self._stream_figures.get(key)
        if figures is None:
            figures = stream_figures(stream, self.data.rollups.get(key))
            self._stream_figures[key] = figures
        return figures

    def _broadcast_entry(self, item: Broadcast, members: list[Stream]) -> Entry:
        combined = self._combined.get(item.id)
        if combined is None:
            figures = [self.stream_figures(s) for s in members]
            combined = combined_figures(figures, self.data.rollups.get(broadcast_key(item.id)))
            self._combined[item.id] = combined
        return _planned(item, item.status.value, _platforms(item, members), combined)

    def _unplanned_entry(
        self, group_id: str, owner: str, streams: list[Stream], *, whole: bool = True
    ) -> Entry:
        """An unplanned broadcast combined like a simulcast (``whole``), or its streams
        on one platform in turn; titled after its first stream."""
        figures = [self.stream_figures(s) for s in streams]
        if not whole:
            combined = sequential_figures(figures)
        elif not is_unplanned_id(group_id):  # a lone stream without an unplanned broadcast
            combined = figures[0]
        else:
            known = self._combined.get(group_id)
            combined = known or combined_figures(
                figures, self.data.rollups.get(broadcast_key(group_id))
            )
            self._combined[group_id] = combined
        return Entry(
            id=group_id,
            programme=owner,
            title=streams[0].title,
            status="unplanned",
            platforms=_platforms(None, streams),
            figures=combined,
            streams=len(streams),
        )

    def _platform_entry(self, item: Broadcast, platform: str, members: list[Stream]) -> Entry:
        """A broadcast as seen on one platform, with a status of its own there."""
        mine = [s for s in members if s.platform == platform]
        parts = [self.stream_figures(s) for s in mine]
        figures = sequential_figures(parts) if parts else Figures()
        return _planned(item, _platform_status(item, mine, figures), (platform,), figures)


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


def _platforms(item: Broadcast | None, members: list[Stream]) -> tuple[str, ...]:
    """Platforms a broadcast targets or was seen on, in the usual order."""
    targets = () if item is None else item.targets
    used = frozenset([*[t.platform for t in targets], *[s.platform for s in members]])
    ordered = _PLATFORM_ORDERS.get(used)
    if ordered is None:
        ordered = tuple(in_order(used))
        _PLATFORM_ORDERS[used] = ordered
    return ordered


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
    return _build_entry(
        item.id,
        item.programme,
        item.title,
        status,
        platforms,
        figures,
        item.district,
        item.start,
        item.duration_min,
        1,
    )


# A report builds an Entry per broadcast of its period: see ``streamer.fastbuild``.
_build_entry = builder(Entry)


_NEVER = datetime.max.replace(tzinfo=UTC)


def _time_key(entry: Entry) -> datetime:
    """An entry's place in ``select``'s order, for ``cut``: timeless ones last."""
    return entry.when or _NEVER


def _order(entry: Entry) -> tuple[bool, datetime | None, str]:
    when = entry.when
    return when is None, when, entry.id


def _in_period(period: Period, tz: ZoneInfo) -> Callable[[datetime], bool]:
    """``period.contains`` for many moments: most are settled by comparing instants.

    A moment more than ``OFFSET_SPAN`` inside the period's UTC bounds is on one of
    its local days, and one more than that outside is not, whatever the zone's
    offsets did in between; only those near a bound need the local date.
    """
    low, high = period.utc_bounds(tz)
    sure_low, sure_high = low + OFFSET_SPAN, high - OFFSET_SPAN
    near_low, near_high = low - OFFSET_SPAN, high + OFFSET_SPAN

    def inside(moment: datetime) -> bool:
        if sure_low <= moment < sure_high:
            return True
        if moment < near_low or moment >= near_high:
            return False
        return period.contains(moment, tz)

    return inside
