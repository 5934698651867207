"""The collector's Prometheus metrics and health check, served by ``streamer run``.

``Metrics`` holds its own ``CollectorRegistry`` (never the process-global one, so
two collectors in one process, or the tests, never share series) and is fed one
``CycleReport`` at a time by ``observe``. ``MetricsServer`` serves it over HTTP:

- ``/metrics``: the Prometheus text format;
- ``/healthz``: ``200 ok`` while every enabled platform has succeeded (a discovery
  or a poll) recently enough, else ``503`` naming the stale platforms; then one line
  per channel discovery cannot read (a dead channel is detail: it turns nothing red).

"Recently enough" is three intervals of what the platform should be doing: three
live intervals while it has a stream live (it is polled every live interval), and
three discovery intervals (or live intervals, if longer) while it has none (then
only discovery calls it). Until a platform's first success, the time counts from
the start of the service, so a platform that never answers turns the check red
after the same three intervals. The metric names are documented in
docs/operations.md ("Metrics and health").
"""

from __future__ import annotations

import logging
import socket
import socketserver
import threading
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import generate_latest
from prometheus_client.metrics_core import GaugeMetricFamily, Metric

from collectors.engine import CycleReport
from collectors.health import STALE_AFTER, ChannelFailure, stale_limit
from streamer.clock import Clock
from streamer.config import CollectorSettings
from streamer.models import to_iso

log = logging.getLogger("streamer.metrics")

UNPLANNED = "unplanned"
"""The ``broadcast`` label of a live stream matched to no planned broadcast."""
CYCLE_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0)
"""Cycle duration buckets, in seconds: a healthy cycle takes well under one second,
a cycle waiting on a timing-out platform tens of seconds, and a tick is 60 s."""

Labels = tuple[str, str, str]  # programme, platform, broadcast


class Metrics:
    """The collector's metrics, fed by ``observe(report)`` after every cycle. Thread-safe."""

    def __init__(self, platforms: Iterable[str], settings: CollectorSettings, clock: Clock) -> None:
        """``platforms``: the enabled ones, each watched by ``/healthz`` from now on."""
        self.registry = CollectorRegistry(auto_describe=True)
        self.clock = clock
        self.settings = settings
        self._lock = threading.Lock()  # observe() runs on the scheduler's thread, scrapes on HTTP's
        started = clock.now()
        self._last_ok: dict[str, datetime] = dict.fromkeys(platforms, started)
        self._live_on: set[str] = set()  # platforms with a stream live after the last cycle
        self._viewers: dict[str, tuple[Labels, int | None]] = {}  # live stream key -> last
        self._exported: set[Labels] = set()
        self._failing: list[ChannelFailure] = []  # after the last cycle
        self._define(self.registry)
        self.registry.register(_Freshness(self))

    def _define(self, registry: CollectorRegistry) -> None:
        self.viewers = Gauge(
            "streamer_concurrent_viewers",
            "Concurrent viewers of live streams (summed per label set), latest poll.",
            ["programme", "platform", "broadcast"],
            registry=registry,
        )
        self.snapshots = Counter(
            "streamer_snapshots_written", "Snapshots written.", ["platform"], registry=registry
        )
        self.poll_errors = Counter(
            "streamer_poll_errors",
            "Polls missed (one per stream) and discoveries failed, by platform and reason.",
            ["platform", "reason"],
            registry=registry,
        )
        self.quota_units = Counter(
            "streamer_quota_units",
            "API quota units spent, by the environment variable naming the key.",
            ["key"],
            registry=registry,
        )
        self.channel_errors = Counter(
            "streamer_channel_errors",
            "Discoveries of one channel that failed (dead, refused), by platform, channel, reason.",
            ["platform", "channel", "reason"],
            registry=registry,
        )
        self.cycles = Counter("streamer_cycles", "Collector cycles run.", registry=registry)
        self.notifications = Counter(
            "streamer_notifications",
            "Alert deliveries tried, by channel and result (sent, retry, failed).",
            ["channel", "result"],
            registry=registry,
        )
        self.unsaved_gaps = Gauge(
            "streamer_unsaved_gaps",
            "Missed polls of cycles the store did not take, waiting for the next write.",
            registry=registry,
        )
        self.cycle_seconds = Histogram(
            "streamer_cycle_duration_seconds",
            "Wall time of a collector cycle.",
            buckets=CYCLE_BUCKETS,
            registry=registry,
        )

    # -- feeding ---------------------------------------------------------------------
    def observe(self, report: CycleReport) -> None:
        """Take in one cycle's report."""
        with self._lock:
            self.cycles.inc()
            self.cycle_seconds.observe(report.seconds)
            for platform, share in report.platforms.items():
                if share.snapshots:
                    self.snapshots.labels(platform).inc(share.snapshots)
            for where, count in report.errors.items():
                platform, _, reason = where.partition(":")
                self.poll_errors.labels(platform, reason).inc(count)
            for labels, count in report.channel_errors.items():
                self.channel_errors.labels(*labels).inc(count)
            self._failing = list(report.failing)
            for key_env, units in report.units_by_key.items():
                self.quota_units.labels(key_env).inc(units)
            for platform in report.ok_platforms:
                self._last_ok[platform] = report.at
            self._live_on = {stream.platform for stream in report.live.values()}
            self._update_viewers(report)

    def _update_viewers(self, report: CycleReport) -> None:
        """Set the viewers gauge from the live streams; drop label sets no longer live.

        A live stream not polled this cycle keeps its last reading. Streams sharing a
        label set (two unplanned streams of one programme on one platform) are
        summed; a label set whose streams show no viewers (Instagram) is not
        exported at all, rather than as 0.
        """
        latest: dict[str, tuple[Labels, int | None]] = {}
        for key, stream in report.live.items():
            labels = (stream.programme, stream.platform, stream.broadcast or UNPLANNED)
            before = self._viewers.get(key, (labels, None))[1]
            latest[key] = (labels, report.live_viewers.get(key, before))
        self._viewers = latest
        sums: dict[Labels, int] = {}
        for labels, viewers in latest.values():
            if viewers is not None:
                sums[labels] = sums.get(labels, 0) + viewers
        for labels in self._exported - sums.keys():
            self.viewers.remove(*labels)
        for labels, total in sums.items():
            self.viewers.labels(*labels).set(total)
        self._exported = set(sums)

    def unsaved(self, gaps: int) -> None:
        """How many gaps wait for the store after a cycle (``Engine.unsaved``): above 0
        while the store refuses writes (a database away, a lock held, a full disk)."""
        self.unsaved_gaps.set(gaps)

    def notified(self, channel: str, result: str) -> None:
        """One delivery attempt of the alert sender (``streamer.notify.sender``)."""
        self.notifications.labels(channel, result).inc()

    # -- reading ---------------------------------------------------------------------
    def ages(self) -> dict[str, float]:
        """Seconds since each enabled platform's last success (or the service's start)."""
        now = self.clock.now()
        with self._lock:
            return {p: (now - at).total_seconds() for p, at in sorted(self._last_ok.items())}

    def limit(self, platform: str) -> float:
        """Seconds without a success after which ``platform`` is stale (see the module)."""
        with self._lock:
            live = platform in self._live_on
        return stale_limit(self.settings.live_interval, self.settings.discovery_interval, live)

    def stale(self) -> list[str]:
        """The enabled platforms with no success within their limit, by name."""
        return [p for p, age in self.ages().items() if age > self.limit(p)]

    def failing_lines(self) -> list[str]:
        """One line per channel discovery cannot read, for ``/healthz``: detail, not a
        failure of the service (the other channels are collected)."""
        with self._lock:
            failing = sorted(self._failing, key=lambda f: f.key)
        return [
            f"channel {f.key} failing ({f.reason}) since {to_iso(f.since)}, "
            f"{f.attempts} tries, next {to_iso(f.retry_at)}"
            for f in failing
        ]

    def exposition(self) -> bytes:
        """``/metrics``: the registry in the Prometheus text format."""
        return generate_latest(self.registry)


class _Freshness:
    """Computes ``streamer_seconds_since_last_success`` at scrape time, on the clock."""

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics

    def collect(self) -> Iterator[Metric]:
        family = GaugeMetricFamily(
            "streamer_seconds_since_last_success",
            "Seconds since the platform last answered a discovery or a poll "
            "(since the service started, before its first success).",
            labels=["platform"],
        )
        for platform, age in self.metrics.ages().items():
            family.add_metric([platform], age)
        yield family


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # a scrape in flight never holds up the daemon's exit

    def __init__(self, host: str, port: int, metrics: Metrics) -> None:
        # An IPv6 literal needs an IPv6 socket; the class default is IPv4.
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.metrics = metrics
        super().__init__((host, port), _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind looks the host's name up (socket.getfqdn), which can
        # stall for seconds on a machine with slow DNS; the name is never used here.
        socketserver.TCPServer.server_bind(self)
        self.server_name = str(self.server_address[0])
        self.server_port = int(self.server_address[1])


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:  # http.server dispatches on do_<METHOD>
        path = urlsplit(self.path).path
        if path == "/metrics":
            self._reply(200, self.server.metrics.exposition(), CONTENT_TYPE_LATEST)
        elif path == "/healthz":
            stale = self.server.metrics.stale()
            body = f"stale: {', '.join(stale)}\n" if stale else "ok\n"
            body += "".join(f"{line}\n" for line in self.server.metrics.failing_lines())
            self._reply(503 if stale else 200, body.encode(), "text/plain; charset=utf-8")
        else:
            self._reply(404, b"not found: try /metrics or /healthz\n", "text/plain")

    def _reply(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        # One line per scrape on stderr would drown the cycle lines; keep it at DEBUG.
        log.debug("%s " + format, self.address_string(), *args)


class MetricsServer:
    """``/metrics`` and ``/healthz`` served in a daemon thread; close it to stop.

    Binds ``host`` (loopback unless the config says otherwise: the metrics name
    programmes and key variables, which is nobody else's business) on ``port``
    (0: any free port; see ``url``).
    """

    def __init__(self, metrics: Metrics, host: str = "127.0.0.1", port: int = 0) -> None:
        self._server = _Server(host, port, metrics)
        # serve_forever checks for shutdown every poll_interval: 0.1 s makes close()
        # prompt (the default 0.5 s would hold up every stop) at no cost worth noting.
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name="streamer-metrics",
            daemon=True,
        )
        self._thread.start()

    @property
    def url(self) -> str:
        """``http://host:port`` as bound (with the real port when 0 was asked)."""
        host, port = str(self._server.server_address[0]), self._server.server_address[1]
        return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"

    def close(self) -> None:
        """Stop serving, close the socket and wait for the thread to end."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def __enter__(self) -> MetricsServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def limits_text(settings: CollectorSettings) -> str:
    """The health limits in words, for the daemon's start-up log line."""
    live = timedelta(seconds=STALE_AFTER * settings.live_interval)
    idle = timedelta(seconds=STALE_AFTER * max(settings.live_interval, settings.discovery_interval))
    return f"a platform is stale after {live} without a success while live, {idle} while idle"
