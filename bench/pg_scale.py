"""PostgreSQL rows: cycle writes and the half-year summary beside TinyDB, and 1, 2 and 3
collectors sharing one database on a 1,000-live-stream world.

The server is ``STREAMER_TEST_PG_URL`` when set, else a throwaway cluster started here
with ``scripts/pgcluster.py`` (fsync off: it measures the work, not the disk); without
the server binaries the rows are skipped, and the reason printed.

- **Cycle write**: ``bench.store_scale``'s 500-snapshot cycle (500 live streams'
  snapshots, stream records and rollups in one ``commit_cycle``) on the same
  ``bench.generate`` history at 1 and 365 days, in TinyDB and in PostgreSQL (the folder
  copied in with ``streamer store copy``), runs interleaved.
- **Half-year summary**: what ``streamer report summary --period 2025-H1`` reads and
  builds, from a fresh store each run (connecting included), on both backends, runs
  interleaved: over ``bench.reports_scale``'s 110 days (1.1 M snapshots in the
  half-year, the history of the TinyDB target's row: the PostgreSQL target is judged
  there), and over the 365-day store (1.8 M snapshots, printed). Beside each, the same
  summary through the digests of closed months (``reports.digest``) that an untimed
  first run kept (for PostgreSQL in a folder of their own), interleaved with the rest.
- **Half-year lists** on PostgreSQL: ``report broadcasts`` and ``report adherence`` as
  built in-process (not drawn: drawing is the same on either backend), every record
  read and through the digests, interleaved.

Each database is vacuumed and analysed after its copy, untimed (``_settle``): a freshly
copied table is what autovacuum comes for next, and on two cores its run would be timed
with the cycles and reports that follow (a 365-day copy's cycle rows ran 1.2–1.6× slower).
- **Collectors**: 1, 2, then 3 collector processes (``tests/helpers/pg_collector.py``) on
  one ``ScaledClock`` against the simulator's ``many_live`` world of 1,000 live YouTube
  streams, each its own broadcast. After a warm-up (the first discovery, the first
  polls), ``TICKS`` poll intervals are counted from the database: polls per live stream
  per interval (1.0 when none is lost, and none doubled), the wall time of a tick (the
  slowest collector's cycle), and quota units per snapshot.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench import generate, reports_scale
from bench.reports_scale import _config, _period, _summary
from bench.rows import row as _row
from bench.rows import show
from bench.store_scale import StreamerCycles, cycle
from reports.builders import build
from reports.dataset import Dataset
from reports.digest import digested_dataset
from streamer.clock import ScaledClock, monotonic
from streamer.pgcopy import copy_folder
from streamer.pgstore import PgStore
from streamer.store import DayStore
from streamer.tinystore import TinyStore

ROOT = Path(__file__).resolve().parent.parent
COLLECTOR = ROOT / "tests" / "helpers" / "pg_collector.py"
RUNS = 7
DAYS = (1, 365)
LIVE = 1_000
TICKS = 5  # measured intervals per collector count
WARMUP = 2  # intervals before them: discovery and first polls
SPEED = 10.0  # a 60 s interval is 6 s of wall time
T0 = datetime(2026, 3, 3, 6, 0, tzinfo=UTC)
TICK = timedelta(seconds=60)


def run() -> list[dict[str, Any]]:
    """Every PostgreSQL row, or none (with the reason printed) without a server."""
    with _server() as url:
        if url is None:
            return []
        with tempfile.TemporaryDirectory(prefix="streamer-bench-") as tmp:
            return [*_stores(Path(tmp), url), *_collectors(Path(tmp), url)]


@contextmanager
def _server() -> Iterator[str | None]:
    """The test server's URL (``STREAMER_TEST_PG_URL``), else a throwaway cluster's, else
    ``None`` without PostgreSQL's server binaries."""
    url = os.environ.get("STREAMER_TEST_PG_URL")
    if url:
        yield url
        return
    sys.path.insert(0, str(ROOT / "tests"))
    from helpers.pg import pgcluster, private_cluster  # the suite's own harness

    if not pgcluster.available():
        print(f"PostgreSQL rows skipped: no server binaries in {pgcluster.PG_BIN}")
        yield None
        return
    with private_cluster() as (_folder, cluster_url):
        yield cluster_url


def _database(url: str) -> AbstractContextManager[str]:
    """A new database on the server (dropped afterwards): its URL."""
    sys.path.insert(0, str(ROOT / "tests"))
    from helpers.pg import pg_database

    return pg_database(url)


# -- cycle write and the half-year summary ------------------------------------------------
class PgCycles:
    """Times ``commit_cycle`` on PostgreSQL, each run a minute after the last."""

    def __init__(self, url: str, history: generate.History) -> None:
        self.store, self.history, self.runs = PgStore(url), history, 0

    def once(self) -> float:
        work = cycle(self.history, self.runs)
        self.runs += 1
        began = monotonic()
        self.store.commit_cycle(work)
        return monotonic() - began


def _report(
    store: DayStore, folder: Path, digests: Path | None = None, kind: str = "summary"
) -> float:
    """Seconds of one half-year report of ``kind`` (built, not drawn), every record read;
    through the digests kept in ``digests`` (``reports.digest``) when given."""
    config = _config(folder)
    period = _period(config)
    began = monotonic()
    if digests is None:
        data = Dataset.from_store(store, config, period, kind=kind)
    else:
        data = digested_dataset(store, config, period, kind=kind, folder=digests)
    if kind == "summary":
        _summary(data, config)
    else:
        build(kind, data, period, config.tz, programmes=list(config.programmes))
    return monotonic() - began


def _stores(tmp: Path, url: str) -> list[dict[str, Any]]:
    rows, cycles = [], {}
    with ExitStack() as stack:
        for days in DAYS:
            folder = tmp / f"days-{days}"
            history = generate.write_history(folder, days)
            target, copied = _copied(stack, url, folder)
            tiny, pg = StreamerCycles(folder, history), PgCycles(target, history)
            stack.callback(pg.store.close)
            cycles[days] = (tiny, pg, target, folder, history, copied)
            tiny.once(), pg.once()  # warm-up: main parsed, connections made
        times: dict[tuple[int, str], list[float]] = {}
        for _ in range(RUNS):  # interleaved, as in store_scale
            for days, (tiny, pg, *_rest) in cycles.items():
                times.setdefault((days, "tiny"), []).append(tiny.once())
                times.setdefault((days, "pg"), []).append(pg.once())
        med = {key: statistics.median(values) for key, values in times.items()}
        for days, (*_, history, copied) in cycles.items():
            rows += [
                _row(f"pg: store copy of {days} days ({history.snapshots:,} snapshots)",
                     copied, "s", "printed", True),
                _row(f"pg: cycle write (500 snapshots), {days} days of history",
                     med[days, "pg"], "s", "printed", True),
                _row(f"pg: TinyDB cycle write, {days} days of history", med[days, "tiny"], "s",
                     "printed", True),
                _row(f"pg: PostgreSQL / TinyDB cycle write, {days} days", med[days, "pg"]
                     / med[days, "tiny"], "x", "printed", True),
            ]  # fmt: skip
        rows.append(_row("pg: cycle write day 365 / day 1", med[365, "pg"] / med[1, "pg"], "x",
                         "<= 1.2", med[365, "pg"] / med[1, "pg"] <= 1.2))  # fmt: skip
        _, _, target, folder, _, _ = cycles[365]
        half = tmp / "half-year"
        generate.write_history(half, reports_scale.DAYS)
        half_target, _ = _copied(stack, url, half)
        stores = {reports_scale.DAYS: (half_target, half), 365: (target, folder)}
        rows += _summaries(stores)
        rows += _lists(stores)
    return rows


@dataclass(frozen=True)
class Variant:
    """One way to run a half-year report: its name in the medians, on which backend,
    through the digests in which subfolder of the history's folder (``None``: every
    record read), and the report's kind."""

    name: str
    postgres: bool
    digests: str | None
    kind: str = "summary"

    def once(self, target: str, folder: Path) -> float:
        """Seconds of one run from a fresh store (connecting included)."""
        digests = None if self.digests is None else folder / self.digests
        if not self.postgres:
            return _report(TinyStore(folder), folder, digests, self.kind)
        store = PgStore(target)
        try:
            return _report(store, folder, digests, self.kind)
        finally:
            store.close()


def _medians(
    stores: dict[int, tuple[str, Path]], variants: list[Variant]
) -> dict[tuple[int, str], float]:
    """Median seconds of each variant over each history (days → database URL and
    folder), runs interleaved; the digests kept first by an untimed run of each variant
    that reads them."""
    for target, folder in stores.values():
        for variant in variants:
            if variant.digests is not None:
                variant.once(target, folder)
    times: dict[tuple[int, str], list[float]] = {}
    for _ in range(RUNS):
        for days, (target, folder) in stores.items():
            for variant in variants:
                times.setdefault((days, variant.name), []).append(variant.once(target, folder))
    return {key: statistics.median(values) for key, values in times.items()}


def _lists(stores: dict[int, tuple[str, Path]]) -> list[dict[str, Any]]:
    """The half-year lists of broadcasts and of adherence on PostgreSQL, built in-process
    (a list's drawing is the same on either backend), every record read and through the
    digests kept by an untimed first run, interleaved."""
    kinds = ("broadcasts", "adherence")
    med = _medians(
        stores,
        [Variant(f"{kind}{suffix}", True, digests, kind)
         for kind in kinds for suffix, digests in (("", None), (" digests", "pg-digests"))],
    )  # fmt: skip
    rows = []
    for days in stores:
        for kind in kinds:
            full, kept = med[days, kind], med[days, f"{kind} digests"]
            rows += [
                _row(f"pg: half-year {kind} list on PostgreSQL, {days} days, every record "
                     "read (built, median)", full, "s", "printed", True),
                _row(f"pg: half-year {kind} list on PostgreSQL through digests, {days} days "
                     "(built, median)", kept, "s", "printed", True),
                _row(f"pg: {kind} list, with digests / every record read, {days} days",
                     kept / full, "x", "printed", True),
            ]  # fmt: skip
    return rows


def _summaries(stores: dict[int, tuple[str, Path]]) -> list[dict[str, Any]]:
    """The half-year summary on both backends over each history (days → database URL and
    folder), interleaved; the target is judged on the TinyDB target's history."""
    med = _medians(
        stores,
        [
            Variant("pg", True, None),
            Variant("pg digests", True, "pg-digests"),
            Variant("tiny", False, None),
            Variant("tiny digests", False, "digests"),
        ],
    )
    rows = []
    for days, (target, _folder) in stores.items():
        in_half = _half_year_snapshots(target)
        pg_report, tiny_report = med[days, "pg"], med[days, "tiny"]
        judged = days == reports_scale.DAYS  # the TinyDB target's history
        # The 365-day rows keep the names they had when the target was judged on them.
        names = _JUDGED_ROWS if judged else _EARLIER_ROWS
        rows += [
            _row(names[0].format(days=days), in_half, "snapshots", ">= 1,000,000",
                 in_half >= 1_000_000),
            _row(names[1].format(days=days), pg_report, "s", "< 0.5" if judged else "printed",
                 pg_report < 0.5 or not judged),
            _row(names[2].format(days=days), tiny_report, "s", "printed", True),
            _row(names[3].format(days=days), pg_report / tiny_report, "x", "printed", True),
        ]  # fmt: skip
        pg_kept, tiny_kept = med[days, "pg digests"], med[days, "tiny digests"]
        rows += [
            _row(_DIGEST_ROWS[0].format(days=days), pg_kept, "s",
                 "< 0.5" if judged else "printed", pg_kept < 0.5 or not judged),
            _row(_DIGEST_ROWS[1].format(days=days), pg_kept / pg_report, "x", "printed", True),
            _row(_DIGEST_ROWS[2].format(days=days), tiny_kept, "s", "printed", True),
            _row(_DIGEST_ROWS[3].format(days=days), tiny_kept / tiny_report, "x", "printed",
                 True),
        ]  # fmt: skip
    return rows


# The same summary with the digests of closed months kept by an earlier run.
_DIGEST_ROWS = (
    "pg: half-year summary on PostgreSQL through digests of closed months, {days} days"
    " of history (median)",
    "pg: PostgreSQL half-year summary, with digests / every record read, {days} days",
    "pg: half-year summary on TinyDB through digests of closed months, {days} days",
    "pg: TinyDB half-year summary, with digests / every record read, {days} days",
)


_JUDGED_ROWS = (
    "pg: half-year snapshots, {days} days of history (the TinyDB target's)",
    "pg: half-year summary on PostgreSQL, {days} days of history (median)",
    "pg: half-year summary on TinyDB, {days} days of history",
    "pg: PostgreSQL / TinyDB half-year summary, {days} days",
)
_EARLIER_ROWS = (
    "pg: half-year snapshots in the store",
    "pg: half-year summary on PostgreSQL (median, fresh store)",
    "pg: half-year summary on TinyDB, same history",
    "pg: PostgreSQL / TinyDB half-year summary",
)


def _copied(stack: ExitStack, url: str, folder: Path) -> tuple[str, float]:
    """A new database holding ``folder`` (``store copy``), settled; the copy's seconds."""
    target = stack.enter_context(_database(url))
    began = monotonic()
    copy_folder(folder, target, None, lambda _line: None)
    copied = monotonic() - began
    _settle(target)
    return target, copied


def _settle(url: str) -> None:
    """Vacuum and analyse a freshly copied database, as autovacuum would soon after: the
    rows after it time the store's work, not autovacuum's beside it."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")


def _half_year_snapshots(url: str) -> int:
    import psycopg

    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT count(*) FROM snapshots WHERE ts >= '2025-01-01' AND ts < '2025-07-01'"
        ).fetchone()
    return int(row[0]) if row else 0


# -- collectors sharing one database ------------------------------------------------------
def _config_text(endpoint: str, url: str) -> str:
    sys.path.insert(0, str(ROOT / "tests"))
    from helpers.configs import simulator_config

    from collectors.simulator.many import channel_id

    programmes = [(f"p{n}", f"P{n}", [("youtube", channel_id(n))]) for n in range(LIVE)]
    text = simulator_config(endpoint, programmes=programmes, timezone="UTC")
    extra = "request_timeout = 10\ndiscovery_interval = 86400\n"
    return text + f'\n[store]\nurl = "{url}"\n\n[collector]\n{extra}'


def _collectors(tmp: Path, url: str) -> list[dict[str, Any]]:
    rows = []
    for count in (1, 2, 3):
        with _database(url) as target:
            polls, doubled, tick_s, units = _shared_run(tmp / f"c{count}", target, count)
        rows += [
            _row(f"pg: {count} collector(s), polls per live stream per interval", polls, "polls",
                 "1.0", abs(polls - 1.0) < 1e-9),
            _row(f"pg: {count} collector(s), streams polled twice in an interval", doubled,
                 "polls", "0", doubled == 0),
            _row(f"pg: {count} collector(s), wall time per cycle (slowest, median)", tick_s, "s",
                 "printed", True),
            _row(f"pg: {count} collector(s), quota units per snapshot", units, "units",
                 "printed", True),
        ]  # fmt: skip
    return rows


def _shared_run(folder: Path, url: str, count: int) -> tuple[float, int, float, float]:
    from collectors.simulator import Simulator
    from collectors.simulator.many import many_live
    from streamer.pgschema import connect, migrate

    with connect(url, autocommit=True) as conn:
        migrate(conn)
    folder.mkdir(parents=True)
    wall = time.time() + 10
    until = T0 + (WARMUP + TICKS) * TICK
    sim = Simulator(many_live(T0, LIVE), ScaledClock(T0, wall, SPEED))
    with sim.serve() as endpoint:
        config = folder / "streamer.toml"
        config.write_text(_config_text(endpoint, url), encoding="utf-8")
        sys.path.insert(0, str(ROOT / "tests"))
        from helpers.configs import ENVIRON

        argv = [sys.executable, str(COLLECTOR), str(config), T0.isoformat(), str(wall),
                str(SPEED), until.isoformat()]  # fmt: skip
        env = {**os.environ, **ENVIRON}
        processes = [
            subprocess.Popen(argv, stdout=subprocess.PIPE, text=True, env=env) for _ in range(count)
        ]
        outs = [p.communicate(timeout=600)[0] for p in processes]
    acks = [json.loads(line) for out in outs for line in out.splitlines() if line[:1] == "{"]
    first = T0 + WARMUP * TICK
    measured = [a for a in acks if "polled" in a and first <= _bucket(a["at"]) < until]
    store = PgStore(url)
    try:
        counts = Counter((s.stream, _bucket(s.ts)) for s in store.snapshots(first, until))
    finally:
        store.close()
    polls = sum(counts.values()) / (LIVE * TICKS)
    doubled = sum(1 for n in counts.values() if n > 1)
    by_tick: dict[datetime, float] = {}
    for ack in measured:
        at = _bucket(ack["at"])
        by_tick[at] = max(by_tick.get(at, 0.0), ack["seconds"])
    tick_s = statistics.median(by_tick.values()) if by_tick else float("nan")
    units = sum(a["units"] for a in measured) / max(1, sum(counts.values()))
    return polls, doubled, tick_s, units


def _bucket(moment: datetime | str) -> datetime:
    from streamer.models import from_iso

    at = from_iso(moment) if isinstance(moment, str) else moment
    return T0 + (at - T0) // TICK * TICK


if __name__ == "__main__":
    show(run())
