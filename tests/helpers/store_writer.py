"""A child process that writes to a TinyStore, for the crash and concurrency tests.

    python store_writer.py DATA_DIR crash PREFIX        write until killed, one JSON ack per write
    python store_writer.py DATA_DIR crash-nofsync PREFIX   the same with ``fsync=False``
    python store_writer.py DATA_DIR crash-fold PREFIX   the same, folding month tails often
    python store_writer.py DATA_DIR plan PREFIX COUNT   add COUNT broadcasts, one change_plan each
    python store_writer.py DATA_DIR cycles PREFIX COUNT commit COUNT cycles of 10 snapshots

``plan`` and ``cycles`` print ``ready`` and wait for ``DATA_DIR/go`` so that two children
start writing at the same moment. An ack is printed only after the write returned.
"""

from __future__ import annotations

import itertools
import json
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from streamer.models import Broadcast, Gap, Snapshot, Stream, StreamStatus, Target, to_iso
from streamer.rollups import Rollup
from streamer.store import CycleWrite, PlanChange
from streamer.tinystore import TinyStore
from streamer.tinytail import FOLD_BYTES

# Late in a UTC day, so that a run of snapshots crosses midnight into a second partition.
BASE = datetime(2024, 5, 1, 23, 50, tzinfo=UTC)
QUOTA_DAY = "2024-05-01"


def snapshots(stream: str, first_minute: int, count: int = 10) -> list[Snapshot]:
    """``count`` snapshots of ``stream``, one a minute from ``BASE + first_minute``."""
    return [
        Snapshot(stream, BASE + timedelta(minutes=first_minute + n), StreamStatus.LIVE, n, n * 10)
        for n in range(count)
    ]


def broadcast(broadcast_id: str) -> Broadcast:
    """A minimal planned broadcast."""
    return Broadcast(broadcast_id, "antikor", broadcast_id, BASE, 60, (Target("youtube", "c1"),))


def adding(item: Broadcast) -> PlanChange:
    """A plan change that adds (or replaces) one broadcast."""
    return lambda _plan: [item]


def cycle(prefix: str, i: int) -> tuple[CycleWrite, dict[str, object]]:
    """The i-th cycle of a crash run and the acknowledgement describing it.

    It starts stream i and finishes stream i - 1, which moves to the archive: the
    working set grows and shrinks, as it does in production.
    """
    start = BASE + timedelta(days=i % 40)  # spreads the archive over two months
    live = Stream("youtube", f"{prefix}-{i}", "c1", actual_start=start)
    finished = [Stream("youtube", f"{prefix}-{i - 1}", "c1", actual_start=start, done=True)]
    finished = finished if i else []
    snaps = snapshots(live.key, i % 20)
    write = CycleWrite(
        snapshots=snaps,
        gaps=[Gap(live.key, snaps[0].ts, "timeout")],
        streams=[live, *finished],
        rollups={live.key: Rollup(live.key, 60, peak_concurrent=i)},
        quota={(QUOTA_DAY, "crash"): 1},
    )
    ack: dict[str, object] = {
        "kind": "cycle",
        "stream": live.key,
        "finished": [s.key for s in finished],
        "snapshots": [to_iso(s.ts) for s in snaps],
    }
    return write, ack


def crash(store: TinyStore, prefix: str) -> None:
    """Alternate cycles and plan changes until killed, acknowledging each."""
    for i in itertools.count():
        write, ack = cycle(prefix, i)
        store.commit_cycle(write)
        print(json.dumps(ack), flush=True)
        b = broadcast(f"{prefix}-{i}")
        store.change_plan(adding(b))
        print(json.dumps({"kind": "plan", "id": b.id}), flush=True)


def wait_for_go(data_dir: Path) -> None:
    """Say ready, then wait for the parent's go file."""
    print("ready", flush=True)
    while not (data_dir / "go").exists():
        time.sleep(0.005)


def plan(store: TinyStore, prefix: str, count: int) -> None:
    """Add ``count`` broadcasts, one change_plan call each."""
    for n in range(count):
        b = broadcast(f"{prefix}-{n}")
        store.change_plan(adding(b))


def cycles(store: TinyStore, prefix: str, count: int) -> None:
    """Commit ``count`` cycles: 10 snapshots, a stream update and one quota unit each."""
    for n in range(count):
        stream = Stream("youtube", prefix, "c1", final_polls=n)
        store.commit_cycle(
            CycleWrite(
                snapshots=snapshots(stream.key, n * 10),
                streams=[stream],
                quota={(QUOTA_DAY, prefix): 1},
            )
        )


def main(argv: list[str]) -> None:
    data_dir, mode, prefix = Path(argv[0]), argv[1], argv[2]
    # A fold every two or three finished streams: kills land inside folds too.
    fold_bytes = 1_000 if mode == "crash-fold" else FOLD_BYTES
    store = TinyStore(data_dir, fsync=mode != "crash-nofsync", fold_bytes=fold_bytes)
    if mode in ("crash", "crash-nofsync", "crash-fold"):
        crash(store, prefix)
        return
    wait_for_go(data_dir)
    (plan if mode == "plan" else cycles)(store, prefix, int(argv[3]))
    print("done", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
