"""Replaying recorded API responses (``tests/recorded/``) over loopback.

A ``ThreadingHTTPServer`` in a thread, like the simulator's, answers each request
from the recordings routed to its method and path, so the real clients (the
google-api-python-client over httplib2, httpx) talk HTTP to it exactly as to the
platforms. A recording is a body file plus an optional ``<file>.meta.json``
holding its HTTP status and headers (200 and none when absent). SOURCES in
``tests/recorded/`` names where each one comes from.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

RECORDED = Path(__file__).resolve().parent.parent / "recorded"
TYPES = {".json": "application/json; charset=UTF-8", ".xml": "application/atom+xml; charset=UTF-8"}


@dataclass(frozen=True)
class Recorded:
    """One recorded HTTP response: status, headers and body."""

    status: int
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)

    def json(self) -> Any:
        """The body, parsed."""
        return json.loads(self.body)


def recorded(platform: str, name: str) -> Recorded:
    """``tests/recorded/<platform>/<name>`` with its ``.meta.json`` status and headers."""
    path = RECORDED / platform / name
    meta_path = path.with_name(path.name + ".meta.json")
    meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.exists() else {}
    headers = {"Content-Type": TYPES.get(path.suffix, "text/html; charset=utf-8")}
    headers |= meta.get("headers", {})
    return Recorded(int(meta.get("status", 200)), path.read_bytes(), headers)


@dataclass(frozen=True)
class Seen:
    """A request the replay server received."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes


Answer = Recorded | Callable[[Seen], Recorded]


def videos_by_id(*recordings: Recorded) -> Callable[[Seen], Recorded]:
    """``videos.list`` over several recordings: the items of the ids asked for.

    As the real API does, an id with no recorded item is left out of ``items``.
    """
    items = {item["id"]: item for r in recordings for item in r.json()["items"]}

    def answer(seen: Seen) -> Recorded:
        asked = [i for value in seen.query.get("id", []) for i in value.split(",")]
        found = [items[i] for i in asked if i in items]
        body = {"kind": "youtube#videoListResponse", "etag": "replay", "items": found}
        body["pageInfo"] = {"totalResults": len(found), "resultsPerPage": len(found)}
        return Recorded(200, json.dumps(body).encode(), {"Content-Type": TYPES[".json"]})

    return answer


class Replay:
    """The routes of a running replay server and the requests it received."""

    def __init__(self) -> None:
        self.url = ""
        self.seen: list[Seen] = []
        self._routes: dict[tuple[str, str], list[Answer]] = {}
        self._lock = threading.Lock()

    def route(self, method: str, path: str, *answers: Answer) -> None:
        """Answer ``method path`` with ``answers`` in turn; the last one repeats."""
        with self._lock:
            self._routes[(method, path)] = list(answers)

    def requests(self, path: str, method: str = "GET") -> list[Seen]:
        """The requests received on ``path``, in order."""
        with self._lock:
            return [s for s in self.seen if s.path == path and s.method == method]

    def answer(self, seen: Seen) -> Recorded:
        with self._lock:
            self.seen.append(seen)
            queue = self._routes.get((seen.method, seen.path))
            if not queue:
                message = f"no recording routed for {seen.method} {seen.path}"
                return Recorded(599, message.encode(), {"Content-Type": "text/plain"})
            answer = queue.pop(0) if len(queue) > 1 else queue[0]
        return answer(seen) if callable(answer) else answer


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def _serve(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        seen = Seen(self.command, parts.path, parse_qs(parts.query), headers, body)
        reply = self.server.replay.answer(seen)
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)

    do_GET = do_POST = _serve

    def log_message(self, format: str, *args: Any) -> None:
        return None  # quiet: pytest shows failures, not every request


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, replay: Replay) -> None:
        self.replay = replay
        super().__init__(("127.0.0.1", 0), _Handler)


@contextmanager
def serve(routes: Sequence[tuple[str, str, Sequence[Answer]]] = ()) -> Iterator[Replay]:
    """A replay server on a free loopback port, for the ``with`` block."""
    replay = Replay()
    for method, path, answers in routes:
        replay.route(method, path, *answers)
    server = _Server(replay)
    replay.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, name="replay", daemon=True)
    thread.start()
    try:
        yield replay
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
