"""The Graph API over httpx, shared by the Facebook and Instagram adapters (docs/platforms.md §3-4).

One ``GraphClient`` per access token: it sends ``GET {api_endpoint}/{version}/{path}``
with the token in an ``Authorization: Bearer`` header (never in the URL, which httpx
logs), walks cursor pages, maps Graph error codes to ``PlatformError`` subclasses and
reads the usage headers.

Slowing down: a throttling error or a usage header at 90 % or more starts a cooldown.
Until it ends, every call it covers raises ``Transient`` with reason ``"throttled"``
*without* sending anything, so the engine records gaps instead of hammering a platform
that is about to block the app (Graph blocks at 100 %). Two scopes, as Graph meters
them [src: developers.facebook.com/docs/graph-api/overview/rate-limiting]:

- the token: platform limits (codes 4, 17, 32, 341, 613; ``X-App-Usage``,
  ``X-Page-Usage``);
- one business object (a Page, an Instagram account): the Business Use Case (BUC)
  limits that Page-token and Instagram calls fall under (codes 80000-80014, e.g. 80001
  Pages, 80002 Instagram; ``X-Business-Use-Case-Usage``, which also says in
  ``estimated_time_to_regain_access`` how many minutes the object stays blocked). A
  throttled Page costs its own calls only; the token's other Pages go on.

A throttled object's calls raise ``ChannelThrottled``: the adapters make that a gap
for that Page's or account's streams only. The token's cooldown raises a plain
``Transient``, which stops the platform for the cycle. ``cooldowns()`` and
``restore_cooldowns`` let the engine keep them in the store, so a restarted
collector (``collect --once`` from cron) waits them out too.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any

import httpx

from collectors.base import (
    AuthFailed,
    BadPayload,
    ChannelThrottled,
    PlatformError,
    Transient,
    Usage,
)
from collectors.http import json_object
from streamer.clock import Clock, SystemClock
from streamer.errors import ConfigError
from streamer.models import from_iso, to_iso
from streamer.retry import DEFAULT, Policy, retrying

log = logging.getLogger(__name__)

AUTH_CODES = frozenset({102, 190})  # session, OAuthException: get a new token
# Platform limits: app (4), user (17), page (32), app limit (341), custom (613) [src: the
# rate-limiting page's error codes, facebookarchive/php-graph-sdk#880; docs/platforms.md §3].
PLATFORM_THROTTLE_CODES = frozenset({4, 17, 32, 341, 613})
# BUC limits, one business object each: 80000 ads insights (airbytehq/airbyte#3996),
# 80001 Pages, 80002 Instagram, 80003 custom audience, 80004 ads management
# (OWOX/owox-data-marts#1530), 80005 lead generation, 80006 Messenger, 80008 WhatsApp
# Business, 80009 catalog management, 80014 catalog batch. 368 is a policy block, not this.
BUC_THROTTLE_CODES = frozenset(
    {80000, 80001, 80002, 80003, 80004, 80005, 80006, 80008, 80009, 80014}
)
TRANSIENT_CODES = frozenset({1, 2})  # unknown error, service temporarily unavailable
PERMISSION_CODES = frozenset({10, 100, *range(200, 300)})  # recorded 100: missing permission
POLICY_BLOCK = 368
USAGE_HEADERS = ("x-app-usage", "x-page-usage")
BUC_HEADER = "x-business-use-case-usage"
USAGE_FIGURES = ("call_count", "total_cputime", "total_time")  # percent each
REGAIN = "estimated_time_to_regain_access"  # minutes
HIGH_USAGE = 90  # percent; Graph blocks calls at 100
HIGH_USAGE_PAUSE = timedelta(minutes=5)
THROTTLE_PAUSE = timedelta(minutes=10)  # when Graph does not say how long
LONGEST_REGAIN = timedelta(days=1)  # BUC windows are at most a day long
MAX_PAGES = 20  # pages one walk may read
_SAFE = re.compile(r"[\w.-]{1,64}")


@dataclass(slots=True)
class _Token:
    env: str
    value: str = field(repr=False)  # never in a repr, a log line or a message


class GraphClient:
    """Graph API calls with one access token. Not thread-safe (one collector thread)."""

    def __init__(
        self,
        platform: str,
        http: httpx.Client,
        access_token: tuple[str, str],
        *,
        api_endpoint: str = "https://graph.facebook.com",
        graph_version: str = "v19.0",
        clock: Clock | None = None,
        policy: Policy = DEFAULT,
    ) -> None:
        """``access_token``: (environment variable name, token); an empty token is refused."""
        env, value = access_token
        if not value:
            raise ConfigError(f"the {platform} access token variable {env} is missing or empty")
        self.platform = platform
        self._http, self._token = http, _Token(env, value)
        self._root = f"{api_endpoint.rstrip('/')}/{graph_version.strip('/')}"
        self._clock, self._policy = clock or SystemClock(), policy
        self.cooldown_until: datetime | None = None  # the token's (platform limits)
        self.object_cooldowns: dict[str, datetime] = {}  # per business object (BUC)
        self._recent: dict[tuple[str, tuple[tuple[str, str], ...]], tuple[datetime, Any]] = {}

    @property
    def credential(self) -> str:
        """The name of the variable holding the token (what usage is charged to)."""
        return self._token.env

    def get(
        self, path: str, params: Mapping[str, str], usage: Usage, at: datetime | None = None
    ) -> dict[str, Any]:
        """``GET /{version}/{path}`` with retries; the JSON object answered.

        ``at`` names the collector cycle asking. An identical request already answered
        for the same cycle is answered from that response: discovery and polling in
        one cycle both list a Page's live videos, and one request serves both.
        """
        key = (path, tuple(sorted(params.items())))
        recent = self._recent.get(key)
        if at is not None and recent is not None and recent[0] == at:
            cached: dict[str, Any] = recent[1]
            return cached
        send = partial(self._send, path, dict(params), usage)
        body: dict[str, Any] = retrying(send, clock=self._clock, policy=self._policy)
        if at is not None:
            self._recent = {k: v for k, v in self._recent.items() if v[0] == at}
            self._recent[key] = (at, body)
        return body

    def pages(
        self,
        path: str,
        params: Mapping[str, str],
        usage: Usage,
        max_pages: int = MAX_PAGES,
        at: datetime | None = None,
    ) -> Iterator[list[dict[str, Any]]]:
        """Each page's ``data``, following ``paging.cursors.after`` while ``next`` is given.

        A page may be empty and still have ``next``. The cursor is used for this walk
        only, never stored, and the ``next`` URL is not followed as is: it would be a
        URL from the response, which may carry a token when one was sent in a query.
        """
        asked = dict(params)
        for _ in range(max_pages):
            body = self.get(path, asked, usage, at)
            yield items_of(body, self.platform, path)
            paging = body.get("paging")
            if not isinstance(paging, dict) or not paging.get("next"):
                return
            after = (paging.get("cursors") or {}).get("after")
            if not isinstance(after, str) or not after:
                raise BadPayload(self.platform, f"{_edge(path)}: paging.next without a cursor")
            asked["after"] = after

    def cooldown_of(self, business_object: str) -> datetime | None:
        """Until when calls about ``business_object`` are refused locally, if they are:
        the later of the token's cooldown and the object's own."""
        ends = [self.cooldown_until, self.object_cooldowns.get(business_object)]
        return max((end for end in ends if end is not None), default=None)

    def cooldowns(self) -> dict[str, Any]:
        """The cooldowns still running: ``{"token": end, "objects": {id: end}}`` (ISO
        8601 UTC; a key without one left out; ``{}``: none)."""
        now, found = self._clock.now(), dict[str, Any]()
        if self.cooldown_until is not None and self.cooldown_until > now:
            found["token"] = to_iso(self.cooldown_until)
        cooling = {o: to_iso(end) for o, end in sorted(self.object_cooldowns.items()) if end > now}
        if cooling:
            found["objects"] = cooling
        return found

    def restore_cooldowns(self, stored: Any) -> None:
        """Take back stored ``cooldowns()``, the later end winning; unreadable: ignored."""
        if not isinstance(stored, dict):
            return
        try:
            token = stored.get("token")
            ends = {str(o): from_iso(at) for o, at in (stored.get("objects") or {}).items()}
            until = from_iso(token) if token is not None else None
        except (TypeError, ValueError, AttributeError):
            log.warning("%s: stored cooldowns unreadable; ignored", self.platform)
            return
        now = self._clock.now()
        if until is not None:
            self._cool_down(until - now)
        for business_object, end in ends.items():
            if end > now and _SAFE.fullmatch(business_object):
                self._cool_down(end - now, business_object)

    def _send(self, path: str, params: dict[str, str], usage: Usage) -> dict[str, Any]:
        """One request: refused locally while cooling down; errors mapped, usage read."""
        what = f"GET {_edge(path)}"
        self._refuse_while_cooling(what, _object_of(path))
        usage.charge(self._token.env, 0)  # Graph meters calls, not quota units
        headers = {"Authorization": f"Bearer {self._token.value}"}
        try:
            response = self._http.get(f"{self._root}/{path}", params=params, headers=headers)
        except httpx.TimeoutException:
            raise Transient(self.platform, f"{what} timed out", reason="timeout") from None
        except httpx.TransportError as exc:
            message = f"{what}: connection failed ({type(exc).__name__})"
            raise Transient(self.platform, message) from None
        self._read_usage(response.headers)
        if response.status_code != 200:
            raise self._error(response, what, _object_of(path))
        return json_object(response, self.platform, what)

    def _refuse_while_cooling(self, what: str, business_object: str) -> None:
        now, until = self._clock.now(), self.cooldown_of(business_object)
        if until is None or now >= until:
            return
        wait = (until - now).total_seconds()
        message = f"{what} not sent: slowing down until {until.isoformat()}"
        if self.cooldown_until is not None and now < self.cooldown_until:  # the whole token
            raise Transient(self.platform, message, reason="throttled", retry_after=wait)
        raise ChannelThrottled(self.platform, message, channel=business_object, retry_after=wait)

    def _cool_down(self, pause: timedelta, business_object: str | None = None) -> float:
        """Start (or extend) a cooldown of ``pause``, of the token or of one object;
        returns its remaining seconds."""
        now = self._clock.now()
        until = now + min(pause, LONGEST_REGAIN)
        if business_object is None:
            if self.cooldown_until is None or self.cooldown_until < until:
                self.cooldown_until = until
            return (self.cooldown_until - now).total_seconds()
        cooling = {o: end for o, end in self.object_cooldowns.items() if end > now}
        cooling[business_object] = max(until, cooling.get(business_object, until))
        self.object_cooldowns = cooling
        return (cooling[business_object] - now).total_seconds()

    def _read_usage(self, headers: httpx.Headers) -> None:
        """A usage header at ``HIGH_USAGE`` percent or more starts a cooldown, and so does
        a business object Graph says is blocked, for as long as it says."""
        for name in USAGE_HEADERS:
            percent = usage_percent(headers.get(name))
            if percent is not None and percent >= HIGH_USAGE:
                self._cool_down(HIGH_USAGE_PAUSE)
                log.warning("%s: %s at %d%%; slowing down", self.platform, name, percent)
        for business_object, (percent, regain) in buc_usage(headers.get(BUC_HEADER)).items():
            if regain > timedelta(0):
                self._cool_down(regain, business_object)
            elif percent is not None and percent >= HIGH_USAGE:
                self._cool_down(HIGH_USAGE_PAUSE, business_object)
            else:
                continue
            log.warning(
                "%s: business object %s at %s%% usage, %s min to regain access; slowing down",
                self.platform,
                business_object,
                "?" if percent is None else percent,
                regain // timedelta(minutes=1),
            )

    def _error(self, response: httpx.Response, what: str, business_object: str) -> PlatformError:
        """The ``PlatformError`` for a failed call, from safe parts (never Graph's text)."""
        status, error = response.status_code, _error_object(response)
        code, subcode = _int(error.get("code")), _int(error.get("error_subcode"))
        detail = f"{what}: HTTP {status}" + _describe(error, code, subcode)
        if code in AUTH_CODES:
            return AuthFailed(self.platform, self._token.env, detail)
        if code in PLATFORM_THROTTLE_CODES:
            wait = self._cool_down(THROTTLE_PAUSE)
            return Transient(self.platform, detail, reason="throttled", retry_after=wait)
        if code in BUC_THROTTLE_CODES:
            wait = self._cool_down(self._buc_pause(response, business_object), business_object)
            return ChannelThrottled(
                self.platform, detail, channel=business_object, retry_after=wait
            )
        if code in TRANSIENT_CODES or (code is None and (status == 429 or status >= 500)):
            return Transient(self.platform, detail)
        if code in PERMISSION_CODES:
            return PlatformError(self.platform, detail, reason="permission")
        if code == POLICY_BLOCK:
            return PlatformError(self.platform, detail, reason="blocked")
        if status >= 500:
            return Transient(self.platform, detail)
        return PlatformError(self.platform, f"refused: {detail}", reason="rejected")

    def _buc_pause(self, response: httpx.Response, business_object: str) -> timedelta:
        """How long a BUC-throttled object waits: Graph's estimate for it, else
        ``THROTTLE_PAUSE``; and always longer than a retry would wait (the policy's
        ``longest_wait``), so the object is not asked again in the same cycle."""
        named = buc_usage(response.headers.get(BUC_HEADER)).get(business_object)
        regain = named[1] if named is not None else timedelta(0)
        pause = regain if regain > timedelta(0) else THROTTLE_PAUSE
        return max(pause, timedelta(seconds=self._policy.longest_wait + 1))


def usage_percent(value: str | None) -> int | None:
    """The highest figure of a usage header (``{"call_count":..,"total_time":..}``), if any."""
    if not value:
        return None
    try:
        figures = json.loads(value)
    except (ValueError, RecursionError):
        return None
    return max(_numbers(figures, USAGE_FIGURES), default=None)


def buc_usage(value: str | None) -> dict[str, tuple[int | None, timedelta]]:
    """Each business object of an ``X-Business-Use-Case-Usage`` value, with its highest
    usage figure (percent) and the time until it may be called again.

    The value is ``{"<object id>": [{"type", "call_count", "total_cputime",
    "total_time", "estimated_time_to_regain_access"}, ...]}``, the last in minutes
    [src: developers.facebook.com/docs/graph-api/overview/rate-limiting]. A value, an
    object or an entry of another shape is left out (logged at debug), never raised.
    """
    if not value:
        return {}
    try:
        parsed = json.loads(value)
    except (ValueError, RecursionError):
        parsed = None
    if not isinstance(parsed, dict):
        log.debug("%s header ignored: not a JSON object", BUC_HEADER)
        return {}
    found: dict[str, tuple[int | None, timedelta]] = {}
    for business_object, entries in parsed.items():
        if not _SAFE.fullmatch(business_object) or not isinstance(entries, list):
            log.debug("%s header: an object of another shape ignored", BUC_HEADER)
            continue
        percents = [n for entry in entries for n in _numbers(entry, USAGE_FIGURES)]
        minutes = [n for entry in entries for n in _numbers(entry, (REGAIN,))]
        if percents or minutes:
            found[business_object] = (max(percents, default=None), _minutes(minutes))
    return found


def _numbers(figures: Any, keys: tuple[str, ...]) -> list[int]:
    """The finite, non-negative numbers under ``keys`` of ``figures`` (if a mapping)."""
    if not isinstance(figures, dict):
        return []
    found = (figures.get(key) for key in keys)
    valid = (n for n in found if isinstance(n, int | float) and not isinstance(n, bool))
    # An int of any size is finite (and math.isfinite cannot take a huge one).
    return [int(n) for n in valid if (isinstance(n, int) or math.isfinite(n)) and n >= 0]


def _minutes(minutes: list[int]) -> timedelta:
    """The longest of ``minutes`` as a time, at most ``LONGEST_REGAIN``."""
    longest = LONGEST_REGAIN // timedelta(minutes=1)
    return timedelta(minutes=min(max(minutes, default=0), longest))


def items_of(body: Mapping[str, Any], platform: str, path: str = "") -> list[dict[str, Any]]:
    """A page's ``data``: a list of objects with string ids, else ``BadPayload``."""
    items = body.get("data")
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise BadPayload(platform, f"{_edge(path)}: data is not a list of objects")
    if not all(isinstance(i.get("id"), str) for i in items):
        raise BadPayload(platform, f"{_edge(path)}: an item without an id")
    return items


def graph_time(value: Any) -> datetime | None:
    """A Graph time (``2021-04-23T14:57:11+0000``) as UTC; absent is ``None``."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError("a Graph time must be a string")
    return from_iso(value)


def count(value: Any) -> int | None:
    """A Graph counter: an int, or a string of digits (``total_views``); absent is ``None``."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise TypeError("a counter must be a number")
    number = int(value)
    if number < 0:
        raise ValueError("a counter cannot be negative")
    return number


def _error_object(response: httpx.Response) -> dict[str, Any]:
    try:
        error = response.json().get("error")
    except (ValueError, AttributeError):
        return {}
    return error if isinstance(error, dict) else {}


def _describe(error: Mapping[str, Any], code: int | None, subcode: int | None) -> str:
    if code is None:
        return " without a Graph error"
    text = f" code {code}" + (f"/{subcode}" if subcode is not None else "")
    for label, key in (("", "type"), ("fbtrace_id ", "fbtrace_id")):
        value = error.get(key)
        if isinstance(value, str) and _SAFE.fullmatch(value):
            text += f" {label}{value}"
    return text


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _object_of(path: str) -> str:
    """The object a path is about: ``123/live_videos`` → ``123`` (a Page, an IG account)."""
    return path.split("/", 1)[0]


def _edge(path: str) -> str:
    """The edge of a path, for messages: ``123/live_videos`` → ``live_videos``."""
    return path.rsplit("/", 1)[-1] or "graph"
