"""Building the platform adapters a configuration asks for.

Credentials are read here, from the environment variables the config names, and
handed to the adapters; they are never logged or stored. A platform that no
programme has a channel on is not built (and needs no credentials).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import ExitStack
from functools import partial

import httpx

from collectors.base import Platform
from collectors.facebook import FacebookAdapter
from collectors.http import api_client
from collectors.instagram import InstagramAdapter
from collectors.twitch import TwitchAdapter
from collectors.youtube import YouTubeAdapter
from streamer.clock import Clock
from streamer.config import Config, GraphSettings
from streamer.errors import ConfigError

# One builder per platform; adding a platform is adding its adapter and a line here.
Builder = Callable[[Config, Mapping[str, str], Clock, ExitStack], Platform]


def _youtube(
    config: Config, environ: Mapping[str, str], clock: Clock, stack: ExitStack
) -> Platform:
    settings = config.youtube
    timeout = config.collector.request_timeout
    rss = stack.enter_context(api_client(timeout, follow_redirects=True))
    keys = [(name, environ.get(name, "")) for name in settings.key_envs]
    adapter = YouTubeAdapter(
        keys,
        rss_client=rss,
        api_endpoint=settings.api_endpoint,
        rss_endpoint=settings.rss_endpoint,
        timeout=timeout,
        clock=clock,
    )
    stack.callback(adapter.close)
    return adapter


def _secret(environ: Mapping[str, str], env: str, platform: str) -> tuple[str, str]:
    """(``env``, its value); unset or empty is a ``ConfigError`` naming the variable."""
    value = environ.get(env, "")
    if not value:
        raise ConfigError(f"{platform}: environment variable {env} is not set; export {env}=...")
    return env, value


def _client(config: Config, stack: ExitStack) -> httpx.Client:
    timeout = config.collector.request_timeout
    return stack.enter_context(api_client(timeout))


def _graph(
    platform: str,
    adapter: type[FacebookAdapter] | type[InstagramAdapter],
    config: Config,
    environ: Mapping[str, str],
    clock: Clock,
    stack: ExitStack,
) -> Platform:
    """Facebook and Instagram: the same Graph settings, token and client."""
    settings: GraphSettings = getattr(config, platform)
    token = _secret(environ, settings.access_token_env, platform)
    return adapter(
        _client(config, stack),
        token,
        api_endpoint=settings.api_endpoint,
        graph_version=settings.graph_version,
        clock=clock,
    )


def _twitch(config: Config, environ: Mapping[str, str], clock: Clock, stack: ExitStack) -> Platform:
    settings = config.twitch
    client_id = _secret(environ, settings.client_id_env, "twitch")
    client_secret = _secret(environ, settings.client_secret_env, "twitch")
    return TwitchAdapter(
        _client(config, stack),
        client_id,
        client_secret,
        api_endpoint=settings.api_endpoint,
        auth_endpoint=settings.auth_endpoint,
        clock=clock,
    )


BUILDERS: dict[str, Builder] = {
    "youtube": _youtube,
    "facebook": partial(_graph, "facebook", FacebookAdapter),
    "instagram": partial(_graph, "instagram", InstagramAdapter),
    "twitch": _twitch,
}


def build_platforms(
    config: Config, environ: Mapping[str, str], clock: Clock, stack: ExitStack
) -> dict[str, Platform]:
    """Adapters for every platform in use that streamer can collect from.

    Connections are closed when ``stack`` closes. A missing credential is a
    ``ConfigError`` naming the variable.
    """
    return {
        name: BUILDERS[name](config, environ, clock, stack)
        for name in config.platforms_in_use()
        if name in BUILDERS
    }


def unsupported(config: Config) -> list[str]:
    """Platforms in use that have no adapter (reported, not silently skipped)."""
    return [name for name in config.platforms_in_use() if name not in BUILDERS]
