"""Once per channel across SIGKILLs: a sender process killed at random moments while it
delivers the outbox to the simulator's Telegram stand-in (real httpx on loopback, with
429s), restarted each time, loses nothing and repeats a message only where a kill
landed after Telegram accepted it and before ``sent`` was written.

After each kill (once the stand-in has answered what reached it) the test looks at
the deliveries left ``sending``: when the stand-in received a message for one during
the killed run, the kill landed in that residual window, and the next run sends it
again (logged "may arrive twice").
"""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from collectors.simulator import FaultRule, Scenario, Simulator
from streamer.clock import SimulatedClock
from streamer.models import from_iso
from streamer.notify.sender import pending_total
from streamer.outbox import SENDING, SENT, new_event
from streamer.store import CycleWrite
from streamer.timezones import zone
from streamer.tinystore import TinyStore

SENDER = Path(__file__).parent / "helpers" / "crash_sender.py"
BATCH = 60  # events, and as many again whenever the kills have not run out
KILLS = 30
START = datetime(2026, 3, 4, 9, 0, tzinfo=zone("Asia/Almaty"))


@dataclass
class Tally:
    """What the kills did; ``by_event`` is the stand-in's messages per event."""

    kills: int = 0
    mid_sending: int = 0  # kills after which a delivery was ``sending``
    in_window: int = 0  # kills after the stand-in accepted, before ``sent`` was written
    may_arrive_twice: int = 0  # the restarted senders' warnings
    by_event: Counter[str] = field(default_factory=Counter)


def _event_of(text: str) -> str:
    """The event a message is about: its title line (``event 007``)."""
    return next(line for line in text.splitlines() if line.startswith("event "))


def _settled(sim: Simulator) -> Counter[str]:
    """The stand-in's messages per event, once no request is still being answered."""
    seen = -1
    while seen != sim.stats.total_requests:
        seen = sim.stats.total_requests
        time.sleep(0.1)  # a request the dead process wrote in full is answered by now
    return Counter(_event_of(t) for t in sim.telegram.texts())


def _run(folder: Path, endpoint: str, start: datetime, kill_after: float | None) -> str:
    """One sender process from ``start``; SIGKILLed ``kill_after`` s after it is ready.
    Returns its stdout and stderr."""
    command = [sys.executable, str(SENDER), str(folder), endpoint, start.isoformat()]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None
    assert process.stdout.readline() == "ready\n"
    if kill_after is not None:
        time.sleep(kill_after)
        process.send_signal(signal.SIGKILL)
    out, err = process.communicate(timeout=120)
    assert process.returncode in (0, -signal.SIGKILL), err[-2000:]
    return "ready\n" + out + err


def _resume(output: str, before: datetime) -> datetime:
    """After the last tick the run printed (its simulated clock), or ``before``."""
    ticks = [from_iso(line.split()[1]) for line in output.splitlines() if line.startswith("tick ")]
    return max([before, *ticks]) + timedelta(seconds=1)


def _add_events(folder: Path, first: int) -> None:
    """``BATCH`` more events, numbered from ``first``, each for Telegram."""
    at = START - timedelta(minutes=5)
    events = [new_event(f"live:b{i:03}", "live", at, {"title": f"event {i:03}"}, ["telegram"])
              for i in range(first, first + BATCH)]  # fmt: skip
    TinyStore(folder).commit_cycle(CycleWrite(events=events))


def _killed_runs(folder: Path, sim: Simulator, endpoint: str, rng: random.Random) -> Tally:
    """``KILLS`` killed runs (more events whenever a run finished them all), then one
    run to the end."""
    tally, start, before = Tally(), START, Counter[str]()
    while tally.kills < KILLS:
        if not pending_total(TinyStore(folder).outbox()):
            _add_events(folder, len(TinyStore(folder).outbox()))
        output = _run(folder, endpoint, start, rng.uniform(0.0, 0.25))
        tally.kills += "done" not in output
        tally.may_arrive_twice += output.count("may arrive twice")
        start, after = _resume(output, start), _settled(sim)
        sending = [e for e in TinyStore(folder).outbox()
                   if e["deliveries"]["telegram"]["state"] == SENDING]  # fmt: skip
        # An earlier kill's may still be ``sending`` (a due retry went first); only
        # the one this run had in flight can have reached the stand-in in this run.
        landed = [e for e in sending if after[e["data"]["title"]] > before[e["data"]["title"]]]
        assert len(landed) <= 1
        tally.mid_sending += bool(sending)
        tally.in_window += len(landed)
        before = after
    output = _run(folder, endpoint, start, None)
    tally.may_arrive_twice += output.count("may arrive twice")
    assert "done" in output
    tally.by_event = _settled(sim)
    return tally


@pytest.mark.slow
def test_each_event_reaches_telegram_once_across_sigkills_while_sending(tmp_path: Path) -> None:
    """30 SIGKILLs at random moments of sending events with 429s: every event is sent,
    and the only repeats are the kills that landed after Telegram accepted."""
    sim = Simulator(Scenario(streams=[]), SimulatedClock(START))
    sim.faults.add(FaultRule(kind="http429", path_prefix="/bot", rate=0.2, retry_after=3))
    with sim.serve() as endpoint:
        tally = _killed_runs(tmp_path, sim, endpoint, random.Random(20260304))
    outbox = TinyStore(tmp_path).outbox()
    events = len(outbox)
    assert [e["deliveries"]["telegram"]["state"] for e in outbox] == [SENT] * events
    assert set(tally.by_event) == {f"event {i:03}" for i in range(events)}  # nothing lost
    duplicates = sum(count - 1 for count in tally.by_event.values())
    assert duplicates <= tally.in_window <= min(tally.mid_sending, tally.may_arrive_twice)
    assert tally.kills == KILLS and tally.mid_sending > 0 and sim.stats.faults["http429"] > 0
    print(f"\nkills {tally.kills}, while sending {tally.mid_sending}, in the residual window "
          f"{tally.in_window}; events {events}, messages {tally.by_event.total()}, "
          f"duplicates {duplicates}")  # fmt: skip
