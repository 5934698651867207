"""``streamer init --simulator URL DIR``: a config and a plan for a running simulator.

The simulator's rolling world answers ``GET /_sim/plan`` with its programmes (a
channel on each platform) and the broadcasts its producers planned; this writes
a streamer.toml pointed at the simulator for every platform and plans those
broadcasts, so ``streamer run`` finds, matches and polls them from its first
cycle. Credentials stay out of the file: it names environment variables, and the
throwaway values the simulator accepts are printed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import httpx

import schedules
from streamer.config import Config, load_config
from streamer.errors import UserError
from streamer.models import Broadcast, from_iso
from streamer.store import config_store

ENVIRON = {
    "STREAMER_SIM_YOUTUBE_KEY": "sim-youtube-key",
    "STREAMER_SIM_FACEBOOK_TOKEN": "sim-facebook-token",
    "STREAMER_SIM_INSTAGRAM_TOKEN": "sim-instagram-token",
    "STREAMER_SIM_TWITCH_ID": "sim-twitch-client",
    "STREAMER_SIM_TWITCH_SECRET": "sim-twitch-secret",
}
"""The variables the written config names, and values the simulator accepts."""

_PLATFORMS = """\
[platforms.youtube]
api_key_env = "STREAMER_SIM_YOUTUBE_KEY"
api_endpoint = "{url}"
rss_endpoint = "{url}"

[platforms.facebook]
access_token_env = "STREAMER_SIM_FACEBOOK_TOKEN"
api_endpoint = "{url}"

[platforms.instagram]
access_token_env = "STREAMER_SIM_INSTAGRAM_TOKEN"
api_endpoint = "{url}"

[platforms.twitch]
client_id_env = "STREAMER_SIM_TWITCH_ID"
client_secret_env = "STREAMER_SIM_TWITCH_SECRET"
api_endpoint = "{url}"
auth_endpoint = "{url}"
"""

_HEAD = """\
# Written by `streamer init --simulator {url}`: the simulator's rolling world on
# every platform. Credentials are environment variables (any value works there).
data_dir = "data"
timezone = "{tz}"
language = "en"
"""

_LABELS = {"youtube": "YouTube", "facebook": "Facebook", "instagram": "Instagram"}


def platform_tables(url: str) -> str:
    """The ``[platforms.*]`` tables pointing every platform at the simulator ``url``."""
    return _PLATFORMS.format(url=url)


def config_text(url: str, plan: Mapping[str, Any], tz: str = "Asia/Almaty") -> str:
    """A whole streamer.toml for the simulator at ``url`` serving ``plan``'s programmes."""
    parts = [_HEAD.format(url=url, tz=tz)]
    for programme in plan["programmes"]:
        rows = [
            f'  {{ platform = "{platform}", id = "{ident}", '
            f'label = "{programme["name"]} {_LABELS.get(platform, platform.title())}" }},'
            for platform, ident in programme["channels"].items()
        ]
        parts.append(
            f'[[programmes]]\nslug = "{programme["slug"]}"\nname = "{programme["name"]}"\n'
            "channels = [\n" + "\n".join(rows) + "\n]\n"
        )
    parts.append(platform_tables(url))
    return "\n".join(parts)


def fetch_plan(url: str, get: Callable[[str], httpx.Response] | None = None) -> dict[str, Any]:
    """The simulator's ``/_sim/plan``; any failure is a one-line ``UserError``."""
    where = f"{url.rstrip('/')}/_sim/plan"
    try:
        response = (get or partial(httpx.get, timeout=10.0))(where)
    except httpx.HTTPError as exc:
        raise UserError(f"no simulator answers at {url} ({type(exc).__name__})") from None
    if response.status_code == 404:
        raise UserError(f"{url} serves no plan: start it with 'streamer simulate' (no --scenario)")
    if response.status_code != 200:
        raise UserError(f"{where} answered HTTP {response.status_code}")
    try:
        payload = response.json()
        if not isinstance(payload, dict):
            raise ValueError("not an object")
        return payload
    except ValueError:
        raise UserError(f"{where} did not answer the simulator's JSON") from None


def init_simulator(url: str, directory: Path, *, force: bool = False) -> tuple[Path, int]:
    """Write DIRECTORY/streamer.toml for the simulator at ``url`` and plan its
    broadcasts; returns the config's path and how many broadcasts were planned."""
    target = directory / "streamer.toml"
    if target.exists() and not force:
        raise UserError(f"{target} already exists; pass --force to overwrite it")
    plan = fetch_plan(url)
    directory.mkdir(parents=True, exist_ok=True)
    target.write_text(config_text(url.rstrip("/"), plan), encoding="utf-8")
    config = load_config(target)
    requests = [_request(item, config) for item in plan["broadcasts"]]
    store = config_store(config)
    new_id = schedules.default_id_factory()
    made = store.change_plan(partial(_add_all, requests=requests, config=config, new_id=new_id))
    return target, len(made)


def _request(item: Mapping[str, Any], config: Config) -> schedules.PlanRequest:
    start = from_iso(item["start"]).astimezone(config.tz).replace(tzinfo=None)
    return schedules.PlanRequest(
        programme=item["programme"],
        title=item["title"],
        start=start,
        duration_min=int(item["duration_min"]),
        allow_overlap=True,  # the world's own schedule; a re-run may plan it again
    )


def _add_all(
    current: Mapping[str, Broadcast],
    requests: Sequence[schedules.PlanRequest],
    config: Config,
    new_id: Callable[[], str],
) -> list[Broadcast]:
    """Every request's broadcast, skipping one already planned at the same time."""
    known = dict(current)
    taken = {(b.programme, b.start) for b in known.values()}
    made: list[Broadcast] = []
    for request in requests:
        for broadcast in schedules.add(known, request, config.programmes, config.tz, new_id):
            if (broadcast.programme, broadcast.start) in taken:
                continue
            taken.add((broadcast.programme, broadcast.start))
            known[broadcast.id] = broadcast
            made.append(broadcast)
    return made
