"""When to poll a stream next: the poll policy, as one pure function.

- upcoming: every ``upcoming_interval`` (10 min) until 15 minutes before the
  scheduled start, then every minute — late starts are caught within a minute —
  until ``grace`` minutes after it; a stream still upcoming then is probably a
  no-show, so it goes back to every 10 min, and is given up (done) a day after
  its scheduled start.
- live: every ``live_interval`` (60 s).
- ended: final polls at +10 min, +1 h, +24 h and +7 days after the end, for the
  views that keep arriving after a broadcast; after the last one, done.
- missing (deleted or private): done at once; it stays in history.

``next_poll`` is stateless — it derives the next time from the stream's facts
and ``now`` — so a collector restarted after any pause resumes on the right
step without counters to repair.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from streamer.config import CollectorSettings
from streamer.models import Stream, StreamStatus

FINAL_POLLS = (
    timedelta(minutes=10),
    timedelta(hours=1),
    timedelta(hours=24),
    timedelta(days=7),
)
LEAD = timedelta(minutes=15)
NEAR_INTERVAL = timedelta(minutes=1)
GIVE_UP_AFTER = timedelta(hours=24)


def next_poll(stream: Stream, now: datetime, settings: CollectorSettings) -> datetime | None:
    """The next time ``stream`` should be polled after a poll at ``now``; ``None`` = done."""
    if stream.status is StreamStatus.LIVE:
        return now + timedelta(seconds=settings.live_interval)
    if stream.status is StreamStatus.UPCOMING:
        return _upcoming(stream, now, settings)
    if stream.status is StreamStatus.ENDED:
        return _final(stream, now)
    return None


def _upcoming(stream: Stream, now: datetime, settings: CollectorSettings) -> datetime | None:
    slow = now + timedelta(seconds=settings.upcoming_interval)
    start = stream.scheduled_start
    if start is None:
        return slow
    if now > start + GIVE_UP_AFTER:
        return None
    if now < start - LEAD:
        return min(slow, start - LEAD)
    if now < start + timedelta(minutes=settings.grace):
        return now + NEAR_INTERVAL
    return slow


def _final(stream: Stream, now: datetime) -> datetime | None:
    end = stream.actual_end or now
    for offset in FINAL_POLLS:
        if end + offset > now:
            return end + offset
    return None
