"""The collector service: the engine on APScheduler, with signals, logs and reports.

``Collector`` wires a config to its store, platform adapters and engine; it serves
``streamer collect --once``, ``streamer run`` and the demo alike. ``run_daemon``
adds the scheduler: a poll tick (the engine decides what is due), the scheduled
reports, the metrics endpoint when ``[metrics] port`` is set (``streamer.app.prometheus``:
``/metrics`` and ``/healthz``, fed by each cycle's report), and a clean stop on
SIGTERM or Ctrl-C that lets the cycle in flight finish and be saved.
"""

from __future__ import annotations

import logging
import os
import signal
from collections.abc import Callable, Mapping
from contextlib import ExitStack, nullcontext
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.interval import IntervalTrigger

from collectors.alerts import HEALTH_META, Alerts, stored_health
from collectors.engine import CycleReport, Engine
from collectors.policy import on_grid
from collectors.registry import build_platforms, unsupported
from collectors.unsaved import FOLDER as UNSAVED
from collectors.unsaved import UnsavedGaps
from streamer.app.prometheus import Metrics, MetricsServer, limits_text
from streamer.clock import Clock
from streamer.config import Config, ReportJob
from streamer.cron import cron_trigger
from streamer.errors import ConfigError
from streamer.notify.sender import Count, Sender
from streamer.safe_text import LogFormatter
from streamer.sharing import SharedWork, collect_tick, sharing_for
from streamer.store import SnapshotDays, Store, config_store

log = logging.getLogger("streamer.daemon")
STOP_SIGNALS = frozenset({signal.SIGTERM, signal.SIGINT})
_MICROSECOND = timedelta(microseconds=1)
SEND_EVERY = 15  # seconds between the alert sender's runs


class Collector:
    """A config's store, adapters and engine, open for one process's life."""

    def __init__(
        self,
        config: Config,
        clock: Clock,
        environ: Mapping[str, str] | None = None,
        store: Store | None = None,
        *,
        parallel: bool = True,
    ) -> None:
        """``parallel=False`` polls platforms one after another (see ``Engine``)."""
        self.config = config
        self.clock = clock
        self.store = store or config_store(config)
        # Several collectors on one database: their share of the work (streamer.sharing).
        self.sharing = sharing_for(self.store, config, clock)
        self._stack = ExitStack()
        if self.sharing is not None:
            self._stack.callback(self.sharing.leave)
        env = os.environ if environ is None else environ
        try:
            platforms = build_platforms(config, env, clock, self._stack)
        except BaseException:
            self._stack.close()
            raise
        for name in unsupported(config):
            log.warning("%s: channels are configured but no collector exists for it yet", name)
        self.engine = Engine(
            self.store, platforms, config.programmes, config.collector, parallel=parallel,
            discovery_intervals={name: config.discovery_interval(name) for name in platforms},
            alerts=_alerts(config, self.store, platforms),
            unsaved=UnsavedGaps(config.data_dir / UNSAVED),  # outlive the process
        )  # fmt: skip
        self.engine.sharing = self.sharing

    def collect_once(self) -> CycleReport:
        """One discovery-and-poll cycle at the clock's now."""
        return self.engine.collect_once(self.clock.now())

    def metrics(self) -> Metrics:
        """Fresh metrics watching this collector's platforms (feed them each report)."""
        return Metrics(self.engine.platforms, self.config.collector, self.clock)

    def close(self) -> None:
        """Stop the engine's platform threads, then close the adapters' connections."""
        self.engine.close()
        self._stack.close()

    def __enter__(self) -> Collector:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def _alerts(config: Config, store: Store, platforms: Mapping[str, object]) -> Alerts | None:
    """The engine's alert events when ``[alerts] to`` names a channel, else none."""
    settings = config.notify.alerts
    if not settings.to:
        return None
    raised = [event["id"] for event in store.outbox()]
    health = stored_health(store.get_meta(HEALTH_META))
    programme_of = {c.key: p.slug for p in config.programmes.values() for c in p.channels}
    return Alerts(settings, config.collector, platforms, raised, health, programme_of)


def run_daemon(config: Config, clock: Clock, environ: Mapping[str, str] | None = None) -> int:
    """Run the collector service until SIGTERM/SIGINT; returns the exit status.

    The stop signals are blocked before any thread starts, so every thread inherits
    the block and the kernel keeps them pending for ``sigwait`` on this thread. A
    Python signal handler instead runs only when the main thread wakes, and a signal
    the kernel hands to a worker thread left the main thread asleep in the
    scheduler's wait until the next tick (seen: SIGTERM ignored for a minute).
    """
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        _serve(config, clock, environ)
        log.info("streamer run: stopped cleanly")
        return 0
    finally:
        # A second signal while stopping (SIGTERM, then an impatient Ctrl-C) is
        # pending: take it, so unblocking does not deliver it with its default action.
        while pending := signal.sigpending() & STOP_SIGNALS:
            signal.sigwait(pending)
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


class GridTrigger(BaseTrigger):  # type: ignore[misc]  # APScheduler 3 has no type hints
    """Fires at every multiple of ``seconds`` since the Unix epoch: the poll grid
    (whole minutes for 60 s), where the poll policy puts every poll time.

    After any run, on the grid or off it (the immediate start-up cycle at hh:mm:50, a
    run coalesced after a stall), the next fire is the following grid point, never
    the run time plus the interval: an ``IntervalTrigger`` counts from the previous
    run, so one off-grid run kept every later tick off the grid, and polls due at
    hh:mm:00 waited for hh:mm:50 and were then next due two minutes on (issue #12).
    """

    __slots__ = ("seconds",)

    def __init__(self, seconds: int) -> None:
        self.seconds = seconds

    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None:
        """The first grid point after ``previous_fire_time`` (at or after ``now`` if none)."""
        if previous_fire_time is None:
            return on_grid(now, self.seconds)
        return on_grid(previous_fire_time + _MICROSECOND, self.seconds)

    def __str__(self) -> str:
        return f"grid[{self.seconds}s]"


def collect_trigger(tick: int) -> GridTrigger:
    """The poll tick: every ``tick`` seconds on the poll grid, so a due poll waits for
    no part of a tick."""
    return GridTrigger(tick)


def make_sender(
    config: Config, store: Store, clock: Clock, environ: Mapping[str, str],
    count: Count | None = None,
) -> Sender | None:  # fmt: skip
    """The sender for ``[alerts] to`` and the report jobs' ``deliver`` channels, or
    ``None`` when nothing goes anywhere.

    Builds the channels now, so a missing secret is a ``ConfigError`` at start-up.
    """
    from streamer.notify.channels import build_channels
    from streamer.notify.deliver import KIND, render_report
    from streamer.notify.messages import notice

    wanted = {*config.notify.alerts.to, *(name for job in config.reports for name in job.deliver)}
    if not wanted:
        return None
    channels = build_channels(config.notify, environ, tuple(sorted(wanted)))

    def render(event: Mapping[str, Any]) -> object:
        if event["kind"] == KIND:
            return render_report(event, config)
        return notice(event, config.language, config.programmes, config.tz)

    return Sender(store, channels, render, clock, count)  # type: ignore[arg-type]


def schedule_jobs(
    scheduler: BaseScheduler, config: Config, collector: Collector, clock: Clock,
    metrics: Metrics | None = None, sender: Sender | None = None,
) -> None:  # fmt: skip
    """Add the poll tick, the ``[[reports]]`` jobs, the nightly prune and the alert
    sender to ``scheduler``.

    The sender is its own job, so the executor runs it in its own thread: a slow or
    failing channel never delays a cycle (it takes the store's lock only to write
    one delivery's state, never while a channel is called).

    The first cycle runs at once; later ones on the grid. ``coalesce``: after a stall
    (a suspended machine, a cycle that outlasted ticks) the missed ticks become one
    run. ``misfire_grace_time`` of a tick: that run is at most a tick late (the last
    missed grid point), so it is always taken; the polls it makes are due by then.
    """
    tick = collect_tick(config)
    store = collector.store
    # With other collectors on the database, reports, alerts and prune run on one only.
    once = collector.sharing.only_leader if collector.sharing else _always
    scheduler.add_job(
        _safe_cycle, collect_trigger(tick), args=[collector, metrics], id="collect",
        next_run_time=clock.now(), max_instances=1, coalesce=True, misfire_grace_time=tick,
    )  # fmt: skip
    for job in config.reports:
        scheduler.add_job(
            once(safe_report), cron_trigger(job.cron, config.tz), args=[job, config, store, clock],
            id=f"report:{job.name}", max_instances=1, coalesce=True, misfire_grace_time=3600,
        )  # fmt: skip
    if sender is not None:
        scheduler.add_job(
            once(_safe_send), IntervalTrigger(seconds=SEND_EVERY), args=[sender], id="notify",
            next_run_time=clock.now(), max_instances=1, coalesce=True,
            misfire_grace_time=SEND_EVERY,
        )  # fmt: skip
    if config.retention_days is not None:
        scheduler.add_job(
            once(safe_prune), cron_trigger("30 3 * * *", config.tz), id="prune",
            args=[store, config.retention_days, clock], max_instances=1, coalesce=True,
            misfire_grace_time=3600,
        )  # fmt: skip


def _serve(config: Config, clock: Clock, environ: Mapping[str, str] | None) -> None:
    """Collect, report and serve metrics until a stop signal; then finish the cycle."""
    store = config_store(config, long_lived=True)  # keeps no month archive parsed
    with (
        nullcontext() if isinstance(store, SharedWork) else store.daemon_lock(),
        Collector(config, clock, environ, store) as collector,
        ExitStack() as serving,
    ):
        metrics = _serve_metrics(config, collector, serving)
        env = os.environ if environ is None else environ
        sender = make_sender(config, store, clock, env, metrics.notified if metrics else None)
        scheduler = BackgroundScheduler(timezone=config.tz)
        schedule_jobs(scheduler, config, collector, clock, metrics, sender)
        log.info(
            "streamer run: collecting every %ss into %s", collect_tick(config), config.data_dir
        )
        scheduler.start()
        signum = signal.sigwait(STOP_SIGNALS)
        log.info("signal %s: finishing the current cycle, then stopping", int(signum))
        # wait=True: the job running in the executor's thread finishes and is saved
        # before the store and adapters are closed.
        scheduler.shutdown(wait=True)


def _serve_metrics(config: Config, collector: Collector, stack: ExitStack) -> Metrics | None:
    """Start ``/metrics`` and ``/healthz`` when ``[metrics] port`` is set; stopped by ``stack``."""
    settings = config.metrics
    if settings.port is None:
        return None
    metrics = collector.metrics()
    try:
        server = stack.enter_context(MetricsServer(metrics, settings.host, settings.port))
    except OSError as exc:  # port taken, or an address this machine does not have
        where = f"{settings.host}:{settings.port}"
        message = f"metrics: cannot listen on {where} ({exc.strerror}); check [metrics]"
        raise ConfigError(message) from None
    log.info("metrics on %s/metrics, health on %s/healthz", server.url, server.url)
    log.info("health: %s", limits_text(config.collector))
    return metrics


def _always(job: Callable[..., object]) -> Callable[..., object]:
    return job


def _safe_cycle(collector: Collector, metrics: Metrics | None = None) -> None:
    """One cycle, then its report to the metrics; nothing raised may stop the service.
    Whether it was saved or not, the metrics learn how many gaps wait for the store."""
    try:
        report = collector.collect_once()
        if metrics is not None:
            metrics.observe(report)
    except Exception:
        log.exception("collector cycle failed; the next tick tries again")
    finally:
        if metrics is not None:
            metrics.unsaved(len(collector.engine.unsaved))


def _safe_send(sender: Sender) -> None:
    """One run of the alert sender; a failure is a log line, retried at the next run."""
    try:
        sender.run_once()
    except Exception:
        log.exception("alert sender failed; it runs again in %s s", SEND_EVERY)


def safe_report(job: ReportJob, config: Config, store: Store, clock: Clock) -> None:
    """One scheduled report job, as the daemon fires it: a failure is logged, never raised,
    and retried at the next fire."""
    from reports.jobs import run_job
    from streamer.notify.deliver import deliver_report

    try:
        paths = run_job(job, store, config, clock.now())
    except Exception:
        log.exception("scheduled report %r failed; it runs again at its next time", job.name)
        return
    log.info("report %s written: %s", job.name, ", ".join(str(p) for p in paths))
    try:
        deliver_report(job, paths, config, store, clock.now())
    except Exception:
        log.exception("report %r written, but not queued for %s", job.name, ", ".join(job.deliver))


def safe_prune(store: Store, retention_days: int, clock: Clock) -> None:
    """The nightly retention job: remove the snapshot partitions that may go, keep the rest;
    a failure is logged, never raised."""
    from streamer.prune import prune_before, retention_cutoff

    if not isinstance(store, SnapshotDays):
        return  # a store without day partitions keeps its history its own way
    now = clock.now()
    try:
        result = prune_before(store, retention_cutoff(now, retention_days), now, strict=False)
    except Exception:
        log.exception("retention prune failed; it runs again tomorrow")
        return
    log.info("retention: %s", result.line())


def configure_logging(level: str = "INFO") -> None:
    """One line per event on stderr; APScheduler's own chatter only from WARNING."""
    handler = logging.StreamHandler()
    # Messages quote outside text (titles, platform errors): one escaped line each.
    handler.setFormatter(LogFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=getattr(logging, level.upper(), logging.INFO), handlers=[handler])
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("googleapiclient").setLevel(logging.WARNING)
