"""Writing user-facing files (exports, scheduled reports) atomically.

A report or export is written to a temp file in the target folder and renamed
over the target, so a reader (Excel, a sync job, a calendar subscription) never
sees half a file, and a crash leaves the previous version in place.

The file is created with mode 0666 less the process umask (0644 under the usual
022), like any file a shell redirect makes: a report is meant to be shared, so a
web server or a colleague on a shared folder can read it. (``tempfile.mkstemp``
would make it 0600 whatever the umask.) The data folder's files are replaced by the
same ``replace_file`` (``streamer.tinyfiles``), with their own temp names.
"""

from __future__ import annotations

import os
from pathlib import Path

from streamer.errors import UserError


def write_atomic(path: Path, payload: bytes, *, create_folder: bool = False) -> None:
    """Replace ``path`` with ``payload`` in one step (temp file, fsync, rename).

    A missing folder is a ``UserError`` (a typo in ``--out`` should not make a new
    folder tree), unless ``create_folder`` (a scheduled job's ``out_dir``).
    """
    if create_folder:
        path.parent.mkdir(parents=True, exist_ok=True)
    elif not path.parent.is_dir():
        raise UserError(f"{path}: folder {path.parent} does not exist")
    replace_file(path, path.with_name(f".{path.name}.{os.urandom(4).hex()}.tmp"), payload)


def replace_file(path: Path, temp: Path, payload: bytes, *, fsync: bool = True) -> os.stat_result:
    """Write ``payload`` to the new file ``temp`` (fsynced unless ``fsync`` is off) and
    rename it over ``path``; returns the file's stat (a rename keeps inode and mtime)."""
    # O_EXCL: never write through a file (or a link) that is already there.
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            if fsync:
                os.fsync(handle.fileno())
            written = os.fstat(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return written
