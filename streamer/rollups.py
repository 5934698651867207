"""The ``Rollup`` model: one stream's folded audience figures, and its stored form.

``streamer.rollup`` folds snapshots into a ``Rollup``; the store keeps it as a JSON
document (``to_doc``/``from_doc``) whose field names and formats are a promise: data
folders written before load, and the same input gives byte for byte the same file.
Times are aware UTC datetimes here and ISO strings to the second (``to_iso``) there.

Rollups stored before the exact sums and ``live_until`` lack those fields
(``ADDED``). ``from_doc`` fills them as the fold carries such a rollup on (the sums
from the minute figures, ``live_until`` from ``last_live_at``) and lists them in
``absent``; ``to_doc`` leaves absent fields out and keeps a stored document's key
order, so reading and writing back changes nothing until a fold adds them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from operator import itemgetter
from typing import Any

from streamer.fastbuild import builder
from streamer.models import from_iso, to_iso

# Fields added after rollups were first stored: an older rollup lacks them.
ADDED = ("covered_seconds", "viewer_seconds_x2", "live_until")
# The stored field order of a rollup written by ``empty`` and folded since.
ORDER = (
    "stream",
    "live_interval_s",
    "samples",
    "live_samples",
    "gaps",
    "peak_concurrent",
    "peak_at",
    "viewer_minutes",
    "covered_minutes",
    "viewer_seconds_x2",
    "covered_seconds",
    "first_live_at",
    "last_live_at",
    "live_until",
    "last_live_viewers",
    "last_sample_at",
    "last_status",
    "last_viewers",
    "views",
    "likes",
    "comments",
)
_NO_GAPS: Mapping[str, int] = {}
_NOTHING_ABSENT: frozenset[str] = frozenset()
_ALL_FIELDS = itemgetter(*ORDER)
# Fields a stored rollup may leave out when unknown (read with ``None``).
_UNKNOWN = dict.fromkeys(
    ("peak_concurrent", "peak_at", "first_live_at", "last_live_at", "last_live_viewers",
     "last_sample_at", "last_status", "last_viewers", "views", "likes", "comments")
)  # fmt: skip  # a document's values in ``ORDER``, in one call


@dataclass(frozen=True, slots=True)
class Rollup:
    """One stream's (or one broadcast's combined) figures, folded one snapshot at a time.

    Definitions are in ``streamer.rollup``. ``gaps`` counts missed polls by reason.
    ``absent`` names the ``ADDED`` fields its stored document lacked (an old rollup);
    ``order`` is that document's key order when it is not ``ORDER``.
    """

    stream: str
    live_interval_s: int
    samples: int = 0
    live_samples: int = 0
    gaps: Mapping[str, int] = field(default_factory=dict)
    peak_concurrent: int | None = None
    peak_at: datetime | None = None
    viewer_minutes: float = 0.0
    covered_minutes: float = 0.0
    viewer_seconds_x2: int = 0
    covered_seconds: int = 0
    first_live_at: datetime | None = None
    last_live_at: datetime | None = None
    live_until: datetime | None = None
    last_live_viewers: int | None = None
    last_sample_at: datetime | None = None
    last_status: str | None = None
    last_viewers: int | None = None
    views: int | None = None
    likes: int | None = None
    comments: int | None = None
    absent: frozenset[str] = field(default=frozenset(), compare=False)
    order: tuple[str, ...] | None = field(default=None, compare=False, repr=False)

    def to_doc(self) -> dict[str, Any]:
        """The stored document: ``ORDER``'s fields (or the stored order), times as ISO."""
        doc: dict[str, Any] = {
            "stream": self.stream,
            "live_interval_s": self.live_interval_s,
            "samples": self.samples,
            "live_samples": self.live_samples,
            "gaps": dict(self.gaps),
            "peak_concurrent": self.peak_concurrent,
            "peak_at": _iso(self.peak_at),
            "viewer_minutes": self.viewer_minutes,
            "covered_minutes": self.covered_minutes,
            "viewer_seconds_x2": self.viewer_seconds_x2,
            "covered_seconds": self.covered_seconds,
            "first_live_at": _iso(self.first_live_at),
            "last_live_at": _iso(self.last_live_at),
            "live_until": _iso(self.live_until),
            "last_live_viewers": self.last_live_viewers,
            "last_sample_at": _iso(self.last_sample_at),
            "last_status": self.last_status,
            "last_viewers": self.last_viewers,
            "views": self.views,
            "likes": self.likes,
            "comments": self.comments,
        }
        if self.order is None and not self.absent:
            return doc
        names = self.order or ORDER
        return {name: doc[name] for name in names if name in doc and name not in self.absent}

    @classmethod
    def from_doc(cls, doc: Mapping[str, Any]) -> Rollup:
        """A stored document back as a ``Rollup`` (one lacking ``ADDED`` fields too)."""
        try:
            values = _ALL_FIELDS(doc)
            absent = _NOTHING_ABSENT
        except KeyError:  # an older document: what it lacks, carried on as the fold did
            absent = frozenset(name for name in ADDED if name not in doc)
            values = _ALL_FIELDS({**_UNKNOWN, **_carried(doc), **doc})
        order = tuple(doc)
        return _current(values, None if order == ORDER else order, absent)


def _carried(doc: Mapping[str, Any]) -> dict[str, Any]:
    """The ``ADDED`` fields of an old rollup: the exact sums from its minute figures,
    ``live_until`` from ``last_live_at`` (``rollup --rebuild`` stores the real ones)."""
    return {
        "viewer_seconds_x2": round(doc["viewer_minutes"] * 120),
        "covered_seconds": round(doc["covered_minutes"] * 60),
        "live_until": doc.get("last_live_at"),
    }


def _current(
    values: tuple[Any, ...], order: tuple[str, ...] | None, absent: frozenset[str]
) -> Rollup:
    """A rollup from a document's values in ``ORDER`` (``_ALL_FIELDS`` takes them out in
    one call, in any key order: PostgreSQL's ``jsonb`` keeps its own), built by
    ``builder`` — a half-year report decodes 15,000. The times are parsed inline, not
    through ``_time``: a call fewer for each of five times of 15,000 rollups."""
    (stream, interval, samples, live, gaps, peak, peak_at, viewer_minutes, covered_minutes,
     viewer_seconds_x2, covered_seconds, first_live_at, last_live_at, live_until,
     last_live_viewers, last_sample_at, last_status, last_viewers, views, likes,
     comments) = values  # fmt: skip
    return _build(
        stream,
        interval,
        samples,
        live,
        gaps or _NO_GAPS,
        peak,
        None if peak_at is None else from_iso(peak_at),
        viewer_minutes,
        covered_minutes,
        viewer_seconds_x2,
        covered_seconds,
        None if first_live_at is None else from_iso(first_live_at),
        None if last_live_at is None else from_iso(last_live_at),
        None if live_until is None else from_iso(live_until),
        last_live_viewers,
        None if last_sample_at is None else from_iso(last_sample_at),
        last_status,
        last_viewers,
        views,
        likes,
        comments,
        absent,
        order,
    )


_build = builder(Rollup)


def empty(stream: str, live_interval_s: int) -> Rollup:
    """A rollup with no samples yet."""
    return Rollup(stream, live_interval_s)


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else to_iso(moment)


def _time(text: str | None) -> datetime | None:
    return None if text is None else from_iso(text)
