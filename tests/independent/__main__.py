"""Compare a data folder's reports with the recomputation, figure by figure.

    python -m tests.independent CONFIG FROM TO [--legacy]

``FROM``/``TO`` are local dates (both included). ``--legacy`` applies main's
definitions before issue #13 (ends as stored, one entry per unplanned stream), to tell
an arithmetic difference from a change of definition. The reports are made by running
the ``streamer`` command, never by importing it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import date, datetime, time, timedelta
from pathlib import Path

from tests.independent import expected
from tests.independent.entries import World
from tests.independent.figures import Rules
from tests.independent.raw import read_folder
from tests.independent.summary import by_programme, totals


def main(argv: list[str]) -> int:
    """Print every difference; exit 1 when there is one."""
    config, first, last = Path(argv[0]), date.fromisoformat(argv[1]), date.fromisoformat(argv[2])
    folder = read_folder(config)
    tz = folder.settings.tz
    # The status of a planned broadcast depends on "now": long after the period.
    world = World(folder, datetime.combine(last + timedelta(days=30), time(0), tzinfo=tz),
                  Rules(legacy="--legacy" in argv))  # fmt: skip
    command = shutil.which("streamer") or "streamer"

    def report(kind: str) -> list[dict[str, object]]:
        args = [command, "--config", str(config), "report", kind, "--from", str(first)]
        args += ["--to", str(last), "--format", "json"]
        out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
        rows: list[dict[str, object]] = json.loads(out)["rows"]
        return rows

    entries = world.entries(first, last)
    found = 0
    for kind, make in (
        ("broadcasts", expected.broadcast_row),
        ("adherence", expected.adherence_row),
    ):
        got = expected.by_key(report(kind))
        want = expected.by_key([make(e, tz) for e in entries])
        found += _print(kind, got, want)
    current = by_programme(entries, list(folder.settings.programmes))
    blank = expected.unrecorded(folder.meta, first, last, tz)
    want_rows = {
        k: expected.summary_row(k, t, totals([]), unrecorded=blank) for k, t in current.items()
    }
    found += _print("summary", {str(r["programme"]): r for r in report("summary")}, want_rows)
    print(f"{found} differences")
    return 1 if found else 0


def _print(kind: str, got: dict, want: dict) -> int:
    lines = [f"{kind}: only in the report: {k}" for k in got if k not in want]
    lines += [f"{kind}: not in the report: {k}" for k in want if k not in got]
    for key in [k for k in want if k in got]:
        for column, value in want[key].items():
            if column not in got[key]:
                lines.append(f"{kind} {key}: no column {column}")
            elif got[key][column] != value:
                lines.append(f"{kind} {key} {column}: report {got[key][column]!r}, mine {value!r}")
    for line in lines:
        print(line)
    return len(lines)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
