"""Concurrent viewers of one broadcast over time, per platform, for the terminal.

The one report that reads snapshots (a curve is the history itself), and only
those of one broadcast's streams in its time window. Each platform gets a
sparkline on a shared scale, under the combined total (``combine_samples``), so
both the shape and the platforms' shares show. A platform that does not report
concurrent viewers (Instagram) gets "n/a", not a flat line at 0.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.text import Text

from reports.fmt import Style
from reports.labels import label
from reports.report import CURVE_COLUMNS, Report, Row
from streamer.models import Snapshot, Stream, StreamStatus
from streamer.platforms import LABELS
from streamer.safe_text import printable, shown
from streamer.simulcast import combine_samples

BLOCKS = "▁▂▃▄▅▆▇█"
TOTAL = "total"
MARGIN = timedelta(minutes=30)  # snapshots read around the known start and end


@dataclass(frozen=True, slots=True)
class Curve:
    """Per-platform snapshots of one broadcast (or unplanned stream) and their sum."""

    subject: str
    title: str
    programme: str
    series: Mapping[str, Sequence[Snapshot]]
    total: Sequence[Snapshot]
    interval_s: int
    planned: tuple[datetime, datetime] | None = None  # the plan's start and end, if planned
    status: str = ""  # the broadcast's status (held, missed, ...), "" for a stream


def window(
    planned: tuple[datetime, datetime] | None, streams: Sequence[Stream], now: datetime
) -> tuple[datetime, datetime]:
    """The time range whose snapshots make the curve: plan and streams, with a margin."""
    starts = [s.actual_start for s in streams if s.actual_start is not None]
    ends = [s.actual_end or s.last_polled_at or now for s in streams]
    if planned is not None:
        starts.append(planned[0])
        ends.append(planned[1])
    start = min(starts, default=now)
    return start - MARGIN, max([*ends, start]) + MARGIN


def build_curve(
    subject: str,
    title: str,
    programme: str,
    streams: Sequence[Stream],
    snapshots: Sequence[Snapshot],
    interval_s: int,
    *,
    planned: tuple[datetime, datetime] | None = None,
    status: str = "",
) -> Curve:
    """Group the snapshots by platform and add the combined total."""
    by_stream = {s.key: [snap for snap in snapshots if snap.stream == s.key] for s in streams}
    series: dict[str, list[Snapshot]] = {}
    for stream in streams:
        series.setdefault(stream.platform, []).extend(by_stream[stream.key])
    total = combine_samples(by_stream, interval_s, TOTAL)
    return Curve(subject, title, programme, series, total, interval_s, planned, status)


def curve_report(curve: Curve, tz: ZoneInfo) -> Report:
    """The curve as rows (time, platform, concurrent_viewers, views), total first.

    The total has live points only; platforms have every snapshot (views keep
    arriving after the end).
    """
    live_total = [snap for snap in curve.total if snap.status is StreamStatus.LIVE]
    rows = [_row(TOTAL, snap, tz) for snap in live_total]
    for platform, snaps in curve.series.items():
        rows += [_row(platform, snap, tz) for snap in snaps]
    return Report(kind="curve", columns=CURVE_COLUMNS, rows=rows, subject=curve.subject)


def render_curve(curve: Curve, console: Console, style: Style) -> None:
    """Print a sparkline per platform under the total, with times and peaks."""
    name = style.programme(curve.programme)
    console.print(Text(f"{printable(curve.subject)} · {name} · {shown(curve.title)}"))
    rows = [(TOTAL, _known(curve.total), curve.total)]
    rows += [(p, _known(snaps), snaps) for p, snaps in curve.series.items()]
    if not rows[0][1]:
        console.print(Text(f"{label('title.curve', style.lang)}: {label('n/a', style.lang)}"))
        return
    start, end = rows[0][1][0].ts, rows[0][1][-1].ts
    scale = max(s.concurrent_viewers or 0 for s in rows[0][1]) or 1
    names = [label("total", style.lang) if k == TOTAL else LABELS.get(k, k) for k, _, _ in rows]
    peaks = [_peak_text(known, style) for _, known, _ in rows]
    pad = max(len(n) for n in names)
    # The sparkline takes what the name and the peak leave of the console's width.
    width = max(20, min(120, console.width - pad - max(len(p) for p in peaks) - 3))
    for name, peak, (_, known, snaps) in zip(names, peaks, rows, strict=True):
        text = Text(f"{name.ljust(pad)} ")
        if known:
            text.append(sparkline(snaps, start, end, width, scale, curve.interval_s), style="cyan")
            text.append(f" {peak}")
        else:
            text.append(label("n/a", style.lang), style="dim")
        console.print(text)
    first, last = (f"{t.astimezone(style.tz):%H:%M}" for t in (start, end))
    console.print(Text(" " * (pad + 1) + first.ljust(width - len(last)) + last, style="dim"))
    console.print(Text(f"{label('title.curve', style.lang)} · {style.tz.key}", style="dim"))


def sparkline(
    snaps: Sequence[Snapshot],
    start: datetime,
    end: datetime,
    width: int,
    scale: int,
    interval_s: int,
) -> str:
    """One character per time slot: the slot's largest reading on a 0..scale range.

    A slot without a reading of its own shows the previous one if it is at most one
    interval old (like the combined sum); otherwise it is blank: no data, not 0.
    """
    points = [
        (s.ts, s.concurrent_viewers)
        for s in snaps
        if s.status is StreamStatus.LIVE and s.concurrent_viewers is not None
    ]
    step = (end - start) / width if end > start else timedelta(seconds=interval_s)
    chars = []
    for slot in range(width):
        low, high = start + step * slot, start + step * (slot + 1)
        inside = [v for t, v in points if low <= t < high or (slot == width - 1 and t == high)]
        before = [(t, v) for t, v in points if t < low and (low - t).total_seconds() <= interval_s]
        value = max(inside) if inside else (before[-1][1] if before else None)
        chars.append(" " if value is None else BLOCKS[min(7, round(value / scale * 7))])
    return "".join(chars)


def _known(snaps: Sequence[Snapshot]) -> list[Snapshot]:
    """The live readings that carry a viewer count."""
    return [s for s in snaps if s.status is StreamStatus.LIVE and s.concurrent_viewers is not None]


def _peak_text(known: list[Snapshot], style: Style) -> str:
    if not known:
        return ""
    peak = max(known, key=lambda s: s.concurrent_viewers or 0)
    number = style.number(peak.concurrent_viewers or 0)
    return f"{label('peak', style.lang)} {number} · {peak.ts.astimezone(style.tz):%H:%M}"


def _row(platform: str, snap: Snapshot, tz: ZoneInfo) -> Row:
    return {
        "time": snap.ts.astimezone(tz),
        "platform": platform,
        "concurrent_viewers": snap.concurrent_viewers,
        "views": snap.views,
    }
