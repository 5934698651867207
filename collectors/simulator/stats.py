"""What the simulator saw: requests, batch sizes, quota charged, faults injected.

Tests and benchmarks read these to check how a collector behaves (one
``videos.list`` call per 50 ids, no search calls, retries after a 503…).
"""

from __future__ import annotations

import threading
from collections import Counter


class SimStats:
    """Counters the server threads update (``sim.stats``).

    ``requests``: requests per path (no query string). ``video_ids_per_call``: how
    many ids each ``videos.list`` call asked for, in order. ``quota_units``: units
    charged per API key (OAuth calls under ``"oauth"``), all days together.
    ``key_requests``: YouTube requests per API key, refused ones (quota, bad key) included.
    ``faults``: injected faults per kind.
    """

    def __init__(self) -> None:
        self.requests: Counter[str] = Counter()
        self.video_ids_per_call: list[int] = []
        self.quota_units: Counter[str] = Counter()
        self.key_requests: Counter[str] = Counter()
        self.faults: Counter[str] = Counter()
        self._lock = threading.Lock()

    @property
    def total_requests(self) -> int:
        """Requests of any path."""
        return sum(self.requests.values())

    def count_request(self, path: str) -> None:
        """One request arrived for ``path``."""
        with self._lock:
            self.requests[path] += 1

    def record_video_ids(self, count: int) -> None:
        """A ``videos.list`` call asked for ``count`` ids."""
        with self._lock:
            self.video_ids_per_call.append(count)

    def count_key(self, key: str) -> None:
        """A request arrived with API key ``key``."""
        with self._lock:
            self.key_requests[key] += 1

    def charge(self, key: str, units: int) -> None:
        """``units`` of quota were charged to ``key``."""
        with self._lock:
            self.quota_units[key] += units

    def count_fault(self, kind: str) -> None:
        """A fault of ``kind`` was injected."""
        with self._lock:
            self.faults[kind] += 1

    def reset(self) -> None:
        """Start counting afresh (between benchmark phases, say)."""
        with self._lock:
            self.requests.clear()
            self.video_ids_per_call.clear()
            self.quota_units.clear()
            self.key_requests.clear()
            self.faults.clear()
