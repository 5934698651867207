"""The rolling world: both programmes on every platform, from now on, for ever.

``streamer simulate`` serves it by default. Slot 0 is a simulcast of both
programmes that goes live within two minutes of start-up; from then on one more
broadcast starts every hour or so (Adal Komek on odd hours, Antikor.Live on even
ones), each simulcast on YouTube, Facebook, Instagram and Twitch. Every six hours
the pattern repeats: a late start (hour 1), a no-show (2), an unplanned stream
(3), a deleted stream (4) and two ordinary broadcasts (5, 6). Audiences follow the
demo's curves (``curves.py``) and views keep arriving after the end.

The world is generated lazily: ``RollingWorld.due(now)`` hands the world the
slots published by ``now`` (a day before their start, as the demo announces
them), and ``World`` drops a stream ``keep`` (8 days) after it ended, past its
last final poll, so a week-long run holds a bounded number of streams. Everything
is a pure function of ``(seed, start, slot)``: ``plan`` answers the schedule
without touching the world, for ``streamer init --simulator``.
"""

from __future__ import annotations

import dataclasses
import math
import random
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from collectors.simulator.scenario import Scenario, SimStream
from collectors.simulator.scenarios import numeric_id, video_id
from streamer.clock import as_utc

HOUR = timedelta(hours=1)
AHEAD = timedelta(days=1)
"""How long before its start a broadcast is announced (published, listed)."""
KEEP = timedelta(days=8)
"""How long after it ended a stream stays in the world: past the +7 days final poll."""
PLATFORMS = ("youtube", "facebook", "instagram", "twitch")
_SHARE = {"facebook": 0.4, "instagram": 0.25, "twitch": 0.2}
_DIGITS = {"facebook": 16, "instagram": 17}
_EVENTS = ("normal", "late", "no-show", "unplanned", "deleted", "normal")
"""What happens to slot k (k ≥ 1): ``_EVENTS[k % 6]``."""


@dataclass(frozen=True, slots=True)
class Programme:
    """One programme of the rolling world and its channel on each platform."""

    slug: str
    name: str
    title: str
    channels: dict[str, str]  # platform → channel id (Twitch: the login)
    peak: tuple[int, int]  # YouTube's concurrent peak is drawn in this range
    views: tuple[int, int]  # and its final views in this one


PROGRAMMES = (
    Programme(
        "adal-komek",
        "Adal Komek",
        "Adal Komek: free legal advice",
        {
            "youtube": "UCadalKomek0000000000000",
            "facebook": "100000000000002",
            "instagram": "17841400000000002",
            "twitch": "adalkomek",
        },
        (60, 140),
        (350, 600),
    ),
    Programme(
        "antikor-live",
        "Antikor.Live",
        "Antikor.Live: ask the anti-corruption service",
        {
            "youtube": "UCantikorLive00000000000",
            "facebook": "100000000000001",
            "instagram": "17841400000000001",
            "twitch": "antikorlive",
        },
        (200, 380),
        (1100, 1600),
    ),
)


@dataclass(frozen=True, slots=True)
class Slot:
    """One broadcast of one programme, before it is spread over the platforms."""

    index: int
    programme: Programme
    planned: datetime  # when it is announced to start (also for an unplanned one)
    event: str  # one of _EVENTS
    duration: timedelta

    @property
    def scheduled(self) -> bool:
        """Whether a producer planned it (an unplanned stream is announced nowhere)."""
        return self.event != "unplanned"


class RollingWorld:
    """The rolling world from ``start``; ``due`` is safe from many threads."""

    def __init__(
        self, start: datetime, *, seed: int = 18, keep: timedelta = KEEP, ahead: timedelta = AHEAD
    ) -> None:
        start = as_utc(start)
        # Whole minutes, so planned starts read well; the first is at most a minute away.
        self.start = start + timedelta(seconds=-start.timestamp() % 60)
        self.seed = seed
        self.keep = keep
        self.ahead = ahead
        self._next = 0
        self._lock = threading.Lock()

    def slots(self, index: int) -> list[Slot]:
        """Slot ``index``'s broadcasts: both programmes for 0, one programme after."""
        rng = random.Random(f"{self.seed}|{self.start.isoformat()}|{index}")
        if index == 0:
            return [
                Slot(0, p, self.start, "normal", timedelta(minutes=50 + rng.randint(0, 4)))
                for p in PROGRAMMES
            ]
        planned = self.start + index * HOUR + timedelta(minutes=rng.randint(0, 6))
        duration = timedelta(minutes=40 + rng.randint(0, 8))
        event = _EVENTS[index % len(_EVENTS)]
        return [Slot(index, PROGRAMMES[(index + 1) % 2], planned, event, duration)]

    def streams(self, index: int) -> list[SimStream]:
        """Every platform's stream of slot ``index``."""
        return [s for slot in self.slots(index) for s in self._spread(slot)]

    def _spread(self, slot: Slot) -> list[SimStream]:
        rng = random.Random(
            f"{self.seed}|{self.start.isoformat()}|{slot.index}|{slot.programme.slug}"
        )
        label = f"roll|{self.start.isoformat()}|{slot.index}|{slot.programme.slug}"
        held = slot.event not in ("no-show", "deleted")
        late = timedelta(minutes=17) if slot.event == "late" else timedelta(0)
        begin = slot.planned + late + timedelta(seconds=rng.randint(10, 40))
        peak, views = rng.randint(*slot.programme.peak), rng.randint(*slot.programme.views)
        main = SimStream(
            channel=slot.programme.channels["youtube"],
            video_id=video_id(self.seed, label),
            title=f"{slot.programme.title} #{slot.index + 1}",
            scheduled_start=slot.planned if slot.scheduled else None,
            actual_start=begin if held else None,
            actual_end=begin + slot.duration if held else None,
            peak_viewers=peak if held else 0,
            final_views=views if held else 0,
            deleted_at=slot.planned - timedelta(minutes=15) if slot.event == "deleted" else None,
            published_at=None if slot.scheduled else begin,
        )
        made = [main]
        for platform in PLATFORMS[1:]:
            share = _SHARE[platform]
            ident = (
                numeric_id(self.seed, f"{platform}|{label}", _DIGITS[platform])
                if platform in _DIGITS
                else numeric_id(self.seed, f"{platform}|{label}", 11)
            )
            made.append(
                dataclasses.replace(
                    main,
                    platform=platform,
                    channel=slot.programme.channels[platform],
                    video_id=ident,
                    peak_viewers=math.floor(main.peak_viewers * share),
                    final_views=math.floor(main.final_views * share),
                )
            )
        return made

    def due(self, now: datetime) -> list[SimStream]:
        """The streams announced by ``now`` not handed out before (each slot once)."""
        with self._lock:
            made: list[SimStream] = []
            while self.slots(self._next)[0].planned - self.ahead <= now:
                made += self.streams(self._next)
                self._next += 1
            return made

    def next_due(self) -> datetime:
        """When ``due`` will next have something to hand out."""
        with self._lock:
            return self.slots(self._next)[0].planned - self.ahead

    def scenario(self) -> Scenario:
        """The world at ``start``: the slots announced by then, and channel titles."""
        titles = {c: p.name for p in PROGRAMMES for c in p.channels.values()}
        return Scenario(streams=self.due(self.start), seed=self.seed, channel_titles=titles)

    def plan(self, until: datetime) -> list[Slot]:
        """The scheduled slots (unplanned ones left out) planned to start before ``until``."""
        found, index = [], 0
        while (slots := self.slots(index))[0].planned < until:
            found += [slot for slot in slots if slot.scheduled]
            index += 1
        return found
