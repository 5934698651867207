"""The Telegram channel: Bot API ``sendMessage`` (HTML) and ``sendDocument``, over httpx.

The bot token sits in the request path (``/bot<token>/sendMessage``), so it must never
reach a log line, an error, the outbox or a report: errors are built from the status
and Telegram's ``description`` only, any text that could hold the URL is passed
through ``redact``, and ``TokenFilter`` rewrites httpx's own request lines (logged at
INFO) wherever logging is configured. Every outside string in a message (stream
titles come from the platforms) is escaped with ``html.escape``.

Answers: 429 → ``TemporaryFailure`` with Telegram's ``parameters.retry_after``; 5xx,
timeouts and connection errors → ``TemporaryFailure``; 400, 401, 403, 404 →
``PermanentFailure`` (bad chat, bad or revoked token, bot blocked).
"""

from __future__ import annotations

import html
import logging
import re
from collections import OrderedDict
from typing import Any

import httpx

from streamer.notify.base import Attachment, Notice, PermanentFailure, TemporaryFailure
from streamer.notifyconf import TelegramSettings

NAME = "telegram"
TIMEOUT = httpx.Timeout(15.0, connect=5.0)
MAX_TEXT = 4096  # Telegram's limit for a message's text
_BOT_PATH = re.compile(r"/bot[^/\s]+/")


def redact(text: str, token: str | None = None) -> str:
    """``text`` with any bot path and the token itself replaced by ``<token>``."""
    text = _BOT_PATH.sub("/bot<token>/", text)
    return text.replace(token, "<token>") if token else text


class TokenFilter(logging.Filter):
    """Rewrites ``/bot<token>/`` in log records (httpx logs each request's URL)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "/bot" in message:
            record.msg, record.args = redact(message), None
        return True


_FILTER = TokenFilter()
for _name in ("httpx", "httpcore"):
    if _FILTER not in logging.getLogger(_name).filters:
        logging.getLogger(_name).addFilter(_FILTER)


def render_html(notice: Notice) -> str:
    """The notice as Telegram HTML: bold subject, plain lines, the links on one line
    (``YouTube · Facebook``: short on a phone); all escaped, within ``MAX_TEXT``.

    A line too long for the message (a 10 kB title) is cut, the longest first, with
    "…": cut before escaping, so no entity is ever split and the text still parses.
    """
    lines = list(notice.lines)
    escaped = [html.escape(line) for line in lines]
    links = [
        f'<a href="{html.escape(url, quote=True)}">{html.escape(label)}</a>'
        for label, url in notice.links
    ]
    head, tail = f"<b>{html.escape(notice.subject)}</b>", [" · ".join(links)] if links else []
    while (over := _units("\n".join([head, *escaped, *tail])) - MAX_TEXT) > 0 and escaped:
        longest = max(range(len(escaped)), key=lambda i: _units(escaped[i]))
        keep = _units(escaped[longest]) - over - 1
        if keep <= 0:
            del lines[longest], escaped[longest]
        else:
            lines[longest] = _prefix(lines[longest], keep)
            escaped[longest] = html.escape(lines[longest]) + "…"
    text = "\n".join([head, *escaped, *tail])
    return text if _units(text) <= MAX_TEXT else "\n".join([head, *escaped])


def _units(text: str) -> int:
    """``text``'s length as Telegram counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def _prefix(line: str, budget: int) -> str:
    """The longest beginning of ``line`` whose escaped form fits in ``budget`` units."""
    used = 0
    for index, char in enumerate(line):
        used += _units(html.escape(char))
        if used > budget:
            return line[:index]
    return line


ACCEPTED_KEPT = 1000  # notices whose accepted parts a channel remembers


class TelegramChannel:
    """Sends a notice to every configured chat; attachments as documents."""

    name = NAME

    def __init__(
        self,
        settings: TelegramSettings,
        token: str,
        *,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        """``token``: the bot token (read from ``bot_token_env`` by the caller);
        ``transport``: an httpx transport for tests (``MockTransport``)."""
        self.settings = settings
        self._token = token
        self._transport = transport
        # The parts of a notice Telegram already accepted (message or document per
        # chat), by notice id: a retry after a 429 on the second chat or file sends the
        # rest, not the first again. Kept for the process's life (the sender's retries),
        # the oldest notices dropped first.
        self._accepted: OrderedDict[str, dict[str, str]] = OrderedDict()

    def send(self, notice: Notice) -> str:
        """Deliver to every chat; a receipt such as ``message 42 to -100123``."""
        done = self._accepted.setdefault(notice.id, {})
        self._accepted.move_to_end(notice.id)
        while len(self._accepted) > ACCEPTED_KEPT:
            self._accepted.popitem(last=False)
        text = render_html(notice)  # the same for every chat
        with httpx.Client(timeout=TIMEOUT, transport=self._transport) as client:
            for chat in self.settings.chat_ids:
                if f"text:{chat}" not in done:
                    payload = {"chat_id": chat, "text": text,
                               "parse_mode": "HTML", "disable_web_page_preview": True}  # fmt: skip
                    answer = self._call(client, "sendMessage", json=payload)
                    done[f"text:{chat}"] = f"message {answer.get('message_id', '?')} to {chat}"
                for index, attachment in enumerate(notice.attachments):
                    if f"file{index}:{chat}" not in done:
                        self._document(client, chat, attachment)
                        done[f"file{index}:{chat}"] = attachment.filename
        return ", ".join(done[f"text:{chat}"] for chat in self.settings.chat_ids)

    def _document(self, client: httpx.Client, chat: str, attachment: Attachment) -> None:
        files = {"document": (attachment.filename, attachment.content, attachment.mime)}
        self._call(client, "sendDocument", data={"chat_id": chat}, files=files)

    def _call(self, client: httpx.Client, method: str, **request: Any) -> dict[str, Any]:
        """POST one Bot API method; its ``result``, or the delivery error it means."""
        url = f"{self.settings.api_endpoint}/bot{self._token}/{method}"
        try:
            response = client.post(url, **request)
        except httpx.TimeoutException:
            raise TemporaryFailure(NAME, f"{method}: timed out") from None
        except httpx.HTTPError as exc:  # connection refused, reset, bad answer
            reason = redact(f"{method}: {type(exc).__name__}: {exc}", self._token)
            raise TemporaryFailure(NAME, reason) from None
        return self._answer(method, response)

    def _answer(self, method: str, response: httpx.Response) -> dict[str, Any]:
        try:
            body = response.json()
        except ValueError:
            body = {}
        if not isinstance(body, dict):
            body = {}
        status = response.status_code
        if status == 200 and body.get("ok"):
            result = body.get("result")
            return result if isinstance(result, dict) else {}
        description = redact(str(body.get("description") or response.reason_phrase), self._token)
        reason = f"{method}: {status} {description}"[:200]
        if status == 429:
            parameters = body.get("parameters")
            after = parameters.get("retry_after") if isinstance(parameters, dict) else None
            wait = float(after) if isinstance(after, int | float) else None
            raise TemporaryFailure(NAME, reason, retry_after=wait)
        if status >= 500 or status == 200:  # 200 without ok: a broken answer
            raise TemporaryFailure(NAME, reason)
        raise PermanentFailure(NAME, reason)
