"""The store's one time format (``to_iso``/``from_iso``), written from a bounded cache of
recent UTC times: the same text as formatting each time afresh, whatever came before."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from streamer import models
from streamer.models import from_iso, to_iso


def fresh(moment: datetime) -> str:
    """The format, worked out without the cache."""
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def test_cached_texts_are_the_formatted_ones_and_read_back() -> None:
    """UTC times with and without microseconds, asked once and again (cached), give the
    format's text, and that text reads back as the time to the second."""
    rng = random.Random(7)
    start = datetime(2024, 12, 31, 23, 59, 59, tzinfo=UTC)
    moments = [
        start + timedelta(seconds=rng.randint(0, 10**8), microseconds=rng.randint(0, 999_999))
        for _ in range(2000)
    ]
    moments += [m.replace(microsecond=0) for m in moments[:500]]
    for _ in range(2):
        for moment in moments:
            text = to_iso(moment)
            assert text == fresh(moment)
            assert from_iso(text) == moment.replace(microsecond=0)


def test_other_zones_are_formatted_as_their_utc_instant_fold_included() -> None:
    """A time of another zone is its UTC instant. The two 01:30 of the night New York's
    clocks go back are equal as datetimes (same zone, fold ignored) but an hour apart:
    each gives its own text, whichever came first."""
    zone = ZoneInfo("America/New_York")
    first = datetime(2025, 11, 2, 1, 30, tzinfo=zone)
    second = first.replace(fold=1)
    assert first == second
    assert [to_iso(first), to_iso(second)] == ["2025-11-02T05:30:00Z", "2025-11-02T06:30:00Z"]
    assert [to_iso(second), to_iso(first)] == ["2025-11-02T06:30:00Z", "2025-11-02T05:30:00Z"]
    almaty = datetime(2025, 3, 1, 10, 0, tzinfo=ZoneInfo("Asia/Almaty"))
    assert to_iso(almaty) == fresh(almaty) == "2025-03-01T05:00:00Z"


def test_the_cache_stays_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """Past its bound the cache is emptied, not grown, and still gives the right texts."""
    monkeypatch.setattr(models, "_ISO_TEXTS", {})
    monkeypatch.setattr(models, "_ISO_TEXTS_MAX", 100)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    for n in range(1000):
        moment = start + timedelta(minutes=n)
        assert to_iso(moment) == fresh(moment)
        assert len(models._ISO_TEXTS) <= 100


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="no time zone"):
        to_iso(datetime(2025, 1, 1, 5, 0))
