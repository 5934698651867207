"""Scenario files: the documented example loads, and a mistake names its line and key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from collectors.simulator import Scenario
from streamer.app.cli_root import invoke

EXAMPLE = Path(__file__).parent.parent / "docs" / "examples" / "scenario.json"


def test_documented_example_loads_with_every_platform_it_names() -> None:
    """docs/examples/scenario.json is a valid scenario."""
    scenario = Scenario.from_file(EXAMPLE)
    assert {s.platform for s in scenario.streams} == {"youtube", "facebook"}
    assert [s.actual_start is None for s in scenario.streams] == [False, False, True]


def _broken(tmp_path: Path, index: int, key: str, value: object) -> Path:
    data = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    data["streams"][index][key] = value
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    return path


def _line_of(path: Path, index: int, key: str) -> int:
    """The line of the ``index``-th stream's ``key`` in the file, counted by hand."""
    lines = path.read_text(encoding="utf-8").splitlines()
    seen = -1
    for number, line in enumerate(lines, start=1):
        if line == "    {":
            seen += 1
        if seen == index and line.strip().startswith(f'"{key}"'):
            return number
    raise AssertionError(key)


@pytest.mark.parametrize(
    ("index", "key", "value"),
    [
        (1, "peak_viewers", "many"),
        (2, "scheduled_start", "tomorrow"),
        (0, "privacy", "secret"),
        (2, "colour", "blue"),
    ],
)
def test_bad_scenario_is_one_line_naming_line_and_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], index: int, key: str, value: object
) -> None:
    """``simulate --scenario`` with a bad stream: one line with its line and key, exit 2."""
    path = _broken(tmp_path, index, key, value)
    assert invoke(["simulate", "--port", "0", "--scenario", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert f"line {_line_of(path, index, key)}: streams[{index}].{key}: " in err


def test_invalid_json_names_its_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A syntax error names the line where JSON parsing stopped, exit 2."""
    path = tmp_path / "bad.json"
    path.write_text('{\n  "seed": 7,\n  "streams": [\n    {"title": }\n  ]\n}\n', encoding="utf-8")
    assert invoke(["simulate", "--port", "0", "--scenario", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "line 4: not valid JSON" in err
