"""The built-in platforms' adapter builders, named by their specs (``streamer.platforms``).

A builder takes ``(settings, collector_settings, environ, clock, stack)`` and returns
the platform's adapter; credentials are read here, from the variables the settings
name, and never logged or stored. Each builder imports its adapter when called, so a
collector loads only the platforms it uses (the Google client only for YouTube).
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import ExitStack
from typing import TYPE_CHECKING

import httpx

from collectors.base import Platform
from collectors.http import api_client
from streamer.clock import Clock
from streamer.config import CollectorSettings
from streamer.errors import ConfigError
from streamer.platform_settings import GraphSettings, TwitchSettings, YouTubeSettings

if TYPE_CHECKING:  # imported when a builder runs, so unused platforms never load
    from collectors.facebook import FacebookAdapter
    from collectors.instagram import InstagramAdapter


def secret(environ: Mapping[str, str], env: str, platform: str) -> tuple[str, str]:
    """(``env``, its value); unset or empty is a ``ConfigError`` naming the variable."""
    value = environ.get(env, "")
    if not value:
        raise ConfigError(f"{platform}: environment variable {env} is not set; export {env}=...")
    return env, value


def client(collector: CollectorSettings, stack: ExitStack) -> httpx.Client:
    """A pooled API client with the collector's timeout, closed with ``stack``."""
    return stack.enter_context(api_client(collector.request_timeout))


def youtube(
    settings: YouTubeSettings,
    collector: CollectorSettings,
    environ: Mapping[str, str],
    clock: Clock,
    stack: ExitStack,
) -> Platform:
    """The YouTube adapter: every configured key, the API and the channel feed."""
    from collectors.youtube import YouTubeAdapter  # the Google client: only when used

    timeout = collector.request_timeout
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


def facebook(
    settings: GraphSettings,
    collector: CollectorSettings,
    environ: Mapping[str, str],
    clock: Clock,
    stack: ExitStack,
) -> Platform:
    """The Facebook adapter over Graph (Page ``live_videos``)."""
    from collectors.facebook import FacebookAdapter

    return _graph(FacebookAdapter, "facebook", settings, collector, environ, clock, stack)


def instagram(
    settings: GraphSettings,
    collector: CollectorSettings,
    environ: Mapping[str, str],
    clock: Clock,
    stack: ExitStack,
) -> Platform:
    """The Instagram adapter over Graph (``live_media``)."""
    from collectors.instagram import InstagramAdapter

    return _graph(InstagramAdapter, "instagram", settings, collector, environ, clock, stack)


def _graph(
    adapter: type[FacebookAdapter] | type[InstagramAdapter],
    name: str,
    settings: GraphSettings,
    collector: CollectorSettings,
    environ: Mapping[str, str],
    clock: Clock,
    stack: ExitStack,
) -> Platform:
    """Facebook and Instagram: the same Graph settings, token and client."""
    return adapter(
        client(collector, stack),
        secret(environ, settings.access_token_env, name),
        api_endpoint=settings.api_endpoint,
        graph_version=settings.graph_version,
        clock=clock,
    )


def twitch(
    settings: TwitchSettings,
    collector: CollectorSettings,
    environ: Mapping[str, str],
    clock: Clock,
    stack: ExitStack,
) -> Platform:
    """The Twitch adapter: Helix with an app token by client credentials."""
    from collectors.twitch import TwitchAdapter

    client_id = secret(environ, settings.client_id_env, "twitch")
    client_secret = secret(environ, settings.client_secret_env, "twitch")
    return TwitchAdapter(
        client(collector, stack),
        client_id,
        client_secret,
        api_endpoint=settings.api_endpoint,
        auth_endpoint=settings.auth_endpoint,
        clock=clock,
    )
