"""When to poll a stream next: the poll policy, as one pure function.

- upcoming: every ``upcoming_interval`` (10 min) until ``near_lead`` (15 min) before
  the scheduled start, then every ``near_interval`` (1 min) — late starts are caught
  within it — until ``grace`` minutes after it; a stream still upcoming then is
  probably a no-show, so it goes back to every 10 min, and is given up (done) a day
  after its scheduled start.
- live: every ``live_interval`` (60 s).
- ended: final polls at +10 min, +1 h, +24 h and +7 days after the end, for the
  views that keep arriving after a broadcast; after the last one, done.
- missing (deleted or private): done at once; it stays in history.

Every time is on a grid: a multiple of its interval counted from the Unix epoch
(UTC), so 10:05:00 and 10:10:00 for a live stream polled every 5 minutes whenever it
went live, and a final poll on the live grid. Streams of a simulcast that went live a
minute apart, and streams ending around the same time, are then due in the same
cycle and share its batched requests (one ``videos.list`` call for up to 50 ids)
instead of costing a cycle and a call each. Discovery keeps its own grid the same way
(``next_discovery``).

``next_poll`` is stateless — it derives the next time from the stream's facts
and ``now`` — so a collector restarted after any pause resumes on the right
step without counters to repair.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from streamer.config import CollectorSettings
from streamer.models import Stream, StreamStatus

FINAL_POLLS = (
    timedelta(minutes=10),
    timedelta(hours=1),
    timedelta(hours=24),
    timedelta(days=7),
)
GIVE_UP_AFTER = timedelta(hours=24)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_SECOND = timedelta(seconds=1)


def lead(settings: CollectorSettings) -> timedelta:
    """How long before a planned start its streams are watched every ``near_interval``."""
    return timedelta(minutes=settings.near_lead)


def next_poll(stream: Stream, now: datetime, settings: CollectorSettings) -> datetime | None:
    """The next time ``stream`` should be polled after a poll at ``now``; ``None`` = done."""
    if stream.status is StreamStatus.LIVE:
        return after(now, settings.live_interval)
    if stream.status is StreamStatus.UPCOMING:
        return _upcoming(stream, now, settings)
    if stream.status is StreamStatus.ENDED:
        return _final(stream, now, settings)
    return None


def next_discovery(last: datetime, seconds: int) -> datetime:
    """When a platform's channels are next discovered (every ``seconds``), after ``last``."""
    return after(last, seconds)


def on_grid(earliest: datetime, seconds: int) -> datetime:
    """The first multiple of ``seconds`` since the Unix epoch at or after ``earliest`` (UTC)."""
    step = seconds * 1_000_000
    micros = (earliest - _EPOCH) // timedelta(microseconds=1)
    return _EPOCH + timedelta(microseconds=-(-micros // step) * step)


def after(now: datetime, seconds: int) -> datetime:
    """The grid point of ``seconds`` that follows ``now``: ``now + seconds`` when ``now``
    is on the grid, else the next point at least half an interval away, so a late
    cycle neither drifts off the grid nor polls twice in a row."""
    return on_grid(now + seconds * _SECOND / 2, seconds)


def _upcoming(stream: Stream, now: datetime, settings: CollectorSettings) -> datetime | None:
    slow = after(now, settings.upcoming_interval)
    start = stream.scheduled_start
    if start is None:
        return slow
    if now > start + GIVE_UP_AFTER:
        return None
    near = on_grid(start - lead(settings), settings.near_interval)
    if now < near:
        return min(slow, near)
    if now < start + timedelta(minutes=settings.grace):
        return after(now, settings.near_interval)
    return slow


def _final(stream: Stream, now: datetime, settings: CollectorSettings) -> datetime | None:
    end = stream.actual_end or now
    for offset in FINAL_POLLS:
        due = on_grid(end + offset, settings.live_interval)
        if due > now:
            return due
    return None
