"""Time zones from the ``tzdata`` package the project pins, never from the host.

Python's ``zoneinfo`` reads the host's ``/usr/share/zoneinfo`` first and falls back on
the ``tzdata`` package only when the host has none, so the same config gave different
local times on different servers: one whose system tz files predate Kazakhstan's move
to a single UTC+5 zone (2024-03-01) puts Asia/Almaty at UTC+6 today (issue #21).
``zone`` reads the zone file out of the installed ``tzdata`` package instead, so every
host answers with that one version (``tzdata_version``); ``pip install -U tzdata``
updates it. Every zone the project uses is made here.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

if TYPE_CHECKING:
    from importlib.abc import Traversable

PACKAGE = "tzdata"
_zones: dict[str, ZoneInfo] = {}  # made once each, like ZoneInfo's own cache


def zone(name: str) -> ZoneInfo:
    """The IANA zone ``name`` (``Asia/Almaty``) from the ``tzdata`` package.

    Raises ``ZoneInfoNotFoundError`` for a name the package does not list. One object
    per name for the process's life, as ``ZoneInfo(name)`` keeps its own.
    """
    found = _zones.get(name)
    if found is None:
        found = _zones.setdefault(name, _load(name))
    return found


def _load(name: str) -> ZoneInfo:
    if name not in _names():
        raise ZoneInfoNotFoundError(f"No time zone found with key {name}")
    path = _package().joinpath("zoneinfo", *name.split("/"))
    with path.open("rb") as data:
        return ZoneInfo.from_file(data, key=name)


def tzdata_version() -> str:
    """The installed ``tzdata`` package's version (``2025.2``): which rules ``zone`` uses."""
    import importlib.metadata  # 20 ms of imports only `status` needs: loaded here

    return importlib.metadata.version(PACKAGE)


@functools.cache
def _names() -> frozenset[str]:
    """Every zone name the package holds (its ``zones`` list), for checking names before
    they become paths inside the package."""
    listed = _package().joinpath("zones").read_text(encoding="utf-8")
    return frozenset(listed.split())


@functools.cache
def _package() -> Traversable:
    """The ``tzdata`` package's files: its folder when installed as one (every command
    needs a zone, and ``importlib.resources`` is 6 ms of imports), else through
    ``importlib.resources`` (a zipped install)."""
    import tzdata

    folder = Path(tzdata.__file__).parent
    if (folder / "zones").is_file():
        return folder
    import importlib.resources

    return importlib.resources.files(PACKAGE)
