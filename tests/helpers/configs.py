"""The streamer.toml text the integration tests write: programmes on the simulator.

``simulator_config(url, programmes=...)`` points every platform the programmes use at
the simulator on ``url`` with the standard key names below; ``ENVIRON`` holds a value
for each of them, so ``Collector(config, clock, ENVIRON)`` finds every credential.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from streamer.app.daemon import Collector
from streamer.clock import SimulatedClock
from streamer.config import load_config

PLATFORMS = ("youtube", "facebook", "instagram", "twitch")
# The settings naming each platform's environment variables, and the standard names.
KEY_NAMES: Mapping[str, Mapping[str, str]] = {
    "youtube": {"api_key_env": "SIM_YOUTUBE_KEY"},
    "facebook": {"access_token_env": "SIM_FACEBOOK_TOKEN"},
    "instagram": {"access_token_env": "SIM_INSTAGRAM_TOKEN"},
    "twitch": {"client_id_env": "SIM_TWITCH_ID", "client_secret_env": "SIM_TWITCH_SECRET"},
}
# Distinctive values, so that a grep of any output finds a leak.
ENVIRON: Mapping[str, str] = {
    "SIM_YOUTUBE_KEY": "AIzaFAKE-sim-youtube-key-7f3a",
    "SIM_FACEBOOK_TOKEN": "EAAGfake-sim-facebook-token-91c2",
    "SIM_INSTAGRAM_TOKEN": "IGQVfake-sim-instagram-token-5d8e",
    "SIM_TWITCH_ID": "twitchFAKEsimclientid4b6f",
    "SIM_TWITCH_SECRET": "twitchFAKEsimclientsecret2a9d",
}
# The settings that take the simulator's URL, per platform.
ENDPOINTS: Mapping[str, tuple[str, ...]] = {
    "youtube": ("api_endpoint", "rss_endpoint"),
    "facebook": ("api_endpoint",),
    "instagram": ("api_endpoint",),
    "twitch": ("api_endpoint", "auth_endpoint"),
}
Channels = Sequence[tuple[str, str]]  # (platform, channel id)
RECORDED_TIMEOUT = "[collector]\nrequest_timeout = 2\n"


def programme(slug: str, name: str, channels: Channels) -> str:
    """One ``[[programmes]]`` table."""
    rows = "".join(f'  {{ platform = "{p}", id = "{c}" }},\n' for p, c in channels)
    return f'[[programmes]]\nslug = "{slug}"\nname = "{name}"\nchannels = [\n{rows}]\n'


def platform_table(name: str, url: str, keys: Mapping[str, str] | None = None) -> str:
    """``[platforms.NAME]`` with the key names (standard unless given) and ``url``."""
    settings = {**(keys or KEY_NAMES[name]), **dict.fromkeys(ENDPOINTS[name], url)}
    lines = "".join(f'{key} = "{value}"\n' for key, value in settings.items())
    return f"[platforms.{name}]\n{lines}"


def simulator_config(
    url: str,
    *,
    programmes: Sequence[tuple[str, str, Channels]],
    platforms: Sequence[str] | None = None,
    keys: Mapping[str, Mapping[str, str]] = KEY_NAMES,
    timezone: str | None = "Asia/Almaty",
    extra: str = "",
) -> str:
    """A streamer.toml: ``programmes`` as (slug, name, channels), each platform they use
    (or ``platforms``) on the simulator at ``url``, then ``extra`` (a ``[collector]``
    table, say) verbatim; no ``timezone`` line when ``timezone`` is None."""
    used = {platform for _slug, _name, channels in programmes for platform, _id in channels}
    chosen = platforms if platforms is not None else [p for p in PLATFORMS if p in used]
    head = 'data_dir = "data"\n' + (f'timezone = "{timezone}"\n' if timezone else "")
    tables = [programme(*p) for p in programmes] + [
        platform_table(name, url, keys[name]) for name in chosen
    ]
    return "\n".join([head, *tables, extra]).rstrip("\n") + "\n"


@contextmanager
def recorded_collector(
    folder: Path, url: str, programme: tuple[str, str, Channels], start: datetime
) -> Iterator[Collector]:
    """A sequential collector in ``folder`` following ``programme`` on the recordings
    served at ``url`` (UTC, 2 s timeouts), on a simulated clock at ``start``."""
    path = folder / "streamer.toml"
    text = simulator_config(url, programmes=[programme], timezone="UTC", extra=RECORDED_TIMEOUT)
    path.write_text(text, "utf-8")
    with Collector(load_config(path), SimulatedClock(start), ENVIRON, parallel=False) as built:
        yield built
