"""A simulator answering on loopback, as the command-line tests use it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from collectors.simulator import SimStream, Simulator


@dataclass
class Served:
    """The simulator and the URL it answers on."""

    sim: Simulator
    url: str


def live_now(channel: str, video_id: str, *, final_views: int, peak: int = 300) -> SimStream:
    """A YouTube stream on ``channel`` live on the real clock: started 9 minutes ago (10
    planned), ending in two hours."""
    now = datetime.now(UTC).replace(microsecond=0)
    return SimStream(
        channel=channel,
        video_id=video_id,
        title="Antikor.Live",
        scheduled_start=now - timedelta(minutes=10),
        actual_start=now - timedelta(minutes=9),
        actual_end=now + timedelta(hours=2),
        peak_viewers=peak,
        final_views=final_views,
    )
