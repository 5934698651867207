"""The long versions of the reliability promises; prints their tables.

    .venv/bin/python tests/soak_reliability.py [faults|crash]...   (default: both)

faults: 30 simulated days on four platforms, 5 % of requests failing (429, 500, 503,
        timeouts, malformed and truncated bodies), Facebook down for a whole day, one
        YouTube quota exhaustion; every cycle checked; prints the fault table.
crash:  a collector process killed with SIGKILL at 50 random moments over a simulated
        week and restarted each time; every kill checked; prints the crash table.
Exits 1 if a check fails. Takes a few minutes.
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import datetime, timedelta
from datetime import time as clock_time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from helpers.crashing import FAR, crash_run
from helpers.reliability import MONDAY, TZ, FaultPlan, Ledger, world

from streamer.tinystore import TinyStore

DAYS = 30
KILLS = 50


def soak_faults(folder: Path) -> bool:
    """30 days with faults; True when every due poll was a snapshot or a gap."""
    begin = datetime.combine(MONDAY - timedelta(days=1), clock_time(0), tzinfo=TZ)
    faults = FaultPlan(
        rate=0.05, down="facebook", delay=0.1, down_for=timedelta(days=1),
        down_from=datetime.combine(MONDAY + timedelta(days=8), clock_time(0), tzinfo=TZ),
        quota_at=datetime.combine(MONDAY + timedelta(days=15), clock_time(11, 30), tzinfo=TZ),
    )  # fmt: skip
    started = time.monotonic()
    with world(folder, weeks=5, start=begin, faults=faults, timeout=0.05) as w:
        ledger = Ledger()
        ledger.watch(w)
        cycles = w.play(begin + timedelta(days=DAYS), ledger)
        gaps = w.store.gaps(*FAR)
    print(f"\nFAULTS: {DAYS} simulated days, {cycles} cycles, the daemon never stopped, "
          f"{time.monotonic() - started:.0f} s")  # fmt: skip
    print(ledger.table())
    reasons: dict[str, int] = {}
    for gap in gaps:
        reasons[gap.reason] = reasons.get(gap.reason, 0) + 1
    print("gaps by reason: " + ", ".join(f"{k}={v}" for k, v in sorted(reasons.items())))
    for problem in ledger.problems[:20]:
        print("PROBLEM", problem)
    return not ledger.problems


def soak_crash(folder: Path) -> bool:
    """50 SIGKILLs over a simulated week; True when every check after every kill held."""
    begin = datetime.combine(MONDAY, clock_time(8, 0), tzinfo=TZ)
    until = datetime.combine(MONDAY + timedelta(days=6), clock_time(0), tzinfo=TZ)
    started = time.monotonic()
    try:
        log = crash_run(folder, KILLS, begin, until, seed=50, max_delay=0.4)
    except AssertionError as exc:
        print(f"\nCRASH: a check failed: {exc}")
        return False
    store = TinyStore(folder / "data")
    snapshots = store.snapshots(*FAR)
    print(f"\nCRASH: {time.monotonic() - started:.0f} s")
    rows = [
        ("SIGKILLs (each followed by a restart)", log.kills),
        ("  of which hit a running collector", log.killed_mid_run),
        ("acknowledged cycles", len(log.acks)),
        ("acknowledged snapshots", sum(len(a["snapshots"]) for a in log.acks)),
        ("snapshots in the store", len(snapshots)),
        ("duplicated snapshots", len(snapshots) - len({(s.stream, s.ts) for s in snapshots})),
        ("acknowledged snapshots missing", 0),  # crash_run asserts this after every kill
        ("streams known", len(store.streams(include_archive=True))),
        ("files that failed to load", 0),  # likewise asserted after every kill
    ]
    for label, value in rows:
        print(f"{label:<40}{value:>8}")
    return log.kills == KILLS


def main(argv: list[str]) -> int:
    chosen = argv or ["faults", "crash"]
    results = {}
    with tempfile.TemporaryDirectory(prefix="streamer-soak-") as tmp:
        for name in chosen:
            folder = Path(tmp) / name
            folder.mkdir()
            results[name] = {"faults": soak_faults, "crash": soak_crash}[name](folder)
    print("\n" + ", ".join(f"{k}: {'ok' if v else 'FAILED'}" for k, v in results.items()))
    return 0 if all(results.values()) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
