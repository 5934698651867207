"""`streamer db …` and the CLI on a PostgreSQL ``[store] url``: migrations, refusals,
and the same plan and report output as on TinyDB."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from helpers import report_week
from helpers.pg import pg_database

from streamer import pgschema
from streamer.app import cli_report
from streamer.app.cli import run
from streamer.clock import SimulatedClock
from streamer.config import load_config, starter_config
from streamer.store import config_store

NOW = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)  # Tuesday 1 Dec, 09:00 in Almaty


def home(folder: Path, monkeypatch: pytest.MonkeyPatch, store: str = "") -> Path:
    """A starter config in ``folder`` (plus ``store``, a [store] table), in STREAMER_CONFIG."""
    folder.mkdir()
    path = folder / "streamer.toml"
    path.write_text(starter_config() + store, encoding="utf-8")
    monkeypatch.setenv("STREAMER_CONFIG", str(path))
    return path


def store_table(url: str) -> str:
    return f'\n[store]\nurl = "{url}"\n'


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = run(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def database(pg_url: str) -> object:
    """A new empty database on the test server: its URL."""
    with pg_database(pg_url) as url:
        yield url


def test_migrate_brings_an_empty_database_to_the_schema_and_is_idempotent(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    database: str,
) -> None:
    """`db migrate` applies every migration once; `db status` says before and after."""
    home(tmp_path / "h", monkeypatch, store_table(database))
    code, out, _ = cli(capsys, "db", "status")
    assert code == 0 and "not migrated" in out and "streamer db migrate" in out
    code, out, err = cli(capsys, "db", "migrate")
    assert code == 0, err
    assert f"schema version {pgschema.latest()} (applied 0001_initial" in out
    code, out, _ = cli(capsys, "db", "migrate")
    assert code == 0 and "already up to date" in out
    with psycopg.connect(database) as conn:
        assert pgschema.version(conn) == pgschema.latest()
        count = conn.execute("SELECT count(*) FROM schema_version").fetchone()
        assert count == (len(pgschema.migrations()),)
    code, out, _ = cli(capsys, "db", "status")
    assert out.strip().endswith(
        f"schema version {pgschema.latest()}; this streamer needs {pgschema.latest()}"
    )


def test_an_unmigrated_or_newer_database_is_refused_in_one_line(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    database: str,
) -> None:
    """Commands on a database not at this streamer's schema exit 2 naming the fix."""
    home(tmp_path / "h", monkeypatch, store_table(database))
    code, out, err = cli(capsys, "collect", "--once")
    assert code == 2 and out == ""
    assert err == (
        "streamer: error: the database schema is not migrated, "
        f"this streamer needs {pgschema.latest()}; "
        "run 'streamer db migrate'\n"
    )
    assert cli(capsys, "db", "migrate")[0] == 0
    with psycopg.connect(database) as conn:
        conn.execute("INSERT INTO schema_version (version, name) VALUES (99, 'future')")
    code, _, err = cli(capsys, "plan", "list")
    newer = f"at version 99, newer than this streamer's {pgschema.latest()}; upgrade"
    assert code == 2 and newer in err


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("postgresql://streamer:hunter2@db.example.kz/streamer", "holds a password"),
        ("postgresql://db.example.kz/streamer?password=hunter2", "holds a password"),
        ("mysql://db.example.kz/streamer", "must be a postgresql:// URL"),
    ],
)
def test_a_store_url_with_a_password_or_another_scheme_is_refused(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    url: str,
    problem: str,
) -> None:
    """The config check refuses the URL in one line (exit 2) that never echoes it."""
    home(tmp_path / "h", monkeypatch, store_table(url))
    code, out, err = cli(capsys, "plan", "list")
    assert code == 2 and out == ""
    assert "store.url" in err and problem in err and len(err.splitlines()) == 1
    assert "hunter2" not in err and "db.example.kz" not in err


def test_password_env_names_the_variable_and_no_url_means_tiny(tmp_path: Path) -> None:
    """``password_env`` is a variable name; without ``url`` the data stays in data_dir."""
    path = tmp_path / "streamer.toml"
    path.write_text(
        starter_config() + '\n[store]\npassword_env = "STREAMER_DB_PASSWORD"\n', encoding="utf-8"
    )
    config = load_config(path)
    assert config.store.url is None and config.store.password_env == "STREAMER_DB_PASSWORD"
    assert type(config_store(config)).__name__ == "TinyStore"


def test_plan_and_reports_print_the_same_on_postgresql_as_on_tinydb(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    database: str,
) -> None:
    """The same plan edits and report week give byte-identical output on both backends."""
    monkeypatch.setattr(cli_report, "CLOCK", SimulatedClock(NOW))
    monkeypatch.setenv("COLUMNS", "120")
    commands = [
        ["plan", "list", "--from", "2026-11-23", "--format", "json"],
        ["plan", "list", "--from", "2026-11-23"],
        ["report", "summary", "--period", "2026-W48"],
        ["report", "broadcasts", "--period", "2026-W48", "--format", "csv"],
        ["report", "adherence", "--period", "2026-W48", "--lang", "ru"],
        ["report", "curve", "AL-1"],
    ]
    outputs = {}
    for name, table in (("tiny", ""), ("pg", store_table(database))):
        config = home(tmp_path / name, monkeypatch, table)
        if name == "pg":
            assert cli(capsys, "db", "migrate")[0] == 0
        store = config_store(load_config(config))
        monkeypatch.setattr(report_week, "open_store", lambda _data_dir, s=store: s)
        report_week.seed_week(
            tmp_path / name / "data", planned_title="Антикор", unplanned_title="Q&A",
            instagram_done=True,
        )  # fmt: skip
        getattr(store, "close", lambda: None)()
        code, out, err = cli(
            capsys, "plan", "add", "--programme", "adal-komek", "--title", "Legal advice",
            "--start", "2026-11-30 11:00", "--duration", "60",
            "--repeat", "FREQ=WEEKLY;BYDAY=MO,TU;COUNT=2",
        )  # fmt: skip
        assert code == 0, err
        ids = out.strip().splitlines()[-1].split()  # new broadcasts' ids are random
        said = [out, *(str(cli(capsys, *argv)[:2]) for argv in commands)]
        for n, broadcast_id in enumerate(ids):
            said = [text.replace(broadcast_id, f"<id{n}>") for text in said]
        said = [re.sub(r'"s-[0-9a-z]{8}"', "<series>", text) for text in said]  # random too
        outputs[name] = said
    import difflib

    print(
        "\n".join(
            difflib.unified_diff(
                outputs["tiny"][6].split("\\n"), outputs["pg"][6].split("\\n"), lineterm=""
            )
        )
    )
    assert outputs["pg"] == outputs["tiny"]
    assert all(text.startswith("(0, ") for text in outputs["pg"][1:])
    assert "Legal advice" in outputs["pg"][2] and "Антикор" in outputs["pg"][6]
    assert not (tmp_path / "pg" / "data").exists()  # nothing written to the data folder


@pytest.mark.parametrize(
    ("ci", "status", "said"), [("true", 1, "CI is set but"), ("", 0, "1 skipped")]
)
def test_without_a_test_server_the_pg_tests_fail_under_ci_and_skip_elsewhere(
    ci: str, status: int, said: str
) -> None:
    """Under CI a missing STREAMER_TEST_PG_URL fails the PostgreSQL tests, never skips them."""
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "STREAMER_TEST_PG_URL")}
    if ci:
        env["CI"] = ci
    test = "tests/test_store_contract.py::test_meta_round_trips_and_overwrites[pg]"
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rs", test],
        cwd=Path(__file__).parent.parent, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == status, done.stdout
    assert said in done.stdout
