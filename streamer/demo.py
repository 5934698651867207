"""The demo: a week of both programmes planned (and, once the collectors land,
collected and reported) in a fresh folder, on the embedded defaults.

Like ``cli.py`` and ``daemon.py``, this module wires the packages together.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Mapping
from datetime import date, datetime, time, timedelta
from functools import partial
from pathlib import Path

from rich.console import Console

import schedules
from streamer.config import Config, load_config
from streamer.console import make_console, plan_table
from streamer.errors import UserError
from streamer.models import Broadcast
from streamer.store import open_store

MARKER = ".streamer-demo"

DEMO_CONFIG = """\
# Written by `streamer demo`: both programmes on their demo channels.
data_dir = "data"
timezone = "Asia/Almaty"
language = "en"

[[programmes]]
slug = "antikor-live"
name = "Antikor.Live"
channels = [
  {{ platform = "youtube",   id = "UCantikorLive00000000000", label = "Antikor.Live YouTube" }},
  {{ platform = "facebook",  id = "100000000000001",          label = "Antikor.Live Facebook" }},
  {{ platform = "instagram", id = "17841400000000001",        label = "Antikor.Live Instagram" }},
]

[[programmes]]
slug = "adal-komek"
name = "Adal Komek"
names = {{ kk = "Адал көмек", ru = "Адал комек", en = "Adal Komek" }}
channels = [
  {{ platform = "youtube",   id = "UCadalKomek0000000000000", label = "Adal Komek YouTube" }},
  {{ platform = "facebook",  id = "100000000000002",          label = "Adal Komek Facebook" }},
  {{ platform = "instagram", id = "17841400000000002",        label = "Adal Komek Instagram" }},
]

[platforms.youtube]
api_key_env = "STREAMER_DEMO_YOUTUBE_KEY"
api_endpoint = "{endpoint}"
rss_endpoint = "{endpoint}"
"""

# The demo week: Adal Komek every weekday at 11:00, Antikor.Live on Tuesday and
# Thursday at 15:00, an hour each (local time).
WEEK = (
    (
        "adal-komek",
        "Adal Komek: free legal advice",
        time(11, 0),
        "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;COUNT=5",
    ),
    (
        "antikor-live",
        "Antikor.Live: ask the anti-corruption service",
        time(15, 0),
        "FREQ=WEEKLY;BYDAY=TU,TH;COUNT=2",
    ),
)


def prepare_folder(directory: Path) -> Path:
    """A fresh demo folder; refuses to wipe a folder the demo did not make."""
    if directory.exists() and any(directory.iterdir()):
        if not (directory / MARKER).exists():
            raise UserError(
                f"{directory} is not empty and was not made by 'streamer demo'; pick another --dir"
            )
        shutil.rmtree(directory)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / MARKER).write_text("made by streamer demo; deleted and rebuilt on every run\n")
    return directory.resolve()


def write_config(directory: Path, endpoint: str = "http://127.0.0.1:9") -> Config:
    """Write the demo's streamer.toml and load it back (so it is validated)."""
    path = directory / "streamer.toml"
    path.write_text(DEMO_CONFIG.format(endpoint=endpoint), encoding="utf-8")
    return load_config(path)


def week_monday(today: date) -> date:
    """The Monday of ``today``'s week."""
    return today - timedelta(days=today.weekday())


def plan_week(config: Config, monday: date) -> list[schedules.PlanRequest]:
    """Plan the demo week into the config's store; returns the requests made."""
    store = open_store(config.data_dir)
    new_id = schedules.sequential_id_factory()
    requests = []
    for slug, title, at, rule in WEEK:
        first = monday + timedelta(days=0 if slug == "adal-komek" else 1)
        request = schedules.PlanRequest(
            programme=slug,
            title=title,
            start=datetime.combine(first, at),
            duration_min=60,
            repeat=rule,
            district="Turkestan",
        )
        store.change_plan(partial(_add, request=request, config=config, new_id=new_id))
        requests.append(request)
    return requests


def _add(
    current: Mapping[str, Broadcast],
    request: schedules.PlanRequest,
    config: Config,
    new_id: Callable[[], str],
) -> list[Broadcast]:
    return schedules.add(current, request, config.programmes, config.tz, new_id)


def run_demo(directory: Path, console: Console | None = None, today: date | None = None) -> None:
    """Make the demo folder, plan the week, print the plan."""
    console = console or make_console()
    folder = prepare_folder(directory)
    console.print(f"demo data folder: [bold]{folder}[/]")
    config = write_config(folder)
    monday = week_monday(today or date.today())
    plan_week(config, monday)
    items = sorted(open_store(config.data_dir).broadcasts().values(), key=lambda b: b.start)
    console.print(plan_table(items, config.tz, title=f"Plan for the week of {monday}"))
