"""Local times come from the pinned ``tzdata`` package, whatever the host's zone files say.

The stale host: a zoneinfo folder whose Asia/Almaty is the pre-2024 rule (UTC+6 for
good; the ``Etc/GMT-6`` zone file under that name), made the only folder on
``zoneinfo``'s search path (``PYTHONTZPATH``) as a server's old ``/usr/share/zoneinfo``
would be, in a fresh interpreter (``helpers.stale_host``), so this process's zone
caches stay as they are. Since 2024-03-01 Almaty is UTC+5; before, UTC+6.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from importlib import resources
from importlib.metadata import version
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfoNotFoundError

import pytest

from streamer.app.cli import run
from streamer.timezones import tzdata_version, zone

TESTS = Path(__file__).parent


@pytest.fixture(scope="module")
def on_stale_host(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """``helpers.stale_host``'s report from an interpreter that searches only the stale folder."""
    folder = tmp_path_factory.mktemp("stale-host")
    (folder / "zoneinfo" / "Asia").mkdir(parents=True)
    old_rule = resources.files("tzdata.zoneinfo").joinpath("Etc", "GMT-6")
    with old_rule.open("rb") as source, (folder / "zoneinfo/Asia/Almaty").open("wb") as target:
        shutil.copyfileobj(source, target)
    env = dict(os.environ, PYTHONTZPATH=str(folder / "zoneinfo"))
    env["PYTHONPATH"] = os.pathsep.join([str(TESTS), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    done = subprocess.run(
        [sys.executable, "-m", "helpers.stale_host", str(folder)],
        env=env, capture_output=True, text=True, check=False, cwd=folder,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    found: dict[str, Any] = json.loads(done.stdout)
    return found


def test_the_stale_host_really_says_utc6(on_stale_host: dict[str, Any]) -> None:
    """The trap is armed: ``ZoneInfo`` there reads the host folder, 2026 at UTC+6."""
    assert on_stale_host["host_zoneinfo"] == 6


def test_zones_come_from_the_package_not_the_host(on_stale_host: dict[str, Any]) -> None:
    """``zone`` and a config's ``tz``: UTC+6 in 2020 and to 2024-02-29, UTC+5 from 2024-03-01."""
    assert on_stale_host["zone"] == on_stale_host["config"] == [6, 6, 5, 5]


def test_plans_periods_and_cron_use_the_package(on_stale_host: dict[str, Any]) -> None:
    """11:00 plans, report periods and a 09:00 report job are UTC+5 after the change,
    UTC+6 before it (the half-year demo's 2020 included)."""
    assert on_stale_host["plan_utc"] == [
        "2020-06-01T05:00:00+00:00",
        "2024-02-29T05:00:00+00:00",
        "2024-03-01T06:00:00+00:00",
        "2026-03-02T06:00:00+00:00",
    ]
    assert on_stale_host["periods_utc"] == [
        "2026-02-28T19:00:00+00:00",
        "2020-06-30T18:00:00+00:00",
    ]
    assert on_stale_host["cron_utc"] == ["2026-03-02T04:00:00+00:00", "2020-06-01T03:00:00+00:00"]


def test_the_calendar_file_carries_the_package_rules(on_stale_host: dict[str, Any]) -> None:
    """The iCalendar export: local 11:00 starts, and a VTIMEZONE going +06 → +05 on 2024-03-01."""
    assert on_stale_host["ics_starts"] == [
        f"DTSTART;TZID=Asia/Almaty:{day}T110000"
        for day in ("20200601", "20240229", "20240301", "20260302")
    ]
    assert on_stale_host["ics_rules"] == [["2020-01-01", 6], ["2024-03-01", 5]]


def test_an_unknown_zone_is_refused() -> None:
    """A name the package does not hold (or a path) is ZoneInfoNotFoundError, not a file read."""
    for name in ("Asia/Atlantis", "../../etc/passwd", "Asia"):
        with pytest.raises(ZoneInfoNotFoundError):
            zone(name)


def test_version_names_the_tzdata_package(capsys: pytest.CaptureFixture[str]) -> None:
    """``streamer --version`` says which tzdata release the local times come from."""
    assert run(["--version"]) == 0
    assert tzdata_version() == version("tzdata")
    assert capsys.readouterr().out == f"streamer 0.1.0 (tzdata {tzdata_version()})\n"
