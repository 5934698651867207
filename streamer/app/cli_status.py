"""``streamer status``: what the collector is up to, read from the data folder.

Read-only and safe beside a running daemon: it takes no lock and writes nothing
(reads of the store are consistent without one). It shows each platform's state
(collecting, paused for quota until..., throttled until..., stopped by a refused
credential), each channel's last successful discovery, Graph cooldown and, for a
failing one, the reason and next try (``collectors.health``), the final polls still
to come, and today's quota by key.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import click

from collectors.health import ChannelHealth, cooldown_meta, cooling_until, meta_name
from collectors.unsaved import FOLDER as UNSAVED
from collectors.unsaved import waiting
from collectors.youtube_quota import quota_day
from streamer.app.clibase import CONTEXT, App, pass_app
from streamer.clock import SystemClock
from streamer.config import Config
from streamer.history import recorded_since
from streamer.models import StreamStatus, from_iso, to_iso
from streamer.safe_text import printable
from streamer.store import Store
from streamer.timezones import tzdata_version

WIDTH = 80  # every line fits an 80-column terminal


@click.command(context_settings=CONTEXT)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Plain text for a terminal, or JSON for scripts.",
)
@pass_app
def status(app: App, fmt: str) -> None:
    """Show platforms, failing channels, pending final polls and today's quota.

    Reads the data folder only: safe to run beside 'streamer run'.

    \b
    Example:
      streamer status --format json
    """
    config = app.config()
    found = gather(config, app.store(), SystemClock().now())
    if fmt == "json":
        click.echo(json.dumps(found, ensure_ascii=False, indent=2))
    else:
        click.echo("\n".join(render(found, config.tz)))


def gather(config: Config, store: Store, now: datetime) -> dict[str, Any]:
    """The status as plain JSON types (times in UTC ISO 8601)."""
    platforms = config.platforms_in_use()
    since = recorded_since(store)
    return {
        "at": to_iso(now),
        "tzdata": tzdata_version(),  # the zone rules every local time here follows
        # Since when the store holds collected data (summaries compare nothing earlier).
        "recorded_since": since and to_iso(since),
        "platforms": [_platform(store, name, now) for name in platforms],
        "channels": _channels(config, store, platforms, now),
        "final_polls": _final_polls(store, platforms),
        "quota": _quota(config, store, now),
        "unsaved_gaps": _unsaved(config),
    }


def _platform(store: Store, name: str, now: datetime) -> dict[str, Any]:
    state: dict[str, Any] = {"platform": name, "state": "collecting"}
    paused = store.get_meta(f"paused_until:{name}")
    if paused is not None and from_iso(paused) > now:
        state |= {"state": "paused", "until": paused, "reason": "quota"}
    throttled = cooling_until(store.get_meta(cooldown_meta(name)), None, now)
    if throttled is not None:
        state |= {"state": "throttled", "until": to_iso(throttled), "reason": "throttled"}
    stopped = store.get_meta(f"stopped:{name}")
    if isinstance(stopped, dict):
        state |= {"state": "stopped", "since": stopped.get("at"), "reason": "auth"}
        state["message"] = stopped.get("message", "")
    return state


def _channels(
    config: Config, store: Store, platforms: list[str], now: datetime
) -> list[dict[str, Any]]:
    rows = []
    for name in platforms:
        health = ChannelHealth.load(name, store.get_meta(meta_name(name)))
        cooldowns = store.get_meta(cooldown_meta(name))
        seen: set[str] = set()
        for programme in config.programmes.values():
            for channel in programme.channels:
                if channel.platform != name or channel.id in seen:
                    continue
                seen.add(channel.id)
                last = health.last_ok.get(channel.id)
                row: dict[str, Any] = {"platform": name, "channel": channel.id}
                row |= {"label": channel.label, "last_ok": last and to_iso(last)}
                if (until := cooling_until(cooldowns, channel.id, now)) is not None:
                    row["throttled_until"] = to_iso(until)
                failure = health.failing.get(channel.id)
                if failure is not None:
                    row["failing"] = failure.to_dict()
                rows.append(row)
    return rows


def _final_polls(store: Store, platforms: list[str]) -> list[dict[str, Any]]:
    """Ended streams still waiting for their final polls, per platform."""
    waiting: dict[str, list[datetime]] = {name: [] for name in platforms}
    for stream in store.streams().values():
        if stream.status is StreamStatus.ENDED and not stream.done and stream.next_poll_at:
            waiting.setdefault(stream.platform, []).append(stream.next_poll_at)
    return [
        {"platform": name, "pending": len(due), "next": to_iso(min(due)) if due else None}
        for name, due in waiting.items()
    ]


def _unsaved(config: Config) -> dict[str, Any]:
    """Missed polls of cycles the store refused, kept in ``unsaved/`` until a cycle
    writes them (``collectors.unsaved``): how many, since when, and why."""
    gaps, unreadable = waiting(config.data_dir / UNSAVED)
    reasons = dict(Counter(gap.reason for gap in gaps))
    since = to_iso(gaps[0].ts) if gaps else None
    # A file no collector can read keeps its gaps from the store: someone must look.
    files = [str(path) for path in unreadable]
    return {"count": len(gaps), "since": since, "reasons": reasons, "unreadable": files}


def unsaved_name(path: str) -> str:
    """A file of ``unsaved/`` as the status and the live view name it: under the data
    folder (80 columns), its name made printable."""
    return f"{UNSAVED}/{printable(Path(path).name)}"


def _quota(config: Config, store: Store, now: datetime) -> dict[str, Any]:
    day = quota_day(now)
    used = store.quota_used(day)
    youtube = config.platforms["youtube"]
    keys = {env: used.get(env, 0) for env in youtube.key_envs}
    return {"day": day, "limit": youtube.quota_limit, "used": keys}


def render(found: dict[str, Any], tz: ZoneInfo) -> list[str]:
    """The status as lines of at most ``WIDTH`` characters, times in ``tz``."""

    def local(text: str | None) -> str:
        return from_iso(text).astimezone(tz).strftime("%Y-%m-%d %H:%M") if text else "never"

    when = f"{local(found['at'])} ({tz.key}, tzdata {found['tzdata']})"
    since = found.get("recorded_since")
    collecting = f"collecting since {local(since)}" if since else "nothing collected yet"
    lines = [f"streamer status at {when}", collecting, "", "platforms"]
    for item in found["platforms"]:
        state = item["state"]
        if state == "paused":
            state = f"paused until {local(item['until'])} (quota)"
        elif state == "throttled":
            state = f"throttled until {local(item['until'])}"
        elif state == "stopped":
            # The message quotes the platform's answer: outside text.
            state = f"stopped since {local(item['since'])} (auth): {printable(item['message'])}"
        lines.append(f"  {item['platform']:<10} {state}")
    lines += ["", "channels (last successful discovery)"]
    for row in found["channels"]:
        where = f"{row['platform']}:{row['channel']}"
        lines.append(f"  {where:<42} {local(row['last_ok'])}")
        if until := row.get("throttled_until"):
            lines.append(f"    throttled until {local(until)}")
        if failure := row.get("failing"):
            since, tries = local(failure["since"]), failure["attempts"]
            retry = local(failure["retry_at"])
            lines.append(
                f"    failing ({failure['reason']}) since {since}, {tries} tries, next {retry}"
            )
    lines += ["", "final polls pending"]
    for item in found["final_polls"]:
        after = f", next {local(item['next'])}" if item["next"] else ""
        lines.append(f"  {item['platform']:<10} {item['pending']}{after}")
    unsaved = found["unsaved_gaps"]
    lines += ["", "missed polls waiting for the store (written with the next cycle)"]
    if unsaved["count"]:
        why = ", ".join(f"{reason} {n}" for reason, n in sorted(unsaved["reasons"].items()))
        lines.append(f"  {unsaved['count']} since {local(unsaved['since'])}: {why}")
    else:
        lines.append("  none")
    for path in unsaved["unreadable"]:
        lines.append(f"  cannot be read, left as it is: {unsaved_name(path)}")
    quota = found["quota"]
    lines += ["", f"YouTube quota, day {quota['day']} (Pacific), limit {quota['limit']:,} a key"]
    lines += [f"  {env:<40} {units:>8,}" for env, units in quota["used"].items()]
    return [line if len(line) <= WIDTH else line[: WIDTH - 1] + "…" for line in lines]
