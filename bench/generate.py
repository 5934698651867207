"""Seeded synthetic history for the benchmarks: realistic sizes and field values.

A "national roll-out" day: ``BROADCASTS_PER_DAY`` planned broadcasts, three in seven
simulcast on Facebook besides YouTube, so about 100 streams a day of about 100 polls
each (a few upcoming polls, a 95-minute live run at one a minute, final polls) —
10,000 snapshots a day, 3.65 million a year. Viewer counts follow a random walk
around a log-normal audience; views, likes and comments only grow.

``write_history`` writes a data folder in the store's documented layout (day
partitions, month archives, ``streamer.json``) straight from dicts, not through
``commit_cycle``: building a year through 525,600 cycles would take hours, and
what is measured later is the store working on that folder, not how it was made.
Every day is generated from ``Random(seed, day)``, so a day's content does not
depend on how many days are written.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

from streamer import rollup
from streamer.history import RECORDED_SINCE
from streamer.models import (
    Broadcast,
    BroadcastStatus,
    Channel,
    Programme,
    Snapshot,
    Stream,
    StreamStatus,
    Target,
)
from streamer.simulcast import broadcast_key
from streamer.tinyfiles import stamp
from streamer.tinyplan import MonthIndex, index_rel

SEED = 20_261_124
FIRST_DAY = date(2025, 1, 1)
BROADCASTS_PER_DAY = 70
POLLS_PER_STREAM = 100  # 3 upcoming + 95 live + 2 final polls
LIVE_INTERVAL = 60
PROGRAMMES = 17  # one per region of the roll-out
WORKING_LIVE = 500  # live streams polled in the benchmarked cycle
WORKING_ENDED = 700  # ended streams awaiting their final polls (+7 days)
PLAN_HORIZON = timedelta(days=8)  # finished broadcasts stay in main this long (tinystore)

Doc = dict[str, Any]


@dataclass
class History:
    """What ``write_history`` wrote: counts, the working set, and the day it ends on."""

    days: int
    today: date
    snapshots: int = 0
    streams: int = 0
    broadcasts: int = 0
    live: list[Stream] = field(default_factory=list)


def programmes() -> dict[str, Programme]:
    """The configured programmes: one per region, on YouTube and Facebook."""
    found = {}
    for n in range(PROGRAMMES):
        slug = f"region-{n:02d}"
        channels = (Channel("youtube", _yt_channel(n)), Channel("facebook", f"10{n:013d}"))
        found[slug] = Programme(slug=slug, name=f"Region {n:02d} Live", channels=channels)
    return found


def _yt_channel(n: int) -> str:
    return f"UCregion{n:02d}" + "x" * 14


def day_start(day: date) -> datetime:
    """Midnight UTC of ``day``."""
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def day_streams(day: date, seed: int = SEED) -> Iterator[tuple[Broadcast, list[Stream]]]:
    """The day's broadcasts with their (finished) streams, in a seeded order."""
    rng = random.Random(f"{seed}/{day.isoformat()}/plan")
    for n in range(BROADCASTS_PER_DAY):
        region = rng.randrange(PROGRAMMES)
        minute = rng.randrange(0, 1440 - POLLS_PER_STREAM)
        start = day_start(day) + timedelta(minutes=minute + 3)
        bid = f"b{day:%Y%m%d}{n:03d}"
        simulcast = n % 7 < 3
        targets = [Target("youtube", _yt_channel(region))]
        if simulcast:
            targets.append(Target("facebook", f"10{region:013d}"))
        item = Broadcast(
            id=bid,
            programme=f"region-{region:02d}",
            title=f"Приём граждан: {rng.choice(_TOPICS)} №{n}",
            start=start,
            duration_min=90,
            targets=tuple(targets),
            topic=rng.choice(_TOPICS),
            speakers=(f"Speaker {rng.randrange(400)}",),
            district=f"District {rng.randrange(180)}",
            status=BroadcastStatus.HELD,
        )
        streams = [_finished(item, t, rng) for t in targets]
        yield item, streams


_TOPICS = ("procurement", "housing", "roads", "schools", "clinics", "permits", "tariffs")


def _finished(item: Broadcast, target: Target, rng: random.Random) -> Stream:
    late = timedelta(minutes=rng.randrange(-2, 8))
    ext = _external_id(target.platform, rng)
    return Stream(
        platform=target.platform,
        external_id=ext,
        channel=target.channel,
        broadcast_id=item.id,
        title=item.title,
        status=StreamStatus.ENDED,
        scheduled_start=item.start,
        actual_start=item.start + late,
        actual_end=item.start + late + timedelta(minutes=95),
        discovered_at=item.start - timedelta(hours=2),
        final_polls=4,
        done=True,
    )


def _external_id(platform: str, rng: random.Random) -> str:
    if platform == "youtube":
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
        return "".join(rng.choice(alphabet) for _ in range(11))
    return str(rng.randrange(10**15, 10**16))


def series(stream: Stream, rng: random.Random) -> list[Doc]:
    """The stream's snapshots as stored documents: upcoming, a live run, final polls."""
    assert stream.actual_start is not None
    audience = max(5, int(rng.lognormvariate(5.0, 1.1)))
    viewers, views, likes, comments = audience // 3, audience, 0, 0
    first = int(stream.actual_start.timestamp()) // 60 - 3
    docs = []
    for i in range(POLLS_PER_STREAM):
        status = "upcoming" if i < 3 else "live" if i < POLLS_PER_STREAM - 2 else "ended"
        live = status == "live"
        if live:
            # Plain random() arithmetic: randrange per field made a year take a minute.
            viewers = max(0, viewers + int(rng.gauss(audience / 40, audience / 15)))
            views += int(rng.random() * (audience // 10 + 2))
            likes += int(rng.random() * 3)
            comments += rng.random() < 0.4
        docs.append({
            "stream": stream.key, "ts": _minute_iso(first + i), "status": status,
            "concurrent_viewers": viewers if live else None,
            "views": views, "likes": likes, "comments": comments,
        })  # fmt: skip
    return docs


_CLOCK = [f"T{h:02d}:{m:02d}:00Z" for h in range(24) for m in range(60)]


def _minute_iso(epoch_minute: int) -> str:
    """``to_iso`` of a whole UTC minute, without strftime (the generator's hot spot)."""
    day, minute = divmod(epoch_minute, 1440)
    return _day_prefix(day) + _CLOCK[minute]


@functools.cache
def _day_prefix(epoch_day: int) -> str:
    return (date(1970, 1, 1) + timedelta(days=epoch_day)).isoformat()


def rollup_of(stream: Stream, docs: list[Doc]) -> Doc:
    """The stream's rollup, folded by the real ``streamer.rollup`` from its snapshots."""
    return rollup.fold(
        rollup.empty(stream.key, LIVE_INTERVAL), (Snapshot.from_dict(d) for d in docs)
    ).to_doc()


def write_history(data_dir: Path, days: int, *, seed: int = SEED, exact: bool = False) -> History:
    """A data folder holding ``days`` days of finished history and a steady working set.

    History days end the day before ``today``; ``today``'s partition already holds all
    but the last 500 of its snapshots, and main holds the working set (500 live
    streams, 700 ended ones awaiting final polls, their rollups), the current plan (the
    last ``PLAN_HORIZON`` days, today's, 30 days ahead) and a quota ledger row per day;
    older broadcasts are in the month archives, where the store moves them. With
    ``exact`` the rollups are folded by ``streamer.rollup`` (slow); else approximated.
    """
    today = FIRST_DAY + timedelta(days=days)
    history = History(days=days, today=today)
    months: dict[str, dict[str, list[Doc]]] = {}
    main: dict[str, list[Doc]] = {"broadcasts": [], "rollups": []}
    for offset in range(days):
        day = FIRST_DAY + timedelta(days=offset)
        old = day < today - PLAN_HORIZON + timedelta(days=1)  # as the store would have moved
        tables = months.setdefault(f"{day:%Y-%m}", {"streams": [], "rollups": [], "broadcasts": []})
        history.snapshots += _write_day(data_dir, day, seed, tables, main, old, exact, history)
        if offset < days - PLAN_HORIZON.days:  # the store moves older ledger rows too
            tables.setdefault("quota", []).append(_quota_row(day))
    for month, tables in months.items():
        _dump(data_dir / "archive" / f"{month}.json", tables, plan_index=True)
    history.snapshots += _today(data_dir, today, seed, history)
    main["broadcasts"] += [b.to_dict() for b in upcoming_plan(today, seed)]
    history.broadcasts = len(main["broadcasts"]) + sum(
        len(t["broadcasts"]) for t in months.values()
    )
    _dump(data_dir / "streamer.json", _main(history, main, seed))
    return history


def _write_day(
    data_dir: Path,
    day: date,
    seed: int,
    month: dict[str, list[Doc]],
    main: dict[str, list[Doc]],
    old: bool,
    exact: bool,
    history: History,
) -> int:
    """Write one finished day's partition; its streams go to ``month``, its plan to
    ``month`` when ``old`` (else to ``main``). Returns the number of snapshots."""
    rng = random.Random(f"{seed}/{day.isoformat()}/polls")
    snapshots: list[Doc] = []
    plan = month if old else main
    for item, members in day_streams(day, seed):
        plan["broadcasts"].append(item.to_dict())
        for stream in members:
            docs = series(stream, rng)
            snapshots += docs
            month["streams"].append(stream.to_dict())
            value = rollup_of(stream, docs) if exact else _approx_rollup(stream, docs)
            month["rollups"].append({"key": stream.key, "value": value})
            history.streams += 1
        if len(members) > 1:
            combined = _approx_rollup(members[0], [])
            combined["stream"] = broadcast_key(item.id)
            plan["rollups"].append({"key": broadcast_key(item.id), "value": combined})
    _dump(data_dir / "snapshots" / f"{day.isoformat()}.json", {"snapshots": snapshots, "gaps": []})
    return len(snapshots)


def _approx_rollup(stream: Stream, docs: list[Doc]) -> Doc:
    """A rollup with the fields and magnitudes of a real one, computed in one pass."""
    value = rollup.empty(stream.key, LIVE_INTERVAL).to_doc()
    live = [d for d in docs if d["status"] == "live"]
    peak = max(live, key=lambda d: d["concurrent_viewers"], default=None)
    last = docs[-1] if docs else None
    value.update(
        samples=len(docs),
        live_samples=len(live),
        peak_concurrent=peak["concurrent_viewers"] if peak else None,
        peak_at=peak["ts"] if peak else None,
        viewer_minutes=float(sum(d["concurrent_viewers"] for d in live)),
        covered_minutes=float(max(0, len(live) - 1)),
        first_live_at=live[0]["ts"] if live else None,
        last_sample_at=last["ts"] if last else None,
        last_status=last["status"] if last else None,
        views=last["views"] if last else None,
        likes=last["likes"] if last else None,
        comments=last["comments"] if last else None,
    )
    return value


def _today(data_dir: Path, today: date, seed: int, history: History) -> int:
    """Today's partition, all but its last 500 snapshots, and the 500 live streams."""
    rng = random.Random(f"{seed}/{today.isoformat()}/live")
    history.live = [live_stream(today, n, rng) for n in range(WORKING_LIVE)]
    docs = []
    earlier = (10_000 - WORKING_LIVE) // POLLS_PER_STREAM
    for stream in history.live[:earlier]:
        docs += series(stream, rng)[: POLLS_PER_STREAM - 1]
    docs += [
        d for s in history.live[earlier:] for d in series(s, rng)[:1]
    ]  # every live stream has been seen at least once
    docs = docs[: 10_000 - WORKING_LIVE]
    _dump(data_dir / "snapshots" / f"{today.isoformat()}.json", {"snapshots": docs, "gaps": []})
    return len(docs)


def live_stream(today: date, n: int, rng: random.Random) -> Stream:
    """One of the working set's live streams, started this morning."""
    start = day_start(today) + timedelta(hours=6, minutes=n % 120)
    region = n % PROGRAMMES
    return Stream(
        platform="youtube",
        external_id=_external_id("youtube", rng),
        channel=_yt_channel(region),
        broadcast_id=f"b{today:%Y%m%d}{n:03d}",
        title=f"Live {n}",
        status=StreamStatus.LIVE,
        scheduled_start=start,
        actual_start=start,
        actual_end=start + timedelta(minutes=95),  # the series() helper needs an end
        discovered_at=start - timedelta(hours=2),
        next_poll_at=day_start(today) + timedelta(hours=23),
        last_polled_at=day_start(today) + timedelta(hours=22, minutes=59),
    )


def upcoming_plan(today: date, seed: int = SEED) -> list[Broadcast]:
    """Thirty days of planned broadcasts from ``today`` on."""
    plan = []
    for offset in range(30):
        for item, _ in day_streams(today + timedelta(days=offset), seed):
            plan.append(replace(item, status=BroadcastStatus.PLANNED))
    return plan


def _main(history: History, main: dict[str, list[Doc]], seed: int) -> dict[str, list[Doc]]:
    rng = random.Random(f"{seed}/main")
    streams = [s.to_dict() for s in history.live]
    rollups = main["rollups"] + [
        {"key": s.key, "value": _approx_rollup(s, series(s, rng)[:60])} for s in history.live
    ]
    for n in range(WORKING_ENDED):
        item = next(iter(day_streams(history.today - timedelta(days=1 + n % 7), seed)))[0]
        ended = _finished(item, item.targets[0], rng)
        ended = replace(
            ended,
            done=False,
            final_polls=1 + n % 3,
            next_poll_at=day_start(history.today) + timedelta(days=2),
        )
        streams.append(ended.to_dict())
        rollups.append({"key": ended.key, "value": _approx_rollup(ended, series(ended, rng))})
    # The last PLAN_HORIZON days' ledger rows; older ones are in the month archives.
    first = max(0, history.days - PLAN_HORIZON.days)
    quota = [_quota_row(FIRST_DAY + timedelta(days=d)) for d in range(first, history.days + 1)]
    # What the collector that wrote this history stored with its first write
    # (``streamer.history``); without it the first cycle would search the whole archive
    # for the earliest record, as on a store an older release filled.
    since = {"name": RECORDED_SINCE, "value": f"{FIRST_DAY.isoformat()}T00:00:00Z"}
    tables = {"streams": streams, "rollups": rollups, "quota": quota, "meta": [since]}
    return {"broadcasts": main["broadcasts"], **tables}


def _quota_row(day: date) -> Doc:
    """The day's YouTube quota ledger row (2,880 units: a busy day's polls)."""
    key = "YOUTUBE_API_KEY"
    return {"id": f"{day}/{key}", "key": key, "day": day.isoformat(), "units": 2_880}


def _dump(path: Path, tables: dict[str, list[Doc]], *, plan_index: bool = False) -> None:
    """Write ``tables`` in TinyDB's file format: ``{table: {"1": doc, ...}}``; with
    ``plan_index`` (a month archive), its plan index beside it, as the store writes
    one whenever it rewrites an archive (``streamer.tinyplan``)."""
    root = path.parent.parent if path.parent.name in ("snapshots", "archive") else path.parent
    for folder in ("snapshots", "archive", "locks"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    data = {name: {str(i): doc for i, doc in enumerate(docs, 1)} for name, docs in tables.items()}
    path.write_bytes(orjson.dumps(data))
    if plan_index:
        source = stamp(path)
        assert source is not None
        index = MonthIndex.of(data).to_doc(source)
        (root / "archive" / index_rel(path.name)).write_bytes(orjson.dumps(index))
