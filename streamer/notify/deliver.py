"""Report delivery: a scheduled job's files as one ``Notice`` for its ``deliver`` channels.

After a job with ``deliver = ["email", "telegram"]`` writes its files, the daemon
calls ``deliver_report``: the files become attachments, the report's HTML form (or,
until a job has one, its txt form in a ``<pre>``) the mail body, and the notice is
handed to the outbox, the same path alerts take, so a report reaches each channel
once, with retries, and a failing channel never fails the job.

The notice id is ``report:<job>:<period label>``: a second run for the same period
(by hand, or after a restart) is the same event, not a second mail.
"""

from __future__ import annotations

import html
import logging
import mimetypes
from collections.abc import Sequence
from pathlib import Path

from streamer.config import Config, ReportJob
from streamer.notify.base import Attachment, Notice
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


def deliver_report(job: ReportJob, paths: Sequence[Path], config: Config, store: Store) -> None:
    """Queue ``job``'s freshly written files for its ``deliver`` channels (none: nothing)."""
    if not job.deliver or not paths:
        return
    notice = report_notice(job, paths, job.language or config.language)
    enqueue(store, notice, job.deliver)


def enqueue(store: Store, notice: Notice, channels: tuple[str, ...]) -> None:
    """Hand ``notice`` to the outbox, once for each of ``channels``.

    MERGE SEAM: the outbox (its ``enqueue(store, notice, channels)``) is built on a
    parallel branch. At merge, this body becomes a call to it; until then a report
    with ``deliver`` is written as before and this line says it was not sent.
    """
    log.warning(
        "report notice %s for %s not queued: no outbox in this build",
        notice.id,
        ", ".join(channels),
    )


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
