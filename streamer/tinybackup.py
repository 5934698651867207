"""``streamer store backup``: a TinyDB data folder as it was at one instant.

A copy of a running store made file by file is not taken at one instant: a cycle can
fold a day's tail into its partition between two files' copies, and the backup
lacks the tail's snapshots (docs/operations.md, "Backing up a data folder"). Holding
main's lock for the whole copy (``flock … cp -a``) freezes every writer for as long
as the copy takes.

This takes the instant cheaply. Every data file but a tail is only ever replaced by
renaming a new file over it, never changed in place (``streamer.files``,
``streamer.tinyfiles``); so a hard link to it keeps that version whatever is written
after. Tails (``*.tail.jsonl``) are appended to in place, so they are copied. Both
happen under main's lock, which every writer takes first: the lock is held for a
link per file and a copy of the tails (each under 1 MiB), milliseconds, not for the
whole copy. Then the linked tree is copied out at leisure.

- ``--to`` on the data folder's filesystem: the links are the backup (no byte copied
  but the tails). They share the disk with the store, so copy them off the machine
  too; nothing the store writes later changes them.
- ``--to`` on another filesystem: the links are made in a staging folder inside the
  data folder (``.backup-PID-RANDOM``), copied to the target, then removed.

Either way the backup is built in a hidden sibling of the target and renamed to it
when complete: a backup interrupted midway never looks like a finished one.
Lock files, temp files of writes in flight and staging folders are left out, and the
folders the caller names (the CLI names the reports' digests, a cache rebuilt at will).
"""

from __future__ import annotations

import errno
import os
import shutil
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from pathlib import Path

from streamer.clock import monotonic
from streamer.tinycycle import ARCHIVE, SNAPSHOTS
from streamer.tinystore import LOCKS, TinyStore
from streamer.tinytail import TAIL_SUFFIX

STAGING = ".backup-"  # a staging folder's name in the data folder starts with this


class BadTarget(ValueError):
    """The backup cannot go where asked (the message says why)."""


@dataclass(frozen=True, slots=True)
class Backup:
    """What ``backup`` made: files and bytes, how long main's lock was held, and whether
    the backup shares the store's filesystem (``linked``) or was copied out."""

    target: Path
    files: int
    size: int
    locked_s: float
    linked: bool

    def line(self) -> str:
        """One line for the operator."""
        how = (
            "hard links on the data folder's filesystem (copy them off the machine too)"
            if self.linked
            else "copied"
        )
        return (
            f"backed up {self.files} files ({_size(self.size)}) to {self.target}: {how}; "
            f"writers waited {self.locked_s * 1000:.0f} ms"
        )


def backup(
    store: TinyStore, target: Path, say: Callable[[str], None], leave: Collection[str] = ()
) -> Backup:
    """Back up ``store``'s data folder to the new folder ``target`` (see the module),
    without its folders named in ``leave`` (caches: the reports' digests)."""
    source = store.data_dir.resolve()
    target = target.absolute()
    if target.exists():
        raise BadTarget("already exists; a backup goes to a new folder")
    if not target.parent.is_dir():
        raise BadTarget(f"its parent folder {target.parent} does not exist")
    if target.resolve().is_relative_to(source):
        raise BadTarget("it is inside the data folder")
    _remove_stale_staging(source)
    building = target.with_name(f".{target.name}.partial-{os.getpid()}-{os.urandom(4).hex()}")
    staging: Path | None = None
    try:
        building.mkdir(mode=0o700)
        files, size, locked = _held_snapshot(store, building, leave)
        if files is None:  # another filesystem: link inside the data folder, copy out after
            building.rmdir()
            staging = source / f"{STAGING}{os.getpid()}-{os.urandom(4).hex()}"
            staging.mkdir(mode=0o700)
            files, size, locked = _held_snapshot(store, staging, leave)
            assert files is not None  # the staging folder is on the data folder's filesystem
            say(f"copying {files} files ({_size(size)}) to {target.parent}")
            shutil.copytree(staging, building, copy_function=shutil.copy2)
            os.chmod(building, 0o700)  # a backup is as private as the data folder
        os.rename(building, target)
        return Backup(target, files, size, locked, linked=staging is None)
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
        if building.exists():
            shutil.rmtree(building, ignore_errors=True)


def _held_snapshot(
    store: TinyStore, into: Path, leave: Collection[str]
) -> tuple[int | None, int, float]:
    """``_snapshot`` of the store's folder under main's lock, and how long it was held."""
    began = monotonic()
    with store.writers_held():
        files, size = _snapshot(store.data_dir.resolve(), into, leave)
        return files, size, monotonic() - began


def _snapshot(source: Path, into: Path, leave: Collection[str]) -> tuple[int | None, int]:
    """Link (tails: copy) every data file of ``source`` into ``into``, the tree kept;
    ``(None, 0)`` when ``into`` is on another filesystem (nothing left in it)."""
    files = size = 0
    for path in _data_files(source, leave):
        rel = path.relative_to(source)
        (into / rel.parent).mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            if path.name.endswith(TAIL_SUFFIX):  # appended in place: its bytes now
                shutil.copy2(path, into / rel)
            else:
                os.link(path, into / rel)
            size += (into / rel).stat().st_size
        except FileNotFoundError:  # removed meanwhile by a writer not under main's lock
            continue  # (a prune of a day past retention): it is not in this instant
        except OSError as exc:
            if exc.errno != errno.EXDEV:
                raise
            for made in sorted(into.iterdir()):
                shutil.rmtree(made) if made.is_dir() else made.unlink()
            return None, 0
        files += 1
    return files, size


def _remove_stale_staging(source: Path) -> None:
    """Remove the staging folders of backups whose process is gone (killed midway):
    left, their links would keep old versions of the data files on disk for ever."""
    for staging in source.glob(f"{STAGING}*"):
        pid = staging.name.removeprefix(STAGING).split("-")[0]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(staging, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def _data_files(source: Path, leave: Collection[str] = ()) -> Iterator[Path]:
    """The data folder's files, folders in name order: no lock files, no temp files of
    writes in flight, no staging folders, none of the folders named in ``leave``."""
    skipped = {LOCKS, *leave}
    for folder, subfolders, names in os.walk(source):
        here = Path(folder)
        if here == source:
            subfolders[:] = [
                d for d in subfolders if d not in skipped and not d.startswith(STAGING)
            ]
        subfolders.sort()
        for name in sorted(names):
            if not name.endswith(".tmp"):
                yield here / name


def holds_nothing(folder: Path, also: Collection[str] = ()) -> bool:
    """Whether ``folder`` is a data folder a store opened and nothing wrote to: only the
    store's own folders (and the folders named ``also``), empty but for lock files.
    Anything else there (or a folder that cannot be listed) is not such a folder;
    nothing below it is walked."""
    try:
        entries = list(folder.iterdir())
    except OSError:  # a file, or unreadable
        return False
    own = {ARCHIVE, SNAPSHOTS, LOCKS, *also}
    if any(e.name not in own or not e.is_dir() for e in entries):
        return False
    return not any(any(e.iterdir()) for e in entries if e.name != LOCKS)


def _size(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    scaled = float(size)
    for unit in ("KB", "MB", "GB"):
        scaled /= 1024
        if scaled < 1024 or unit == "GB":
            break
    return f"{scaled:.1f} {unit}"
