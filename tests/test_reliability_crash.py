"""Promise 2: a crash loses at most the cycle in flight (bounded: 8 SIGKILLs).

A collector process (the simulator and the engine on one simulated clock) is killed with
SIGKILL at random moments and restarted each time, its clock resuming after the last
acknowledged cycle. After every kill: all files load, no snapshot or gap is saved
twice, every acknowledged snapshot and stream is still there. At the end, every stream
the simulator aired is in the store. ``tests/soak_reliability.py`` does 50 kills.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from helpers.crashing import FAR, CrashLog, crash_run
from helpers.reliability import MONDAY, TZ, scenario

from streamer.tinystore import TinyStore

KILLS = 8
# Tuesday's Antikor.Live at 15:00 Almaty, on YouTube, Facebook, Instagram and Twitch.
BEGIN = datetime.combine(MONDAY + timedelta(days=1), time(14, 30), tzinfo=TZ)
UNTIL = datetime.combine(MONDAY + timedelta(days=1), time(16, 40), tzinfo=TZ)


@pytest.fixture(scope="module")
def killed(tmp_path_factory: pytest.TempPathFactory) -> tuple[CrashLog, TinyStore]:
    """8 killed runs, each checked (``crashing.check_folder``), then one run to the end."""
    folder = tmp_path_factory.mktemp("crash")
    log = crash_run(folder, KILLS, BEGIN, UNTIL, seed=20260303, max_delay=0.12)
    return log, TinyStore(folder / "data")


@pytest.mark.slow
def test_sigkill_at_random_moments_keeps_every_acknowledged_cycle(
    killed: tuple[CrashLog, TinyStore],
) -> None:
    """After 8 kills and restarts, the files load and nothing acknowledged is lost."""
    log, _store = killed
    assert log.kills == KILLS
    assert log.killed_mid_run == KILLS  # really killed, not finished before the signal
    assert len(log.acks) > 2 * KILLS


@pytest.mark.slow
def test_no_stream_is_forgotten_across_kills(killed: tuple[CrashLog, TinyStore]) -> None:
    """Every stream that aired in the window, on every platform, ends up in the store."""
    _log, store = killed
    streams = store.streams(include_archive=True)
    aired = {
        f"{s.platform}:{s.video_id}"
        for s in scenario(MONDAY, 1).streams
        if s.actual_start is not None and BEGIN <= s.actual_start < UNTIL - timedelta(hours=1)
    }
    assert {key.split(":")[0] for key in aired} == {"youtube", "facebook", "instagram", "twitch"}
    assert aired <= set(streams)
    polled = {s.stream for s in store.snapshots(*FAR)}
    assert aired <= polled
