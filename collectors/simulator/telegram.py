"""A Telegram Bot API stand-in: ``/bot<token>/sendMessage`` and ``/sendDocument``.

Answers like the Bot API (``{"ok": true, "result": {"message_id": ...}}``) and records
every message it accepted in ``TelegramBox.messages`` (chat, text, method, file name;
never the token), for the tests and the demo. A token in the simulator's
``invalid_keys`` gets 401 ``Unauthorized``; injected faults answer in the Bot API's
error form: ``http429`` with ``parameters.retry_after`` (the rule's ``retry_after``),
``key_invalid`` 401, ``http500`` 500, others 502; ``timeout`` holds the connection.
Arm them on ``path_prefix="/bot"``. A ``sendMessage`` text is read as the Bot API reads
it: under ``parse_mode=HTML`` a tag or entity it does not know is 400 "can't parse
entities", and a text over 4096 characters (after parsing) is 400 "message is too long".
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import parse_qs

import orjson

from collectors.simulator.faults import FaultRule
from collectors.simulator.routing import Request, Response, Route
from collectors.simulator.telegram_html import MAX_TEXT, Parsed, ParseError, parse_html

PATH = "/bot*"
"""Every path under ``/bot``: the token is part of the path."""


@dataclass(frozen=True, slots=True)
class Received:
    """One message the stand-in accepted."""

    method: str
    chat_id: str
    text: str
    filename: str | None = None
    message_id: int = 0


class TelegramBox:
    """What the stand-in received, shared by the server threads."""

    def __init__(self, invalid_tokens: frozenset[str] = frozenset()) -> None:
        self.messages: list[Received] = []
        self.invalid_tokens = invalid_tokens
        self._lock = threading.Lock()

    def texts(self, method: str = "sendMessage") -> list[str]:
        """The texts of the accepted messages of ``method``, in arrival order."""
        with self._lock:
            return [m.text for m in self.messages if m.method == method]

    def handle(self, request: Request) -> Response:
        """Answer one Bot API call."""
        token, _, method = request.path.removeprefix("/bot").partition("/")
        if not token or token in self.invalid_tokens:
            return error(401, "Unauthorized")
        if method not in ("sendMessage", "sendDocument"):
            return error(404, "Not Found")
        fields = _fields(request)
        chat = str(fields.get("chat_id", ""))
        if not chat:
            return error(400, "Bad Request: chat_id is empty")
        if method == "sendMessage":
            refused = _refused_text(fields)
            if refused is not None:
                return error(400, f"Bad Request: {refused}")
        with self._lock:
            received = Received(method, chat, str(fields.get("text", "")),
                                fields.get("_filename"), len(self.messages) + 1)  # fmt: skip
            self.messages.append(received)
        result = {"message_id": received.message_id, "chat": {"id": chat}}
        return Response(200, orjson.dumps({"ok": True, "result": result}))


def _refused_text(fields: dict[str, Any]) -> str | None:
    """Why the Bot API would refuse a ``sendMessage`` text, or ``None``."""
    text = str(fields.get("text") or "")
    if not text:
        return "message text is empty"
    parsed = Parsed(text)
    if fields.get("parse_mode") == "HTML":
        try:
            parsed = parse_html(text)
        except ParseError as exc:
            return f"can't parse entities: {exc}"
    return "message is too long" if parsed.units() > MAX_TEXT else None


def error(status: int, description: str, retry_after: int | None = None) -> Response:
    """A Bot API error answer."""
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
    return Response(status, orjson.dumps(body))


class TelegramFaults:
    """``FaultStyle``: injected faults in the Bot API's error form."""

    def fault_response(self, rule: FaultRule) -> Response:
        """The Bot API's answer for an error fault kind."""
        match rule.kind:
            case "http429" | "quota" | "throttled":
                message = f"Too Many Requests: retry after {rule.retry_after}"
                return error(429, message, rule.retry_after)
            case "key_invalid":
                return error(401, "Unauthorized")
            case "http500":
                return error(500, "Internal Server Error")
            case _:
                return error(502, "Bad Gateway")


def routes(box: TelegramBox) -> list[Route]:
    """The stand-in's one route (every ``POST /bot...`` path)."""
    return [Route("POST", PATH, box.handle, TelegramFaults())]


def _fields(request: Request) -> dict[str, Any]:
    """A JSON, form or multipart body as a flat dict (a file as ``_filename``)."""
    kind = request.headers.get("content-type", "")
    if kind.startswith("application/json"):
        try:
            loaded = orjson.loads(request.body or b"{}")
        except orjson.JSONDecodeError:
            return {}
        return loaded if isinstance(loaded, dict) else {}
    if kind.startswith("multipart/form-data"):
        head = f"Content-Type: {kind}\r\n\r\n".encode()
        message = BytesParser(policy=HTTP).parsebytes(head + request.body)
        fields: dict[str, Any] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if part.get_filename():
                fields["_filename"] = part.get_filename()
            elif isinstance(name, str):
                fields[name] = part.get_content().strip()
        return fields
    query = parse_qs(request.body.decode("utf-8", "replace"))
    return {name: values[0] for name, values in query.items()}
