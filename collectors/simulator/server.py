"""The simulator's HTTP server: a ThreadingHTTPServer in a daemon thread, loopback only.

HTTP/1.1 with keep-alive, as the real APIs answer: a collector's pooled client
reuses one connection instead of opening one per request (a simulated week makes
tens of thousands of requests). On exit the server shuts down every open
connection, so idle keep-alive sockets do not hold it, and joins the request
threads, so nothing outlives ``serve()``.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from collectors.simulator.dispatch import Dispatcher, Reply
from collectors.simulator.routing import Request

logger = logging.getLogger(__name__)


class _Server(ThreadingHTTPServer):
    # Join request threads on server_close, so nothing outlives `serve()`.
    daemon_threads = False
    block_on_close = True

    def __init__(self, address: tuple[str, int], dispatcher: Dispatcher, family: int) -> None:
        self.address_family = family
        self.dispatcher = dispatcher
        self.stopping = threading.Event()
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.connections_lock:
            self.connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self.connections_lock:
            self.connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Wake every handler blocked on an idle keep-alive connection, so it ends."""
        with self.connections_lock:
            open_now = list(self.connections)
        for connection in open_now:
            with suppress(OSError):  # already closed by the client
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hung up (its own timeout, say) is normal here, not stderr news.
        logger.debug("connection from %s ended with an error", client_address, exc_info=True)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out as two writes; with Nagle on, a kept-alive connection
    # waits for the client's delayed ACK (about 40 ms) between them.
    disable_nagle_algorithm = True
    timeout = 10  # a client that connects and sends nothing cannot hold shutdown for ever
    server: _Server

    def do_GET(self) -> None:  # http.server dispatches on do_<METHOD>
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: no stderr noise in tests, and request lines carry API keys."""

    def _serve(self) -> None:
        self._send(self.server.dispatcher.handle(self._read_request()))

    def _read_request(self) -> Request:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        headers = {name.lower(): value for name, value in self.headers.items()}
        query = parse_qs(url.query, keep_blank_values=True)
        return Request(self.command, url.path, query, headers, body)

    def _send(self, reply: Reply) -> None:
        if reply.response is None:
            # Hold the connection past the client's timeout; shutdown cuts it short.
            self.server.stopping.wait(reply.hold)
            self.close_connection = True
            return
        response = reply.response
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()
        body = response.body[: len(response.body) // 2] if reply.truncate else response.body
        if reply.truncate:
            # Fewer bytes than Content-Length: only closing the connection ends the body.
            self.close_connection = True
        self.wfile.write(body)


def is_loopback(host: str) -> bool:
    """Whether ``host`` names this machine only (``localhost``, 127.0.0.0/8, ``::1``)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@contextmanager
def serve(
    dispatcher: Dispatcher, host: str = "127.0.0.1", port: int = 0, *, allow_remote: bool = False
) -> Iterator[str]:
    """Serve ``dispatcher`` on ``host:port`` (0: any free port) and yield the base URL."""
    if not (allow_remote or is_loopback(host)):
        raise ValueError(f"the simulator binds loopback only; pass allow_remote=True for {host}")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    server = _Server((host, port), dispatcher, family)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="simulator", daemon=True
    )
    thread.start()
    try:
        yield _base_url(host, server.server_address[1])
    finally:
        server.stopping.set()
        server.shutdown()
        server.close_connections()
        server.server_close()
        thread.join()


def _base_url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
