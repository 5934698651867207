"""``reports.quality.second_streams`` finds exactly the unplanned broadcasts that
``streamer.simulcast.overlap`` says overlap a matched stream on their channel.

It no longer asks ``overlap`` of every pair (a year's adherence list has thousands of
each): it sorts each channel's matched streams by start and keeps the latest end so
far. Streams drawn at random — ended, still live, over without an end time, never
live — on two channels must give what the pairwise rule gives.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import example, given, settings
from hypothesis import strategies as st

from reports.dataset import Dataset
from reports.quality import second_streams
from streamer.models import Broadcast, Stream, StreamStatus, Target
from streamer.simulcast import overlap

T0 = datetime(2026, 3, 2, 6, tzinfo=UTC)
CHANNELS = ("UCchannelAxxxxxxxxxxxxxxx", "UCchannelBxxxxxxxxxxxxxxx")

# A stream: its channel, start (steps of ten minutes from T0; None: never live), length
# (None: no end time), whether it is over (then a missing end is its last poll) and a
# last poll. Coarse steps: one ending just as another starts is drawn often.
drawn_stream = st.tuples(
    st.sampled_from(CHANNELS),
    st.one_of(st.none(), st.integers(0, 12)),
    st.one_of(st.none(), st.integers(0, 6)),
    st.booleans(),
    st.integers(0, 6),
)
STEP = timedelta(minutes=10)


def _stream(n: int, drawn: tuple[str, int | None, int | None, bool, int], **kw: object) -> Stream:
    channel, start, length, over, polled = drawn
    began = None if start is None else T0 + start * STEP
    ended = None if began is None or length is None else began + length * STEP
    return Stream(
        "youtube",
        f"s{n:04d}",
        channel,
        title=f"stream {n}",
        status=StreamStatus.ENDED if over else StreamStatus.LIVE,
        actual_start=began,
        actual_end=ended,
        last_polled_at=None if began is None else began + polled * STEP,
        **kw,  # type: ignore[arg-type]
    )


A, B = CHANNELS


@settings(max_examples=300, deadline=None)
# A long matched stream, then a short one inside it: the later one ends first, and an
# unplanned stream after it overlaps only the long one.
@example(matched=[(A, 0, 6, True, 6), (A, 1, 1, True, 1)], unplanned=[(0, (A, 3, 1, True, 1))])
@given(
    matched=st.lists(drawn_stream, max_size=12),
    unplanned=st.lists(st.tuples(st.integers(0, 5), drawn_stream), max_size=12),
)
def test_second_streams_are_those_overlapping_a_matched_stream_on_their_channel(
    matched: list[tuple[str, int | None, int | None, bool, int]],
    unplanned: list[tuple[int, tuple[str, int | None, int | None, bool, int]]],
) -> None:
    planned = Broadcast("b-1", "p", "Planned", T0, 60, (Target("youtube", CHANNELS[0]),))
    streams = [_stream(n, d, broadcast_id="b-1") for n, d in enumerate(matched)]
    extras = [
        _stream(100 + n, d, unplanned_id=f"u-{group:08d}") for n, (group, d) in enumerate(unplanned)
    ]
    data = Dataset({"b-1": planned}, {s.key: s for s in [*streams, *extras]}, {}, {})
    asked = {f"u-{group:08d}" for group in range(6)}
    expected = {
        x.unplanned_id
        for x in extras
        if any(overlap(x, m) for m in streams if m.channel == x.channel)
    }
    assert second_streams(data, asked) == expected
    assert second_streams(data, []) == set()
