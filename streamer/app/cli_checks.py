"""Checks a writing command makes before it starts: can it write where it must?

A data folder the process may not write (wrong owner, read-only mount, immutable)
used to surface as a traceback from deep inside a lock or a save — for ``collect
--once`` only after a whole network cycle. ``check_writable`` tries the real thing
up front: it creates and removes a probe file in each folder a command writes to,
so permission bits, root's capabilities, read-only mounts and immutable folders all
answer exactly as they would for the write itself. Nothing is left behind, and a
folder that does not exist yet is judged by the nearest existing one above it
(where the command would create it).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from streamer.errors import NotWritable
from streamer.tinycycle import ARCHIVE, SNAPSHOTS
from streamer.tinystore import LOCKS

PROBE_PREFIX = ".streamer-write-check-"


def check_data_folder(data_dir: Path, config_path: Path) -> None:
    """``NotWritable`` unless the data folder and its subfolders take new files."""
    folders = [data_dir, *(data_dir / sub for sub in (SNAPSHOTS, ARCHIVE, LOCKS))]
    check_writable(
        folders, "data folder", f"fix its permissions or point data_dir in {config_path} elsewhere"
    )


def check_writable(folders: Iterable[Path], what: str, fix: str) -> None:
    """``NotWritable`` naming the first of ``folders`` (or its nearest existing parent)
    where a new file cannot be created."""
    for folder in folders:
        target = _nearest_existing(folder)
        if not target.is_dir():
            raise NotWritable(f"{what} {folder}: {target} is not a folder; {fix}")
        try:
            fd, probe = tempfile.mkstemp(dir=target, prefix=PROBE_PREFIX, suffix=".tmp")
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise NotWritable(f"{what} {target} is not writable ({reason}); {fix}") from None
        os.close(fd)
        os.unlink(probe)


def _nearest_existing(folder: Path) -> Path:
    """``folder`` itself if it exists, else the closest ancestor that does."""
    path = folder.absolute()
    while not path.exists() and path != path.parent:
        path = path.parent
    return path
