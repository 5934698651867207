"""Ground truth: what really happened to each stream, as of the simulated now.

A collector's output is checked against this. Figures a platform hides
(``likes_hidden``) are ``None``, as they would be in a snapshot; the concurrent
peak is the true one even when hidden, flagged by ``viewers_hidden``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from collectors.simulator.scenario import SimStream
from collectors.simulator.world import World
from streamer.models import StreamStatus


@dataclass(frozen=True, slots=True)
class StreamTruth:
    """One stream at one moment.

    ``status`` is what the platform shows (``missing`` once deleted or private).
    ``held`` means it went live at or before now. ``actual_start``/``actual_end``
    are set only once they have happened. ``views``/``likes``/``comments`` are the
    latest figures known (frozen at deletion). ``viewer_minutes`` and
    ``peak_viewers`` cover the broadcast so far (``peak_viewers`` is ``None``
    before the start).
    """

    video_id: str
    platform: str
    channel: str
    title: str
    status: StreamStatus
    held: bool
    scheduled_start: datetime | None
    actual_start: datetime | None
    actual_end: datetime | None
    peak_viewers: int | None
    viewer_minutes: float
    views: int
    likes: int | None
    comments: int
    viewers_hidden: bool


def truth_of(world: World, stream: SimStream, now: datetime) -> StreamTruth:
    """The ground truth for ``stream`` at ``now``."""
    # Once deleted, the figures stop at the last moment anyone could read them.
    seen_until = now if stream.deleted_at is None else min(now, stream.deleted_at)
    reading = world.reading(stream, seen_until)
    curve = world.curve(stream)
    return StreamTruth(
        video_id=stream.video_id,
        platform=stream.platform,
        channel=stream.channel,
        title=stream.title,
        status=_status(stream, now),
        held=stream.actual_start is not None and stream.actual_start <= now,
        scheduled_start=stream.scheduled_start,
        actual_start=_happened(stream.actual_start, now),
        actual_end=_happened(stream.actual_end, now),
        peak_viewers=None if curve is None else curve.peak_until(seen_until),
        viewer_minutes=0.0 if curve is None else curve.viewer_minutes_until(seen_until),
        views=reading.views,
        likes=None if stream.likes_hidden else reading.likes,
        comments=reading.comments,
        viewers_hidden=stream.viewers_hidden,
    )


def _status(stream: SimStream, now: datetime) -> StreamStatus:
    gone = stream.deleted_at is not None and stream.deleted_at <= now
    if gone or stream.privacy == "private":
        return StreamStatus.MISSING
    return stream.state_at(now)


def _happened(moment: datetime | None, now: datetime) -> datetime | None:
    return moment if moment is not None and moment <= now else None
