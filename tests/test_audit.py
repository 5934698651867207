"""`make audit`: scripts/audit.py tells a vulnerable pin (fail) from an unreachable
advisory service (say so, pass) and from a broken audit."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import audit  # noqa: E402

# pip-audit's JSON output (format of pip-audit 2.x, --format json), one vulnerable pin.
VULNERABLE = {
    "dependencies": [
        {"name": "httpx", "version": "0.28.1", "vulns": []},
        {
            "name": "requests",
            "version": "2.19.0",
            "vulns": [
                {"id": "PYSEC-2018-28", "fix_versions": ["2.20.0"], "aliases": ["CVE-2018-18074"]}
            ],
        },
    ],
    "fixes": [],
}
CLEAN = {
    "dependencies": [
        {"name": "httpx", "version": "0.28.1", "vulns": []},
        {"name": "tinydb", "skip_reason": "Dependency not found on PyPI and could not be audited"},
    ],
    "fixes": [],
}
OFFLINE_STDERR = (
    "requests.exceptions.ConnectionError: HTTPSConnectionPool(host='pypi.org', port=443): "
    "Max retries exceeded with url: /pypi/httpx/0.28.1/json (Caused by NameResolutionError)"
)


def test_a_vulnerable_pin_fails_with_its_advisory_and_fix() -> None:
    """Exit 1, naming the package, the advisory id and the fixed version."""
    status, lines = audit.classify(1, json.dumps(VULNERABLE), "")
    assert status == audit.VULNERABLE
    assert "requests==2.19.0: PYSEC-2018-28 (fixed in 2.20.0)" in "\n".join(lines)


def test_no_known_vulnerability_passes_and_names_unaudited_pins() -> None:
    """Exit 0; pins without advisory data are listed, not counted as audited."""
    status, lines = audit.classify(0, json.dumps(CLEAN), "")
    assert status == audit.OK
    assert "1 of 2 pins could not be audited" in lines[0] and "tinydb" in lines[0]
    assert lines[-1] == "audit: no known vulnerabilities in 1 audited pin(s)"


def test_an_unreachable_service_says_so_and_passes() -> None:
    """No JSON and a connection error: exit 0 with one line saying the audit was skipped."""
    status, lines = audit.classify(1, "", OFFLINE_STDERR)
    assert status == audit.OK and "cannot be reached" in lines[0]


def test_any_other_failure_is_a_broken_audit() -> None:
    """pip-audit failing for another reason (bad lock line) exits 2 with its last line."""
    status, lines = audit.classify(1, "", "ERROR: invalid requirement: 'httpx>'\n")
    assert status == audit.BROKEN and "invalid requirement" in lines[0]


@pytest.mark.parametrize(
    ("stdout", "stderr", "code", "expected"),
    [
        (json.dumps(VULNERABLE), "", 1, 1),
        (json.dumps(CLEAN), "", 0, 0),
        ("", OFFLINE_STDERR, 1, 0),
    ],
)
def test_the_script_exits_with_the_classified_status(
    tmp_path: Path, stdout: str, stderr: str, code: int, expected: int
) -> None:
    """End to end through a stand-in pip-audit that prints a recorded answer."""
    (tmp_path / "out.json").write_text(stdout)
    (tmp_path / "err.txt").write_text(stderr)
    fake = tmp_path / "pip-audit"
    fake.write_text(
        f"#!/bin/sh\ncat {tmp_path / 'out.json'}\ncat {tmp_path / 'err.txt'} >&2\nexit {code}\n"
    )
    fake.chmod(0o755)
    lock = tmp_path / "requirements.lock"
    lock.write_text("httpx==0.28.1\n")
    script = ROOT / "scripts" / "audit.py"
    done = subprocess.run(
        [sys.executable, str(script), "--pip-audit", str(fake), str(lock)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == expected, done.stderr
    assert (done.stdout + done.stderr).startswith("audit: ")


def test_the_lock_pins_every_package_exactly() -> None:
    """requirements.lock (what `make audit` checks) pins each line with ==."""
    lines = [
        line
        for line in (ROOT / "requirements.lock").read_text().splitlines()
        if line and not line.startswith("#")
    ]
    assert lines and all("==" in line for line in lines)
    assert {"httpx", "tinydb", "rich"} <= {line.split("==")[0].lower() for line in lines}
