"""One descriptor per platform, registered in one place.

A ``PlatformSpec`` holds everything the rest of streamer needs to know about a
platform: its name (as stored on disk and written in the config), label and short
code (reports, console), its settings dataclass (``[platforms.<name>]``, validated by
the config's generic rules) with per-platform defaults, the time zone its quota day
resets in, and — by dotted path, imported only when used — the builder of its adapter
and its simulator routes. Core code (the config, the models) reads the data; only the
collector and the simulator import the feature modules the paths name, so a Twitch-only
collector never loads the Google client.

The four built-in platforms are registered at the end of this module
(``streamer.platform_settings`` holds their settings classes). Adding a platform is
one more ``register(PlatformSpec(...))`` there, plus its adapter and simulator
modules; docs/architecture.md, "Adding a platform", lists the rest.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from streamer.platform_settings import GraphSettings, TwitchSettings, YouTubeSettings
from streamer.timezones import zone


@dataclass(frozen=True, slots=True)
class PlatformSpec:
    """What streamer knows about one platform.

    ``settings`` is a dataclass whose fields are the keys of ``[platforms.<name>]``;
    ``defaults`` fills the fields it has no default for (the Graph token's variable).
    ``adapter`` names a builder ``(settings, collector_settings, environ, clock, stack)
    -> Platform`` as ``"module:function"`` (``None``: nothing to collect from yet);
    ``simulator`` names route factories ``(world) -> list[Route]`` the same way.
    ``link`` is the public page of a stream, with ``{channel}`` and ``{external_id}``
    (``None``: it has no stable one).
    """

    name: str
    label: str
    code: str
    settings: type[Any]
    defaults: Mapping[str, Any] = field(default_factory=dict)
    quota_zone: str = "UTC"
    adapter: str | None = None
    simulator: tuple[str, ...] = ()
    link: str | None = None

    def default_settings(self) -> Any:
        """The settings of a config without a ``[platforms.<name>]`` table."""
        return self.settings(**self.defaults)

    def quota_day(self, now: datetime) -> str:
        """The quota day ``now`` falls in (``YYYY-MM-DD``), in the zone the quota resets in."""
        return now.astimezone(zone(self.quota_zone)).date().isoformat()


_SPECS: dict[str, PlatformSpec] = {}


def register(spec: PlatformSpec) -> PlatformSpec:
    """Add ``spec`` after the platforms registered so far (the order reports use)."""
    if spec.name in _SPECS:
        raise ValueError(f"platform {spec.name!r} is registered already")
    if any(other.code == spec.code for other in _SPECS.values()):
        raise ValueError(f"short code {spec.code!r} is taken")
    _SPECS[spec.name] = spec
    return spec


def unregister(name: str) -> None:
    """Remove platform ``name`` (tests that register a platform of their own)."""
    del _SPECS[name]


@contextmanager
def registered(spec: PlatformSpec) -> Iterator[PlatformSpec]:
    """``spec`` registered for the ``with`` block only."""
    register(spec)
    try:
        yield spec
    finally:
        unregister(spec.name)


def spec(name: str) -> PlatformSpec:
    """The spec of platform ``name`` (``KeyError`` if none is registered)."""
    return _SPECS[name]


def names() -> tuple[str, ...]:
    """Every registered platform's name, in registration order."""
    return tuple(_SPECS)


def in_order(seen: Iterable[str]) -> list[str]:
    """``seen`` in registration order, names of no registered platform last, sorted."""
    found = set(seen)
    return [p for p in _SPECS if p in found] + sorted(found - _SPECS.keys())


def load(path: str) -> Any:
    """The object a ``"package.module:attribute"`` path names, imported now."""
    module, _, attribute = path.partition(":")
    return getattr(importlib.import_module(module), attribute)


class _View(Mapping[str, str]):
    """A read-only ``name -> text`` view over the registry (labels, short codes)."""

    def __init__(self, pick: Callable[[PlatformSpec], str]) -> None:
        self._pick = pick

    def __getitem__(self, name: str) -> str:
        return self._pick(_SPECS[name])

    def __iter__(self) -> Iterator[str]:
        return iter(_SPECS)

    def __len__(self) -> int:
        return len(_SPECS)


LABELS: Mapping[str, str] = _View(lambda s: s.label)
"""``youtube`` -> ``YouTube``: a platform's name for people."""
CODES: Mapping[str, str] = _View(lambda s: s.code)
"""``youtube`` -> ``YT``: the short code where a cell lists several platforms."""


register(
    PlatformSpec(
        "youtube",
        "YouTube",
        "YT",
        YouTubeSettings,
        quota_zone="America/Los_Angeles",  # units reset at midnight Pacific (platforms.md §1.2)
        adapter="collectors.builders:youtube",
        link="https://www.youtube.com/watch?v={external_id}",
        simulator=(
            "collectors.simulator.youtube:routes",
            "collectors.simulator.youtube_live:routes",
            "collectors.simulator.feeds:routes",
        ),
    )
)
register(
    PlatformSpec(
        "facebook",
        "Facebook",
        "FB",
        GraphSettings,
        {"access_token_env": "FACEBOOK_ACCESS_TOKEN"},
        adapter="collectors.builders:facebook",
        link="https://www.facebook.com/{channel}/videos/{external_id}",
        simulator=("collectors.simulator.facebook:routes",),
    )
)
register(
    PlatformSpec(
        "instagram",
        "Instagram",
        "IG",
        GraphSettings,
        {"access_token_env": "INSTAGRAM_ACCESS_TOKEN"},
        adapter="collectors.builders:instagram",  # Instagram live has no public URL of its own
        simulator=("collectors.simulator.instagram:routes",),
    )
)
register(
    PlatformSpec(
        "twitch",
        "Twitch",
        "TW",
        TwitchSettings,
        adapter="collectors.builders:twitch",
        link="https://www.twitch.tv/{channel}",
        simulator=("collectors.simulator.twitch:routes",),
    )
)
