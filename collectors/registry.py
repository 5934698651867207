"""Building the platform adapters a configuration asks for.

Credentials are read here, from the environment variables the config names, and
handed to the adapters; they are never logged or stored. A platform that no
programme has a channel on is not built (and needs no credentials).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import ExitStack

import httpx

from collectors.base import Platform
from collectors.youtube import YouTubeAdapter
from streamer.clock import Clock
from streamer.config import Config

# One builder per platform; adding a platform is adding its adapter and a line here.
Builder = Callable[[Config, Mapping[str, str], Clock, ExitStack], Platform]


def _youtube(
    config: Config, environ: Mapping[str, str], clock: Clock, stack: ExitStack
) -> Platform:
    settings = config.youtube
    timeout = config.collector.request_timeout
    rss = stack.enter_context(httpx.Client(timeout=timeout, follow_redirects=True))
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


BUILDERS: dict[str, Builder] = {"youtube": _youtube}


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
