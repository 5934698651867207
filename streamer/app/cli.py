"""The ``streamer`` console script: a Ctrl-C guard around the command line.

This module imports nothing heavy, so that Ctrl-C while the program is still
loading (a third of a second of imports) ends like Ctrl-C anywhere else: one line,
``streamer: interrupted``, and exit status 130 — never a traceback. The commands
themselves live in ``streamer.app.cli_root``; ``cli`` is reachable here too.
"""

from __future__ import annotations

import gc
import os
import signal
import sys

TYPE_CHECKING = False  # not typing's: importing typing alone is a slow start-up step
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

INTERRUPTED = 130  # 128 + SIGINT, as shells report a process stopped by Ctrl-C


def run(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return its exit status; user errors become one stderr line."""
    try:
        from streamer.app.cli_root import invoke

        return invoke(argv)
    except KeyboardInterrupt:
        return interrupted()


def interrupted() -> int:
    """Say ``interrupted`` on one line; the status to exit with."""
    print("streamer: interrupted", file=sys.stderr, flush=True)
    return INTERRUPTED


def main() -> None:
    """Console-script entry point."""
    status = run()
    # The outcome is decided: a Ctrl-C while the interpreter shuts down (joining a
    # worker thread, flushing) must not print a traceback from Python's exit code.
    signal.signal(signal.SIGINT, lambda signum, frame: os._exit(INTERRUPTED))
    # Nothing made so far is garbage to find: the interpreter's last collection need
    # not walk it (a report leaves ~100,000 objects; walking them cost 5 % of its time).
    # Objects are still freed and finalised as the interpreter shuts down.
    gc.freeze()
    sys.exit(status)


def __getattr__(name: str) -> Any:
    """``streamer.app.cli.cli``: the click group, loaded on first use."""
    if name == "cli":
        from streamer.app.cli_root import cli

        return cli
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
