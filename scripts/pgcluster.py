"""A throwaway PostgreSQL cluster for the tests (stdlib only).

    python scripts/pgcluster.py start DIR      initdb (if new) and start a server in DIR
    python scripts/pgcluster.py stop DIR       stop it (DIR is kept)
    python scripts/pgcluster.py url DIR        print its URL
    python scripts/pgcluster.py run -- CMD...  start one in a temp folder, run CMD with
                                               STREAMER_TEST_PG_URL set, stop it, remove
                                               the folder; exit with CMD's status

The server listens on a Unix socket in DIR only (``listen_addresses=''``), trusts
connections on it, and runs with ``fsync=off``: a test cluster lives for one run and
is thrown away, so durability across a power cut buys nothing and costs time. Never
use these settings for a real database.

``initdb`` refuses to run as root: as root, DIR is handed to the ``postgres`` user
and the server binaries run as that user (``runuser``); otherwise as yourself.
The binaries are PostgreSQL's (``PG_BIN``, default ``/usr/lib/postgresql/15/bin``).
"""

from __future__ import annotations

import argparse
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import quote

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
SERVER_USER = "postgres"  # who runs the server when we are root
PORT = 5432  # the socket's name only (.s.PGSQL.5432 in DIR): nothing listens on TCP
DATABASE = "postgres"


def available() -> bool:
    """Whether the server binaries are installed."""
    return all((PG_BIN / name).is_file() for name in ("initdb", "pg_ctl", "postgres"))


def _as_server(args: list[str]) -> list[str]:
    """``args`` run as the server's user: ``postgres`` when we are root, else ourselves."""
    if os.geteuid() == 0:
        return ["runuser", "-u", SERVER_USER, "--", *args]
    return args


def _user() -> str:
    """The database superuser initdb creates: the OS user that runs it."""
    return SERVER_USER if os.geteuid() == 0 else pwd.getpwuid(os.geteuid()).pw_name


def url(folder: Path) -> str:
    """The libpq URL of the cluster in ``folder`` (socket in the folder, no password)."""
    host = quote(str(folder.resolve()), safe="")
    return f"postgresql://{_user()}@{host}:{PORT}/{DATABASE}"


def _prepare(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        entry = pwd.getpwnam(SERVER_USER)
        os.chown(folder, entry.pw_uid, entry.pw_gid)
    folder.chmod(0o700)


def start(folder: Path, extra: str = "") -> str:
    """Create (if new) and start the cluster in ``folder``; return its URL. ``extra``:
    more server options (``-c ssl=on ...``), after the defaults."""
    folder = folder.resolve()
    data = folder / "data"
    if not (data / "PG_VERSION").exists():
        _prepare(folder)
        initdb = [str(PG_BIN / "initdb"), "-D", str(data), "-A", "trust", "-E", "UTF8"]
        _run(_as_server([*initdb, "--no-locale", "--no-sync"]))
    options = f"-c listen_addresses='' -k {folder} -p {PORT} -c fsync=off"
    options += " -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
    options += f" {extra}" if extra else ""
    log = folder / "server.log"
    ctl = [str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w"]
    _run(_as_server([*ctl, "start"]))
    return url(folder)


def stop(folder: Path) -> None:
    """Stop the cluster in ``folder`` (fast shutdown: open sessions are ended)."""
    data = folder.resolve() / "data"
    _run(_as_server([str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]))


def run(command: list[str]) -> int:
    """Run ``command`` with a fresh cluster's URL in ``STREAMER_TEST_PG_URL``; its status."""
    folder = Path(tempfile.mkdtemp(prefix="streamer-pg-"))
    try:
        env = {**os.environ, "STREAMER_TEST_PG_URL": start(folder)}
        try:
            return subprocess.call(command, env=env)
        finally:
            stop(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _run(args: list[str]) -> None:
    done = subprocess.run(args, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"pgcluster: {' '.join(args[:1] + args[-1:])} failed")


def main(argv: list[str] | None = None) -> int:
    """The command line (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="action", required=True)
    for name in ("start", "stop", "url"):
        sub.add_parser(name).add_argument("dir", type=Path)
    sub.add_parser("run").add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    if not available():
        print(f"pgcluster: no PostgreSQL server binaries in {PG_BIN}", file=sys.stderr)
        return 2
    if args.action == "start":
        print(start(args.dir))
    elif args.action == "stop":
        stop(args.dir)
    elif args.action == "url":
        print(url(args.dir))
    else:
        command = args.command[1:] if args.command[:1] == ["--"] else args.command
        if not command:
            parser.error("run needs a command after --")
        return run(command)
    return 0


if __name__ == "__main__":
    sys.exit(main())
