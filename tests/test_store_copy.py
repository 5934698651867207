"""`streamer store copy`: a TinyDB data folder into PostgreSQL, lossless and refusing
to mix with other data."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from helpers import report_week
from helpers.pg import pg_database
from test_db_cli import NOW, cli, home, store_table

from streamer.app import cli_report
from streamer.clock import SimulatedClock
from streamer.models import Gap, Snapshot, StreamStatus
from streamer.pgstore import PgStore
from streamer.store import CycleWrite, DayStore, open_store

LATER = datetime(2027, 1, 20, tzinfo=UTC)  # the week's records are archived by then
REPORTS = [
    ["plan", "list", "--from", "2026-11-23", "--format", "json"],
    ["report", "summary", "--period", "2026-W48"],
    ["report", "broadcasts", "--period", "2026-W48", "--format", "csv"],
    ["report", "adherence", "--period", "2026-W48", "--lang", "ru"],
    ["report", "summary", "--period", "2026-W48", "--format", "csv", "--lang", "kk"],
    ["report", "curve", "AL-1"],
]


@pytest.fixture
def database(pg_url: str) -> Iterator[str]:
    """A new empty database on the test server: its URL."""
    with pg_database(pg_url) as url:
        yield url


def seed(data_dir: Path) -> None:
    """The report week, then a later cycle: quota, an alert, meta, a gap, and archiving;
    then one that finishes the last working stream (a month tail)."""
    report_week.seed_week(
        data_dir, planned_title="Антикор", unplanned_title="Q&A", instagram_done=True
    )
    store = open_store(data_dir)
    key = "youtube:late"
    store.commit_cycle(
        CycleWrite(
            snapshots=[Snapshot(key, LATER, StreamStatus.LIVE, 3, 9)],
            gaps=[Gap(key, LATER + timedelta(minutes=1), "quota")],
            quota={("2026-11-24", "YT_KEY"): 12, ("2027-01-19", "YT_KEY"): 5},
            meta={"discovered:youtube": "2027-01-20T00:00:00Z", "seen:youtube": ["a", "b"]},
            events=[{"id": "e1", "at": "2027-01-20T00:00:00Z", "kind": "missed", "deliveries": {}}],
            now=LATER,
        )
    )
    # A second cycle that day appends to the day's tail, which the copy must read too.
    store.commit_cycle(
        CycleWrite(snapshots=[Snapshot(key, LATER + timedelta(minutes=2), StreamStatus.LIVE, 4, 9)])
    )
    assert (data_dir / "snapshots" / f"{LATER.date()}.tail.jsonl").exists()
    # The last stream finishes: it goes to its month's tail, which the copy must read too.
    store.commit_cycle(CycleWrite(streams=[replace(store.streams()["youtube:u1"], done=True)]))
    assert (data_dir / "archive" / "2026-11.tail.jsonl").exists()


def everything(store: DayStore) -> dict[str, object]:
    """What a store holds, archive included, in its read order."""
    span = (datetime(2020, 1, 1, tzinfo=UTC), datetime(2030, 1, 1, tzinfo=UTC))
    return {
        "plan": list(store.broadcasts(include_archive=True).items()),
        "streams": list(store.streams(include_archive=True).items()),
        "working": list(store.streams()),
        "rollups": list(store.rollups(include_archive=True).items()),
        "outbox": store.outbox(include_archive=True),
        "quota": store.quota_used("2027-01-19"),  # TinyStore reads the recent ledger only
        "meta": [store.get_meta(n) for n in ("discovered:youtube", "seen:youtube")],
        "snapshots": store.snapshots(*span),
        "gaps": store.gaps(*span),
        "days": store.partitions(),
    }


def test_copy_is_lossless_and_reports_print_the_same(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    database: str,
) -> None:
    """Every record (archives too) arrives as stored; rollup --rebuild --check passes on
    the target, and every report prints the same from either backend."""
    monkeypatch.setattr(cli_report, "CLOCK", SimulatedClock(NOW))
    monkeypatch.setenv("COLUMNS", "120")
    home(tmp_path / "tiny", monkeypatch)
    seed(tmp_path / "tiny" / "data")
    assert list((tmp_path / "tiny" / "data" / "archive").glob("*.json"))  # archives to copy
    code, out, err = cli(capsys, "store", "copy", "--from", str(tmp_path / "tiny" / "data"),
                         "--to", database)  # fmt: skip
    assert code == 0, err
    assert "copied 2 broadcasts, 3 streams, 4 rollups, 72 snapshots, 1 gaps, 2 quota" in out
    assert "store copy: snapshots: 72 copied" in err
    tiny_said = [cli(capsys, *argv)[:2] for argv in REPORTS]
    pg = PgStore(database)
    try:
        assert everything(pg) == everything(open_store(tmp_path / "tiny" / "data"))
        assert pg.quota_used("2026-11-24") == {"YT_KEY": 12}  # the archived ledger row too
    finally:
        pg.close()
    home(tmp_path / "pg", monkeypatch, store_table(database))
    code, out, _ = cli(capsys, "rollup", "--rebuild", "--check")
    assert code == 0 and "0 differed" in out
    pg_said = [cli(capsys, *argv)[:2] for argv in REPORTS]
    assert pg_said == tiny_said
    assert all(code == 0 for code, _ in pg_said) and "Антикор" in pg_said[0][1]


def test_copy_again_is_a_no_op_and_other_data_is_refused(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    database: str,
) -> None:
    """The same folder twice copies once; a changed folder (or other data) into a
    non-empty database is one line, exit 2, and the target is left as it was."""
    home(tmp_path / "h", monkeypatch)
    data = tmp_path / "h" / "data"
    seed(data)
    argv = ["store", "copy", "--from", str(data), "--to", database]
    assert cli(capsys, *argv)[0] == 0
    code, out, _ = cli(capsys, *argv)
    assert code == 0 and "already holds this copy; nothing to do" in out
    open_store(data).set_meta({"seen:youtube": ["a", "b", "c"]})
    code, out, err = cli(capsys, *argv)
    assert code == 2 and out == ""
    assert err.startswith("streamer: error: store copy: ") and "already holds" in err
    assert len(err.splitlines()) == 1
    pg = PgStore(database)
    try:
        assert pg.get_meta("seen:youtube") == ["a", "b"]
    finally:
        pg.close()


@pytest.mark.parametrize(
    ("target", "said"),
    [
        ("postgresql://streamer:hunter2@db.example.kz/streamer", "holds a password"),
        ("mysql://db.example.kz/streamer", "must be a postgresql:// URL"),
    ],
)
def test_a_bad_target_or_source_is_one_line(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    target: str,
    said: str,
) -> None:
    """A URL with a password or of another engine is refused without echoing it."""
    home(tmp_path / "h", monkeypatch)
    code, out, err = cli(capsys, "store", "copy", "--from", str(tmp_path), "--to", target)
    assert code == 2 and out == "" and said in err and "hunter2" not in err
    assert len(err.splitlines()) == 1


def test_a_folder_without_streamer_data_is_refused(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    database: str,
) -> None:
    """Copying a folder that is not a data folder is one line, exit 2."""
    home(tmp_path / "h", monkeypatch)
    code, _, err = cli(capsys, "store", "copy", "--from", str(tmp_path / "nope"), "--to", database)
    assert code == 2 and "holds no streamer data" in err and len(err.splitlines()) == 1
