"""Audit the locked dependencies with pip-audit; tell "cannot reach" from "vulnerable".

    python scripts/audit.py [--pip-audit PATH] [requirements.lock]

Exit status: 0 when no known vulnerability is found, and also when the advisory
service cannot be reached or has no data for the pins (said on one line, so CI
stays green offline); 1 when a pin has a known vulnerability (each listed with
its advisory ids and fixed versions); 2 when the audit itself is broken (no lock
file, pip-audit failing for another reason).

pip-audit runs with ``--no-deps`` on the lock, which pins every package
(``pip freeze --exclude-editable``, ``make lock``), so nothing is resolved or
installed; it asks PyPI's JSON API about each pin.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

OK, VULNERABLE, BROKEN = 0, 1, 2
# What requests/urllib3 say when the network or the service is not there.
UNREACHABLE = (
    "ConnectionError",
    "NameResolutionError",
    "Max retries exceeded",
    "Failed to resolve",
    "ConnectTimeout",
    "ReadTimeout",
    "ProxyError",
    "Temporary failure in name resolution",
    "Network is unreachable",
)


def classify(returncode: int, stdout: str, stderr: str) -> tuple[int, list[str]]:
    """The exit status and the lines to print for one pip-audit run (JSON on stdout)."""
    try:
        found: dict[str, Any] = json.loads(stdout)
    except ValueError:
        found = {}
    deps = found.get("dependencies")
    if not isinstance(deps, list):
        if any(marker in stderr for marker in UNREACHABLE):
            return OK, ["audit: the advisory service cannot be reached; audit skipped (not failed)"]
        tail = stderr.strip().splitlines()[-1:] or [f"exit status {returncode}"]
        return BROKEN, [f"audit: pip-audit failed: {tail[0]}"]
    vulnerable = [dep for dep in deps if dep.get("vulns")]
    skipped = [dep for dep in deps if dep.get("skip_reason")]
    audited = len(deps) - len(skipped)
    lines = [
        f"audit: {name_version(dep)}: " + ", ".join(advisory(vuln) for vuln in dep["vulns"])
        for dep in vulnerable
    ]
    if skipped:
        names = ", ".join(name_version(dep) for dep in skipped[:8])
        more = f" and {len(skipped) - 8} more" if len(skipped) > 8 else ""
        lines.append(
            f"audit: {len(skipped)} of {len(deps)} pins could not be audited "
            f"(no advisory data for these versions): {names}{more}"
        )
    if vulnerable:
        lines.append(f"audit: {len(vulnerable)} pinned package(s) with known vulnerabilities")
        return VULNERABLE, lines
    lines.append(f"audit: no known vulnerabilities in {audited} audited pin(s)")
    return OK, lines


def advisory(vuln: dict[str, Any]) -> str:
    """``PYSEC-2018-28 (fixed in 2.20.0)``."""
    fixed = ", ".join(vuln.get("fix_versions") or []) or "no release"
    return f"{vuln.get('id')} (fixed in {fixed})"


def name_version(dep: dict[str, Any]) -> str:
    """``name==version`` (a skipped pin has no version field: its name alone)."""
    version = dep.get("version")
    return f"{dep.get('name')}=={version}" if version else str(dep.get("name"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lock", nargs="?", default="requirements.lock", type=Path)
    parser.add_argument("--pip-audit", default=shutil.which("pip-audit") or "pip-audit")
    parser.add_argument("--timeout", type=int, default=15)
    args = parser.parse_args(argv)
    if not args.lock.is_file():
        print(f"audit: {args.lock} does not exist; run 'make lock'", file=sys.stderr)
        return BROKEN
    command = [
        args.pip_audit, "--no-deps", "--disable-pip", "--progress-spinner", "off",
        "--timeout", str(args.timeout), "--format", "json", "-r", str(args.lock),
    ]  # fmt: skip
    try:
        done = subprocess.run(command, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        print(f"audit: {args.pip_audit} not found; install pip-audit", file=sys.stderr)
        return BROKEN
    status, lines = classify(done.returncode, done.stdout, done.stderr)
    print("\n".join(lines), file=sys.stderr if status else sys.stdout)
    return status


if __name__ == "__main__":
    sys.exit(main())
