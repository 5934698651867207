"""Files the user asks for (exports, reports, scheduled jobs) honour the umask and
never create a folder a mistyped ``--out`` names."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from streamer.errors import UserError
from streamer.files import write_atomic


@pytest.fixture(params=[0o022, 0o027, 0o077])
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    """The process umask set to each usual value for the test, then restored."""
    old = os.umask(request.param)
    try:
        yield request.param
    finally:
        os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_written_file_has_0666_less_the_umask(tmp_path: Path, umask: int) -> None:
    """A new file is 0644 under umask 022, 0640 under 027, 0600 under 077."""
    target = tmp_path / "report.csv"
    write_atomic(target, b"a,b\r\n")
    assert mode(target) == 0o666 & ~umask
    assert target.read_bytes() == b"a,b\r\n"


def test_replacing_a_file_keeps_no_temp_file_behind(tmp_path: Path, umask: int) -> None:
    """A second write replaces the file whole; only the target is left in the folder."""
    target = tmp_path / "plan.ics"
    write_atomic(target, b"one")
    write_atomic(target, b"two")
    assert [p.name for p in tmp_path.iterdir()] == ["plan.ics"]
    assert target.read_bytes() == b"two" and mode(target) == 0o666 & ~umask


def test_missing_folder_is_an_error_and_is_not_created(tmp_path: Path) -> None:
    """--out into a folder that does not exist fails and leaves no folder behind."""
    target = tmp_path / "nope" / "x.ics"
    with pytest.raises(UserError, match=r"folder .*nope does not exist"):
        write_atomic(target, b"x")
    assert not (tmp_path / "nope").exists()


def test_a_jobs_out_dir_is_created_on_demand(tmp_path: Path) -> None:
    """A scheduled job's out_dir is made when it is first written (documented)."""
    target = tmp_path / "reports" / "weekly" / "weekly-2026-W48.csv"
    write_atomic(target, b"x", create_folder=True)
    assert target.read_bytes() == b"x"


def test_cli_outputs_honour_the_umask(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """plan export (csv, ics) and report --out create 0644 files under umask 022."""
    from streamer.app.cli import run
    from streamer.config import starter_config

    config = tmp_path / "streamer.toml"
    config.write_text(starter_config(), encoding="utf-8")
    monkeypatch.setenv("STREAMER_CONFIG", str(config))
    old = os.umask(0o022)
    try:
        outputs = {
            "plan.csv": ["plan", "export", "--format", "csv"],
            "plan.ics": ["plan", "export", "--format", "ics"],
            "summary.csv": ["report", "summary", "--period", "2026-11", "--format", "csv"],
            "summary.txt": ["report", "summary", "--period", "2026-11"],
        }
        for name, argv in outputs.items():
            assert run([*argv, "--out", str(tmp_path / name)]) == 0, capsys.readouterr().err
    finally:
        os.umask(old)
    assert {name: oct(mode(tmp_path / name)) for name in outputs} == dict.fromkeys(
        outputs, oct(0o644)
    )


def test_plan_export_to_a_missing_folder_exits_2_and_creates_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`plan export --out missing/x.ics` is one line, status 2, and no new folder."""
    from streamer.app.cli import run
    from streamer.config import starter_config

    config = tmp_path / "streamer.toml"
    config.write_text(starter_config(), encoding="utf-8")
    monkeypatch.setenv("STREAMER_CONFIG", str(config))
    code = run(["plan", "export", "--format", "ics", "--out", str(tmp_path / "missing" / "x.ics")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "does not exist" in err
    assert not (tmp_path / "missing").exists()
