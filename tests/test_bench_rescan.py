"""The raw-snapshot SQL baseline of ``make bench`` computes what the project computes."""

from __future__ import annotations

from pathlib import Path

import orjson

from bench import generate, rescan_sql

START, END = "2025-01-01T00:00:00Z", "2025-07-01T00:00:00Z"
FIELDS = ("samples", "live_samples", "peak_concurrent", "viewer_seconds_x2", "covered_seconds",
          "views")  # fmt: skip


def test_sqlite_rescan_per_stream_figures_equal_the_rollup_fold(tmp_path: Path) -> None:
    """Each stream's figures from the SQL over raw snapshots equal ``streamer.rollup``'s."""
    generate.write_history(tmp_path, 2, exact=True)
    rescan_sql.build_sqlite(tmp_path, tmp_path / "raw.sqlite")
    found = rescan_sql.sqlite_per_stream(tmp_path / "raw.sqlite", START, END)
    archived = orjson.loads((tmp_path / "archive" / "2025-01.json").read_bytes())["rollups"]
    expected = {
        doc["value"]["stream"]: tuple(doc["value"][name] for name in FIELDS)
        for doc in archived.values()
    }
    assert len(expected) == 200
    assert {key: found[key] for key in expected} == expected


def test_sqlite_rescan_gives_one_row_per_programme_with_its_broadcasts(tmp_path: Path) -> None:
    """The summary query counts every planned broadcast of the period once, per programme."""
    history = generate.write_history(tmp_path, 1)
    rescan_sql.build_sqlite(tmp_path, tmp_path / "raw.sqlite")
    rows = rescan_sql.sqlite_rescan(tmp_path / "raw.sqlite", START, END)
    assert [row[0] for row in rows] == sorted(generate.programmes())
    assert sum(row[1] for row in rows) == history.broadcasts
