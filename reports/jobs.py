"""Scheduled reports: one ``[[reports]]`` job run now, its files written atomically.

The daemon calls ``run_job`` on the job's cron schedule; ``streamer report run
NAME`` calls it by hand. Files are named ``<job>-<period>.<format>`` (e.g.
``weekly-2026-W48.csv``) in the job's ``out_dir``, so a run for the same period
replaces its files and a new period adds new ones. Everything is rendered in
memory before the first file is written: a failing job writes nothing.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from reports.builders import build
from reports.digest import report_dataset
from reports.fmt import Style
from reports.output import render_bytes
from reports.periods import parse_period
from streamer.config import Config, ReportJob
from streamer.files import write_atomic
from streamer.store import Store


def run_job(job: ReportJob, store: Store, config: Config, now: datetime) -> list[Path]:
    """Build ``job``'s report for its period as of ``now``; return the files written."""
    tz = config.tz
    period = parse_period(job.period, now, tz)
    report = build(
        job.kind,
        report_dataset(store, config, period, kind=job.kind, by=job.by, now=now),
        period,
        tz,
        by=job.by,
        programmes=tuple(config.programmes),
        now=now,
    )
    style = Style(job.language or config.language, tz, config.programmes)
    payloads = {
        job.out_dir / f"{job.name}-{period.label}.{fmt}": render_bytes(report, fmt, style)
        for fmt in job.formats
    }
    for path, payload in payloads.items():
        write_atomic(path, payload, create_folder=True)
    return list(payloads)
