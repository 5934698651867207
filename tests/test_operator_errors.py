"""Operator mistakes and accidents end as one line, never a traceback.

A data folder the process may not write, a busy simulator port, a missing charts
extra, Ctrl-C at any moment, a bare ``streamer``: each is run as the console script
runs (a subprocess of ``streamer.app.cli:main``) and must give its exit status, one
stderr line and nothing lost. The tests run as root, which ignores permission bits:
a read-only folder is made real by starting the subprocess without the capabilities
that let root write anywhere (``setpriv --bounding-set -dac_override,...``).
"""

from __future__ import annotations

import hashlib
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from helpers.configs import KEY_NAMES, simulator_config
from helpers.loopback import Served, live_now

from collectors.simulator import Scenario, Simulator
from streamer.app.cli import run
from streamer.clock import SystemClock

CHANNEL = "UCoperatorErrorsChannel1"
KEY_ENV = KEY_NAMES["youtube"]["api_key_env"]
PROGRAMME = ("antikor-live", "Antikor.Live", (("youtube", CHANNEL),))


def config_text(url: str) -> str:
    """A YouTube-only streamer.toml on ``url``."""
    return simulator_config(url, programmes=[PROGRAMME], extra="[collector]\nrequest_timeout = 5\n")


STREAMER = [sys.executable, "-c", "from streamer.app.cli import main; main()"]
# Root writes anywhere through these capabilities; without them the owner's mode bits
# apply to root as to anyone (the folders below belong to root).
AS_ORDINARY_USER = (
    ["setpriv", "--bounding-set", "-dac_override,-dac_read_search,-fowner", "--inh-caps=-all"]
    if os.geteuid() == 0
    else []
)
TIMEOUT = 60  # seconds: a hung subprocess fails the test instead of the whole run


def environment(**extra: str) -> dict[str, str]:
    """The test's environment without a config override, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if k != "STREAMER_CONFIG"}
    return {**env, "PYTHONDONTWRITEBYTECODE": "1", KEY_ENV: "AIzaFAKE-operator", **extra}


def streamer(
    *args: str, cwd: Path, prefix: list[str] | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``streamer ARGS`` as the console script runs it, finished."""
    return subprocess.run(
        [*(prefix or []), *STREAMER, *args],
        cwd=cwd,
        env=env or environment(),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )


def one_line(stderr: str, start: str = "streamer: error: ") -> str:
    """The only stderr line, which starts with ``start``; no traceback anywhere."""
    assert "Traceback" not in stderr, stderr
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith(start), stderr
    return lines[0]


def fingerprint(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` with a hash of its bytes."""
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def read_only(folder: Path) -> None:
    """Take write permission off ``folder`` and every folder and file in it."""
    for path in [folder, *folder.rglob("*")]:
        path.chmod(0o555 if path.is_dir() else 0o444)


@pytest.fixture
def served(serve: Callable[[Simulator], Served]) -> Served:
    """The simulator on loopback with one stream live now, counting requests."""
    live = live_now(CHANNEL, "operatorVid", final_views=900)
    return serve(Simulator(Scenario(streams=[live], seed=3), SystemClock()))


@pytest.fixture
def folder(tmp_path: Path, served: Served) -> Path:
    """A config on the simulator and a data folder holding one planned broadcast."""
    config = config_text(served.url)
    (tmp_path / "streamer.toml").write_text(config, encoding="utf-8")
    assert run(["--config", str(tmp_path / "streamer.toml"), "plan", "add",
                "--programme", "antikor-live", "--title", "Kept", "--start", "2026-11-30 11:00",
                "--duration", "60"]) == 0  # fmt: skip
    return tmp_path


PLAN_CSV = (
    "id,programme,title,start,duration_min,targets,topic,speakers,district,status,series_id\n"
    ",antikor-live,Imported,2026-12-01 15:00,60,,,,,planned,\n"
)


@pytest.mark.parametrize(
    "args",
    [
        ["plan", "add", "--programme", "antikor-live", "--title", "New",
         "--start", "2026-12-02 11:00", "--duration", "30"],
        ["plan", "import", "plan.csv"],
        ["collect", "--once"],
        ["run"],
    ],
    ids=["plan add", "plan import", "collect --once", "run"],
)  # fmt: skip
def test_a_read_only_data_folder_is_one_line_before_any_request(
    folder: Path, served: Served, args: list[str]
) -> None:
    """Writing commands refuse a read-only data folder up front: exit 2, one line naming
    the folder and the reason, no request sent to any platform, no stored byte changed."""
    (folder / "plan.csv").write_text(PLAN_CSV, encoding="utf-8")
    before = fingerprint(folder / "data")
    requests = served.sim.stats.total_requests
    read_only(folder / "data")
    done = streamer(*args, cwd=folder, prefix=AS_ORDINARY_USER)
    line = one_line(done.stderr)
    assert done.returncode == 2
    assert f"data folder {folder / 'data'} is not writable (Permission denied)" in line
    assert served.sim.stats.total_requests == requests
    assert fingerprint(folder / "data") == before


def test_reading_commands_still_work_on_a_read_only_data_folder(folder: Path) -> None:
    """``plan list`` reads a read-only data folder as usual (the check is for writers)."""
    read_only(folder / "data")
    done = streamer("plan", "list", "--format", "csv", cwd=folder, prefix=AS_ORDINARY_USER)
    assert done.returncode == 0, done.stderr
    assert "Kept" in done.stdout


def test_simulate_on_a_busy_port_is_one_line_exit_2(tmp_path: Path) -> None:
    """``simulate --port N`` with N taken says so and suggests --port, exit 2."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = streamer("simulate", "--port", str(port), cwd=tmp_path)
    line = one_line(done.stderr)
    assert done.returncode == 2
    assert f"port {port} is in use; pick another with --port" in line


SHIM = """\
import os, signal, sys


class _Interrupt:
    \"\"\"Ctrl-C (a real SIGINT to this process) the moment {module!r} starts loading.\"\"\"

    def find_spec(self, name, path=None, target=None):
        if name == {module!r}:
            sys.meta_path.remove(self)
            os.kill(os.getpid(), signal.SIGINT)
        return None


sys.meta_path.insert(0, _Interrupt())
"""


def shimmed(tmp_path: Path, code: str) -> dict[str, str]:
    """An environment whose Python runs ``code`` at start-up (a ``sitecustomize``)."""
    shim = tmp_path / "shim"
    shim.mkdir()
    (shim / "sitecustomize.py").write_text(code, encoding="utf-8")
    return environment(PYTHONPATH=os.pathsep.join([str(shim), *sys.path]))


@pytest.mark.parametrize(
    ("command", "module"),
    [
        (["plan", "list"], "click"),
        (["plan", "list"], "rich"),
        (["plan", "list"], "streamer.config"),
        (["collect", "--once"], "streamer.app.daemon"),
        (["run"], "streamer.app.daemon"),
        (["run"], "collectors.registry"),
    ],
)
def test_ctrl_c_while_starting_is_one_line_exit_130(
    tmp_path: Path, command: list[str], module: str
) -> None:
    """SIGINT while the program or the command is still loading: ``streamer:
    interrupted``, 130, and nothing stored yet."""
    job_config(tmp_path)
    env = shimmed(tmp_path, SHIM.format(module=module))
    done = streamer(*command, cwd=tmp_path, env=env)
    assert done.returncode == 130
    assert one_line(done.stderr, "streamer: interrupted") == "streamer: interrupted"


@pytest.fixture
def silent_platform() -> Iterator[tuple[str, threading.Event]]:
    """A loopback server that accepts connections and never answers; the event is set
    once the first one arrives (a request is in flight)."""
    arrived = threading.Event()
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        held: list[socket.socket] = []

        def accept() -> None:
            try:
                while True:
                    held.append(server.accept()[0])
                    arrived.set()
            except OSError:  # the server socket closed: the test is over
                return

        threading.Thread(target=accept, daemon=True).start()
        yield f"http://127.0.0.1:{server.getsockname()[1]}", arrived
        server.shutdown(socket.SHUT_RDWR)
        for conn in held:
            conn.close()


def test_ctrl_c_during_a_cycle_is_one_line_exit_130(
    tmp_path: Path, silent_platform: tuple[str, threading.Event]
) -> None:
    """SIGINT while ``collect --once`` waits on a platform: one line, 130, store intact."""
    url, arrived = silent_platform
    config = config_text(url)
    (tmp_path / "streamer.toml").write_text(config, encoding="utf-8")
    assert run(["--config", str(tmp_path / "streamer.toml"), "plan", "add",
                "--programme", "antikor-live", "--title", "Kept", "--start", "2026-11-30 11:00",
                "--duration", "60"]) == 0  # fmt: skip
    before = fingerprint(tmp_path / "data")
    process = subprocess.Popen(
        [*STREAMER, "collect", "--once", "--log-level", "ERROR"],
        cwd=tmp_path, env=environment(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert arrived.wait(TIMEOUT), "no request reached the platform"
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=TIMEOUT)
    finally:
        process.kill()
    assert process.returncode == 130
    assert one_line(stderr, "streamer: interrupted") == "streamer: interrupted"
    assert fingerprint(tmp_path / "data") == before


@pytest.mark.parametrize("argv", [[], ["plan"], ["report"]])
def test_a_bare_group_prints_its_full_help(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """``streamer`` or ``streamer plan`` alone print the same help as ``--help`` (one
    option or command a line, not squashed), on stderr with status 2, as click does."""
    assert run([*argv, "--help"]) == 0
    help_text = capsys.readouterr().out
    assert run(argv) == 2
    err = capsys.readouterr().err
    assert err == help_text
    assert "Commands:" in err and err.count("\n") > 10
    assert "streamer: error" not in err


DEMO_REPORTS = """\
import sys
from datetime import date
from pathlib import Path

from streamer.app.console import make_console
from streamer.app.demo import plan_week, report_week, write_config
from streamer.store import config_store

folder, monday = Path(sys.argv[1]), date(2026, 11, 30)
config = write_config(folder)
plan_week(config, monday)
report_week(config_store(config), config, monday, folder, make_console())
"""


@pytest.mark.parametrize("charts", [True, False], ids=["with matplotlib", "without"])
def test_demo_reports_without_the_charts_extra(tmp_path: Path, charts: bool) -> None:
    """The demo's report step with matplotlib unimportable (a plain ``pip install .``)
    writes its CSV files, no chart, and one line saying how to get charts; with
    matplotlib it writes the chart and says nothing about it."""
    block = "" if charts else "import sys\nsys.modules['matplotlib'] = None\n"
    env = shimmed(tmp_path, block)
    folder = tmp_path / "demo"
    folder.mkdir()
    done = subprocess.run(
        [sys.executable, "-c", DEMO_REPORTS, str(folder)],
        env=env, capture_output=True, text=True, timeout=TIMEOUT,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    written = sorted(path.name for path in (folder / "reports").iterdir())
    hints = [line for line in done.stdout.splitlines() if "streamer[charts]" in line]
    if charts:
        assert written == ["adherence-2026-11-30_2026-12-06.csv",
                           "summary-2026-11-30_2026-12-06.csv",
                           "summary-2026-11-30_2026-12-06.png"]  # fmt: skip
        assert hints == []
    else:
        assert written == ["adherence-2026-11-30_2026-12-06.csv",
                           "summary-2026-11-30_2026-12-06.csv"]  # fmt: skip
        [hint] = hints
        assert hint == "no chart: matplotlib is missing; pip install 'streamer[charts]' for charts"


JOB = """
[[reports]]
name = "weekly"
cron = "{cron}"
period = "{period}"
out_dir = "{out_dir}"
"""
BAD_JOBS = [
    (
        {"period": "last-wek"},
        "reports[0].period: job 'weekly': period 'last-wek' is not understood",
    ),
    ({"cron": "0 9 * * MONDAY"}, "reports[0].cron: job 'weekly': cron weekday 'MONDAY'"),
    ({"cron": "0 9 * * 8"}, "reports[0].cron: job 'weekly': cron weekday '8': 8 is out of range"),
    ({"cron": "0 25 * * MON"}, "reports[0].cron: job 'weekly': cron '0 25 * * MON'"),
    ({"cron": "0 9 * *"}, "reports[0].cron: job 'weekly': cron '0 9 * *' needs 5 fields"),
    ({"cron": "0 9 30 2 *"}, "reports[0].cron: job 'weekly': cron '0 9 30 2 *' never fires"),
    ({"out_dir": "streamer.toml"}, "reports[0].out_dir: job 'weekly':"),
]


def job_config(folder: Path, **fields: str) -> Path:
    """A streamer.toml in ``folder`` with one scheduled job, ``fields`` overriding a good one."""
    values = {"cron": "0 9 * * 1", "period": "last-week", "out_dir": "out", **fields}
    path = folder / "streamer.toml"
    path.write_text(config_text("http://127.0.0.1:9")
                    + JOB.format(**values), encoding="utf-8")  # fmt: skip
    return path


@pytest.mark.parametrize(("fields", "message"), BAD_JOBS, ids=[m for _, m in BAD_JOBS])
@pytest.mark.parametrize("command", [["plan", "list"], ["report", "run", "weekly"], ["quota"]])
def test_a_bad_scheduled_job_is_refused_by_every_command(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    fields: dict[str, str],
    message: str,
    command: list[str],
) -> None:
    """A scheduled job's period, cron line or out_dir is checked when the config loads,
    whatever the command: exit 2, one line naming the file, the key and the job."""
    path = job_config(tmp_path, **fields)
    assert run(["--config", str(path), *command]) == 2
    line = one_line(capsys.readouterr().err)
    assert f"{path}: {message}" in line
    assert not (tmp_path / "data").exists()


def test_run_refuses_a_bad_scheduled_job_before_starting(tmp_path: Path) -> None:
    """``streamer run`` with a job that could never fire stops at start-up: exit 2, one line."""
    job_config(tmp_path, cron="0 9 * * MONDAY")
    done = streamer("run", cwd=tmp_path)
    assert done.returncode == 2
    assert "reports[0].cron: job 'weekly'" in one_line(done.stderr)
    assert not (tmp_path / "data").exists()


@pytest.mark.parametrize(
    "cron", ["0 9 * * 1", "0 9 * * MON", "0 9 * * 0,7", "*/15 8-18 * * mon-fri"]
)
def test_good_cron_lines_load(tmp_path: Path, cron: str) -> None:
    """Standard cron weekdays (numbers 0-7, names, ranges, lists) pass the load-time check."""
    path = job_config(tmp_path, cron=cron)
    assert run(["--config", str(path), "plan", "list", "--format", "csv"]) == 0


def test_a_read_only_report_folder_is_refused_before_the_report_runs(tmp_path: Path) -> None:
    """``report run`` checks the job's out_dir takes files first: exit 2, one line, nothing
    written there."""
    path = job_config(tmp_path)
    assert run(["--config", str(path), "plan", "list"]) == 0  # makes the data folder
    (tmp_path / "out").mkdir()
    read_only(tmp_path / "out")
    done = streamer("report", "run", "weekly", cwd=tmp_path, prefix=AS_ORDINARY_USER)
    assert done.returncode == 2
    line = one_line(done.stderr)
    assert (
        f"report 'weekly': out_dir {tmp_path / 'out'} is not writable (Permission denied)" in line
    )
    assert list((tmp_path / "out").iterdir()) == []
