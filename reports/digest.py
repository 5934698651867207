"""Digests of closed months: a summary's entries worked out once, kept, and checked.

A summary builds one ``Entry`` per broadcast of its span from every record of the
span. Most of a half-year's span is months that nothing will change any more; their
entries are kept here (``DATA_DIR/digests/YYYY-MM.digest``) and loaded instead of
rebuilt, and only the rest is read. The design, and why each check below is needed,
is in docs/digest-design.md. In short:

- **Unit.** A local month ``M`` of the config's zone, built from the records of its
  *window* ``W(M)``: its UTC bounds widened by the report margin, as a report on it
  alone would read (``dataset.report_span``).
- **Closed.** A month is kept only when the store vouches for its window
  (``Store.window_mark``: no working record in it), every stream of the window is
  done, no entry is provisional, and every stream's broadcast is planned inside the
  window (an owner elsewhere, or none, could change without the window changing).
- **Trusted while unchanged.** A kept month carries its window's mark, the format, a
  hash of the code that makes entries and of the config's zone and channels; any
  difference and it is built again. A mark that changed is looked at more closely
  (``Store.window_print``): the month after a closed one, which the window reaches into
  by its margin, is the month being collected and changes every day; while what the
  window reads there is the same, the digest is kept under the new mark.
- **Checked against its neighbours at every read.** Every stream *owned* by an entry of
  a kept month must start inside that month's window, whether the report meets it in
  another kept window or in the records it reads fresh; every stream owned by an entry
  that may be fresh must lie in the fresh read. A digest keeps, per owner, the span of
  its streams' starts in the window for this. Anything else: the report reads every
  record, as it would without digests.

Summaries and the two lists (broadcasts, adherence) read through them: a kept month
also holds what the lists ask of its entries' streams (``ListFacts``). Digests are a
cache, never the store of record: a file that cannot be read or written is ignored, and
deleting the folder is always safe.
"""

from __future__ import annotations

import importlib
import marshal
import os
import struct
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from reports.dataset import (
    MATCH_SPAN,
    OFFSET_SPAN,
    Dataset,
    Digested,
    ListFacts,
    Selector,
    channel_programmes,
    report_span,
    summary_days,
)
from reports.metrics import Entry, Figures
from reports.periods import Period, days_period, month_of
from reports.quality import (
    LAST_FINAL_POLL,
    entry_streams,
    is_final,
    is_provisional,
    platform_coverage,
    second_streams,
    stream_gaps,
)
from streamer.config import Config
from streamer.fastbuild import builder
from streamer.files import replace_file
from streamer.gcpause import gc_paused
from streamer.history import recorded_since
from streamer.models import Stream
from streamer.store import Store, stream_start

FOLDER = "digests"
FORMAT = 3
SUFFIX = ".digest"
# The modules whose code decides what a month's entries and facts are: a change to any
# of them (an upgrade) makes every digest stale.
SOURCES = (
    "reports.dataset",
    "reports.digest",
    "reports.metrics",
    "reports.quality",
    "streamer.models",
    "streamer.rollups",
    "streamer.simulcast",
    "streamer.store",
    "streamer.unplanned",
)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)

# Kept months load thousands of entries: see ``streamer.fastbuild``.
_build_entry = builder(Entry)
_build_figures = builder(Figures)
_NOTHING_UNREPORTED: frozenset[tuple[str, str]] = frozenset()

# A file: the length of its head (format, code and config stamp, the window's mark and
# print), the head; then the lengths of the next two parts: the whole entries and facts,
# the per-platform entries, which only a report by platform or on one platform reads,
# and the lists' facts, which only a list reads.
_HEAD = struct.Struct("<Q")
_SIZES = struct.Struct("<QQ")

Window = tuple[datetime, datetime]
# Owner id → first and last start of its streams in a window, and its entry hint (µs).
Ranges = dict[str, tuple[int | None, int | None, int | None]]


@dataclass(slots=True)
class MonthDigest:
    """One closed month: its entries, their missed polls, and its owners' stream spans.

    ``owners`` are the ids of its entries (broadcasts, unplanned broadcasts, lone
    streams) of either kind; its per-platform entries and its lists' facts are made
    on first use (read, they are held as the file gives them).
    """

    month: Period
    window: Window
    whole: list[Entry]
    gaps: dict[tuple[str, tuple[str, ...]], dict[str, dict[str, int]]]
    ranges: Ranges
    owners: frozenset[str]
    _per_platform: list[Entry] | None = None
    _lists: ListFacts | None = None
    _stored: Sequence[tuple[Any, ...]] = ()
    _stored_lists: tuple[Any, ...] = ((), (), ())

    def per_platform(self) -> list[Entry]:
        """The month's entries one per platform (``select(..., per_platform=True)``)."""
        if self._per_platform is None:
            self._per_platform = [_entry(item) for item in self._stored]
        return self._per_platform

    def lists(self) -> ListFacts:
        """What the lists ask of the month's entries' streams (``ListFacts``)."""
        if self._lists is None:
            coverage, unsettled, second = self._stored_lists
            self._lists = ListFacts(
                {(key, platforms): dict(found) for key, platforms, found in coverage},
                frozenset(unsettled),
                frozenset(second),
            )
        return self._lists


def digested_dataset(
    store: Store,
    config: Config,
    period: Period,
    *,
    kind: str = "summary",
    by: str = "programme",
    folder: Path | None = None,
    now: datetime | None = None,
) -> Dataset:
    """What a report of ``kind`` on ``period`` (a summary: grouped ``by``) reads: the
    kept months of its span from ``folder`` (built and kept there when missing or
    stale) and the records of the rest, or every record of its span when no month can
    be kept or a check fails.

    ``now`` says which months can be closed (their window and the week of final polls
    after it are past; ``None``: any). ``folder`` ``None``: no digests at all.
    """
    if folder is None:
        return Dataset.from_store(store, config, period, kind=kind, by=by)
    # A summary selects the days it compares with too; a list only its period's.
    covering = summary_days(period, by) if kind == "summary" else period
    # Kept months start on a month's first day; a span starting later in the month (a
    # summary by week, a range of days) starts its digests with that month's.
    months = days_period(month_of(covering.start).start, covering.end)
    with gc_paused():
        kept = _kept_months(store, config, months, folder, now)
        if kept and _starts_within(kept[0], covering, config):
            found = _with_digests(store, config, months, kept)
            if found is not None:
                return found
    return Dataset.from_store(store, config, period, kind=kind, by=by)


def report_dataset(
    store: Store,
    config: Config,
    period: Period,
    *,
    kind: str = "summary",
    by: str = "programme",
    now: datetime | None = None,
    digests: bool = True,
) -> Dataset:
    """What a report of ``kind`` on ``period`` reads: through the digests kept in the
    config's data folder (``digested_dataset``) unless ``digests`` is off, else from
    the store (``Dataset.from_store``)."""
    folder = config.data_dir / FOLDER if digests else None
    return digested_dataset(store, config, period, kind=kind, by=by, folder=folder, now=now)


def month_window(month: Period, config: Config) -> Window:
    """``W(M)``: the instants whose records a report on ``month`` alone reads."""
    return report_span(month, config.tz, "broadcasts")


def build(store: Store, config: Config, month: Period) -> MonthDigest | None:
    """``month``'s digest from its window's records, or ``None`` when it is not closed."""
    window = month_window(month, config)
    found = store.period_records(*window)
    data = Dataset(found.broadcasts, found.streams, found.rollups, channel_programmes(config))
    if not all(stream.done for stream in data.streams.values()):
        return None
    low, high = window
    for stream in data.streams.values():
        owner = stream.broadcast_id
        if owner is None:
            continue
        planned = data.broadcasts.get(owner)
        if planned is None or not low <= planned.start < high:
            return None  # planned outside the window, or not at all
    selector = Selector(data, config.tz)
    whole = selector.select(month)
    per_platform = selector.select(month, per_platform=True)
    by_broadcast = selector.by_broadcast()
    gaps: dict[tuple[str, tuple[str, ...]], dict[str, dict[str, int]]] = {}
    coverage: dict[tuple[str, tuple[str, ...]], dict[str, float]] = {}
    unsettled: set[tuple[str, tuple[str, ...], str]] = set()
    for entry in (*whole, *per_platform):
        streams = entry_streams(selector, entry, by_broadcast)
        if is_provisional(entry, streams):
            return None
        # An entry of one platform has the key and the streams of that platform's entry.
        key = (entry.id, entry.platforms)
        missed = stream_gaps(selector, streams)
        if missed:
            gaps[key] = missed
        covered = platform_coverage(selector, streams)
        if covered:
            coverage[key] = covered
        if not is_final(entry, streams):  # the whole and one platform's may differ
            unsettled.add((*key, entry.status))
    second = second_streams(data, [e.id for e in whole if e.status == "unplanned"])
    ranges = _ranges(data)
    owners = frozenset(e.id for e in (*whole, *per_platform))
    lists = ListFacts(coverage, frozenset(unsettled), frozenset(second))
    return MonthDigest(month, window, whole, gaps, ranges, owners, per_platform, lists)


def verified(
    digests: Sequence[MonthDigest], fresh: Dataset, fresh_span: Window | None, until_utc: datetime
) -> bool:
    """Whether kept months and a fresh read of ``fresh_span`` (whose entries start at
    ``until_utc``; ``None``: nothing is fresh, the report ends there) give what one
    read of everything would (the module docstring).

    Every stream of an owner with an entry in a kept month ``M`` must start inside
    ``W(M)``, and every stream of an owner that may have a fresh entry inside the
    fresh read. A month's streams of its own owners are inside its window by
    construction, so only these are looked at: owners with entries in two months,
    those that may be fresh, and the fresh read's streams of kept months' owners.
    """
    # Each kept owner's window: most have entries in one month only, so a dict built in
    # C does; owners of two months (a broadcast's platforms either side of midnight)
    # are looked at in every window that has them.
    windows = [(d, (_micro(d.window[0]), _micro(d.window[1]))) for d in digests]
    window_of: dict[str, tuple[int, int]] = {}
    for digest, bounds in windows:
        window_of.update(dict.fromkeys(digest.owners, bounds))
    shared: dict[str, list[tuple[int, int]]] = {}
    if len(window_of) < sum(len(d.owners) for d in digests):
        for digest, bounds in windows:
            for other in digests:
                if other is not digest:
                    for owner in digest.owners & other.owners:
                        shared.setdefault(owner, []).append(bounds)
    kept_owners = window_of.keys()
    if fresh_span is None:  # no entry from ``until_utc`` on is the report's
        fresh_low = fresh_high = 0
        may_be_fresh: set[str] = set()
    else:
        fresh_low, fresh_high = _micro(fresh_span[0]), _micro(fresh_span[1])
        may_be_fresh = _may_be_fresh(digests, fresh, _micro(until_utc - OFFSET_SPAN))

    def inside(owner: str, first: int | None, last: int | None) -> bool:
        if first is None or last is None:
            return True  # no stream with a start: each is in every read
        kept = window_of.get(owner)
        if kept is not None:
            for low, high in shared.get(owner) or (kept,):
                if first < low or last >= high:
                    return False
        return owner not in may_be_fresh or (fresh_low <= first and last < fresh_high)

    for digest in digests:
        own = digest.owners
        looked = (digest.ranges.keys() & may_be_fresh) | (digest.ranges.keys() & shared.keys())
        looked |= (digest.ranges.keys() - own) & kept_owners
        for owner in looked:
            first, last, _ = digest.ranges.get(owner, (None, None, None))
            if not inside(owner, first, last):
                return False
    for stream in fresh.streams.values():
        owner = _owner(stream, fresh)
        if owner in kept_owners:
            began = stream_start(stream)
            moment = None if began is None else _micro(began)
            if not inside(owner, moment, moment):
                return False
    return True


# -- reading --------------------------------------------------------------------------


def _starts_within(first: MonthDigest, covering: Period, config: Config) -> bool:
    """Whether the first kept month, begun before ``covering``, gives what a read from
    ``covering``'s own start would: no owner that may have an entry in ``covering`` has
    a stream before the margin of ``covering``'s start (such a stream, far from its
    entry, a full read of the span would not see)."""
    if first.month.start >= covering.start:
        return True
    start = covering.utc_bounds(config.tz)[0]
    low, entries_from = _micro(start - OFFSET_SPAN - MATCH_SPAN), _micro(start - OFFSET_SPAN)
    for owner in first.owners:
        earliest, _, hint = first.ranges.get(owner, (None, None, None))
        if earliest is not None and earliest < low and (hint is None or hint >= entries_from):
            return False
    return True


def _kept_months(
    store: Store, config: Config, months: Period, folder: Path, now: datetime | None
) -> list[MonthDigest]:
    """The closed months from the first of ``months`` (which starts on a month's first
    day), each loaded or built (and kept), up to the first that is not closed."""
    kept: list[MonthDigest] = []
    month = month_of(months.start)
    stamp = _code_and_config(config)
    while month.end <= months.end:
        window = month_window(month, config)
        if now is not None and window[1] + LAST_FINAL_POLL > now:
            break
        mark = store.window_mark(*window)
        if mark is None:
            break
        path = folder / f"{month.label}{SUFFIX}"
        known, digest = _load(path, month, window, stamp, mark, store)
        if not known:
            digest = build(store, config, month)
            if store.window_mark(*window) == mark:  # nothing changed while it was read
                _save(path, stamp, mark, store.window_print(*window), digest)
        if digest is None:
            break
        kept.append(digest)
        month = month_of(month.end)
    return kept


def _with_digests(
    store: Store, config: Config, months: Period, kept: Sequence[MonthDigest]
) -> Dataset | None:
    """The dataset of ``months`` with ``kept`` months and a read of the rest, or
    ``None`` when the two cannot be trusted to give what one read would."""
    until = kept[-1].month.end
    until_utc = days_period(until, until).utc_bounds(config.tz)[0]
    since = recorded_since(store)
    span: Window | None = None
    if until < months.end:
        span = low, high = report_span(days_period(until, months.end), config.tz, "broadcasts")
        found = store.period_records(low, high)
        fresh = Dataset(
            found.broadcasts, found.streams, found.rollups, channel_programmes(config), since
        )
    else:  # every day kept: the kept windows hold every record the full read would
        fresh = Dataset({}, {}, {}, channel_programmes(config), since)
    if not verified(kept, fresh, span, until_utc):
        return None

    @cache
    def per_platform() -> list[Entry]:
        return [e for d in kept for e in d.per_platform()]

    @cache
    def lists() -> ListFacts:
        facts = [d.lists() for d in kept]
        return ListFacts(
            {key: found for f in facts for key, found in f.coverage.items()},
            frozenset().union(*(f.unsettled for f in facts)),
            frozenset().union(*(f.second_streams for f in facts)),
        )

    digest = Digested(
        kept[0].month.start,
        until,
        [e for d in kept for e in d.whole],
        per_platform,
        {key: gaps for d in kept for key, gaps in d.gaps.items()},
        lists,
    )
    return Dataset(
        fresh.broadcasts,
        fresh.streams,
        fresh.rollups,
        fresh.channel_programmes,
        fresh.recorded_since,
        digest,
    )


def _owner(stream: Stream, data: Dataset) -> str:
    """Whose entry a stream's figures go to: its broadcast's, its unplanned broadcast's,
    or its own (``Selector.by_broadcast`` and ``unplanned``)."""
    broadcast = stream.broadcast_id
    if broadcast is not None and broadcast in data.broadcasts:
        return broadcast
    return stream.unplanned_id or stream.key


def _ranges(data: Dataset) -> Ranges:
    """Per owner of the window's streams: the first and last stream start (a stream
    without one is in every read), and the latest of its entry hints (``_entry_hint``)."""
    found: dict[str, list[Any]] = {}
    for stream in data.streams.values():
        owner = _owner(stream, data)
        known = found.get(owner)
        if known is None:
            known = found[owner] = [None, None, None]
        began = stream_start(stream)
        if began is not None:
            moment = _micro(began)
            known[0] = moment if known[0] is None else min(known[0], moment)
            known[1] = moment if known[1] is None else max(known[1], moment)
        hint = _entry_hint(stream, data)
        if hint is not None and (known[2] is None or hint > known[2]):
            known[2] = hint
    return {owner: (first, last, hint) for owner, (first, last, hint) in found.items()}


def _entry_hint(stream: Stream, data: Dataset) -> int | None:
    """A time (µs) no earlier than the entry a stream counts in may be placed at: its
    broadcast's planned start, else its own actual start (the rollup's first live
    sample when the platform gave none); ``None`` for an unplanned stream that never
    went live: it places no entry (an entry's time is its first aired stream's)."""
    planned = data.broadcasts.get(stream.broadcast_id or "")
    if planned is not None:
        return _micro(planned.start)
    began = stream.actual_start
    if began is None:
        rollup = data.rollups.get(stream.key)
        began = None if rollup is None else rollup.first_live_at
    return None if began is None else _micro(began)


def _may_be_fresh(digests: Sequence[MonthDigest], fresh: Dataset, since: int) -> set[str]:
    """Owners that may have an entry from ``since`` (µs) on: those a kept window or
    the fresh read gives an entry hint that late, and the owners of the fresh read's
    broadcasts and streams starting up to a match span before it."""
    found = set()
    for digest in digests:
        for owner, (_, _, hint) in digest.ranges.items():
            if hint is not None and hint >= since:
                found.add(owner)
    early = _moment_of(since) - MATCH_SPAN
    found |= {b.id for b in fresh.broadcasts.values() if b.start >= early}
    for stream in fresh.streams.values():
        began = stream_start(stream)
        if began is None or began >= early:
            found.add(_owner(stream, fresh))
            continue
        hint = _entry_hint(stream, fresh)
        if hint is not None and hint >= since:
            found.add(_owner(stream, fresh))
    return found


# -- files ------------------------------------------------------------------------------


def _code_and_config(config: Config) -> str:
    """What a digest was made under: the format and Python's, the code making entries
    (each source file's size and modification time, as Python's own bytecode cache
    tells a changed source), the zone and which programme owns each channel."""
    sources = []
    for name in SOURCES:
        module = sys.modules.get(name) or importlib.import_module(name)
        info = os.stat(str(module.__file__))
        sources.append((name, info.st_size, info.st_mtime_ns))
    return repr(
        (
            FORMAT,
            marshal.version,
            sys.version_info[:2],
            sources,
            config.tz.key,
            sorted(channel_programmes(config).items()),
        )
    )


@dataclass(frozen=True, slots=True)
class _File:
    """A digest file as read: its head (the mark and print it was made under) and the
    rest, undecoded."""

    mark: str
    printed: dict[str, tuple[str, str]] | None
    rest: bytes


def _read(path: Path, stamp: str) -> _File | None:
    """The file's head and the rest, or ``None`` when it is missing, damaged, of
    another format or made by other code or config (``stamp``)."""
    try:
        payload = path.read_bytes()
        (head_size,) = _HEAD.unpack_from(payload)
        form, made, mark, printed = marshal.loads(payload[_HEAD.size : _HEAD.size + head_size])
        if (form, made) != (FORMAT, stamp) or not isinstance(mark, str):
            return None
        found = None if printed is None else {rel: (v, c) for rel, v, c in printed}
        return _File(mark, found, payload[_HEAD.size + head_size :])
    except Exception:  # a cache: anything unreadable is built again
        return None


def _load(
    path: Path, month: Period, window: Window, stamp: str, mark: str, store: Store
) -> tuple[bool, MonthDigest | None]:
    """``(True, digest)`` for a file made under ``stamp`` and ``mark``, or under another
    mark whose window still gives what it gave then (``Store.window_print``: the month
    after a closed one changes every day, with that month's own records; the file is
    then kept under the new mark); ``(True, None)`` for one saying the month was not
    closed then; ``(False, None)`` when the file is missing, stale, damaged or foreign."""
    found = _read(path, stamp)
    if found is None:
        return False, None
    if found.mark != mark:
        if found.printed is None:
            return False, None
        now = store.window_print(*window, found.printed)
        if now is None or _gives(now) != _gives(found.printed):
            return False, None
        _write(path, _head(stamp, mark, now), found.rest)
    try:
        (body_size, platform_size) = _SIZES.unpack_from(found.rest)
        body_at = _SIZES.size
        platform_at = body_at + body_size
        lists_at = platform_at + platform_size
        body = marshal.loads(found.rest[body_at:platform_at])
        if body is None:
            return True, None
        whole, gaps, ranges, owners = body
        per_platform = marshal.loads(found.rest[platform_at:lists_at])
        lists = marshal.loads(found.rest[lists_at:])
        return True, MonthDigest(
            month,
            window,
            [_entry(item) for item in whole],
            {(key, platforms): _gaps(kept) for key, platforms, kept in gaps},
            {owner: (first, last, hint) for owner, first, last, hint in ranges},
            frozenset(owners),
            _stored=per_platform,
            _stored_lists=lists,
        )
    except Exception:  # a cache: anything unreadable is built again
        return False, None


def _gives(printed: Mapping[str, tuple[str, str]]) -> dict[str, str]:
    """What each part of a window print gives, without the versions it was read at."""
    return {part: gives for part, (_, gives) in printed.items()}


def _save(
    path: Path,
    stamp: str,
    mark: str,
    printed: Mapping[str, tuple[str, str]] | None,
    digest: MonthDigest | None,
) -> None:
    """Keep ``digest`` (``None``: the month is not closed) under ``stamp``, ``mark`` and
    the window's print; a folder that cannot be written keeps nothing."""
    body: Any = None
    per_platform: tuple[Any, ...] = ()
    lists: tuple[Any, ...] = ((), (), ())
    if digest is not None:
        per_platform = tuple(_entry_tuple(e) for e in digest.per_platform())
        facts = digest.lists()
        lists = (
            tuple(
                (key, platforms, tuple(found.items()))
                for (key, platforms), found in facts.coverage.items()
            ),
            tuple(facts.unsettled),
            tuple(facts.second_streams),
        )
        body = (
            tuple(_entry_tuple(e) for e in digest.whole),
            tuple(
                (key, platforms, _gaps_tuple(kept))
                for (key, platforms), kept in digest.gaps.items()
            ),
            tuple((owner, *span) for owner, span in digest.ranges.items()),
            tuple(digest.owners),
        )
    first = marshal.dumps(body)
    second = marshal.dumps(per_platform)
    rest = _SIZES.pack(len(first), len(second)) + first + second + marshal.dumps(lists)
    _write(path, _head(stamp, mark, printed), rest)


def _head(stamp: str, mark: str, printed: Mapping[str, tuple[str, str]] | None) -> bytes:
    """A file's head: the format, the code and config stamp, the mark and the print."""
    parts = None if printed is None else tuple((p, v, c) for p, (v, c) in sorted(printed.items()))
    return marshal.dumps((FORMAT, stamp, mark, parts))


def _write(path: Path, head: bytes, rest: bytes) -> None:
    """The file: its head's length, the head, the rest; a folder that cannot be written
    keeps nothing."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = path.with_name(f".{path.name}.{os.urandom(4).hex()}.tmp")
        replace_file(path, temp, _HEAD.pack(len(head)) + head + rest, fsync=False)
    except OSError:
        return


def _entry_tuple(entry: Entry) -> tuple[Any, ...]:
    """An entry as plain values for ``marshal``. Texts that repeat across entries
    (programme, title, status, platforms, district) are interned, so that the file holds
    each once and loading makes one object of each."""
    f, intern = entry.figures, sys.intern
    return (
        entry.id,
        intern(entry.programme),
        intern(entry.title),
        intern(entry.status),
        tuple(intern(p) for p in entry.platforms),
        intern(entry.district),
        _time(entry.planned_start),
        entry.planned_duration_min,
        entry.streams,
        _time(f.actual_start),
        _time(f.actual_end),
        f.views,
        f.peak_concurrent,
        _time(f.peak_at),
        f.viewer_minutes,
        f.covered_minutes,
        f.live_minutes,
        tuple(sorted(f.unreported)),
        f.no_combined,
    )


def _entry(item: tuple[Any, ...]) -> Entry:
    """``_entry_tuple`` read back: the same entry (times through ``fromisoformat``)."""
    (ident, programme, title, status, platforms, district, planned, duration, streams,
     start, end, views, peak, peak_at, viewer_minutes, covered, live, unreported,
     no_combined) = item  # fmt: skip
    iso = datetime.fromisoformat
    figures = _build_figures(
        start and iso(start),
        end and iso(end),
        views,
        peak,
        peak_at and iso(peak_at),
        viewer_minutes,
        covered,
        live,
        frozenset(unreported) if unreported else _NOTHING_UNREPORTED,
        no_combined,
    )
    when = planned and iso(planned)
    return _build_entry(
        ident, programme, title, status, platforms, figures, district, when, duration, streams
    )


def _gaps_tuple(gaps: Mapping[str, Mapping[str, int]]) -> tuple[Any, ...]:
    return tuple((platform, tuple(reasons.items())) for platform, reasons in gaps.items())


def _gaps(stored: Iterable[tuple[str, Iterable[tuple[str, int]]]]) -> dict[str, dict[str, int]]:
    return {platform: dict(reasons) for platform, reasons in stored}


def _micro(moment: datetime) -> int:
    return (moment - _EPOCH) // _MICROSECOND


def _moment_of(micro: int) -> datetime:
    return _EPOCH + timedelta(microseconds=micro)


def _time(moment: datetime | None) -> str | None:
    """A time as its ISO text, offset and microseconds kept (``fromisoformat`` reads
    it back exactly, several times faster than adding a ``timedelta``)."""
    return None if moment is None else moment.isoformat()
