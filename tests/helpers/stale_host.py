"""What streamer makes of Almaty's local times, printed as JSON, for a test to run in a
fresh interpreter whose ``PYTHONTZPATH`` points at a stale host's zoneinfo folder (a
fresh process: ``ZoneInfo``'s cache in the test process stays untouched).

``python -m helpers.stale_host FOLDER``: FOLDER gets a streamer.toml for the config.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from icalendar import Calendar

from reports.periods import parse_period
from schedules.ical import export_ics
from schedules.ids import sequential_id_factory
from schedules.plans import PlanRequest, add
from streamer.config import load_config
from streamer.cron import cron_trigger
from streamer.models import Channel, Programme
from streamer.timezones import zone

PROGRAMMES = {"adal-komek": Programme("adal-komek", "Adal Komek", (Channel("youtube", "UCadal"),))}
NOW = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)
MOMENTS = ("2020-06-01 12:00", "2024-02-29 23:59", "2024-03-01 12:00", "2026-03-02 11:00")
STARTS = ("2020-06-01 11:00", "2024-02-29 11:00", "2024-03-01 11:00", "2026-03-02 11:00")


def hours(moment: datetime) -> float:
    """The UTC offset of an aware time, in hours."""
    offset = moment.utcoffset()
    assert offset is not None
    return offset.total_seconds() / 3600


def report(folder: Path) -> dict[str, Any]:
    """Offsets, plan starts, period bounds, cron fires and iCalendar rules for Almaty."""
    path = folder / "streamer.toml"
    path.write_text('data_dir = "data"\ntimezone = "Asia/Almaty"\n', encoding="utf-8")
    tz = load_config(path).tz
    local = [datetime.fromisoformat(m) for m in MOMENTS]
    ids = sequential_id_factory()
    plan = [add({}, PlanRequest("adal-komek", "Заң кеңесі", s, 60), PROGRAMMES, tz, ids)[0]
            for s in STARTS]  # fmt: skip
    job = cron_trigger("0 9 * * *", tz)
    periods = [parse_period(p, NOW, tz).utc_bounds(tz)[0] for p in ("2026-03", "2020-H2")]
    fires = [job.get_next_fire_time(None, t) for t in (NOW, datetime(2020, 6, 1, tzinfo=UTC))]
    text = export_ics(plan, tz, PROGRAMMES, now=NOW).decode()
    [vtimezone] = Calendar.from_ical(text).walk("VTIMEZONE")
    return {
        "host_zoneinfo": hours(datetime(2026, 3, 2, tzinfo=ZoneInfo("Asia/Almaty"))),
        "zone": [hours(m.replace(tzinfo=zone("Asia/Almaty"))) for m in local],
        "config": [hours(m.replace(tzinfo=tz)) for m in local],
        "plan_utc": [b.start.isoformat() for b in plan],
        "periods_utc": [p.isoformat() for p in periods],
        "cron_utc": [f.astimezone(UTC).isoformat() for f in fires],
        "ics_starts": [line for line in text.split("\r\n") if line.startswith("DTSTART;")],
        "ics_rules": sorted(
            [str(r["DTSTART"].dt.date()), hours_of(r["TZOFFSETTO"].td)]
            for r in vtimezone.subcomponents
        ),
    }


def hours_of(offset: Any) -> float:
    """A timedelta in hours."""
    return float(offset.total_seconds() / 3600)


if __name__ == "__main__":
    print(json.dumps(report(Path(sys.argv[1]))))
