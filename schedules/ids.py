"""Short, readable ids for broadcasts and series.

An id is 8 characters from a lowercase base32 alphabet without look-alikes
(no i, l, o, u), so it can be read aloud on a call and typed back. The random
source is injected (``new_id``) so tests get predictable ids.
"""

from __future__ import annotations

import itertools
import secrets
from collections.abc import Callable, Iterable

IdFactory = Callable[[], str]

ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
ID_LENGTH = 8
SERIES_PREFIX = "s-"
_ATTEMPTS = 100


def default_id_factory() -> IdFactory:
    """The production id source: 8 random characters (40 bits) from ``secrets``."""

    def new_id() -> str:
        return "".join(secrets.choice(ALPHABET) for _ in range(ID_LENGTH))

    return new_id


def sequential_id_factory(start: int = 1) -> IdFactory:
    """Predictable ids (``00000001``, ``00000002``, …) for tests and the demo."""
    counter = itertools.count(start)
    return lambda: f"{next(counter):08d}"


class IdAllocator:
    """Hands out ids from ``new_id`` that are not ``taken`` and not handed out before.

    40 random bits make a clash rare but not impossible among thousands of
    broadcasts, so a clash is simply drawn again rather than trusted away.
    """

    def __init__(self, new_id: IdFactory, taken: Iterable[str | None], prefix: str = "") -> None:
        self._new_id = new_id
        self._taken = {item for item in taken if item is not None}
        self._prefix = prefix

    def __call__(self) -> str:
        """A fresh id, remembered as taken."""
        for _ in range(_ATTEMPTS):
            candidate = self._prefix + self._new_id()
            if candidate not in self._taken:
                self._taken.add(candidate)
                return candidate
        # Only a broken factory (e.g. a constant in a test) gets here.
        raise RuntimeError(f"id factory gave {_ATTEMPTS} taken ids in a row")
