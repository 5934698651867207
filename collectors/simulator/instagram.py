"""Instagram Graph API route: ``/{ig-user-id}/live_media`` (docs/platforms.md §4).

Only media being broadcast at the moment of the request are listed: a scenario
stream with ``platform="instagram"`` appears from its ``actual_start`` to its
``actual_end`` and at no other time (there is nothing upcoming or ended to see).
Each item is a ``BROADCAST``/``LIVE`` IG Media with ``comments_count``; there is no
viewer or view figure to ask for, as on the real API. Graph basics (versions,
token, errors, paging, usage headers) come from ``simulator.facebook``; the ``throttled``
fault answers code 80002 with the account's ``X-Business-Use-Case-Usage``.
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import partial
from typing import Any

from collectors.simulator.facebook import (
    GRAPH_VERSIONS,
    INSTAGRAM_THROTTLE,
    Fields,
    GraphApp,
    GraphFaults,
    graph_time,
    page_of,
    read_fields,
)
from collectors.simulator.routing import Request, Response, Route
from collectors.simulator.scenario import SimStream
from collectors.simulator.world import World
from streamer.models import StreamStatus

PLATFORM = "instagram"
_MEDIA_FIELDS = frozenset(
    {"id", "media_type", "media_product_type", "owner", "username", "comments_count"}
    | {"timestamp", "caption", "permalink"}
)
_NOT_A_NAME = re.compile(r"[^a-z0-9._]")


def routes(world: World) -> list[Route]:
    """``live_media`` of each Instagram account in the scenario, per Graph version."""
    app = GraphApp(world, buc_type="instagram")
    users = dict.fromkeys(s.channel for s in world.streams(PLATFORM))
    styles = {user: GraphFaults(user, INSTAGRAM_THROTTLE) for user in users}
    return [
        Route("GET", f"/{version}/{user}/live_media", partial(live_media, app, user), styles[user])
        for version in GRAPH_VERSIONS
        for user in users
    ]


def live_media(app: GraphApp, user: str, request: Request) -> Response:
    """The account's media live right now (usually none, at most a few)."""
    token = app.authorize(request)
    fields = read_fields(request, _MEDIA_FIELDS, "ShadowIGMedia", default="id")
    now = app.world.now()
    live = sorted(
        (s for s in app.world.channel_streams(PLATFORM, user) if _on_air(s, now)),
        key=lambda s: (s.actual_start, s.video_id),
        reverse=True,
    )
    cut, paging = page_of(live, request)
    data = [media(app.world, stream, now, fields) for stream in cut]
    return app.respond({"data": data, **paging}, token, user)


def media(world: World, stream: SimStream, now: datetime, fields: Fields) -> dict[str, Any]:
    """One live IG Media with the asked ``fields`` (no viewer count exists to give)."""
    username = _NOT_A_NAME.sub("", world.channel_title(stream.channel).lower())
    values: dict[str, Any] = {
        "id": stream.video_id,
        "media_type": "BROADCAST",
        "media_product_type": "LIVE",
        "owner": {"id": stream.channel},
        "username": username or f"user{stream.channel[-6:]}",
        "comments_count": world.reading(stream, now).comments,
        "timestamp": graph_time(stream.actual_start),
        "caption": stream.title or None,
        "permalink": f"https://www.instagram.com/{username}/live/",
    }
    return {name: values[name] for name in fields if values[name] is not None}


def _on_air(stream: SimStream, now: datetime) -> bool:
    started = stream.actual_start is not None and stream.actual_start <= now
    return started and stream.readable_at(now) and stream.state_at(now) is StreamStatus.LIVE
