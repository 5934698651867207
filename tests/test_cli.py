"""The command line as a whole: help on every command, one-line errors, init."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from streamer.app.cli import cli, run
from streamer.config import load_config


def all_commands(group: click.Group, prefix: str = "streamer") -> list[tuple[str, click.Command]]:
    found: list[tuple[str, click.Command]] = []
    context = click.Context(group)  # list_commands/get_command: the root imports on use
    for name in sorted(group.list_commands(context)):
        command = group.get_command(context, name)
        assert command is not None
        path = f"{prefix} {name}"
        found.append((path, command))
        if isinstance(command, click.Group):
            found.extend(all_commands(command, path))
    return found


@pytest.mark.parametrize(("path", "command"), all_commands(cli), ids=lambda v: str(v))
def test_every_command_has_help_with_an_example(path: str, command: click.Command) -> None:
    """Each command documents itself and shows an example invocation."""
    text = command.help or ""
    assert len(text.strip()) > 20, f"{path} has no help"
    assert "Example" in text, f"{path} help lacks an example"


def test_help_exits_zero(capsys: pytest.CaptureFixture[str]) -> None:
    """--help prints usage and succeeds."""
    assert run(["--help"]) == 0
    assert "Plan livestreams" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv",
    [["no-such-command"], ["init", "--no-such-option"], ["--config"]],
)
def test_usage_errors_are_one_line_and_exit_2(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """A mistyped command or option is one stderr line, status 2, no traceback."""
    assert run(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("streamer: error: ")
    assert "Traceback" not in err


def test_init_writes_a_loadable_config_and_refuses_to_overwrite(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """init writes streamer.toml once; a second init without --force is refused."""
    assert run(["init", str(tmp_path)]) == 0
    written = (tmp_path / "streamer.toml").read_bytes()
    assert load_config(tmp_path / "streamer.toml").programmes
    assert run(["init", str(tmp_path)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert (tmp_path / "streamer.toml").read_bytes() == written


def test_missing_config_is_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A command that needs a config and finds none says how to make one."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("STREAMER_CONFIG", raising=False)
    assert run(["plan", "list"]) == 2
    err = capsys.readouterr().err
    assert "streamer init" in err
    assert err.count("\n") == 1
    assert not (tmp_path / "data").exists()
