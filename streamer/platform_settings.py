"""The built-in platforms' settings: one dataclass per ``[platforms.<name>]`` table.

The config validates them by generic rules on the field names (``*_env`` a variable
name, ``*_envs`` a list of them, ``*endpoint`` a URL, ``*_file`` a path from the config's
folder, ``*_interval`` and numbers positive); see ``streamer.config._Validator.settings``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class YouTubeSettings:
    """``[platforms.youtube]``: key variable names, endpoints, OAuth token file."""

    api_key_env: str = "YOUTUBE_API_KEY"
    api_key_envs: tuple[str, ...] = ()
    api_endpoint: str = "https://youtube.googleapis.com"
    rss_endpoint: str = "https://www.youtube.com"
    oauth_token_file: Path | None = None
    quota_limit: int = 10_000
    discovery_interval: int | None = None  # seconds; None: [collector] discovery_interval

    @property
    def key_envs(self) -> tuple[str, ...]:
        """Every key variable to try, in order (``api_key_envs`` else ``api_key_env``)."""
        return self.api_key_envs or (self.api_key_env,)


@dataclass(frozen=True, slots=True)
class GraphSettings:
    """``[platforms.facebook]`` and ``[platforms.instagram]``: the Graph API."""

    access_token_env: str
    api_endpoint: str = "https://graph.facebook.com"
    graph_version: str = "v19.0"
    discovery_interval: int | None = None  # seconds; None: [collector] discovery_interval


@dataclass(frozen=True, slots=True)
class TwitchSettings:
    """``[platforms.twitch]``: Helix with an app token by client credentials."""

    client_id_env: str = "TWITCH_CLIENT_ID"
    client_secret_env: str = "TWITCH_CLIENT_SECRET"
    api_endpoint: str = "https://api.twitch.tv"
    auth_endpoint: str = "https://id.twitch.tv"
    discovery_interval: int | None = None  # seconds; None: [collector] discovery_interval
