"""Platform simulator: a local HTTP server that answers like the real platform APIs.

It plays a ``Scenario`` of streams on an injected clock (``streamer.clock``), so a
simulated week runs in seconds, and injects faults on request::

    sim = Simulator(Scenario(streams=[SimStream(...)], seed=7), clock)
    with sim.serve() as base_url:          # "http://127.0.0.1:PORT"
        sim.faults.add(FaultRule(kind="http503", path_prefix="/youtube/v3/videos", times=1))
        ...                                # point clients at base_url
    sim.stats.requests, sim.ground_truth()

Four platforms are served (docs/platforms.md): the YouTube Data API v3 (videos,
channels, playlistItems, search, liveBroadcasts) and the channel RSS feed, the Facebook
Graph ``live_videos`` edge and video insights, Instagram ``live_media``, and Twitch
Helix with its app-token endpoint; plus a Telegram Bot API stand-in (``telegram``) for
the alert channel. Each platform's spec (``streamer.platforms``) names its routes.
"""

from collectors.simulator.faults import FAULT_KINDS, FaultKind, FaultRule, FaultSet
from collectors.simulator.quota import DEFAULT_DAILY_QUOTA
from collectors.simulator.scenario import Scenario, SimStream
from collectors.simulator.scenarios import demo_week
from collectors.simulator.simulator import Simulator
from collectors.simulator.stats import SimStats
from collectors.simulator.truth import StreamTruth

__all__ = [
    "DEFAULT_DAILY_QUOTA",
    "FAULT_KINDS",
    "FaultKind",
    "FaultRule",
    "FaultSet",
    "Scenario",
    "SimStats",
    "SimStream",
    "Simulator",
    "StreamTruth",
    "demo_week",
]
