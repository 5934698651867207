"""The ``streamer`` command line: a thin layer over the library.

Each command parses its options, calls one library function and renders the
result. A user mistake anywhere (bad option, bad date, unknown programme, invalid
config, a data folder it may not write) ends in ``invoke`` as one line on stderr
and exit status 2, never a traceback. ``streamer.app.cli`` is the console script.
"""

from __future__ import annotations

import errno
import importlib
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from streamer.app.clibase import CONTEXT, App
from streamer.app.console import make_console
from streamer.config import starter_config
from streamer.errors import Interrupted, UserError
from streamer.safe_text import printable
from streamer.store import StoreBusy, StoreError, StoreUnreachable
from streamer.timezones import tzdata_version

# The commands that live in their own modules, by name: (module, attribute). A module
# is imported when its command runs or help lists it, so ``streamer report`` does not
# import the collector, the daemon or the database client first.
_LAZY = {
    "plan": ("cli_plan", "plan"),
    "report": ("cli_report", "report"),
    "demo": ("cli_demo", "demo"),
    "prune": ("cli_prune", "prune"),
    "status": ("cli_status", "status"),
    "notify": ("cli_notify", "notify"),
    "watch": ("cli_watch", "watch"),
    "db": ("cli_db", "db"),
    "store": ("cli_store", "store"),
    "collect": ("cli_collect", "collect"),
    "run": ("cli_collect", "run"),
    "simulate": ("cli_collect", "simulate"),
    "quota": ("cli_collect", "quota"),
    "rollup": ("cli_collect", "rollup"),
}


class _Root(click.Group):
    """The top group: Ctrl-C inside a command becomes ``Interrupted``, which click
    passes through untouched (it would print a blank line for a KeyboardInterrupt);
    the commands of ``_LAZY`` are imported when asked for."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            raise Interrupted from None

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *_LAZY})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        found = super().get_command(ctx, cmd_name)
        if found is None and cmd_name in _LAZY:
            module, attribute = _LAZY[cmd_name]
            found = getattr(importlib.import_module(f"streamer.app.{module}"), attribute)
            assert isinstance(found, click.Command)
            self.add_command(found, cmd_name)
        return found


def _print_version(ctx: click.Context, wanted: bool) -> None:
    """``--version``: streamer's and tzdata's versions, looked up only when asked (the
    metadata lookup is a tenth of a report process's imports)."""
    if not wanted or ctx.resilient_parsing:
        return
    import importlib.metadata  # here, not at the top: see the docstring

    click.echo(f"streamer {importlib.metadata.version('streamer')} (tzdata {tzdata_version()})")
    ctx.exit()


@click.group(cls=_Root, context_settings=CONTEXT)
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Config file (default: $STREAMER_CONFIG, else ./streamer.toml).",
)
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=lambda ctx, _param, wanted: _print_version(ctx, wanted),
    help="Show the version and exit.",
)
@click.pass_context
def cli(ctx: click.Context, config_path: Path | None) -> None:
    """Plan livestreams, collect their audiences, report on them.

    \b
    Example:
      streamer init && streamer plan list --from 2026-11-30
    """
    ctx.obj = App(config_path)


@cli.command(context_settings=CONTEXT)
@click.argument("directory", type=click.Path(path_type=Path, file_okay=False), default=".")
@click.option("--force", is_flag=True, help="Overwrite an existing streamer.toml.")
@click.option(
    "--simulator",
    "simulator_url",
    metavar="URL",
    help="Write a config and a plan for the simulator at URL ('streamer simulate').",
)
def init(directory: Path, force: bool, simulator_url: str | None) -> None:
    """Write a commented starter streamer.toml into DIRECTORY.

    With --simulator URL: a config pointed at that simulator on every platform, and
    the plan of its world, ready for 'streamer run'.

    \b
    Example:
      streamer init ~/streamer && streamer --config ~/streamer/streamer.toml plan list
      streamer init --simulator http://127.0.0.1:8765 sim
    """
    if simulator_url is not None:
        _init_simulator(simulator_url, directory, force)
        return
    target = directory / "streamer.toml"
    if target.exists() and not force:
        raise UserError(f"{target} already exists; pass --force to overwrite it")
    directory.mkdir(parents=True, exist_ok=True)
    target.write_text(starter_config(), encoding="utf-8")
    make_console().print(f"wrote {target} — edit the channel ids, then run 'streamer plan add'")


def _init_simulator(url: str, directory: Path, force: bool) -> None:
    from streamer.app.simworld import ENVIRON, init_simulator

    target, planned = init_simulator(url, directory, force=force)
    lines = [
        f"wrote {target} (every platform at {url}) and planned {planned} broadcasts",
        "the simulator takes any credentials; export these throwaway ones:",
        *(f"  export {name}={value}" for name, value in ENVIRON.items()),
        "then:",
        f"  streamer --config {target} run",
        f"  streamer --config {target} watch      # in another terminal",
    ]
    console = make_console()
    for line in lines:
        console.print(line, markup=False, highlight=False, soft_wrap=True)


# An OSError with one of these is the operator's to fix (permissions, a read-only disk).
_NOT_ALLOWED = {errno.EACCES, errno.EPERM, errno.EROFS}


def invoke(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return its exit status; user errors become one stderr line."""
    try:
        result = cli.main(
            args=list(argv) if argv is not None else None,
            prog_name="streamer",
            standalone_mode=False,
        )
    except click.exceptions.NoArgsIsHelpError as exc:  # bare ``streamer`` or ``streamer plan``
        exc.show()  # the full help, as click prints it (stderr, status 2)
        return exc.exit_code
    except click.UsageError as exc:
        hint = f" (see '{exc.ctx.command_path} --help')" if exc.ctx else ""
        return _fail(f"{exc.format_message()}{hint}", 2)
    except click.ClickException as exc:  # e.g. a file that cannot be opened
        return _fail(exc.format_message(), 2)
    except UserError as exc:
        return _fail(exc.message, exc.exit_code)
    except StoreBusy as exc:
        return _fail(str(exc), 1)
    except StoreError as exc:  # a permission refused mid-write is the operator's to fix
        cause = exc.__cause__
        denied = isinstance(cause, OSError) and cause.errno in _NOT_ALLOWED
        where = "database" if isinstance(exc, StoreUnreachable) else "data folder"
        return _fail(f"{where} problem: {exc}", 2 if denied else 1)
    except (click.Abort, KeyboardInterrupt, Interrupted):
        from streamer.app.cli import interrupted

        return interrupted()
    except OSError as exc:  # the environment, not a bug: say which file and why
        where = f"{exc.filename}: " if exc.filename else ""
        status = 2 if exc.errno in _NOT_ALLOWED else 1
        return _fail(f"{where}{exc.strerror or exc}", status)
    except Exception as exc:
        if not _platform_error(exc):
            raise
        return _fail(str(exc), 1)  # its message is built to be safe: no keys, no tokens
    return result if isinstance(result, int) else 0


def _platform_error(exc: Exception) -> bool:
    """Whether ``exc`` is a ``PlatformError``, without importing the collectors (and the
    retry machinery) on every start: only a command that loaded them can raise one."""
    base = sys.modules.get("collectors.base")
    return base is not None and isinstance(exc, base.PlatformError)


def _fail(message: str, status: int) -> int:
    # One line, and no escape sequence or bidi override quoted from a file or a platform.
    click.echo(f"streamer: error: {printable(' '.join(message.split()))}", err=True)
    return status
