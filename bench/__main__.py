"""``python -m bench``: run every benchmark, print a table, write results/latest.json.

Each row is ``{"name", "value", "unit", "target", "holds"}`` so a later run can be
compared with this one and any tool can read the verdicts.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import orjson
from rich.console import Console
from rich.table import Table

RESULTS = Path(__file__).parent / "results" / "latest.json"
SUITES = (
    "polling",
    "multiplatform",
    "store_scale",
    "cycle_sqlite",
    "plan_edits",
    "reports_scale",
    "report_process",
    "memory",
    "demo_time",
    "cron_quota",
    "pg_scale",
)


def run_suite(name: str) -> list[dict[str, Any]]:
    """The rows of ``bench.<name>``, run in a fresh interpreter: one suite's heap (a
    year of generated history) would otherwise slow the next one's garbage
    collections and skew its timings."""
    with tempfile.TemporaryDirectory(prefix="streamer-bench-") as tmp:
        out = Path(tmp) / "rows.json"
        subprocess.run([sys.executable, "-m", "bench", "--suite", name, str(out)], check=True)
        rows: list[dict[str, Any]] = orjson.loads(out.read_bytes())
    return rows


def _one_suite(name: str, out: Path) -> None:
    rows = importlib.import_module(f"bench.{name}").run()
    out.write_bytes(orjson.dumps(rows))


def main() -> None:
    console = Console()
    rows = []
    for name in SUITES:
        console.print(f"running bench.{name} …")
        rows += run_suite(name)
    table = Table(title="streamer benchmarks", title_justify="left")
    for column in ("name", "value", "unit", "target", "holds"):
        table.add_column(column, justify="right" if column == "value" else "left")
    for row in rows:
        table.add_row(row["name"], f"{row['value']:,.4g}", row["unit"], row["target"],
                      "yes" if row["holds"] else "NO")  # fmt: skip
    console.print(table)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_bytes(orjson.dumps(rows, option=orjson.OPT_INDENT_2))
    console.print(f"wrote {RESULTS}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--suite"]:  # a child of run_suite
        _one_suite(sys.argv[2], Path(sys.argv[3]))
    else:
        main()
