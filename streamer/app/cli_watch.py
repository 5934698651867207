"""``streamer watch``: a live view of a running collector, read from its data folder.

Read-only and safe beside ``streamer run`` (like ``streamer status``, whose
``gather`` it reuses): no lock, no write. Each frame shows what is live per
programme and platform (concurrent viewers and a sparkline of the last samples),
what is due next, each platform's state and last success, today's quota by key,
and the last cycle (its duration and gaps). Lines fit 80 columns; labels follow the
config's language (kk, ru, en). Ctrl-C is the normal way out: exit 0.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import click
from rich.text import Text

from reports.curve import sparkline
from streamer.app.cli_status import WIDTH, gather, unsaved_name
from streamer.app.clibase import CONTEXT, App, pass_app
from streamer.app.console import make_console
from streamer.clock import SystemClock
from streamer.config import Config
from streamer.models import BroadcastStatus, Snapshot, Stream, StreamStatus, from_iso
from streamer.store import Store

TREND = timedelta(minutes=15)  # the sparkline's span
SPARK = 15  # its width in characters

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "title": "streamer watch",
        "live": "Live now",
        "none_live": "nothing live",
        "unplanned": "unplanned",
        "next": "Next",
        "none_next": "nothing planned",
        "next_poll": "next poll",
        "platforms": "Platforms",
        "collecting": "collecting",
        "paused": "paused until {0} (quota)",
        "throttled": "throttled until {0}",
        "stopped": "stopped (credential refused)",
        "last_ok": "last ok",
        "never": "never",
        "quota": "Quota today ({0}, Pacific)",
        "cycle": "Last cycle",
        "no_cycle": "no cycle yet",
        "polled": "polled",
        "gaps": "gaps",
        "gaps_hour": "gaps in the last hour",
        "unsaved": "gaps waiting for the store: {0} (since {1})",
        "unreadable": "cannot be read, left as it is: {0}",
        "quit": "Ctrl-C to quit",
    },
    "ru": {
        "title": "streamer watch",
        "live": "Сейчас в эфире",
        "none_live": "эфиров нет",
        "unplanned": "вне плана",
        "next": "Далее",
        "none_next": "ничего не запланировано",
        "next_poll": "следующий опрос",
        "platforms": "Платформы",
        "collecting": "сбор идёт",
        "paused": "пауза до {0} (квота)",
        "throttled": "приторможено до {0}",
        "stopped": "остановлено (ключ отклонён)",
        "last_ok": "посл. успех",
        "never": "никогда",
        "quota": "Квота сегодня ({0}, Тихоокеанское)",
        "cycle": "Последний цикл",
        "no_cycle": "циклов ещё не было",
        "polled": "опрошено",
        "gaps": "пропусков",
        "gaps_hour": "пропусков за час",
        "unsaved": "пропусков ждут записи в хранилище: {0} (с {1})",
        "unreadable": "файл не читается, оставлен как есть: {0}",
        "quit": "Ctrl-C — выход",
    },
    "kk": {
        "title": "streamer watch",
        "live": "Қазір эфирде",
        "none_live": "эфир жоқ",
        "unplanned": "жоспардан тыс",
        "next": "Келесі",
        "none_next": "ештеңе жоспарланбаған",
        "next_poll": "келесі сұрау",
        "platforms": "Платформалар",
        "collecting": "жинап жатыр",
        "paused": "{0} дейін кідіріс (квота)",
        "throttled": "{0} дейін баяулатылды",
        "stopped": "тоқтады (кілт қабылданбады)",
        "last_ok": "соңғы сәтті",
        "never": "ешқашан",
        "quota": "Бүгінгі квота ({0}, Тынық мұхиты)",
        "cycle": "Соңғы цикл",
        "no_cycle": "цикл әлі болмады",
        "polled": "сұралды",
        "gaps": "олқылық",
        "gaps_hour": "соңғы сағаттағы олқылықтар",
        "unsaved": "қоймаға жазылуды күтетін олқылықтар: {0} ({1} бастап)",
        "unreadable": "файл оқылмайды, сол күйінде қалдырылды: {0}",
        "quit": "Ctrl-C — шығу",
    },
}


@click.command(context_settings=CONTEXT)
@click.option(
    "--every", type=click.IntRange(1, 3600), default=5, show_default=True, help="Seconds."
)
@click.option("--once", is_flag=True, help="Print one frame and exit (for scripts).")
@click.option("--lang", type=click.Choice(sorted(LABELS)), help="Default: the config's language.")
@pass_app
def watch(app: App, every: int, once: bool, lang: str | None) -> int:
    """A live view of the running collector: what is live, what is next, platforms,
    quota and the last cycle, refreshed every few seconds. Ctrl-C quits.

    Reads the data folder only: safe to run beside 'streamer run'.

    \b
    Example:
      streamer watch --every 5
    """
    config, store, clock = app.config(), app.store(), SystemClock()
    language = lang or config.language

    def frame() -> Text:
        return Text("\n".join(render(config, store, clock.now(), language)), no_wrap=True)

    from rich.live import Live  # loaded by this command only: a quick start for the others

    console = make_console()
    if once:
        console.print(frame(), soft_wrap=True)
        return 0
    try:
        with Live(frame(), console=console, auto_refresh=False, screen=False) as live:
            while True:
                clock.sleep(every)
                live.update(frame(), refresh=True)
    except KeyboardInterrupt:  # the normal way out of a live view, not an interruption
        return 0


def render(config: Config, store: Store, now: datetime, lang: str) -> list[str]:
    """One frame as lines of at most ``WIDTH`` characters."""
    words = {**LABELS.get(lang, LABELS["en"]), "lang": lang}
    tz = config.tz
    found = gather(config, store, now)
    streams = store.streams()  # one read for the live list and the next poll
    lines = [f"{words['title']} · {_local(now, tz, '%Y-%m-%d %H:%M:%S')} {tz.key}", ""]
    lines += _live(config, store, streams, now, words)
    lines += _next(config, store, streams, now, words)
    lines += _platforms(found, words, tz)
    lines += _quota(found, words)
    lines += _cycle(store, found, now, words, tz)
    lines += ["", words["quit"]]
    return [line if len(line) <= WIDTH else line[: WIDTH - 1] + "…" for line in lines]


def _local(moment: datetime, tz: ZoneInfo, fmt: str = "%H:%M") -> str:
    return moment.astimezone(tz).strftime(fmt)


def _programme_names(config: Config, lang: str) -> dict[str, str]:
    """Programme display name by channel key (``platform:id``)."""
    names: dict[str, str] = {}
    for programme in config.programmes.values():
        name = programme.display_name(lang)
        for channel in programme.channels:
            names.setdefault(channel.key, name)
    return names


def _live(
    config: Config,
    store: Store,
    streams: dict[str, Stream],
    now: datetime,
    words: dict[str, str],
) -> list[str]:
    streams = {k: s for k, s in streams.items() if s.status is StreamStatus.LIVE}
    lines = [words["live"]]
    if not streams:
        return [*lines, f"  {words['none_live']}", ""]
    names = _programme_names(config, words["lang"])
    samples: dict[str, list[Snapshot]] = defaultdict(list)
    for snap in store.snapshots(now - TREND, now + timedelta(seconds=1), streams):
        samples[snap.stream].append(snap)
    by_programme: dict[str, list[tuple[str, Stream]]] = defaultdict(list)
    for key, stream in streams.items():
        by_programme[names.get(stream.channel_key, words["unplanned"])].append((key, stream))
    interval = config.collector.live_interval
    for name in sorted(by_programme):
        lines.append(f"  {name}")
        for key, stream in sorted(by_programme[name], key=lambda item: item[1].platform):
            snaps = samples.get(key, [])
            known = [s.concurrent_viewers for s in snaps if s.concurrent_viewers is not None]
            viewers = f"{known[-1]:>7,}" if known else f"{'n/a':>7}"
            scale = max(known, default=0) or 1
            trend = sparkline(snaps, now - TREND, now, SPARK, scale, interval) if known else ""
            lines.append(f"    {stream.platform:<10}{viewers}  {trend:<{SPARK}}  {stream.title}")
    return [*lines, ""]


def _next(
    config: Config,
    store: Store,
    streams: dict[str, Stream],
    now: datetime,
    words: dict[str, str],
) -> list[str]:
    upcoming = sorted(
        (b for b in store.broadcasts(include_archive=False).values()
         if b.status is BroadcastStatus.PLANNED and b.start > now),
        key=lambda b: b.start,
    )[:3]  # fmt: skip
    lines = [words["next"]]
    names = {slug: p.display_name(words["lang"]) for slug, p in config.programmes.items()}
    for broadcast in upcoming:
        when = _local(broadcast.start, config.tz, "%d.%m %H:%M")
        name = names.get(broadcast.programme, broadcast.programme)
        title = (
            broadcast.title if broadcast.title.startswith(name) else f"{name}: {broadcast.title}"
        )
        lines.append(f"  {when}  {title}")
    if not upcoming:
        lines.append(f"  {words['none_next']}")
    polls = [s.next_poll_at for s in streams.values() if s.next_poll_at and not s.done]
    if polls:
        lines.append(f"  {words['next_poll']} {_local(min(polls), config.tz, '%H:%M:%S')}")
    return [*lines, ""]


def _platforms(found: dict[str, Any], words: dict[str, str], tz: ZoneInfo) -> list[str]:
    last_ok: dict[str, str] = {}
    for row in found["channels"]:
        if row["last_ok"] and row["last_ok"] > last_ok.get(row["platform"], ""):
            last_ok[row["platform"]] = row["last_ok"]
    lines = [words["platforms"]]
    for item in found["platforms"]:
        state = item["state"]
        until = _local(from_iso(item["until"]), tz) if item.get("until") else ""
        shown = words[state].format(until) if state in words else state
        ok = last_ok.get(item["platform"])
        when = _local(from_iso(ok), tz, "%H:%M:%S") if ok else words["never"]
        lines.append(f"  {item['platform']:<10} {shown:<32} {words['last_ok']} {when}")
    return [*lines, ""]


def _quota(found: dict[str, Any], words: dict[str, str]) -> list[str]:
    quota = found["quota"]
    lines = [words["quota"].format(quota["day"])]
    for env, units in quota["used"].items():
        lines.append(f"  {env:<40} {units:>8,} / {quota['limit']:,}")
    return [*lines, ""]


def _cycle(
    store: Store, found: dict[str, Any], now: datetime, words: dict[str, str], tz: ZoneInfo
) -> list[str]:
    from collectors.engine import LAST_CYCLE

    last = store.get_meta(LAST_CYCLE)
    hour_gaps = len(store.gaps(now - timedelta(hours=1), now + timedelta(seconds=1)))
    if not isinstance(last, dict):
        line = words["no_cycle"]
    else:
        at = _local(from_iso(last["at"]), tz, "%H:%M:%S")
        line = (f"{at} · {last['seconds']:.2f} s · {words['polled']} {last['polled']} · "
                f"{words['gaps']} {last['gaps']}")  # fmt: skip
    lines = [words["cycle"], f"  {line}", f"  {words['gaps_hour']}: {hour_gaps}"]
    # A refused cycle writes no meta: what it missed waits in ``unsaved/`` instead.
    unsaved = found["unsaved_gaps"]
    if unsaved["count"]:
        since = _local(from_iso(unsaved["since"]), tz, "%H:%M:%S")
        lines.append(f"  {words['unsaved'].format(unsaved['count'], since)}")
    # Its gaps never reach the store and collectors leave it be: someone must look.
    for path in unsaved["unreadable"]:
        lines.append(f"  {words['unreadable'].format(unsaved_name(path))}")
    return lines
