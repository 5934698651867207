"""Reading a month archive's streams without parsing the month: ``tinyfiles.first_table``
and ``TinyStore.grouped_streams``, what a collector regrouping a week reads."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from streamer import tinyfiles
from streamer.models import Broadcast, BroadcastStatus, Stream, Target
from streamer.rollups import Rollup
from streamer.store import CycleWrite
from streamer.tinyfiles import first_table
from streamer.tinystore import TinyStore
from streamer.unplanned import group_of

START = datetime(2026, 1, 10, 9, 0, tzinfo=UTC)
ARCHIVE = Path("archive") / "2026-01.json"
TAIL = Path("archive") / "2026-01.tail.jsonl"
TRICKY = ['}},"rollups":{', '"}', "\\", "\\\\", "{", "}}}", "Антикор\n\t", "\u2028", "💬", ""]


def every(doc: dict[str, Any]) -> bool:
    return True


def write(path: Path, data: dict[str, Any]) -> Path:
    path.write_bytes(orjson.dumps(data))
    return path


def streams_table(titles: list[str]) -> dict[str, Any]:
    return {
        str(n): {"key": f"youtube:v{n}", "title": title, "broadcast_id": f"b{n % 3}", "n": n}
        for n, title in enumerate(titles, 1)
    }


@pytest.mark.parametrize("chunk", [1, 7, 64, 1 << 16])
def test_the_first_table_reads_as_the_whole_parse_across_chunk_boundaries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    """Titles holding braces, quotes, backslashes and the very text that follows the table
    read back exactly, wherever a chunk ends; the other tables are not needed."""
    monkeypatch.setattr(tinyfiles, "_CHUNK", chunk)
    titles = [t * k for k in range(1, 4) for t in TRICKY]
    data = {"streams": streams_table(titles), "rollups": {"1": {"key": "x", "value": {"a": 1}}}}
    path = write(tmp_path / "m.json", data)
    assert first_table(path, "streams", every) == data["streams"]
    wanted = first_table(path, "streams", lambda doc: doc["broadcast_id"] == "b1")
    assert wanted == {k: d for k, d in data["streams"].items() if d["broadcast_id"] == "b1"}


@settings(max_examples=60, deadline=None)
@given(
    titles=st.lists(st.text(max_size=40), max_size=12),
    chunk=st.integers(min_value=1, max_value=50),
)
def test_any_titles_read_back_as_orjson_parses_them(titles: list[str], chunk: int) -> None:
    """Whatever a title holds, the lean read gives what ``orjson.loads`` of the file does."""
    import tempfile

    data = {"streams": streams_table(titles), "quota": {}}
    with tempfile.TemporaryDirectory() as tmp:
        path = write(Path(tmp) / "m.json", data)
        old = tinyfiles._CHUNK
        tinyfiles._CHUNK = chunk
        try:
            assert first_table(path, "streams", every) == orjson.loads(path.read_bytes())["streams"]
        finally:
            tinyfiles._CHUNK = old


@pytest.mark.parametrize(
    "raw",
    [
        b'{"rollups":{},"streams":{"1":{"key":"a"}}}',  # not the first table
        b'{"streams": {"1": {"key": "a"}}}',  # not compact
        b'{"streams":{"1":{"key":"a","nested":{"b":1}}}}',  # a document with an object
        b'{"streams":{"1":{"key":"a",}}}',  # not JSON
        b'{"streams":{"1":{"key":"a"}',  # cut short
        b"",
    ],
)
def test_a_file_not_written_that_way_is_left_to_the_whole_parse(tmp_path: Path, raw: bytes) -> None:
    """Anything but a compact first table of flat documents answers ``None``."""
    path = tmp_path / "m.json"
    path.write_bytes(raw)
    assert first_table(path, "streams", every) is None


def test_an_empty_table_and_a_missing_file_hold_nothing(tmp_path: Path) -> None:
    path = write(tmp_path / "m.json", {"streams": {}, "rollups": {"1": {"key": "x"}}})
    assert first_table(path, "streams", every) == {}
    assert first_table(tmp_path / "none.json", "streams", every) == {}


def stream(n: int, group: str | None = None, **changes: Any) -> Stream:
    """Stream ``s<n>`` of broadcast ``group``, started in January 2026, done."""
    start = START + timedelta(hours=n)
    fields: dict[str, Any] = {"actual_start": start, "done": True, **changes}
    return Stream("youtube", f"s{n}", "UCx", broadcast_id=group, **fields)


def finish(store: TinyStore, *streams: Stream) -> None:
    rollups = {s.key: Rollup(s.key, 60, peak_concurrent=1) for s in streams}
    store.commit_cycle(CycleWrite(streams=list(streams), rollups=rollups))


def by_group(store: TinyStore, groups: set[str]) -> dict[str, Stream]:
    """What ``grouped_streams`` must give: the whole-history read, filtered."""
    everything = store.streams(include_archive=True).items()
    return {key: s for key, s in everything if group_of(s) in groups}


def test_grouped_streams_read_the_archive_and_its_tail_without_parsing_the_month(
    data_dir: Path,
) -> None:
    """Archived streams (the file and its tail), a working one and an unplanned one are
    found by group; the month is not parsed (nothing of it is cached)."""
    store = TinyStore(data_dir, fold_bytes=1)
    finish(store, stream(0, "b1"), stream(1, "b2"))  # creates the month
    finish(store, stream(2, "b1"), stream(3, None, unplanned_id="u1"))  # its tail
    finish(store, stream(6, "b2"))  # the tail is folded into the file
    finish(store, stream(4, "b1"))  # a new tail
    store.commit_cycle(CycleWrite(streams=[stream(5, "b1", done=False)]))  # working
    assert (data_dir / TAIL).exists()
    fresh = TinyStore(data_dir)
    found = fresh.grouped_streams({"b1", "u1"})
    assert sorted(found) == ["youtube:s0", "youtube:s2", "youtube:s3", "youtube:s4", "youtube:s5"]
    assert not any(rel.startswith("archive/") for rel in fresh._file_cache)
    assert found == by_group(fresh, {"b1", "u1"})
    assert fresh.grouped_streams(set()) == {}


def test_a_newer_copy_in_the_tail_or_main_decides_the_group(data_dir: Path) -> None:
    """A stream regrouped after it was archived counts where its newest copy says."""
    store = TinyStore(data_dir, fold_bytes=1)
    finish(store, stream(0, "b1"), stream(1, "b1"))  # the file
    finish(store, dataclasses.replace(stream(0, "b1"), broadcast_id="b2"))  # tail: s0 moves
    assert (data_dir / TAIL).exists()
    main = {"streams": {"1": stream(1, "b3", done=False).to_dict()}}  # main: s1 moves
    (data_dir / "streamer.json").write_bytes(orjson.dumps(main))
    fresh = TinyStore(data_dir)
    assert fresh.grouped_streams({"b1"}) == {}
    assert sorted(fresh.grouped_streams({"b2", "b3"})) == ["youtube:s0", "youtube:s1"]


def test_a_month_written_in_another_order_is_read_whole_and_a_fold_puts_streams_first(
    data_dir: Path,
) -> None:
    """A month whose streams are not its first table (an older release's) still answers,
    by the whole parse; its next fold writes the streams first."""
    store = TinyStore(data_dir, fold_bytes=1)
    finish(store, stream(0, "b1"))
    path = data_dir / ARCHIVE
    data = orjson.loads(path.read_bytes())
    write(path, {"quota": {}, **data})
    assert next(iter(orjson.loads(path.read_bytes()))) == "quota"
    assert sorted(TinyStore(data_dir).grouped_streams({"b1"})) == ["youtube:s0"]
    finish(store, stream(1, "b1"))
    finish(store, stream(2, "b1"))  # the tail passes fold_bytes: the month is rewritten
    assert next(iter(orjson.loads(path.read_bytes()))) == "streams"
    fresh = TinyStore(data_dir)
    assert sorted(fresh.grouped_streams({"b1"})) == ["youtube:s0", "youtube:s1", "youtube:s2"]
    assert not any(rel.startswith("archive/") for rel in fresh._file_cache)


def test_streams_joining_a_month_a_broadcast_created_are_put_first(data_dir: Path) -> None:
    """A finished broadcast creates its month (no streams yet); when streams moved there
    later are folded in, their table is written first, ahead of the plan."""
    store = TinyStore(data_dir, fold_bytes=1)
    target = (Target("youtube", "UCx"),)
    item = Broadcast("b1", "antikor-live", "Эфир", START, 60, target, status=BroadcastStatus.HELD)
    store.change_plan(lambda plan: [item])
    store.commit_cycle(CycleWrite(now=START + timedelta(days=30)))
    assert list(orjson.loads((data_dir / ARCHIVE).read_bytes())) == ["broadcasts"]
    finish(store, stream(0, "b1"))  # the tail
    finish(store, stream(1, "b1"))  # folded
    data = orjson.loads((data_dir / ARCHIVE).read_bytes())
    assert list(data)[:1] == ["streams"] and "broadcasts" in data
    fresh = TinyStore(data_dir)
    assert sorted(fresh.grouped_streams({"b1"})) == ["youtube:s0", "youtube:s1"]
    assert not any(rel.startswith("archive/") for rel in fresh._file_cache)
