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
from streamer.cli import run
from streamer.demo import DEMO_ENVIRON, demo_config, play, run_demo
from streamer.demo_half_year import run_half_year
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


def _sim(platform: str, channel: str, vid: str, title: str, start: datetime, end: datetime,
         peak: int, views: int, planned: datetime | None = None) -> SimStream:  # fmt: skip
    return SimStream(channel=channel, video_id=vid, title=title, scheduled_start=planned,
                     actual_start=start, actual_end=end, peak_viewers=peak, final_views=views,
                     platform=platform)  # fmt: skip


def _streams() -> list[SimStream]:
    """Monday: Adal Komek 11:00 late by 7 min 15 s on three platforms (Facebook failing for
    a quarter of an hour); Antikor.Live 15:00 (45 min planned) overrunning on YouTube and
    Twitch; an unplanned Facebook stream at 13:10 found only after its end; an unplanned
    Antikor.Live simulcast at 19:00 on four platforms. Tuesday: an unplanned stream at
    20:00. Tuesday's Adal Komek is a no-show; Antikor.Live's is cancelled."""
    adal_on, adal_off = _at(0, 11, 7, 15), _at(0, 12, 9, 40)
    adal = "Adal Komek: free legal advice"
    anti = "Antikor.Live: ask the anti-corruption service"
    flash = "Antikor.Live: flash live"
    return [
        _sim("youtube", ADAL["youtube"], "adalMon0001", adal, adal_on, adal_off, 120, 500,
             _at(0, 11)),
        _sim("facebook", ADAL["facebook"], "5000000000000001", adal, adal_on, adal_off, 50, 210,
             _at(0, 11)),
        _sim("instagram", ADAL["instagram"], "17900000000000001", adal, adal_on, adal_off, 30, 0),
        _sim("youtube", ANTIKOR["youtube"], "antiMon0001", anti, _at(0, 15, 1), _at(0, 16, 5, 30),
             300, 1400, _at(0, 15)),
        _sim("twitch", ANTIKOR["twitch"], "40000000001", anti, _at(0, 15, 1, 40),
             _at(0, 16, 4, 50), 60, 280),
        _sim("facebook", ADAL["facebook"], "5000000000000002", "Adal Komek: extra", _at(0, 13, 10),
             _at(0, 13, 40), 40, 150),
        _sim("youtube", ANTIKOR["youtube"], "antiFlash01", flash, _at(0, 19), _at(0, 19, 40, 20),
             200, 900),
        _sim("twitch", ANTIKOR["twitch"], "40000000002", flash, _at(0, 19, 1), _at(0, 19, 40),
             40, 170),
        _sim("instagram", ANTIKOR["instagram"], "17900000000000002", flash, _at(0, 19, 0, 30),
             _at(0, 19, 39), 50, 0),
        _sim("facebook", ANTIKOR["facebook"], "5000000000000003", flash, _at(0, 19, 2),
             _at(0, 19, 41), 80, 350),
        _sim("youtube", ANTIKOR["youtube"], "antiTue0001", flash, _at(1, 20), _at(1, 20, 30),
             150, 600),
    ]


def _plan() -> list[Broadcast]:
    def item(ident: str, slug: str, title: str, start: datetime, minutes: int,
             targets: dict[str, str], status: BroadcastStatus) -> Broadcast:  # fmt: skip
        aimed = tuple(Target(p, c) for p, c in targets.items())
        return Broadcast(ident, slug, title, start, minutes, aimed, district="Turkestan",
                         status=status)  # fmt: skip

    planned = BroadcastStatus.PLANNED
    adal = ADAL
    anti = {k: ANTIKOR[k] for k in ("youtube", "twitch")}
    return [
        item("g0mon011", "adal-komek", "Adal Komek: free legal advice", _at(0, 11), 60, adal,
             planned),
        item("g0mon015", "antikor-live", "Antikor.Live: ask the anti-corruption service",
             _at(0, 15), 45, anti, planned),
        item("g0tue011", "adal-komek", "Adal Komek: free legal advice", _at(1, 11), 60, adal,
             planned),
        item("g0tue015", "antikor-live", "Antikor.Live: ask the anti-corruption service",
             _at(1, 15), 60, anti, BroadcastStatus.CANCELLED),
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
