"""Other processes on a collector's data folder: a plan editor and a report reader.

    python store_clients.py edit FOLDER COUNT     add COUNT broadcasts, one change each
    python store_clients.py report FOLDER         run reports until FOLDER/stop exists

``edit`` prints one JSON ack per saved change. ``report`` runs ``streamer report summary``
and ``report broadcasts`` through the CLI in this process and prints one JSON line per
run: its exit status, the snapshot count it saw, and any error text.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from streamer.app.cli import run
from streamer.models import Broadcast, Target
from streamer.tinystore import TinyStore

FAR = (datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))


def edit(folder: Path, count: int) -> None:
    """Add ``count`` broadcasts on a channel of their own, one ``change_plan`` each."""
    store = TinyStore(folder / "data")
    base = datetime(2026, 3, 20, 9, 0, tzinfo=UTC)
    for n in range(count):
        item = Broadcast(f"e{n:07d}", "adal-komek", f"edit {n}", base + timedelta(hours=n), 30,
                         (Target("youtube", "UCeditorOnly000000000000"),))  # fmt: skip
        store.change_plan(lambda _plan, item=item: [item])
        print(json.dumps({"id": item.id}), flush=True)


def report(folder: Path) -> None:
    """Reports, again and again, while the collector writes."""
    config = str(folder / "streamer.toml")
    store = TinyStore(folder / "data")
    while not (folder / "stop").exists():
        for kind in ("summary", "broadcasts"):
            out, err = io.StringIO(), io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                status = run(["--config", config, "report", kind, "--period", "2026-03",
                              "--format", "json"])  # fmt: skip
            if status == 0:
                json.loads(out.getvalue())  # a torn read would not parse
            seen = len(store.snapshots(*FAR))
            line = {"kind": kind, "status": status, "snapshots": seen, "error": err.getvalue()}
            print(json.dumps(line), flush=True)


if __name__ == "__main__":
    mode, where = sys.argv[1], Path(sys.argv[2])
    edit(where, int(sys.argv[3])) if mode == "edit" else report(where)
