"""Short, readable ids for broadcasts and series.

An id is 8 characters from a lowercase base32 alphabet without look-alikes
(no i, l, o, u), so it can be read aloud on a call and typed back. The random
source is injected (``new_id``) so tests get predictable ids.

A new id is never all digits: Excel and pandas read "00000002" as the number 2,
and the id no longer names the broadcast. Ids stored before this rule (the demo
once made such ones) are still read, shown and accepted as they are.
"""

from __future__ import annotations

import itertools
import secrets
from collections.abc import Callable, Container, Iterable, Mapping

from streamer.idalphabet import ALPHABET

IdFactory = Callable[[], str]

ID_LENGTH = 8
SERIES_PREFIX = "s-"
SEQUENTIAL_PREFIX = "b"
_ATTEMPTS = 100


def default_id_factory() -> IdFactory:
    """The production id source: 8 random characters (40 bits) from ``secrets``."""

    def new_id() -> str:
        while True:  # (10/32)^8: about one draw in 11,000 is all digits
            drawn = "".join(secrets.choice(ALPHABET) for _ in range(ID_LENGTH))
            if not all_digits(drawn):
                return drawn

    return new_id


def sequential_id_factory(start: int = 1) -> IdFactory:
    """Predictable ids (``b0000001``, ``b0000002``, …) for tests and the demo.

    The leading letter keeps them text in a spreadsheet (see ``all_digits``).
    """
    counter = itertools.count(start)
    return lambda: f"{SEQUENTIAL_PREFIX}{next(counter):0{ID_LENGTH - 1}d}"


def all_digits(text: str) -> bool:
    """Whether ``text`` would be read as a number by a spreadsheet (``00000002``)."""
    return text.isascii() and text.isdigit()


class IdAllocator:
    """Hands out ids from ``new_id`` that are not ``taken`` and not handed out before.

    40 random bits make a clash rare but not impossible among thousands of
    broadcasts, so a clash is simply drawn again rather than trusted away.
    """

    def __init__(self, new_id: IdFactory, taken: Iterable[str | None], prefix: str = "") -> None:
        self._new_id = new_id
        # A plan (a mapping by id) is asked, not copied: a store's plan answers for its
        # archived ids from an index, and listing a year of them cost more than the edit.
        plan = isinstance(taken, Mapping)
        self._existing: Container[object] = taken if isinstance(taken, Mapping) else ()
        self._taken = set() if plan else {item for item in taken if item is not None}
        self._prefix = prefix

    def __call__(self) -> str:
        """A fresh id, remembered as taken."""
        for _ in range(_ATTEMPTS):
            candidate = self._prefix + self._new_id()
            # A factory of all-digit ids (an old test double) is refused, not trusted.
            taken = candidate in self._taken or candidate in self._existing
            if not taken and not all_digits(candidate):
                self._taken.add(candidate)
                return candidate
        # Only a broken factory (e.g. a constant in a test) gets here.
        raise RuntimeError(f"id factory gave {_ATTEMPTS} taken or all-digit ids in a row")
