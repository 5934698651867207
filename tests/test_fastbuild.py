"""``streamer.fastbuild``: what it builds is what the dataclass's own constructor builds."""

from __future__ import annotations

import copy
import pickle
from dataclasses import FrozenInstanceError, dataclass, fields, replace
from datetime import UTC, datetime

import pytest

from reports.metrics import Entry, Figures
from streamer.fastbuild import builder
from streamer.models import Broadcast, Stream, StreamStatus, Target
from streamer.rollups import Rollup

AT = datetime(2026, 11, 30, 11, 0, tzinfo=UTC)
SAMPLES = [
    Rollup("youtube:v1", 60, 10, 9, {"timeout": 1}, 120, AT, 900.5, 9.0, 108060, 540, AT,
           AT, AT, 110, AT, "live", 110, 2000, 30, 4),
    Stream("youtube", "v1", "UCx", "b1", "Title", StreamStatus.LIVE, AT, AT, None, AT, AT,
           AT, 0, False, None),
    Broadcast("b1", "antikor", "Title", AT, 60, (Target("youtube", "UCx"),)),
    Figures(AT, AT, 10, 5, AT, 50.0, 10.0, 60.0, frozenset({("views", "instagram")}), True),
]  # fmt: skip


@pytest.mark.parametrize("made", SAMPLES, ids=lambda made: type(made).__name__)
def test_built_instance_is_the_constructors(made: object) -> None:
    """Same type, equal, same hash and repr, and still frozen."""
    cls = type(made)
    built = builder(cls)(*[getattr(made, f.name) for f in fields(made)])  # type: ignore[arg-type]
    assert type(built) is cls
    assert built == made and repr(built) == repr(made)
    if not isinstance(made, Rollup):  # a rollup holds a dict: unhashable either way
        assert hash(built) == hash(made)
    with pytest.raises(FrozenInstanceError):
        built.__setattr__(fields(made)[0].name, "changed")  # type: ignore[arg-type]
    assert pickle.loads(pickle.dumps(built)) == made
    assert copy.copy(built) == made and replace(built) == made  # type: ignore[type-var]


def test_entry_built_by_the_report_path_equals_the_constructors() -> None:
    """An Entry from ``builder`` compares and hashes like one from ``Entry(...)``."""
    figures = SAMPLES[3]
    assert isinstance(figures, Figures)
    made = Entry("b1", "antikor", "Title", "held", ("youtube",), figures, "", AT, 60, 1)
    built = builder(Entry)(*[getattr(made, f.name) for f in fields(made)])
    assert built == made and hash(built) == hash(made) and built.when == AT


def test_refuses_what_it_cannot_build_faithfully() -> None:
    """A class without slots, or with a ``__post_init__`` that would be skipped: refused."""

    @dataclass(frozen=True)
    class Plain:
        a: int

    @dataclass(frozen=True, slots=True)
    class Checked:
        a: int

        def __post_init__(self) -> None:
            if self.a < 0:
                raise ValueError("negative")

    with pytest.raises(TypeError, match="not a slotted dataclass"):
        builder(Plain)
    with pytest.raises(TypeError, match="__post_init__"):
        builder(Checked)


def test_decoders_give_what_the_constructors_give() -> None:
    """Stored documents decode (the fast paths) to objects equal to the originals, of the
    class itself, and a subclass's decode still goes through the subclass."""
    rollup, stream, broadcast = SAMPLES[0], SAMPLES[1], SAMPLES[2]
    assert isinstance(rollup, Rollup) and isinstance(stream, Stream)
    assert isinstance(broadcast, Broadcast)
    assert Rollup.from_doc(rollup.to_doc()) == rollup
    assert type(Stream.from_dict(stream.to_dict())) is Stream
    assert Stream.from_dict(stream.to_dict()) == stream
    assert Broadcast.from_dict(broadcast.to_dict()) == broadcast
    # Documents in another key order (written by hand, or by an older version) take the
    # field-by-field path and decode to the same objects.
    for original, decode in ((stream, Stream.from_dict), (broadcast, Broadcast.from_dict)):
        shuffled = dict(reversed(original.to_dict().items()))
        assert decode(shuffled) == original
    shuffled_rollup = dict(reversed(rollup.to_doc().items()))
    assert Rollup.from_doc(shuffled_rollup) == rollup
    # ... and a rollup read in another order is written back in that order (a TinyDB
    # file keeps its bytes), while one in the usual order keeps the usual one.
    assert list(Rollup.from_doc(shuffled_rollup).to_doc()) == list(shuffled_rollup)
    assert list(Rollup.from_doc(rollup.to_doc()).to_doc()) == list(rollup.to_doc())

    @dataclass(frozen=True, slots=True)
    class Marked(Stream):
        pass

    assert type(Marked.from_dict(stream.to_dict())) is Marked
