"""Ready-made scenarios: the demo week of Adal Komek and Antikor.Live on YouTube.

Adal Komek ("honest help", free legal advice) goes out every weekday at 11:00,
Antikor.Live on Tuesday and Thursday at 15:00, an hour each, local time. The week
holds one of each thing a collector must cope with: a late start (Adal Komek,
Wednesday), a deleted scheduled stream (Adal Komek, Thursday), a no-show (Adal
Komek, Friday: it stays "upcoming"), and an unplanned stream (Antikor.Live,
Saturday 19:00, announced nowhere). Audience sizes follow the programmes' reported
averages (about 460 views per Adal Komek broadcast, 1,300 per Antikor.Live).

Simulcast (optional): given a Facebook Page id and an Instagram user id per programme,
every YouTube slot also airs there at the same times with a smaller audience; given
a Twitch login, every Antikor.Live slot airs on Twitch too. Without them the
scenario is YouTube only, as it always was.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from collectors.simulator.scenario import Scenario, SimStream

ADAL_KOMEK_CHANNEL = "UCadalKomekSimDemo000001"
"""Default channel id for Adal Komek in the demo (any ``UC…`` id can be passed)."""
ANTIKOR_CHANNEL = "UCantikorLiveSimDemo0001"
"""Default channel id for Antikor.Live in the demo."""

_DURATION = timedelta(minutes=60)
_SIMULCAST_SHARE = {"facebook": 0.4, "instagram": 0.25, "twitch": 0.2}
"""The simulcast audience as a share of the YouTube one."""
_ID_DIGITS = {"facebook": 16, "instagram": 17, "twitch": 11}
_NAMES = {"adal": "Adal Komek", "antikor": "Antikor.Live"}


@dataclass(frozen=True, slots=True)
class _Slot:
    """One broadcast of the week, before audiences are drawn."""

    programme: str  # "adal" or "antikor"
    day: int  # 0 = Monday
    at: time
    late_min: int = 0
    no_show: bool = False
    deleted: bool = False
    unplanned: bool = False
    likes_hidden: bool = False


_WEEK = (
    _Slot("adal", 0, time(11)),
    _Slot("adal", 1, time(11)),
    _Slot("antikor", 1, time(15)),
    _Slot("adal", 2, time(11), late_min=17),
    _Slot("adal", 3, time(11), deleted=True),
    _Slot("antikor", 3, time(15), likes_hidden=True),
    _Slot("adal", 4, time(11), no_show=True),
    _Slot("antikor", 5, time(19), unplanned=True),
)


def demo_week(
    start_monday_local: date,
    tz: str = "Asia/Almaty",
    *,
    adal_channel: str = ADAL_KOMEK_CHANNEL,
    antikor_channel: str = ANTIKOR_CHANNEL,
    seed: int = 7,
    content_lag: timedelta = timedelta(0),
    adal_facebook: str | None = None,
    antikor_facebook: str | None = None,
    adal_instagram: str | None = None,
    antikor_instagram: str | None = None,
    antikor_twitch: str | None = None,
) -> Scenario:
    """The demo week starting on ``start_monday_local`` (a Monday) in zone ``tz``.

    ``*_facebook`` (Page ids), ``*_instagram`` (user ids) and ``antikor_twitch`` (a
    login) add the simulcast of each YouTube slot on that account; ``None`` adds none.
    """
    if start_monday_local.weekday() != 0:
        raise ValueError(f"{start_monday_local.isoformat()} is not a Monday")
    zone = ZoneInfo(tz)
    rng = random.Random(seed)
    channels = {"adal": adal_channel, "antikor": antikor_channel}
    streams = [
        _stream(slot, start_monday_local, zone, channels[slot.programme], rng, seed)
        for slot in _WEEK
    ]
    titles = {adal_channel: "Adal Komek", antikor_channel: "Antikor.Live"}
    elsewhere = {
        "adal": {"facebook": adal_facebook, "instagram": adal_instagram},
        "antikor": {
            "facebook": antikor_facebook,
            "instagram": antikor_instagram,
            "twitch": antikor_twitch,
        },
    }
    for slot, stream in zip(_WEEK, list(streams), strict=True):
        for platform, channel in elsewhere[slot.programme].items():
            if channel is not None:
                streams.append(_simulcast(stream, platform, channel, seed))
                titles[channel] = _NAMES[slot.programme]
    return Scenario(streams=streams, seed=seed, channel_titles=titles, content_lag=content_lag)


def _simulcast(stream: SimStream, platform: str, channel: str, seed: int) -> SimStream:
    """``stream`` on another platform: same times and fate, a smaller audience."""
    share = _SIMULCAST_SHARE[platform]
    return dataclasses.replace(
        stream,
        platform=platform,
        channel=channel,
        video_id=numeric_id(seed, f"{platform}-{stream.video_id}", _ID_DIGITS[platform]),
        peak_viewers=round(stream.peak_viewers * share),
        final_views=round(stream.final_views * share),
        likes_hidden=False,
    )


def _stream(
    slot: _Slot, monday: date, zone: ZoneInfo, channel: str, rng: random.Random, seed: int
) -> SimStream:
    day = monday + timedelta(days=slot.day)
    planned = datetime.combine(day, slot.at, tzinfo=zone)
    # On-time streams still start a minute or two late, as real ones do.
    start = planned + timedelta(minutes=slot.late_min or rng.randint(0, 2))
    end = start + _DURATION + timedelta(minutes=rng.randint(0, 4))
    peak, views = _audience(slot.programme, rng)
    held = not (slot.no_show or slot.deleted)
    return SimStream(
        channel=channel,
        video_id=video_id(seed, f"{slot.programme}-{day.isoformat()}"),
        title=_title(slot, day),
        scheduled_start=None if slot.unplanned else planned,
        actual_start=start if held else None,
        actual_end=end if held else None,
        peak_viewers=peak if held else 0,
        final_views=views if held else 0,
        likes_hidden=slot.likes_hidden,
        # A deleted stream goes the morning of its day, after it was announced.
        deleted_at=planned - timedelta(hours=2) if slot.deleted else None,
    )


def _audience(programme: str, rng: random.Random) -> tuple[int, int]:
    if programme == "adal":
        return rng.randint(60, 140), rng.randint(350, 600)
    return rng.randint(200, 380), rng.randint(1100, 1600)


def _title(slot: _Slot, day: date) -> str:
    stamp = day.strftime("%d.%m.%Y")
    if slot.unplanned:
        return f"Antikor.Live: жедел эфир {stamp}"
    if slot.programme == "adal":
        return f"Адал көмек — тегін заң кеңесі {stamp}"
    return f"Antikor.Live — сыбайлас жемқорлыққа қарсы эфир {stamp}"


def numeric_id(seed: int, label: str, digits: int) -> str:
    """A deterministic all-digit id (Graph and Helix ids are numbers) for ``label``."""
    digest = hashlib.blake2b(f"{seed}|{label}".encode(), digest_size=8).digest()
    low = 10 ** (digits - 1)
    return str(low + int.from_bytes(digest, "big") % (9 * low))


def video_id(seed: int, label: str) -> str:
    """A deterministic 11-character YouTube-style video id for ``label``."""
    digest = hashlib.blake2b(f"{seed}|{label}".encode(), digest_size=8).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")
