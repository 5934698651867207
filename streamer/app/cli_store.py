"""``streamer store``: move the data between backends (``copy`` a TinyDB folder into
PostgreSQL), and ``backup`` a running TinyDB data folder as it was at one instant."""

from __future__ import annotations

from pathlib import Path

import click

from streamer.app.clibase import CONTEXT, App, pass_app
from streamer.app.console import make_console
from streamer.config import store_url_problem
from streamer.errors import UserError


@click.group(context_settings=CONTEXT)
def store() -> None:
    """The data's backends: copy a TinyDB data folder into a PostgreSQL database, or
    back one up while the collector runs.

    \b
    Examples:
      streamer store copy --from /var/lib/streamer \\
          --to postgresql://streamer@db/streamer
      streamer store backup --to /var/backups/streamer/$(date +%F)
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


@store.command(context_settings=CONTEXT)
@click.option(
    "--to", "target", required=True, type=click.Path(path_type=Path),
    help="A new folder for the backup (its parent must exist).",
)  # fmt: skip
@click.option(
    "--from", "source", default=None, type=click.Path(path_type=Path, file_okay=False),
    help="The TinyDB data folder (default: the config's data_dir).",
)  # fmt: skip
@pass_app
def backup(app: App, target: Path, source: Path | None) -> None:
    """Back up a TinyDB data folder as it was at one instant, while the collector runs.

    Writers wait only while each file is hard-linked and the day's tails are copied
    (milliseconds), not for the whole copy. On the data folder's filesystem the
    backup is those links (copy it off the machine too); elsewhere it is copied from
    them. Restore: stop the daemon, put the folder in place, run
    'streamer rollup --rebuild --check'. A PostgreSQL store is backed up with pg_dump.

    \b
    Example:
      streamer store backup --to /var/backups/streamer/$(date +%F)
    """
    from collectors.unsaved import FOLDER as UNSAVED
    from reports.digest import FOLDER as DIGESTS
    from streamer.tinybackup import BadTarget, holds_nothing
    from streamer.tinybackup import backup as back_up
    from streamer.tinystore import MAIN, TinyStore

    configured = source is None
    if source is None:
        config = app.config()
        if config.store.url is not None:
            raise UserError(
                "store backup: the store is a PostgreSQL database; back it up with pg_dump "
                "(docs/operations.md)"
            )
        source = config.data_dir
    if not (source / MAIN).is_file():
        if not source.exists():  # the config's before any plan or cycle; --from's a typo
            later = " yet (nothing planned or collected)" if configured else ""
            raise UserError(f"store backup: {source} does not exist{later}")
        if holds_nothing(source, also=(UNSAVED, DIGESTS)):  # collectors' and reports' too
            nothing = "holds nothing yet (nothing planned or collected)"
            raise UserError(f"store backup: {source} {nothing}")
        raise UserError(f"store backup: {source} is not a streamer data folder (no {MAIN})")
    console = make_console(stderr=True)

    def say(line: str) -> None:
        console.print(f"store backup: {line}", markup=False, highlight=False, soft_wrap=True)

    try:
        result = back_up(TinyStore(source), target, say, leave=(DIGESTS,))
    except BadTarget as exc:
        raise UserError(f"store backup: --to {target}: {exc}") from None
    make_console().print(result.line(), markup=False, highlight=False, soft_wrap=True)
