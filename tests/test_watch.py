"""``streamer watch``: a live view of the collector, read from its data folder."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from collectors.simulator import Scenario, Simulator
from collectors.simulator.rolling import RollingWorld
from streamer.app.cli_root import invoke
from streamer.app.cli_watch import LABELS
from streamer.app.daemon import Collector
from streamer.app.simworld import ENVIRON
from streamer.clock import SimulatedClock, SystemClock
from streamer.config import load_config
from streamer.models import StreamStatus
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
