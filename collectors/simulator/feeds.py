"""The YouTube channel feed: ``GET /feeds/videos.xml?channel_id=UC…`` (docs/platforms.md §1.5).

Atom with the ``yt`` and ``media`` namespaces, the newest 15 public uploads only,
no paging, no key and no quota. It carries total views and a like count
(``media:starRating count``) but no live state and no times beyond
``published``/``updated``. Times are written ``+00:00``, as the real feed writes
them (the Data API writes ``Z``).
"""

from __future__ import annotations

from datetime import datetime
from functools import partial
from xml.sax.saxutils import escape, quoteattr

from collectors.simulator.faults import FaultRule
from collectors.simulator.routing import HttpProblem, Request, Response, Route
from collectors.simulator.scenario import SimStream
from collectors.simulator.world import World

FEED_PATH = "/feeds/videos.xml"
MAX_ENTRIES = 15
ATOM = "http://www.w3.org/2005/Atom"
YT = "http://www.youtube.com/xml/schemas/2015"
MEDIA = "http://search.yahoo.com/mrss/"
_XML_TYPE = "text/xml; charset=UTF-8"
_CHANNEL_CREATED = "2015-01-01T00:00:00+00:00"  # feed-level <published>; nothing reads it


def routes(world: World) -> list[Route]:
    """The feed route, bound to ``world``."""
    return [Route("GET", FEED_PATH, partial(channel_feed, world), FeedFaults())]


class FeedFaults:
    """``FaultStyle`` for the feed: a plain error page, as youtube.com serves."""

    def fault_response(self, rule: FaultRule) -> Response:
        """A short HTML error page with the fault's status; a kind the feed has no
        answer of its own for (``throttled``) is a 503, as the other Google routes give."""
        status = {"quota": 403, "key_invalid": 400, "http429": 429, "http500": 500}
        headers = {"Retry-After": str(rule.retry_after)} if rule.kind == "http429" else {}
        return _page(status.get(rule.kind, 503), headers)


def channel_feed(world: World, request: Request) -> Response:
    """The feed of ``channel_id`` (or of an uploads ``playlist_id=UU…``)."""
    channel = _channel_of(request)
    if channel is None or not world.has_channel(channel):
        raise HttpProblem(_page(404))
    now = world.now()
    listed = [s for s in world.channel_streams("youtube", channel) if s.listed_at(now)]
    newest = sorted(listed, key=lambda s: (s.visible_from, s.video_id), reverse=True)
    entries = "".join(_entry(world, stream, now) for stream in newest[:MAX_ENTRIES])
    body = _head(world, channel) + entries + "</feed>\n"
    return Response(200, body.encode("utf-8"), content_type=_XML_TYPE)


def _channel_of(request: Request) -> str | None:
    channel = request.param("channel_id")
    if channel:
        return channel
    playlist = request.param("playlist_id") or ""
    return "UC" + playlist[2:] if playlist.startswith("UU") else None


def _head(world: World, channel: str) -> str:
    title = escape(world.channel_title(channel))
    channel_url = f"https://www.youtube.com/channel/{channel}"
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<feed xmlns:yt="{YT}" xmlns:media="{MEDIA}" xmlns="{ATOM}">\n'
        f' <link rel="self" href="http://www.youtube.com/feeds/videos.xml?channel_id={channel}"/>\n'
        f" <id>yt:channel:{channel}</id>\n"
        f" <yt:channelId>{channel}</yt:channelId>\n"
        f" <title>{title}</title>\n"
        f' <link rel="alternate" href="{channel_url}"/>\n'
        f" <author>\n  <name>{title}</name>\n  <uri>{channel_url}</uri>\n </author>\n"
        f" <published>{_CHANNEL_CREATED}</published>\n"
    )


def _entry(world: World, stream: SimStream, now: datetime) -> str:
    vid = stream.video_id
    title = escape(stream.title)
    reading = world.reading(stream, now)
    likes = 0 if stream.likes_hidden else reading.likes
    author = escape(world.channel_title(stream.channel))
    return (
        " <entry>\n"
        f"  <id>yt:video:{vid}</id>\n"
        f"  <yt:videoId>{vid}</yt:videoId>\n"
        f"  <yt:channelId>{stream.channel}</yt:channelId>\n"
        f"  <title>{title}</title>\n"
        f'  <link rel="alternate" href="https://www.youtube.com/watch?v={vid}"/>\n'
        f"  <author>\n   <name>{author}</name>\n"
        f"   <uri>https://www.youtube.com/channel/{stream.channel}</uri>\n  </author>\n"
        f"  <published>{_feed_time(stream.visible_from)}</published>\n"
        f"  <updated>{_feed_time(_updated(stream, now))}</updated>\n"
        "  <media:group>\n"
        f"   <media:title>{title}</media:title>\n"
        f'   <media:content url="https://www.youtube.com/v/{vid}?version=3"'
        ' type="application/x-shockwave-flash" width="640" height="390"/>\n'
        f'   <media:thumbnail url="https://i2.ytimg.com/vi/{vid}/hqdefault.jpg"'
        ' width="480" height="360"/>\n'
        "   <media:description></media:description>\n"
        "   <media:community>\n"
        f"    <media:starRating count={quoteattr(str(likes))}"
        ' average="5.00" min="1" max="5"/>\n'
        f"    <media:statistics views={quoteattr(str(reading.views))}/>\n"
        "   </media:community>\n"
        "  </media:group>\n"
        " </entry>\n"
    )


def _updated(stream: SimStream, now: datetime) -> datetime:
    """The last change to the entry that has happened by ``now``."""
    moments = [stream.visible_from, stream.actual_start, stream.actual_end]
    return max(m for m in moments if m is not None and m <= now)


def _feed_time(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def _page(status: int, headers: dict[str, str] | None = None) -> Response:
    body = f"<html><body><h1>Error {status}</h1></body></html>\n".encode()
    return Response(status, body, content_type="text/html; charset=UTF-8", headers=headers or {})
