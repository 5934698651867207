"""``streamer store``: move the data between backends (``copy`` a TinyDB folder into PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

import click

from streamer.app.clibase import CONTEXT
from streamer.app.console import make_console
from streamer.config import store_url_problem
from streamer.errors import UserError


@click.group(context_settings=CONTEXT)
def store() -> None:
    """The data's backends: copy a TinyDB data folder into a PostgreSQL database.

    \b
    Example:
      streamer store copy --from /var/lib/streamer \\
          --to postgresql://streamer@db/streamer
    """


@store.command(context_settings=CONTEXT)
@click.option(
    "--from", "source", required=True, type=click.Path(path_type=Path, file_okay=False),
    help="The TinyDB data folder (data_dir) to copy.",
)  # fmt: skip
@click.option("--to", "url", required=True, help="postgresql:// URL of the target (no password).")
@click.option(
    "--password-env", default=None, metavar="NAME",
    help="Variable holding the password (else libpq's PGPASSWORD or .pgpass).",
)  # fmt: skip
def copy(source: Path, url: str, password_env: str | None) -> None:
    """Copy a TinyDB data folder into a PostgreSQL database, losslessly.

    Plans, streams, snapshots, rollups, the quota ledger, the outbox and meta, month
    archives included, in one transaction (an interrupted copy leaves nothing). The
    target is migrated first and must be empty, unless it holds this same copy
    (running it again is a no-op). Stop the collector on the folder first.

    \b
    Example:
      export STREAMER_DB_PASSWORD=...
      streamer store copy --from ./data \\
          --to postgresql://streamer@db.example.kz/streamer \\
          --password-env STREAMER_DB_PASSWORD
    """
    from streamer.pgcopy import copy_folder
    from streamer.pgschema import redacted

    problem = store_url_problem(url)
    if problem == "scheme":
        raise UserError("store copy: --to must be a postgresql:// URL")
    if problem == "password":
        raise UserError("store copy: --to holds a password; use --password-env or PGPASSWORD")
    console = make_console(stderr=True)

    def say(line: str) -> None:
        console.print(f"store copy: {line}", markup=False, highlight=False, soft_wrap=True)

    result = copy_folder(source, url, password_env, say)
    make_console().print(
        f"{redacted(url)}: {result.line()}", markup=False, highlight=False, soft_wrap=True
    )
