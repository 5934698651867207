"""From a request to a reply: count it, maybe inject a fault, route it.

Kept apart from the socket server so the whole request path (faults, quota,
routes) can be exercised in-process, and so the server only writes bytes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from collectors.simulator.faults import TRANSPORT_KINDS, FaultRule, FaultSet
from collectors.simulator.routing import HttpProblem, Request, Response, Route, Router
from collectors.simulator.stats import SimStats
from streamer.clock import Clock, as_utc

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Reply:
    """What the server sends.

    ``response=None`` means: hold the connection ``hold`` seconds (real time), then
    close it unanswered, so the client times out. ``truncate`` sends the headers of
    the full body but only half of it.
    """

    response: Response | None
    hold: float = 0.0
    truncate: bool = False


class Dispatcher:
    """Answers requests from the routes, with the armed faults applied."""

    def __init__(self, router: Router, faults: FaultSet, stats: SimStats, clock: Clock) -> None:
        self._router = router
        self._faults = faults
        self._stats = stats
        self._clock = clock

    def handle(self, request: Request) -> Reply:
        """The reply to ``request``."""
        self._stats.count_request(request.path)
        route = self._router.match(request.method, request.path)
        if route is None:
            return Reply(Response(404, b"Not Found\n", content_type="text/plain; charset=UTF-8"))
        rule = self._faults.pick(request.path, as_utc(self._clock.now()))
        if rule is None:
            return Reply(_call(route, request))
        self._stats.count_fault(rule.kind)
        return _faulty(route, request, rule)


def _faulty(route: Route, request: Request, rule: FaultRule) -> Reply:
    if rule.kind == "timeout":
        return Reply(None, hold=rule.delay)
    if rule.kind not in TRANSPORT_KINDS:
        return Reply(route.style.fault_response(rule))
    # The platform did the work (and charged the quota); only the delivery fails.
    response = _call(route, request)
    if rule.kind == "truncated":
        return Reply(response, truncate=True)
    half = response.body[: len(response.body) // 2]
    return Reply(Response(200, half, content_type=response.content_type))


def _call(route: Route, request: Request) -> Response:
    try:
        return route.handler(request)
    except HttpProblem as problem:
        return problem.response
    except Exception:
        # A bug in the simulator: answer like a platform's 500 and say where.
        # Only the path is logged; the query string may hold an API key.
        logger.exception("simulator route %s %s failed", request.method, request.path)
        return route.style.fault_response(FaultRule(kind="http500"))
