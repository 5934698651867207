"""A collector on the simulator, as the engine tests build it: the simulator served on a
SimulatedClock, a config written and loaded, a plan saved, and a ``Collector``."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from helpers.retries import instant_retries

from collectors.simulator import Scenario, SimStream, Simulator
from streamer.app.daemon import Collector
from streamer.clock import SimulatedClock
from streamer.config import load_config
from streamer.models import Broadcast
from streamer.store import Store
from streamer.tinystore import TinyStore


@dataclass
class Simulated:
    """What ``simulated_collector`` built."""

    clock: SimulatedClock
    sim: Simulator
    store: Store
    collector: Collector


@contextmanager
def simulated_collector(
    tmp: Path,
    *,
    start: datetime,
    streams: Sequence[SimStream],
    seed: int,
    config: Callable[[str], str],
    environ: Mapping[str, str],
    plan: Sequence[Broadcast] = (),
    wrap: Callable[[TinyStore], Store] | None = None,
) -> Iterator[Simulated]:
    """``config(url)`` is the streamer.toml text for the simulator at ``url``; ``wrap``
    may put a wrapper (a counting store) around the store the collector writes to.
    Retries happen without their waits while it is open."""
    clock = SimulatedClock(start)
    sim = Simulator(Scenario(streams=list(streams), seed=seed), clock)
    with ExitStack() as stack:
        stack.enter_context(instant_retries())
        url = stack.enter_context(sim.serve())
        path = tmp / "streamer.toml"
        path.write_text(config(url), encoding="utf-8")
        loaded = load_config(path)
        inner = TinyStore(loaded.data_dir)
        if plan:
            inner.change_plan(lambda current: list(plan))
        store = inner if wrap is None else wrap(inner)
        collector = stack.enter_context(Collector(loaded, clock, environ, store))
        yield Simulated(clock, sim, store, collector)
