"""``python -m bench``: run every benchmark, print a table, write results/latest.json.

Each row is ``{"name", "value", "unit", "target", "holds"}`` so a later run can be
compared with this one and any tool can read the verdicts.
"""

from __future__ import annotations

from pathlib import Path

import orjson
from rich.console import Console
from rich.table import Table

from bench import memory, multiplatform, polling, reports_scale, store_scale

RESULTS = Path(__file__).parent / "results" / "latest.json"


def main() -> None:
    console = Console()
    rows = []
    for suite in (polling, multiplatform, store_scale, reports_scale, memory):
        console.print(f"running {suite.__name__} …")
        rows += suite.run()
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
    main()
