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
from streamer.timezones import zone as time_zone

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
    zone = time_zone(tz)
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


# -- the half-year ---------------------------------------------------------------------

VIEW_PLATFORMS = ("youtube", "facebook")
"""Platforms whose APIs give a live video's total views (Instagram has no such metric)."""


@dataclass(frozen=True, slots=True)
class Series:
    """One recurring slot of the half-year plan: weekdays at a local time, every N weeks."""

    programme: str  # the programme's slug
    title: str
    weekdays: tuple[int, ...]  # 0 = Monday
    at: time
    every_weeks: int = 1
    duration_min: int = 60

    def dates(self, first: date, last: date, *, since: date | None = None) -> list[date]:
        """The days from ``first`` to ``last`` (both included) this series airs on.

        A series airing every n weeks counts its weeks from its first airing on or
        after ``since`` (default ``first``): a slice of the half-year passes the
        half-year's first day, so it gets the same fortnights as the whole.
        """
        days, day, anchor = [], min(first, since or first), None
        while day <= last:
            if day.weekday() in self.weekdays:
                monday = day - timedelta(days=day.weekday())
                anchor = anchor or monday
                if (monday - anchor).days // 7 % self.every_weeks == 0 and day >= first:
                    days.append(day)
            day += timedelta(days=1)
        return days

    def rrule(self, last: date) -> str:
        """The same days as an RFC 5545 rule (from the first of ``dates``) up to ``last``."""
        names = ",".join(("MO", "TU", "WE", "TH", "FR", "SA", "SU")[d] for d in self.weekdays)
        interval = f";INTERVAL={self.every_weeks}" if self.every_weeks > 1 else ""
        return f"FREQ=WEEKLY{interval};BYDAY={names};UNTIL={last:%Y%m%d}"


_ADAL_TITLE = "Adal Komek: free legal advice"
_ANTIKOR_TITLE = "Antikor.Live: ask the anti-corruption service"
_WEEKDAYS = (0, 1, 2, 3, 4)

HALF_YEAR_SERIES = (
    Series("adal-komek", _ADAL_TITLE, _WEEKDAYS, time(11)),
    Series("adal-komek", _ADAL_TITLE, _WEEKDAYS, time(17)),
    Series("adal-komek", _ADAL_TITLE, (5,), time(11)),
    Series("antikor-live", _ANTIKOR_TITLE, (1, 3), time(15)),
    Series("antikor-live", _ANTIKOR_TITLE, (5,), time(12), every_weeks=2),
)
"""The half-year plan: Adal Komek weekdays at 11:00 and 17:00 and Saturdays at 11:00
(286 slots from January to June); Antikor.Live Tuesdays and Thursdays at 15:00 and
every other Saturday at 12:00 (65 slots). An hour each, local time."""


@dataclass(frozen=True, slots=True)
class HalfYearFates:
    """How a programme's half-year goes: what went wrong, and the audience it drew.

    ``views`` is the round figure the article reports ("over 85,000"); the drawn
    total over ``VIEW_PLATFORMS`` lands a few hundred above it.
    """

    no_shows: int
    late_starts: int
    unplanned: int
    views: int


HALF_YEAR_FATES = {
    "antikor-live": HalfYearFates(no_shows=3, late_starts=4, unplanned=2, views=85_000),
    "adal-komek": HalfYearFates(no_shows=9, late_starts=8, unplanned=1, views=127_000),
}
"""65 − 3 + 2 = 64 live broadcasts of Antikor.Live, 286 − 9 + 1 = 278 of Adal Komek."""

_UNPLANNED_AT = time(19, 30)  # no series airs then, so nothing planned is near it


def half_year_range(year: int) -> tuple[date, date]:
    """January 1st and June 30th of ``year``."""
    return date(year, 1, 1), date(year, 6, 30)


def half_year(
    year: int = 2020,
    tz: str = "Asia/Almaty",
    *,
    adal_channel: str = ADAL_KOMEK_CHANNEL,
    antikor_channel: str = ANTIKOR_CHANNEL,
    seed: int = 2020,
    adal_facebook: str | None = None,
    antikor_facebook: str | None = None,
    adal_instagram: str | None = None,
    antikor_instagram: str | None = None,
) -> Scenario:
    """January to June of ``year`` shaped like the source article.

    Every slot of ``HALF_YEAR_SERIES`` airs on the programme's YouTube channel and,
    when given, simulcast on its Facebook Page and Instagram account at the same
    times. ``HALF_YEAR_FATES`` says how many slots are no-shows (announced, never
    live) and late starts (8-25 minutes), and how many unplanned streams each
    programme adds (on one platform: Facebook when given, else YouTube). Views are
    drawn per broadcast, then scaled so that each programme's total over
    ``VIEW_PLATFORMS`` lands just above its ``views`` figure (85,000 and 127,000).
    """
    zone = time_zone(tz)
    rng = random.Random(seed)
    first, last = half_year_range(year)
    youtube = {"adal-komek": adal_channel, "antikor-live": antikor_channel}
    simulcast = {
        "adal-komek": {"facebook": adal_facebook, "instagram": adal_instagram},
        "antikor-live": {"facebook": antikor_facebook, "instagram": antikor_instagram},
    }
    names = {"adal-komek": "Adal Komek", "antikor-live": "Antikor.Live"}
    titles: dict[str, str] = {}
    streams: list[SimStream] = []
    for slug, fates in HALF_YEAR_FATES.items():
        others = {p: c for p, c in simulcast[slug].items() if c is not None}
        titles.update({c: names[slug] for c in (youtube[slug], *others.values())})
        slots = sorted(
            (datetime.combine(day, series.at, tzinfo=zone), series)
            for series in HALF_YEAR_SERIES
            if series.programme == slug
            for day in series.dates(first, last)
        )
        picked = rng.sample(range(len(slots)), fates.no_shows + fates.late_starts)
        no_shows = set(picked[: fates.no_shows])
        late = set(picked[fates.no_shows :])
        unplanned_days = sorted(rng.sample(range((last - first).days + 1), fates.unplanned))
        held = len(slots) - len(no_shows) + fates.unplanned
        target = fates.views + rng.randint(200, 800)
        counted = _allocate(target, [rng.uniform(0.7, 1.3) for _ in range(held)])
        shares = iter(counted)
        for index, (planned, series) in enumerate(slots):
            aired = None
            if index not in no_shows:
                delay = rng.randint(8, 25) if index in late else rng.randint(0, 2)
                aired = _times(planned + timedelta(minutes=delay), rng)
            views = 0 if aired is None else next(shares)
            label = f"{slug}-{planned.isoformat()}"
            streams += _aired(
                label, series.title, youtube[slug], others, planned, aired, views, seed
            )
        platform = "facebook" if "facebook" in others else "youtube"
        channel = others.get("facebook") or youtube[slug]
        for offset in unplanned_days:
            start = datetime.combine(first + timedelta(days=offset), _UNPLANNED_AT, tzinfo=zone)
            label = f"{slug}-unplanned-{start.isoformat()}"
            title = f"{names[slug]}: жедел эфир {start:%d.%m.%Y}"
            aired = _times(start, rng)
            streams.append(
                _one_stream(label, title, platform, channel, None, aired, next(shares), seed)
            )
    return Scenario(streams=streams, seed=seed, channel_titles=titles)


def _times(start: datetime, rng: random.Random) -> tuple[datetime, datetime]:
    """A broadcast from ``start`` for an hour and up to four minutes more."""
    return start, start + _DURATION + timedelta(minutes=rng.randint(0, 4))


def _aired(
    label: str,
    title: str,
    youtube: str,
    others: dict[str, str],
    planned: datetime,
    aired: tuple[datetime, datetime] | None,
    counted: int,
    seed: int,
) -> list[SimStream]:
    """One planned slot on YouTube and its simulcasts (``aired=None``: a no-show);
    ``counted`` views split over the ``VIEW_PLATFORMS`` among them, YouTube to
    Facebook as 1 : 0.4 (Instagram's audience is a share of YouTube's on top)."""
    has_facebook = "facebook" in others
    on_youtube = round(counted / (1 + _SIMULCAST_SHARE["facebook"])) if has_facebook else counted
    main = _one_stream(label, title, "youtube", youtube, planned, aired, on_youtube, seed)
    made = [main]
    for platform, channel in others.items():
        copy = _simulcast(main, platform, channel, seed)
        if platform == "facebook":
            copy = dataclasses.replace(copy, final_views=counted - on_youtube)
        made.append(copy)
    return made


def _one_stream(
    label: str,
    title: str,
    platform: str,
    channel: str,
    planned: datetime | None,
    aired: tuple[datetime, datetime] | None,
    views: int,
    seed: int,
) -> SimStream:
    """One stream; its concurrent peak is a seeded fifth or so of its views."""
    start, end = aired or (None, None)
    share = 0.17 + 0.09 * _unit(seed, label)
    ident = (
        video_id(seed, label)
        if platform == "youtube"
        else numeric_id(seed, label, _ID_DIGITS[platform])
    )
    return SimStream(
        channel=channel,
        video_id=ident,
        title=title,
        platform=platform,
        scheduled_start=planned,
        actual_start=start,
        actual_end=end,
        peak_viewers=max(1, round(views * share)) if aired else 0,
        final_views=views if aired else 0,
    )


def _unit(seed: int, label: str) -> float:
    """A deterministic number in [0, 1) for ``label``."""
    digest = hashlib.blake2b(f"{seed}|{label}|share".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def _allocate(total: int, weights: list[float]) -> list[int]:
    """``total`` split in proportion to ``weights`` as whole numbers that sum to it."""
    scale = total / sum(weights)
    exact = [w * scale for w in weights]
    whole = [int(x) for x in exact]
    by_remainder = sorted(range(len(exact)), key=lambda i: whole[i] - exact[i])
    for i in by_remainder[: total - sum(whole)]:
        whole[i] += 1
    return whole
