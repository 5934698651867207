"""A world of many live streams at once, for the multi-collector tests and benchmarks.

``many_live(start, channels)``: one YouTube channel per programme (``UCmany…``), each
with one stream live from ten minutes before ``start`` for ``hours``; unplanned, so
each is a broadcast of its own (its own programme), and nothing else happens.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from collectors.simulator.scenario import Scenario, SimStream


def channel_id(n: int) -> str:
    """The n-th channel's id: ``UC`` and 22 characters, as YouTube's."""
    return f"UCmany{n:018d}"[:24]


def many_live(start: datetime, channels: int, hours: float = 6.0) -> Scenario:
    """``channels`` channels, each with one stream live around ``start``."""
    began = start - timedelta(minutes=10)
    return Scenario(streams=[_stream(n, began, hours) for n in range(channels)], seed=3)


def _stream(n: int, began: datetime, hours: float) -> SimStream:
    return SimStream(
        channel=channel_id(n), video_id=f"m{n:010d}", title=f"Live {n}",
        actual_start=began, actual_end=began + timedelta(hours=hours),
        peak_viewers=100 + n % 900, final_views=10_000 + n,
    )  # fmt: skip
