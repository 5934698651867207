"""``GET /_sim/plan``: the rolling world's schedule, for ``streamer init --simulator``.

Not a platform API: a simulator's own route (under ``/_sim``) answering what its
producers planned, the programmes and their channel on each platform, so a config
and a plan can be written that match the world being served.
"""

from __future__ import annotations

from datetime import timedelta
from functools import partial
from typing import Any

from collectors.simulator.faults import FaultRule
from collectors.simulator.rolling import PROGRAMMES, RollingWorld
from collectors.simulator.routing import Request, Response, Route, json_response

PATH = "/_sim/plan"
DEFAULT_DAYS = 7
MAX_DAYS = 31


class _PlainFaults:
    """Faults on this route answer a bare status (it is no platform's)."""

    def fault_response(self, rule: FaultRule) -> Response:
        status = {"http429": 429, "http503": 503}.get(rule.kind, 500)
        return Response(status, b"{}")


def routes(rolling: RollingWorld) -> list[Route]:
    """The plan route over ``rolling``."""
    return [Route("GET", PATH, partial(plan, rolling), _PlainFaults())]


def plan(rolling: RollingWorld, request: Request) -> Response:
    """The scheduled broadcasts of the next ``days`` (default 7) from the world's start."""
    try:
        days = int(request.param("days") or DEFAULT_DAYS)
    except ValueError:
        return json_response({"error": "days must be a whole number"}, 400)
    days = max(1, min(MAX_DAYS, days))
    return json_response(plan_payload(rolling, days))


def plan_payload(rolling: RollingWorld, days: int = DEFAULT_DAYS) -> dict[str, Any]:
    """The route's answer as plain JSON types (times in UTC ISO 8601)."""
    slots = rolling.plan(rolling.start + timedelta(days=days))
    return {
        "start": rolling.start.isoformat().replace("+00:00", "Z"),
        "programmes": [
            {"slug": p.slug, "name": p.name, "title": p.title, "channels": dict(p.channels)}
            for p in PROGRAMMES
        ],
        "broadcasts": [
            {
                "programme": slot.programme.slug,
                "title": f"{slot.programme.title} #{slot.index + 1}",
                "start": slot.planned.isoformat().replace("+00:00", "Z"),
                "duration_min": round(slot.duration.total_seconds() / 60),
            }
            for slot in slots
        ],
    }
