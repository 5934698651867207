"""The collector service: the engine on APScheduler, with signals, logs and reports.

``Collector`` wires a config to its store, platform adapters and engine; it serves
``streamer collect --once``, ``streamer run`` and the demo alike. ``run_daemon``
adds the scheduler: a poll tick (the engine decides what is due), the scheduled
reports, and a clean stop on SIGTERM or Ctrl-C that lets the cycle in flight
finish and be saved.
"""

from __future__ import annotations

import logging
import os
import signal
from collections.abc import Mapping
from contextlib import ExitStack
from types import FrameType, TracebackType

from apscheduler.schedulers.blocking import BlockingScheduler

from collectors.engine import CycleReport, Engine
from collectors.registry import build_platforms, unsupported
from streamer.clock import Clock
from streamer.config import Config, ReportJob
from streamer.cron import cron_trigger
from streamer.store import Store, open_store

log = logging.getLogger("streamer.daemon")


class Collector:
    """A config's store, adapters and engine, open for one process's life."""

    def __init__(
        self,
        config: Config,
        clock: Clock,
        environ: Mapping[str, str] | None = None,
        store: Store | None = None,
    ) -> None:
        self.config = config
        self.clock = clock
        self.store = store or open_store(config.data_dir)
        self._stack = ExitStack()
        env = os.environ if environ is None else environ
        try:
            platforms = build_platforms(config, env, clock, self._stack)
        except BaseException:
            self._stack.close()
            raise
        for name in unsupported(config):
            log.warning("%s: channels are configured but no collector exists for it yet", name)
        self.engine = Engine(self.store, platforms, config.programmes, config.collector)

    def collect_once(self) -> CycleReport:
        """One discovery-and-poll cycle at the clock's now."""
        return self.engine.collect_once(self.clock.now())

    def close(self) -> None:
        self._stack.close()

    def __enter__(self) -> Collector:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def run_daemon(config: Config, clock: Clock, environ: Mapping[str, str] | None = None) -> int:
    """Run the collector service until SIGTERM/SIGINT; returns the exit status."""
    store = open_store(config.data_dir)
    with store.daemon_lock(), Collector(config, clock, environ, store) as collector:
        scheduler = BlockingScheduler(timezone=config.tz)
        tick = max(5, min(60, config.collector.live_interval))
        scheduler.add_job(
            _safe_cycle, "interval", seconds=tick, args=[collector], id="collect",
            next_run_time=clock.now(), max_instances=1, coalesce=True,
            misfire_grace_time=tick,
        )  # fmt: skip
        for job in config.reports:
            scheduler.add_job(
                _safe_report, cron_trigger(job.cron, config.tz), args=[job, config, store, clock],
                id=f"report:{job.name}", max_instances=1, coalesce=True, misfire_grace_time=3600,
            )  # fmt: skip
        _stop_on_signals(scheduler)
        log.info("streamer run: collecting every %ss into %s", tick, config.data_dir)
        scheduler.start()
    log.info("streamer run: stopped cleanly")
    return 0


def _safe_cycle(collector: Collector) -> None:
    """One cycle; nothing a cycle raises may stop the service (it is logged)."""
    try:
        collector.collect_once()
    except Exception:
        log.exception("collector cycle failed; the next tick tries again")


def _safe_report(job: ReportJob, config: Config, store: Store, clock: Clock) -> None:
    """One scheduled report; a failure is logged and retried at the next fire."""
    from reports.jobs import run_job

    try:
        paths = run_job(job, store, config, clock.now())
    except Exception:
        log.exception("scheduled report %r failed; it runs again at its next time", job.name)
        return
    log.info("report %s written: %s", job.name, ", ".join(str(p) for p in paths))


def _stop_on_signals(scheduler: BlockingScheduler) -> None:
    """SIGTERM and Ctrl-C let the running cycle finish, then stop the scheduler."""

    def stop(signum: int, frame: FrameType | None) -> None:
        if not scheduler.running:
            # A second signal while the first is stopping the scheduler (SIGTERM, then
            # an impatient Ctrl-C): shutting down twice would raise mid-stop.
            return
        log.info("signal %s: finishing the current cycle, then stopping", signum)
        # wait=True: the job running in the executor's thread finishes and is
        # saved before start() returns and the store and adapters are closed.
        scheduler.shutdown(wait=True)

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, stop)


def configure_logging(level: str = "INFO") -> None:
    """One line per event on stderr; APScheduler's own chatter only from WARNING."""
    logging.basicConfig(
        level=getattr(logging, level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("googleapiclient").setLevel(logging.WARNING)
