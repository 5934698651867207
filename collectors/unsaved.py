"""Gaps a failed write left, kept on disk until a cycle commits them.

A cycle the store refused (its lock held past the timeout, the disk full, the
database restarting) leaves its polls as gaps with reason ``store``
(``Engine.unsaved``), written with the next cycle that commits. In memory only,
they were lost with the process: ``streamer collect --once`` from cron exits after
its one cycle, and a daemon stopped (or killed) during an outage took every
refused cycle's gaps with it. The next run polled the streams again, but nothing
said why the history had a hole.

So each engine keeps its remembered gaps in a file of its own under the data
folder's ``unsaved/``, appended as a tail is (``streamer.tinytail.append_tail``): a
JSON line of the gaps newly remembered, fsynced, so a long outage writes each gap
once rather than the growing list every tick; a line cut by a crash is skipped, and
cut off by the next append. A new engine adopts every file it finds there. The first
commit that writes them removes the files it wrote or adopted. A file adopted by
two processes (several collectors of one database on one machine) is harmless: a
gap already stored is dropped before it is counted (``Engine._fold_unsaved``), so
none is written or counted twice.

Keeping them is best effort: when even this small file cannot be written (a full
disk), a warning says so and the gaps stay in memory, as before.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path

from streamer.models import Gap
from streamer.store import StoreError
from streamer.tinytail import append_tail, read_tail, tail_lines

log = logging.getLogger("streamer.engine")
FOLDER = "unsaved"  # under the data folder
SUFFIX = ".jsonl"
TABLE = "gaps"  # each line: {"gaps": [gap, ...]}


class UnsavedGaps:
    """The files under ``folder`` holding gaps not yet written to the store."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.mine = folder / f"{os.getpid()}-{os.urandom(4).hex()}{SUFFIX}"
        self.adopted: list[Path] = []

    def load(self) -> list[Gap]:
        """Every gap the files hold; they are this engine's now."""
        gaps: list[Gap] = []
        files, _ = _files(self.folder, warn=True)
        for path, found in files:
            gaps += found
            self.adopted.append(path)
        if gaps:
            log.info("unsaved gaps: %d from an earlier run, written with the next cycle", len(gaps))
        return gaps

    def keep(self, gaps: Sequence[Gap]) -> None:
        """Append ``gaps`` (newly remembered) to this engine's file, fsynced."""
        if not gaps:
            return
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            append_tail(self.mine, {TABLE: [gap.to_dict() for gap in gaps]}, fsync=True)
        except (OSError, StoreError) as exc:
            log.warning(
                "unsaved gaps: cannot keep %d gaps in %s (%s); they are lost if this "
                "process ends before the store takes a cycle",
                len(gaps),
                self.folder,
                exc.strerror if isinstance(exc, OSError) else exc,
            )

    def written(self) -> None:
        """The store took the gaps: remove this engine's file and those it adopted."""
        for path in [self.mine, *self.adopted]:
            try:
                path.unlink(missing_ok=True)
            except OSError as exc:  # read again by the next engine; dropped as stored then
                log.warning("unsaved gaps: cannot remove %s (%s)", path, exc.strerror or exc)
        self.adopted = []


def waiting(folder: Path) -> tuple[list[Gap], list[Path]]:
    """The gaps waiting under ``folder`` for the store, each once (a file adopted by two
    processes holds what another does), by time; and the files that cannot be read.
    Read only, for ``streamer status`` and ``watch``, which show both: no warning is
    logged (a live view would log it on every frame)."""
    files, unreadable = _files(folder, warn=False)
    gaps = dict.fromkeys(gap for _, found in files for gap in found)
    return sorted(gaps, key=lambda gap: (gap.ts, gap.stream)), unreadable


def _files(folder: Path, *, warn: bool) -> tuple[list[tuple[Path, list[Gap]]], list[Path]]:
    """Each readable file under ``folder`` with its gaps, and those that cannot be read
    (left as they are; ``warn``: with a warning); one removed meanwhile (written) is in
    neither."""
    try:
        paths = sorted(folder.glob(f"*{SUFFIX}"))
    except OSError:
        return [], []
    files, unreadable = [], []
    for path in paths:
        try:
            found = read_tail(path)
            if found is None:  # another process wrote its gaps meanwhile
                continue
            lines = list(tail_lines(found[1], path))
            gaps = [Gap.from_dict(doc) for line in lines for doc in line.get(TABLE, ())]
        except (StoreError, KeyError, TypeError, ValueError) as exc:
            if warn:
                log.warning("unsaved gaps: cannot read %s (%s); left as it is", path, exc)
            unreadable.append(path)
            continue
        files.append((path, gaps))
    return files, unreadable
