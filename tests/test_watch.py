"""``streamer watch``: a live view of the collector, read from its data folder."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from collectors.simulator import Scenario, Simulator
from collectors.simulator.rolling import RollingWorld
from collectors.unsaved import FOLDER as UNSAVED
from collectors.unsaved import UnsavedGaps
from streamer.app.cli_root import invoke
from streamer.app.cli_watch import LABELS
from streamer.app.daemon import Collector
from streamer.app.simworld import ENVIRON
from streamer.clock import SimulatedClock, SystemClock
from streamer.config import load_config
from streamer.models import Gap, StreamStatus, to_iso
from streamer.store import config_store


@pytest.fixture(scope="module")
def collected(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A data folder after three minutes of collecting the rolling world's simulcast,
    ending just before the real now (``watch`` reads the real clock)."""
    folder = tmp_path_factory.mktemp("watch")
    start = SystemClock().now() - timedelta(minutes=6)
    clock = SimulatedClock(start)
    sim = Simulator(Scenario(), clock, rolling=RollingWorld(start))
    with sim.serve() as url:
        assert invoke(["init", "--simulator", url, str(folder)]) == 0
        config = load_config(folder / "streamer.toml")
        clock.advance(timedelta(minutes=2))
        with Collector(config, clock, ENVIRON) as collector:
            for _ in range(3):
                collector.collect_once()
                clock.advance(timedelta(minutes=1))
    yield folder / "streamer.toml"


def _latest_youtube_viewers(config_path: Path) -> set[int]:
    store = config_store(load_config(config_path))
    live = {k for k, s in store.streams().items()
            if s.status is StreamStatus.LIVE and s.platform == "youtube"}  # fmt: skip
    now = SystemClock().now()
    latest: dict[str, int] = {}
    for snap in store.snapshots(now - timedelta(hours=1), now, live):
        if snap.concurrent_viewers is not None:
            latest[snap.stream] = snap.concurrent_viewers
    return set(latest.values())


@pytest.mark.parametrize(
    ("lang", "names"),
    [("en", ("Adal Komek", "Antikor.Live")), ("ru", ("Adal Komek",)), ("kk", ("Adal Komek",))],
)
def test_watch_once_shows_live_broadcasts_with_viewers_in_80_columns(
    collected: Path,
    lang: str,
    names: tuple[str, ...],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """One frame: both programmes live with their latest viewers, every line ≤ 80 columns."""
    monkeypatch.setenv("COLUMNS", "80")
    assert invoke(["--config", str(collected), "watch", "--once", "--lang", lang]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines and max(len(line) for line in lines) <= 80
    words = LABELS[lang]
    for label in (words["live"], words["next"], words["platforms"], words["cycle"]):
        assert label in lines
    for name in names:
        assert f"  {name}" in lines
    youtube = [line for line in lines if line.startswith("    youtube ")]
    assert len(youtube) == 2
    shown = {int(line.split()[1].replace(",", "")) for line in youtube}
    assert shown == _latest_youtube_viewers(collected)
    assert all(any(c in line for c in "▁▂▃▄▅▆▇█") for line in youtube)  # a trend is drawn
    assert "gaps" in out or words["gaps"] in out


def test_watch_once_before_any_cycle_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An empty data folder: nothing live, no cycle yet, still exit 0."""
    assert invoke(["init", str(tmp_path)]) == 0
    capsys.readouterr()
    assert invoke(["--config", str(tmp_path / "streamer.toml"), "watch", "--once"]) == 0
    out = capsys.readouterr().out
    assert "nothing live" in out and "no cycle yet" in out


def test_ctrl_c_in_the_live_view_exits_0(
    collected: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C while refreshing is the normal way out: exit 0, no 'interrupted'."""
    calls: list[float] = []

    def sleep(self: SystemClock, seconds: float) -> None:
        calls.append(seconds)
        if len(calls) == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(SystemClock, "sleep", sleep)
    assert invoke(["--config", str(collected), "watch", "--every", "3"]) == 0
    captured = capsys.readouterr()
    assert calls == [3, 3] and "interrupted" not in captured.err
    assert "Adal Komek" in captured.out


def test_status_and_watch_show_the_gaps_waiting_for_the_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cycle the store refused writes no cycle record: what it missed waits in
    ``unsaved/``. ``status`` and ``watch`` count those gaps, each once (two collectors
    that saw one outage both keep its gaps), say since when, and say "none" once written."""
    assert invoke(["init", str(tmp_path)]) == 0
    path = tmp_path / "streamer.toml"
    config = load_config(path)
    now = SystemClock().now().replace(microsecond=0)
    gaps = [
        Gap("youtube:v1", now - timedelta(minutes=3), "store"),
        Gap("youtube:v1", now - timedelta(minutes=2), "store"),
        Gap("youtube:v2", now - timedelta(minutes=2), "timeout"),
    ]
    first, second = (UnsavedGaps(config.data_dir / UNSAVED) for _ in range(2))
    first.keep(gaps[:2])
    second.keep(gaps[1:])  # the outage's gap both collectors saw, and one of its own
    capsys.readouterr()

    assert invoke(["--config", str(path), "status", "--format", "json"]) == 0
    found = json.loads(capsys.readouterr().out)["unsaved_gaps"]
    assert found == {"count": 3, "since": to_iso(gaps[0].ts),
                     "reasons": {"store": 2, "timeout": 1}, "unreadable": []}  # fmt: skip
    assert invoke(["--config", str(path), "status"]) == 0
    since = gaps[0].ts.astimezone(config.tz)
    assert f"  3 since {since:%Y-%m-%d %H:%M}: store 2, timeout 1" in capsys.readouterr().out
    monkeypatch.setenv("COLUMNS", "80")
    assert invoke(["--config", str(path), "watch", "--once", "--lang", "ru"]) == 0
    waiting = f"  {LABELS['ru']['unsaved'].format(3, f'{since:%H:%M:%S}')}"
    assert waiting in capsys.readouterr().out.splitlines()

    first.written(), second.written()  # a cycle wrote them
    assert invoke(["--config", str(path), "status"]) == 0
    out = capsys.readouterr().out.splitlines()
    header = out.index("missed polls waiting for the store (written with the next cycle)")
    assert out[header + 1] == "  none"
    assert invoke(["--config", str(path), "watch", "--once", "--lang", "ru"]) == 0
    assert waiting.split(":")[0] not in capsys.readouterr().out


def test_status_names_an_unsaved_file_no_collector_can_read(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Its gaps can never reach the store, and collectors leave it where it is: status
    (JSON and text) and watch (in each language) name it, status counts the readable
    files' gaps, and nothing is logged (a live view would log it on every frame)."""
    assert invoke(["init", str(tmp_path)]) == 0
    path = tmp_path / "streamer.toml"
    config = load_config(path)
    kept = UnsavedGaps(config.data_dir / UNSAVED)
    kept.keep([Gap("youtube:v1", SystemClock().now().replace(microsecond=0), "store")])
    broken = config.data_dir / UNSAVED / "123-deadbeef.jsonl"
    broken.write_text('{"gaps": [{"stream": "youtube:v2"}]}\n', "utf-8")  # no time, no reason
    capsys.readouterr()
    with caplog.at_level(logging.WARNING):
        assert invoke(["--config", str(path), "status", "--format", "json"]) == 0
        found = json.loads(capsys.readouterr().out)["unsaved_gaps"]
        assert invoke(["--config", str(path), "status"]) == 0
    assert found["count"] == 1 and found["unreadable"] == [str(broken)]
    assert "  cannot be read, left as it is: unsaved/123-deadbeef.jsonl" in capsys.readouterr().out
    monkeypatch.setenv("COLUMNS", "80")
    with caplog.at_level(logging.WARNING):
        for lang in LABELS:  # watch names it too, in each language, within 80 columns
            assert invoke(["--config", str(path), "watch", "--once", "--lang", lang]) == 0
            out = capsys.readouterr().out.splitlines()
            named = f"  {LABELS[lang]['unreadable'].format('unsaved/123-deadbeef.jsonl')}"
            assert named in out and max(map(len, out)) <= 80
    assert "unsaved gaps" not in caplog.text
