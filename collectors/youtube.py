"""YouTube Data API v3 through the real google-api-python-client (docs/platforms.md §1-2).

Discovery reads each channel's RSS feed (no quota) and, for a channel not walked yet
or a feed whose 15 entries are all new, the uploads playlist (1 unit a page); never
``search.list`` (100 units). New ids go through ``videos.list`` once to learn whether
they are live streams at all. Polling is ``videos.list``, 50 ids and 1 unit a call;
the state comes from ``liveStreamingDetails``, not the lagging ``liveBroadcastContent``.
API keys are used in order: ``quotaExceeded`` moves to the next until midnight Pacific;
which keys are spent is handed to the engine (``SpendsKeys``) so other collectors skip them.
Every request runs through ``streamer.retry`` with ``execute(num_retries=0)``, so
there is exactly one retry layer.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import logging
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import httplib2
import httpx
from google.auth.exceptions import RefreshError
from google.auth.exceptions import TransportError as AuthTransportError
from google.oauth2.credentials import Credentials
from google_auth_httplib2 import AuthorizedHttp
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError

from collectors.base import (
    AuthFailed,
    BadPayload,
    Discovery,
    PlatformError,
    PollResult,
    QuotaExhausted,
    Transient,
    Usage,
    charged,
    each_channel,
)
from collectors.youtube_parse import FeedEntry, parse_feed, read_video
from collectors.youtube_quota import quota_reset
from streamer.clock import Clock, SystemClock
from streamer.errors import ConfigError
from streamer.models import Channel, Stream, StreamStatus, from_iso, to_iso
from streamer.retry import DEFAULT, Policy, retry_after_seconds, retrying

log = logging.getLogger(__name__)

PLATFORM = "youtube"
BATCH = 50  # ids per videos.list call: common practice; discovery caps maxResults at 50
FEED_SIZE = 15  # the RSS feed holds only the newest 15 uploads, with no paging
NOT_STREAMS_KEPT = 50  # ordinary uploads remembered per channel (the feed shows 15)
MAX_PAGES = 20  # uploads-playlist pages one walk may read (1000 videos, 20 units)
COST = {"videos.list": 1, "channels.list": 1, "playlistItems.list": 1, "search.list": 100}
COST |= {"liveBroadcasts.list": 1, "liveBroadcasts.insert": 50}  # third-party figures (§1.2)
POLL_PARTS = "snippet,liveStreamingDetails,statistics"
POLL_FIELDS = (
    "items(id,snippet(title,channelId,liveBroadcastContent),liveStreamingDetails,statistics)"
)
PRIVACY = ("public", "unlisted", "private")
TRANSPORT_ERRORS = (OSError, httplib2.HttpLib2Error, http.client.HTTPException, AuthTransportError)
_WORD = re.compile(r"\w{1,64}")
_KEY_PARAM = re.compile(r"([?&]key=)[^&\s]+")


def key_digest(value: str) -> str:
    """How a key is named in the store: 16 hex digits of its SHA-256, never the key.
    Not the variable's name alone: two machines may hold different keys under one."""
    return hashlib.sha256(value.encode()).hexdigest()[:16]


@dataclass(slots=True)
class _Key:
    env: str
    value: str = field(repr=False)  # never in a repr, a log line or a message
    digest: str = ""
    resource: Any = field(default=None, repr=False)
    exhausted_until: datetime | None = None
    # The client builds a collection's methods from the discovery document on
    # every ``resource.videos()`` call (about 3 ms); build each one once.
    collections: dict[str, Any] = field(default_factory=dict, repr=False)


class YouTubeAdapter:
    """The ``Platform`` for YouTube. Not thread-safe: one collector thread drives it."""

    name = PLATFORM
    max_batch = BATCH

    def __init__(
        self,
        api_key_envs: Sequence[tuple[str, str]],
        *,
        rss_client: httpx.Client,
        api_endpoint: str = "https://youtube.googleapis.com",
        rss_endpoint: str = "https://www.youtube.com",
        timeout: float = 30.0,
        clock: Clock | None = None,
        policy: Policy = DEFAULT,
        lookback: timedelta = timedelta(days=30),
        token_setting: str = "platforms.youtube.oauth_token_file",
        http: Callable[[], Any] | None = None,
        require_keys: bool = True,
    ) -> None:
        """``api_key_envs``: (environment variable name, key) pairs, used in order.

        ``lookback`` bounds an uploads-playlist walk; ``token_setting`` is what an
        OAuth ``AuthFailed`` names as the thing to fix; ``http`` makes the transport
        under each client (default ``httplib2.Http(timeout)``; tests pass a mock).
        """
        # Publishing runs on OAuth alone, so it may build an adapter with no key.
        missing = not api_key_envs or not all(value for _, value in api_key_envs)
        if require_keys and missing:
            names = ", ".join(env for env, _ in api_key_envs) or "none configured"
            raise ConfigError(f"a YouTube API key variable is missing or empty ({names})")
        self._keys = [_Key(env, value, key_digest(value)) for env, value in api_key_envs]
        self._rss_client, self._rss_endpoint = rss_client, rss_endpoint.rstrip("/")
        self._api_endpoint, self._timeout = api_endpoint, timeout
        self._clock, self._policy = clock or SystemClock(), policy
        self._lookback, self._token_setting = lookback, token_setting
        self._http = http or partial(httplib2.Http, timeout=timeout)
        self._uploads: dict[str, str] = {}  # channel id → its uploads playlist (UU...)
        self._walked: set[str] = set()  # channels whose uploads playlist was walked
        # Checked ids that are ordinary uploads, by channel, oldest first, the newest
        # ``NOT_STREAMS_KEPT`` kept: they cover the feed's 15 and where a walk stops.
        self._not_streams: dict[str, list[str]] = {}
        for client_log in ("googleapiclient.discovery", "googleapiclient.http"):
            logging.getLogger(client_log).addFilter(_redact_keys)  # no-op when already added

    def discover(
        self, channels: Sequence[Channel], now: datetime, known: Collection[str] = ()
    ) -> Discovery:
        """Live streams (upcoming, live or ended) on ``channels`` not among ``known``.

        Ordinary uploads are remembered and not checked again. A discovery that
        raises leaves nothing remembered, so the next one repeats it in full. A
        channel that cannot be read (terminated: its feed 404, ``channels.list``
        without items) is named in ``failures``; the other channels go on.
        """
        plain = {vid for ids in self._not_streams.values() for vid in ids}
        found, skip, owners = Discovery(), set(known) | plain, dict[str, str]()
        mine = [c for c in channels if c.platform == PLATFORM]

        def read(channel: Channel) -> None:
            owners.update(dict.fromkeys(self._new_ids(channel, skip, now, found.usage), channel.id))

        with charged(found.usage):
            each_channel(found, mine, read)  # a dead channel is its own gap, not everyone's
            items = self._videos(list(owners), now, found.usage)
            for vid, owner in owners.items():
                if (items.get(vid) or {}).get("liveStreamingDetails"):  # else: an upload
                    stream = Stream(PLATFORM, vid, owner, discovered_at=now)
                    # The answer is the stream's first snapshot: no poll of it this cycle.
                    stream, snapshot = read_video(stream, items[vid], now)
                    found.streams.append(stream)
                    found.snapshots.append(snapshot)
                elif vid in items:
                    self._remember_upload(owner, vid)
        self._walked |= {c.id for c in mine if c.id not in found.failures}
        found.memory = self.memory()
        return found

    def memory(self) -> dict[str, Any]:
        """What discovery knows about the channels, as plain JSON types (``Remembers``)."""
        return {
            "uploads": dict(sorted(self._uploads.items())),
            "walked": sorted(self._walked),
            "not_streams": {c: list(ids) for c, ids in sorted(self._not_streams.items())},
        }

    def restore(self, memory: Any) -> None:
        """Take back a stored ``memory()``: a new process (``collect --once`` from cron)
        spends no channels.list, walk or videos.list on what an earlier one learned."""
        try:
            uploads = {str(c): str(p) for c, p in memory["uploads"].items()}
            walked = {str(c) for c in memory["walked"]}
            plain = {str(c): [str(v) for v in ids] for c, ids in memory["not_streams"].items()}
        except (KeyError, TypeError, AttributeError):
            return  # nothing stored yet, or unreadable: learn it again
        self._uploads, self._walked, self._not_streams = uploads, walked, plain

    def spent_keys(self) -> dict[str, Any]:
        """The keys ``quotaExceeded`` refused, by digest, and until when (``SpendsKeys``).
        One whose reset has passed stays listed until refused again: it is ignored."""
        return {
            key.digest: {"env": key.env, "until": to_iso(key.exhausted_until)}
            for key in self._keys
            if key.exhausted_until is not None
        }

    def restore_spent_keys(self, stored: Any) -> None:
        """Take in stored ``spent_keys()`` (another collector's too): each configured key
        keeps the later of its own and the stored reset; an unreadable entry is ignored."""
        if not isinstance(stored, Mapping):
            return
        for key in self._keys:
            until = _stored_reset(stored.get(key.digest))
            if until is not None and (key.exhausted_until is None or until > key.exhausted_until):
                key.exhausted_until = until

    def _remember_upload(self, channel: str, video_id: str) -> None:
        kept = self._not_streams.setdefault(channel, [])
        kept.append(video_id)
        del kept[:-NOT_STREAMS_KEPT]

    def poll(self, streams: Sequence[Stream], now: datetime) -> PollResult:
        """A snapshot per stream; ids YouTube no longer returns come back ``missing``."""
        result = PollResult()
        with charged(result.usage):
            items = self._videos([s.external_id for s in streams], now, result.usage)
            for stream in streams:
                if (item := items.get(stream.external_id)) is None:
                    result.missing.add(stream.external_id)
                    result.updates.append(replace(stream, status=StreamStatus.MISSING))
                    continue
                updated, snapshot = read_video(stream, item, now)
                result.updates.append(updated)
                result.snapshots.append(snapshot)
        return result

    def publish(
        self, title: str, scheduled_start: datetime, privacy: str, credentials: Credentials
    ) -> str:
        """Schedule a broadcast (liveBroadcasts.insert, 50 units) and return its video id.

        Never retried: insert is not idempotent, and a retry after a timeout could
        create a second broadcast. The caller reports the error; the user decides.
        """
        if privacy not in PRIVACY:
            raise ValueError(f"privacy must be one of {', '.join(PRIVACY)}, not {privacy!r}")
        body = {
            "snippet": {"title": title, "scheduledStartTime": to_iso(scheduled_start)},
            "status": {"privacyStatus": privacy},
        }
        with self._build(http=AuthorizedHttp(credentials, http=self._http())) as resource:
            request = resource.liveBroadcasts().insert(
                part="snippet,status,contentDetails", body=body
            )
            response = self._send(request, self._token_setting, "liveBroadcasts.insert", Usage())
        if not isinstance(video_id := response.get("id"), str):
            raise BadPayload(PLATFORM, "liveBroadcasts.insert answered without an id")
        return video_id

    def close(self) -> None:
        """Close the clients' HTTP connections (the RSS client belongs to the caller)."""
        for key in self._keys:
            if key.resource is not None:
                key.resource.close()
                key.resource = None

    def _new_ids(self, channel: Channel, skip: set[str], now: datetime, usage: Usage) -> list[str]:
        """Ids on ``channel``'s feed (and, when needed, uploads playlist) not in ``skip``."""
        failed: PlatformError | None = None
        try:
            feed: list[str] | None = [e.video_id for e in self._feed(channel.id)]
        except PlatformError as exc:  # the feed is unofficial: the uploads playlist stands in
            feed, failed = None, exc
        fresh = [vid for vid in feed or () if vid not in skip]
        if channel.id in self._walked and feed is not None and len(fresh) < FEED_SIZE:
            return fresh
        walked = self._walk_uploads(channel.id, skip, now, usage)
        if failed is not None:  # a walk that failed too is the channel's failure, logged once
            log.warning("RSS feed of %s failed (%s); walked uploads", channel.id, failed.reason)
        return list(dict.fromkeys(fresh + walked))

    def _feed(self, channel_id: str) -> list[FeedEntry]:
        fetch = partial(self._get_feed, f"{self._rss_endpoint}/feeds/videos.xml", channel_id)
        return retrying(lambda: parse_feed(fetch()), clock=self._clock, policy=self._policy)

    def _get_feed(self, url: str, channel_id: str) -> bytes:
        params = {"channel_id": channel_id}
        try:
            response = self._rss_client.get(url, params=params, timeout=self._timeout)
        except httpx.TimeoutException:
            raise Transient(PLATFORM, "RSS feed timed out", reason="timeout") from None
        except httpx.TransportError as exc:
            raise Transient(PLATFORM, f"RSS feed unreachable ({type(exc).__name__})") from None
        status = response.status_code
        if status == 429 or status >= 500:
            delay = retry_after_seconds(response.headers, self._clock.now())
            raise Transient(PLATFORM, f"RSS feed answered HTTP {status}", retry_after=delay)
        if status != 200:
            message = f"RSS feed of {channel_id} answered HTTP {status}"
            raise PlatformError(PLATFORM, message, reason="rejected")
        return response.content

    def _walk_uploads(self, channel: str, skip: set[str], now: datetime, usage: Usage) -> list[str]:
        """Newest uploads down to a known id, the ``lookback`` horizon or ``MAX_PAGES``.

        Pages are asked for by ``pageToken``, not ``list_next``: that copies the
        previous request's URI, ``key=`` included, so after a key switch it would
        go on spending the exhausted key.
        """
        playlist, ids, token = self._uploads_playlist(channel, now, usage), list[str](), None
        for _ in range(MAX_PAGES):
            asked = {"part": "contentDetails,snippet", "playlistId": playlist, "maxResults": BATCH}
            page = self._call("playlistItems.list", now, usage, pageToken=token, **asked)
            reached_known = _page_ids(page, skip, now - self._lookback, ids)
            if reached_known or not (token := page.get("nextPageToken")):
                break
        return ids

    def _uploads_playlist(self, channel: str, now: datetime, usage: Usage) -> str:
        if channel not in self._uploads:
            found = self._call("channels.list", now, usage, part="contentDetails", id=channel)
            items = found.get("items") or [{}]
            playlists = items[0].get("contentDetails", {}).get("relatedPlaylists", {})
            if not isinstance(uploads := playlists.get("uploads"), str):
                raise PlatformError(PLATFORM, f"channel {channel} not found", reason="not_found")
            self._uploads[channel] = uploads
        return self._uploads[channel]

    def _videos(self, ids: Sequence[str], now: datetime, usage: Usage) -> dict[str, Any]:
        """``videos.list`` items by id, asked for in batches of ``BATCH`` ids."""
        unique, items = list(dict.fromkeys(ids)), dict[str, Any]()
        for start in range(0, len(unique), BATCH):
            batch = ",".join(unique[start : start + BATCH])  # the documented comma form
            page = self._call(
                "videos.list", now, usage, part=POLL_PARTS, id=batch, fields=POLL_FIELDS
            )
            items |= _items_by_id(page)
        return items

    def _call(self, method: str, now: datetime, usage: Usage, **params: Any) -> dict[str, Any]:
        """Send ``method`` (``"videos.list"``...) with retries; on quotaExceeded, the next key."""
        while True:
            key = self._key_for(now)  # raises QuotaExhausted once every key is spent
            try:
                send = partial(self._send_with, key, method, now, usage, params)
                return retrying(send, clock=self._clock, policy=self._policy)
            except QuotaExhausted as exc:
                key.exhausted_until = exc.reset_at
                log.warning("YouTube quota exhausted on %s; trying the next key", key.env)

    def _send_with(
        self, key: _Key, method: str, now: datetime, usage: Usage, params: dict[str, Any]
    ) -> dict[str, Any]:
        if key.resource is None:
            key.resource = self._build(developerKey=key.value, http=self._http())
            key.collections.clear()
        name, verb = method.split(".")
        if name not in key.collections:
            key.collections[name] = getattr(key.resource, name)()
        request = getattr(key.collections[name], verb)(**params)
        return self._send(request, key.env, method, usage, now)

    def _key_for(self, now: datetime) -> _Key:
        for key in self._keys:
            if key.exhausted_until is None or key.exhausted_until <= now:
                return key
        raise QuotaExhausted(PLATFORM, min(k.exhausted_until or now for k in self._keys))

    def _build(self, **auth: Any) -> Any:
        """A client from the bundled discovery document: building needs no network."""
        options = {"api_endpoint": self._api_endpoint}
        static = {"static_discovery": True, "cache_discovery": False}
        return build("youtube", "v3", client_options=options, **static, **auth)

    def _send(
        self, request: Any, credential: str, method: str, usage: Usage, now: datetime | None = None
    ) -> dict[str, Any]:
        """Execute once, charge its units, turn every failure into a ``PlatformError``."""
        usage.charge(credential, COST[method])  # failed requests cost quota too
        try:
            body = request.execute(num_retries=0)
        except HttpError as exc:  # from None: the chained HttpError's text shows key=
            raise _http_error(exc, credential, method, now or self._clock.now()) from None
        except RefreshError:
            raise AuthFailed(PLATFORM, credential, "OAuth token refresh refused") from None
        except TRANSPORT_ERRORS as exc:
            raise _transport_error(exc, method) from None
        except (RecursionError, UnicodeDecodeError):  # JSON nested thousands deep; binary
            raise BadPayload(PLATFORM, f"{method} answered with a body that is not JSON") from None
        if not isinstance(body, dict):  # the client returns a body that is not JSON as str
            raise BadPayload(PLATFORM, f"{method} answered with a body that is not a JSON object")
        return body


def _stored_reset(entry: Any) -> datetime | None:
    """The ``until`` of a stored spent key, if it is a time with a zone."""
    try:
        return from_iso(entry["until"])
    except (KeyError, TypeError, ValueError):  # a time without a zone is a ValueError
        return None


def _items_by_id(body: Mapping[str, Any]) -> dict[str, Any]:
    items = body.get("items", [])  # a ``fields`` filter may drop an empty list: no items
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise BadPayload(PLATFORM, "videos.list items is not a list of objects")
    if not all(isinstance(i.get("id"), str) for i in items):
        raise BadPayload(PLATFORM, "videos.list item without an id")
    return {item["id"]: item for item in items}


def _page_ids(page: Mapping[str, Any], skip: set[str], since: datetime, ids: list[str]) -> bool:
    """Append a playlist page's new ids to ``ids``; whether a known or old one was reached."""
    try:
        for item in page.get("items", []):
            video_id, details = item["contentDetails"]["videoId"], item["contentDetails"]
            published = details.get("videoPublishedAt") or item["snippet"].get("publishedAt")
            if video_id in skip or (published and from_iso(published) < since):
                return True
            ids.append(video_id)
    except (KeyError, TypeError, ValueError, AttributeError):
        raise BadPayload(PLATFORM, "playlistItems.list item not shaped as documented") from None
    return False


def _error_reasons(content: bytes) -> set[str]:
    """Every ``reason`` of an error body: ``errors[].reason`` and ``details[].reason``."""
    try:
        error = json.loads(content)["error"]
        entries = [*error.get("errors", []), *error.get("details", [])]
        reasons = {str(entry.get("reason")) for entry in entries}
    except (ValueError, KeyError, TypeError, AttributeError):
        return set()
    return {reason for reason in reasons if _WORD.fullmatch(reason)}


def _http_error(exc: HttpError, credential: str, method: str, now: datetime) -> PlatformError:
    """The ``PlatformError`` for an HTTP error, from safe parts only (never ``str(exc)``)."""
    status, reasons = int(exc.resp.status), _error_reasons(exc.content)
    what = f"{method}: HTTP {status} {'/'.join(sorted(reasons)) or 'without a reason'}"
    if status == 403 and "quotaExceeded" in reasons:  # not every 403: only this reason
        return QuotaExhausted(PLATFORM, quota_reset(now))
    if reasons & {"keyInvalid", "API_KEY_INVALID"} or status == 401:
        return AuthFailed(PLATFORM, credential, what)
    rate_limited = status == 429 or bool(reasons & {"rateLimitExceeded", "userRateLimitExceeded"})
    if rate_limited or status >= 500:
        delay, kind = retry_after_seconds(exc.resp, now), "rate_limit" if rate_limited else None
        return Transient(PLATFORM, what, reason=kind, retry_after=delay)
    return PlatformError(PLATFORM, f"refused: {what}", reason="rejected")


def _transport_error(exc: Exception, method: str) -> Transient:
    if isinstance(exc, TimeoutError):
        return Transient(PLATFORM, f"{method} timed out", reason="timeout")
    return Transient(PLATFORM, f"{method}: connection failed ({type(exc).__name__})")


def _redact_keys(record: logging.LogRecord) -> bool:
    """Mask ``key=...`` in the client's debug lines ("URL being requested: GET ...")."""
    if "key=" in (message := record.getMessage()):
        record.msg, record.args = _KEY_PARAM.sub(r"\1REDACTED", message), ()
    return True


def load_user_credentials(token_file: Path | str) -> Credentials:
    """OAuth user credentials from an authorized-user JSON token file (google-auth).

    Warns when the file is open to group or others: it holds a refresh token. A
    missing or malformed file is a ``ConfigError`` naming the file, not its content.
    """
    path = Path(token_file)
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise ConfigError(f"OAuth token file {path} does not exist") from None
    if mode & 0o077:
        log.warning("OAuth token file %s is open to group or others; chmod 600 it", path)
    try:
        loaded: Credentials = Credentials.from_authorized_user_file(str(path))  # type: ignore[no-untyped-call]
    except (ValueError, KeyError, UnicodeDecodeError):
        expected = "JSON with client_id, client_secret and refresh_token"
        message = f"OAuth token file {path} is not an authorized-user token ({expected})"
        raise ConfigError(message) from None
    return loaded
