"""A sender process for the SIGKILL delivery test: the outbox's sender, alone, until
every delivery is finished.

    python crash_sender.py FOLDER ENDPOINT START

Delivers ``FOLDER``'s outbox through a Telegram channel at ENDPOINT (the simulator's
Bot API stand-in, served by the test process) on a ``SimulatedClock`` from START (ISO
8601), moved on a few seconds after each pass so retries after a 429 come due. Prints
``ready`` once imported and ``tick <iso>`` after each pass (where a restart resumes
the clock), ``done`` when nothing is left; log lines go to stderr.
"""

from __future__ import annotations

import logging
import sys
from datetime import datetime, timedelta
from pathlib import Path

from streamer.clock import SimulatedClock
from streamer.models import to_iso
from streamer.notify.messages import notice
from streamer.notify.sender import Sender, pending_total
from streamer.notify.telegram import TelegramChannel
from streamer.notifyconf import TelegramSettings
from streamer.timezones import zone
from streamer.tinystore import TinyStore

TOKEN = "123456:crash-test-token"
CHAT = "-1001"
STEP = timedelta(seconds=5)


def main(folder: Path, endpoint: str, start: datetime) -> None:
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(message)s")
    clock = SimulatedClock(start)
    store = TinyStore(folder)
    channel = TelegramChannel(TelegramSettings(chat_ids=(CHAT,), api_endpoint=endpoint), TOKEN)
    tz = zone("Asia/Almaty")
    sender = Sender(store, {"telegram": channel}, lambda e: notice(e, "en", {}, tz), clock)
    print("ready", flush=True)
    while pending_total(store.outbox()):
        sender.run_once()
        clock.set(clock.now() + STEP)
        print(f"tick {to_iso(clock.now())}", flush=True)
    print("done", flush=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2], datetime.fromisoformat(sys.argv[3]))
