"""The backup procedure of docs/operations.md ("Backing up a data folder"): while a
process holds main's lock (``flock(2)`` on ``locks/streamer.json.lock``, as the
``flock`` command does), no collector cycle or plan edit changes a file, so a copy
taken then is one state of the store; the copy reads back as the folder did."""

from __future__ import annotations

import fcntl
import hashlib
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest

from bench import generate
from bench.store_scale import cycle
from streamer.rebuild import rebuild_all
from streamer.store import StoreBusy
from streamer.tinystore import TinyStore


@contextmanager
def main_lock(data: Path) -> Iterator[None]:
    """Hold main's lock as ``flock DATA/locks/streamer.json.lock CMD`` does."""
    with (data / "locks" / "streamer.json.lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def fingerprint(data: Path) -> dict[str, str]:
    """Every data file (locks left out) by path, with a digest of its bytes."""
    return {
        str(path.relative_to(data)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(data.rglob("*"))
        if path.is_file() and "locks" not in path.relative_to(data).parts
    }


def test_writers_wait_while_main_is_locked_and_the_copy_reads_back(tmp_path: Path) -> None:
    data = tmp_path / "data"
    history = generate.write_history(data, 2)
    store = TinyStore(data, lock_timeout=0.05)
    store.commit_cycle(cycle(history, 0))  # a day tail, as a running collector leaves one
    assert any(p.name.endswith(".tail.jsonl") for p in (data / "snapshots").iterdir())
    before = fingerprint(data)
    backup = tmp_path / "backup"
    with main_lock(data):
        with pytest.raises(StoreBusy):
            store.commit_cycle(cycle(history, 1))  # a collector's cycle: refused, not half-done
        with pytest.raises(StoreBusy):
            store.change_plan(lambda plan: [])  # a producer's edit
        shutil.copytree(data, backup, ignore=shutil.ignore_patterns("locks"))
    assert fingerprint(data) == before == fingerprint(backup)
    store.commit_cycle(cycle(history, 1))  # the lock released: the collector writes again
    assert fingerprint(data) != before
    copy = TinyStore(backup)
    start = generate.day_start(history.today) - timedelta(days=3)
    end = generate.day_start(history.today) + timedelta(days=1)
    assert len(copy.snapshots(start, end)) == len(TinyStore(data).snapshots(start, end)) - 500
    assert copy.rollups(include_archive=True).keys() <= store.rollups(include_archive=True).keys()
    assert rebuild_all(copy, 60).snapshots == history.snapshots + 500


# -- streamer store backup ----------------------------------------------------------


@pytest.fixture
def running(tmp_path: Path) -> tuple[Path, generate.History]:
    """A data folder as a running collector leaves it: archives, partitions, a day tail."""
    data = tmp_path / "data"
    history = generate.write_history(data, 2)
    TinyStore(data).commit_cycle(cycle(history, 0))
    assert any(p.name.endswith(".tail.jsonl") for p in (data / "snapshots").iterdir())
    return data, history


def test_a_backup_is_the_folder_at_one_instant_whatever_is_written_after(
    running: tuple[Path, generate.History], tmp_path: Path
) -> None:
    """Linked on the same filesystem, the backup holds the folder's bytes (no lock files);
    the next cycle appends to the day's tail and rewrites main, and the backup does not
    change (the tail was copied, the rest is only ever replaced by rename); it reads
    back as the folder did."""
    from streamer.tinybackup import backup

    data, history = running
    before = fingerprint(data)
    said: list[str] = []
    made = backup(TinyStore(data), tmp_path / "backup", said.append)
    assert made.linked and said == []
    assert made.files == len(before)
    assert fingerprint(tmp_path / "backup") == before
    main = tmp_path / "backup" / "streamer.json"
    assert main.stat().st_ino == (data / "streamer.json").stat().st_ino  # a link, no copy
    store = TinyStore(data)
    store.commit_cycle(cycle(history, 1))
    store.change_plan(lambda plan: [])
    assert fingerprint(data) != before
    assert fingerprint(tmp_path / "backup") == before
    assert rebuild_all(TinyStore(tmp_path / "backup"), 60).snapshots == history.snapshots + 500
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_backup_to_another_filesystem_is_copied_from_links_made_in_the_folder(
    running: tuple[Path, generate.History], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``os.link`` across filesystems fails (EXDEV): the links are made in a staging
    folder inside the data folder, copied out, and the staging folder removed."""
    import errno
    import os

    from streamer import tinybackup

    data, _ = running
    real_link = os.link
    target = tmp_path / "elsewhere" / "backup"
    target.parent.mkdir()

    def link(src: Path, dst: Path) -> None:
        if Path(dst).is_relative_to(target.parent):
            raise OSError(errno.EXDEV, "Invalid cross-device link")
        real_link(src, dst)

    monkeypatch.setattr(os, "link", link)
    before = fingerprint(data)
    said: list[str] = []
    made = tinybackup.backup(TinyStore(data), target, said.append)
    assert not made.linked
    assert fingerprint(target) == before == fingerprint(data)
    assert (target / "streamer.json").stat().st_ino != (data / "streamer.json").stat().st_ino
    assert [p.name for p in data.iterdir() if p.name.startswith(".")] == []  # staging gone
    assert sorted(p.name for p in target.parent.iterdir()) == ["backup"]  # no partial folder
    assert said == [
        f"copying {made.files} files ({tinybackup._size(made.size)}) to {target.parent}"
    ]
    assert "copied" in made.line()


def test_a_killed_backups_staging_folder_is_removed_by_the_next(
    running: tuple[Path, generate.History], tmp_path: Path
) -> None:
    """A backup killed while copying out leaves its staging folder of links, which would
    keep old versions of the data files on disk; the next backup removes it (its
    process is gone) and leaves a live one's alone."""
    import os
    import subprocess
    import sys

    from streamer.tinybackup import STAGING, backup

    data, _ = running
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    stale = data / f"{STAGING}{gone}-0badc0de"
    live = data / f"{STAGING}{os.getpid()}-0badc0de"
    for folder in (stale, live):
        folder.mkdir()
        os.link(data / "streamer.json", folder / "streamer.json")
    made = backup(TinyStore(data), tmp_path / "backup", print)
    assert not stale.exists() and live.exists()
    expected = {k: v for k, v in fingerprint(data).items() if not k.startswith(STAGING)}
    assert fingerprint(tmp_path / "backup") == expected  # the live one not backed up
    assert made.files == len(expected)


def test_a_backup_waits_for_writers_and_leaves_nothing_when_it_gives_up(
    running: tuple[Path, generate.History], tmp_path: Path
) -> None:
    """Main's lock held (a cycle, a plan edit, another backup): the backup gives up after
    the store's lock timeout with ``StoreBusy`` and leaves no folder behind."""
    from streamer.tinybackup import backup

    data, _ = running
    with main_lock(data), pytest.raises(StoreBusy):
        backup(TinyStore(data, lock_timeout=0.05), tmp_path / "backup", print)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]


@pytest.mark.parametrize(
    ("to", "message"),
    [
        ("taken", "--to {tmp}/taken: already exists; a backup goes to a new folder"),
        ("missing/backup", "--to {tmp}/missing/backup: its parent folder {tmp}/missing does not"),
        ("data/inside", "--to {tmp}/data/inside: it is inside the data folder"),
    ],
)
def test_store_backup_refuses_a_bad_target_in_one_line(
    running: tuple[Path, generate.History],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    to: str,
    message: str,
) -> None:
    from streamer.app.cli import run

    data, _ = running
    (tmp_path / "taken").mkdir()
    before = fingerprint(data)
    assert run(["store", "backup", "--from", str(data), "--to", str(tmp_path / to)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert message.format(tmp=tmp_path) in err
    assert fingerprint(data) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "taken"]


def test_store_backup_from_the_config_and_what_it_refuses(
    running: tuple[Path, generate.History], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without ``--from`` the config's data folder is backed up, and the line says what
    was made; a PostgreSQL config, or a folder that is no data folder, is one line."""
    from streamer.app.cli import run

    data, _ = running
    config = tmp_path / "streamer.toml"
    config.write_text(f'data_dir = "{data}"\n', "utf-8")
    assert run(["--config", str(config), "store", "backup", "--to", str(tmp_path / "b")]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"backed up {len(fingerprint(data))} files (")
    assert "hard links on the data folder's filesystem" in out
    assert fingerprint(tmp_path / "b") == fingerprint(data)
    pg = tmp_path / "pg.toml"
    pg.write_text('[store]\nurl = "postgresql://streamer@db.example.kz/streamer"\n', "utf-8")
    assert run(["--config", str(pg), "store", "backup", "--to", str(tmp_path / "c")]) == 2
    assert "PostgreSQL database; back it up with pg_dump" in capsys.readouterr().err
    assert run(["store", "backup", "--from", str(tmp_path), "--to", str(tmp_path / "d")]) == 2
    assert "is not a streamer data folder" in capsys.readouterr().err
    assert not (tmp_path / "c").exists() and not (tmp_path / "d").exists()
    # Right after 'streamer init' there is no data folder yet; a store that opened it
    # and wrote nothing leaves empty folders and a lock file. Each is said as it is.
    assert run(["init", str(tmp_path / "new")]) == 0
    capsys.readouterr()
    fresh = tmp_path / "new" / "streamer.toml"
    for made, said in ((False, "does not exist yet"), (True, "holds nothing yet")):
        if made:
            TinyStore(tmp_path / "new" / "data")  # makes its folders
            (tmp_path / "new" / "data" / "locks" / "streamer.json.lock").touch()
        assert run(["--config", str(fresh), "store", "backup", "--to", str(tmp_path / "e")]) == 2
        assert capsys.readouterr().err.strip().endswith(f"{said} (nothing planned or collected)")
        assert not (tmp_path / "e").exists()
    missing = tmp_path / "typo"  # named by hand: no "yet", as it may never be one
    assert run(["store", "backup", "--from", str(missing), "--to", str(tmp_path / "e")]) == 2
    assert capsys.readouterr().err.strip().endswith(f"{missing} does not exist")


def test_store_backup_leaves_the_reports_digests_out(
    running: tuple[Path, generate.History], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``digests/`` is a cache of the summaries (rebuilt when missing): not backed up."""
    from streamer.app.cli import run

    data, _ = running
    kept = data / "digests" / "2025-01.digest"
    kept.parent.mkdir()
    kept.write_bytes(b"a kept month")
    before = fingerprint(data)
    assert run(["store", "backup", "--from", str(data), "--to", str(tmp_path / "b")]) == 0
    assert capsys.readouterr().out.startswith(f"backed up {len(before) - 1} files (")
    assert not (tmp_path / "b" / "digests").exists()
    assert fingerprint(tmp_path / "b") == {k: v for k, v in before.items() if "digests" not in k}
    assert fingerprint(data) == before
