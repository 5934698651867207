"""The plan as an iCalendar (RFC 5545) file that Google Calendar and Outlook open.

One VEVENT per broadcast, with a UID that stays the same across exports
(``<id>@streamer``), so a re-imported or subscribed file updates events instead of
duplicating them. Times are written in the configured zone with its VTIMEZONE
(built from zoneinfo by the icalendar library), so the calendar shows the same
wall-clock times the producers typed. Line folding, escaping and CRLF line ends are
the icalendar library's job.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone

from streamer.clock import SystemClock
from streamer.models import Broadcast, BroadcastStatus, Programme, Target

PRODID = "-//streamer//Antikor.Live and Adal Komek plan//EN"
_NOT_HAPPENING = frozenset({BroadcastStatus.CANCELLED, BroadcastStatus.MISSED})
UID_DOMAIN = "streamer"


def export_ics(
    broadcasts: Iterable[Broadcast],
    tz: ZoneInfo,
    programmes: Mapping[str, Programme],
    *,
    now: datetime | None = None,
    name: str | None = None,
) -> bytes:
    """The broadcasts as one VCALENDAR, encoded as UTF-8 bytes with CRLF line ends.

    ``now`` is the DTSTAMP (the system clock when not given); ``name`` is the
    calendar's display name (default: the names of the programmes in it).
    Cancelled and missed broadcasts stay in the file with STATUS:CANCELLED, so
    calendars that already show them mark or remove them; SEQUENCE grows with every
    change of time or status.
    """
    stamp = (now or SystemClock().now()).astimezone(UTC)
    items = sorted(broadcasts, key=lambda item: (item.start, item.id))
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name or _calendar_name(items, programmes))
    calendar.add("x-wr-timezone", tz.key)
    calendar.add_component(_vtimezone(items, tz, stamp))
    for item in items:
        calendar.add_component(_event(item, tz, programmes, stamp))
    data: bytes = calendar.to_ical()
    return data


def uid_of(broadcast: Broadcast) -> str:
    """The event UID of ``broadcast``: the same in every export."""
    return f"{broadcast.id}@{UID_DOMAIN}"


def _calendar_name(items: Sequence[Broadcast], programmes: Mapping[str, Programme]) -> str:
    slugs = dict.fromkeys(item.programme for item in items)
    return ", ".join(_programme_name(slug, programmes) for slug in slugs) or "streamer plan"


def _programme_name(slug: str, programmes: Mapping[str, Programme]) -> str:
    programme = programmes.get(slug)
    return programme.name if programme is not None else slug


def _vtimezone(items: Sequence[Broadcast], tz: ZoneInfo, stamp: datetime) -> Timezone:
    """The zone's rules over whole years around the broadcasts.

    Bounding the years keeps the component short (Almaty's Soviet-era changes are
    not needed for a 2025 plan) while covering every event in the file.
    """
    years = [item.start.astimezone(tz).year for item in items] or [stamp.year]
    first, last = date(min(years), 1, 1), date(max(years) + 2, 1, 1)
    return Timezone.from_tzinfo(tz, tzid=tz.key, first_date=first, last_date=last)


def _event(
    broadcast: Broadcast, tz: ZoneInfo, programmes: Mapping[str, Programme], stamp: datetime
) -> Event:
    event = Event()
    event.add("uid", uid_of(broadcast))
    event.add("dtstamp", stamp)
    event.add("dtstart", broadcast.start.astimezone(tz))
    event.add("dtend", broadcast.end.astimezone(tz))
    event.add("summary", summary_of(broadcast, programmes))
    event.add("description", _description(broadcast, programmes.get(broadcast.programme)))
    event.add("status", status_of(broadcast))
    event.add("sequence", sequence_of(broadcast))
    return event


def status_of(broadcast: Broadcast) -> str:
    """The event STATUS: CANCELLED for a cancelled or a missed broadcast, else CONFIRMED.

    RFC 5545 (3.8.1.11) gives a VEVENT three statuses: TENTATIVE, CONFIRMED and
    CANCELLED. A missed broadcast did not take place, so CONFIRMED would be false, and
    TENTATIVE (not yet certain) is false of a past event; CANCELLED is the one that says
    it did not happen. The description says "missed", which tells the two apart.
    """
    return "CANCELLED" if broadcast.status in _NOT_HAPPENING else "CONFIRMED"


def sequence_of(broadcast: Broadcast) -> int:
    """The event SEQUENCE: the broadcast's revision, raised by every change of time or
    status (``schedules.plans.revised``), so a calendar applies each update.

    A plan saved before revisions were kept has revision 0 everywhere; its cancelled
    (or missed) broadcasts were exported with SEQUENCE 1, which must not go down.
    """
    floor = 1 if broadcast.status in _NOT_HAPPENING else 0
    return max(broadcast.revision, floor)


def summary_of(broadcast: Broadcast, programmes: Mapping[str, Programme]) -> str:
    """ "Programme: title", or the title alone when it already starts with the programme's
    name (producers often type "Adal Komek: Free legal advice")."""
    name = _programme_name(broadcast.programme, programmes)
    head = broadcast.title[: len(name)]
    rest = broadcast.title[len(name) :]
    if head.casefold() == name.casefold() and not rest[:1].isalnum():
        return broadcast.title
    return f"{name}: {broadcast.title}"


def _description(broadcast: Broadcast, programme: Programme | None) -> str:
    """Targets, speakers, topic and district, one per line; empty ones left out."""
    lines = {
        "Status": "missed (did not go on air)"
        if broadcast.status is BroadcastStatus.MISSED
        else "",
        "Targets": ", ".join(_target_text(target, programme) for target in broadcast.targets),
        "Speakers": "; ".join(broadcast.speakers),
        "Topic": broadcast.topic,
        "District": broadcast.district,
    }
    return "\n".join(f"{label}: {text}" for label, text in lines.items() if text)


def _target_text(target: Target, programme: Programme | None) -> str:
    channels = programme.channels if programme is not None else ()
    label = next((c.label for c in channels if c.key == target.channel_key and c.label), "")
    return f"{target} ({label})" if label else str(target)
