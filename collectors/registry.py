"""Building the platform adapters a configuration asks for.

Each platform's spec (``streamer.platforms``) names its builder by dotted path; the
builder is imported only for platforms in use, so a Twitch-only collector never loads
the Google client. Credentials are read by the builders, from the environment
variables the config names; never logged or stored. A platform that no programme has
a channel on is not built (and needs no credentials).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import ExitStack
from typing import Any

from collectors.base import Platform
from streamer import platforms as registry
from streamer.clock import Clock
from streamer.config import CollectorSettings, Config

Builder = Callable[[Any, CollectorSettings, Mapping[str, str], Clock, ExitStack], Platform]
"""``(settings, collector_settings, environ, clock, stack) -> Platform``."""


def builder(name: str) -> Builder | None:
    """Platform ``name``'s adapter builder, imported now; ``None``: it has none."""
    path = registry.spec(name).adapter
    return None if path is None else registry.load(path)  # type: ignore[no-any-return]


def build_platforms(
    config: Config, environ: Mapping[str, str], clock: Clock, stack: ExitStack
) -> dict[str, Platform]:
    """Adapters for every platform in use that streamer can collect from.

    Connections are closed when ``stack`` closes. A missing credential is a
    ``ConfigError`` naming the variable.
    """
    built: dict[str, Platform] = {}
    for name in config.platforms_in_use():
        if (build := builder(name)) is not None:
            built[name] = build(config.platforms[name], config.collector, environ, clock, stack)
    return built


def unsupported(config: Config) -> list[str]:
    """Platforms in use that have no adapter (reported, not silently skipped)."""
    return [name for name in config.platforms_in_use() if registry.spec(name).adapter is None]
