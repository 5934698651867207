"""Worlds for the independent check: the week demo, the half-year demo and a small
world with gaps, late discovery and an unplanned simulcast, each collected into a
folder; and the reports of such a folder as JSON (through the CLI, as a user runs them)."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from rich.console import Console

from collectors.simulator import FaultRule, SimStream
from streamer.app.cli import run
from streamer.app.demo import DEMO_ENVIRON, demo_config, play, run_demo
from streamer.app.demo_half_year import run_half_year
from streamer.models import Broadcast, BroadcastStatus, Target
from tests.helpers.simulated import simulated_collector

ALMATY = ZoneInfo("Asia/Almaty")
WEEK_MONDAY = date(2026, 11, 23)  # a past week: the period is over, nothing in progress
GAPS_MONDAY = date(2026, 11, 16)
ADAL = {"youtube": "UCadalKomek0000000000000", "facebook": "100000000000002",
        "instagram": "17841400000000002"}  # fmt: skip
ANTIKOR = {"youtube": "UCantikorLive00000000000", "facebook": "100000000000001",
           "instagram": "17841400000000001", "twitch": "antikorlive"}  # fmt: skip


@dataclass(frozen=True)
class Collected:
    """A collected folder: its config, the report period and when collection stopped."""

    name: str
    config: Path
    first: date
    last: date
    finished: datetime

    def report(self, kind: str, *extra: str) -> dict[str, object]:
        """``streamer report KIND --from --to --format json`` of the period, parsed."""
        out = self.config.parent / f"{kind}{'-'.join(('', *extra))}.json"
        args = ["--config", str(self.config), "report", kind, "--from", str(self.first)]
        args += ["--to", str(self.last), "--format", "json", "--out", str(out), *extra]
        assert run(args) == 0
        parsed: dict[str, object] = json.loads(out.read_text(encoding="utf-8"))
        return parsed


def week_demo(folder: Path) -> Collected:
    """`streamer demo`'s week (four platforms, an unplanned simulcast on Saturday)."""
    run_demo(folder, Console(file=io.StringIO()), today=WEEK_MONDAY)
    finished = datetime.combine(WEEK_MONDAY + timedelta(days=7), time(0), tzinfo=ALMATY)
    return Collected("week", folder / "streamer.toml", WEEK_MONDAY,
                     WEEK_MONDAY + timedelta(days=6), finished)  # fmt: skip


def half_year_demo(folder: Path) -> Collected:
    """`streamer demo --half-year`: January–June 2020 (its own agreement check must pass)."""
    assert run_half_year(folder, Console(file=io.StringIO(), width=120))
    return Collected("half_year", folder / "streamer.toml", date(2020, 1, 1),
                     date(2020, 6, 30), datetime(2020, 7, 9, tzinfo=ALMATY))  # fmt: skip


def _at(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    moment = time(hour, minute, second)
    return datetime.combine(GAPS_MONDAY + timedelta(days=day), moment, tzinfo=ALMATY)


# platform, channel, id, title, start (day, h, m, s), end, peak viewers, final views, planned
_ADAL, _ANTI, _FLASH = (
    "Adal Komek: free legal advice",
    "Antikor.Live: ask the anti-corruption service",
    "Antikor.Live: flash live",
)
_WORLD = (
    ("youtube", ADAL, "adalMon0001", _ADAL, (0, 11, 7, 15), (0, 12, 9, 40), 120, 500, True),
    ("facebook", ADAL, "5000000000000001", _ADAL, (0, 11, 7, 15), (0, 12, 9, 40), 50, 210, True),
    ("instagram", ADAL, "17900000000000001", _ADAL, (0, 11, 7, 15), (0, 12, 9, 40), 30, 0, False),
    ("youtube", ANTIKOR, "antiMon0001", _ANTI, (0, 15, 1), (0, 16, 5, 30), 300, 1400, True),
    ("twitch", ANTIKOR, "40000000001", _ANTI, (0, 15, 1, 40), (0, 16, 4, 50), 60, 280, False),
    ("facebook", ADAL, "5000000000000002", "Adal Komek: extra", (0, 13, 10), (0, 13, 40), 40, 150,
     False),
    ("youtube", ANTIKOR, "antiFlash01", _FLASH, (0, 19), (0, 19, 40, 20), 200, 900, False),
    ("twitch", ANTIKOR, "40000000002", _FLASH, (0, 19, 1), (0, 19, 40), 40, 170, False),
    ("instagram", ANTIKOR, "17900000000000002", _FLASH, (0, 19, 0, 30), (0, 19, 39), 50, 0, False),
    ("facebook", ANTIKOR, "5000000000000003", _FLASH, (0, 19, 2), (0, 19, 41), 80, 350, False),
    ("youtube", ANTIKOR, "antiTue0001", _FLASH, (1, 20), (1, 20, 30), 150, 600, False),
)  # fmt: skip


def _streams() -> list[SimStream]:
    """Monday: Adal Komek 11:00 late by 7 min 15 s on three platforms (Facebook failing for
    a quarter of an hour); Antikor.Live 15:00 (45 min planned) overrunning on YouTube and
    Twitch; an unplanned Facebook stream at 13:10 found only after its end; an unplanned
    Antikor.Live simulcast at 19:00 on four platforms (Twitch found late too). Tuesday: an
    unplanned stream at 20:00. Tuesday's Adal Komek is a no-show; Antikor.Live's is
    cancelled."""
    made = []
    for platform, owner, vid, title, start, end, peak, views, announced in _WORLD:
        began = _at(*start)
        made.append(
            SimStream(
                channel=owner[platform],
                video_id=vid,
                title=title,
                scheduled_start=_at(start[0], start[1]) if announced else None,
                actual_start=began,
                actual_end=_at(*end),
                peak_viewers=peak,
                final_views=views,
                platform=platform,
            )
        )
    return made


def _plan() -> list[Broadcast]:
    """Monday's two broadcasts; Tuesday's Adal Komek (missed) and Antikor.Live (cancelled)."""
    adal = tuple(Target(p, c) for p, c in ADAL.items())
    anti = tuple(Target(p, ANTIKOR[p]) for p in ("youtube", "twitch"))
    rows = (
        ("g0mon011", "adal-komek", _ADAL, _at(0, 11), 60, adal, BroadcastStatus.PLANNED),
        ("g0mon015", "antikor-live", _ANTI, _at(0, 15), 45, anti, BroadcastStatus.PLANNED),
        ("g0tue011", "adal-komek", _ADAL, _at(1, 11), 60, adal, BroadcastStatus.PLANNED),
        ("g0tue015", "antikor-live", _ANTI, _at(1, 15), 60, anti, BroadcastStatus.CANCELLED),
    )
    return [
        Broadcast(ident, slug, title, start, minutes, targets, district="Turkestan", status=status)
        for ident, slug, title, start, minutes, targets, status in rows
    ]


def gaps_world(folder: Path) -> Collected:
    """The small world, collected from Sunday to the next Monday 22:00: Monday's streams
    have made their last final poll (+7 days), Tuesday's have not."""
    folder.mkdir(parents=True, exist_ok=True)
    collector = {"live_interval": 60, "discovery_interval": 900, "upcoming_interval": 600,
                 "near_interval": 60, "near_lead": 15}  # fmt: skip

    def config(url: str) -> str:
        text = demo_config(url, collector=collector, fsync=False)
        # Facebook read every 2 hours only: its unplanned streams are found after the end.
        slow = 'access_token_env = "STREAMER_DEMO_FACEBOOK_TOKEN"'
        return text.replace(slow, f"{slow}\ndiscovery_interval = 7200")

    finished = _at(7, 22)
    with simulated_collector(folder, start=_at(-1, 0), streams=_streams(), seed=13,
                             config=config, environ=DEMO_ENVIRON, plan=_plan()) as w:  # fmt: skip
        # Adal Komek's Facebook Page fails from 11:20 to 11:35: gaps, lower coverage there.
        w.sim.faults.add(FaultRule("http503", path_prefix=f"/v19.0/{ADAL['facebook']}/",
                                   start=_at(0, 11, 20), end=_at(0, 11, 35)))  # fmt: skip
        play(w.collector, w.clock, finished, Console(file=io.StringIO()))
    return Collected("gaps", folder / "streamer.toml", GAPS_MONDAY,
                     GAPS_MONDAY + timedelta(days=6), finished)  # fmt: skip
