"""A console report loads only what it uses: no API clients, no charts, no database
drivers, no lock library (a report reads without locks), not OpenSSL.

Each is tens of milliseconds of imports in a process a manager waits for
(docs/performance.md); an import added at a module's top by mistake shows here, in a
real ``streamer report`` process on a data folder.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from streamer.config import starter_config

# Top-level packages a console report must not import.
HEAVY = (
    "googleapiclient",
    "httpx",
    "matplotlib",
    "numpy",
    "PIL",
    "psycopg",
    "psycopg_pool",
    "apscheduler",
    "openpyxl",
    "icalendar",
    "prometheus_client",
    "duckdb",
    "filelock",
    "_hashlib",  # OpenSSL, through hashlib or secrets: unplanned ids and temp names only
    "tempfile",  # through importlib.resources: the time zones are read from their folder
)
PROBE = """
import atexit, json, sys
atexit.register(lambda: print(json.dumps(sorted({m.split(".")[0] for m in sys.modules})),
                              file=sys.stderr))
sys.argv = ["streamer", *sys.argv[1:]]
from streamer.app.cli import main
main()
"""


@pytest.mark.parametrize("kind", ["summary", "broadcasts", "adherence"])
def test_a_console_report_imports_nothing_heavy(tmp_path: Path, kind: str) -> None:
    """``report KIND`` on a new data folder prints its table and never imports a
    package of ``HEAVY``; ``--format csv`` neither."""
    config = tmp_path / "streamer.toml"
    config.write_text(starter_config(), encoding="utf-8")
    for extra in ([], ["--format", "csv"]):
        done = subprocess.run(
            [sys.executable, "-c", PROBE, "--config", str(config), "report", kind,
             "--period", "2026-11", *extra],
            capture_output=True, text=True, check=False, timeout=120,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        loaded = set(json.loads(done.stderr.strip().splitlines()[-1]))
        assert "streamer" in loaded and "rich" in loaded  # the probe saw the report run
        assert not loaded & set(HEAVY), f"{kind} {extra} imported {sorted(loaded & set(HEAVY))}"
