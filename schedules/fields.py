"""Checks for the fields of a planned broadcast, shared by the planner and CSV import.

Each function takes what the producer gave and returns the clean value or raises a
one-line ``UserError`` naming the field, the value and the fix.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from streamer import platforms as registry
from streamer.errors import UserError
from streamer.models import Programme, Target

MAX_DURATION_MIN = 24 * 60
# Speakers are joined with ";" in the CSV column, so a name cannot contain it.
SPEAKER_SEPARATOR = ";"


def programme_of(programmes: Mapping[str, Programme], slug: str) -> Programme:
    """The programme called ``slug``, or a ``UserError`` listing the known slugs."""
    programme = programmes.get(slug.strip())
    if programme is None:
        known = ", ".join(sorted(programmes)) or "none configured"
        raise UserError(f"unknown programme {slug!r}; known programmes: {known}")
    return programme


def check_title(title: str) -> str:
    """The title without surrounding blanks; refuses an empty one."""
    cleaned = title.strip()
    if not cleaned:
        raise UserError("title is empty; give the broadcast a title")
    return cleaned


def check_duration(minutes: int | str) -> int:
    """A duration in whole minutes, 1 to 1440."""
    try:
        value = int(str(minutes).strip())
    except ValueError:
        raise UserError(
            f"duration {minutes!r} is not a whole number of minutes; give 1 to 1440"
        ) from None
    if not 1 <= value <= MAX_DURATION_MIN:
        raise UserError(f"duration {value} minutes is out of range; give 1 to 1440 minutes")
    return value


def clean_speakers(speakers: Iterable[str]) -> tuple[str, ...]:
    """Speaker names without surrounding blanks; empty ones dropped, ``;`` refused."""
    cleaned = tuple(name.strip() for name in speakers)
    for name in cleaned:
        if SPEAKER_SEPARATOR in name:
            raise UserError(
                f"speaker {name!r} contains ';', which separates speakers; list them one by one"
            )
    return tuple(name for name in cleaned if name)


def _channel_list(programme: Programme) -> str:
    return ", ".join(channel.key for channel in programme.channels) or "none configured"


def parse_target(text: str | Target, programme: Programme) -> Target:
    """Parse ``PLATFORM:CHANNEL[:VIDEO_ID]`` into a ``Target`` of ``programme``.

    The platform must be one of ``streamer.platforms.names()`` and the channel one of the
    programme's own channels: a typo would otherwise plan a broadcast that the
    collector never finds.
    """
    if isinstance(text, Target):
        return check_target(text, programme, str(text))
    parts = text.strip().split(":", 2)
    if len(parts) < 2 or not all(part.strip() for part in parts):
        raise UserError(f"target {text!r} is not PLATFORM:CHANNEL[:VIDEO_ID]; e.g. youtube:UCxxxx")
    platform, channel = parts[0].strip().lower(), parts[1].strip()
    external_id = parts[2].strip() if len(parts) == 3 else None
    return check_target(Target(platform, channel, external_id), programme, text)


def check_target(target: Target, programme: Programme, text: str) -> Target:
    """``target`` if its platform is known and its channel is one of ``programme``'s."""
    if target.platform not in registry.names():
        raise UserError(
            f"target {text!r}: unknown platform {target.platform!r}; "
            f"platforms: {', '.join(registry.names())}"
        )
    if all(channel.key != target.channel_key for channel in programme.channels):
        raise UserError(
            f"target {text!r}: {target.channel_key!r} is not a channel of {programme.slug}; "
            f"its channels: {_channel_list(programme)}"
        )
    return target


def resolve_targets(items: Iterable[str | Target], programme: Programme) -> tuple[Target, ...]:
    """The targets given, or all of the programme's channels when none are given."""
    targets = tuple(parse_target(item, programme) for item in items)
    if not targets:
        targets = tuple(Target(channel.platform, channel.id) for channel in programme.channels)
    if not targets:
        raise UserError(
            f"programme {programme.slug} has no channels configured; add one to streamer.toml"
        )
    seen: set[str] = set()
    for target in targets:
        if target.channel_key in seen:
            raise UserError(f"target {target.channel_key!r} is given twice; list it once")
        seen.add(target.channel_key)
    return targets
