"""Twitch channels through Helix, with an app token by client credentials (docs/platforms.md §5).

A stream's external id is the Helix stream id; its channel is the login. Offline
channels are simply absent from ``/helix/streams``, so a known live stream that is
absent (or replaced by a newer stream id) has ended; its ``actual_end`` is the
first poll that missed it, refined to ``started_at + duration`` of its archive.
Views exist only after the end, from the archive (``/helix/videos?type=archive``,
matched by ``stream_id``); while live only ``viewer_count`` is measured.

Requests per poll: one ``/helix/streams`` call for up to 100 logins with a live
stream due, plus one ``/helix/videos`` call per channel with an ended stream due
(and, once per channel after a restart, ``/helix/users`` for its user id). The app
token (``POST {auth}/oauth2/token``) is fetched once, renewed a minute before it
expires or after a 401. Rate limits: a 429 waits for ``Ratelimit-Reset`` through the
retry policy, and a response with ``Ratelimit-Remaining: 0`` makes the next request
wait for the reset first, both through ``streamer.retry.pause`` on the clock.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import partial
from typing import Any

import httpx

from collectors.base import (
    AuthFailed,
    BadPayload,
    Discovery,
    PlatformError,
    PollResult,
    Transient,
    Usage,
    charged,
)
from collectors.http import json_object
from streamer.clock import Clock, SystemClock
from streamer.errors import ConfigError
from streamer.models import Channel, Snapshot, Stream, StreamStatus, from_iso
from streamer.retry import DEFAULT, Policy, pause, retry_after_seconds, retrying

PLATFORM = "twitch"
BATCH = 100  # logins per /helix/streams call, and the most `first` allows
TOKEN_MARGIN = timedelta(minutes=1)  # renew this long before the token expires
_DURATION = re.compile(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?")

Params = list[tuple[str, str]]


@dataclass(slots=True)
class _Secret:
    env: str
    value: str = field(repr=False)  # never in a repr, a log line or a message


@dataclass(slots=True)
class _AppToken:
    value: str = field(repr=False)
    expires_at: datetime


def read_stream(stream: Stream, item: Mapping[str, Any], now: datetime) -> tuple[Stream, Snapshot]:
    """One ``/helix/streams`` item as live ``stream`` and a snapshot with ``viewer_count``."""
    try:
        viewers, started = item["viewer_count"], from_iso(item["started_at"])
        if isinstance(viewers, bool) or not isinstance(viewers, int) or viewers < 0:
            raise TypeError("viewer_count is not a count")
    except (KeyError, TypeError, ValueError) as exc:
        message = f"streams item {stream.external_id}: {type(exc).__name__}"
        raise BadPayload(PLATFORM, message) from None
    title = item.get("title")
    live = replace(
        stream,
        title=title if isinstance(title, str) and title else stream.title,
        status=StreamStatus.LIVE,
        actual_start=stream.actual_start or started,
        actual_end=None,
    )
    return live, Snapshot(stream.key, now, StreamStatus.LIVE, viewers)


def read_ended(
    stream: Stream, archive: Mapping[str, Any] | None, now: datetime
) -> tuple[Stream, Snapshot]:
    """An ended stream with its archive's views and length, when it has an archive."""
    end, views = stream.actual_end or now, None
    if archive is not None:
        views = archive.get("view_count")
        if isinstance(views, bool) or not isinstance(views, int) or views < 0:
            raise BadPayload(PLATFORM, f"archive of {stream.external_id}: view_count not a count")
        length = parse_duration(archive.get("duration"))
        if length is not None and stream.actual_start is not None:
            end = stream.actual_start + length
    gone = replace(stream, status=StreamStatus.ENDED, actual_end=end)
    return gone, Snapshot(stream.key, now, StreamStatus.ENDED, None, views)


def parse_duration(text: Any) -> timedelta | None:
    """A Helix duration (``"1h2m3s"``, ``"3m21s"``) as a timedelta; anything else is None."""
    match = _DURATION.fullmatch(text) if isinstance(text, str) and text else None
    if match is None:
        return None
    hours, minutes, seconds = (int(part or 0) for part in match.groups())
    return timedelta(hours=hours, minutes=minutes, seconds=seconds)


class TwitchAdapter:
    """The ``Platform`` for Twitch. Not thread-safe: one collector thread drives it."""

    name = PLATFORM
    max_batch = BATCH

    def __init__(
        self,
        http: httpx.Client,
        client_id: tuple[str, str],
        client_secret: tuple[str, str],
        *,
        api_endpoint: str = "https://api.twitch.tv",
        auth_endpoint: str = "https://id.twitch.tv",
        clock: Clock | None = None,
        policy: Policy = DEFAULT,
    ) -> None:
        """``client_id``/``client_secret``: (environment variable name, value) pairs."""
        for env, value in (client_id, client_secret):
            if not value:
                raise ConfigError(f"the Twitch variable {env} is missing or empty")
        self._id, self._secret = _Secret(*client_id), _Secret(*client_secret)
        self._http, self._clock, self._policy = http, clock or SystemClock(), policy
        self._api, self._auth = api_endpoint.rstrip("/"), auth_endpoint.rstrip("/")
        self._token: _AppToken | None = None
        self._bucket_refills: datetime | None = None  # set when Ratelimit-Remaining hit 0
        self._user_ids: dict[str, str] = {}  # login → Helix user id

    def discover(
        self, channels: Sequence[Channel], now: datetime, known: Collection[str] = ()
    ) -> Discovery:
        """Streams live now on the logins in ``channels``, not among ``known``."""
        found = Discovery()
        logins = {c.id.lower(): c.id for c in channels if c.platform == PLATFORM}
        with charged(found.usage):
            for login, item in self._live(logins, found.usage).items():
                if login in logins and item["id"] not in known:
                    stream = Stream(PLATFORM, item["id"], logins[login], discovered_at=now)
                    found.streams.append(read_stream(stream, item, now)[0])
        return found

    def poll(self, streams: Sequence[Stream], now: datetime) -> PollResult:
        """Live ones get viewers; ended ones (absent, or replaced) get their archive's views."""
        result = PollResult()
        with charged(result.usage):
            running = [s.channel for s in streams if s.status is not StreamStatus.ENDED]
            live = self._live(running, result.usage)
            current = [(s, live.get(s.channel.lower())) for s in streams]
            still = {s.key for s, item in current if item and item["id"] == s.external_id}
            gone = [s.channel for s in streams if s.key not in still]
            archives = self._archives(gone, result.usage)
            for stream, item in current:
                pair = (
                    read_stream(stream, item, now)
                    if item is not None and stream.key in still
                    else read_ended(stream, archives.get(stream.external_id), now)
                )
                result.updates.append(pair[0])
                result.snapshots.append(pair[1])
        return result

    # -- Helix reads ---------------------------------------------------------------------
    def _live(self, logins: Iterable[str], usage: Usage) -> dict[str, dict[str, Any]]:
        """The live stream of each login that is live, by lower-cased login."""
        unique, live = list(dict.fromkeys(login.lower() for login in logins)), {}
        for start in range(0, len(unique), BATCH):
            asked = [("user_login", login) for login in unique[start : start + BATCH]]
            for item in self._data("streams", [*asked, ("first", str(BATCH))], usage):
                login = str(item.get("user_login", "")).lower()
                live[login] = item
                if isinstance(user_id := item.get("user_id"), str):
                    self._user_ids[login] = user_id
        return live

    def _archives(self, logins: Iterable[str], usage: Usage) -> dict[str, dict[str, Any]]:
        """Archive videos of the ``logins``' channels, by the ``stream_id`` they recorded."""
        archives: dict[str, dict[str, Any]] = {}
        for user_id in self._ids_of(list(dict.fromkeys(s.lower() for s in logins)), usage):
            asked = [("user_id", user_id), ("type", "archive")]
            for video in self._data("videos", asked, usage):
                if isinstance(stream_id := video.get("stream_id"), str):
                    archives[stream_id] = video
        return archives

    def _ids_of(self, logins: list[str], usage: Usage) -> list[str]:
        """Helix user ids of ``logins``, asked of ``/helix/users`` only when not known."""
        unknown = [login for login in logins if login not in self._user_ids]
        for start in range(0, len(unknown), BATCH):
            asked = [("login", login) for login in unknown[start : start + BATCH]]
            for user in self._data("users", asked, usage):
                self._user_ids[str(user.get("login", "")).lower()] = str(user["id"])
        return [self._user_ids[login] for login in logins if login in self._user_ids]

    def _data(self, endpoint: str, params: Params, usage: Usage) -> list[dict[str, Any]]:
        """``data`` of ``GET /helix/{endpoint}``: objects with string ids, else BadPayload."""
        if not params:
            return []
        call = partial(self._helix_once, endpoint, params, usage)
        items = retrying(call, clock=self._clock, policy=self._policy).get("data")
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise BadPayload(PLATFORM, f"helix/{endpoint}: data is not a list of objects")
        if not all(isinstance(i.get("id"), str) for i in items):
            raise BadPayload(PLATFORM, f"helix/{endpoint}: an item without an id")
        return items

    # -- one request ---------------------------------------------------------------------
    def _helix_once(self, endpoint: str, params: Params, usage: Usage) -> dict[str, Any]:
        """One call; a 401 gets one new app token and one more try, then it is AuthFailed."""
        what = f"GET helix/{endpoint}"
        response = self._get(endpoint, params, usage)
        if response.status_code == 401:  # expired or revoked
            self._token = None
            response = self._get(endpoint, params, usage)
            if response.status_code == 401:
                raise AuthFailed(PLATFORM, self._id.env, f"{what}: HTTP 401 with a new app token")
        return self._body(response, what)

    def _get(self, endpoint: str, params: Params, usage: Usage) -> httpx.Response:
        self._wait_for_bucket()
        token = self._app_token(usage)
        usage.charge(self._id.env, 0)  # a rate-limit bucket, not a daily quota
        headers = {"Client-Id": self._id.value, "Authorization": f"Bearer {token}"}
        url = f"{self._api}/helix/{endpoint}"
        response = self._send(partial(self._http.get, url, params=tuple(params), headers=headers))
        self._note_bucket(response.headers)
        return response

    def _body(self, response: httpx.Response, what: str) -> dict[str, Any]:
        status = response.status_code
        if status == 429:
            delay = retry_after_seconds(response.headers, self._clock.now())
            raise Transient(PLATFORM, f"{what}: HTTP 429", reason="rate_limit", retry_after=delay)
        if status >= 500:
            raise Transient(PLATFORM, f"{what}: HTTP {status}")
        if status != 200:
            kind = "permission" if status == 403 else "rejected"
            raise PlatformError(PLATFORM, f"refused: {what}: HTTP {status}", reason=kind)
        return json_object(response, PLATFORM, what)

    def _send(self, request: partial[httpx.Response]) -> httpx.Response:
        """Send, turning httpx's exceptions (whose text may show a URL) into Transient."""
        try:
            return request()
        except httpx.TimeoutException:
            raise Transient(PLATFORM, "request timed out", reason="timeout") from None
        except httpx.TransportError as exc:
            message = f"connection failed ({type(exc).__name__})"
            raise Transient(PLATFORM, message) from None

    # -- app token and rate limit -------------------------------------------------------
    def _app_token(self, usage: Usage) -> str:
        """The app token, fetched by client credentials when absent or about to expire."""
        now = self._clock.now()
        if self._token is None or now >= self._token.expires_at - TOKEN_MARGIN:
            self._token = self._fetch_token(usage, now)
        return self._token.value

    def _fetch_token(self, usage: Usage, now: datetime) -> _AppToken:
        usage.charge(self._id.env, 0)
        form = {
            "client_id": self._id.value,
            "client_secret": self._secret.value,
            "grant_type": "client_credentials",
        }  # in the body, not the URL: httpx logs URLs
        url = f"{self._auth}/oauth2/token"
        response = self._send(partial(self._http.post, url, data=form))
        status = response.status_code
        if status in (400, 401, 403):  # Twitch: 400 "invalid client", 403 "invalid client secret"
            env = self._secret.env if status == 403 else self._id.env
            raise AuthFailed(PLATFORM, env, f"app token refused: HTTP {status}")
        body = self._body(response, "POST oauth2/token")
        token, lifetime = body.get("access_token"), body.get("expires_in")
        if not isinstance(token, str) or not token or not isinstance(lifetime, int):
            raise BadPayload(PLATFORM, "oauth2/token answered without access_token/expires_in")
        return _AppToken(token, now + timedelta(seconds=lifetime))

    def _note_bucket(self, headers: httpx.Headers) -> None:
        """An emptied bucket (``Ratelimit-Remaining: 0``): the next call waits for the reset."""
        if headers.get("ratelimit-remaining", "").strip() != "0":
            return
        now = self._clock.now()
        delay = retry_after_seconds({"Ratelimit-Reset": headers.get("ratelimit-reset", "")}, now)
        if delay:
            self._bucket_refills = now + timedelta(seconds=delay)

    def _wait_for_bucket(self) -> None:
        refills, self._bucket_refills = self._bucket_refills, None
        if refills is not None and (wait := (refills - self._clock.now()).total_seconds()) > 0:
            pause(wait, self._clock)
