"""The data folder as stored: plan, streams, rollups, snapshots and gaps, as plain dicts.

The files are TinyDB databases (``{table: {doc_id: document}}``) written by orjson:

- ``streamer.json``: the working plan (``broadcasts``), streams and rollups;
- ``archive/YYYY-MM.json``: the same tables for what is finished (main's copy wins);
- ``archive/YYYY-MM.tail.jsonl``: later moves to that month, one JSON object of
  ``{table: [documents]}`` per line, applied after the archive in order (a last line
  without its newline was cut off and is not data);
- ``snapshots/YYYY-MM-DD.json``: ``snapshots`` and ``gaps`` of one UTC day;
- ``snapshots/YYYY-MM-DD.tail.jsonl``: that day's later snapshots and gaps, lines as an
  archive's tail has; a snapshot is one per (stream, ts), a gap one per (stream, ts,
  reason), whichever file holds it, or both.

Times are ISO 8601 strings in UTC with a ``Z``, to the second.
"""

from __future__ import annotations

import json
import tomllib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

Doc = dict[str, Any]


def when(text: str | None) -> datetime | None:
    """A stored time as an aware UTC datetime (``None`` stays ``None``)."""
    if text is None:
        return None
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


@dataclass
class Settings:
    """What the definitions need from ``streamer.toml`` (defaults: docs/configuration.md)."""

    tz: ZoneInfo
    live_interval_s: int
    match_window_min: int
    grace_min: int
    programmes: dict[str, str]  # slug → display name, in config order
    channel_programme: dict[str, str]  # "platform:id" → slug


@dataclass
class Folder:
    """Everything stored in one data folder."""

    settings: Settings
    broadcasts: dict[str, Doc]
    streams: dict[str, Doc]
    rollups: dict[str, Doc]
    snapshots: dict[str, list[Doc]] = field(default_factory=dict)  # by stream key, by time
    gaps: dict[str, list[Doc]] = field(default_factory=dict)  # by stream key, by time
    meta: dict[str, Any] = field(default_factory=dict)  # main's named values


def read_settings(config_path: Path) -> tuple[Settings, Path]:
    """The settings and the data folder named by a ``streamer.toml``."""
    doc = tomllib.loads(config_path.read_text(encoding="utf-8"))
    collector = doc.get("collector", {})
    programmes = {p["slug"]: p["name"] for p in doc.get("programmes", [])}
    channels = {
        f"{c['platform']}:{c['id']}": p["slug"]
        for p in doc.get("programmes", [])
        for c in p.get("channels", [])
    }
    settings = Settings(
        tz=ZoneInfo(doc.get("timezone", "Asia/Almaty")),
        live_interval_s=int(collector.get("live_interval", 60)),
        match_window_min=int(collector.get("match_window", 45)),
        grace_min=int(collector.get("grace", 30)),
        programmes=programmes,
        channel_programme=channels,
    )
    return settings, config_path.parent / doc.get("data_dir", "data")


def read_folder(config_path: Path) -> Folder:
    """Read a data folder's files with ``json`` only."""
    settings, data_dir = read_settings(config_path)
    tables: dict[str, dict[str, Doc]] = {"broadcasts": {}, "streams": {}, "rollups": {}}
    keys = {"broadcasts": "id", "streams": "key", "rollups": "key"}
    # Archives first, main last: a record in both is main's (the working copy).
    files = [*sorted((data_dir / "archive").glob("????-??.json")), data_dir / "streamer.json"]
    for stored in (part for path in files for part in [_load(path), *_tail(path)]):
        for name, key in keys.items():
            for doc in stored.get(name, {}).values():
                tables[name][doc[key]] = doc
    folder = Folder(settings, tables["broadcasts"], tables["streams"], tables["rollups"])
    main = _load(data_dir / "streamer.json")
    folder.meta = {doc["name"]: doc["value"] for doc in main.get("meta", {}).values()}
    folder.snapshots, folder.gaps = read_days(data_dir)
    return folder


def read_days(data_dir: Path) -> tuple[dict[str, list[Doc]], dict[str, list[Doc]]]:
    """Every day partition's snapshots and gaps (with its tail), by stream, by time."""
    snapshots: dict[str, list[Doc]] = defaultdict(list)
    gaps: dict[str, list[Doc]] = defaultdict(list)
    days = {p.name[:10] for p in (data_dir / "snapshots").glob("????-??-??*.json*")}
    for day in sorted(days):
        path = data_dir / "snapshots" / f"{day}.json"
        seen: set[tuple[str, ...]] = set()
        for stored in [_load(path), *_tail(path)]:
            for doc in stored.get("snapshots", {}).values():
                if ("s", doc["stream"], doc["ts"]) not in seen:
                    seen.add(("s", doc["stream"], doc["ts"]))
                    snapshots[doc["stream"]].append(doc)
            for doc in stored.get("gaps", {}).values():
                if ("g", doc["stream"], doc["ts"], doc["reason"]) not in seen:
                    seen.add(("g", doc["stream"], doc["ts"], doc["reason"]))
                    gaps[doc["stream"]].append(doc)
    return (
        {k: sorted(v, key=lambda d: d["ts"]) for k, v in snapshots.items()},
        {k: sorted(v, key=lambda d: d["ts"]) for k, v in gaps.items()},
    )


def _tail(archive: Path) -> list[dict[str, dict[str, Doc]]]:
    """The lines of a month archive's (or a day's) tail, each as tables of documents."""
    tail = archive.with_name(archive.stem + ".tail.jsonl")
    if not tail.exists():
        return []
    text = tail.read_bytes()
    lines = text[: text.rfind(b"\n") + 1].splitlines()
    found: list[dict[str, list[Doc]]] = [json.loads(line) for line in lines]
    return [{name: {str(n): doc for n, doc in enumerate(docs)} for name, docs in line.items()}
            for line in found]  # fmt: skip


def _load(path: Path) -> dict[str, dict[str, Doc]]:
    if not path.exists():
        return {}
    text = path.read_bytes()
    return json.loads(text) if text else {}
