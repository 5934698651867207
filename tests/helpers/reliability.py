"""A four-platform world for the reliability tests and the soak: config, plan, simulator.

``world(folder, days=...)`` serves the demo weeks (YouTube, Facebook, Instagram, Twitch
simulcasts) on a ``SimulatedClock`` and builds a ``Collector`` on a real TinyStore, like
``streamer demo`` does. ``FaultPlan`` arms the issue's faults; ``Ledger`` watches every
cycle and checks that each due poll became a snapshot or a recorded gap.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from helpers.configs import simulator_config
from helpers.retries import instant_retries

from collectors.simulator import FaultRule, Scenario, Simulator, demo_week
from streamer import retry
from streamer.app.daemon import Collector
from streamer.clock import SimulatedClock
from streamer.config import Config, load_config
from streamer.models import Broadcast, Stream, StreamStatus, Target
from streamer.tinystore import TinyStore

TZ = ZoneInfo("Asia/Almaty")
MONDAY = date(2026, 3, 2)  # a Monday; Pacific time switches to PDT on 2026-03-08
ADAL = {"youtube": "UCadalKomek0000000000000", "facebook": "100000000000002",
        "instagram": "17841400000000002"}  # fmt: skip
ANTIKOR = {"youtube": "UCantikorLive00000000000", "facebook": "100000000000001",
           "instagram": "17841400000000001", "twitch": "antikorlive"}  # fmt: skip
GRAPH = "v19.0"

# Distinctive values, so that a grep of every output finds any leak.
SECRETS = {
    "REL_YOUTUBE_KEY": "AIzaSECRETyoutube0000key7f3a",
    "REL_FACEBOOK_TOKEN": "EAAGsecretFacebookToken91c2",
    "REL_INSTAGRAM_TOKEN": "IGQVsecretInstagramToken5d8e",
    "REL_TWITCH_ID": "twitchSECRETclientid4b6f",
    "REL_TWITCH_SECRET": "twitchSECRETclientsecret2a9d",
}

# The platforms' key settings, naming the variables above.
KEYS = {
    "youtube": {"api_key_env": "REL_YOUTUBE_KEY"},
    "facebook": {"access_token_env": "REL_FACEBOOK_TOKEN"},
    "instagram": {"access_token_env": "REL_INSTAGRAM_TOKEN"},
    "twitch": {"client_id_env": "REL_TWITCH_ID", "client_secret_env": "REL_TWITCH_SECRET"},
}
PROGRAMMES = (
    ("antikor-live", "Antikor.Live", tuple(ANTIKOR.items())),
    ("adal-komek", "Adal Komek", tuple(ADAL.items())),
)

# Where each platform's requests go, for aiming faults at one platform.
PREFIXES = {
    "youtube": ("/youtube/v3/", "/feeds/"),
    "facebook": (f"/{GRAPH}/{ADAL['facebook'][:-1]}",),  # both Pages: 10000000000000x
    "instagram": (f"/{GRAPH}/{ADAL['instagram'][:-1]}",),  # both accounts
    "twitch": ("/helix/", "/oauth2/token"),
}
TRANSIENT_KINDS = ("http429", "http500", "http503", "timeout", "malformed", "truncated")


def scenario(monday: date, weeks: int) -> Scenario:
    """``weeks`` demo weeks from ``monday``, simulcast on every platform."""
    streams: list[Any] = []
    titles: dict[str, str] = {}
    for week in range(weeks):
        played = demo_week(
            monday + timedelta(weeks=week), "Asia/Almaty",
            adal_channel=ADAL["youtube"], antikor_channel=ANTIKOR["youtube"],
            adal_facebook=ADAL["facebook"], antikor_facebook=ANTIKOR["facebook"],
            adal_instagram=ADAL["instagram"], antikor_instagram=ANTIKOR["instagram"],
            antikor_twitch=ANTIKOR["twitch"],
        )  # fmt: skip
        streams += played.streams
        titles |= dict(played.channel_titles)
    return Scenario(streams=streams, seed=7, channel_titles=titles)


def plan(monday: date, weeks: int) -> list[Broadcast]:
    """The weekday 11:00 Adal Komek and Tue/Thu 15:00 Antikor.Live of each week."""
    found = []
    for day in range(7 * weeks):
        on = monday + timedelta(days=day)
        if on.weekday() < 5:
            found.append(_planned(f"a{day:03d}", "adal-komek", on, time(11), ADAL))
        if on.weekday() in (1, 3):
            found.append(_planned(f"k{day:03d}", "antikor-live", on, time(15), ANTIKOR))
    return found


def _planned(bid: str, slug: str, on: date, at: time, channels: Mapping[str, str]) -> Broadcast:
    start = datetime.combine(on, at, tzinfo=TZ)
    targets = tuple(Target(p, c) for p, c in channels.items())
    return Broadcast(f"{bid}xxxxx"[:8], slug, f"{slug} {on}", start, 60, targets)


def write_config(folder: Path, endpoint: str, timeout: float = 0.2) -> Config:
    """The four-platform streamer.toml in ``folder``, loaded back."""
    path = folder / "streamer.toml"
    extra = f"[collector]\nrequest_timeout = {timeout}\n"
    text = simulator_config(endpoint, programmes=PROGRAMMES, keys=KEYS, extra=extra)
    path.write_text(text, encoding="utf-8")
    return load_config(path)


@dataclass
class FaultPlan:
    """The issue's faults: a rate of transient faults everywhere, one platform down for a
    window, one quota exhaustion."""

    rate: float = 0.05
    down: str = "facebook"
    down_from: datetime | None = None
    down_for: timedelta = timedelta(days=1)
    quota_at: datetime | None = None
    delay: float = 0.3  # real seconds a timeout holds the connection (> request_timeout)

    def arm(self, sim: Simulator) -> None:
        """Add the rules to ``sim.faults`` (down window and quota first: they win)."""
        if self.down_from is not None:
            end = self.down_from + self.down_for
            for prefix in PREFIXES[self.down]:
                sim.faults.add(FaultRule("http503", prefix, start=self.down_from, end=end))
        if self.quota_at is not None:
            sim.faults.add(FaultRule("quota", "/youtube/v3/videos", times=1, start=self.quota_at))
        each = self.rate / len(TRANSIENT_KINDS)
        for prefixes in PREFIXES.values():
            for prefix in prefixes:
                for kind in TRANSIENT_KINDS:
                    sim.faults.add(FaultRule(kind, prefix, rate=each, delay=self.delay))  # type: ignore[arg-type]


_current = threading.local()


def platform_of_path(path: str) -> str:
    """Which platform a simulator request path belongs to."""
    for name, prefixes in PREFIXES.items():
        if path.startswith(prefixes):
            return name
    # A Page video's insights (``/v19.0/{video id}/video_insights``) are Facebook's.
    return "facebook" if path.startswith(f"/{GRAPH}/") else "other"


class Counting:
    """A platform adapter that records its calls and the retries made inside them."""

    def __init__(self, inner: Any, ledger: Ledger) -> None:
        self.inner, self.ledger = inner, ledger
        self.name, self.max_batch = inner.name, inner.max_batch

    def discover(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("discover", *args, **kwargs)

    def poll(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("poll", *args, **kwargs)

    def _call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        _current.name = self.name
        try:
            return getattr(self.inner, method)(*args, **kwargs)
        except Exception:
            self.ledger.count(self.name, f"{method}_failed")
            raise
        finally:
            _current.name = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


@dataclass
class Ledger:
    """Per platform: polls due, snapshots written, gaps by reason, retries, faults."""

    counts: dict[str, Counter[str]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    problems: list[str] = field(default_factory=list)

    def count(self, platform: str, what: str, n: int = 1) -> None:
        with self.lock:
            self.counts.setdefault(platform, Counter())[what] += n

    def watch(self, world: World) -> None:
        """Count retries and injected faults per platform, and wrap the adapters."""
        engine = world.collector.engine
        engine.platforms = {n: Counting(p, self) for n, p in engine.platforms.items()}
        pause = retry.pause

        def counted_pause(seconds: float, clock: Any = None) -> None:
            self.count(getattr(_current, "name", None) or "other", "retried")
            pause(seconds, clock)

        world.stack.callback(setattr, retry, "pause", pause)
        retry.pause = counted_pause  # type: ignore[assignment]
        pick = world.sim.faults.pick

        def counted_pick(path: str, now: datetime) -> FaultRule | None:
            rule = pick(path, now)
            if rule is not None:
                self.count(platform_of_path(path), "injected")
            return rule

        world.sim.faults.pick = counted_pick  # type: ignore[method-assign]

    def check_cycle(self, store: TinyStore, before: Mapping[str, Stream], now: datetime) -> None:
        """Each stream due at ``now`` got a snapshot or a gap with a reason (or went missing)."""
        due = [s for s in before.values() if _due(s, now)]
        moment = (now, now + timedelta(microseconds=1))
        snapped = {s.stream for s in store.snapshots(*moment)}
        gapped = {g.stream: g.reason for g in store.gaps(*moment)}
        after = store.streams(include_archive=True)
        for stream in due:
            self.count(stream.platform, "expected")
            polled = after.get(stream.key, stream)
            if stream.key in snapped:
                self.count(stream.platform, "written")
            elif gapped.get(stream.key):
                self.count(stream.platform, "gaps")
                self.count(stream.platform, f"gap:{gapped[stream.key]}")
            elif polled.status is StreamStatus.MISSING:
                self.count(stream.platform, "missing")
            elif polled.last_polled_at == now:
                # Answered with nothing to record: Instagram's final polls of an ended
                # stream (the API shows only what is live now).
                self.count(stream.platform, "no_figures")
            else:
                self.problems.append(f"{now.isoformat()} {stream.key}: due, neither polled nor gap")

    def table(self) -> str:
        """The fault table, one row per platform."""
        head = ("platform", "injected", "retried", "gaps", "expected", "written", "no_figures",
                "missing")  # fmt: skip
        rows = [head]
        for name in sorted(self.counts):
            c = self.counts[name]
            rows.append((name, *(str(c[k]) for k in head[1:])))
        widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
        return "\n".join(
            "  ".join(v.rjust(w) for v, w in zip(r, widths, strict=True)) for r in rows
        )


def _due(stream: Stream, now: datetime) -> bool:
    return not stream.done and stream.next_poll_at is not None and stream.next_poll_at <= now


@dataclass
class World:
    """The simulator, the config and plan on disk, a collector, all on one clock."""

    clock: SimulatedClock
    sim: Simulator
    config: Config
    store: TinyStore
    collector: Collector
    stack: ExitStack
    environ: dict[str, str]

    def play(self, until: datetime, ledger: Ledger | None = None) -> int:
        """Cycles at the times the engine asks for, until ``until``; returns the count."""
        cycles = 0
        while self.clock.now() < until:
            before = self.store.streams() if ledger else {}
            self.collector.collect_once()
            if ledger is not None:
                ledger.check_cycle(self.store, before, self.clock.now())
            cycles += 1
            due = self.collector.engine.next_due(self.clock.now())
            self.clock.set(min(until, max(due, self.clock.now() + timedelta(seconds=1))))
        return cycles

    def restart(self) -> None:
        """A new collector on the same folder and clock (a process restart)."""
        self.collector.close()
        self.store = TinyStore(self.config.data_dir)
        self.collector = Collector(self.config, self.clock, self.environ, self.store)


@contextmanager
def world(
    folder: Path,
    *,
    weeks: int = 1,
    start: datetime | None = None,
    faults: FaultPlan | None = None,
    timeout: float = 0.2,
    clock: SimulatedClock | None = None,
) -> Iterator[World]:
    """A served four-platform simulator, config and plan on disk, and a collector."""
    begin = start or datetime.combine(MONDAY - timedelta(days=1), time(0), tzinfo=TZ)
    clock = clock or SimulatedClock(begin)
    sim = Simulator(scenario(MONDAY, weeks), clock)
    if faults is not None:
        faults.arm(sim)
    environ = dict(SECRETS)
    with ExitStack() as stack:
        stack.enter_context(instant_retries())
        endpoint = stack.enter_context(sim.serve())
        config = write_config(folder, endpoint, timeout)
        store = TinyStore(config.data_dir)
        store.change_plan(lambda _current: plan(MONDAY, weeks))
        collector = Collector(config, clock, environ, store)
        made = World(clock, sim, config, store, collector, stack, environ)
        stack.callback(lambda: made.collector.close())
        yield made
