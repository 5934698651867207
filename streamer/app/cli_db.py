"""``streamer db``: the PostgreSQL database of ``[store] url`` (migrate, status)."""

from __future__ import annotations

import click

from streamer.app.clibase import CONTEXT, App, pass_app
from streamer.app.console import make_console
from streamer.errors import UserError


@click.group(context_settings=CONTEXT)
def db() -> None:
    """The PostgreSQL database named by [store] url in the config.

    \b
    Example:
      streamer db migrate && streamer db status
    """


def _url(app: App) -> tuple[str, str | None]:
    settings = app.config().store
    if settings.url is None:
        raise UserError("no [store] url in the config: the data is in TinyDB files, not a database")
    return settings.url, settings.password_env


@db.command(context_settings=CONTEXT)
@pass_app
def migrate(app: App) -> None:
    """Bring the database's schema up to this streamer's version.

    Applies the migrations the database lacks, in order, each in its own
    transaction; two processes migrating at once wait for each other. Safe to run
    again: a database already up to date is left alone.

    \b
    Example:
      STREAMER_DB_PASSWORD=... streamer db migrate
    """
    from streamer.pgschema import connect, latest, migrate, redacted

    url, password_env = _url(app)
    with connect(url, password_env, autocommit=True) as conn:
        applied = migrate(conn)
    names = ", ".join(f"{m.version:04d}_{m.name}" for m in applied)
    done = f"applied {names}" if applied else "already up to date"
    make_console().print(
        f"{redacted(url)}: schema version {latest()} ({done})",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )


@db.command(context_settings=CONTEXT)
@pass_app
def status(app: App) -> None:
    """Say which schema version the database is at and which this streamer needs.

    \b
    Example:
      streamer --config /etc/streamer/streamer.toml db status
    """
    from streamer.pgschema import connect, latest, redacted, version

    url, password_env = _url(app)
    with connect(url, password_env) as conn:
        current = version(conn)
    at = "not migrated" if current is None else f"schema version {current}"
    line = f"{redacted(url)}: {at}; this streamer needs {latest()}"
    if current != latest():
        line += " (run 'streamer db migrate')" if (current or 0) < latest() else " (upgrade)"
    make_console().print(line, markup=False, highlight=False, soft_wrap=True)
