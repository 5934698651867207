"""Report delivery: a scheduled job's files as one ``Notice`` for its ``deliver`` channels.

After a job with ``deliver = ["email", "telegram"]`` writes its files, the daemon
calls ``deliver_report``, which puts one ``report`` event in the outbox, the same path
alerts take, so a report reaches each channel once, with retries, and a failing
channel never fails the job. The event holds the files' paths, not their bytes (the
outbox lives in ``streamer.json``); the sender reads them when it sends
(``render_report``): the files become attachments, the report's HTML form (else its
txt form in a ``<pre>``) the mail body.

The notice id is ``report:<job>:<period label>``: a second run for the same period
(by hand, or after a restart) is the same event, not a second mail.
"""

from __future__ import annotations

import html
import logging
import mimetypes
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from streamer.config import Config, ReportJob
from streamer.notify.base import Attachment, Notice, PermanentFailure
from streamer.outbox import new_event
from streamer.store import Store

log = logging.getLogger(__name__)

KIND = "report"

# (subject word, files line) per report language.
WORDS: dict[str, tuple[str, str]] = {
    "en": ("Report", "Files"),
    "ru": ("Отчёт", "Файлы"),
    "kk": ("Есеп", "Файлдар"),
}

MIME = {
    ".csv": "text/csv",
    ".txt": "text/plain",
    ".json": "application/json",
    ".html": "text/html",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".png": "image/png",
    ".svg": "image/svg+xml",
}


def deliver_report(
    job: ReportJob, paths: Sequence[Path], config: Config, store: Store, now: datetime
) -> None:
    """Queue ``job``'s freshly written files for its ``deliver`` channels (none: nothing)."""
    if not job.deliver or not paths:
        return
    data = {
        "job": job.name,
        "period": period_label(job, paths[0]),
        "paths": [str(path) for path in paths],
        "language": job.language or config.language,
    }
    event = new_event(f"{KIND}:{job.name}:{data['period']}", KIND, now, data, job.deliver)
    store.add_events([event])
    log.info("report %s queued for %s", event["id"], ", ".join(job.deliver))


def render_report(event: Mapping[str, Any], config: Config) -> Notice:
    """The notice for a queued ``report`` event, its files read now.

    A file removed since the job wrote it is a ``PermanentFailure``: retrying would
    not bring it back, so the delivery is marked failed with the file named.
    """
    data = event["data"]
    paths = [Path(path) for path in data["paths"]]
    missing = [path.name for path in paths if not path.is_file()]
    if missing:
        raise PermanentFailure("outbox", f"report file gone: {', '.join(missing)}")
    job = next((j for j in config.reports if j.name == data["job"]), None)
    job = job or ReportJob(name=data["job"], cron="")  # a job since removed from the config
    return report_notice(job, paths, data["language"], period=data["period"])


def report_notice(
    job: ReportJob, paths: Sequence[Path], language: str, *, period: str | None = None
) -> Notice:
    """The notice for ``job``'s files in ``language``; ``period`` defaults to the label
    in the file names (``<job>-<period>.<format>``)."""
    label = period or period_label(job, paths[0])
    word, files = WORDS.get(language, WORDS["en"])
    names = [path.name for path in paths]
    return Notice(
        id=f"{KIND}:{job.name}:{label}",
        kind=KIND,
        subject=f"{word} {job.name} · {label}",
        lines=(f"{files}: {', '.join(names)}",),
        attachments=tuple(_attachment(path) for path in paths),
        html=report_body(paths),
    )


def report_body(paths: Sequence[Path]) -> str | None:
    """The mail body for a report's files: THE one place that picks it.

    The HTML form when the job writes one (an ``.html`` file), else the txt form
    escaped into a ``<pre>`` block, else ``None`` (the text part alone).
    """
    by_suffix = {path.suffix: path for path in paths}
    if ".html" in by_suffix:
        return by_suffix[".html"].read_text(encoding="utf-8")
    if ".txt" in by_suffix:
        text = by_suffix[".txt"].read_text(encoding="utf-8")
        # Titles in the report come from the platforms: escape before wrapping.
        return f"<html><body><pre>{html.escape(text)}</pre></body></html>"
    return None


def period_label(job: ReportJob, path: Path) -> str:
    """``2026-W48`` from ``weekly-2026-W48.csv`` for the job ``weekly``."""
    prefix = f"{job.name}-"
    if not path.stem.startswith(prefix):
        raise ValueError(f"{path.name} is not a file of the report job {job.name!r}")
    return path.stem.removeprefix(prefix)


def _attachment(path: Path) -> Attachment:
    mime = MIME.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return Attachment(path.name, path.read_bytes(), mime)
