"""A fifth platform ("VK Video") written the way a new platform would be: its own
settings, adapter builder and simulator routes in one module, named by one spec.

Nothing else in the code base knows it: ``tests/test_platform_spec.py`` registers
``SPEC`` for a test and checks that the config, the collector, the simulator and the
reports take it up.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import httpx

from collectors.base import AuthFailed, Discovery, PollResult, Usage
from collectors.builders import client, secret
from collectors.simulator.faults import FaultRule
from collectors.simulator.routing import HttpProblem, Request, Response, Route, json_response
from collectors.simulator.world import World
from streamer.clock import Clock
from streamer.config import CollectorSettings
from streamer.models import Channel, Snapshot, Stream, StreamStatus, from_iso, to_iso
from streamer.platforms import PlatformSpec

NAME = "vkvideo"
TOKEN = "vk-fake-token-31d7"  # what the stand-in accepts


@dataclass(frozen=True, slots=True)
class VkSettings:
    """``[platforms.vkvideo]``: the token's variable and the API's base URL."""

    token_env: str = "VK_TOKEN"
    api_endpoint: str = "https://api.vk.example"
    discovery_interval: int | None = None


SPEC = PlatformSpec(
    NAME,
    "VK Video",
    "VK",
    VkSettings,
    quota_zone="Asia/Tokyo",  # far from UTC and Pacific, so its quota day is its own
    adapter="helpers.fake_platform:build",
    simulator=("helpers.fake_platform:routes",),
    link="https://vk.example/video/{external_id}",
)


class VkAdapter:
    """Reads ``GET /vk/streams?owner=CHANNEL``: one request per channel, one unit each."""

    name = NAME
    max_batch = 50

    def __init__(self, http: httpx.Client, token: tuple[str, str], endpoint: str) -> None:
        self._http, self._token, self._endpoint = http, token, endpoint

    def _items(self, channel: str, usage: Usage) -> list[dict[str, Any]]:
        usage.charge(self._token[0], 1)
        answer = self._http.get(
            f"{self._endpoint}/vk/streams",
            params={"owner": channel},
            headers={"authorization": f"Bearer {self._token[1]}"},
        )
        if answer.status_code == 401:
            raise AuthFailed(NAME, self._token[0], "401")
        items: list[dict[str, Any]] = answer.json()["items"]
        return items

    def discover(
        self, channels: Sequence[Channel], now: datetime, known: Collection[str] = ()
    ) -> Discovery:
        """Every stream of ``channels`` not among ``known``."""
        found = Discovery()
        for channel in channels:
            for item in self._items(channel.id, found.usage):
                if item["id"] not in known:
                    found.streams.append(_stream(channel.id, item, now))
        return found

    def poll(self, streams: Sequence[Stream], now: datetime) -> PollResult:
        """A snapshot of each stream, its status refreshed."""
        result = PollResult()
        for channel in dict.fromkeys(s.channel for s in streams):
            items = {i["id"]: i for i in self._items(channel, result.usage)}
            for stream in (s for s in streams if s.channel == channel):
                item = items[stream.external_id]
                status = StreamStatus(item["status"])
                result.updates.append(_facts(stream, item))
                result.snapshots.append(
                    Snapshot(stream.key, now, status, item["viewers"], item["views"])
                )
        return result


def _facts(stream: Stream, item: Mapping[str, Any]) -> Stream:
    start, end = item["started"], item["ended"]
    return replace(
        stream,
        title=item["title"],
        status=StreamStatus(item["status"]),
        actual_start=from_iso(start) if start else None,
        actual_end=from_iso(end) if end else None,
    )


def _stream(channel: str, item: Mapping[str, Any], now: datetime) -> Stream:
    return _facts(Stream(NAME, item["id"], channel, discovered_at=now), item)


def build(
    settings: VkSettings,
    collector: CollectorSettings,
    environ: Mapping[str, str],
    clock: Clock,
    stack: ExitStack,
) -> VkAdapter:
    """The spec's adapter builder."""
    token = secret(environ, settings.token_env, NAME)
    return VkAdapter(client(collector, stack), token, settings.api_endpoint)


class _Faults:
    def fault_response(self, rule: FaultRule) -> Response:
        return json_response({"error": rule.kind}, 500)


def routes(world: World) -> list[Route]:
    """The stand-in's one route, answering from the simulator's world."""

    def streams(request: Request) -> Response:
        if request.bearer_token != TOKEN:
            raise HttpProblem(json_response({"error": "bad token"}, 401))
        now = world.now()
        owned = world.channel_streams(NAME, request.param("owner") or "")
        return json_response({"items": [_item(world, s, now) for s in owned]})

    return [Route("GET", "/vk/streams", streams, _Faults())]


def _item(world: World, stream: Any, now: datetime) -> dict[str, Any]:
    reading = world.reading(stream, now)
    started = stream.actual_start is not None and stream.actual_start <= now
    ended = started and stream.actual_end <= now
    status = "ended" if ended else "live" if started else "upcoming"
    return {
        "id": stream.video_id,
        "title": stream.title,
        "status": status,
        "started": to_iso(stream.actual_start) if started else None,
        "ended": to_iso(stream.actual_end) if ended else None,
        "viewers": world.viewers(stream, now) if status == "live" else None,
        "views": reading.views if started else None,
    }
