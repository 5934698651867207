"""The simulator: platforms' routes over one world, served on loopback.

Adding a platform is adding one module with ``routes(world) -> list[Route]`` (its
handlers and its ``FaultStyle``) and naming it in the platform's spec
(``streamer.platforms.PlatformSpec.simulator``): every registered platform is served.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from datetime import datetime

from collectors.simulator import telegram
from collectors.simulator.dispatch import Dispatcher, Reply
from collectors.simulator.faults import FaultSet
from collectors.simulator.plan_route import routes as plan_routes
from collectors.simulator.quota import QuotaLedger
from collectors.simulator.rolling import RollingWorld
from collectors.simulator.routing import Request, Route, Router
from collectors.simulator.scenario import Scenario, SimStream
from collectors.simulator.server import serve
from collectors.simulator.stats import SimStats
from collectors.simulator.truth import StreamTruth, truth_of
from collectors.simulator.world import World
from streamer import platforms as registry
from streamer.clock import Clock

RouteFactory = Callable[[World], list[Route]]


def platform_routes() -> list[RouteFactory]:
    """Every registered platform's route factories, from the specs, in platform order."""
    return [
        registry.load(path) for name in registry.names() for path in registry.spec(name).simulator
    ]


class Simulator:
    """Plays ``scenario`` on ``clock`` and answers like the real platform APIs.

    ``invalid_keys``: API keys answered with 400 ``keyInvalid`` (bot tokens: 401).
    ``quota_limit``: daily units per key (``None``: unlimited; YouTube's default is 10,000), reset
    at midnight Pacific by the injected clock. ``oauth_channel``: the channel a
    Bearer token acts as (default: the scenario's first channel). ``rolling``: a
    world that grows with the clock (``scenario`` is then ignored), with its plan
    served at ``/_sim/plan``.
    """

    def __init__(
        self,
        scenario: Scenario,
        clock: Clock,
        *,
        invalid_keys: Iterable[str] = (),
        quota_limit: int | None = None,
        oauth_channel: str | None = None,
        rolling: RollingWorld | None = None,
    ) -> None:
        if rolling is not None:
            scenario = rolling.scenario()
        self.scenario = scenario
        self.clock = clock
        self.stats = SimStats()
        self.faults = FaultSet(seed=scenario.seed)
        self.quota = QuotaLedger(quota_limit)
        self.world = World(
            scenario,
            clock,
            stats=self.stats,
            quota=self.quota,
            invalid_keys=invalid_keys,
            oauth_channel=oauth_channel,
        )
        # The Telegram Bot API stand-in, where alerts go (``sim.telegram.messages``).
        self.telegram = telegram.TelegramBox(frozenset(invalid_keys))
        made = [route for make in platform_routes() for route in make(self.world)]
        if rolling is not None:
            self.world.roll_from(rolling)
            made += plan_routes(rolling)
        self.router = Router([*made, *telegram.routes(self.telegram)])
        self._dispatcher = Dispatcher(self.router, self.faults, self.stats, clock)

    def serve(
        self, host: str = "127.0.0.1", port: int = 0, *, allow_remote: bool = False
    ) -> AbstractContextManager[str]:
        """Serve in a daemon thread; ``with sim.serve() as base_url: ...``.

        Binding anything but loopback needs ``allow_remote=True``.
        """
        return serve(self._dispatcher, host, port, allow_remote=allow_remote)

    def handle(self, request: Request) -> Reply:
        """Answer one request in-process, without a socket (faults and stats apply)."""
        return self._dispatcher.handle(request)

    def streams(self) -> list[SimStream]:
        """Every stream now known, including broadcasts inserted through the API."""
        return self.world.streams(platform=None)

    def ground_truth(self) -> dict[str, StreamTruth]:
        """What really happened to each stream as of ``clock.now()``, by video id."""
        now = self.world.now()
        return {s.video_id: truth_of(self.world, s, now) for s in self.streams()}

    def go_live(
        self, video_id: str, start: datetime, end: datetime, peak: int, views: int
    ) -> SimStream:
        """Make ``video_id`` (e.g. an inserted broadcast) air from ``start`` to ``end``."""
        stream = self.world.stream(video_id)
        if stream is None:
            raise KeyError(f"no stream with video id {video_id}")
        played = dataclasses.replace(
            stream, actual_start=start, actual_end=end, peak_viewers=peak, final_views=views
        )
        self.world.put(played)
        return played
