"""Retention: ``prune_before`` and ``streamer prune`` remove old partitions of done streams
only, never rollups, streams or the plan, and refuse partitions a writer holds."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from filelock import FileLock

from streamer.app import cli_prune
from streamer.app.cli import run
from streamer.clock import SimulatedClock
from streamer.config import starter_config
from streamer.errors import UserError
from streamer.models import Broadcast, Gap, Snapshot, Stream, StreamStatus, Target
from streamer.prune import PRUNED_META, PruneRefused, prune_before, retention_cutoff
from streamer.rollups import Rollup
from streamer.store import CycleWrite
from streamer.tinystore import TinyStore

# These pin TinyStore's files and locks; the rest run on every backend.
FILES_ONLY = pytest.mark.parametrize("store", ["tiny"], indirect=True)


NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
DAY1, DAY2, DAY3 = date(2026, 1, 10), date(2026, 1, 11), date(2026, 1, 12)


def at(day: date, hour: int = 12) -> datetime:
    """``hour`` o'clock UTC on ``day``."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def stream(ext: str, day: date, *, done: bool = True) -> Stream:
    """A YouTube stream that went live on ``day``; done unless said otherwise."""
    return Stream("youtube", ext, "UCx", status=StreamStatus.ENDED, actual_start=at(day), done=done)


def fill(store: TinyStore, *, open_on: date | None = None) -> None:
    """Snapshots (and a gap) on three days from done streams; one not done on ``open_on``."""
    days = {f"v{n}": day for n, day in enumerate((DAY1, DAY2, DAY3))}
    streams = [stream(ext, day) for ext, day in days.items()]
    if open_on is not None:
        days["live"] = open_on
        streams.append(stream("live", open_on, done=False))
    snaps = [Snapshot(f"youtube:{ext}", at(day), StreamStatus.LIVE, 5) for ext, day in days.items()]
    plan = Broadcast("b1", "antikor-live", "t", at(DAY1), 60, (Target("youtube", "UCx"),))
    store.change_plan(lambda _: [plan])
    store.commit_cycle(
        CycleWrite(
            snapshots=snaps,
            gaps=[Gap("youtube:v0", at(DAY1, 13), "timeout")],
            streams=streams,
            rollups={s.key: Rollup(s.key, 60, peak_concurrent=5) for s in streams},
        )
    )


def kept_state(store: TinyStore) -> tuple[object, ...]:
    """Everything prune must leave alone: plan, streams and rollups (archive included)."""
    return (
        store.broadcasts(),
        store.streams(include_archive=True),
        store.rollups(include_archive=True),
    )


def test_removes_partitions_of_done_streams_before_the_day_only(store: TinyStore) -> None:
    """Days before the cutoff go; the cutoff day stays; rollups, streams and plan are kept."""
    fill(store)
    before = kept_state(store)
    result = prune_before(store, DAY3, NOW)
    assert result.removed == [DAY1, DAY2] and result.snapshots == 2
    assert store.partitions() == [DAY3]
    assert kept_state(store) == before
    assert store.get_meta(PRUNED_META) == DAY3.isoformat()


@pytest.mark.parametrize("store", ["tiny", "pg"], indirect=True)  # MemStore: all in memory
def test_prune_reads_only_the_streams_of_the_days_it_may_remove(
    store: TinyStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whether a day may go is asked of its own streams (``streams_of``), never of the
    whole archive: a nightly prune on a year of history held all of it in memory."""
    fill(store, open_on=DAY2)
    asked: list[set[str]] = []
    real = store.streams_of

    def streams_of(keys: set[str]) -> dict[str, Stream]:
        asked.append(set(keys))
        return real(keys)

    def whole(*, include_archive: bool = False) -> dict[str, Stream]:
        raise AssertionError("prune read every stream")

    monkeypatch.setattr(store, "streams_of", streams_of)
    monkeypatch.setattr(store, "streams", whole)
    result = prune_before(store, DAY3, NOW, strict=False)
    assert asked == [{"youtube:v0", "youtube:v1", "youtube:live"}]
    assert result.removed == [DAY1] and list(result.kept) == [DAY2]


def test_strict_prune_refuses_a_partition_with_a_stream_still_polled(store: TinyStore) -> None:
    """A not-done stream's day is refused in one line naming it, and nothing is removed."""
    fill(store, open_on=DAY2)
    with pytest.raises(
        PruneRefused, match=r"cannot prune 2026-01-11: stream youtube:live is still"
    ):
        prune_before(store, DAY3, NOW)
    assert store.partitions() == [DAY1, DAY2, DAY3]


def test_lenient_prune_removes_what_is_final_and_lists_the_rest(store: TinyStore) -> None:
    """Without strict, final days go and the others are kept with the reason."""
    fill(store, open_on=DAY2)
    result = prune_before(store, DAY3, NOW, strict=False)
    assert result.removed == [DAY1] and list(result.kept) == [DAY2]
    assert store.partitions() == [DAY2, DAY3]


def test_dry_run_removes_nothing(store: TinyStore) -> None:
    """A dry run reports the days and snapshots it would remove and leaves them."""
    fill(store)
    result = prune_before(store, DAY3, NOW, dry_run=True)
    assert result.removed == [DAY1, DAY2] and result.line().startswith("would remove 2")
    assert store.partitions() == [DAY1, DAY2, DAY3] and store.get_meta(PRUNED_META) is None


@FILES_ONLY
def test_a_partition_a_writer_holds_is_refused(store: TinyStore, data_dir: Path) -> None:
    """Strict: its lock held by a writer refuses the whole prune; lenient: that day is kept."""
    fill(store)
    with FileLock(data_dir / "locks" / "snapshots-2026-01-11.json.lock"):
        with pytest.raises(PruneRefused, match=r"2026-01-11\.json is being written"):
            prune_before(store, DAY3, NOW)
        assert store.partitions() == [DAY1, DAY2, DAY3]
        result = prune_before(store, DAY3, NOW, strict=False)
    assert result.removed == [DAY1] and result.kept == {DAY2: "locked by a writer"}


def test_the_daemon_lock_alone_does_not_block_prune(store: TinyStore) -> None:
    """A running daemon holds only the daemon lock between cycles: old days can still go."""
    fill(store)
    with store.daemon_lock():
        assert prune_before(store, DAY2, NOW).removed == [DAY1]


def test_an_unknown_stream_blocks_only_recent_partitions(store: TinyStore) -> None:
    """Snapshots without a stream record block a day within 8 days of now, not an older one."""
    store.commit_cycle(
        CycleWrite(snapshots=[Snapshot("youtube:ghost", at(DAY1), StreamStatus.LIVE)])
    )
    with pytest.raises(PruneRefused, match="youtube:ghost has no record yet"):
        prune_before(store, DAY2, at(DAY1 + timedelta(days=3)))
    assert prune_before(store, DAY2, NOW).removed == [DAY1]


def test_a_cutoff_after_today_is_a_user_error(store: TinyStore) -> None:
    """Today's partition is being written: a cutoff after today is refused."""
    with pytest.raises(UserError, match="is after today"):
        prune_before(store, NOW.date() + timedelta(days=1), NOW)


def test_retention_cutoff_counts_back_from_today_utc() -> None:
    """retention_days = 30 keeps the last 30 UTC days."""
    assert retention_cutoff(NOW, 30) == date(2026, 1, 30)


# -- the command ----------------------------------------------------------------------


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A starter config whose data folder holds three days; the clock at NOW."""
    (tmp_path / "streamer.toml").write_text(starter_config(), encoding="utf-8")
    monkeypatch.setenv("STREAMER_CONFIG", str(tmp_path / "streamer.toml"))
    monkeypatch.setattr(cli_prune, "CLOCK", SimulatedClock(NOW))
    return tmp_path


def call(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = run(["prune", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_command_prunes_and_says_what_it_removed(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``prune --before`` removes the final days and prints one line about it."""
    fill(TinyStore(home / "data"))
    code, out, err = call(capsys, "--before", "2026-01-12")
    assert code == 0, err
    assert out.startswith("removed 2 snapshot partitions before 2026-01-12")
    assert TinyStore(home / "data").partitions() == [DAY3]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--before", "2026-01-12"], "cannot prune 2026-01-11: stream youtube:live"),
        (["--before", "12/01/2026"], "is not a date; use YYYY-MM-DD"),
        ([], "give --before DATE, or set retention_days"),
    ],
    ids=["not-final", "bad-date", "no-cutoff"],
)
def test_command_refusals_exit_2_with_one_line(
    home: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    """A refused prune exits 2 with one stderr line and removes nothing."""
    fill(TinyStore(home / "data"), open_on=DAY2)
    code, out, err = call(capsys, *argv)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and message in err
    assert TinyStore(home / "data").partitions() == [DAY1, DAY2, DAY3]


def test_command_uses_retention_days_from_the_config(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without --before, retention_days in the config sets the cutoff."""
    config = home / "streamer.toml"
    config.write_text(
        f"retention_days = 48\n{config.read_text(encoding='utf-8')}", encoding="utf-8"
    )
    fill(TinyStore(home / "data"))
    code, out, err = call(capsys, "--dry-run")
    assert code == 0, err
    assert out.startswith("would remove 2 snapshot partitions before 2026-01-12")


def test_daemon_retention_job_prunes_only_what_may_go(tmp_path: Path) -> None:
    """The nightly job with retention_days removes old final partitions and logs, never raises."""
    from streamer.app.daemon import safe_prune
    from streamer.store import open_store

    store = open_store(tmp_path / "data")
    old = datetime(2026, 1, 5, 6, 0, tzinfo=UTC)
    done = Stream("youtube", "v1", "UC1", status=StreamStatus.ENDED, actual_start=old,
                  actual_end=old, discovered_at=old, done=True)  # fmt: skip
    store.commit_cycle(
        CycleWrite(snapshots=[Snapshot(done.key, old, StreamStatus.LIVE, 5)], streams=[done])
    )
    assert store.partitions()
    safe_prune(store, 30, SimulatedClock(datetime(2026, 3, 1, tzinfo=UTC)))
    assert store.partitions() == []
    assert "youtube:v1" in store.streams(include_archive=True)
