"""The typed ``Rollup`` stores exactly what the dict-based fold stored.

``tests/fixtures/rollups/golden.json`` was written by main's fold before rollups were
typed (``make_golden.py`` beside it): recorded cycles of snapshots and gaps for a
YouTube stream, an Instagram one (no viewer counts), an old rollup lacking the exact
sums and ``live_until``, and a simulcast's combined samples, each with the stored
document after every cycle, as JSON text.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
import pytest

from streamer import rollup
from streamer.models import Gap, Snapshot, StreamStatus
from streamer.rollups import Rollup

GOLDEN = orjson.loads((Path(__file__).parent / "fixtures/rollups/golden.json").read_bytes())
CASES = {case["name"]: case for case in GOLDEN["cases"]}


def _snapshot(doc: dict[str, Any]) -> Snapshot:
    return Snapshot(
        doc["stream"],
        datetime.fromisoformat(doc["ts"]),
        StreamStatus(doc["status"]),
        doc["concurrent_viewers"],
        doc["views"],
        doc["likes"],
        doc["comments"],
    )


def _step(current: Rollup, step: dict[str, Any]) -> Rollup:
    gaps = [Gap.from_dict(g) for g in step["gaps"]]
    if gaps:
        current = rollup.fold_gaps(current, gaps)
    return rollup.fold(current, [_snapshot(s) for s in step["snapshots"]])


def _stored(current: Rollup) -> str:
    return orjson.dumps({"key": current.stream, "value": current.to_doc()}).decode()


@pytest.mark.parametrize("name", sorted(CASES))
def test_fold_stores_the_same_json_as_before(name: str) -> None:
    """Folding the recorded cycles gives, cycle by cycle, the stored JSON of main's fold."""
    case = CASES[name]
    current = Rollup.from_doc(orjson.loads(case["base"]))
    for index, step in enumerate(case["steps"]):
        current = _step(current, step)
        assert _stored(current) == step["stored"], f"{name}, cycle {index}"


@pytest.mark.parametrize("name", sorted(CASES))
def test_fold_from_the_stored_form_each_cycle(name: str) -> None:
    """Read back from its stored document every cycle (as the collector does), a rollup
    folds on to the same stored JSON."""
    case = CASES[name]
    stored = case["base"]
    for step in case["steps"]:
        value = orjson.loads(stored)
        current = _step(Rollup.from_doc(value.get("value", value)), step)
        stored = _stored(current)
        assert stored == step["stored"]


def test_stored_documents_load_and_write_back_unchanged() -> None:
    """Every recorded document, an old one lacking the newer fields included, loads and is
    written back byte for byte."""
    docs = [orjson.loads(case["base"]) for case in CASES.values()]
    docs += [orjson.loads(s["stored"])["value"] for c in CASES.values() for s in c["steps"]]
    assert any("live_until" not in doc for doc in docs)
    for doc in docs:
        assert orjson.dumps(Rollup.from_doc(doc).to_doc()) == orjson.dumps(doc)


def test_old_rollup_reads_with_its_derived_fields() -> None:
    """An old rollup reads with the exact sums from its minute figures and ``live_until``
    from its last live sample, and says those were absent."""
    old = Rollup.from_doc(orjson.loads(CASES["legacy"]["base"]))
    assert old.absent == frozenset(rollup.ADDED)
    assert old.covered_seconds == round(old.covered_minutes * 60)
    assert old.viewer_seconds_x2 == round(old.viewer_minutes * 120)
    assert old.live_until == old.last_live_at is not None
    assert old.last_sample_at is not None and old.last_sample_at.utcoffset() is not None
